"""Keras as the oracle of the Keras dialect: every shape and count the solver derives with
``framework="keras"`` must be what Keras itself builds, as ``model.summary()`` counts it
(total = trainable + non-trainable), and what the solver refuses Keras must refuse too.

Each layer is rebuilt as ``getattr(keras.layers, result.type)(**result.args)`` on a
``keras.Input(shape)``. Building happens in a ``keras.StatelessScope`` that leaves the
variables uninitialised: their shapes are all a count needs, and drawing random initial values
(a JAX compilation per shape) would cost a second per layer. The output shape is Keras's own
symbolic one, the shape ``model.summary()`` prints.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Mapping
from typing import Any

import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")
with warnings.catch_warnings():
    # Keras and JAX may warn at import time (hardware probing); nothing here depends on it.
    warnings.simplefilter("ignore")
    keras = pytest.importorskip("keras")

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from strategies import (
    Case,
    Shape,
    any_shape,
    call,
    chain,
    int_or_tuple,
    rarely,
    sizes,
    with_optional,
)

from explainer.deriving.layers import KERAS_KINDS, registry
from explainer.deriving.layers.keras.base import ACTIVATIONS
from explainer.deriving.solve import LayerResult, Solution, solve
from explainer.deriving.spec import LayerCall
from explainer.errors import ArgumentError, ExplainerError
from explainer.reading import parse

# What Keras raises when it refuses a layer or an input.
KERAS_REFUSALS = (ValueError, TypeError, IndexError)

PER_KIND = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# The developer loop's draw of each kind (`pytest -m "not slow"`); CI draws PER_KIND as well.
QUICK = settings(PER_KIND, max_examples=5)


# -- the oracle ----------------------------------------------------------------------------


def keras_layer(kind: str, kwargs: Mapping[str, Any]) -> Any:
    args = dict(kwargs)
    for key in ("layer", "backward_layer"):  # Bidirectional(LSTM(64)): build the inner ones
        inner = args.get(key)
        if isinstance(inner, LayerCall):
            args[key] = getattr(keras.layers, inner.call)(*inner.args, **dict(inner.kwargs))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rms_scaling=True is deprecated, and still built
        return keras_class(kind)(**args)


def keras_class(kind: str) -> Any:
    """keras.layers.<kind>, or ConvNeXt's LayerScale, which keras.applications defines."""
    if kind == "LayerScale":
        from keras.src.applications.convnext import LayerScale

        return LayerScale
    return getattr(keras.layers, kind)


def keras_run(kind: str, shape: Shape, kwargs: Mapping[str, Any]) -> tuple[Shape, int, int, int]:
    """Keras's output shape (without the batch), total, trainable and non-trainable counts."""
    with keras.StatelessScope(initialize_variables=False):
        layer = keras_layer(kind, kwargs)
        dtype = "int32" if kind == "Embedding" else "float32"
        inputs = keras.Input(shape, dtype=dtype)
        if kind == "MultiHeadAttention":  # in a chain: self-attention
            model = keras.Model(inputs, layer(inputs, inputs))
        else:
            model = keras.Sequential([inputs, layer])
        out = tuple(model.output_shape[1:])
    trainable = sum(math.prod(w.shape) for w in layer.trainable_weights)
    frozen = sum(math.prod(w.shape) for w in layer.non_trainable_weights)
    return out, layer.count_params(), trainable, frozen


def computed_shape(kind: str, shape: Shape, kwargs: Mapping[str, Any]) -> Shape:
    """A real forward pass on zeros: the shape Keras computes, not the one it predicts."""
    import numpy as np

    model = keras.Sequential([keras.Input(shape), keras_layer(kind, kwargs)])
    return tuple(model(np.zeros((1, *shape), dtype="float32")).shape[1:])


def assert_matches_keras(result: LayerResult) -> None:
    where = f"layer {result.index} {result.type}({result.args}) on {result.input_shape}"
    shape, total, trainable, frozen = keras_run(result.type, result.input_shape, result.args)
    if result.args.get("backward_layer") is not None:
        # Keras predicts 2·h_f features for a concat of directions of different sizes, and
        # computes h_f + h_b: the computed shape is the truth.
        shape = computed_shape(result.type, result.input_shape, result.args)
    assert shape == result.output_shape, where
    assert total == result.params, where
    assert trainable == result.trainable_params, where
    assert frozen == result.non_trainable_params, where


def assert_keras_refuses(kind: str, shape: Shape, kwargs: Mapping[str, Any], why: str) -> None:
    try:
        keras_run(kind, shape, kwargs)
        if kwargs.get("backward_layer") is not None:  # Keras builds it, then fails to run it
            computed_shape(kind, shape, kwargs)
    except KERAS_REFUSALS:
        return
    pytest.fail(f"our solver refuses {kind}({kwargs}) on {shape} ({why}), but Keras accepts it")


def solve_keras(text: str) -> Solution:
    return solve(parse(text).with_framework("keras"))


