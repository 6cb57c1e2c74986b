"""The bank of ready problems in exercises/: one TOML file each."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

from ..boundary import MAX_FILE_BYTES, MAX_SPEC_CHARS, excerpt, read_file
from ..deriving.spec import Architecture
from ..errors import ExplainerError, UnknownNameError, did_you_mean, literal
from ..records import record
from ..resources import resource_dir
from . import parse


@record
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


class BankError(ExplainerError):
    """A bank file that is not a valid example: bad TOML, a missing or mistyped key."""


# Each key of a bank file: its type, and whether it must be there.
_KEYS: dict[str, tuple[type, bool]] = {
    "title": (str, True),
    "source": (str, False),
    "spec": (str, True),
    "input": (list, False),
    "total_params": (int, True),
    "framework": (str, False),
}


def examples(folder: Path | None = None) -> dict[str, Example]:
    """Every example; a broken file is an error naming it (the bank is the project's own)."""
    return {path.stem: load(path) for path in _paths(folder)}


def example(name: str, folder: Path | None = None) -> Example:
    """One example, reading its own file only: a broken neighbour does not stop it."""
    paths = {path.stem: path for path in _paths(folder)}
    if name not in paths:
        raise UnknownNameError(
            f"no example named {excerpt(name)}{did_you_mean(name, paths)}; see 'explainer examples'"
        )
    return load(paths[name])


def _paths(folder: Path | None) -> list[Path]:
    return sorted((folder or resource_dir("exercises")).glob("*.toml"))


def load(path: Path) -> Example:
    where = f"bank file {path.name}"
    text = read_file(path, literal(where), MAX_FILE_BYTES, private=False)
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if isinstance(exc, ValueError) else "nested too deeply"
        raise BankError(f"not valid TOML: {reason}", where) from None
    for key, (kind, required) in _KEYS.items():
        if (key in data or required) and type(data.get(key)) is not kind:
            raise BankError(
                f"{key!r} must be a {kind.__name__} (got {excerpt(repr(data.get(key)))})", where
            )
    shape = data.get("input")
    if shape is not None and not all(type(size) is int for size in shape):
        raise BankError("'input' must be a list of integers", where)
    if data.get("framework", "pytorch") not in ("pytorch", "keras"):
        raise BankError("'framework' must be 'pytorch' or 'keras'", where)
    if len(data["spec"]) > MAX_SPEC_CHARS:
        raise BankError(f"'spec' is longer than {MAX_SPEC_CHARS:,} characters", where)
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


@record
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
