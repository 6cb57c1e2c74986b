"""Convolutions."""

from __future__ import annotations

from math import prod
from typing import Any, ClassVar, Protocol

from ...errors import ArgumentError, ShapeError
from ...records import record
from ..spec import Shape
from ..steps import Step, derive
from .base import Derivation, Layer, Misconception, boolean, int_tuple, one_of, positive_int
from .sizes import AXES, Window, window_slips, window_steps
from .sizes import MEANINGS as SIZE_MEANINGS

MEANINGS = {
    "m": "kernel width",
    "n": "kernel height",
    "l": "kernel depth",
    "d": "input channels, the filters of the previous layer",
    "k": "filters",
    "g": "groups",
}

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


# Kernel symbols by number of spatial axes, in the course's order: width, height, depth.
KERNEL_SYMBOLS = {1: ("m",), 2: ("m", "n"), 3: ("m", "n", "l")}


# The classic wrong counts of ((m·n·d)+1)·k (explainer.layers.misconceptions): {K} stands for
# the kernel symbols, {D} for the channels each filter sees, {O} for the output sizes.
SLIPS = {
    "bias-forgotten": ("the bias of each filter forgotten", "({K}*{D})*k"),
    "bias-twice": ("the bias counted twice per filter", "(({K}*{D})+2)*k"),
    "bias-added": ("a bias counted although bias=False", "(({K}*{D})+1)*k"),
    "channels-swapped": ("in- and out-channels swapped", "(({K}*k)+1)*d"),
    "groups-ignored": ("groups ignored: every filter sees all d channels", "(({K}*d)+1)*k"),
    "spatial-multiplied": ("the output size multiplied into the count", "(({K}*{D})+1)*k*{O}"),
}


def params_formula(spatial: int, grouped: bool, bias: bool) -> str:
    """((m·n·d)+1)·k for 2-D; ((m·d)+1)·k for 1-D; ((m·n·l·d)+1)·k for 3-D; d/g when grouped."""
    product = "*".join((*KERNEL_SYMBOLS[spatial], "(d/g)" if grouped else "d"))
    return f"(({product})+1)*k" if bias else f"({product})*k"


