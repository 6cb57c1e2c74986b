"""Normalisation layers: a scale γ and a shift β per normalised feature, when affine.

PyTorch keeps BatchNorm's running mean and variance as buffers, not parameters; Keras counts
them as non-trainable parameters. The Keras dialect adds them through its convention.
"""

from __future__ import annotations

from dataclasses import field
from math import prod
from typing import Any, ClassVar

from ...errors import ArgumentError, ShapeError
from ...records import record
from ..spec import Note, Shape
from ..steps import Step, derive
from ..symbolic import differ, same, size_at_least
from .base import Comparison, Derivation, Layer, boolean, positive_int, positive_number
from .conventions import BATCH_NORM

AFFINE = "2*C"
MEANINGS = {"C": "normalised features (channels)", "N": "normalised values per sample"}


def _momentum(value: Any) -> None:
    if value is not None and (type(value) not in (int, float) or not 0 <= value <= 1):
        raise ArgumentError(f"momentum must be between 0 and 1 or None, got {value!r}")


def _affine_step(channels: int, what: str, bias: bool = True) -> Step:
    if not bias:
        why = f"bias=False: only a scale γ for each of the C = {channels} {what}"
        return derive("parameters", "C", {"C": channels}, MEANINGS, why)
    why = f"a scale γ and a shift β for each of the C = {channels} {what}"
    return derive("parameters", AFFINE, {"C": channels}, MEANINGS, why)


# torch 2.13's norms take ``bias`` by keyword only (printed as ``affine=True, bias=False``):
# False keeps γ and drops β.
def _bias_field() -> Any:
    return field(default=True, kw_only=True)


