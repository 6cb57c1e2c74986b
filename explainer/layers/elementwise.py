"""Layers that keep the shape and have no weights: activations and dropout."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ..errors import ArgumentError, ShapeError
from ..spec import Shape
from .base import Derivation, Layer, boolean, probability


@dataclass(frozen=True)
class _Elementwise(Layer):
    """Applied value by value: the output shape is the input shape, and nothing is learnt."""

    what: ClassVar[str] = "applied to each value separately"

    def derive(self, shape: Shape) -> Derivation:
        return Derivation(
            output_shape=shape,
            params=0,
            steps=(),
            shape_why=f"{self.what}: the shape is unchanged",
            params_why=f"{self.type_name()} has no weights: 0",
        )


@dataclass(frozen=True)
class ReLU(_Elementwise):
    """max(0, x)."""

    inplace: bool = False
    summary: ClassVar[str] = "max(0, x): no parameters, shape unchanged"

    def __post_init__(self) -> None:
        boolean("inplace", self.inplace)


@dataclass(frozen=True)
class Sigmoid(_Elementwise):
    """1 / (1 + e^(−x))."""

    summary: ClassVar[str] = "1/(1 + e^(−x)): no parameters, shape unchanged"


@dataclass(frozen=True)
class Tanh(_Elementwise):
    """tanh(x)."""

    summary: ClassVar[str] = "tanh(x): no parameters, shape unchanged"


@dataclass(frozen=True)
class Softmax(_Elementwise):
    """Normalises along ``dim`` into probabilities."""

    dim: int | None = None
    what: ClassVar[str] = "normalised along one dimension"
    summary: ClassVar[str] = "normalises into probabilities: no parameters, shape unchanged"

    def __post_init__(self) -> None:
        if self.dim is not None and type(self.dim) is not int:
            raise ArgumentError(f"dim must be an integer or None, got {self.dim!r}")

    def derive(self, shape: Shape) -> Derivation:
        rank = len(shape) + 1  # PyTorch counts the batch as dimension 0
        if self.dim is not None and not -rank <= self.dim < rank:
            raise ShapeError(
                f"dim={self.dim} is out of range for a {rank}-dimensional input (batch "
                f"included) {[-1, *shape]}: PyTorch takes {-rank} to {rank - 1}"
            )
        return super().derive(shape)


@dataclass(frozen=True)
class Dropout(_Elementwise):
    """Zeroes a fraction p of the values while training."""

    p: float = 0.5
    inplace: bool = False
    what: ClassVar[str] = "zeroes values at random while training"
    summary: ClassVar[str] = "zeroes a fraction p while training: no parameters, shape unchanged"

    def __post_init__(self) -> None:
        probability("p", self.p)
        boolean("inplace", self.inplace)

    def derive(self, shape: Shape) -> Derivation:
        base = super().derive(shape)
        why = f"Dropout has no weights: 0 (it only zeroes a fraction p = {self.p:g} of the values while training)"
        return Derivation(base.output_shape, 0, (), base.shape_why, why)
