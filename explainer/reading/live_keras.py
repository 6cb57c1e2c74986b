"""Reading a real Keras model: ``explainer solve --keras path/to/model.py:build``.

As with ``--torch``, the user's own file is imported, and so executed, because they asked for
it. ``build`` may be a Keras model or a function that returns one. The model is not run: each
layer's class and configuration give the arguments, and its input tensors give the shapes that
really reach it (every branch of a functional graph, the insides of a nested model).

Every argument in a layer's configuration is either one the kind models or Keras's default:
anything else (``lora_rank``, ``rms_scaling``, a quantized dtype) is refused by name, never
dropped. Once solved, every layer's count and trainable split, and the model's, are compared
with Keras's own (``count_params``, ``trainable_weights``); a difference is refused.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from ..boundary import shorten
from ..deriving.solution import Solution
from ..deriving.solve import solve
from ..deriving.spec import Architecture, Block, LayerCall, LayerSpec, Shape, open_size
from ..deriving.symbolic import is_open
from ..errors import LiveModelError, literal
from .check import Row, Total
from .frameworks import keras_module
from .live import a_or_an, first_line, refusal, user_object

# Configuration entries that are no argument of a count: the layer's name; the dtype policy,
# looked at on its own (a quantized one is refused); what Bidirectional sets on the layers it
# wraps (zero_output_for_mask).
_NOT_ARGUMENTS = frozenset({"name", "dtype", "zero_output_for_mask"})
# Configuration values that mean what the default None means.
_SAME_AS_DEFAULT = {("data_format", "channels_last"), ("activation", "linear")}
NOTE = (
    "read from the Keras model's layers and their configurations (the model was not run); "
    "every count is checked against Keras's own"
)


def load(target: str) -> Any:
    keras = keras_module()
    found = user_object("keras_model", target, "name")
    model = found
    if callable(found) and not isinstance(found, keras.Model):
        try:
            model = found()
        # The user's own function: whatever it raises is theirs to fix, said in one line.
        except Exception as exc:
            name = target.rpartition(":")[2]
            why = f"calling {name}() failed: {first_line(exc)}"
            raise refusal("keras_model", target, why) from None
    if not isinstance(model, keras.Model):
        raise refusal("keras_model", target, "it is not a Keras model nor returns one")
    return model


def solve_model(model: Any, input_shape: Shape | None = None) -> Solution:
    """Read, solve, and check every count against Keras's; ``input_shape`` builds a model that
    has none yet (a Sequential without keras.Input) and must agree with one that has."""
    solution, layers, model = _read_and_solve(model, input_shape)
    _verify(solution, layers, model)
    return solution


def check_model(model: Any, input_shape: Shape | None = None) -> tuple[tuple[Row, ...], Total]:
    """`explainer check --keras`: each row beside the Keras layer it stands for (output shape,
    count_params, trainable weights), and the totals; differences are shown, not refused."""
    solution, layers, model = _read_and_solve(model, input_shape)
    keras = keras_module()
    rows = tuple(
        _row(keras, result, layer) for result, layer in zip(solution.layers, layers, strict=True)
    )
    total = Total(
        solution.total_params,
        model.count_params(),
        solution.trainable_params,
        _size(model.trainable_weights),
    )
    return rows, total


def _row(keras: Any, result: Any, layer: Any) -> Row:
    shape = tuple(keras.tree.flatten(layer.output)[0].shape[1:])
    return Row(
        result.index, result.name, result.type, _as_keras(result.output_shape), shape,
        result.params,
        layer.count_params(), ours_trainable=result.trainable_params,
        real_trainable=_size(layer.trainable_weights),
    )  # fmt: skip


def _read_and_solve(model: Any, input_shape: Shape | None) -> tuple[Solution, list[Any], Any]:
    keras = keras_module()
    if not isinstance(model, keras.Model):
        raise LiveModelError(f"{a_or_an(type(model).__name__)} is not a Keras model")
    model = _built(keras, model, input_shape)
    layers = _listed(keras, model)
    solution = solve(_architecture(keras, layers, model))
    return solution, [layer for _, layer in layers], model


def architecture(model: Any, input_shape: Shape | None = None) -> Architecture:
    """The model's layers in order, each with the shapes that reach it (batch excluded)."""
    keras = keras_module()
    model = _built(keras, model, input_shape)
    return _architecture(keras, _listed(keras, model), model)


