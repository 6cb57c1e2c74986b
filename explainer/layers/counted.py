"""A layer that explainer does not derive: a user's own layer in a live model, counted by the
framework itself. Its one step says so; it is never reachable from a written spec."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from ..spec import Counted, Shape
from ..steps import derive
from .base import Derivation, Layer

MEANINGS = {"n": "parameters the framework reports"}


@dataclass(frozen=True)
class CountedLayer(Layer):
    """The framework's own count and output shape, shown as such, not derived."""

    params: int
    trainable: int
    output_shape: Shape

    def torch_args(self) -> dict[str, object]:
        return {}

    def derive(self, shape: Shape) -> Derivation:
        return self.derive_inputs((shape,))

    def derive_inputs(self, shapes: tuple[Shape, ...]) -> Derivation:
        why = (
            f"{self.type_name()} is not a layer explainer knows (a layer of your own): this is "
            "the framework's own count of its weights, not derived"
        )
        step = derive("parameters", "n", {"n": self.params}, MEANINGS, why, counts=True)
        shape_why = "the output shape the framework reports (not derived)"
        return Derivation(
            self.output_shape,
            self.params,
            (step,),
            shape_why,
            why,
            non_trainable=self.params - self.trainable,
        )


@functools.cache
def _kind(type_name: str) -> type[CountedLayer]:
    """A subclass named as the user's class, so that tables show MyBlock, not CountedLayer."""
    return type(type_name, (CountedLayer,), {"__doc__": CountedLayer.__doc__})


def counted_layer(counted: Counted) -> CountedLayer:
    return _kind(counted.type_name)(counted.params, counted.trainable, counted.output_shape)
