"""Generated problems in Keras: a generated PyTorch stack, written again as a Keras user would
write the same network (``quiz --framework keras``).

The stack is read off its solution, layer by layer, into the Keras dialect: Keras's names and
arguments (Conv2D(filters, kernel_size, strides=...), Dense(units), LSTM(units)), channels-last
shapes, activations folded into the layer before them as Keras code writes them
(``Dense(64, activation='relu')``). Every answer then comes from the Keras solution of the
written stack, with Keras's own conventions (BatchNormalization's moving statistics, one bias
vector per recurrent gate, a recurrent layer's last step only). A layer Keras cannot write
with the same shape rules (padded or ceil-mode pooling, GroupNorm, attention) makes the stack
unusable: the generator draws another.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...deriving.solve import LayerResult, Solution
from ...deriving.spec import Architecture, LayerCall, LayerSpec, Shape

# The topics whose layers all have a Keras form; the kinds that ask about the solution alone
# (inverse, choice and error problems turn on PyTorch's arguments and misconceptions).
KERAS_TOPICS = ("mlp", "cnn", "rnn", "norm")
KERAS_KINDS = ("table", "params", "shape")

_ACTIVATIONS = {"ReLU": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh"}
_RECURRENT = {"RNN": "SimpleRNN", "LSTM": "LSTM", "GRU": "GRU"}

Written = tuple[str, dict[str, Any]]  # a Keras layer: its class and keyword arguments


class NoKerasForm(Exception):
    """The stack has a layer Keras cannot write with the same shape rules: draw another."""


def to_keras(solution: Solution) -> Architecture | None:
    """The stack of ``solution`` (a generated PyTorch stack) in the Keras dialect; None where a
    layer has no Keras form."""
    layers: list[Written] = []
    try:
        for result in solution.layers:
            _add(layers, result)
    except NoKerasForm:
        return None
    specs = tuple(_spec(call, kwargs) for call, kwargs in layers)
    return Architecture(specs, _channels_last(solution.input_shape), framework="keras")


def keras_chain(architecture: Architecture) -> str:
    """The chain as Keras code writes each layer: ``Conv2D(32, 3, activation='relu')``,
    ``BatchNormalization()`` (with its parentheses, unlike PyTorch's bare ``ReLU``)."""
    shape = ", ".join(map(str, architecture.input_shape or ()))
    return " -> ".join([f"input({shape})", *(spec.text for spec in architecture.layers)])


def _spec(call: str, kwargs: dict[str, Any]) -> LayerSpec:
    """The leading arguments by position, as Keras users write them: Dense(64), Conv2D(32, 3)."""
    leading = _POSITIONAL.get(call, 0)
    items = list(kwargs.items())
    args = tuple(value for _, value in items[:leading])
    rest = tuple(items[leading:])
    return LayerSpec(call, args, rest, text=_text(call, args, rest))


def _inner(call: str, kwargs: dict[str, Any]) -> LayerCall:
    spec = _spec(call, kwargs)
    return LayerCall(call, spec.args, spec.kwargs)


def _channels_last(shape: Shape) -> Shape:
    """PyTorch's (C, H, W) is Keras's (H, W, C); sequences and vectors read the same."""
    return (*shape[1:], shape[0]) if len(shape) == 3 else shape


def _text(call: str, args: tuple[Any, ...], kwargs: tuple[tuple[str, Any], ...]) -> str:
    written = [repr(a) for a in args] + [f"{key}={value!r}" for key, value in kwargs]
    return f"{call}({', '.join(written)})"


# How many leading arguments Keras code writes by position, in Keras's own order.
_POSITIONAL = {
    "Dense": 1, "Conv2D": 2, "Embedding": 2, "SimpleRNN": 1, "LSTM": 1, "GRU": 1,
    "Bidirectional": 1, "Dropout": 1, "Activation": 1, "MaxPooling2D": 1,
    "AveragePooling2D": 1, "ZeroPadding2D": 1,
}  # fmt: skip


def _add(layers: list[Written], result: LayerResult) -> None:
    name = result.type
    activation = _ACTIVATIONS.get(name)
    if activation is not None:
        last = layers[-1] if layers else None
        if last is not None and last[0] in ("Dense", "Conv2D") and "activation" not in last[1]:
            last[1]["activation"] = activation  # Keras code writes Dense(64, activation='relu')
        else:
            layers.append(("Activation", {"activation": activation}))
        return
    writer = _WRITERS.get(name)
    if writer is None:
        raise NoKerasForm(name)
    layers.extend(writer(result.args))


def _dense(args: dict[str, Any]) -> list[Written]:
    return [("Dense", {"units": args["out_features"], **_bias(args["bias"])})]


def _bias(bias: bool) -> dict[str, Any]:
    return {} if bias else {"use_bias": False}


def _conv(args: dict[str, Any]) -> list[Written]:
    kernel, stride, padding, dilation = (
        _one(args[key]) for key in ("kernel_size", "stride", "padding", "dilation")
    )
    if stride > 1 and dilation > 1:  # Keras refuses the two together: keep the stride
        dilation = 1
    kwargs: dict[str, Any] = {"filters": args["out_channels"], "kernel_size": kernel}
    if stride > 1:
        kwargs["strides"] = stride
    if dilation > 1:
        kwargs["dilation_rate"] = dilation
    if args["groups"] > 1:
        kwargs["groups"] = args["groups"]
    kwargs.update(_bias(args["bias"]))
    written: list[Written] = []
    if padding and stride == 1 and 2 * padding == dilation * (kernel - 1):
        kwargs["padding"] = "same"  # the size kept: Keras's own way of writing it
    elif padding:
        written.append(("ZeroPadding2D", {"padding": padding}))
    return [*written, ("Conv2D", kwargs)]


def _one(value: Any) -> int:
    """A PyTorch size written once or per axis; the generator writes square windows."""
    items = value if isinstance(value, tuple) else (value,)
    if len(set(items)) != 1:
        raise NoKerasForm(f"a non-square window {value!r}")
    return int(items[0])


def _pool(keras_name: str) -> Callable[[dict[str, Any]], list[Written]]:
    def write(args: dict[str, Any]) -> list[Written]:
        if _one(args["padding"]) or args.get("ceil_mode"):
            raise NoKerasForm("padded or ceil-mode pooling")  # Keras pads no pooling window
        kernel = _one(args["kernel_size"])
        stride = _one(args["stride"]) if args["stride"] is not None else kernel
        kwargs: dict[str, Any] = {"pool_size": kernel}
        if stride != kernel:
            kwargs["strides"] = stride
        return [(keras_name, kwargs)]

    return write


def _batch_norm(args: dict[str, Any]) -> list[Written]:
    if not args["track_running_stats"]:
        raise NoKerasForm("BatchNorm without running statistics")
    return [("BatchNormalization", {} if args["affine"] else _no_affine())]


def _no_affine() -> dict[str, Any]:
    return {"center": False, "scale": False}


def _layer_norm(args: dict[str, Any]) -> list[Written]:
    shape = args["normalized_shape"]
    if isinstance(shape, tuple) and len(shape) != 1:
        raise NoKerasForm("LayerNorm over several axes")
    kwargs = {} if args["elementwise_affine"] else _no_affine()
    if args.get("bias") is False and args["elementwise_affine"]:
        kwargs = {"center": False}
    return [("LayerNormalization", kwargs)]


def _recurrent(args: dict[str, Any], keras_name: str) -> list[Written]:
    """``LSTM(x, h, num_layers=2, bidirectional=True)``: one Keras layer per PyTorch layer,
    every one but the last returning every step; the last returns the last step only."""
    written: list[Written] = []
    layers = args["num_layers"]
    for number in range(1, layers + 1):
        inner: dict[str, Any] = {"units": args["hidden_size"], **_bias(args["bias"])}
        if number < layers:
            inner["return_sequences"] = True
        if args["bidirectional"]:
            written.append(("Bidirectional", {"layer": _inner(keras_name, inner)}))
        else:
            written.append((keras_name, inner))
    return written


def _recurrent_writer(name: str) -> Callable[[dict[str, Any]], list[Written]]:
    return lambda args: _recurrent(args, _RECURRENT[name])


_WRITERS: dict[str, Callable[[dict[str, Any]], list[Written]]] = {
    "Linear": _dense,
    "Conv2d": _conv,
    "MaxPool2d": _pool("MaxPooling2D"),
    "AvgPool2d": _pool("AveragePooling2D"),
    "Flatten": lambda args: [("Flatten", {})],
    "Dropout": lambda args: [("Dropout", {"rate": args["p"]})],
    "Softmax": lambda args: [("Softmax", {})],
    "BatchNorm1d": _batch_norm,
    "BatchNorm2d": _batch_norm,
    "LayerNorm": _layer_norm,
    "Embedding": lambda args: [
        ("Embedding", {"input_dim": args["num_embeddings"], "output_dim": args["embedding_dim"]})
    ],
    **{name: _recurrent_writer(name) for name in _RECURRENT},
}