def _architecture(keras: Any, layers: list[tuple[str, Any]], model: Any) -> Architecture:
    specs = tuple(_spec(keras, name, layer) for name, layer in layers)
    if not specs:
        raise LiveModelError("the model has no layers")
    specs = _with_edges(keras, specs, [layer for _, layer in layers], model)
    first = _shape(keras.tree.flatten(model.inputs)[0].shape, "input", "output")  # node 0
    blocks = tuple(_blocks(keras, model, ""))
    return Architecture(specs, first, "live-keras", (NOTE,), framework="keras", blocks=blocks)


def _blocks(keras: Any, model: Any, prefix: str) -> Iterator[Block]:
    """Each nested Sequential or functional model as a block, outermost first, its path the
    prefix of its layers' names (block, block/inner): it is counted as the sum of its own."""
    for layer in model.layers:
        if _is_graph(keras, layer):
            path = f"{prefix}{layer.name}"
            yield Block(path, type(layer).__name__)
            yield from _blocks(keras, layer, f"{path}/")


# -- the model and its layers ---------------------------------------------------------------


def _is_graph(keras: Any, model: Any) -> bool:
    """Sequential and functional models are graphs of layers; a subclassed Model is code."""
    from keras.src.models.functional import Functional

    return isinstance(model, keras.Sequential | Functional)


def _built(keras: Any, model: Any, input_shape: Shape | None) -> Any:
    name = f"{type(model).__name__} {model.name!r}"
    if not _is_graph(keras, model):
        raise LiveModelError(
            f"{name} is a subclassed keras.Model: its call() is code, not a graph of layers; "
            "explainer reads Sequential and functional models (keras.Model(inputs, outputs))"
        )
    if not model.built or not getattr(model, "inputs", None):
        if input_shape is None:
            raise LiveModelError(
                literal(f"{name} has no input shape yet: start it with keras.Input(shape=...) ")
                + 'or pass {input_shape}, e.g. {input_shape} "(None, 28, 28, 1)"',
                named=True,
            )
        model.build((None, *_as_keras(input_shape)))
        return model
    if input_shape is not None:
        own = tuple(model.inputs[0].shape[1:])
        if len(model.inputs) != 1 or own != _as_keras(input_shape):
            shapes = [list(t.shape[1:]) for t in model.inputs]
            own_text = shapes[0] if len(shapes) == 1 else shapes
            why = f"{list(_as_keras(input_shape))} is not the model's own input {own_text}"
            raise LiveModelError("{input_shape} " + literal(why), named=True)
    return model


def _listed(keras: Any, model: Any) -> list[tuple[str, Any]]:
    """The model's nodes in order: its further Inputs (the first is node 0), each a node of
    its own that reads nothing, then every layer."""
    further = [_producer(t) for t in keras.tree.flatten(model.inputs)[1:]]
    return [(layer.name, layer) for layer in further] + list(_leaves(keras, model, ""))


