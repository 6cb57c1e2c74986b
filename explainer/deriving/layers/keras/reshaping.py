"""Keras's reshaping and preprocessing layers: no trainable weights. ZeroPadding2D and
Cropping2D change the height and width; Reshape rearranges; Rescaling multiplies; Normalization
keeps its mean and variance as non-trainable weights unless they are given."""

from __future__ import annotations

from math import prod
from typing import Any, ClassVar

from ....errors import ArgumentError, ShapeError
from ....records import record
from ... import symbolic
from ...spec import OPEN, Shape
from ...steps import Step, derive
from ...symbolic import differ, fails, is_open
from ..base import Derivation, boolean
from .base import KerasLayer, channels_last

SIDES = {
    "H": "input height",
    "W": "input width",
    "a": "rows or columns added or removed before",
    "b": "after",
}


def _pairs(name: str, value: Any, default_pair: bool) -> tuple[tuple[int, int], tuple[int, int]]:
    """An int, a pair (one per axis, both sides) or a pair of pairs, as ((top, bottom),
    (left, right))."""

    def side(v: Any) -> int:
        if type(v) is not int or v < 0:
            raise ArgumentError(f"{name} must hold non-negative integers, got {value!r}")
        return v

    if type(value) is int:
        return (side(value), side(value)), (side(value), side(value))
    if isinstance(value, tuple | list) and len(value) == 2:
        if all(type(v) is int for v in value):
            a, b = side(value[0]), side(value[1])
            return (a, a), (b, b)
        if all(isinstance(v, tuple | list) and len(v) == 2 for v in value):
            (top, bottom), (left, right) = value
            return (side(top), side(bottom)), (side(left), side(right))
    raise ArgumentError(
        f"{name} must be an integer, a pair (height, width) or ((top, bottom), (left, right)), "
        f"got {value!r}"
    )


def _sides(
    shape: Shape, pairs: tuple[tuple[int, int], tuple[int, int]], sign: str, why: str
) -> tuple[Shape, tuple[Step, ...]]:
    steps = []
    for axis, symbol, size, (a, b) in zip(("height", "width"), "HW", shape[:2], pairs, strict=True):
        values = {symbol: size, "a": a, "b": b}
        steps.append(derive(f"output {axis}", f"{symbol} {sign} a {sign} b", values, SIDES, why))
    return (steps[0].value, steps[1].value, shape[2]), tuple(steps)


@record
class ZeroPadding2D(KerasLayer):
    """Rows and columns of zeros around each channel of an (H, W, C) image."""

    padding: Any = (1, 1)
    data_format: str | None = None

    input_dims: ClassVar = frozenset({3})
    summary: ClassVar[str] = "zeros around the image: H + a + b by W + a + b, no parameters"
    example: ClassVar[str] = "input(224, 224, 3) -> ZeroPadding2D(3)"

    def _check(self) -> None:
        _pairs("padding", self.padding, True)
        channels_last(self.data_format)

    def _derive(self, shape: Shape) -> Derivation:
        why = "zeros are added before (top, left) and after (bottom, right)"
        output, steps = _sides(shape, _pairs("padding", self.padding, True), "+", why)
        return Derivation(
            output,
            0,
            steps,
            "rows and columns of zeros are added; channels last",
            "ZeroPadding2D has no weights: 0",
        )


@record
class Cropping2D(KerasLayer):
    """Rows and columns cut off the edges of an (H, W, C) image."""

    cropping: Any = ((0, 0), (0, 0))
    data_format: str | None = None

    input_dims: ClassVar = frozenset({3})
    summary: ClassVar[str] = "cuts the edges: H − a − b by W − a − b, no parameters"
    example: ClassVar[str] = "input(28, 28, 3) -> Cropping2D(((2, 2), (4, 4)))"

    def _check(self) -> None:
        _pairs("cropping", self.cropping, False)
        channels_last(self.data_format)

    def _derive(self, shape: Shape) -> Derivation:
        pairs = _pairs("cropping", self.cropping, False)
        for axis, size, (a, b) in zip(("height", "width"), shape[:2], pairs, strict=True):
            if fails(a + b >= size):  # a size left None: assumed large enough, as Keras does
                raise ShapeError(
                    f"cropping {a} + {b} = {a + b} leaves nothing of the input {axis} {size}"
                )
        why = "rows and columns are cut off before (top, left) and after (bottom, right)"
        output, steps = _sides(shape, pairs, "-", why)
        return Derivation(
            output, 0, steps, "the edges are cut off; channels last", "Cropping2D has no weights: 0"
        )


