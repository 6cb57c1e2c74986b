"""Keras convolutions over channels-last inputs: (L, C) and (H, W, C).

The counts are conv.params_step's; 'valid' sizes are sizes.window_steps with P = 0. Keras's
'same' (allowed with a stride, unlike PyTorch's), 'causal' and its transposed sizes get their
own steps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from ....errors import ArgumentError, ShapeError
from ....records import record
from ...spec import Shape
from ...steps import Step, derive
from ..base import Derivation, boolean, int_tuple, positive_int
from ..conv import (
    KERNEL_SYMBOLS,
    MEANINGS,
    OUT_MEANINGS,
    OUT_SYMBOLS,
    TRANSPOSED_MEANINGS,
    TRANSPOSED_SIZE,
    params_step,
)
from ..sizes import AXES, Window, window_steps
from .base import (
    SAME_MEANINGS,
    Filters,
    KerasLayer,
    activation,
    channels_last,
    padding,
    passive,
    same_steps,
    same_why,
    strides_and_dilation,
    use_bias_words,
)

MULTIPLIER = {**MEANINGS, "c": "depth multiplier (filters per input channel)"}
MACS = "multiply-accumulates (MACs)"
MACS_WHY = "every output value is one filter applied at one place: a multiply-add per weight"


def _kernel_values(kernel: Any, spatial: int) -> dict[str, int]:
    sizes = int_tuple("kernel_size", kernel, spatial, minimum=1)
    return dict(zip(KERNEL_SYMBOLS[spatial], reversed(sizes), strict=True))  # width is last


def _positions(output: Shape, spatial: int) -> dict[str, int]:
    """The output positions of a channels-last output, in the course's symbols."""
    return dict(zip(OUT_SYMBOLS[spatial], output[:-1], strict=True))


def spatial_sizes(
    sizes: Shape, kernel: Any, strides: Any, dilation: Any, pad: str
) -> tuple[tuple[int, ...], tuple[Step, ...], str]:
    """Output sizes, their steps and the shape's why line, for Keras's three paddings."""
    n = len(sizes)
    kernels = int_tuple("kernel_size", kernel, n, minimum=1)
    stride = int_tuple("strides", strides, n, minimum=1)
    dilations = int_tuple("dilation_rate", dilation, n, minimum=1)
    if pad == "valid":
        windows = tuple(
            Window(k, s, 0, d) for k, s, d in zip(kernels, stride, dilations, strict=True)
        )
        outs, steps = window_steps(sizes, windows)
        return outs, steps, "padding='valid' adds none: the course's formula with P = 0"
    if pad == "causal":
        why = (
            "padding='causal' pads D·(F − 1) on the left only, so that no output sees a later "
            "step: ⌈W/S⌉; PyTorch has no causal padding"
        )
    else:
        why = same_why(stride)
    outs, steps = same_steps(sizes, stride, AXES[n], why)
    return outs, steps, why.split(";")[0]


def _check_input_channels(groups: int, shape: Shape) -> int:
    channels = shape[-1]
    if channels % groups:
        raise ShapeError(
            f"groups={groups} does not divide the {channels} input channels "
            "(the last dimension: Keras is channels-last)"
        )
    return channels


@record
class _Conv(KerasLayer):
    """Conv1D and Conv2D: Keras's arguments in Keras's order."""

    filters: int
    kernel_size: Any
    strides: Any = 1
    padding: str = "valid"
    data_format: str | None = None
    dilation_rate: Any = 1
    groups: int = 1
    activation: str | None = None
    use_bias: bool = True
    kernel_initializer: str = passive("glorot_uniform")
    bias_initializer: str = passive("zeros")
    kernel_regularizer: str | None = passive(None)
    bias_regularizer: str | None = passive(None)
    activity_regularizer: str | None = passive(None)
    kernel_constraint: str | None = passive(None)
    bias_constraint: str | None = passive(None)

    spatial: ClassVar[int] = 2
    paddings: ClassVar[tuple[str, ...]] = ("valid", "same")

    def _check(self) -> None:
        n = self.spatial
        positive_int("filters", self.filters)
        int_tuple("kernel_size", self.kernel_size, n, minimum=1)
        strides_and_dilation(n, self.strides, self.dilation_rate)
        padding(self.padding, self.paddings)
        channels_last(self.data_format)
        positive_int("groups", self.groups)
        if self.filters % self.groups:
            raise ArgumentError(f"groups={self.groups} does not divide filters={self.filters}")
        activation("activation", self.activation)
        boolean("use_bias", self.use_bias)

    def _derive(self, shape: Shape) -> Derivation:
        channels = _check_input_channels(self.groups, shape)
        outs, steps, why = spatial_sizes(
            shape[:-1], self.kernel_size, self.strides, self.dilation_rate, self.padding
        )
        filters = Filters(
            channels, self.filters, self.kernel_size, self.groups, self.use_bias, self.spatial
        )
        params = use_bias_words(params_step(filters))
        shape_why = f"channels-last: one output channel per filter, last; {why}"
        output = (*outs, self.filters)
        return Derivation(output, params.value, (*steps, params), shape_why, params.why)

    def macs(self, shape: Shape, output: Shape) -> Step:
        n = self.spatial
        values = _positions(output, n) | _kernel_values(self.kernel_size, n)
        values |= {"d": shape[-1], "k": self.filters, "g": self.groups}
        per_output = "*".join((*KERNEL_SYMBOLS[n], "(d/g)" if self.groups > 1 else "d"))
        text = "*".join((*OUT_SYMBOLS[n], "k", f"({per_output})"))
        return derive(MACS, text, values, MEANINGS | OUT_MEANINGS, MACS_WHY)


