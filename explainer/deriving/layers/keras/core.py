"""Dense, Embedding, normalisation, activation, dropout and flattening, the Keras way."""

from __future__ import annotations

import dataclasses
from math import prod
from typing import Any, ClassVar

from ....errors import ArgumentError, ShapeError
from ....records import record
from ...spec import Note, Shape
from ...steps import Step, derive
from ..base import Comparison, Derivation, boolean, positive_int, positive_number
from ..conventions import BATCH_NORM
from ..linear import Linear
from ..norm import AFFINE
from .base import KerasLayer, activation, passive, rarely_set, rate

NORM_MEANINGS = {
    "C": "normalised features (channels)",
    "t": "trainable parameters (γ, β)",
    "N": "values along the normalised axes",
}


@record
class Dense(KerasLayer):
    """Fully connected on the last dimension: PyTorch's Linear, in Keras's words."""

    units: int
    activation: str | None = None
    use_bias: bool = True
    kernel_initializer: str = passive("glorot_uniform")
    bias_initializer: str = passive("zeros")
    kernel_regularizer: str | None = passive(None)
    bias_regularizer: str | None = passive(None)
    activity_regularizer: str | None = passive(None)
    kernel_constraint: str | None = passive(None)
    bias_constraint: str | None = passive(None)
    lora_rank: int | None = rarely_set(None)
    lora_alpha: float | None = passive(None)

    summary: ClassVar[str] = "fully connected on the last dimension: i·o + o parameters"
    example: ClassVar[str] = "input(784) -> Dense(128, activation='relu')"

    def _check(self) -> None:
        positive_int("units", self.units)
        activation("activation", self.activation)
        boolean("use_bias", self.use_bias)
        if self.lora_rank is not None:
            positive_int("lora_rank", self.lora_rank)

    def _derive(self, shape: Shape) -> Derivation:
        dense = Linear(shape[-1], self.units, self.use_bias).derive(shape)
        if self.lora_rank is None:
            return dense
        return _with_lora(dense, shape[-1], self.units, self.lora_rank)

    def macs(self, shape: Shape, output: Shape) -> Step | None:
        plain = Linear(shape[-1], self.units, self.use_bias).macs(shape, output)
        if self.lora_rank is None:
            return plain
        values = {"N": prod(shape[:-1]), "i": shape[-1], "o": self.units, "r": self.lora_rank}
        meanings = {
            "N": "vectors the layer is applied to", "i": "input features", "o": "neurons",
            "r": "LoRA rank",
        }  # fmt: skip
        why = "the kernel's i·o multiply-adds per vector, and the LoRA path's x·A·B: r·(i + o)"
        return derive(plain.quantity, "N*(i*o + r*(i + o))", values, meanings, why)


def _with_lora(dense: Derivation, inputs: int, units: int, rank: int) -> Derivation:
    """LoRA: two trainable factors A (i×r) and B (r×o) beside a kernel that is frozen."""
    assert dense.params_step is not None
    base = dataclasses.replace(dense.params_step, quantity="kernel and bias")
    meanings = {"i": "input features", "o": "neurons", "r": "LoRA rank (lora_rank)"}
    why = (
        f"lora_rank={rank} adds two trainable factors, A of i×r and B of r×o, whose product "
        f"updates the kernel; the kernel itself, i·o = {inputs * units} weights, is frozen "
        "(non-trainable)"
    )
    lora = derive(
        "LoRA parameters", "r*(i + o)", {"i": inputs, "o": units, "r": rank}, meanings, why
    )
    values = {"d": base.value, "l": lora.value}
    total_meanings = {"d": "kernel and bias", "l": "LoRA factors"}
    total = derive("parameters", "d + l", values, total_meanings, why, counts=True)
    return dataclasses.replace(
        dense,
        params=total.value,
        steps=(*dense.steps[:-1], base, lora, total),
        params_why=why,
        non_trainable=inputs * units,
    )


