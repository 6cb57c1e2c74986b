"""The bank of ready problems in exercises/: one TOML file each."""

from __future__ import annotations

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

    def architecture(self) -> Architecture:
        return parse(self.spec).with_input(self.input_shape).with_framework(self.framework)


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
    )


@dataclass(frozen=True)
class HFExample:
    """A Hugging Face config.json written out in exercises/hf/, with the total its source states."""

    name: str
    title: str
    source: str
    config: str  # the JSON text of the configuration
    total_params: int


def hf_examples() -> dict[str, HFExample]:
    folder = resource_dir("exercises") / "hf"
    index = tomllib.loads((folder / "index.toml").read_text(encoding="utf-8"))
    return {
        name: HFExample(
            name=name,
            title=entry["title"],
            source=entry["source"],
            config=(folder / f"{name}.json").read_text(encoding="utf-8"),
            total_params=entry["total_params"],
        )
        for name, entry in index.items()
    }