class Conv1D(_Conv):
    """1-D convolution over an (L, C) sequence."""

    input_dims: ClassVar = frozenset({2})
    spatial: ClassVar[int] = 1
    paddings: ClassVar[tuple[str, ...]] = ("valid", "same", "causal")
    summary: ClassVar[str] = "1-D convolution over (L, C): ((m·d)+1)·k parameters"
    example: ClassVar[str] = "input(100, 16) -> Conv1D(32, 5, padding='causal')"


@record
class Conv2D(_Conv):
    """2-D convolution over an (H, W, C) image."""

    strides: Any = (1, 1)
    dilation_rate: Any = (1, 1)

    input_dims: ClassVar = frozenset({3})
    summary: ClassVar[str] = (
        "2-D convolution over (H, W, C): ((m·n·d)+1)·k parameters; 'same' gives ⌈W/S⌉"
    )
    example: ClassVar[str] = "input(28, 28, 1) -> Conv2D(32, 3, strides=2, padding='same')"


@record
class Conv3D(_Conv):
    """3-D convolution over a (D, H, W, C) volume."""

    strides: Any = (1, 1, 1)
    dilation_rate: Any = (1, 1, 1)

    input_dims: ClassVar = frozenset({4})
    spatial: ClassVar[int] = 3
    summary: ClassVar[str] = "3-D convolution over (D, H, W, C): ((m·n·l·d)+1)·k parameters"
    example: ClassVar[str] = "input(16, 32, 32, 3) -> Conv3D(8, 3, padding='same')"


def _per_axis(
    axes: tuple[str, ...], keys: Sequence[tuple[object, ...]], make: Callable[[str, int], Step]
) -> tuple[Step, ...]:
    """One step per axis, or one for all when every axis has the same numbers."""
    if len(set(keys)) == 1 and len(keys) > 1:
        return (make(" = ".join(axes), 0),)
    return tuple(make(axis, i) for i, axis in enumerate(axes))


@record
class Conv2DTranspose(KerasLayer):
    """Transposed convolution over (H, W, C). Keras's sizes differ from PyTorch's where the
    kernel is narrower than the stride, and for 'same'."""

    filters: int
    kernel_size: Any
    strides: Any = (1, 1)
    padding: str = "valid"
    output_padding: Any = None
    data_format: str | None = None
    dilation_rate: Any = (1, 1)
    activation: str | None = None
    use_bias: bool = True
    kernel_initializer: str = passive("glorot_uniform")
    bias_initializer: str = passive("zeros")
    kernel_regularizer: str | None = passive(None)
    bias_regularizer: str | None = passive(None)
    activity_regularizer: str | None = passive(None)
    kernel_constraint: str | None = passive(None)
    bias_constraint: str | None = passive(None)

    input_dims: ClassVar = frozenset({3})
    summary: ClassVar[str] = (
        "2-D transposed convolution over (H, W, C): ((m·n·d)+1)·k parameters; W·S for 'same'"
    )
    example: ClassVar[str] = "input(7, 7, 64) -> Conv2DTranspose(32, 3, strides=2, padding='same')"

    def _check(self) -> None:
        positive_int("filters", self.filters)
        int_tuple("kernel_size", self.kernel_size, 2, minimum=1)
        strides = int_tuple("strides", self.strides, 2, minimum=1)
        strides_and_dilation(2, self.strides, self.dilation_rate)
        padding(self.padding)
        if self.output_padding is not None:
            extras = int_tuple("output_padding", self.output_padding, 2, minimum=0)
            for extra, stride in zip(extras, strides, strict=True):
                if extra >= stride:
                    raise ArgumentError(
                        f"output_padding {extra} must be smaller than the stride ({stride}); "
                        "Keras refuses it (PyTorch allows up to the dilation too)"
                    )
        channels_last(self.data_format)
        activation("activation", self.activation)
        boolean("use_bias", self.use_bias)

    def _derive(self, shape: Shape) -> Derivation:
        sizes = shape[:-1]
        kernel = int_tuple("kernel_size", self.kernel_size, 2, minimum=1)
        strides = int_tuple("strides", self.strides, 2, minimum=1)
        dilation = int_tuple("dilation_rate", self.dilation_rate, 2, minimum=1)
        extras: tuple[int | None, ...] = (None, None)
        if self.output_padding is not None:
            extras = int_tuple("output_padding", self.output_padding, 2, minimum=0)
        keys = list(zip(sizes, kernel, strides, dilation, extras, strict=True))

        def make(axis: str, i: int) -> Step:
            return _transposed_size(axis, *keys[i], self.padding)

        steps = _per_axis(AXES[2], keys, make)
        outs = tuple(steps[0 if len(steps) == 1 else i].value for i in range(len(sizes)))
        filters = Filters(shape[-1], self.filters, self.kernel_size, 1, self.use_bias, 2)
        params = use_bias_words(params_step(filters))  # the same count as a convolution's
        shape_why = "each input value spreads over a kernel-sized patch, S apart; channels last"
        output = (*outs, self.filters)
        return Derivation(output, params.value, (*steps, params), shape_why, params.why)

    def macs(self, shape: Shape, output: Shape) -> Step:
        values = {"H_i": shape[0], "W_i": shape[1], "d": shape[-1], "k": self.filters}
        values |= _kernel_values(self.kernel_size, 2)
        meanings = {**MEANINGS, "H_i": "input height", "W_i": "input width"}
        why = "each input value is multiplied by every weight of the k filters it spreads through"
        return derive(MACS, "H_i*W_i*k*(m*n*d)", values, meanings, why)


