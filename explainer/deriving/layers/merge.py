"""Merges: the nodes of a graph that take several inputs (a residual add, a concatenation).

A merge learns nothing; what it derives is its output shape from the shapes of its inputs,
step by step like a layer. The solver hands a merge every incoming shape and a label for each
("layer 4 (BatchNorm2d)"), so that a mismatch names both branches and their shapes.
"""

from __future__ import annotations

from typing import ClassVar

from ...errors import ArgumentError, ShapeError
from ...records import record
from ..spec import Shape
from ..steps import derive
from .base import Derivation, Layer


def _shape(shape: Shape) -> str:
    return "×".join(map(str, shape))


class Merge(Layer):
    """Base of the kinds that take several inputs: :meth:`merge` replaces :meth:`derive`."""

    min_inputs: ClassVar[int] = 2
    source: ClassVar[str] = ""  # no torch.nn class: explainer check cannot build it alone

    def derive(self, shape: Shape) -> Derivation:
        raise ShapeError(f"{self.type_name()} takes at least {self.min_inputs} inputs, got 1")

    def merge(self, shapes: tuple[Shape, ...], labels: tuple[str, ...]) -> Derivation:
        raise NotImplementedError


@record
class Add(Merge):
    """Element-wise sum of tensors of one shape: a residual connection, ``out += identity``."""

    # A residual taken only where the shapes agree, and otherwise the last input as it is:
    # torchvision's ``if self.use_res_connect: return x + self.conv(x)``, whose flag is
    # exactly "stride 1 and as many channels out as in".
    optional: bool = False

    summary: ClassVar[str] = "element-wise sum of branches of one shape: no parameters"
    example: ClassVar[str] = "input(64, 56, 56); x = Conv2d(64, 3, padding=1); Add(x, input)"

    def merge(self, shapes: tuple[Shape, ...], labels: tuple[str, ...]) -> Derivation:
        first = shapes[0]
        if self.optional and len(set(shapes)) > 1:
            return Derivation(
                output_shape=shapes[-1],
                params=0,
                steps=(),
                shape_why=f"the shapes differ, so no residual is added: {labels[-1]} passes on "
                "as it is (the block adds its input only where stride and channels keep the "
                "shape)",
                params_why="nothing is added here, and an addition has no weights: 0",
            )
        for shape, label in zip(shapes[1:], labels[1:], strict=True):
            if shape != first:
                raise ShapeError(
                    f"cannot add {labels[0]} of shape {_shape(first)} and {label} of shape "
                    f"{_shape(shape)}: an element-wise sum needs equal shapes"
                )
        return Derivation(
            output_shape=first,
            params=0,
            steps=(),
            shape_why="equal shapes, added value by value",
            params_why="an addition has no weights: 0",
        )


@record
class Concat(Merge):
    """Joins tensors along ``dim`` (PyTorch's numbering, the batch is 0): ``torch.cat``."""

    dim: int = 1

    summary: ClassVar[str] = "joins branches along one dimension (channels): no parameters"
    example: ClassVar[str] = (
        "input(192, 28, 28); a = Conv2d(64, 1); b = input -> Conv2d(128, 1); Concat(a, b)"
    )

    def __post_init__(self) -> None:
        if type(self.dim) is not int:
            raise ArgumentError(f"dim must be an integer, got {self.dim!r}")

    def merge(self, shapes: tuple[Shape, ...], labels: tuple[str, ...]) -> Derivation:
        axis = self._axis(shapes[0])
        for shape, label in zip(shapes[1:], labels[1:], strict=True):
            if len(shape) != len(shapes[0]) or _without(shape, axis) != _without(shapes[0], axis):
                raise ShapeError(
                    f"cannot concatenate {labels[0]} of shape {_shape(shapes[0])} and {label} of "
                    f"shape {_shape(shape)} along dimension {self.dim}: every other size must "
                    "match"
                )
        symbols = [f"c_{n}" for n in range(1, len(shapes) + 1)]
        values = {s: shape[axis] for s, shape in zip(symbols, shapes, strict=True)}
        meanings = {
            s: f"size of {label} along dimension {self.dim}"
            for s, label in zip(symbols, labels, strict=True)
        }
        step = derive(
            "concatenated size",
            " + ".join(symbols),
            values,
            meanings,
            "the branches are laid side by side along that dimension; their sizes add up",
        )
        out = (*shapes[0][:axis], step.value, *shapes[0][axis + 1 :])
        return Derivation(
            output_shape=out,
            params=0,
            steps=(step,),
            shape_why=f"joined along dimension {self.dim}; every other size is the same",
            params_why="a concatenation has no weights: 0",
        )

    def _axis(self, shape: Shape) -> int:
        rank = len(shape) + 1  # with the batch
        dim = self.dim + rank if self.dim < 0 else self.dim
        if not 1 <= dim < rank:
            raise ShapeError(
                f"dim={self.dim} is out of range for {[-1, *shape]} (the batch, dimension 0, "
                "cannot be concatenated)"
            )
        return dim - 1


def _without(shape: Shape, axis: int) -> Shape:
    return shape[:axis] + shape[axis + 1 :]
