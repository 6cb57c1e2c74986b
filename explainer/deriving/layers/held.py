"""Rows that only a live model produces; never written in a spec.

- ``Parameter``: a tensor of weights that a module holds directly (ViT's ``class_token``,
  ``nn.Parameter(torch.zeros(1, 1, 768))``), not a layer applied to the input: its count is the
  product of its sizes.
- ``Counted``: a module that explainer has no formula for (a user's own ``LayerScale``). Its
  count is PyTorch's own, and the step says so in words: it is read, not derived.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ...errors import ArgumentError
from ...records import record
from ..spec import Shape
from ..steps import derive
from .base import Derivation, Layer, nonnegative_int


def _sizes(value: Any) -> tuple[int, ...]:
    if not isinstance(value, tuple) or any(type(v) is not int or v < 0 for v in value):
        raise ArgumentError(f"size must be a tuple of non-negative integers, got {value!r}")
    return value


@record
class Parameter(Layer):
    """A tensor of learnt values held by a module: the product of its sizes."""

    size: tuple[int, ...]
    summary: ClassVar[str] = "a tensor of weights held by a module: the product of its sizes"

    def __post_init__(self) -> None:
        _sizes(self.size)

    def derive(self, shape: Shape) -> Derivation:
        held = "a tensor of weights held by the module, not a layer applied to the input"
        if not self.size:
            step = derive("parameters", "1", {}, {}, "a single number (a scalar tensor)")
            return Derivation((), 1, (step,), held, step.why)
        symbols = [f"n_{i}" for i in range(1, len(self.size) + 1)]
        values = dict(zip(symbols, self.size, strict=True))
        meanings = {s: f"size of dimension {i}" for i, s in enumerate(symbols, 1)}
        dims = "×".join(map(str, self.size))
        why = f"one learnt value per entry of the {dims} tensor"
        step = derive("parameters", "*".join(symbols), values, meanings, why)
        return Derivation(self.size, step.value, (step,), held, why)


@record
class Counted(Layer):
    """A module with no formula in explainer: the framework's own count, said to be read."""

    module_type: str
    params: int
    output_shape: tuple[int, ...] = ()
    called: bool = True  # False: forward never called it, so no shape reached it
    counter: str = "PyTorch"  # whose count it is: PyTorch, or Keras for a live Keras model

    def __post_init__(self) -> None:
        nonnegative_int("params", self.params)
        _sizes(self.output_shape)

    def type_name(self) -> str:  # type: ignore[override]  # the module's own type, as torch names it
        return self.module_type

    def derive_inputs(self, shapes: tuple[Shape, ...]) -> Derivation:
        return self.derive(shapes[0])  # a layer of the user's own may take several

    def derive(self, shape: Shape) -> Derivation:
        if self.called:
            how = f"its output shape as {self.counter} gave it"
            why = (
                f"counted by {self.counter}, not derived: explainer has no formula for "
                f"{self.module_type}"
            )
        else:
            how = "not called by forward on this input: no shape"
            why = (
                f"counted by PyTorch, not derived: forward never called this {self.module_type} "
                "on this input, so no shape reached it"
            )
        if not self.params:
            return Derivation(self.output_shape, 0, (), how, f"{why}; it holds no parameters: 0")
        meanings = {"q": f"parameters {self.counter} counts in the {self.module_type}"}
        step = derive("parameters", "q", {"q": self.params}, meanings, why)
        return Derivation(self.output_shape, self.params, (step,), how, why)
