"""Layers that keep the shape: activations (PReLU alone learns something) and dropout."""

from __future__ import annotations

from typing import ClassVar

from ...errors import ArgumentError, ShapeError
from ...records import record
from ..spec import Shape
from ..steps import derive
from .base import Derivation, Layer, boolean, one_of, positive_int, probability


class Elementwise(Layer):
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


@record
class ReLU(Elementwise):
    """max(0, x)."""

    inplace: bool = False
    summary: ClassVar[str] = "max(0, x): no parameters, shape unchanged"
    example: ClassVar[str] = "input(16, 28, 28) -> ReLU()"

    def __post_init__(self) -> None:
        boolean("inplace", self.inplace)


class Sigmoid(Elementwise):
    """1 / (1 + e^(−x))."""

    summary: ClassVar[str] = "1/(1 + e^(−x)): no parameters, shape unchanged"
    example: ClassVar[str] = "input(10) -> Sigmoid()"


class Tanh(Elementwise):
    """tanh(x)."""

    summary: ClassVar[str] = "tanh(x): no parameters, shape unchanged"
    example: ClassVar[str] = "input(128) -> Tanh()"


@record
class Softmax(Elementwise):
    """Normalises along ``dim`` into probabilities."""

    dim: int | None = None
    what: ClassVar[str] = "normalised along one dimension"
    summary: ClassVar[str] = "normalises into probabilities: no parameters, shape unchanged"
    example: ClassVar[str] = "input(10) -> Softmax(dim=1)"

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


@record
class Dropout(Elementwise):
    """Zeroes a fraction p of the values while training."""

    p: float = 0.5
    inplace: bool = False
    what: ClassVar[str] = "zeroes values at random while training"
    summary: ClassVar[str] = "zeroes a fraction p while training: no parameters, shape unchanged"
    example: ClassVar[str] = "input(512) -> Dropout(0.2)"

    def __post_init__(self) -> None:
        probability("p", self.p)
        boolean("inplace", self.inplace)

    def derive(self, shape: Shape) -> Derivation:
        base = super().derive(shape)
        why = (
            f"Dropout has no weights: 0 (it only zeroes a fraction p = {self.p:g} of the values "
            "while training)"
        )
        return Derivation(base.output_shape, 0, (), base.shape_why, why)


class Dropout2d(Dropout):
    """Zeroes whole channels of a (C, H, W) input at random while training."""

    input_dims: ClassVar = frozenset({3})
    what: ClassVar[str] = "zeroes whole channels at random while training"
    summary: ClassVar[str] = "zeroes whole channels while training: no parameters"
    example: ClassVar[str] = "input(64, 28, 28) -> Dropout2d(0.2)"


class LogSoftmax(Softmax):
    """log(softmax(x)) along ``dim``."""

    summary: ClassVar[str] = "log of softmax: no parameters, shape unchanged"
    example: ClassVar[str] = "input(10) -> LogSoftmax(dim=1)"


def _number(name: str, value: object) -> None:
    if type(value) not in (int, float):
        raise ArgumentError(f"{name} must be a number, got {value!r}")


@record
class LeakyReLU(Elementwise):
    """max(0, x) + negative_slope·min(0, x); the slope is fixed, not learnt."""

    negative_slope: float = 0.01
    inplace: bool = False
    summary: ClassVar[str] = "leaky ReLU with a fixed slope: no parameters"
    example: ClassVar[str] = "input(128) -> LeakyReLU(0.2)"

    def __post_init__(self) -> None:
        _number("negative_slope", self.negative_slope)
        boolean("inplace", self.inplace)


@record
class ELU(Elementwise):
    """x for x > 0, alpha·(eˣ − 1) otherwise."""

    alpha: float = 1.0
    inplace: bool = False
    summary: ClassVar[str] = "exponential linear unit: no parameters"
    example: ClassVar[str] = "input(128) -> ELU()"

    def __post_init__(self) -> None:
        _number("alpha", self.alpha)
        boolean("inplace", self.inplace)


@record
class GELU(Elementwise):
    """x·Φ(x), exactly or with the tanh approximation."""

    approximate: str = "none"
    summary: ClassVar[str] = "Gaussian error linear unit: no parameters"
    example: ClassVar[str] = "input(10, 512) -> GELU()"

    def __post_init__(self) -> None:
        one_of("approximate", self.approximate, ("none", "tanh"))


@record
class SiLU(Elementwise):
    """x·sigmoid(x), also called swish."""

    inplace: bool = False
    summary: ClassVar[str] = "x·sigmoid(x): no parameters"
    example: ClassVar[str] = "input(128) -> SiLU()"

    def __post_init__(self) -> None:
        boolean("inplace", self.inplace)


class ReLU6(SiLU):
    """min(max(0, x), 6)."""

    summary: ClassVar[str] = "ReLU capped at 6: no parameters"
    example: ClassVar[str] = "input(32, 112, 112) -> ReLU6()"


@record
class Hardtanh(Elementwise):
    """x clipped to [min_val, max_val]."""

    min_val: float = -1.0
    max_val: float = 1.0
    inplace: bool = False
    summary: ClassVar[str] = "x clipped to [min_val, max_val]: no parameters"
    example: ClassVar[str] = "input(128) -> Hardtanh(-2.0, 2.0)"

    def __post_init__(self) -> None:
        _number("min_val", self.min_val)
        _number("max_val", self.max_val)
        boolean("inplace", self.inplace)
        if self.max_val <= self.min_val:
            raise ArgumentError(
                f"max_val ({self.max_val}) must be greater than min_val ({self.min_val})"
            )


class Identity(Elementwise):
    """Passes its input through unchanged (a placeholder)."""

    what: ClassVar[str] = "passes the input through"
    summary: ClassVar[str] = "passes its input through: no parameters"
    example: ClassVar[str] = "input(128) -> Identity()"


@record
class PReLU(Elementwise):
    """Leaky ReLU whose negative slope is learnt: one slope, or one per channel."""

    num_parameters: int = 1
    init: float = 0.25
    summary: ClassVar[str] = "leaky ReLU with learnt slopes: a parameters (1 or one per channel)"
    example: ClassVar[str] = "input(64, 28, 28) -> PReLU(64)"

    def __post_init__(self) -> None:
        positive_int("num_parameters", self.num_parameters)
        _number("init", self.init)

    def derive(self, shape: Shape) -> Derivation:
        if self.num_parameters != 1 and self.num_parameters != shape[0]:
            raise ShapeError(
                f"num_parameters={self.num_parameters} must be 1 or the number of channels "
                f"({shape[0]} in {list(shape)})"
            )
        values = {"a": self.num_parameters}
        meanings = {"a": "learnt slopes (num_parameters)"}
        if self.num_parameters == 1:
            why = "one negative slope, learnt and shared by every value"
        else:
            why = f"one learnt negative slope per channel: a = {self.num_parameters}"
        step = derive("parameters", "a", values, meanings, why)
        return Derivation(
            shape, step.value, (step,), "applied value by value: the shape is unchanged", why
        )


class Hardswish(SiLU):
    """x·ReLU6(x + 3)/6: MobileNetV3's cheap swish."""

    summary: ClassVar[str] = "x·ReLU6(x + 3)/6: no parameters"
    example: ClassVar[str] = "input(16, 112, 112) -> Hardswish()"


class Hardsigmoid(SiLU):
    """ReLU6(x + 3)/6: MobileNetV3's cheap sigmoid, in its squeeze-and-excitation gates."""

    summary: ClassVar[str] = "ReLU6(x + 3)/6: no parameters"
    example: ClassVar[str] = "input(72, 1, 1) -> Hardsigmoid()"
