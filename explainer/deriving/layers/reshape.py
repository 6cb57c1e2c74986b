"""Layers that only rearrange values."""

from __future__ import annotations

from math import prod
from typing import Any, ClassVar

from ...errors import ArgumentError, ShapeError
from ...records import record
from ..spec import Shape
from ..steps import derive
from ..symbolic import differ, size_at_least
from .base import Derivation, Layer

NAMES = {3: ("C", "H", "W"), 2: ("C", "L")}
MEANINGS = {"C": "channels", "H": "height", "W": "width", "L": "length"}


@record
class Flatten(Layer):
    """Joins dimensions start_dim..end_dim into one. PyTorch counts the batch as dimension 0."""

    start_dim: int = 1
    end_dim: int = -1

    summary: ClassVar[str] = "joins dimensions into one (C·H·W): no parameters"
    example: ClassVar[str] = "input(32, 7, 7) -> Flatten()"

    def __post_init__(self) -> None:
        for name in ("start_dim", "end_dim"):
            if type(getattr(self, name)) is not int:
                raise ArgumentError(f"{name} must be an integer, got {getattr(self, name)!r}")

    def _span(self, shape: Shape) -> tuple[int, int]:
        """start and end as indices into the batch-less shape."""
        rank = len(shape) + 1  # with the batch
        start, end = (d + rank if d < 0 else d for d in (self.start_dim, self.end_dim))
        if not (0 <= start < rank and 0 <= end < rank):
            raise ShapeError(
                f"Flatten(start_dim={self.start_dim}, end_dim={self.end_dim}) is out of range "
                f"for a {rank}-dimensional input (batch included) {[-1, *shape]}"
            )
        if start == 0:
            raise ShapeError(
                "Flatten with start_dim=0 would merge the batch dimension into the features"
            )
        if start > end:
            raise ShapeError(
                f"Flatten: start_dim {self.start_dim} comes after end_dim {self.end_dim}"
            )
        return start - 1, end - 1

    def derive(self, shape: Shape) -> Derivation:
        start, end = self._span(shape)
        joined = shape[start : end + 1]
        no = f"{self.type_name()} has no weights: 0"
        if len(joined) == 1:
            return Derivation(shape, 0, (), "only one dimension in the range: nothing to join", no)
        names = NAMES.get(len(joined)) if start == 0 else None
        symbols = names or tuple(f"d_{start + i + 1}" for i in range(len(joined)))
        values = dict(zip(symbols, joined, strict=True))
        meanings = {s: MEANINGS.get(s, f"size of dimension {s[2:]}") for s in symbols}
        step = derive(
            "flattened features",
            "*".join(symbols),
            values,
            meanings,
            "the values are laid out in one row; their number is the product",
        )
        out = (*shape[:start], step.value, *shape[end + 1 :])
        return Derivation(out, 0, (step,), "the joined dimensions multiply", no)


@record
class Unflatten(Layer):
    """Splits dimension ``dim`` (the batch is dimension 0) into ``unflattened_size``."""

    dim: int
    unflattened_size: Any

    summary: ClassVar[str] = "splits one dimension into several: no parameters"
    example: ClassVar[str] = "input(784) -> Unflatten(1, (1, 28, 28))"

    def __post_init__(self) -> None:
        if type(self.dim) is not int:
            raise ArgumentError(f"dim must be an integer, got {self.dim!r}")
        sizes = self.unflattened_size
        if (
            not isinstance(sizes, tuple | list)
            or not sizes
            or any(
                not size_at_least("unflattened_size", s, 1)
                and (type(s) is not int or (s < 1 and s != -1))
                for s in sizes
            )
            or list(sizes).count(-1) > 1
        ):
            raise ArgumentError(
                f"unflattened_size must be a tuple of positive sizes (one may be -1), got {sizes!r}"
            )

    def derive(self, shape: Shape) -> Derivation:
        rank = len(shape) + 1
        dim = self.dim + rank if self.dim < 0 else self.dim
        if not 1 <= dim < rank:
            raise ShapeError(
                f"Unflatten(dim={self.dim}) is out of range for {[-1, *shape]} (the batch, "
                "dimension 0, cannot be split)"
            )
        size = shape[dim - 1]
        sizes = tuple(self.unflattened_size)
        known = prod(s for s in sizes if s != -1)
        if -1 in sizes:
            if size % known:
                raise ShapeError(
                    f"unflattened_size {list(sizes)} cannot split {size}: {known} does not "
                    "divide it"
                )
            sizes = tuple(size // known if s == -1 else s for s in sizes)
        elif differ(known, size):
            raise ShapeError(
                f"unflattened_size {list(sizes)} multiplies to {known}, but dimension "
                f"{self.dim} has {size}"
            )
        out = (*shape[: dim - 1], *sizes, *shape[dim:])
        return Derivation(
            out,
            0,
            (),
            f"{size} values are rearranged as {'×'.join(map(str, sizes))}",
            f"{self.type_name()} has no weights: 0",
        )