def _transposed_size(
    axis: str, size: int, kernel: int, stride: int, dilation: int, extra: int | None, pad: str
) -> Step:
    span = dilation * (kernel - 1) + 1
    quantity = f"output {axis}"
    values = {"W": size, "F": kernel, "S": stride, "D": dilation}
    if extra is not None:
        p = span // 2 if pad == "same" else 0
        where = f"P = ⌊{span}/2⌋ = {p} for 'same'" if pad == "same" else "P = 0 for 'valid'"
        why = f"with output_padding Keras uses PyTorch's formula, {where}"
        values |= {"P": p, "A": extra}
        return derive(quantity, TRANSPOSED_SIZE, values, TRANSPOSED_MEANINGS, why)
    if pad == "same":
        return derive(
            quantity,
            "W*S",
            values,
            SAME_MEANINGS,
            "padding='same' without output_padding: exactly S times the input",
        )
    if span < stride:
        why = (
            f"the kernel spans {span} < S = {stride}: Keras gives each input value a whole stride, "
            f"W·S, where PyTorch's (W − 1)·S + F gives {(size - 1) * stride + span}"
        )
        return derive(quantity, "W*S", values, SAME_MEANINGS, why)
    text = "(W - 1)*S + F" if dilation == 1 else "(W - 1)*S + D*(F - 1) + 1"
    why = "padding='valid' crops nothing: PyTorch's formula with P = 0"
    return derive(quantity, text, values, TRANSPOSED_MEANINGS, why)


class _Depthwise(KerasLayer):
    """The depthwise part shared by DepthwiseConv2D and SeparableConv2D (not a dataclass
    itself: the two list their fields in different orders)."""

    kernel_size: Any
    strides: Any
    padding: str
    depth_multiplier: int
    data_format: str | None
    dilation_rate: Any
    activation: str | None
    use_bias: bool

    input_dims: ClassVar = frozenset({3})

    def _check_depthwise(self) -> None:
        int_tuple("kernel_size", self.kernel_size, 2, minimum=1)
        int_tuple("strides", self.strides, 2, minimum=1)
        int_tuple("dilation_rate", self.dilation_rate, 2, minimum=1)
        padding(self.padding)
        positive_int("depth_multiplier", self.depth_multiplier)
        channels_last(self.data_format)
        activation("activation", self.activation)
        boolean("use_bias", self.use_bias)

    def _sizes(self, shape: Shape) -> tuple[tuple[int, ...], tuple[Step, ...], str]:
        return spatial_sizes(
            shape[:-1], self.kernel_size, self.strides, self.dilation_rate, self.padding
        )

    def _values(self, channels: int) -> dict[str, int]:
        kernel = int_tuple("kernel_size", self.kernel_size, 2, minimum=1)
        return {"m": kernel[1], "n": kernel[0], "d": channels, "c": self.depth_multiplier}