def check_single(kind: str, shape: Shape, kwargs: dict[str, Any]) -> str:
    """Solve ``input(shape) -> kind(**kwargs)`` as Keras; Keras must agree, or refuse with us."""
    try:
        solution = solve_keras(chain(shape, call(kind, kwargs)))
    except ExplainerError as exc:
        assert_keras_refuses(kind, shape, kwargs, str(exc))
        return f"refused: {type(exc).__name__}"
    (result,) = solution.layers
    assert result.type == kind
    for key, value in kwargs.items():  # the written arguments are the ones Keras gets
        if key not in ("layer", "backward_layer"):
            assert getattr(result.layer, key) == value, key
    assert_matches_keras(result)
    assert solution.total_params == result.params
    return "solved"


# -- per-kind strategies: (input shape, keyword arguments) --------------------------------


def common(draw: st.DrawFn) -> dict[str, Any]:
    """Arguments of every Keras layer: sometimes frozen."""
    return {"trainable": False} if rarely(draw) else {}


def some_activation(draw: st.DrawFn) -> str | None:
    return draw(st.sampled_from([None, "relu", "sigmoid", "softmax", "tanh", "linear"]))


def spatial_shape(draw: st.DrawFn, spatial: int, channels: int, hi: int = 9) -> Shape:
    """(*sizes, channels); rarely one dimension short: both refuse."""
    shape = (*draw(sizes(1, hi, spatial)), channels)
    return shape[1:] if rarely(draw) else shape


def conv_cases(spatial: int) -> st.SearchStrategy[Case]:
    @st.composite
    def cases(draw: st.DrawFn) -> Case:
        groups = draw(st.sampled_from([1, 1, 1, 2, 3]))
        channels = groups * draw(st.integers(1, 2)) + int(rarely(draw))  # indivisible: both refuse
        strides = draw(int_or_tuple(1, 3, spatial))
        # strides > 1 with dilation_rate > 1: both refuse, so mostly one of them is 1.
        unstrided = strides in (1, (1,) * spatial)
        dilation = draw(int_or_tuple(1, 3, spatial)) if unstrided or rarely(draw) else 1
        paddings = ["valid", "same", "causal"] if spatial == 1 else ["valid", "same"]
        optional = {
            "strides": strides,
            "padding": draw(st.sampled_from(paddings)),
            "dilation_rate": dilation,
            "groups": groups,
            "activation": some_activation(draw),
            "use_bias": draw(st.booleans()),
            "kernel_initializer": "he_normal",
        }
        required = {
            "filters": groups * draw(st.integers(1, 3)),
            "kernel_size": draw(int_or_tuple(1, 5, spatial)),
        }
        kwargs = with_optional(draw, required, optional)
        if groups > 1:
            kwargs["groups"] = groups
        return spatial_shape(draw, spatial, channels), kwargs | common(draw)

    return cases()


@st.composite
def transposed_cases(draw: st.DrawFn) -> Case:
    strides = draw(st.integers(1, 3))
    dilation = draw(st.integers(1, 2)) if strides == 1 or rarely(draw) else 1
    # output_padding must stay below the stride; sometimes not: both refuse.
    extra = draw(st.one_of(st.none(), st.integers(0, strides - 1 + int(rarely(draw)))))
    optional = {
        "strides": strides,
        "padding": draw(st.sampled_from(["valid", "same"])),
        "output_padding": extra,
        "dilation_rate": dilation,
        "use_bias": draw(st.booleans()),
    }
    required = {"filters": draw(st.integers(1, 4)), "kernel_size": draw(int_or_tuple(1, 4, 2))}
    kwargs = with_optional(draw, required, optional)
    if kwargs.get("output_padding") is not None:
        kwargs["strides"] = strides
    return spatial_shape(draw, 2, draw(st.integers(1, 4)), hi=8), kwargs | common(draw)


def depthwise_cases(separable: bool) -> st.SearchStrategy[Case]:
    @st.composite
    def cases(draw: st.DrawFn) -> Case:
        optional = {
            "strides": draw(int_or_tuple(1, 3, 2)),
            "padding": draw(st.sampled_from(["valid", "same"])),
            "depth_multiplier": draw(st.integers(1, 3)),
            "dilation_rate": draw(int_or_tuple(1, 2, 2)),
            "activation": some_activation(draw),
            "use_bias": draw(st.booleans()),
        }
        required: dict[str, Any] = {"kernel_size": draw(int_or_tuple(1, 4, 2))}
        if separable:
            required = {"filters": draw(st.integers(1, 5)), **required}
        kwargs = with_optional(draw, required, optional)
        return spatial_shape(draw, 2, draw(st.integers(1, 4)), hi=8), kwargs | common(draw)

    return cases()


