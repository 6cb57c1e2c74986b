"""Keras's merge layers: two or more inputs, one output, no weights. In a chain there is only
one input: they appear in functional models (a live --keras model), where each input's shape is
known."""

from __future__ import annotations

from typing import Any, ClassVar

from ....errors import ArgumentError, ShapeError
from ....records import record
from ...spec import Shape
from ...steps import derive
from ...symbolic import is_open
from ..base import Derivation
from .base import KerasLayer


def _agree(shapes: tuple[Shape, ...]) -> bool:
    """Keras's check: size by size, the sizes not left None are one size."""
    return all(
        len({s for s in sizes if not is_open(s)}) <= 1 for sizes in zip(*shapes, strict=True)
    )


def _listed(shapes: tuple[Shape, ...]) -> str:
    return ", ".join(str(list(shape)) for shape in shapes)


class _Merge(KerasLayer):
    """What every merge layer shares: at least two inputs."""

    def _derive(self, shape: Shape) -> Derivation:
        raise ShapeError(
            f"{self.type_name()} merges two or more inputs (branches of a functional model); "
            "a chain of layers carries one"
        )

    def _derive_inputs(self, shapes: tuple[Shape, ...]) -> Derivation:
        if len(shapes) < 2:
            return self._derive(shapes[0])
        return self._merge(shapes)

    def _merge(self, shapes: tuple[Shape, ...]) -> Derivation:
        raise NotImplementedError


class _ValueByValue(_Merge):
    """Add, Subtract, Multiply, Average, Maximum, Minimum: value by value, sizes broadcast."""

    operation: ClassVar[str] = "sum"

    def _merge(self, shapes: tuple[Shape, ...]) -> Derivation:
        if len({len(shape) for shape in shapes}) != 1:
            raise ShapeError(
                f"{self.type_name()} needs inputs of the same rank, got {_listed(shapes)}"
            )
        output = list(shapes[0])
        for shape in shapes[1:]:  # input by input, as Keras reduces them
            output = [self._size(a, b, shapes) for a, b in zip(output, shape, strict=True)]
        why = f"the {self.operation} of the {len(shapes)} inputs, value by value"
        return Derivation(tuple(output), 0, (), why, f"{self.type_name()} has no weights: 0")

    def _size(self, a: Any, b: Any, shapes: tuple[Shape, ...]) -> Any:
        """Keras's rule: a size left None gives None (checked when run); a 1 broadcasts."""
        if is_open(a) or is_open(b):
            return a if is_open(a) else b
        if a != b and 1 not in (a, b):
            raise ShapeError(
                f"{self.type_name()} needs inputs of the same shape (or sizes of 1 that "
                f"broadcast), got {_listed(shapes)}"
            )
        return b if a == 1 else a


class Add(_ValueByValue):
    """The sum of its inputs, value by value (a residual connection)."""

    summary: ClassVar[str] = "sum of two or more inputs, value by value: no parameters"
    example: ClassVar[str] = "Add()([(8, 8, 16), (8, 8, 16)])"
    example_inputs: ClassVar = ((8, 8, 16), (8, 8, 16))


class Subtract(_ValueByValue):
    """The first input minus the second, value by value."""

    operation: ClassVar[str] = "difference"
    summary: ClassVar[str] = "difference of two inputs, value by value: no parameters"
    example: ClassVar[str] = "Subtract()([(16,), (16,)])"
    example_inputs: ClassVar = ((16,), (16,))


class Multiply(_ValueByValue):
    """The product of its inputs, value by value (a gate, squeeze-and-excitation)."""

    operation: ClassVar[str] = "product"
    summary: ClassVar[str] = "product of two or more inputs, value by value: no parameters"
    example: ClassVar[str] = "Multiply()([(8, 8, 16), (1, 1, 16)])"
    example_inputs: ClassVar = ((8, 8, 16), (1, 1, 16))


class Average(_ValueByValue):
    operation: ClassVar[str] = "mean"
    summary: ClassVar[str] = "mean of two or more inputs, value by value: no parameters"
    example: ClassVar[str] = "Average()([(16,), (16,)])"
    example_inputs: ClassVar = ((16,), (16,))


class Maximum(_ValueByValue):
    operation: ClassVar[str] = "maximum"
    summary: ClassVar[str] = "maximum of two or more inputs, value by value: no parameters"
    example: ClassVar[str] = "Maximum()([(16,), (16,)])"
    example_inputs: ClassVar = ((16,), (16,))


class Minimum(_ValueByValue):
    operation: ClassVar[str] = "minimum"
    summary: ClassVar[str] = "minimum of two or more inputs, value by value: no parameters"
    example: ClassVar[str] = "Minimum()([(16,), (16,)])"
    example_inputs: ClassVar = ((16,), (16,))


@record
class Concatenate(_Merge):
    """Its inputs side by side along ``axis`` (the channels by default)."""

    axis: Any = -1

    summary: ClassVar[str] = "inputs joined along an axis (channels): sizes add, no parameters"
    example: ClassVar[str] = "Concatenate()([(28, 28, 16), (28, 28, 32)])"
    example_inputs: ClassVar = ((28, 28, 16), (28, 28, 32))

    def _check(self) -> None:
        if type(self.axis) is not int:
            raise ArgumentError(f"axis must be an integer, got {self.axis!r}")

    def _merge(self, shapes: tuple[Shape, ...]) -> Derivation:
        rank = len(shapes[0]) + 1
        index = self.axis + rank if self.axis < 0 else self.axis
        if index == 0 and len({len(s) for s in shapes}) == 1 and _agree(shapes):
            why = "joined along the batch axis: more samples, each of the same shape"
            return Derivation(shapes[0], 0, (), why, "Concatenate has no weights: 0")
        if len({len(s) for s in shapes}) != 1 or not 1 <= index < rank:
            raise ShapeError(
                f"Concatenate(axis={self.axis}) needs inputs of one rank with that axis, got "
                f"{_listed(shapes)}"
            )
        axis = index - 1
        if not _agree(tuple(shape[:axis] + shape[axis + 1 :] for shape in shapes)):
            raise ShapeError(
                f"Concatenate(axis={self.axis}) needs the other sizes equal, got {_listed(shapes)}"
            )
        symbols = [f"C_{i}" for i in range(1, len(shapes) + 1)]
        values = {symbol: shape[axis] for symbol, shape in zip(symbols, shapes, strict=True)}
        meanings = {symbol: f"size of input {symbol[2:]} along the axis" for symbol in symbols}
        why = f"the {len(shapes)} inputs are put side by side along axis {self.axis}: sizes add"
        step = derive("joined size", " + ".join(symbols), values, meanings, why)
        output = (*shapes[0][:axis], step.value, *shapes[0][axis + 1 :])
        return Derivation(output, 0, (step,), why, "Concatenate has no weights: 0")
