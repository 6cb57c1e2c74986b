"""Fully connected layers."""

from __future__ import annotations

from math import prod
from typing import ClassVar

from ...records import record
from ..spec import Shape
from ..steps import Step, derive
from .base import Derivation, Layer, Misconception, boolean, positive_int

PARAMS = "i*o + o"
PARAMS_NO_BIAS = "i*o"
MEANINGS = {"i": "input features", "o": "neurons"}
# The classic wrong counts of i·o + o (explainer.layers.misconceptions).
SLIPS = {
    "bias-forgotten": ("the bias of each neuron forgotten", "i*o"),
    "bias-twice": ("the bias counted twice", "i*o + 2*o"),
    "bias-added": ("a bias counted although bias=False", "i*o + o"),
    "bias-per-input": ("one bias per input instead of per neuron", "i*o + i"),
}


@record
class Linear(Layer):
    """Fully connected: acts on the last dimension of its input."""

    in_features: int
    out_features: int
    bias: bool = True

    inferred: ClassVar = {"in_features": lambda shape: shape[-1]}
    summary: ClassVar[str] = "fully connected: i·o + o parameters (i·o without bias)"
    example: ClassVar[str] = "input(1568) -> Linear(1568, 512)"

    def __post_init__(self) -> None:
        positive_int("in_features", self.in_features)
        positive_int("out_features", self.out_features)
        boolean("bias", self.bias)

    def least_input(self) -> Shape | None:
        return (self.in_features,)

    def derive(self, shape: Shape) -> Derivation:
        values = {"i": self.in_features, "o": self.out_features}
        if self.bias:
            why = (
                f"each of the o = {self.out_features} neurons has i = {self.in_features} "
                "weights and one bias"
            )
        else:
            why = (
                f"each of the o = {self.out_features} neurons has i = {self.in_features} "
                "weights and no bias"
            )
        step = derive("parameters", PARAMS if self.bias else PARAMS_NO_BIAS, values, MEANINGS, why)
        leading = shape[:-1]
        shape_why = f"one output per neuron: {self.out_features}"
        if leading:
            shape_why += f" (applied to the last dimension; {list(leading)} pass through)"
        return Derivation((*leading, self.out_features), step.value, (step,), shape_why, why)

    def misconceptions(self, shape: Shape) -> tuple[Misconception, ...]:
        from .misconceptions import named

        keys = ("bias-forgotten", "bias-twice", "bias-per-input") if self.bias else ("bias-added",)
        values = {"i": self.in_features, "o": self.out_features}
        slips = {key: SLIPS[key] for key in keys}
        return named(slips, "parameters", values, MEANINGS, self.derive(shape).params)

    def macs(self, shape: Shape, output: Shape) -> Step:
        values = {"N": prod(shape[:-1]), "i": self.in_features, "o": self.out_features}
        meanings = {**MEANINGS, "N": "vectors the layer is applied to"}
        text = "N*i*o" if shape[:-1] else "i*o"
        why = "one multiply-add per weight and input vector; the bias is an addition, not a MAC"
        return derive("multiply-accumulates (MACs)", text, values, meanings, why)


class NonDynamicallyQuantizableLinear(Linear):
    """The out_proj that every printed MultiheadAttention shows: a Linear under another name."""

    source: ClassVar[str] = "torch.nn.modules.linear"
    summary: ClassVar[str] = "a Linear under another name (MultiheadAttention's out_proj)"
    example: ClassVar[str] = "input(512) -> NonDynamicallyQuantizableLinear(512, 512)"