def pooling_cases(kind: str, spatial: int = 2) -> st.SearchStrategy[Case]:
    @st.composite
    def cases(draw: st.DrawFn) -> Case:
        pool = draw(int_or_tuple(1, 4, spatial))
        optional = {
            "strides": draw(st.one_of(st.none(), int_or_tuple(1, 3, spatial))),
            "padding": draw(st.sampled_from(["valid", "same"])),
        }
        average = kind.startswith("Average")
        required = {"pool_size": pool} if average or draw(st.booleans()) else {}
        kwargs = with_optional(draw, required, optional)
        hi = 6 if spatial == 3 else 9
        return spatial_shape(draw, spatial, draw(st.integers(1, 3)), hi=hi), kwargs

    return cases()


def global_pooling_cases(spatial: int) -> st.SearchStrategy[Case]:
    @st.composite
    def cases(draw: st.DrawFn) -> Case:
        kwargs = with_optional(draw, {}, {"keepdims": draw(st.booleans())})
        return spatial_shape(draw, spatial, draw(st.integers(1, 4))), kwargs

    return cases()


@st.composite
def dense_cases(draw: st.DrawFn) -> Case:
    optional = {
        "activation": some_activation(draw),
        "use_bias": draw(st.booleans()),
        "bias_regularizer": "l2",
        "lora_rank": draw(st.integers(1, 3)),
    }
    kwargs = with_optional(draw, {"units": draw(st.integers(1, 8))}, optional)
    return draw(any_shape()), kwargs | common(draw)


@st.composite
def embedding_cases(draw: st.DrawFn) -> Case:
    required = {"input_dim": draw(st.integers(1, 50)), "output_dim": draw(st.integers(1, 8))}
    kwargs = with_optional(draw, required, {"mask_zero": draw(st.booleans())})
    return draw(any_shape(2)), kwargs | common(draw)


def sequence_shape(draw: st.DrawFn) -> Shape:
    """(L, x); rarely a single vector, which no recurrent layer takes: both refuse."""
    shape = (draw(st.integers(1, 6)), draw(st.integers(1, 5)))
    return shape[1:] if rarely(draw) else shape


def recurrent_kwargs(draw: st.DrawFn, kind: str) -> dict[str, Any]:
    optional: dict[str, Any] = {
        "activation": draw(st.sampled_from(["tanh", "relu"])),
        "use_bias": draw(st.booleans()),
        "dropout": draw(st.sampled_from([0.0, 0.2])),
        "return_sequences": draw(st.booleans()),
        "go_backwards": draw(st.booleans()),
        "unroll": draw(st.booleans()),
    }
    if kind == "GRU":
        optional["reset_after"] = draw(st.booleans())
    if kind == "LSTM":
        optional["unit_forget_bias"] = draw(st.booleans())
    return with_optional(draw, {"units": draw(st.integers(1, 8))}, optional)


def recurrent_cases(kind: str) -> st.SearchStrategy[Case]:
    @st.composite
    def cases(draw: st.DrawFn) -> Case:
        return sequence_shape(draw), recurrent_kwargs(draw, kind) | common(draw)

    return cases()


@st.composite
def bidirectional_cases(draw: st.DrawFn) -> Case:
    inner = draw(st.sampled_from(["SimpleRNN", "LSTM", "GRU"]))
    forward = recurrent_kwargs(draw, inner)
    layer = LayerCall(inner, (), tuple(forward.items()))
    optional: dict[str, Any] = {
        "merge_mode": draw(st.sampled_from(["concat", "sum", "mul", "ave"]))
    }
    if draw(st.booleans()):  # a backward layer of its own: same sequences, other direction
        kind = draw(st.sampled_from(["SimpleRNN", "LSTM", "GRU"]))
        backward = recurrent_kwargs(draw, kind) | {
            "return_sequences": forward.get("return_sequences", False),
            "go_backwards": not forward.get("go_backwards", False),
        }
        if rarely(draw):  # the same direction twice: both refuse
            backward["go_backwards"] = forward.get("go_backwards", False)
        if optional["merge_mode"] != "concat":
            # Merged value by value: the same units, or rarely sizes that do not broadcast
            # (both refuse; Keras would broadcast a size of 1).
            units = forward["units"]
            backward["units"] = units + 1 if units > 1 and rarely(draw) else units
        optional["backward_layer"] = LayerCall(kind, (), tuple(backward.items()))
    kwargs = with_optional(draw, {"layer": layer}, optional)
    return sequence_shape(draw), kwargs | common(draw)


@st.composite
def attention_cases(draw: st.DrawFn) -> Case:
    optional = {
        "value_dim": draw(st.one_of(st.none(), st.integers(1, 6))),
        "dropout": draw(st.sampled_from([0.0, 0.1])),
        "use_bias": draw(st.booleans()),
        "output_shape": draw(st.one_of(st.none(), st.integers(1, 6))),
        "use_gate": draw(st.booleans()),
    }
    required = {"num_heads": draw(st.integers(1, 4)), "key_dim": draw(st.integers(1, 6))}
    kwargs = with_optional(draw, required, optional)
    features = draw(st.integers(1, 8))
    shape = draw(st.sampled_from([(draw(st.integers(1, 5)), features), (2, 3, features)]))
    return shape, kwargs | common(draw)


