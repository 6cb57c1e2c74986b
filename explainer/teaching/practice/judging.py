"""Judging a wrong answer: the named mistakes that give it (the first is the likeliest), else
which way or which axis it is off, never by how much; a fractional answer, and the formula
step whose floor it forgot."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

from ...deriving.layers.sizes import AXES
from ...records import record
from .answers import Answer
from .items import Item
from .mistakes import Mistake


@record
class Verdict:
    """How a wrong answer differs from the right one, for the feedback template."""

    mistake: Mistake | None
    difference: int | None = None  # answer - right: only its sign is said, never its size
    what: str = "your answer"  # "the height in your answer"
    axes: tuple[tuple[str, bool], ...] = ()  # a shape of the right length: each axis, right?
    dims: tuple[int, int] | None = None  # a shape of the wrong length: (given, right)
    also: tuple[Mistake, ...] = ()  # other named mistakes that give the same answer


def judge(item: Item, answer: Answer) -> Verdict:
    """How the wrong ``answer`` differs from ``item.answer``: the named mistakes that give it
    (the first is the likeliest: a size slip before the count it feeds), else which way or
    which axis it is off. Never by how much: that would give the answer away."""
    return dataclasses.replace(_judged(item, answer), also=_named(item, answer)[1:])


def _named(item: Item, answer: Answer) -> tuple[Mistake, ...]:
    named: dict[str, Mistake] = {}
    for mistake in item.mistakes:
        if mistake.value == answer:
            named.setdefault(mistake.description, mistake)
    return tuple(named.values())


def _judged(item: Item, answer: Answer) -> Verdict:
    mistake = next(iter(_named(item, answer)), None)
    right = item.answer
    if item.asks == "layer":  # a layer's number: no use in saying which way it is off
        return Verdict(mistake)
    if isinstance(right, int) and isinstance(answer, int):
        return Verdict(mistake, answer - right)
    given = answer if isinstance(answer, tuple) else (answer,)
    wanted = right if isinstance(right, tuple) else (right,)
    if len(given) == len(wanted) == 1:  # a flat shape: a number
        return Verdict(mistake, given[0] - wanted[0])
    if mistake is not None and mistake.axis is not None:
        axis = mistake.axis
        name = _axis_names(len(wanted))[axis]
        return Verdict(mistake, given[axis] - wanted[axis], f"the {name} in your answer")
    if mistake is not None or len(given) != len(wanted):
        return Verdict(mistake, dims=None if mistake else (len(given), len(wanted)))
    names = _axis_names(len(wanted))
    checked = zip(names, given, wanted, strict=True)
    return Verdict(None, axes=tuple((name, g == w) for name, g, w in checked))


_CLOSE = Fraction(1, 100)  # a decimal rounded to two places still names its formula


@record
class Fractional:
    """A size or a count written as a fraction: never right, and what gives it, if named."""

    size: bool  # the item asks a size (a shape or an output size), not a count
    named: tuple[tuple[Fraction, str], ...]  # (exact value, the mistake that gives it)
    mistake: str = ""


def fractional(item: Item) -> Fractional:
    """The fractions an item's size steps give before their floor is taken: the floor
    forgotten, and the floor and the ``+ 1`` both (the handout's Maxpool row, unfloored)."""
    last = item.stages[-1].step if item.stages else None
    size = (
        item.shape
        or item.asks == "output_size"
        or (last is not None and last.quantity.startswith("output "))
    )
    target = item.stages[-1].layer if item.stages else None  # the asked layer's own steps
    named: list[tuple[Fraction, str]] = []
    for stage in item.stages if size else ():
        if stage.layer is not target:
            continue
        values = dict(stage.step.values) if stage.step is not None else {}
        if stage.kind != "value" or not {"W", "F", "P", "S"} <= set(values) or "D" in values:
            continue
        inside = Fraction(values["W"] - values["F"] + 2 * values["P"], values["S"])
        named.append((inside + 1, "the floor forgotten: a size is a whole number of windows"))
        named.append((inside, "the floor and the \u201c+ 1\u201d both forgotten"))
    return Fractional(size, tuple((v, d) for v, d in named if v.denominator != 1))


def fraction_verdict(item: Item, value: Fraction) -> Fractional:
    found = fractional(item)
    mistake = next((d for exact, d in found.named if abs(exact - value) < _CLOSE), "")
    return dataclasses.replace(found, mistake=mistake)


def _axis_names(length: int) -> tuple[str, ...]:
    if length == 1:
        return ("size",)
    spatial = AXES.get(length - 1)
    return ("channels", *spatial) if spatial else tuple(f"axis {i + 1}" for i in range(length))
