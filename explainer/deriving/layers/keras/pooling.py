"""Keras pooling over channels-last inputs: no weights; 'valid' windows by the course's formula
(sizes.window_steps with P = 0), 'same' by ⌈W/S⌉."""

from __future__ import annotations

from typing import Any, ClassVar

from ....records import record
from ...spec import Shape
from ..base import Derivation, boolean, int_tuple
from ..sizes import AXES, Window, window_steps
from .base import KerasLayer, channels_last, padding, same_steps

SAME_POOL = "padding='same' pads so that each output size is ⌈W/S⌉; PyTorch's pooling has no 'same'"


class _Pooling(KerasLayer):
    """Max and average pooling over 1, 2 or 3 axes: a window slides over each channel
    separately (not a dataclass itself: pool_size is required in some and not in others)."""

    pool_size: Any
    strides: Any
    padding: str
    data_format: str | None

    spatial: ClassVar[int] = 2
    input_dims: ClassVar = frozenset({3})
    what: ClassVar[str] = "maximum"

    def _check(self) -> None:
        int_tuple("pool_size", self.pool_size, self.spatial, minimum=1)
        strides = self.strides
        if strides is not None:
            int_tuple("strides", strides, self.spatial, minimum=1)
        padding(self.padding)
        channels_last(self.data_format)

    def _derive(self, shape: Shape) -> Derivation:
        n = self.spatial
        pool = int_tuple("pool_size", self.pool_size, n, minimum=1)
        given = self.strides
        # Keras, like PyTorch: strides=None means strides = pool_size (windows side by side).
        strides = pool if given is None else int_tuple("strides", given, n, minimum=1)
        sizes = shape[:-1]
        if self.padding == "same":
            outs, steps = same_steps(sizes, strides, AXES[n], SAME_POOL)
        else:
            windows = tuple(Window(p, s, 0) for p, s in zip(pool, strides, strict=True))
            outs, steps = window_steps(sizes, windows)
        channels = shape[-1]
        return Derivation(
            output_shape=(*outs, channels),
            params=0,
            steps=steps,
            shape_why=f"a window slides over each of the {channels} channels (the last) separately",
            params_why=f"{self.type_name()} has no weights: 0 (it only takes the {self.what} "
            "of each window)",
        )


@record
class MaxPooling2D(_Pooling):
    """The maximum of each pool_size window of each channel."""

    pool_size: Any = (2, 2)
    strides: Any = None
    padding: str = "valid"
    data_format: str | None = None

    summary: ClassVar[str] = (
        "2-D max pooling over (H, W, C): no parameters; ⌊(W − F)/S + 1⌋, or ⌈W/S⌉ for 'same'"
    )
    example: ClassVar[str] = "input(28, 28, 32) -> MaxPooling2D()"


@record
class AveragePooling2D(_Pooling):
    """The mean of each pool_size window of each channel."""

    pool_size: Any
    strides: Any = None
    padding: str = "valid"
    data_format: str | None = None

    what: ClassVar[str] = "mean"
    summary: ClassVar[str] = "2-D average pooling over (H, W, C): no parameters"
    example: ClassVar[str] = "input(28, 28, 32) -> AveragePooling2D(3, strides=2, padding='same')"


@record
class MaxPooling1D(_Pooling):
    """The maximum of each window along a sequence, channel by channel."""

    pool_size: Any = 2
    strides: Any = None
    padding: str = "valid"
    data_format: str | None = None

    spatial: ClassVar[int] = 1
    input_dims: ClassVar = frozenset({2})
    summary: ClassVar[str] = "1-D max pooling over (L, C): no parameters"
    example: ClassVar[str] = "input(100, 16) -> MaxPooling1D(4)"


@record
class AveragePooling1D(_Pooling):
    """The mean of each window along a sequence, channel by channel."""

    pool_size: Any
    strides: Any = None
    padding: str = "valid"
    data_format: str | None = None

    spatial: ClassVar[int] = 1
    input_dims: ClassVar = frozenset({2})
    what: ClassVar[str] = "mean"
    summary: ClassVar[str] = "1-D average pooling over (L, C): no parameters"
    example: ClassVar[str] = "input(100, 16) -> AveragePooling1D(4)"


