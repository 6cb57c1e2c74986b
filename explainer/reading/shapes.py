"""Input shapes: ``1,28,28``, ``1x28x28``, ``(1, 28, 28)``, ``[1, 28, 28]``, ``1024``.

The batch dimension is never part of a shape here; shapes are channels-first (PyTorch).
"""

from __future__ import annotations

import re

from ..boundary import MAX_DIGITS, MAX_DIMENSIONS, excerpt
from ..deriving.spec import Shape, SizeName, open_size
from ..errors import InputShapeError, literal

_SEPARATOR = re.compile(r"[,x×*]")


def parse_shape(text: str) -> Shape:
    body = text.strip()
    if body[:1] in "([" and body[-1:] in ")]":
        body = body[1:-1].strip().rstrip(",")
    # "1,28,28", "1x28x28", "1 28 28": one separator between sizes, never two in a row.
    parts = [p.strip() for p in _SEPARATOR.split(body)] if _SEPARATOR.search(body) else body.split()
    if len(parts) > 1 and parts[0] == "None":
        parts = parts[1:]  # Keras's (None, 28, 28, 1): the batch, which shapes here leave out
    if not parts:
        raise InputShapeError(f"input shape {excerpt(text)} is empty: give sizes such as 1,28,28")
    sizes: list[object] = []
    for position, part in enumerate(parts, 1):
        if part == "None":  # a size Keras leaves open: (None, None, 64), any length
            sizes.append(None)
            continue
        if not re.fullmatch(r"[+-]?\d+", part):
            raise InputShapeError(
                f"input shape {excerpt(text)}: size {position} is {excerpt(part)}, not an integer"
            )
        if len(part.lstrip("+-")) > MAX_DIGITS:  # int() would refuse it by Python's own limit
            raise InputShapeError(
                f"input shape: size {position} has more than {MAX_DIGITS:,} digits"
            )
        sizes.append(int(part))
    return check_shape(tuple(sizes), text)


def check_shape(sizes: tuple[object, ...], text: str | None = None) -> Shape:
    shown = excerpt(text)[1:-1] if text is not None else ", ".join(map(repr, sizes[:8]))
    if not sizes:
        raise InputShapeError("input shape is empty: give sizes such as input(1, 28, 28)")
    if len(sizes) > MAX_DIMENSIONS:
        raise InputShapeError(
            f"input shape has {len(sizes):,} sizes; at most {MAX_DIMENSIONS} (without the batch)"
        )
    found: list[object] = []
    for position, size in enumerate(sizes, 1):
        if size is None:  # Keras's open size (shape=(None,)): kept as None, see OpenSize
            found.append(open_size(str(position)))
            continue
        found.append(size)
        if isinstance(size, SizeName):  # a named size: the solution is a formula in it
            continue
        if type(size) is not int or size < 1:
            raise InputShapeError(
                f"input shape ({shown}): size {position} is {excerpt(repr(size))[1:-1]}; "
                "sizes must be positive integers"
            )
    return tuple(found)  # type: ignore[arg-type]


_LET = re.compile(r"\s*([A-Za-z_]\w*)\s*=\s*([+-]?\d+)\s*")


def parse_let(text: str) -> dict[str, int]:
    """``d=784,h=128`` -> {"d": 784, "h": 128}: the numbers of named sizes (``let``)."""
    values: dict[str, int] = {}
    for position, part in enumerate(text.split(","), 1):
        match = _LET.fullmatch(part)
        if match is None:
            why = f"{text!r}: item {position} is {part.strip()!r}, not NAME=INTEGER"
            raise InputShapeError("{let} " + literal(why), named=True)
        name, value = match[1], int(match[2])
        if value < 1:
            why = f"{name}={value}: a size must be a positive integer"
            raise InputShapeError("{let} " + literal(why), named=True)
        if name in values:
            why = f"{text!r}: {name} is given twice"
            raise InputShapeError("{let} " + literal(why), named=True)
        values[name] = value
    return values