@record
class Reshape(KerasLayer):
    """The same values in another shape; one size may be -1, worked out from the others."""

    target_shape: Any

    summary: ClassVar[str] = "the same values, another shape (one size may be -1): no parameters"
    example: ClassVar[str] = "input(784) -> Reshape((28, 28, 1))"

    def _check(self) -> None:
        target = self.target_shape
        if not isinstance(target, tuple | list) or not target:
            raise ArgumentError(f"target_shape must be a tuple of sizes, got {target!r}")
        if any(type(s) is not int or (s < 1 and s != -1) for s in target):
            raise ArgumentError(f"target_shape sizes must be positive, or one -1, got {target!r}")
        if list(target).count(-1) > 1:
            raise ArgumentError(f"target_shape may have only one -1, got {target!r}")

    def _derive(self, shape: Shape) -> Derivation:
        target = tuple(self.target_shape)
        total, known = prod(shape), prod(s for s in target if s != -1)
        steps: tuple[Step, ...] = ()
        if -1 in target and is_open(total):  # Keras's -1 on a size left None: None
            why = "the same values, rearranged; -1 stands for what the None size holds"
            size = symbolic.symbol(f"{OPEN}reshape{target}")
            target = tuple(size if s == -1 else s for s in target)
            return Derivation(target, 0, (), why, "Reshape has no weights: 0")
        if -1 in target:
            if differ(total % known, 0):  # a named size (explainer.symbolic): as sympy decides
                raise ShapeError(
                    f"target_shape {target}: {total} values do not divide into sizes of {known}"
                )
            meanings = {"N": "values in the input", "K": "product of the given sizes"}
            why = "-1 takes whatever size makes the number of values the same"
            step = derive("the size written -1", "N/K", {"N": total, "K": known}, meanings, why)
            steps = (step,)
            target = tuple(step.value if s == -1 else s for s in target)
        elif differ(known, total):
            raise ShapeError(
                f"target_shape {target} holds {known} values, the input {list(shape)} has {total}"
            )
        return Derivation(
            target, 0, steps, f"the same {total} values, rearranged", "Reshape has no weights: 0"
        )


def _scale(name: str, value: Any) -> None:
    items = value if isinstance(value, tuple | list) else (value,)
    if not items or any(type(v) not in (int, float) for v in items):
        raise ArgumentError(f"{name} must be a number or a tuple of numbers, got {value!r}")


@record
class Rescaling(KerasLayer):
    """x·scale + offset: fixed numbers, not weights."""

    scale: Any
    offset: Any = 0.0

    summary: ClassVar[str] = "x·scale + offset (fixed, not learnt): no parameters"
    example: ClassVar[str] = "input(224, 224, 3) -> Rescaling(0.5, offset=-1.0)"

    def _check(self) -> None:
        _scale("scale", self.scale)
        _scale("offset", self.offset)

    def _derive(self, shape: Shape) -> Derivation:
        why = "Rescaling has no weights: 0 (scale and offset are fixed numbers)"
        return Derivation(shape, 0, (), "each value is scaled: the shape is unchanged", why)


@record
class Normalization(KerasLayer):
    """(x − mean)/√variance per feature along ``axis``; without a given mean and variance
    Keras keeps them (and a count) as non-trainable weights that adapt() fills in."""

    axis: Any = -1
    mean: Any = None
    variance: Any = None
    invert: bool = False

    summary: ClassVar[str] = (
        "feature normalisation: 2·N + 1 non-trainable parameters (mean, variance, count) "
        "unless the mean and variance are given"
    )
    example: ClassVar[str] = "input(224, 224, 3) -> Normalization()"

    def _check(self) -> None:
        self._axes()
        boolean("invert", self.invert)
        if (self.mean is None) != (self.variance is None):
            raise ArgumentError("give both mean and variance, or neither (adapt() learns them)")
        for name in ("mean", "variance"):
            if getattr(self, name) is not None:
                _scale(name, getattr(self, name))

    def _axes(self) -> tuple[int, ...]:
        axis = self.axis
        axes = () if axis is None else axis if isinstance(axis, tuple | list) else (axis,)
        if any(type(a) is not int for a in axes):
            raise ArgumentError(f"axis must be an integer, a tuple of them or None, got {axis!r}")
        return tuple(axes)

    def _derive(self, shape: Shape) -> Derivation:
        rank = len(shape) + 1
        kept = []
        for axis in self._axes():
            index = axis + rank if axis < 0 else axis
            if not 1 <= index < rank:
                raise ShapeError(
                    f"axis={axis} is not one of the axes 1 to {rank - 1} of {[-1, *shape]} "
                    "(axis 0 is the batch)"
                )
            kept.append(shape[index - 1])
            if is_open(kept[-1]):  # Keras refuses it too: the statistics need a known size
                raise ShapeError(
                    f"axis={axis} is None in {[-1, *shape]}: Normalization keeps a mean and a "
                    "variance per feature along it, so its size must be known"
                )
        keep = "normalising keeps the shape"
        if self.mean is not None:
            why = "Normalization has no weights: 0 (mean and variance are given as fixed numbers)"
            return Derivation(shape, 0, (), keep, why)
        size = prod(kept)
        meanings = {"N": f"features along axis {self.axis!r}"}
        why = (
            f"a mean and a variance for each of the N = {size} features, and one count of the "
            "samples seen, all non-trainable: adapt() computes them from data, training does "
            "not change them"
        )
        step = derive("parameters", "2*N + 1", {"N": size}, meanings, why)
        return Derivation(shape, step.value, (step,), keep, why, non_trainable=step.value)
