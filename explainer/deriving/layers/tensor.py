"""Tensor operations read from a ``forward``: ``x.mean(dim=1)``, ``x[:, -1, :]``, ``x.permute``.

None of them learns anything; each derives its output shape. Dimensions are numbered as
PyTorch numbers them, the batch being dimension 0, which no operation here may remove.
"""

from __future__ import annotations

import re
from math import prod
from typing import Any, ClassVar

from ...errors import ArgumentError, ShapeError
from ...records import record
from ..spec import Shape
from ..steps import derive
from ..symbolic import differ, size_at_least
from .base import Derivation, Layer, boolean


def _shape(shape: Shape) -> str:
    return "×".join(map(str, shape))


def _axis(dim: Any, shape: Shape, what: str) -> int:
    """PyTorch's ``dim`` (batch = 0, negatives from the end) as an index into ``shape``."""
    if type(dim) is not int:
        raise ArgumentError(f"{what}: a dimension must be an integer, got {dim!r}")
    rank = len(shape) + 1
    index = dim + rank if dim < 0 else dim
    if not 0 <= index < rank:
        raise ShapeError(
            f"{what}: dimension {dim} is out of range for {[-1, *shape]} (PyTorch takes "
            f"{-rank} to {rank - 1})"
        )
    if index == 0:
        raise ShapeError(f"{what}: dimension {dim} is the batch, which stays as it is here")
    return index - 1


class _Operation(Layer):
    """A tensor operation, no torch.nn module: explainer check cannot build it alone."""

    source: ClassVar[str] = ""


def _no_weights(layer: Layer) -> str:
    return f"{layer.type_name()} has no weights: 0"


@record
class Mean(_Operation):
    """``x.mean(dim)``: the average over one or more dimensions, which disappear."""

    dim: Any
    keepdim: bool = False

    what: ClassVar[str] = "average"
    summary: ClassVar[str] = "x.mean(dim): averages dimensions away, no parameters"
    example: ClassVar[str] = "input(10, 64) -> Mean(dim=1)"

    def __post_init__(self) -> None:
        boolean("keepdim", self.keepdim)

    def derive(self, shape: Shape) -> Derivation:
        dims = self.dim if isinstance(self.dim, tuple | list) else (self.dim,)
        axes = {_axis(d, shape, self.type_name()) for d in dims}
        if len(axes) != len(dims):
            raise ArgumentError(f"{self.type_name()}: a dimension is repeated in {self.dim!r}")
        out = tuple(
            (1 if self.keepdim else None) if i in axes else size for i, size in enumerate(shape)
        )
        kept = tuple(size for size in out if size is not None)
        gone = ", ".join(str(shape[i]) for i in sorted(axes))
        how = "kept as size 1" if self.keepdim else "removed"
        return Derivation(
            kept,
            0,
            (),
            f"the {self.what} over the dimension(s) of size {gone}, which are {how}",
            _no_weights(self),
        )


class Sum(Mean):
    """``x.sum(dim)``: the sum over one or more dimensions, which disappear."""

    what: ClassVar[str] = "sum"
    summary: ClassVar[str] = "x.sum(dim): sums dimensions away, no parameters"
    example: ClassVar[str] = "input(10, 64) -> Sum(dim=1)"


_INDEX_ITEM = re.compile(r"^\s*(-?\d+)?\s*(:\s*(-?\d+)?\s*(:\s*(-?\d+)?\s*)?)?$")