@st.composite
def batchnorm_cases(draw: st.DrawFn) -> Case:
    shape = draw(any_shape())
    rank = len(shape) + 1
    optional = {
        "axis": draw(st.sampled_from([-1, *range(1, rank)])),
        "momentum": draw(st.sampled_from([0.99, 0.9])),
        "epsilon": draw(st.sampled_from([1e-3, 1e-5])),
        "center": draw(st.booleans()),
        "scale": draw(st.booleans()),
    }
    return shape, with_optional(draw, {}, optional) | common(draw)


@st.composite
def layernorm_cases(draw: st.DrawFn) -> Case:
    shape = draw(any_shape())
    rank = len(shape) + 1
    axes = draw(st.lists(st.integers(1, rank - 1), min_size=1, max_size=rank - 1, unique=True))
    axis: Any = draw(st.sampled_from([-1, axes[0], tuple(sorted(axes))]))
    optional = {
        "axis": axis,
        "center": draw(st.booleans()),
        "scale": draw(st.booleans()),
        "rms_scaling": draw(st.booleans()),
    }
    return shape, with_optional(draw, {}, optional) | common(draw)


@st.composite
def activation_cases(draw: st.DrawFn) -> Case:
    return draw(any_shape()), {"activation": draw(st.sampled_from(ACTIVATIONS))}


@st.composite
def dropout_cases(draw: st.DrawFn) -> Case:
    # Some outside [0, 1]: both refuse.
    rate = draw(st.one_of(st.floats(0, 1), st.sampled_from([0, 1, -0.5, 1.5])))
    return draw(any_shape()), with_optional(draw, {"rate": rate}, {"seed": 7})


@st.composite
def flatten_cases(draw: st.DrawFn) -> Case:
    return draw(any_shape(4)), with_optional(draw, {}, {"data_format": "channels_last"})


@st.composite
def relu_cases(draw: st.DrawFn) -> Case:
    optional = {
        "max_value": draw(st.one_of(st.none(), st.sampled_from([1.0, 6.0]))),
        "negative_slope": draw(st.sampled_from([0.0, 0.1])),
        "threshold": draw(st.sampled_from([0.0, 0.5])),
    }
    return draw(any_shape()), with_optional(draw, {}, optional) | common(draw)


def one_number_cases(name: str, values: list[float]) -> st.SearchStrategy[Case]:
    @st.composite
    def cases(draw: st.DrawFn) -> Case:
        kwargs = with_optional(draw, {}, {name: draw(st.sampled_from(values))})
        return draw(any_shape()), kwargs | common(draw)

    return cases()


@st.composite
def softmax_cases(draw: st.DrawFn) -> Case:
    shape = draw(any_shape())
    rank = len(shape) + 1
    return shape, with_optional(draw, {}, {"axis": draw(st.integers(1 - rank, rank - 1))})


@st.composite
def prelu_cases(draw: st.DrawFn) -> Case:
    shape = draw(any_shape())
    rank = len(shape) + 1
    axes = draw(st.lists(st.integers(1, rank - 1), max_size=rank - 1, unique=True))
    shared = draw(st.sampled_from([None, tuple(axes), axes[0] if axes else None]))
    return shape, with_optional(draw, {}, {"shared_axes": shared}) | common(draw)


def edges(draw: st.DrawFn, hi: int) -> Any:
    return draw(
        st.one_of(
            st.integers(0, hi),
            sizes(0, hi, 2),
            st.tuples(sizes(0, hi, 2), sizes(0, hi, 2)),
        )
    )


@st.composite
def padding_cases(draw: st.DrawFn) -> Case:
    return spatial_shape(draw, 2, draw(st.integers(1, 3))), {"padding": edges(draw, 3)}


@st.composite
def cropping_cases(draw: st.DrawFn) -> Case:
    # Sometimes cropping everything away: both refuse.
    return (*draw(sizes(3, 9, 2)), 2), {"cropping": edges(draw, 2 + int(rarely(draw)) * 3)}


@st.composite
def reshape_cases(draw: st.DrawFn) -> Case:
    shape = draw(any_shape(3))
    target = list(draw(st.permutations(shape)))
    if len(target) > 1 and draw(st.booleans()):
        target = [target[0] * target[1], *target[2:]]
    if draw(st.booleans()):
        target[draw(st.integers(0, len(target) - 1))] = -1
    if rarely(draw):  # a size that does not fit: both refuse
        target.append(2)
    return shape, {"target_shape": tuple(target)}


@st.composite
def rescaling_cases(draw: st.DrawFn) -> Case:
    return draw(any_shape()), with_optional(
        draw, {"scale": draw(st.sampled_from([1 / 255, 2.0]))}, {"offset": -1.0}
    )


