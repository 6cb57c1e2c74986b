"""Max and average pooling: no weights, a sliding window shrinks the spatial size."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from ...errors import ArgumentError, ShapeError
from ...records import record
from ..spec import Shape
from ..symbolic import fails
from .base import Derivation, Layer, Misconception, boolean, int_tuple
from .sizes import AXES, Window, window_slips, window_steps


class _Pool(Layer):
    """Shared by every pooling kind; subclasses fix the number of spatial axes."""

    spatial: ClassVar[int] = 2
    if TYPE_CHECKING:  # fields that every subclass declares, in PyTorch's order for each kind
        kernel_size: Any
        stride: Any
        padding: Any
        ceil_mode: bool

    def _windows(self) -> tuple[Window, ...]:
        n = self.spatial
        kernel = int_tuple("kernel_size", self.kernel_size, n, minimum=1)
        stride_arg = self.stride
        # PyTorch: stride=None means stride = kernel_size (non-overlapping windows).
        stride = kernel if stride_arg is None else int_tuple("stride", stride_arg, n, minimum=1)
        padding = int_tuple("padding", self.padding, n, minimum=0)
        dilation = int_tuple("dilation", getattr(self, "dilation", 1), n, minimum=1)
        return tuple(Window(*w) for w in zip(kernel, stride, padding, dilation, strict=True))

    def _check(self) -> None:
        boolean("ceil_mode", self.ceil_mode)
        for w in self._windows():
            if w.padding > w.kernel // 2:  # PyTorch's rule for every pooling kind
                raise ArgumentError(
                    f"padding {w.padding} is more than half the kernel size {w.kernel}; "
                    f"PyTorch allows at most {w.kernel // 2}"
                )

    def derive(self, shape: Shape) -> Derivation:
        n = self.spatial
        sizes = shape[-n:]
        out, steps = window_steps(sizes, self._windows(), ceil_mode=self.ceil_mode)
        if len(shape) > n:
            shape_why = f"a window slides over each of the {shape[0]} channels separately"
        else:
            shape_why = "a window slides along the vector"
        return Derivation(
            output_shape=(*shape[:-n], *out),
            params=0,
            steps=steps,
            shape_why=shape_why,
            params_why=(
                f"{self.type_name()} has no weights: 0 (it only takes the {self._what} of each "
                "window)"
            ),
        )

    def misconceptions(self, shape: Shape) -> tuple[Misconception, ...]:
        n = self.spatial
        axis = AXES[n][0]
        right = self.derive(shape).output_shape[-n]
        return window_slips(axis, self._windows()[0], shape[-n], right, pooling=True)

    _what: ClassVar[str] = "maximum"


@record
class MaxPool2d(_Pool):
    """2-D max pooling over (C, H, W) or (H, W)."""

    kernel_size: Any
    stride: Any = None
    padding: Any = 0
    dilation: Any = 1
    return_indices: bool = False
    ceil_mode: bool = False

    input_dims: ClassVar = frozenset({2, 3})
    summary: ClassVar[str] = "2-D max pooling: no parameters, ⌊(W − F + 2P)/S + 1⌋ per axis"
    example: ClassVar[str] = "input(16, 28, 28) -> MaxPool2d(2)"

    def __post_init__(self) -> None:
        boolean("return_indices", self.return_indices)
        self._check()


class MaxPool1d(MaxPool2d):
    """1-D max pooling over (C, L) or a flat vector (L,): the course's Maxpool(x)."""

    input_dims: ClassVar = frozenset({1, 2})
    spatial: ClassVar[int] = 1
    summary: ClassVar[str] = "1-D max pooling (the course's flat Maxpool): no parameters"
    example: ClassVar[str] = "input(128) -> MaxPool1d(3, stride=3)"


@record
class AvgPool2d(_Pool):
    """2-D average pooling over (C, H, W) or (H, W). PyTorch gives it no dilation."""

    kernel_size: Any
    stride: Any = None
    padding: Any = 0
    ceil_mode: bool = False
    count_include_pad: bool = True
    divisor_override: int | None = None

    input_dims: ClassVar = frozenset({2, 3})
    summary: ClassVar[str] = "2-D average pooling: no parameters, ⌊(W − F + 2P)/S + 1⌋ per axis"
    example: ClassVar[str] = "input(6, 28, 28) -> AvgPool2d(2)"
    _what: ClassVar[str] = "mean"

    def __post_init__(self) -> None:
        boolean("count_include_pad", self.count_include_pad)
        if self.divisor_override is not None and (
            type(self.divisor_override) is not int or self.divisor_override < 1
        ):
            raise ArgumentError(
                "divisor_override must be a positive integer or None, got "
                f"{self.divisor_override!r}"
            )
        self._check()


@record
class AvgPool1d(_Pool):
    """1-D average pooling over (C, L) or (L,)."""

    kernel_size: Any
    stride: Any = None
    padding: Any = 0
    ceil_mode: bool = False
    count_include_pad: bool = True

    input_dims: ClassVar = frozenset({1, 2})
    spatial: ClassVar[int] = 1
    summary: ClassVar[str] = "1-D average pooling: no parameters"
    example: ClassVar[str] = "input(4, 30) -> AvgPool1d(3, stride=2)"
    _what: ClassVar[str] = "mean"

    def __post_init__(self) -> None:
        boolean("count_include_pad", self.count_include_pad)
        self._check()


