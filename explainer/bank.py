"""The bank of ready problems in exercises/: one TOML file each."""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .errors import ExplainerError, did_you_mean
from .parsing import parse
from .resources import resource_dir
from .spec import Architecture


@dataclass(frozen=True)
class Example:
    name: str
    title: str
    source: str
    spec: str
    input_shape: tuple[int, ...] | None
    total_params: int  # what the source states; the tests hold the solver to it
    framework: str = "pytorch"  # whose names, shapes and counting rules the spec uses
    notes: tuple[str, ...] = ()  # said once at the top of the worked solution

    def architecture(self) -> Architecture:
        parsed = parse(self.spec).with_input(self.input_shape).with_framework(self.framework)
        return dataclasses.replace(parsed, notes=parsed.notes + self.notes)


def examples() -> dict[str, Example]:
    folder = resource_dir("exercises")
    return {path.stem: _load(path) for path in sorted(folder.glob("*.toml"))}


def example(name: str) -> Example:
    bank = examples()
    if name not in bank:
        raise ExplainerError(
            f"no example named {name!r}{did_you_mean(name, bank)}; see 'explainer examples'"
        )
    return bank[name]


def _load(path: Path) -> Example:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    shape = data.get("input")
    return Example(
        name=path.stem,
        title=data["title"],
        source=data.get("source", ""),
        spec=data["spec"],
        input_shape=tuple(shape) if shape else None,
        total_params=data["total_params"],
        framework=data.get("framework", "pytorch"),
        notes=tuple(data.get("notes", ())),
    )