@st.composite
def normalization_cases(draw: st.DrawFn) -> Case:
    shape = draw(any_shape())
    rank = len(shape) + 1
    axes = draw(st.lists(st.integers(1, rank - 1), min_size=1, max_size=rank - 1, unique=True))
    axis: Any = draw(st.sampled_from([-1, axes[0], tuple(sorted(axes)), None]))
    optional: dict[str, Any] = {"axis": axis, "invert": draw(st.booleans())}
    if draw(st.booleans()):
        optional |= {"mean": 0.5, "variance": 0.25}
    kwargs = with_optional(draw, {}, optional)
    if "mean" in kwargs:
        kwargs["variance"] = 0.25
    return shape, kwargs


@st.composite
def layer_scale_cases(draw: st.DrawFn) -> Case:
    shape = draw(any_shape())
    # Not the channels (nor 1, which would broadcast): both refuse.
    dim = shape[-1] + int(shape[-1] > 1 and rarely(draw))
    return shape, {"init_values": 1e-6, "projection_dim": dim}


@st.composite
def time_distributed_cases(draw: st.DrawFn) -> Case:
    steps = draw(st.integers(1, 4))
    if draw(st.booleans()):
        inner = LayerCall("Dense", (draw(st.integers(1, 5)),), ())
        return (steps, *draw(any_shape(2))), {"layer": inner}
    kwargs = (("padding", draw(st.sampled_from(["valid", "same"]))),)
    inner = LayerCall("Conv2D", (draw(st.integers(1, 4)), draw(st.integers(1, 3))), kwargs)
    return (steps, *draw(sizes(3, 6, 2)), draw(st.integers(1, 3))), {"layer": inner}


STRATEGIES: dict[str, st.SearchStrategy[Case]] = {
    "ReLU": relu_cases(),
    "LeakyReLU": one_number_cases("negative_slope", [0.3, 0.01, 0.0]),
    "ELU": one_number_cases("alpha", [1.0, 0.5]),
    "Softmax": softmax_cases(),
    "PReLU": prelu_cases(),
    "ZeroPadding2D": padding_cases(),
    "Cropping2D": cropping_cases(),
    "Reshape": reshape_cases(),
    "Rescaling": rescaling_cases(),
    "Normalization": normalization_cases(),
    "LayerScale": layer_scale_cases(),
    "TimeDistributed": time_distributed_cases(),
    "Conv3D": conv_cases(3),
    "MaxPooling1D": pooling_cases("MaxPooling1D", 1),
    "AveragePooling1D": pooling_cases("AveragePooling1D", 1),
    "MaxPooling3D": pooling_cases("MaxPooling3D", 3),
    "AveragePooling3D": pooling_cases("AveragePooling3D", 3),
    "GlobalAveragePooling3D": global_pooling_cases(3),
    "GlobalMaxPooling1D": global_pooling_cases(1),
    "GlobalMaxPooling2D": global_pooling_cases(2),
    "GlobalMaxPooling3D": global_pooling_cases(3),
    "Conv1D": conv_cases(1),
    "Conv2D": conv_cases(2),
    "Conv2DTranspose": transposed_cases(),
    "DepthwiseConv2D": depthwise_cases(separable=False),
    "SeparableConv2D": depthwise_cases(separable=True),
    "MaxPooling2D": pooling_cases("MaxPooling2D"),
    "AveragePooling2D": pooling_cases("AveragePooling2D"),
    "GlobalAveragePooling1D": global_pooling_cases(1),
    "GlobalAveragePooling2D": global_pooling_cases(2),
    "Dense": dense_cases(),
    "Embedding": embedding_cases(),
    "SimpleRNN": recurrent_cases("SimpleRNN"),
    "LSTM": recurrent_cases("LSTM"),
    "GRU": recurrent_cases("GRU"),
    "Bidirectional": bidirectional_cases(),
    "MultiHeadAttention": attention_cases(),
    "BatchNormalization": batchnorm_cases(),
    "LayerNormalization": layernorm_cases(),
    "Activation": activation_cases(),
    "Dropout": dropout_cases(),
    "Flatten": flatten_cases(),
}


MERGES = ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate")


def test_every_kind_has_an_oracle_strategy() -> None:
    # InputLayer, a functional model's further input, is checked in live models
    # (tests/test_live_keras.py, against Keras's own shapes and counts).
    assert set(STRATEGIES) | set(MERGES) | {"InputLayer"} == set(KERAS_KINDS), (
        "a Keras kind without an oracle strategy: add one to STRATEGIES in this file"
    )


@pytest.mark.parametrize("kind", sorted(STRATEGIES))
@QUICK
@given(data=st.data())
def test_kind_matches_keras_quickly(kind: str, data: st.DataObject) -> None:
    check_kind(kind, data)


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(STRATEGIES))
@PER_KIND
@given(data=st.data())
def test_kind_matches_keras(kind: str, data: st.DataObject) -> None:
    check_kind(kind, data)