@record
class Embedding(KerasLayer):
    """One learnt vector of output_dim values for each of input_dim ids."""

    input_kind: ClassVar[str] = "ids"

    input_dim: int
    output_dim: int
    embeddings_initializer: str = passive("uniform")
    embeddings_regularizer: str | None = passive(None)
    embeddings_constraint: str | None = passive(None)
    mask_zero: bool = False

    summary: ClassVar[str] = "lookup table: V·E parameters; (L,) ids -> (L, E)"
    example: ClassVar[str] = "input(100) -> Embedding(10000, 128)"

    def _check(self) -> None:
        positive_int("input_dim", self.input_dim)
        positive_int("output_dim", self.output_dim)
        boolean("mask_zero", self.mask_zero)

    def _derive(self, shape: Shape) -> Derivation:
        meanings = {"V": "vocabulary size (input_dim)", "E": "embedding dimension (output_dim)"}
        why = f"one vector of E = {self.output_dim} values for each of the V = {self.input_dim} ids"
        values = {"V": self.input_dim, "E": self.output_dim}
        step = derive("parameters", "V*E", values, meanings, why)
        shape_why = f"each id of the input becomes a vector of {self.output_dim} values"
        return Derivation((*shape, self.output_dim), step.value, (step,), shape_why, why)


def _axis(axis: int, shape: Shape) -> int:
    """``axis`` (Keras counts the batch as axis 0) as an index into the batch-less ``shape``."""
    rank = len(shape) + 1
    index = axis + rank if axis < 0 else axis
    if not 1 <= index < rank:
        raise ShapeError(
            f"axis={axis} is out of range for a {rank}-dimensional input (batch included) "
            f"{[-1, *shape]}: the batch, axis 0, cannot be normalised over"
        )
    return index - 1


def _learnt(center: bool, scale: bool, size: str, count: int) -> tuple[str, str]:
    """The formula and why line of γ and β, as many as center and scale ask for."""
    if center and scale:
        return f"2*{size}", f"a scale γ and a shift β for each of the {size} = {count}"
    if scale:
        return size, f"center=False: only a scale γ for each of the {size} = {count}"
    return size, f"scale=False: only a shift β for each of the {size} = {count}"


@record
class BatchNormalization(KerasLayer):
    """γ and β per channel are learnt; the moving mean and variance are counted too."""

    axis: int = -1
    momentum: float = 0.99
    epsilon: float = 0.001
    center: bool = True
    scale: bool = True
    beta_initializer: str = passive("zeros")
    gamma_initializer: str = passive("ones")
    moving_mean_initializer: str = passive("zeros")
    moving_variance_initializer: str = passive("ones")
    beta_regularizer: str | None = passive(None)
    gamma_regularizer: str | None = passive(None)
    beta_constraint: str | None = passive(None)
    gamma_constraint: str | None = passive(None)

    summary: ClassVar[str] = (
        "batch normalisation: 4·C parameters, γ and β trainable, the moving mean and variance "
        "non-trainable"
    )
    example: ClassVar[str] = "input(28, 28, 32) -> BatchNormalization()"

    def _check(self) -> None:
        if type(self.axis) is not int:
            raise ArgumentError(f"axis must be an integer, got {self.axis!r}")
        rate("momentum", self.momentum)
        positive_number("epsilon", self.epsilon)
        boolean("center", self.center)
        boolean("scale", self.scale)

    def other_framework(self, shape: Shape) -> Comparison | None:
        """PyTorch counts γ and β only (affine=True), or nothing (affine=False); its running
        statistics are buffers."""
        channels = shape[_axis(self.axis, shape)]
        buffers = BATCH_NORM.buffers
        if self.center and self.scale:
            why = f"PyTorch: γ and β only; {buffers}"
            step = derive("parameters", AFFINE, {"C": channels}, NORM_MEANINGS, why)
            note = BATCH_NORM.pytorch_note
        elif not (self.center or self.scale):
            why = f"PyTorch's BatchNorm(affine=False): no γ or β, and {buffers}"
            step = derive("parameters", "0*C", {"C": channels}, NORM_MEANINGS, why)
            note = BATCH_NORM.pytorch_note_plain
        else:
            return None  # PyTorch's affine has both γ and β or neither: no counterpart
        return Comparison("pytorch", (step,), 0, Note(note, (("count", step.value),)))

    def _derive(self, shape: Shape) -> Derivation:
        channels = shape[_axis(self.axis, shape)]
        values = {"C": channels}
        statistics = (
            f"the moving mean and variance of each channel, 2·C = {2 * channels}, are counted "
            "as non-trainable parameters; PyTorch keeps them as buffers (running_mean, "
            "running_var) and counts only γ and β"
        )
        steps = []
        text = "2*C"
        if self.center or self.scale:
            formula, why = _learnt(self.center, self.scale, "C", channels)
            if formula == "2*C":
                formula = AFFINE  # PyTorch's BatchNorm count, γ and β
            why += " channels"
            learnt = derive("trainable parameters", formula, values, NORM_MEANINGS, why)
            steps.append(learnt)
            values["t"] = learnt.value
            text = "t + 2*C"
        params = derive("parameters", text, values, NORM_MEANINGS, "Keras: " + statistics)
        return Derivation(
            shape,
            params.value,
            (*steps, params),
            "normalising keeps the shape",
            params.why,
            non_trainable=2 * channels,
        )


