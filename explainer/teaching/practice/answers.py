"""Reading a student's answer: an integer (grouped the western or the Indian way), a shape, or
a fraction (which is never right, and may name the floor forgotten)."""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

from ...deriving.spec import Shape
from ..generate.expression import read_formula

Answer = int | Shape | Any  # Any: a formula or a fraction of topic symbolic (sympy)
# Topic symbolic: the answers read by the formula grammar (explainer.teaching.generate.
# expression), never as numbers: a formula in the named sizes, a growth factor (a fraction).
READ_AS_FORMULA = ("formula", "growth")

_INT = re.compile(r"[0-9]+")
_WESTERN = re.compile(r"[0-9]{1,3}(?:([,_ ])[0-9]{3})(?:\1[0-9]{3})*")
_INDIAN = re.compile(r"[0-9]{1,2}(?:([,_ ])[0-9]{2})(?:\1[0-9]{2})*\1[0-9]{3}")
_TIMES = re.compile(r"[0-9]+(?:\s*[x×*]\s*[0-9]+)+", re.IGNORECASE)
_BRACKETS = re.compile(r"\[(?P<list>[^\[\]]*)\]|\((?P<tuple>[^()]*)\)")
_LIST_ITEM = re.compile(r"\s*(-?[0-9]+)\s*")
_BARE_LIST = re.compile(r"[0-9]+(?:\s*,\s*[0-9]+)+|[0-9]+(?:\s+[0-9]+)+")


def parse_answer(text: str, *, axes: int = 0) -> Answer | None:
    """An integer or a shape, or None when ``text`` is neither.

    Integers may group their digits with ``,``, ``_`` or spaces, the western way (883,530) or
    the Indian way (8,83,530). Shapes are ``16x14x14`` (or ×, *), ``[16, 14, 14]`` or
    ``(16,14,14)``; a leading ``-1`` (torchsummary's batch) is kept. Where a shape of ``axes``
    axes is asked (not 0), bare ``16,14,14`` and ``16 14 14`` are shapes too; ``3,136`` is
    then a number unless two axes are asked.
    """
    text = text.strip()
    bare = axes and _BARE_LIST.fullmatch(text)
    if bare and (axes == 2 or not _grouped(text)):
        return tuple(int(part) for part in re.split(r"[\s,]+", text))
    number = _integer(text)
    if number is not None:
        return number
    if _TIMES.fullmatch(text):
        return tuple(int(part) for part in re.split(r"\s*[x×*]\s*", text, flags=re.IGNORECASE))
    return _bracketed(text)


def _integer(text: str) -> int | None:
    if _INT.fullmatch(text):
        return int(text)
    if _WESTERN.fullmatch(text) or _INDIAN.fullmatch(text):
        return int(re.sub(r"[,_ ]", "", text))
    return None


def _grouped(text: str) -> bool:
    """``1,216`` reads as one grouped number even where a shape is asked; ``16,14,14`` not."""
    return text.count(",") == 1 and bool(_WESTERN.fullmatch(text)) and " " not in text


def _bracketed(text: str) -> Shape | None:
    match = _BRACKETS.fullmatch(text)
    if match is None:
        return None
    inner = (match["list"] if match["list"] is not None else match["tuple"]).rstrip().rstrip(",")
    parts = [_LIST_ITEM.fullmatch(part) for part in inner.split(",")]
    if not inner or any(part is None for part in parts):
        return None
    sizes = tuple(int(part[1]) for part in parts if part is not None)
    if any(size < 0 for size in sizes[1:]) or (sizes[0] < 0 and sizes[0] != -1):
        return None
    return sizes


_FRACTION = re.compile(
    r"(?P<whole>[0-9]+)\.(?P<decimals>[0-9]+)|(?P<num>[0-9]+)/(?P<den>[1-9][0-9]*)"
)


def read_fraction(text: str) -> Fraction | None:
    """``41.67`` or ``125/3`` as an exact fraction; None for anything else (or a whole one)."""
    match = _FRACTION.fullmatch(text.strip())
    if match is None:
        return None
    if match["num"] is not None:
        value = Fraction(int(match["num"]), int(match["den"]))
    else:
        value = Fraction(match["whole"] + "." + match["decimals"])
    return None if value.denominator == 1 else value


def read_named(asks: str, sizes: tuple[str, ...], text: str) -> Any:
    """A formula in the sizes (or, for a growth factor, a number or a fraction), read by the
    formula grammar: never evaluated as code. FormulaError where it cannot be read."""
    return read_formula(text, sizes if asks == "formula" else ())