def check_kind(kind: str, data: st.DataObject) -> None:
    shape, kwargs = data.draw(STRATEGIES[kind], label="case")
    event(check_single(kind, shape, kwargs))


# Cases worth pinning: where Keras's rules differ from PyTorch's. (kind, shape, kwargs)
PINNED = [
    ("Conv2D", (7, 7, 3), {"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same"}),
    ("Conv1D", (10, 2), {"filters": 3, "kernel_size": 4, "strides": 3, "padding": "causal"}),
    ("Conv2DTranspose", (7, 7, 3), {"filters": 4, "kernel_size": 1, "strides": 3}),
    (
        "Conv2DTranspose",
        (5, 6, 2),
        {"filters": 2, "kernel_size": 4, "strides": 2, "padding": "same", "output_padding": 1},
    ),
    ("MaxPooling2D", (7, 5, 3), {"pool_size": 3, "strides": 2, "padding": "same"}),
    ("GRU", (10, 8), {"units": 5, "reset_after": False}),
    ("BatchNormalization", (7, 7, 3), {"trainable": False}),
    (
        "Bidirectional",
        (5, 4),
        {
            "layer": LayerCall("LSTM", (), (("units", 16),)),
            "backward_layer": LayerCall("GRU", (), (("units", 8), ("go_backwards", True))),
        },
    ),
    ("Dense", (3, 64), {"units": 32, "lora_rank": 4}),
    ("LayerNormalization", (10, 64), {"rms_scaling": True, "center": True}),
]


@pytest.mark.parametrize(("kind", "shape", "kwargs"), PINNED, ids=[k for k, _, _ in PINNED])
def test_pinned_case_matches_keras(kind: str, shape: Shape, kwargs: dict[str, Any]) -> None:
    assert check_single(kind, shape, kwargs) == "solved"


@pytest.mark.slow  # a real forward pass, a JAX compilation per shape
@pytest.mark.parametrize(("kind", "shape", "kwargs"), PINNED[:5], ids=[k for k, _, _ in PINNED[:5]])
def test_symbolic_shape_is_the_computed_one(
    kind: str, shape: Shape, kwargs: dict[str, Any]
) -> None:
    """The oracle reads Keras's symbolic shapes; for the size rules of Keras's own, a real
    forward pass (initialised weights, a batch of zeros) gives the same."""
    import numpy as np

    (result,) = solve_keras(chain(shape, call(kind, kwargs))).layers
    model = keras.Sequential([keras.Input(shape), keras_layer(kind, result.args)])
    assert tuple(model(np.zeros((1, *shape), dtype="float32")).shape[1:]) == result.output_shape


# -- whole models, as model.summary() totals them ---------------------------------------


def keras_model_counts(text: str) -> tuple[int, int, int]:
    return keras_solution_counts(solve_keras(text))


def test_embedding_lstm_text_classifier() -> None:
    text = "input(100) -> Embedding(10000, 128) -> LSTM(64) -> Dense(1, activation='sigmoid')"
    solution = solve_keras(text)
    # 10000·128 + 4·(64·(128 + 64) + 64) + (64 + 1): one bias vector per LSTM gate
    assert [r.params for r in solution.layers] == [1_280_000, 49_408, 65]
    assert solution.total_params == 1_329_473
    assert keras_model_counts(text) == (1_329_473, 1_329_473, 0)
    assert "PyTorch's LSTM keeps two bias vectors per gate" in solution.layers[1].params_why


def test_cnn_with_batch_normalization_counts_moving_statistics_as_non_trainable() -> None:
    text = (
        "input(28, 28, 1) -> Conv2D(32, 3, activation='relu') -> BatchNormalization() "
        "-> MaxPooling2D() -> Flatten() -> Dense(10, activation='softmax')"
    )
    solution = solve_keras(text)
    norm = solution.layers[1]
    assert (norm.params, norm.trainable_params, norm.non_trainable_params) == (128, 64, 64)
    assert "PyTorch keeps them as buffers" in norm.params_why
    assert (solution.total_params, solution.trainable_params, solution.non_trainable_params) == (
        54_538,
        54_474,
        64,
    )
    assert keras_model_counts(text) == (54_538, 54_474, 64)


def test_bidirectional_stack_matches_keras() -> None:
    text = (
        "input(20, 16) -> Bidirectional(LSTM(8, return_sequences=True)) -> "
        "Bidirectional(GRU(4), merge_mode='sum') -> Dense(3)"
    )
    total = solve_keras(text).total_params
    assert keras_model_counts(text) == (total, total, 0)


# -- what the dialect refuses, and how it binds ---------------------------------------------


def test_every_activation_name_is_a_keras_one() -> None:
    for name in ACTIVATIONS:
        assert keras.activations.get(name) is not None, name