@record
class LayerNormalization(KerasLayer):
    """γ and β for every value along ``axis`` (the last by default), per sample."""

    axis: Any = -1
    epsilon: float = 0.001
    center: bool = True
    scale: bool = True
    rms_scaling: bool = rarely_set(False)
    beta_initializer: str = passive("zeros")
    gamma_initializer: str = passive("ones")
    beta_regularizer: str | None = passive(None)
    gamma_regularizer: str | None = passive(None)
    beta_constraint: str | None = passive(None)
    gamma_constraint: str | None = passive(None)

    summary: ClassVar[str] = "layer normalisation: 2·N parameters over the normalised axes"
    example: ClassVar[str] = "input(10, 512) -> LayerNormalization()"

    def _check(self) -> None:
        self._axes()
        positive_number("epsilon", self.epsilon)
        boolean("center", self.center)
        boolean("scale", self.scale)
        boolean("rms_scaling", self.rms_scaling)

    def _axes(self) -> tuple[int, ...]:
        axes = self.axis if isinstance(self.axis, tuple | list) else (self.axis,)
        if not axes or any(type(a) is not int for a in axes):
            raise ArgumentError(
                f"axis must be an integer or a tuple of integers, got {self.axis!r}"
            )
        return tuple(axes)

    def _derive(self, shape: Shape) -> Derivation:
        indices = {_axis(a, shape) for a in self._axes()}
        size = prod(shape[index] for index in indices)
        keep = "normalising keeps the shape"
        if self.rms_scaling:
            why = (
                f"rms_scaling=True: only a scale γ for each of the N = {size} values along axis "
                f"{self.axis!r} (no shift β, whatever center and scale say)"
            )
            step = derive("parameters", "N", {"N": size}, NORM_MEANINGS, why)
            return Derivation(shape, step.value, (step,), keep, step.why)
        if not (self.center or self.scale):
            return Derivation(shape, 0, (), keep, "center=False and scale=False: no weights: 0")
        formula, why = _learnt(self.center, self.scale, "N", size)
        why += f" values along axis {self.axis!r}, as PyTorch's LayerNorm over those dimensions"
        step = derive("parameters", formula, {"N": size}, NORM_MEANINGS, why)
        return Derivation(shape, step.value, (step,), keep, step.why)


