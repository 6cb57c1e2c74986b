"""Stock layers of torchvision's classification models that torch.nn does not have.

Each reads only the module of its own name in torchvision (``origin``), and ``explainer check``
builds that same class (``source``) to compare with.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ...errors import ArgumentError, ShapeError
from ...records import record
from ..spec import Shape
from ..steps import derive
from ..symbolic import differ, size_at_least
from .base import (
    Derivation,
    Layer,
    boolean,
    one_of,
    positive_int,
    positive_number,
    probability,
)
from .norm import MEANINGS


@record
class StochasticDepth(Layer):
    """Drops a whole residual branch (per sample, or per batch) while training."""

    p: float
    mode: str

    origin: ClassVar[str] = "torchvision."
    source: ClassVar[str] = "torchvision.ops.stochastic_depth"
    summary: ClassVar[str] = (
        "drops a residual branch with probability p while training: no parameters"
    )
    example: ClassVar[str] = "input(96, 56, 56) -> StochasticDepth(0.1, 'row')"

    def __post_init__(self) -> None:
        probability("p", self.p)
        one_of("mode", self.mode, ("batch", "row"))

    def derive(self, shape: Shape) -> Derivation:
        why = (
            f"StochasticDepth has no weights: 0 (it only drops the branch with probability "
            f"p = {self.p:g} while training)"
        )
        return Derivation(shape, 0, (), "keeps or zeroes the branch whole: shape unchanged", why)


@record
class Permute(Layer):
    """Reorders the dimensions; ``dims`` counts the batch as dimension 0, as torch.permute."""

    dims: Any

    origin: ClassVar[str] = "torchvision."
    source: ClassVar[str] = "torchvision.ops.misc"
    summary: ClassVar[str] = "reorders the dimensions (channels last and back): no parameters"
    example: ClassVar[str] = "input(96, 56, 56) -> Permute([0, 2, 3, 1])"

    def __post_init__(self) -> None:
        dims = self.dims
        if not isinstance(dims, tuple | list) or any(type(d) is not int for d in dims):
            raise ArgumentError(f"dims must be a list of integers, got {dims!r}")

    def derive(self, shape: Shape) -> Derivation:
        rank = len(shape) + 1
        dims = [d % rank if -rank <= d < rank else d for d in self.dims]
        if sorted(dims) != list(range(rank)):
            raise ShapeError(
                f"dims={list(self.dims)} must order each of the {rank} dimensions of "
                f"{[-1, *shape]} (batch included) once"
            )
        if dims[0] != 0:
            raise ShapeError(f"dims={list(self.dims)} moves the batch dimension: keep 0 first")
        full = (-1, *shape)
        output = tuple(full[d] for d in dims[1:])
        order = ", ".join(str(d) for d in dims)
        why = f"dimension i of the output is dimension dims[i] of the input: ({order})"
        return Derivation(output, 0, (), why, "Permute has no weights: 0 (it only reorders)")


@record
class LayerNorm2d(Layer):
    """ConvNeXt's layer normalisation of (C, H, W) over the channels of each position."""

    normalized_shape: Any
    eps: float = 1e-05
    elementwise_affine: bool = True
    bias: bool = True

    origin: ClassVar[str] = "torchvision."
    source: ClassVar[str] = "torchvision.models.convnext"
    input_dims: ClassVar = frozenset({3})
    summary: ClassVar[str] = "layer normalisation over the channels: 2·C parameters (γ, β)"
    example: ClassVar[str] = "input(96, 56, 56) -> LayerNorm2d(96)"

    def __post_init__(self) -> None:
        self._channels()
        positive_number("eps", self.eps)
        boolean("elementwise_affine", self.elementwise_affine)
        boolean("bias", self.bias)

    def _channels(self) -> int:
        dims = self.normalized_shape
        dims = tuple(dims) if isinstance(dims, tuple | list) else (dims,)
        named = len(dims) == 1 and size_at_least("normalized_shape", dims[0], 1)
        if not named and (len(dims) != 1 or type(dims[0]) is not int or dims[0] < 1):
            raise ArgumentError(
                f"normalized_shape must be one positive integer, the channels, got {dims!r}"
            )
        return dims[0]  # type: ignore[no-any-return]  # an int, or a named size

    def derive(self, shape: Shape) -> Derivation:
        channels = self._channels()
        if differ(shape[0], channels):  # a named size (explainer.deriving.symbolic): sympy
            raise ShapeError(
                f"normalized_shape={channels} must be the channels of the input {list(shape)}"
            )
        keep = "normalising keeps the shape"
        if not self.elementwise_affine:
            return Derivation(shape, 0, (), keep, "elementwise_affine=False: no weights: 0")
        values = {"C": channels}
        if self.bias:
            why = f"a scale γ and a shift β for each of the C = {channels} channels"
            step = derive("parameters", "2*C", values, MEANINGS, why)
        else:
            why = f"bias=False: only a scale γ for each of the C = {channels} channels"
            step = derive("parameters", "C", values, MEANINGS, why)
        return Derivation(shape, step.value, (step,), keep, step.why)