@pytest.mark.parametrize(
    ("layer", "message"),
    [
        ("Dense(10, use_bais=False)", "did you mean 'use_bias'?"),
        ("Dense(10, activation='rleu')", "did you mean 'relu'?"),
        ("Conv2D(8, 3, data_format='channels_first')", "channels-last"),
        ("LSTM(8, return_state=True)", "carries one tensor"),
        ("Bidirectional(LSTM(8), merge_mode=None)", "carries one tensor"),
        ("Bidirectional(Dense(8))", "wraps a recurrent layer"),
        ("Bidirectional(LTSM(8))", "did you mean 'LSTM'?"),
    ],
)
def test_refusals_say_why(layer: str, message: str) -> None:
    with pytest.raises(ExplainerError, match=message.replace("(", r"\(").replace("?", r"\?")):
        solve_keras(chain((10, 8, 4) if "Conv2D" in layer else (10, 8), layer))


def test_positional_arguments_bind_in_keras_order() -> None:
    (result,) = solve_keras("input(4) -> Dense(3, 'relu', False)").layers
    assert result.args == {"units": 3, "activation": "relu", "use_bias": False}
    layer = keras.layers.Dense(3, "relu", False)
    assert (layer.units, layer.use_bias) == (3, False)


def test_passive_arguments_are_kept_only_when_not_the_default() -> None:
    (result,) = solve_keras(
        "input(4) -> Dense(3, kernel_initializer='glorot_uniform', bias_initializer='ones')"
    ).layers
    expected = {"units": 3, "activation": None, "use_bias": True, "bias_initializer": "ones"}
    assert result.args == expected


def test_the_keras_registry_is_the_keras_dialect() -> None:
    kinds, aliases = registry("keras")
    assert kinds is KERAS_KINDS and not aliases
    with pytest.raises(ArgumentError):
        solve_keras("input(4) -> Dense(0)")


def test_keras_bank_examples_match_keras() -> None:
    from explainer.api import bank_examples

    bank = [example for example in bank_examples() if example.framework == "keras"]
    assert bank
    for example in bank:
        solution = solve(example.architecture())
        assert solution.total_params == example.total_params, example.name
        counts = (solution.total_params, solution.trainable_params, solution.non_trainable_params)
        assert keras_solution_counts(solution) == counts, example.name


def keras_solution_counts(solution: Solution) -> tuple[int, int, int]:
    """The solved layers rebuilt in Keras, as one Sequential model; each layer's output shape
    checked on the way."""
    assert solution.input_shape is not None
    with keras.StatelessScope(initialize_variables=False):
        dtype = "int32" if solution.layers[0].type == "Embedding" else "float32"
        layers = [keras_layer(r.type, r.args) for r in solution.layers]
        model = keras.Sequential([keras.Input(solution.input_shape, dtype=dtype), *layers])
        for result, layer in zip(solution.layers, layers, strict=True):
            assert tuple(layer.output.shape[1:]) == result.output_shape, result.name
    trainable = sum(math.prod(w.shape) for w in model.trainable_weights)
    frozen = sum(math.prod(w.shape) for w in model.non_trainable_weights)
    return model.count_params(), trainable, frozen


# -- merges: several inputs, as in a functional model -------------------------------------


@st.composite
def merge_cases(draw: st.DrawFn) -> tuple[str, tuple[Shape, ...], dict[str, Any]]:
    kind = draw(st.sampled_from(MERGES))
    base = draw(any_shape())
    count = 2 if kind == "Subtract" else draw(st.integers(2, 3))
    shapes = []
    axis = draw(st.integers(-len(base) - 1, len(base))) if kind == "Concatenate" else None
    for _ in range(count):
        shape = list(base)
        if kind == "Concatenate" and axis is not None and axis not in (0, -len(base) - 1):
            shape[axis - 1 if axis > 0 else axis] = draw(st.integers(1, 5))
        elif kind != "Concatenate" and draw(st.booleans()):
            shape[draw(st.integers(0, len(shape) - 1))] = 1  # broadcasts
        if rarely(draw):  # a size that neither broadcasts nor joins: both refuse
            shape[-1] += 2
        shapes.append(tuple(shape))
    kwargs = {"axis": axis} if kind == "Concatenate" else {}
    return kind, tuple(shapes), kwargs


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=merge_cases())
def test_merges_match_keras(case: tuple[str, tuple[Shape, ...], dict[str, Any]]) -> None:
    from explainer.deriving.layers import bind

    kind, shapes, kwargs = case
    try:
        layer = bind(KERAS_KINDS[kind], (), kwargs, shapes[0], "")
        derived = layer.derive_inputs(shapes)
    except ExplainerError as exc:
        try:
            with keras.StatelessScope(initialize_variables=False):
                inputs = [keras.Input(shape) for shape in shapes]
                keras.Model(inputs, keras_layer(kind, kwargs)(inputs))
        except KERAS_REFUSALS:
            event("refused")
            return
        pytest.fail(f"we refuse {kind}({kwargs}) on {shapes} ({exc}), Keras accepts it")
    with keras.StatelessScope(initialize_variables=False):
        inputs = [keras.Input(shape) for shape in shapes]
        model = keras.Model(inputs, keras_layer(kind, kwargs)(inputs))
    assert tuple(model.output_shape[1:]) == derived.output_shape, (kind, shapes)
    assert model.count_params() == derived.params == 0
    event("solved")


