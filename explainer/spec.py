"""What the parsers produce: pure data, no sympy, no knowledge of layer kinds."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

Shape = tuple[int, ...]


@dataclass(frozen=True)
class LayerSpec:
    """One layer as written: ``FCwB(256)`` or ``(cnn_layer_1): Conv2d(1, 16, ...)``."""

    call: str  # the layer name as written: "FCwB", "Conv2d", "relu"
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()
    name: str | None = None  # the attribute name of a PyTorch print-out (cnn_layer_1)
    text: str = ""  # the source text of the layer, for messages
    line: int = 1
    col: int = 1
    # The shape that really reaches this layer, when known (a live model's residual branches);
    # None: the previous layer's output, as in any written chain.
    input_shape: Shape | None = None
    # A live model's facts, read from PyTorch (0 and "" for a written spec): parameters of this
    # layer already counted at an earlier row (a module called again, a tied weight), where,
    # and how many of the rest are frozen (requires_grad=False).
    shared: int = 0
    shared_with: str = ""
    frozen: int = 0
    # The shapes of a layer's further inputs, in the order it takes them: a live model's Add
    # or Concatenate of branches, MultiHeadAttention(query, value). Empty: one input.
    other_inputs: tuple[Shape, ...] = ()

    @property
    def where(self) -> str:
        return f"line {self.line}, col {self.col}"


@dataclass(frozen=True)
class LayerCall:
    """A layer written as an argument of another: ``Bidirectional(LSTM(64))``. Pure data."""

    call: str
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()

    def __repr__(self) -> str:  # chain notation, so that format_chain round-trips
        written = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs]
        return f"{self.call}({', '.join(written)})"


@dataclass(frozen=True)
class Architecture:
    """An input shape (without the batch dimension) and the layers in the order applied."""

    layers: tuple[LayerSpec, ...]
    input_shape: Shape | None = None
    notation: str = "chain"  # chain | course | pytorch-print
    notes: tuple[str, ...] = field(default=())
    framework: str = "pytorch"  # whose layer names, shapes and counting rules: pytorch | keras

    def with_input(self, shape: Shape | None) -> Architecture:
        return self if shape is None else replace(self, input_shape=shape)

    def with_framework(self, framework: str) -> Architecture:
        return replace(self, framework=framework)
