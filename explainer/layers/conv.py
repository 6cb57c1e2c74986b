"""Convolutions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ..errors import ArgumentError, ShapeError
from ..spec import Shape
from ..steps import Step, derive
from .base import Derivation, Layer, Misconception, boolean, int_tuple, one_of, positive_int
from .sizes import AXES, Window, window_steps

PARAMS = "((m*n*d)+1)*k"
PARAMS_NO_BIAS = "(m*n*d)*k"
PARAMS_GROUPED = "((m*n*(d/g))+1)*k"
PARAMS_GROUPED_NO_BIAS = "(m*n*(d/g))*k"

MEANINGS = {
    "m": "kernel width",
    "n": "kernel height",
    "d": "input channels (filters of the previous layer)",
    "k": "filters",
    "g": "groups",
}

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


@dataclass(frozen=True)
class Conv2d(Layer):
    """2-D convolution over a (C, H, W) input."""

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
    input_dims: ClassVar = frozenset({3})
    summary: ClassVar[str] = "2-D convolution: ((m·n·d)+1)·k parameters"
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
        from . import misconceptions

        right = self.derive(shape)
        params = right.steps[-1]
        mistakes = misconceptions.for_conv(self, dict(params.values) | {"g": self.groups},
                                           right.output_shape[1:], right.params)
        if self.padding == "same":
            return mistakes
        windows = self._windows(shape[1:])
        return mistakes + misconceptions.for_window(
            "height", windows[0], shape[1], right.output_shape[1]
        )

    def _windows(self, sizes: Shape) -> tuple[Window, ...]:
        n = self.spatial
        kernel = int_tuple("kernel_size", self.kernel_size, n, minimum=1)
        stride = int_tuple("stride", self.stride, n, minimum=1)
        dilation = int_tuple("dilation", self.dilation, n, minimum=1)
        padding = (0,) * n if self.padding == "valid" else int_tuple("padding", self.padding, n, minimum=0)
        return tuple(Window(*w) for w in zip(kernel, stride, padding, dilation, strict=True))

    def _params_step(self) -> Step:
        kernel = int_tuple("kernel_size", self.kernel_size, self.spatial, minimum=1)
        values = {"m": kernel[-1], "n": kernel[-2] if self.spatial > 1 else 1,
                  "d": self.in_channels, "k": self.out_channels, "g": self.groups}
        grouped = self.groups > 1
        text = {
            (False, True): PARAMS, (False, False): PARAMS_NO_BIAS,
            (True, True): PARAMS_GROUPED, (True, False): PARAMS_GROUPED_NO_BIAS,
        }[grouped, self.bias]
        m, n, d, g = values["m"], values["n"], self.in_channels, self.groups
        per_filter = (
            f"m·n·(d/g) = {m}·{n}·{d // g} weights (each group of d/g = {d // g} channels has its own filters)"
            if grouped
            else f"m·n·d = {m}·{n}·{d} = {m * n * d} weights"
        )
        bias = " and one bias" if self.bias else " and no bias (bias=False)"
        why = f"each of the k = {self.out_channels} filters has {per_filter}{bias}"
        return derive("parameters", text, values, MEANINGS, why)