@record
class MaxPooling3D(_Pooling):
    """The maximum of each pool_size window of a (D, H, W, C) volume, channel by channel."""

    pool_size: Any = (2, 2, 2)
    strides: Any = None
    padding: str = "valid"
    data_format: str | None = None

    spatial: ClassVar[int] = 3
    input_dims: ClassVar = frozenset({4})
    summary: ClassVar[str] = "3-D max pooling over (D, H, W, C): no parameters"
    example: ClassVar[str] = "input(16, 32, 32, 8) -> MaxPooling3D()"


@record
class AveragePooling3D(_Pooling):
    """The mean of each pool_size window of a (D, H, W, C) volume, channel by channel."""

    pool_size: Any
    strides: Any = None
    padding: str = "valid"
    data_format: str | None = None

    spatial: ClassVar[int] = 3
    input_dims: ClassVar = frozenset({4})
    what: ClassVar[str] = "mean"
    summary: ClassVar[str] = "3-D average pooling over (D, H, W, C): no parameters"
    example: ClassVar[str] = "input(16, 32, 32, 8) -> AveragePooling3D(2)"


@record
class _GlobalPooling(KerasLayer):
    """The mean (or maximum) of every position of each channel: one value per channel."""

    data_format: str | None = None
    keepdims: bool = False

    positions: ClassVar[str] = "H·W"
    what: ClassVar[str] = "mean"

    def _check(self) -> None:
        channels_last(self.data_format)
        boolean("keepdims", self.keepdims)

    def _derive(self, shape: Shape) -> Derivation:
        channels = shape[-1]
        kept = (1,) * (len(shape) - 1)
        why = (
            f"the {self.what} over all {self.positions} positions of each of the {channels} "
            "channels"
        )
        if self.keepdims:
            why += ": keepdims=True keeps each pooled axis as 1"
        else:
            why += (
                " (keepdims=True would keep each pooled axis as 1, as PyTorch's adaptive "
                "pooling does)"
            )
        output = (*kept, channels) if self.keepdims else (channels,)
        return Derivation(output, 0, (), why, f"{self.type_name()} has no weights: 0")


class GlobalAveragePooling1D(_GlobalPooling):
    """(L, C) -> (C,)."""

    input_dims: ClassVar = frozenset({2})
    positions: ClassVar[str] = "L"
    summary: ClassVar[str] = "global average pooling: (L, C) -> (C,), no parameters"
    example: ClassVar[str] = "input(100, 64) -> GlobalAveragePooling1D()"


class GlobalAveragePooling2D(_GlobalPooling):
    """(H, W, C) -> (C,)."""

    input_dims: ClassVar = frozenset({3})
    summary: ClassVar[str] = "global average pooling: (H, W, C) -> (C,), no parameters"
    example: ClassVar[str] = "input(7, 7, 512) -> GlobalAveragePooling2D()"


class GlobalAveragePooling3D(_GlobalPooling):
    """(D, H, W, C) -> (C,)."""

    input_dims: ClassVar = frozenset({4})
    positions: ClassVar[str] = "D·H·W"
    summary: ClassVar[str] = "global average pooling: (D, H, W, C) -> (C,), no parameters"
    example: ClassVar[str] = "input(4, 7, 7, 64) -> GlobalAveragePooling3D()"


class GlobalMaxPooling1D(_GlobalPooling):
    """(L, C) -> (C,): the maximum of each channel."""

    input_dims: ClassVar = frozenset({2})
    positions: ClassVar[str] = "L"
    what: ClassVar[str] = "maximum"
    summary: ClassVar[str] = "global max pooling: (L, C) -> (C,), no parameters"
    example: ClassVar[str] = "input(100, 64) -> GlobalMaxPooling1D()"


class GlobalMaxPooling2D(_GlobalPooling):
    """(H, W, C) -> (C,): the maximum of each channel."""

    input_dims: ClassVar = frozenset({3})
    what: ClassVar[str] = "maximum"
    summary: ClassVar[str] = "global max pooling: (H, W, C) -> (C,), no parameters"
    example: ClassVar[str] = "input(7, 7, 512) -> GlobalMaxPooling2D()"


class GlobalMaxPooling3D(_GlobalPooling):
    """(D, H, W, C) -> (C,): the maximum of each channel."""

    input_dims: ClassVar = frozenset({4})
    positions: ClassVar[str] = "D·H·W"
    what: ClassVar[str] = "maximum"
    summary: ClassVar[str] = "global max pooling: (D, H, W, C) -> (C,), no parameters"
    example: ClassVar[str] = "input(4, 7, 7, 64) -> GlobalMaxPooling3D()"