def _leaves(keras: Any, model: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    """Every layer in order; a nested Sequential or functional model is opened as a block
    (its layers named block/layer)."""
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        if _is_graph(keras, layer):
            yield from _leaves(keras, layer, f"{prefix}{layer.name}/")
        else:
            yield f"{prefix}{layer.name}", layer


def _spec(keras: Any, name: str, layer: Any) -> LayerSpec:
    from ..deriving.layers import KERAS_KINDS

    kind = type(layer).__name__
    if kind == "InputLayer":  # a functional model's further input
        shape = _shape(layer.output.shape, name, "output")
        return LayerSpec(
            kind, (), (("shape", shape),), name, f"{name} (InputLayer)", input_shape=shape,
            inputs=(),
        )  # fmt: skip
    inputs = tuple(
        _shape(t.shape, name, f"input{i}") for i, t in enumerate(keras.tree.flatten(layer.input))
    )
    text = f"{name} ({kind})"
    if kind in KERAS_KINDS and type(layer).__module__.startswith("keras."):
        _not_quantized(name, layer)
        kwargs = _arguments(name, type(layer), KERAS_KINDS[kind], layer.get_config())
        text = f"{name} ({kind}{_written(KERAS_KINDS[kind], kwargs)})"
        return LayerSpec(
            kind, (), tuple(kwargs.items()), name, text, input_shape=inputs[0],
            other_inputs=inputs[1:],
        )  # fmt: skip
    # A layer of the user's own: Keras's count, said to be read, not derived.
    params = layer.count_params()
    counted = {
        "module_type": kind,
        "params": params,
        "output_shape": _shape(keras.tree.flatten(layer.output)[0].shape, name, "output"),
        "counter": "Keras",
    }
    frozen = params - _size(layer.trainable_weights)
    return LayerSpec(
        "Counted", (), tuple(counted.items()), name, text, input_shape=inputs[0],
        other_inputs=inputs[1:], frozen=frozen,
    )  # fmt: skip


def _producer(tensor: Any) -> Any:
    return getattr(getattr(tensor, "_keras_history", None), "operation", None)


def _with_edges(
    keras: Any, specs: tuple[LayerSpec, ...], layers: list[Any], model: Any
) -> tuple[LayerSpec, ...]:
    """Each node's inputs as node numbers (0: the model's first input), the graph as Keras
    built it: every input tensor is traced back, through the nested models it crosses, to the
    layer (or Input) that made it, so a merge names the branches it takes and a nested model's
    first layer reads what the nested model was called on. Where a tensor cannot be traced (a
    nested model called twice), the layer keeps the node before, as in a chain; its shapes
    are Keras's own either way."""
    source = _tracer(keras, model, layers)
    edged = []
    for index, (spec, layer) in enumerate(zip(specs, layers, strict=True), 1):
        if spec.inputs == ():  # a further Input: it reads nothing
            edged.append(spec)
            continue
        found = [source(tensor) for tensor in keras.tree.flatten(layer.input)]
        sources = [] if any(s is None or s >= index for s in found) else found
        reads_previous = sources == [index - 1]
        edged.append(
            spec if reads_previous or not sources else replace(spec, inputs=tuple(sources))
        )
    return tuple(edged)


def _tracer(keras: Any, model: Any, layers: list[Any]) -> Any:
    """tensor -> the node that makes it (0: the model's first Input), or None."""
    number = {id(layer): index for index, layer in enumerate(layers, 1)}
    number[id(_producer(keras.tree.flatten(model.inputs)[0]))] = 0
    # A nested model's own Input stands for the tensor it was called on (once).
    called_on: dict[int, Any] = {}
    for nested in _nested(keras, model):
        nodes = getattr(nested, "_inbound_nodes", [])
        if len(nodes) == 1:
            inner = keras.tree.flatten(nested.inputs)
            for own, outer in zip(inner, nodes[0].input_tensors, strict=False):
                called_on[id(own)] = outer

    def source(tensor: Any) -> int | None:
        for _ in range(1000):  # each step goes one nested model in or out: never a cycle
            history = getattr(tensor, "_keras_history", None)
            operation: Any = getattr(history, "operation", None)
            if id(tensor) in called_on:
                tensor = called_on[id(tensor)]
            elif id(operation) in number:
                return number[id(operation)]
            elif history is not None and _is_graph(keras, operation):  # a nested model's output
                tensor = keras.tree.flatten(operation.outputs)[history.tensor_index]
            else:
                return None
        return None

    return source


def _nested(keras: Any, model: Any) -> Iterator[Any]:
    for layer in model.layers:
        if _is_graph(keras, layer):
            yield layer
            yield from _nested(keras, layer)


def _written(kind: Any, kwargs: dict[str, Any]) -> str:
    """The arguments that differ from Keras's defaults, as a call: (32, kernel_size=(3, 3))."""
    defaults = {f.name: f.default for f in dataclasses.fields(kind)}
    shown = [
        f"{key}={value!r}"
        for key, value in kwargs.items()
        if key != "name"
        and value != defaults.get(key, dataclasses.MISSING)
        and (key, value) not in _SAME_AS_DEFAULT
    ]
    return f"({', '.join(shown)})"


def _shape(shape: Any, name: str, which: str) -> Shape:
    """The sizes after the batch; a None (any length) is an open size, shown as None, and a
    count that depends on it is refused by the solver."""
    return tuple(
        open_size(f"{name}.{which}.{position}") if size is None else int(size)  # type: ignore[misc]
        for position, size in enumerate(shape[1:], 1)
    )


def _as_keras(shape: Any) -> tuple[int | None, ...]:
    """A derived shape as Keras writes it: None where it follows from an open size."""
    return tuple(None if is_open(size) else size for size in shape)


def _size(weights: Any) -> int:
    return sum(math.prod(w.shape) for w in weights)


def _not_quantized(name: str, layer: Any) -> None:
    mode = getattr(layer.dtype_policy, "quantization_mode", None)
    if mode:
        raise LiveModelError(
            f"layer {name} is quantized ({mode}): its weights are stored with scales of their "
            "own, which explainer does not model"
        )


# -- arguments: modelled, Keras's default, or refused ---------------------------------------


def _arguments(name: str, cls: type, kind: Any, config: dict[str, Any]) -> dict[str, Any]:
    """The configuration entries that are the kind's own active arguments, as plain values;
    any other entry must be Keras's default, or the layer is refused naming it."""
    fields = {field.name: field for field in dataclasses.fields(kind)}
    kwargs: dict[str, Any] = {}
    for key, value in config.items():
        field = fields.get(key)
        if key in _NOT_ARGUMENTS:
            continue
        if field is None:
            if not _is_default(cls, key, value):
                shown = (
                    f"{value['class_name']}(...)"
                    if isinstance(value, dict) and "class_name" in value
                    else shorten(repr(value), 60)
                )
                raise LiveModelError(
                    f"layer {name}: {cls.__name__}({key}={shown}) changes what Keras "
                    "builds, and explainer does not model it"
                )
            continue
        if field.metadata.get("passive") and key != "trainable":
            continue
        if isinstance(value, dict) and "class_name" in value:
            if key not in ("layer", "backward_layer"):
                continue  # an initializer or similar object: it changes no count
            inner_cls, inner_kind = _inner_kind(value["class_name"])
            inner = _arguments(name, inner_cls, inner_kind, value["config"])
            value = LayerCall(value["class_name"], (), tuple(inner.items()))
        elif isinstance(value, list):
            value = tuple(value)
        kwargs[key] = value
    return kwargs


def _is_default(cls: type, key: str, value: Any) -> bool:
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        parameter = inspect.signature(init).parameters.get(key)
        if parameter is not None and parameter.default is not inspect.Parameter.empty:
            default = parameter.default
            plain = tuple(value) if isinstance(value, list) else value
            return bool(plain == default)
    return False


def _inner_kind(name: str) -> tuple[type, Any]:
    """A wrapped layer (Bidirectional's): Keras's class, for its defaults, and our kind."""
    from ..deriving.layers import KERAS_KINDS

    cls = getattr(keras_module().layers, name, None)
    if name not in KERAS_KINDS or cls is None:
        raise LiveModelError(f"a wrapped {name} layer is not known to explainer")
    return cls, KERAS_KINDS[name]


# -- the check against Keras -----------------------------------------------------------------


def _verify(solution: Solution, layers: list[Any], model: Any) -> None:
    keras = keras_module()
    for result, layer in zip(solution.layers, layers, strict=True):
        shape = tuple(keras.tree.flatten(layer.output)[0].shape[1:])
        if shape != _as_keras(result.output_shape):
            raise LiveModelError(
                f"layer {result.index}, {result.name} ({result.type}): explainer derives the "
                f"output shape {list(result.output_shape)} where Keras builds {list(shape)}"
            )
        ours = (result.params, result.trainable_params)
        theirs = (layer.count_params(), _size(layer.trainable_weights))
        if ours != theirs:
            raise LiveModelError(
                f"layer {result.index}, {result.name} ({result.type}): explainer derives "
                f"{ours[0]} parameters ({ours[1]} trainable) where Keras counts {theirs[0]} "
                f"({theirs[1]} trainable); refused rather than shown wrong"
            )
    whole = (solution.total_params, solution.trainable_params, solution.non_trainable_params)
    kept = (
        model.count_params(),
        _size(model.trainable_weights),
        _size(model.non_trainable_weights),
    )
    if whole != kept:
        raise LiveModelError(
            f"the layers add up to {whole[0]} parameters ({whole[1]} trainable, {whole[2]} "
            f"not) where Keras counts {kept[0]} ({kept[1]} trainable, {kept[2]} not) for the "
            "model (shared weights?); refused rather than shown wrong"
        )