def test_a_merge_in_a_chain_says_it_needs_branches() -> None:
    with pytest.raises(ExplainerError, match="merges two or more inputs"):
        solve_keras("input(4) -> Add()")


# -- MACs: checked against the real layer's kernels, used once per output position ---------

MAC_KINDS = (
    "Dense", "Conv1D", "Conv2D", "Conv3D", "DepthwiseConv2D", "SeparableConv2D",
    "Conv2DTranspose", "SimpleRNN", "LSTM", "GRU", "Bidirectional", "MultiHeadAttention",
)  # fmt: skip


def kernel_macs(layer: Any, in_shape: Shape, out_shape: Shape) -> int:
    """An independent count: every kernel weight of the real Keras layer is used once per
    output position (per input position for a transposed convolution, per step for a
    recurrent layer), plus attention's two products."""
    kernels = [w for w in layer.weights if "kernel" in w.path and "lora" not in w.path]
    size = sum(math.prod(w.shape) for w in kernels)
    name = type(layer).__name__
    if name == "Dense":
        return size * math.prod(in_shape[:-1])
    if name == "Conv2DTranspose":
        return size * math.prod(in_shape[:-1])
    if name in ("SimpleRNN", "LSTM", "GRU", "Bidirectional"):
        return size * in_shape[0]
    if name == "MultiHeadAttention":
        heads, key_dim = layer.num_heads, layer.key_dim
        value_dim = layer.value_dim or key_dim
        length = in_shape[0]
        return size * length + length * length * heads * (key_dim + value_dim)
    return size * math.prod(out_shape[:-1])


@pytest.mark.slow  # 15 draws of each kind, each built and run in Keras
@pytest.mark.parametrize("kind", MAC_KINDS)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_macs_match_the_kernels(kind: str, data: st.DataObject) -> None:
    shape, kwargs = data.draw(STRATEGIES[kind], label="case")
    kwargs.pop("lora_rank", None)
    if kind == "MultiHeadAttention" and len(shape) != 2:
        shape = shape[-2:]
    try:
        (result,) = solve_keras(chain(shape, call(kind, kwargs))).layers
    except ExplainerError:
        return  # refusals are the other tests' business
    macs = result.layer.macs(result.input_shape, result.output_shape)
    assert macs is not None
    with keras.StatelessScope(initialize_variables=False):
        layer = keras_layer(result.type, result.args)
        inputs = keras.Input(shape)
        if kind == "MultiHeadAttention":
            keras.Model(inputs, layer(inputs, inputs))
        else:
            keras.Sequential([inputs, layer])
        expected = kernel_macs(layer, result.input_shape, result.output_shape)
    assert macs.value == expected, (kind, shape, kwargs)


def test_show_macs_works_for_keras() -> None:
    from explainer.deriving.costs import with_costs

    solution = with_costs(
        solve_keras("input(28, 28, 1) -> Conv2D(32, 3) -> Flatten() -> Dense(10)"), ("macs",)
    )
    macs = [layer.costs.macs if layer.costs else None for layer in solution.layers]
    assert [step.value if step else 0 for step in macs] == [26 * 26 * 32 * 9, 0, 21632 * 10]


def test_a_branching_keras_spec_matches_the_functional_model() -> None:
    """The graph notation in the Keras dialect: branches, Add and Concatenate, as Keras's
    functional API builds them."""
    text = (
        "input(16, 16, 3); x = Conv2D(8, 3, padding='same') -> BatchNormalization(); "
        "y = input -> Conv2D(8, 1); r = Add(x, y) -> ReLU(); z = input -> Conv2D(4, 1); "
        "Concatenate(r, z) -> GlobalAveragePooling2D() -> Dense(2)"
    )
    solution = solve_keras(text)
    layers = keras.layers
    with keras.StatelessScope(initialize_variables=False):
        inputs = keras.Input((16, 16, 3))
        x = layers.BatchNormalization()(layers.Conv2D(8, 3, padding="same")(inputs))
        y = layers.Conv2D(8, 1)(inputs)
        r = layers.ReLU()(layers.Add()([x, y]))
        z = layers.Conv2D(4, 1)(inputs)
        merged = layers.Concatenate()([r, z])
        out = layers.Dense(2)(layers.GlobalAveragePooling2D()(merged))
        model = keras.Model(inputs, out)
    trainable = sum(math.prod(w.shape) for w in model.trainable_weights)
    assert (solution.total_params, solution.trainable_params) == (model.count_params(), trainable)
    assert solution.layers[6].output_shape == tuple(merged.shape[1:])