@record
class _ConvNd(Layer):
    """N-d convolution over a (C, *spatial) input; subclasses fix N."""

    in_channels: int
    out_channels: int
    kernel_size: Any
    stride: Any = 1
    padding: Any = 0
    dilation: Any = 1
    groups: int = 1
    bias: bool = True
    padding_mode: str = "zeros"

    inferred: ClassVar = {"in_channels": lambda shape: shape[0]}
    spatial: ClassVar[int] = 2

    def __post_init__(self) -> None:
        positive_int("in_channels", self.in_channels)
        positive_int("out_channels", self.out_channels)
        int_tuple("kernel_size", self.kernel_size, self.spatial, minimum=1)
        int_tuple("stride", self.stride, self.spatial, minimum=1)
        int_tuple("dilation", self.dilation, self.spatial, minimum=1)
        self._check_padding()
        positive_int("groups", self.groups)
        boolean("bias", self.bias)
        one_of("padding_mode", self.padding_mode, PADDING_MODES)
        for name in ("in_channels", "out_channels"):
            if getattr(self, name) % self.groups:
                raise ArgumentError(
                    f"groups={self.groups} does not divide {name}={getattr(self, name)}"
                )

    def _check_padding(self) -> None:
        if isinstance(self.padding, str):
            one_of("padding", self.padding, ("same", "valid"))
            strides = int_tuple("stride", self.stride, self.spatial, minimum=1)
            if self.padding == "same" and any(s != 1 for s in strides):
                raise ArgumentError(
                    f"padding='same' is not supported for strided convolutions "
                    f"(stride={self.stride!r}); PyTorch refuses it"
                )
        else:
            int_tuple("padding", self.padding, self.spatial, minimum=0)

    def derive(self, shape: Shape) -> Derivation:
        sizes = shape[1:]
        self._check_padding_fits(sizes)
        steps: tuple[Step, ...]
        if self.padding == "same":
            out_sizes, steps = sizes, ()
            shape_why = "padding='same' pads so that the output keeps the input's size"
        else:
            out_sizes, steps = window_steps(sizes, self._windows(sizes))
            shape_why = "one output channel per filter; each spatial size by the formula"
        params = self._params_step()
        return Derivation(
            output_shape=(self.out_channels, *out_sizes),
            params=params.value,
            steps=(*steps, params),
            shape_why=shape_why,
            params_why=params.why,
        )

    def _check_padding_fits(self, sizes: Shape) -> None:
        """PyTorch's rules for padding that copies the input: reflect needs P < W on every
        axis, circular P ≤ W ('same' pads the larger half on the right)."""
        if self.padding_mode not in ("reflect", "circular") or self.padding == "valid":
            return
        n = self.spatial
        if self.padding == "same":
            kernel = int_tuple("kernel_size", self.kernel_size, n, minimum=1)
            dilation = int_tuple("dilation", self.dilation, n, minimum=1)
            totals = (d * (k - 1) for k, d in zip(kernel, dilation, strict=True))
            pads = tuple(total - total // 2 for total in totals)
        else:
            pads = int_tuple("padding", self.padding, n, minimum=0)
        for axis, size, pad in zip(AXES[n], sizes, pads, strict=True):
            if self.padding_mode == "reflect" and pad >= size:
                raise ShapeError(
                    f"padding_mode='reflect' mirrors the input, so the padding ({pad}) must be "
                    f"less than the input {axis} ({size})"
                )
            if self.padding_mode == "circular" and pad > size:
                raise ShapeError(
                    f"padding_mode='circular' wraps the input around once, so the padding ({pad}) "
                    f"can be at most the input {axis} ({size})"
                )

    def misconceptions(self, shape: Shape) -> tuple[Misconception, ...]:
        right = self.derive(shape)
        params = right.steps[-1]
        mistakes = self._count_slips(dict(params.values), right.output_shape[1:], right.params)
        if self.padding == "same":
            return mistakes
        windows = self._windows(shape[1:])
        axis = "length" if self.spatial == 1 else "depth" if self.spatial == 3 else "height"
        return mistakes + window_slips(axis, windows[0], shape[1], right.output_shape[1])

    def _count_slips(
        self, values: dict[str, int], out_sizes: tuple[int, ...], right: int
    ) -> tuple[Misconception, ...]:
        from .misconceptions import named

        keys = ["bias-forgotten", "bias-twice"] if self.bias else ["bias-added"]
        keys += ["channels-swapped", "spatial-multiplied"]
        if self.groups > 1:
            keys.append("groups-ignored")
        outs = OUT_SYMBOLS[self.spatial]
        fill = {
            "K": "*".join(KERNEL_SYMBOLS[self.spatial]),
            "D": "(d/g)" if self.groups > 1 else "d",
            "O": "*".join(outs),
        }
        slips = {key: (SLIPS[key][0], SLIPS[key][1].format(**fill)) for key in keys}
        values = {**values, "g": self.groups, **dict(zip(outs, out_sizes, strict=True))}
        return named(slips, "parameters", values, MEANINGS | OUT_MEANINGS, right)

    def _windows(self, sizes: Shape) -> tuple[Window, ...]:
        n = self.spatial
        kernel = int_tuple("kernel_size", self.kernel_size, n, minimum=1)
        stride = int_tuple("stride", self.stride, n, minimum=1)
        dilation = int_tuple("dilation", self.dilation, n, minimum=1)
        padding = (
            (0,) * n
            if self.padding == "valid"
            else int_tuple("padding", self.padding, n, minimum=0)
        )
        return tuple(Window(*w) for w in zip(kernel, stride, padding, dilation, strict=True))

    def _params_step(self) -> Step:
        return params_step(self)

    def macs(self, shape: Shape, output: Shape) -> Step:
        kernel = int_tuple("kernel_size", self.kernel_size, self.spatial, minimum=1)
        out_symbols = OUT_SYMBOLS[self.spatial]
        values = dict(zip(out_symbols, output[1:], strict=True))
        values |= dict(zip(KERNEL_SYMBOLS[self.spatial], reversed(kernel), strict=True))
        values |= {"d": self.in_channels, "k": self.out_channels, "g": self.groups}
        per_output = "*".join((*KERNEL_SYMBOLS[self.spatial], "(d/g)" if self.groups > 1 else "d"))
        text = "*".join((*out_symbols, "k", f"({per_output})"))
        why = "every output value is one filter applied at one place: a multiply-add per weight"
        return derive("multiply-accumulates (MACs)", text, values, MEANINGS | OUT_MEANINGS, why)


class _Filters(Protocol):
    """What the parameter count of a convolution (plain or transposed) depends on."""

    @property
    def in_channels(self) -> int: ...
    @property
    def out_channels(self) -> int: ...
    @property
    def kernel_size(self) -> Any: ...
    @property
    def groups(self) -> int: ...
    @property
    def bias(self) -> bool: ...
    @property
    def spatial(self) -> int: ...


def params_step(conv: _Filters) -> Step:
    kernel = int_tuple("kernel_size", conv.kernel_size, conv.spatial, minimum=1)
    symbols = KERNEL_SYMBOLS[conv.spatial]
    values = dict(zip(symbols, reversed(kernel), strict=True))  # width is the last axis
    values |= {"d": conv.in_channels, "k": conv.out_channels, "g": conv.groups}
    grouped = conv.groups > 1
    text = params_formula(conv.spatial, grouped, conv.bias)
    return derive("parameters", text, values, MEANINGS, _why(conv, kernel, grouped))


def _why(conv: _Filters, kernel: tuple[int, ...], grouped: bool) -> str:
    d, g = conv.in_channels, conv.groups
    names = "·".join(KERNEL_SYMBOLS[conv.spatial])
    sizes = "·".join(str(k) for k in reversed(kernel))
    volume = prod(kernel)
    if grouped:
        per_filter = (
            f"{names}·(d/g) = {sizes}·{d // g} = {volume * (d // g)} weights "
            f"(each of the g = {g} groups of {d // g} channels has its own filters)"
        )
    else:
        per_filter = f"{names}·d = {sizes}·{d} = {volume * d} weights"
    bias = " and one bias" if conv.bias else " and no bias (bias=False)"
    return f"each of the k = {conv.out_channels} filters has {per_filter}{bias}"


OUT_SYMBOLS = {1: ("L",), 2: ("H", "V"), 3: ("Z", "H", "V")}
OUT_MEANINGS = {
    "L": "output length",
    "H": "output height",
    "V": "output width",
    "Z": "output depth",
}


class Conv1d(_ConvNd):
    """1-D convolution over a (C, L) input."""

    input_dims: ClassVar = frozenset({2})
    spatial: ClassVar[int] = 1
    summary: ClassVar[str] = "1-D convolution: ((m·d)+1)·k parameters"
    example: ClassVar[str] = "input(3, 32) -> Conv1d(3, 8, kernel_size=5, padding=2)"


class Conv2d(_ConvNd):
    """2-D convolution over a (C, H, W) input."""

    input_dims: ClassVar = frozenset({3})
    spatial: ClassVar[int] = 2
    summary: ClassVar[str] = "2-D convolution: ((m·n·d)+1)·k parameters"
    example: ClassVar[str] = "input(1, 28, 28) -> Conv2d(1, 16, kernel_size=5, padding=2)"


class Conv3d(_ConvNd):
    """3-D convolution over a (C, D, H, W) input."""

    input_dims: ClassVar = frozenset({4})
    spatial: ClassVar[int] = 3
    summary: ClassVar[str] = "3-D convolution: ((m·n·l·d)+1)·k parameters"
    example: ClassVar[str] = "input(3, 8, 32, 32) -> Conv3d(3, 8, kernel_size=3, padding=1)"


TRANSPOSED_SIZE = "(W - 1)*S - 2*P + D*(F - 1) + A + 1"
TRANSPOSED_MEANINGS = {**SIZE_MEANINGS, "A": "output_padding"}


@record
class _ConvTransposeNd(Layer):
    """Transposed ("de-")convolution: the size formula runs backwards, the count is a conv's."""

    in_channels: int
    out_channels: int
    kernel_size: Any
    stride: Any = 1
    padding: Any = 0
    output_padding: Any = 0
    groups: int = 1
    bias: bool = True
    dilation: Any = 1
    padding_mode: str = "zeros"

    inferred: ClassVar = {"in_channels": lambda shape: shape[0]}
    spatial: ClassVar[int] = 2

    def __post_init__(self) -> None:
        n = self.spatial
        positive_int("in_channels", self.in_channels)
        positive_int("out_channels", self.out_channels)
        int_tuple("kernel_size", self.kernel_size, n, minimum=1)
        strides = int_tuple("stride", self.stride, n, minimum=1)
        int_tuple("padding", self.padding, n, minimum=0)
        dilations = int_tuple("dilation", self.dilation, n, minimum=1)
        extras = int_tuple("output_padding", self.output_padding, n, minimum=0)
        positive_int("groups", self.groups)
        boolean("bias", self.bias)
        one_of("padding_mode", self.padding_mode, ("zeros",))
        for extra, s, d in zip(extras, strides, dilations, strict=True):
            if extra >= max(s, d):
                raise ArgumentError(
                    f"output_padding {extra} must be smaller than the stride ({s}) or the "
                    f"dilation ({d}); PyTorch refuses it"
                )
        for name in ("in_channels", "out_channels"):
            if getattr(self, name) % self.groups:
                raise ArgumentError(
                    f"groups={self.groups} does not divide {name}={getattr(self, name)}"
                )

    def derive(self, shape: Shape) -> Derivation:
        steps = [
            self._size_step(axis, size, i)
            for i, (axis, size) in enumerate(zip(AXES[self.spatial], shape[1:], strict=True))
        ]
        for step in steps:
            if step.value < 1:
                raise ShapeError(f"the {step.quantity} would be {step.value}: padding too large")
        params = params_step(self)  # the same count as a convolution's
        return Derivation(
            output_shape=(self.out_channels, *(s.value for s in steps)),
            params=params.value,
            steps=(*steps, params),
            shape_why=(
                "the transposed convolution spreads each input value over a kernel-sized patch"
            ),
            params_why=params.why,
        )

    def _size_step(self, axis: str, size: int, i: int) -> Step:
        n = self.spatial
        values = {
            "W": size,
            "F": int_tuple("kernel_size", self.kernel_size, n, minimum=1)[i],
            "S": int_tuple("stride", self.stride, n, minimum=1)[i],
            "P": int_tuple("padding", self.padding, n, minimum=0)[i],
            "D": int_tuple("dilation", self.dilation, n, minimum=1)[i],
            "A": int_tuple("output_padding", self.output_padding, n, minimum=0)[i],
        }
        why = "the inverse of the convolution's size formula, plus output_padding on one side"
        return derive(f"output {axis}", TRANSPOSED_SIZE, values, TRANSPOSED_MEANINGS, why)


class ConvTranspose1d(_ConvTransposeNd):
    """1-D transposed convolution over (C, L)."""

    input_dims: ClassVar = frozenset({2})
    spatial: ClassVar[int] = 1
    summary: ClassVar[str] = (
        "1-D transposed convolution: ((m·d)+1)·k parameters, (W − 1)·S − 2P + D·(F − 1) + A + 1"
    )
    example: ClassVar[str] = (
        "input(8, 16) -> ConvTranspose1d(8, 4, kernel_size=4, stride=2, padding=1)"
    )


class ConvTranspose2d(_ConvTransposeNd):
    """2-D transposed convolution over (C, H, W)."""

    input_dims: ClassVar = frozenset({3})
    spatial: ClassVar[int] = 2
    summary: ClassVar[str] = (
        "2-D transposed convolution: ((m·n·d)+1)·k parameters, (W − 1)·S − 2P + D·(F − 1) + A + 1"
    )
    example: ClassVar[str] = (
        "input(16, 7, 7) -> ConvTranspose2d(16, 8, kernel_size=4, stride=2, padding=1)"
    )