@record
class _BatchNorm(Layer):
    num_features: int
    eps: float = 1e-05
    momentum: float | None = 0.1
    affine: bool = True
    track_running_stats: bool = True
    bias: bool = _bias_field()

    inferred: ClassVar = {"num_features": lambda shape: shape[0]}

    def __post_init__(self) -> None:
        positive_int("num_features", self.num_features)
        positive_number("eps", self.eps)
        _momentum(self.momentum)
        boolean("affine", self.affine)
        boolean("track_running_stats", self.track_running_stats)
        boolean("bias", self.bias)

    def other_framework(self, shape: Shape) -> Comparison | None:
        """Keras counts the moving mean and variance too, as non-trainable parameters, always:
        affine=False is BatchNormalization(center=False, scale=False), bias=False is
        center=False, and Keras has no track_running_stats=False."""
        c = self.num_features
        if self.affine and self.bias:
            why = "Keras: γ and β (trainable) plus the moving mean and variance (non-trainable)"
            step = derive("parameters", "4*C", {"C": c}, MEANINGS, why)
        elif self.affine:
            why = "Keras (center=False): γ (trainable) plus the moving mean and variance"
            step = derive("parameters", "3*C", {"C": c}, MEANINGS, why)
        else:
            why = (
                "Keras's BatchNormalization(center=False, scale=False): no γ or β, but the "
                "moving mean and variance (non-trainable)"
            )
            step = derive("parameters", "2*C", {"C": c}, MEANINGS, why)
        note = BATCH_NORM.keras_note
        if not self.affine:
            note += "; affine=False is center=False, scale=False there"
        elif not self.bias:
            note += "; bias=False is center=False there"
        if not self.track_running_stats:
            note += "; Keras has no track_running_stats=False: it always keeps them"
        statistics = BATCH_NORM.statistics * c
        numbers = (("count", step.value), ("statistics", statistics))
        return Comparison("keras", (step,), statistics, Note(note, numbers))

    def derive(self, shape: Shape) -> Derivation:
        stats = (
            "; the running mean and variance are buffers, not parameters"
            if self.track_running_stats
            else ""
        )
        if not self.affine:
            why = f"affine=False: no γ or β, so no weights: 0{stats}"
            return Derivation(shape, 0, (), "normalising keeps the shape", why)
        step = _affine_step(self.num_features, "channels", self.bias)
        return Derivation(
            shape, step.value, (step,), "normalising keeps the shape", step.why + stats
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (C,) or (C, L)."""

    input_dims: ClassVar = frozenset({1, 2})
    summary: ClassVar[str] = (
        "batch normalisation: 2·C parameters (γ, β); running statistics are buffers"
    )
    example: ClassVar[str] = "input(512) -> BatchNorm1d(512)"


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (C, H, W)."""

    input_dims: ClassVar = frozenset({3})
    summary: ClassVar[str] = "batch normalisation per channel: 2·C parameters (γ, β)"
    example: ClassVar[str] = "input(64, 56, 56) -> BatchNorm2d(64)"


@record
class _InstanceNorm(_BatchNorm):
    """Like BatchNorm per sample; PyTorch's defaults are affine=False, no running statistics."""

    affine: bool = False
    track_running_stats: bool = False

    def derive(self, shape: Shape) -> Derivation:
        if same(prod(shape[1:]), 1):  # with named sizes: maybe an assumption
            raise ShapeError(
                f"instance normalisation averages over the positions of each channel, and "
                f"{list(shape)} has only one"
            )
        return super().derive(shape)


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation of (C, L)."""

    input_dims: ClassVar = frozenset({2})
    summary: ClassVar[str] = "instance normalisation: 0 parameters (2·C with affine=True)"
    example: ClassVar[str] = "input(16, 100) -> InstanceNorm1d(16, affine=True)"


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation of (C, H, W)."""

    input_dims: ClassVar = frozenset({3})
    summary: ClassVar[str] = "instance normalisation: 0 parameters (2·C with affine=True)"
    example: ClassVar[str] = "input(3, 64, 64) -> InstanceNorm2d(3)"


@record
class GroupNorm(Layer):
    """Normalises groups of channels; γ and β per channel."""

    num_groups: int
    num_channels: int
    eps: float = 1e-05
    affine: bool = True
    bias: bool = _bias_field()

    inferred: ClassVar = {"num_channels": lambda shape: shape[0]}
    summary: ClassVar[str] = "group normalisation: 2·C parameters (γ, β per channel)"
    example: ClassVar[str] = "input(64, 28, 28) -> GroupNorm(8, 64)"

    def __post_init__(self) -> None:
        positive_int("num_groups", self.num_groups)
        positive_int("num_channels", self.num_channels)
        positive_number("eps", self.eps)
        boolean("affine", self.affine)
        boolean("bias", self.bias)
        if self.num_channels % self.num_groups:
            raise ArgumentError(
                f"num_groups={self.num_groups} does not divide num_channels={self.num_channels}"
            )

    @classmethod
    def check_input(cls, shape: Shape) -> None:
        if len(shape) < 1:
            raise ShapeError("GroupNorm needs a (C, ...) input")

    def derive(self, shape: Shape) -> Derivation:
        if not self.affine:
            return Derivation(
                shape, 0, (), "normalising keeps the shape", "affine=False: no weights: 0"
            )
        step = _affine_step(self.num_channels, "channels (not per group)", self.bias)
        return Derivation(shape, step.value, (step,), "normalising keeps the shape", step.why)


def _positive_size(value: Any) -> bool:
    """A positive int, or a named size (explainer.symbolic): positive by its assumptions."""
    return size_at_least("normalized_shape", value, 1) or (type(value) is int and value >= 1)


@record
class LayerNorm(Layer):
    """Normalises over the last dimensions given by ``normalized_shape``."""

    normalized_shape: Any
    eps: float = 1e-05
    elementwise_affine: bool = True
    bias: bool = True

    summary: ClassVar[str] = "layer normalisation: 2·N parameters over the normalised shape"
    example: ClassVar[str] = "input(10, 512) -> LayerNorm(512)"

    def __post_init__(self) -> None:
        self._dims()
        positive_number("eps", self.eps)
        boolean("elementwise_affine", self.elementwise_affine)
        boolean("bias", self.bias)

    def _dims(self) -> tuple[int, ...]:
        dims = (
            self.normalized_shape
            if isinstance(self.normalized_shape, tuple | list)
            else (self.normalized_shape,)
        )
        if not dims or not all(_positive_size(d) for d in dims):
            raise ArgumentError(
                f"normalized_shape must be positive integers, got {self.normalized_shape!r}"
            )
        return tuple(dims)

    def derive(self, shape: Shape) -> Derivation:
        dims = self._dims()
        last = tuple(shape[-len(dims) :])
        if len(dims) > len(shape) or any(differ(a, b) for a, b in zip(last, dims, strict=True)):
            raise ShapeError(
                f"normalized_shape {list(dims)} must equal the last dimensions of the input "
                f"{list(shape)}"
            )
        keep = "normalising keeps the shape"
        if not self.elementwise_affine:
            return Derivation(shape, 0, (), keep, "elementwise_affine=False: no weights: 0")
        size = prod(dims)
        values = {"N": size}
        if self.bias:
            step = derive(
                "parameters",
                "2*N",
                values,
                MEANINGS,
                f"a scale γ and a shift β for each of the N = {size} normalised values",
            )
        else:
            step = derive(
                "parameters",
                "N",
                values,
                MEANINGS,
                f"bias=False: only a scale γ for each of the N = {size} normalised values",
            )
        return Derivation(shape, step.value, (step,), keep, step.why)


class BatchNorm3d(_BatchNorm):
    """Batch normalisation of (C, D, H, W)."""

    input_dims: ClassVar = frozenset({4})
    summary: ClassVar[str] = "batch normalisation per channel of a volume: 2·C parameters (γ, β)"
    example: ClassVar[str] = "input(16, 8, 32, 32) -> BatchNorm3d(16)"