@record
class Slice(_Operation):
    """``x[:, -1, :]`` written as ``Slice(':, -1, :')``: the batch is the first item."""

    index: str

    summary: ClassVar[str] = "x[:, -1, :]: an index drops a dimension, a slice shortens it"
    example: ClassVar[str] = "input(35, 128) -> Slice(':, -1, :')"

    def __post_init__(self) -> None:
        if not isinstance(self.index, str):
            raise ArgumentError(f"index must be text such as ':, -1, :', got {self.index!r}")
        self._items()

    def _items(self) -> list[tuple[int | None, int | None, int | None] | int]:
        items: list[tuple[int | None, int | None, int | None] | int] = []
        for item in self.index.split(","):
            match = _INDEX_ITEM.match(item)
            if match is None or not item.strip():
                raise ArgumentError(
                    f"index {self.index!r}: {item.strip()!r} is not an integer or a slice a:b:c"
                )
            if match[2] is None:
                items.append(int(match[1]))
                continue
            start, stop, step = (None if g is None else int(g) for g in match.group(1, 3, 5))
            if step is not None and step < 1:
                raise ArgumentError(f"index {self.index!r}: a slice step must be positive")
            items.append((start, stop, step))
        return items

    def derive(self, shape: Shape) -> Derivation:
        items = self._items()
        full = (-1, *shape)
        if len(items) > len(full):
            raise ShapeError(f"index [{self.index}] has too many items for {list(full)}")
        if items[0] != (None, None, None):
            raise ShapeError(f"index [{self.index}] must keep the batch: write ':' first")
        out: list[int] = []
        for size, item in zip(shape, items[1:], strict=False):
            if isinstance(item, int):
                if not -size <= item < size:
                    raise ShapeError(f"index {item} is out of range for a dimension of size {size}")
                continue
            out.append(len(range(size)[slice(*item)]))
        out.extend(shape[len(items) - 1 :])
        if any(size == 0 for size in out):
            raise ShapeError(f"index [{self.index}] leaves an empty dimension: {out}")
        return Derivation(
            tuple(out),
            0,
            (),
            "an integer index removes its dimension; a slice keeps the sizes it selects",
            _no_weights(self),
        )


@record
class Transpose(_Operation):
    """``x.transpose(1, 2)``: two dimensions swapped."""

    dim0: int
    dim1: int

    summary: ClassVar[str] = "x.transpose(1, 2): swaps two dimensions, no parameters"
    example: ClassVar[str] = "input(35, 128) -> Transpose(1, 2)"

    def derive(self, shape: Shape) -> Derivation:
        a = _axis(self.dim0, shape, "Transpose")
        b = _axis(self.dim1, shape, "Transpose")
        out = list(shape)
        out[a], out[b] = out[b], out[a]
        return Derivation(
            tuple(out), 0, (), f"dimensions {self.dim0} and {self.dim1} swap", _no_weights(self)
        )


@record
class Reshape(_Operation):
    """``x.view(x.size(0), 16, -1)``: the sizes after the batch; one of them may be -1."""

    shape: Any

    summary: ClassVar[str] = "x.view(b, 16, -1): the same values in a new shape, no parameters"
    example: ClassVar[str] = "input(400) -> Reshape((16, 5, 5))"

    def __post_init__(self) -> None:
        sizes = self.shape if isinstance(self.shape, tuple | list) else (self.shape,)
        if (
            not sizes
            or any(
                not size_at_least("shape", s, 1) and (type(s) is not int or (s < 1 and s != -1))
                for s in sizes
            )
            or list(sizes).count(-1) > 1
        ):
            raise ArgumentError(
                f"shape must be positive sizes (one may be -1), without the batch; got "
                f"{self.shape!r}"
            )

    def derive(self, shape: Shape) -> Derivation:
        sizes = tuple(self.shape) if isinstance(self.shape, tuple | list) else (self.shape,)
        total = prod(shape)
        known = prod(s for s in sizes if s != -1)
        if -1 not in sizes:
            if differ(known, total):  # with named sizes: maybe an assumption
                raise ShapeError(
                    f"cannot view {_shape(shape)} = {total} values as {_shape(sizes)} = {known}"
                )
            why = f"{total} values laid out as {_shape(sizes)}"
            return Derivation(sizes, 0, (), why, _no_weights(self))
        if total % known:
            raise ShapeError(
                f"cannot view {_shape(shape)} = {total} values with sizes {list(sizes)}: "
                f"{known} does not divide {total}"
            )
        values = {"N": total, "K": known}
        step = derive(
            "size of the -1 dimension",
            "N/K",
            values,
            {"N": "values per sample", "K": "product of the sizes given"},
            "-1 takes whatever size makes the values fit",
        )
        out = tuple(step.value if s == -1 else s for s in sizes)
        return Derivation(out, 0, (step,), f"{total} values laid out again", _no_weights(self))