class MaxPool3d(MaxPool2d):
    """3-D max pooling over (C, D, H, W) or (D, H, W)."""

    input_dims: ClassVar = frozenset({3, 4})
    spatial: ClassVar[int] = 3
    summary: ClassVar[str] = "3-D max pooling: no parameters, ⌊(W − F + 2P)/S + 1⌋ per axis"
    example: ClassVar[str] = "input(8, 8, 32, 32) -> MaxPool3d(2)"


class AvgPool3d(AvgPool2d):
    """3-D average pooling over (C, D, H, W) or (D, H, W)."""

    input_dims: ClassVar = frozenset({3, 4})
    spatial: ClassVar[int] = 3
    summary: ClassVar[str] = "3-D average pooling: no parameters, ⌊(W − F + 2P)/S + 1⌋ per axis"
    example: ClassVar[str] = "input(8, 8, 32, 32) -> AvgPool3d(2)"

    def derive(self, shape: Shape) -> Derivation:
        # PyTorch's avg_pool3d, unlike the 1-D and 2-D ones, wants the kernel to fit the
        # input before padding.
        for axis, size, window in zip(AXES[3], shape[-3:], self._windows(), strict=True):
            if fails(window.kernel > size):  # with a named size: maybe an assumption
                raise ShapeError(
                    f"kernel {window.kernel} is larger than the input {axis} {size}; "
                    "PyTorch's AvgPool3d does not count the padding here"
                )
        return super().derive(shape)


@record
class _AdaptivePool(Layer):
    """Adaptive pooling: PyTorch picks the windows so that the output has ``output_size``."""

    output_size: Any
    spatial: ClassVar[int] = 2
    _what: ClassVar[str] = "mean"

    def __post_init__(self) -> None:
        self._sizes(None)

    def _sizes(self, given: Shape | None) -> tuple[int, ...]:
        n = self.spatial
        raw = (
            self.output_size
            if isinstance(self.output_size, tuple | list)
            else (self.output_size,) * n
        )
        if len(raw) != n or any(s is not None and (type(s) is not int or s < 1) for s in raw):
            raise ArgumentError(
                f"output_size must be a positive integer or a tuple of {n} (None keeps a size), "
                f"got {self.output_size!r}"
            )
        if given is None:
            return tuple(s or 0 for s in raw)
        return tuple(g if s is None else s for s, g in zip(raw, given, strict=True))

    def derive(self, shape: Shape) -> Derivation:
        n = self.spatial
        out = self._sizes(shape[-n:])
        return Derivation(
            output_shape=(*shape[:-n], *out),
            params=0,
            steps=(),
            shape_why=(
                "adaptive pooling chooses its windows so that the output is "
                f"{'×'.join(map(str, out))} "
                "whatever the input size: no formula to apply"
            ),
            params_why=(
                f"{self.type_name()} has no weights: 0 (it only takes the {self._what} of each "
                "window)"
            ),
        )


class AdaptiveAvgPool2d(_AdaptivePool):
    """AdaptiveAvgPool2d(1) is global average pooling."""

    input_dims: ClassVar = frozenset({2, 3})
    summary: ClassVar[str] = (
        "average pooling to a fixed output size (1 = global average pooling): no parameters"
    )
    example: ClassVar[str] = "input(256, 13, 13) -> AdaptiveAvgPool2d((6, 6))"


class AdaptiveAvgPool1d(_AdaptivePool):
    """Average pooling of (C, L) to a fixed length."""

    input_dims: ClassVar = frozenset({1, 2})
    spatial: ClassVar[int] = 1
    summary: ClassVar[str] = "average pooling to a fixed length: no parameters"
    example: ClassVar[str] = "input(64, 50) -> AdaptiveAvgPool1d(1)"


@record
class AdaptiveMaxPool2d(_AdaptivePool):
    """Max pooling of (C, H, W) to a fixed size."""

    return_indices: bool = False
    input_dims: ClassVar = frozenset({2, 3})
    _what: ClassVar[str] = "maximum"
    summary: ClassVar[str] = "max pooling to a fixed output size: no parameters"
    example: ClassVar[str] = "input(64, 14, 14) -> AdaptiveMaxPool2d(7)"

    def __post_init__(self) -> None:
        boolean("return_indices", self.return_indices)
        super().__post_init__()


class AdaptiveMaxPool1d(AdaptiveMaxPool2d):
    """Max pooling of (C, L) to a fixed length."""

    input_dims: ClassVar = frozenset({1, 2})
    spatial: ClassVar[int] = 1
    summary: ClassVar[str] = "max pooling to a fixed length: no parameters"
    example: ClassVar[str] = "input(64, 50) -> AdaptiveMaxPool1d(10)"


class AdaptiveAvgPool3d(_AdaptivePool):
    """Average pooling of (C, D, H, W) to a fixed size."""

    input_dims: ClassVar = frozenset({3, 4})
    spatial: ClassVar[int] = 3
    summary: ClassVar[str] = "average pooling of a volume to a fixed size: no parameters"
    example: ClassVar[str] = "input(64, 8, 14, 14) -> AdaptiveAvgPool3d(1)"
