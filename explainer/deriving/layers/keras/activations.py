"""Keras's activation layers: ReLU, LeakyReLU, ELU and Softmax have no weights; PReLU learns one
slope α per value, or per channel with shared_axes."""

from __future__ import annotations

from math import prod
from typing import Any, ClassVar

from ....errors import ArgumentError, ShapeError
from ....records import record
from ...spec import Shape
from ...steps import derive
from ..base import Derivation
from .base import KerasLayer, passive


def _number(
    name: str, value: Any, *, allow_none: bool = False, minimum: float | None = None
) -> None:
    if value is None and allow_none:
        return
    if type(value) not in (int, float) or (minimum is not None and value < minimum):
        least = "" if minimum is None else f" of at least {minimum:g}"
        raise ArgumentError(f"{name} must be a number{least}, got {value!r}")


def _weightless(layer: KerasLayer, shape: Shape, what: str) -> Derivation:
    return Derivation(
        shape, 0, (), f"{what}, value by value: the shape is unchanged",
        f"{layer.type_name()} has no weights: 0",
    )  # fmt: skip


@record
class ReLU(KerasLayer):
    """max(x, 0), optionally capped at max_value, with a slope below the threshold."""

    max_value: float | None = None
    negative_slope: float = 0.0
    threshold: float = 0.0

    summary: ClassVar[str] = "rectified linear unit: no parameters"
    example: ClassVar[str] = "input(28, 28, 32) -> ReLU(max_value=6.0)"

    def _check(self) -> None:
        _number("max_value", self.max_value, allow_none=True, minimum=0)
        _number("negative_slope", self.negative_slope, minimum=0)
        _number("threshold", self.threshold)

    def _derive(self, shape: Shape) -> Derivation:
        return _weightless(self, shape, "max(x, 0) is taken")


@record
class LeakyReLU(KerasLayer):
    """x for x ≥ 0, negative_slope·x below: a fixed slope, not learnt."""

    negative_slope: float = 0.3

    summary: ClassVar[str] = "leaky ReLU (a fixed slope below 0): no parameters"
    example: ClassVar[str] = "input(128) -> LeakyReLU(0.1)"

    def _check(self) -> None:
        _number("negative_slope", self.negative_slope, minimum=0)

    def _derive(self, shape: Shape) -> Derivation:
        return _weightless(self, shape, "the fixed slope applies below 0")


@record
class ELU(KerasLayer):
    """x for x > 0, alpha·(eˣ − 1) below."""

    alpha: float = 1.0

    summary: ClassVar[str] = "exponential linear unit: no parameters"
    example: ClassVar[str] = "input(128) -> ELU()"

    def _check(self) -> None:
        _number("alpha", self.alpha)

    def _derive(self, shape: Shape) -> Derivation:
        return _weightless(self, shape, "α·(eˣ − 1) applies below 0")


@record
class Softmax(KerasLayer):
    """Exponentials normalised to sum to 1 along ``axis``."""

    axis: Any = -1

    summary: ClassVar[str] = "softmax along an axis: no parameters"
    example: ClassVar[str] = "input(10) -> Softmax()"

    def _check(self) -> None:
        axes = self.axis if isinstance(self.axis, tuple | list) else (self.axis,)
        if not axes or any(type(a) is not int for a in axes):
            raise ArgumentError(f"axis must be an integer or a tuple of them, got {self.axis!r}")

    def _derive(self, shape: Shape) -> Derivation:
        rank = len(shape) + 1
        axes = self.axis if isinstance(self.axis, tuple | list) else (self.axis,)
        for axis in axes:
            if not -rank <= axis < rank:
                raise ShapeError(
                    f"axis={axis} is out of range for a {rank}-dimensional input (batch "
                    f"included) {[-1, *shape]}"
                )
        return _weightless(self, shape, f"normalised to sum to 1 along axis {self.axis!r}")


@record
class PReLU(KerasLayer):
    """A learnt slope α below 0 for every value, shared along ``shared_axes``."""

    alpha_initializer: str = passive("Zeros")
    alpha_regularizer: str | None = passive(None)
    alpha_constraint: str | None = passive(None)
    shared_axes: Any = None

    summary: ClassVar[str] = "parametric ReLU: one learnt slope per value, shared along shared_axes"
    example: ClassVar[str] = "input(28, 28, 32) -> PReLU(shared_axes=(1, 2))"

    def _check(self) -> None:
        self._shared()

    def _shared(self) -> tuple[int, ...]:
        axes = self.shared_axes
        if axes is None:
            return ()
        axes = axes if isinstance(axes, tuple | list) else (axes,)
        if any(type(a) is not int for a in axes):
            raise ArgumentError(
                f"shared_axes must be None, an integer or a tuple of them, got {self.shared_axes!r}"
            )
        return tuple(axes)

    def _derive(self, shape: Shape) -> Derivation:
        rank = len(shape) + 1
        shared = set()
        for axis in self._shared():
            index = axis + rank if axis < 0 else axis
            if not 1 <= index < rank:
                raise ShapeError(
                    f"shared_axes={self.shared_axes!r}: axis {axis} is not one of the axes "
                    f"1 to {rank - 1} of {[-1, *shape]} (axis 0 is the batch)"
                )
            shared.add(index - 1)
        kept = [size for i, size in enumerate(shape) if i not in shared]
        count = prod(kept)
        own = " × ".join(str(size) for size in kept) or "1"
        why = (
            f"one learnt slope α for each value of the {list(shape)} input ({own})"
            if not shared
            else f"one learnt slope α per position of the axes not shared: {own}; "
            f"shared_axes={self.shared_axes!r} shares one α along each of those"
        )
        meanings = {"N": "values with a slope of their own"}
        step = derive("parameters", "N", {"N": count}, meanings, why)
        return Derivation(shape, step.value, (step,), "α·x below 0: the shape is unchanged", why)