def _batch_free(name: str, dim: int, rank: int) -> int:
    """``dim`` of a tensor of ``rank`` dimensions (batch included) as a batch-less index."""
    if type(dim) is not int or not -rank <= dim < rank:
        raise ShapeError(f"{name}={dim!r} is out of range for {rank} dimensions (batch included)")
    position = dim % rank
    if position == 0:
        raise ShapeError(f"{name}={dim} is the batch dimension: only the others can move")
    return position - 1


@record
class SwapAxes(Layer):
    """MaxViT's swap of two dimensions (a and b count the batch, as torch.swapaxes)."""

    a: int
    b: int

    origin: ClassVar[str] = "torchvision."
    source: ClassVar[str] = "torchvision.models.maxvit"
    summary: ClassVar[str] = "swaps two dimensions: no parameters"
    example: ClassVar[str] = "input(49, 49, 64) -> SwapAxes(-2, -3)"

    def derive(self, shape: Shape) -> Derivation:
        rank = len(shape) + 1
        a, b = _batch_free("a", self.a, rank), _batch_free("b", self.b, rank)
        output = list(shape)
        output[a], output[b] = output[b], output[a]
        why = f"dimensions {self.a} and {self.b} change places"
        return Derivation(tuple(output), 0, (), why, "SwapAxes has no weights: 0")


@record
class WindowPartition(Layer):
    """MaxViT: (C, H, W) cut into p×p windows -> (H/p·W/p windows, p·p positions, C)."""

    p: int

    origin: ClassVar[str] = "torchvision."
    source: ClassVar[str] = "torchvision.models.maxvit"
    forward_arguments: ClassVar[tuple[str, ...]] = ("p",)
    input_dims: ClassVar = frozenset({3})
    summary: ClassVar[str] = "cuts (C, H, W) into p×p windows: no parameters"
    example: ClassVar[str] = "input(64, 56, 56) -> WindowPartition(7)"

    def __post_init__(self) -> None:
        positive_int("p", self.p)

    def derive(self, shape: Shape) -> Derivation:
        channels, height, width = shape
        if height % self.p or width % self.p:
            raise ShapeError(f"p={self.p} must divide the height and width of {list(shape)}")
        rows, columns = height // self.p, width // self.p
        output = (rows * columns, self.p * self.p, channels)
        why = (
            f"{height}/{self.p}·{width}/{self.p} = {rows * columns} windows of "
            f"{self.p}·{self.p} = {self.p * self.p} positions, channels last"
        )
        return Derivation(output, 0, (), why, "WindowPartition has no weights: 0")


@record
class WindowDepartition(Layer):
    """MaxViT: the windows of WindowPartition put back into (C, H, W)."""

    p: int
    h_partitions: int
    w_partitions: int

    origin: ClassVar[str] = "torchvision."
    source: ClassVar[str] = "torchvision.models.maxvit"
    forward_arguments: ClassVar[tuple[str, ...]] = ("p", "h_partitions", "w_partitions")
    input_dims: ClassVar = frozenset({3})
    summary: ClassVar[str] = "puts p×p windows back into (C, H, W): no parameters"
    example: ClassVar[str] = "input(64, 49, 64) -> WindowDepartition(7, 8, 8)"

    def __post_init__(self) -> None:
        positive_int("p", self.p)
        positive_int("h_partitions", self.h_partitions)
        positive_int("w_partitions", self.w_partitions)

    def derive(self, shape: Shape) -> Derivation:
        windows, positions, channels = shape
        if differ(windows, self.h_partitions * self.w_partitions) or differ(
            positions, self.p * self.p
        ):  # with named sizes: maybe an assumption
            raise ShapeError(
                f"{list(shape)} must hold h_partitions·w_partitions = "
                f"{self.h_partitions * self.w_partitions} windows of p·p = {self.p * self.p} "
                "positions"
            )
        output = (channels, self.h_partitions * self.p, self.w_partitions * self.p)
        why = (
            f"{self.h_partitions}·{self.p} = {output[1]} rows and {self.w_partitions}·{self.p} "
            f"= {output[2]} columns, channels first again"
        )
        return Derivation(output, 0, (), why, "WindowDepartition has no weights: 0")
