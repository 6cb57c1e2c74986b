"""TimeDistributed, which applies one layer to every step of a sequence, and ConvNeXt's
LayerScale (keras.applications.convnext), one learnt scale per channel."""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, ClassVar, cast

from ....errors import ArgumentError, ShapeError
from ....records import record
from ...spec import LayerCall, Shape
from ...steps import Step, derive
from ...symbolic import is_open
from ..base import Derivation, bind, positive_int
from .base import KerasLayer


@record
class TimeDistributed(KerasLayer):
    """The same layer, with the same weights, applied to each of the T steps."""

    layer: Any

    summary: ClassVar[str] = "one layer applied to every step, weights shared: the layer's count"
    example: ClassVar[str] = "input(10, 28, 28, 1) -> TimeDistributed(Conv2D(8, 3))"

    @functools.cached_property
    def inner_call(self) -> LayerCall:
        if not isinstance(self.layer, LayerCall):
            raise ArgumentError(
                f"layer must be a layer written as a call, such as Dense(8), got {self.layer!r}"
            )
        return self.layer

    def _check(self) -> None:
        from .. import resolve

        resolve(self.inner_call.call, "keras")

    def _inner(self, shape: Shape) -> KerasLayer:
        from .. import resolve

        kind, _ = resolve(self.inner_call.call, "keras")
        call = self.inner_call
        return cast(KerasLayer, bind(kind, call.args, dict(call.kwargs), shape, "each step"))

    def torch_args(self) -> dict[str, Any]:
        args = super().torch_args()
        call = self.inner_call
        args["layer"] = call
        return args

    def _derive(self, shape: Shape) -> Derivation:
        if len(shape) < 2:
            raise ShapeError(
                f"TimeDistributed needs steps and something in each, got {list(shape)}"
            )
        steps_count, each = shape[0], shape[1:]
        inner = self._inner(each)
        one = inner.derive(each)
        shape_why = f"{one.shape_why}; at each of the {steps_count} steps"
        why = (
            f"one {inner.type_name()}, its weights shared by all {steps_count} steps: "
            f"{one.params_why}"
        )
        renamed = tuple(
            dataclasses.replace(s, why=s.why + f" (shared by the {steps_count} steps)")
            if s is one.params_step
            else s
            for s in one.steps
        )
        return Derivation(
            (steps_count, *one.output_shape), one.params, renamed, shape_why, why,
            non_trainable=one.non_trainable,
        )  # fmt: skip

    def macs(self, shape: Shape, output: Shape) -> Step | None:
        inner = self._inner(shape[1:])
        one = inner.macs(shape[1:], output[1:])
        if one is None:
            return None
        meanings = {"T": "steps", "M": f"MACs of the {inner.type_name()} at one step"}
        why = "the same layer runs at each of the T steps"
        return derive(one.quantity, "T*M", {"T": shape[0], "M": one.value}, meanings, why)


@record
class LayerScale(KerasLayer):
    """ConvNeXt's learnt per-channel scale γ (keras.applications.convnext.LayerScale)."""

    init_values: float
    projection_dim: int

    summary: ClassVar[str] = "ConvNeXt's per-channel scale: C parameters"
    example: ClassVar[str] = "input(56, 56, 96) -> LayerScale(1e-6, 96)"

    def _check(self) -> None:
        if type(self.init_values) not in (int, float):
            raise ArgumentError(f"init_values must be a number, got {self.init_values!r}")
        positive_int("projection_dim", self.projection_dim)

    def _derive(self, shape: Shape) -> Derivation:
        if is_open(shape[-1]) and self.projection_dim != 1:
            raise ShapeError(
                f"the input's channels are None: Keras cannot multiply them by "
                f"projection_dim={self.projection_dim} scales (only 1 broadcasts)"
            )
        if not is_open(shape[-1]) and shape[-1] != self.projection_dim:
            raise ShapeError(
                f"projection_dim={self.projection_dim} is not the input's {shape[-1]} channels"
            )
        why = f"one learnt scale γ for each of the C = {self.projection_dim} channels"
        step = derive("parameters", "C", {"C": self.projection_dim}, {"C": "channels"}, why)
        return Derivation(
            shape, step.value, (step,), "each channel is scaled: the shape is unchanged", why
        )