@record
class DepthwiseConv2D(_Depthwise):
    """One (or depth_multiplier) m×n filter per input channel, no mixing of channels."""

    kernel_size: Any
    strides: Any = (1, 1)
    padding: str = "valid"
    depth_multiplier: int = 1
    data_format: str | None = None
    dilation_rate: Any = (1, 1)
    activation: str | None = None
    use_bias: bool = True
    depthwise_initializer: str = passive("glorot_uniform")
    bias_initializer: str = passive("zeros")
    depthwise_regularizer: str | None = passive(None)
    bias_regularizer: str | None = passive(None)
    activity_regularizer: str | None = passive(None)
    depthwise_constraint: str | None = passive(None)
    bias_constraint: str | None = passive(None)

    summary: ClassVar[str] = (
        "depthwise convolution: m·n·d·c + d·c parameters (c = depth_multiplier)"
    )
    example: ClassVar[str] = "input(32, 32, 16) -> DepthwiseConv2D(3, padding='same')"

    def _check(self) -> None:
        self._check_depthwise()

    def _derive(self, shape: Shape) -> Derivation:
        outs, steps, why = self._sizes(shape)
        d, c = shape[-1], self.depth_multiplier
        weights = "m*n*d" if c == 1 else "m*n*d*c"
        text = weights + (" + d" if c == 1 else " + d*c") if self.use_bias else weights
        values = self._values(d)
        own = "its own filter" if c == 1 else f"its own c = {c} filters"
        bias = " and one bias each" if self.use_bias else " and no bias (use_bias=False)"
        mn = values["m"] * values["n"]
        params_why = (
            f"each of the d = {d} input channels has {own} of m·n = {mn} weights{bias}; PyTorch "
            f"writes this as Conv2d({d}, {d * c}, kernel_size, groups={d}), the same count"
        )
        params = derive("parameters", text, values, MULTIPLIER, params_why)
        shape_why = f"each channel is filtered on its own: d·c = {d * c} channels, last; {why}"
        return Derivation((*outs, d * c), params.value, (*steps, params), shape_why, params_why)

    def macs(self, shape: Shape, output: Shape) -> Step:
        values = _positions(output, 2) | self._values(shape[-1])
        why = "every output value is one m×n filter of one channel: m·n multiply-adds"
        return derive(MACS, "H*V*d*c*(m*n)", values, MULTIPLIER | OUT_MEANINGS, why)


@record
class SeparableConv2D(_Depthwise):
    """A depthwise convolution, then a pointwise (1×1) one that mixes the channels."""

    filters: int
    kernel_size: Any
    strides: Any = (1, 1)
    padding: str = "valid"
    data_format: str | None = None
    dilation_rate: Any = (1, 1)
    depth_multiplier: int = 1
    activation: str | None = None
    use_bias: bool = True
    depthwise_initializer: str = passive("glorot_uniform")
    pointwise_initializer: str = passive("glorot_uniform")
    bias_initializer: str = passive("zeros")
    depthwise_regularizer: str | None = passive(None)
    pointwise_regularizer: str | None = passive(None)
    bias_regularizer: str | None = passive(None)
    activity_regularizer: str | None = passive(None)
    depthwise_constraint: str | None = passive(None)
    pointwise_constraint: str | None = passive(None)
    bias_constraint: str | None = passive(None)

    summary: ClassVar[str] = "depthwise then pointwise convolution: m·n·d·c + d·c·k + k parameters"
    example: ClassVar[str] = "input(32, 32, 16) -> SeparableConv2D(32, 3, padding='same')"

    def _check(self) -> None:
        positive_int("filters", self.filters)
        self._check_depthwise()

    def _derive(self, shape: Shape) -> Derivation:
        outs, steps, why = self._sizes(shape)
        d, c, k = shape[-1], self.depth_multiplier, self.filters
        text = "m*n*d + d*k" if c == 1 else "m*n*d*c + d*c*k"
        if self.use_bias:
            text += " + k"
        values = {**self._values(d), "k": k}
        depthwise = values["m"] * values["n"] * d * c
        bias = "and one bias per filter" if self.use_bias else "and no bias (use_bias=False)"
        params_why = (
            f"the depthwise step has m·n·d·c = {depthwise} weights and no bias; the pointwise "
            f"1×1 convolution maps d·c = {d * c} channels to k = {k} filters: d·c·k = "
            f"{d * c * k} weights {bias}"
        )
        params = derive("parameters", text, values, MULTIPLIER, params_why)
        shape_why = f"the pointwise step gives k = {k} channels, last; {why}"
        return Derivation((*outs, k), params.value, (*steps, params), shape_why, params_why)

    def macs(self, shape: Shape, output: Shape) -> Step:
        values = _positions(output, 2) | self._values(shape[-1]) | {"k": self.filters}
        why = (
            "at each output position, the depthwise step's d·c filters of m·n weights, then the "
            "pointwise step's d·c·k"
        )
        return derive(MACS, "H*V*(d*c*m*n + d*c*k)", values, MULTIPLIER | OUT_MEANINGS, why)