def _unchanged(layer: KerasLayer, shape: Shape, what: str, why: str = "") -> Derivation:
    no = f"{layer.type_name()} has no weights: 0{why}"
    return Derivation(shape, 0, (), f"{what}: the shape is unchanged", no)


@record
class Activation(KerasLayer):
    """A Keras activation applied value by value."""

    activation: str | None

    summary: ClassVar[str] = "an activation by name ('relu', 'softmax', ...): no parameters"
    example: ClassVar[str] = "input(128) -> Activation('relu')"

    def _check(self) -> None:
        activation("activation", self.activation)

    def _derive(self, shape: Shape) -> Derivation:
        return _unchanged(self, shape, f"{self.activation} is applied to each value")


@record
class Dropout(KerasLayer):
    """Zeroes a fraction ``rate`` of the values while training."""

    rate: float
    noise_shape: Any = None
    seed: int | None = passive(None)

    summary: ClassVar[str] = "zeroes a fraction rate while training: no parameters"
    example: ClassVar[str] = "input(512) -> Dropout(0.5)"

    def _check(self) -> None:
        rate("rate", self.rate)
        if self.noise_shape is not None and not isinstance(self.noise_shape, tuple | list):
            raise ArgumentError(f"noise_shape must be a tuple or None, got {self.noise_shape!r}")

    def _derive(self, shape: Shape) -> Derivation:
        return _unchanged(
            self,
            shape,
            "values are zeroed at random while training",
            f" (it only zeroes a fraction rate = {self.rate:g} while training)",
        )


FLAT_NAMES = {3: ("H", "W", "C"), 2: ("L", "C")}
FLAT_MEANINGS = {"C": "channels", "H": "height", "W": "width", "L": "length"}


@record
class Flatten(KerasLayer):
    """Joins every dimension but the batch into one."""

    data_format: str | None = None

    summary: ClassVar[str] = "joins every dimension into one (H·W·C): no parameters"
    example: ClassVar[str] = "input(7, 7, 64) -> Flatten()"

    def _check(self) -> None:
        if self.data_format not in (None, "channels_last", "channels_first"):
            raise ArgumentError(
                "data_format must be 'channels_last', 'channels_first' or None, "
                f"got {self.data_format!r}"
            )

    def _derive(self, shape: Shape) -> Derivation:
        if len(shape) == 1:
            return _unchanged(self, shape, "only one dimension: nothing to join")
        symbols = FLAT_NAMES.get(len(shape)) or tuple(f"d_{i}" for i in range(1, len(shape) + 1))
        meanings = {s: FLAT_MEANINGS.get(s, f"size of dimension {s[2:]}") for s in symbols}
        values = dict(zip(symbols, shape, strict=True))
        why = "the values are laid out in one row; their number is the product"
        step = derive("flattened features", "*".join(symbols), values, meanings, why)
        shape_why = "the joined dimensions multiply"
        if len(shape) == 3:
            shape_why += (
                ", channels last (H·W·C); PyTorch flattens (C, H, W) channel by channel: "
                "the same number, in another order"
            )
        no = f"{self.type_name()} has no weights: 0"
        return Derivation((step.value,), 0, (step,), shape_why, no)


@record
class InputLayer(KerasLayer):
    """A functional model's further input (``keras.Input``), beside the first one (node 0):
    a node that reads nothing and gives its own shape, as model.summary() lists it."""

    shape: Any
    dtype: str | None = passive(None)

    summary: ClassVar[str] = "a further input of a functional model: its own shape, no parameters"
    example: ClassVar[str] = "input(7, 6) -> InputLayer(shape=(7, 6))"

    def _check(self) -> None:
        if not isinstance(self.shape, tuple) or not self.shape:
            raise ArgumentError(f"shape must be a tuple of sizes, got {self.shape!r}")

    def _derive(self, shape: Shape) -> Derivation:
        why = "a model input: the shape it is given (without the batch)"
        return Derivation(tuple(self.shape), 0, (), why, "InputLayer has no weights: 0")
