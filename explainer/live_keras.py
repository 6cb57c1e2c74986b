"""Reading a real Keras model: ``explainer solve --keras path/to/model.py:build``.

As with ``--torch``, the user's own file is imported, and so executed, because they asked for
it. ``build`` may be a Keras model or a function that returns one. The model is not run: each
layer's class and configuration give the arguments, and its input tensor gives the shape that
really reaches it.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

from .live import LiveModelError, user_object
from .spec import Architecture, LayerCall, LayerSpec, Shape


def keras_module() -> Any:
    os.environ.setdefault("KERAS_BACKEND", "jax")
    try:
        import keras
    except ImportError:
        raise LiveModelError(
            "reading a Keras model needs Keras: pip install 'explainer[keras]'"
        ) from None
    return keras


def load(target: str) -> Any:
    keras = keras_module()
    found = user_object("--keras", target, "name")
    model = found if isinstance(found, keras.Model) else found()
    if not isinstance(model, keras.Model):
        raise LiveModelError(f"--keras {target!r}: it is not a Keras model nor returns one")
    return model


def architecture(model: Any) -> Architecture:
    """The model's layers in order, each with the shape that reaches it (batch excluded)."""
    from .layers.keras import KERAS_KINDS

    layers = []
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "InputLayer":
            continue
        if kind not in KERAS_KINDS:
            raise LiveModelError(
                f"layer {layer.name} is a {kind}, which explainer does not know yet"
            )
        shape = _shape(layer.input.shape, layer.name)
        kwargs = _arguments(KERAS_KINDS[kind], layer.get_config())
        text = f"{layer.name}: {kind}"
        layers.append(
            LayerSpec(kind, (), tuple(kwargs.items()), layer.name, text, input_shape=shape)
        )
    if not layers:
        raise LiveModelError("the model has no layer that explainer knows")
    first = layers[0].input_shape
    assert first is not None
    note = "read from the Keras model's layers and their configurations (the model was not run)"
    return Architecture(tuple(layers), first, "live-keras", (note,), framework="keras")


def _shape(shape: Any, name: str) -> Shape:
    sizes = tuple(shape[1:])
    if any(size is None for size in sizes):
        raise LiveModelError(f"layer {name}'s input shape {list(sizes)} has unknown sizes")
    return tuple(int(size) for size in sizes)


def _arguments(kind: Any, config: dict[str, Any]) -> dict[str, Any]:
    """The configuration entries that are the kind's own active arguments, as plain values."""
    kwargs: dict[str, Any] = {}
    for field in dataclasses.fields(kind):
        passive = field.metadata.get("passive") and field.name != "trainable"
        if field.name not in config or passive:
            continue
        value = config[field.name]
        if isinstance(value, dict) and "class_name" in value:
            if field.name != "layer":
                continue  # an initializer or similar object: it changes no count
            inner = _arguments(_inner_kind(value["class_name"]), value["config"])
            value = LayerCall(value["class_name"], (), tuple(inner.items()))
        elif isinstance(value, list):
            value = tuple(value)
        kwargs[field.name] = value
    return kwargs


def _inner_kind(name: str) -> Any:
    from .layers.keras import KERAS_KINDS

    if name not in KERAS_KINDS:
        raise LiveModelError(f"a wrapped {name} layer is not known to explainer")
    return KERAS_KINDS[name]
