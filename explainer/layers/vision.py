"""Stock layers of torchvision's classification models that torch.nn does not have.

Each reads only the module of its own name in torchvision (``origin``), and ``explainer check``
builds that same class (``source``) to compare with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ..errors import ArgumentError, ShapeError
from ..spec import Shape
from ..steps import derive
from .base import Derivation, Layer, boolean, one_of, probability
from .norm import MEANINGS, _positive_number


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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
        _positive_number("eps", self.eps)
        boolean("elementwise_affine", self.elementwise_affine)
        boolean("bias", self.bias)

    def _channels(self) -> int:
        dims = self.normalized_shape
        dims = tuple(dims) if isinstance(dims, tuple | list) else (dims,)
        if len(dims) != 1 or type(dims[0]) is not int or dims[0] < 1:
            raise ArgumentError(
                f"normalized_shape must be one positive integer, the channels, got {dims!r}"
            )
        return int(dims[0])

    def derive(self, shape: Shape) -> Derivation:
        channels = self._channels()
        if shape[0] != channels:
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
