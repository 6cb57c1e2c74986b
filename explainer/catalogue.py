"""`explainer layers`: every kind of a framework's dialect, with its formulas as the worked
solution writes them. The formulas are not restated here: each kind's small example is
solved, so the catalogue cannot drift from what `explainer solve` shows."""

from __future__ import annotations

from dataclasses import dataclass

from .api import solve_spec
from .layers import registry
from .solve import LayerResult


@dataclass(frozen=True)
class Entry:
    name: str
    summary: str
    aliases: tuple[tuple[str, str], ...]  # (name in another notation, what it means)
    example: str
    solved: LayerResult  # the example's last layer, solved


def catalogue(framework: str = "pytorch") -> tuple[Entry, ...]:
    kinds, aliases = registry(framework)
    entries = []
    for name, kind in kinds.items():
        names = tuple((alias, a.meaning) for alias, a in aliases.items() if a.kind is kind)
        solved = solve_spec(kind.example, framework=framework).layers[-1]
        entries.append(Entry(name, kind.summary, names, kind.example, solved))
    return tuple(entries)
