"""`explainer layers`: every kind of a framework's dialect, with its formulas as the worked
solution writes them. The formulas are not restated here: each kind's small example is
solved, so the catalogue cannot drift from what `explainer solve` shows."""

from __future__ import annotations

from typing import Any

from ..deriving.layers import registry
from ..deriving.solution import LayerResult
from ..deriving.solve import solve
from ..deriving.spec import Architecture, LayerSpec
from ..records import record
from . import parse


@record
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
        solved = _solved(name, kind, framework)
        entries.append(Entry(name, kind.summary, names, kind.example, solved))
    return tuple(entries)


def _solved(name: str, kind: Any, framework: str) -> LayerResult:
    """The example's last layer; a merge's example is the layer on its example inputs."""
    if not kind.example_inputs:
        return solve(parse(kind.example).with_framework(framework)).layers[-1]
    first, *others = kind.example_inputs
    spec = LayerSpec(name, text=kind.example, input_shape=first, other_inputs=tuple(others))
    return solve(Architecture((spec,), first, framework=framework)).layers[-1]
