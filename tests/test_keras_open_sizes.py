"""Sizes Keras leaves ``None`` beyond the batch (``keras.Input(shape=(None,))``: any length),
with real Keras as the oracle: every kind's random case with some of its input sizes open must
give Keras's own shapes (``None`` where Keras has ``None``) and Keras's counts; a count that
depends on an open size is refused, in one line naming the layer and the size, where Keras
refuses to build the layer too.
"""

from __future__ import annotations

import math
import os
import re
import warnings
from typing import Any

import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    keras = pytest.importorskip("keras")

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from test_keras_oracle import (
    KERAS_REFUSALS,
    STRATEGIES,
    call,
    computed_shape,
    keras_layer,
    merge_cases,
)

from explainer.deriving.solve import Solution, solve
from explainer.deriving.symbolic import is_open
from explainer.errors import ExplainerError
from explainer.reading import parse

OpenShape = tuple[int | None, ...]


def spec_input(shape: OpenShape) -> str:
    """Keras's own spelling: ``input(shape=(None, 8))``, where a None is a size, not a batch."""
    return f"input(shape=({', '.join(map(str, shape))},))"


def solve_open(shape: OpenShape, *layers: str) -> Solution:
    return solve(parse(" -> ".join([spec_input(shape), *layers])).with_framework("keras"))


def as_keras(shape: Any) -> OpenShape:
    return tuple(None if is_open(size) else int(size) for size in shape)


def keras_build(kind: str, shape: OpenShape, kwargs: dict[str, Any]) -> tuple[Any, Any]:
    with keras.StatelessScope(initialize_variables=False):
        layer = keras_layer(kind, kwargs)
        dtype = "int32" if kind == "Embedding" else "float32"
        inputs = keras.Input(shape, dtype=dtype)
        if kind == "MultiHeadAttention":
            model = keras.Model(inputs, layer(inputs, inputs))
        else:
            model = keras.Sequential([inputs, layer])
    return model, layer


def keras_shape(model: Any, kind: str, shape: OpenShape, kwargs: dict[str, Any]) -> OpenShape:
    """The shape Keras predicts, where it has one; with a backward layer of its own, the
    computed one on a size of 2 for each open size (Keras predicts 2·h_f features for a concat
    of directions of different sizes, and computes h_f + h_b), open where the prediction is."""
    predicted = tuple(model.output_shape[1:])
    if kwargs.get("backward_layer") is None:
        return predicted
    computed = computed_shape(kind, tuple(2 if size is None else size for size in shape), kwargs)
    return tuple(None if p is None else c for p, c in zip(predicted, computed, strict=True))


def weights(tensors: Any) -> int:
    return sum(math.prod(w.shape) for w in tensors)


@st.composite
def open_cases(draw: st.DrawFn, kind: str) -> tuple[OpenShape, dict[str, Any]]:
    """A kind's random case with one or more of its input sizes left None."""
    shape, kwargs = draw(STRATEGIES[kind])
    positions = draw(st.sets(st.integers(0, len(shape) - 1), min_size=1, max_size=len(shape)))
    opened = tuple(None if i in positions else size for i, size in enumerate(shape))
    return opened, kwargs


PER_KIND = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# The developer loop's draw of each kind (`pytest -m "not slow"`); CI draws PER_KIND as well.
QUICK = settings(PER_KIND, max_examples=3)


@pytest.mark.parametrize("kind", sorted(STRATEGIES))
@QUICK
@given(data=st.data())
def test_open_sizes_match_keras_quickly(kind: str, data: st.DataObject) -> None:
    check_open_sizes(kind, data)


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(STRATEGIES))
@PER_KIND
@given(data=st.data())
def test_open_sizes_match_keras(kind: str, data: st.DataObject) -> None:
    check_open_sizes(kind, data)


def check_open_sizes(kind: str, data: st.DataObject) -> None:
    shape, kwargs = data.draw(open_cases(kind), label="case")
    try:
        solution = solve_open(shape, call(kind, kwargs))
    except ExplainerError as exc:
        message = str(exc)
        assert "\n" not in message
        try:
            keras_build(kind, shape, kwargs)
        except KERAS_REFUSALS:
            event("both refuse")
            return
        pytest.fail(f"we refuse {kind}({kwargs}) on {shape} ({message}), Keras builds it")
    (result,) = solution.layers
    model, layer = keras_build(kind, shape, kwargs)
    where = (kind, shape, kwargs)
    assert as_keras(result.output_shape) == keras_shape(model, kind, shape, kwargs), where
    assert result.params == layer.count_params(), where
    assert result.trainable_params == weights(layer.trainable_weights), where
    assert isinstance(result.params, int) and isinstance(solution.total_params, int)
    event("both build")


def test_a_variable_length_text_model_keeps_none() -> None:
    solution = solve_open(
        (None,), "Embedding(1000, 64)", "LSTM(32, return_sequences=True)",
        "GlobalAveragePooling1D()", "Dense(1)",
    )  # fmt: skip
    inputs = keras.Input((None,), dtype="int32")
    x = keras.layers.Embedding(1000, 64)(inputs)
    x = keras.layers.LSTM(32, return_sequences=True)(x)
    x = keras.layers.GlobalAveragePooling1D()(x)
    model = keras.Model(inputs, keras.layers.Dense(1)(x))
    assert solution.total_params == model.count_params() == 64_000 + 12_416 + 33
    ours = [as_keras(layer.output_shape) for layer in solution.layers]
    assert ours == [(None, 64), (None, 32), (32,), (1,)]


def test_a_fully_convolutional_net_on_any_image_size() -> None:
    layers = (
        "Conv2D(16, 3, padding='same')", "BatchNormalization()", "MaxPooling2D()",
        "Conv2D(32, 3)", "GlobalAveragePooling2D()", "Dense(10)",
    )  # fmt: skip
    solution = solve_open((None, None, 3), *layers)
    with keras.StatelessScope(initialize_variables=False):
        model = keras.Sequential(
            [
                keras.Input((None, None, 3)),
                keras.layers.Conv2D(16, 3, padding="same"),
                keras.layers.BatchNormalization(),
                keras.layers.MaxPooling2D(),
                keras.layers.Conv2D(32, 3),
                keras.layers.GlobalAveragePooling2D(),
                keras.layers.Dense(10),
            ]
        )
    assert solution.total_params == model.count_params()
    assert solution.non_trainable_params == weights(model.non_trainable_weights) == 32
    for result, layer in zip(solution.layers, model.layers, strict=True):
        assert as_keras(result.output_shape) == tuple(layer.output.shape[1:])


def test_a_count_that_depends_on_none_is_refused_naming_the_layer_and_size() -> None:
    with pytest.raises(ExplainerError) as caught:
        solve_open((None, 8), "Flatten()", "Dense(4)")
    message = str(caught.value)
    assert re.search(r"layer 2, Dense\(4\)", message), message
    assert "(None, None)" in message and "size 1" in message
    with pytest.raises(KERAS_REFUSALS):
        keras.Sequential([keras.Input((None, 8)), keras.layers.Flatten(), keras.layers.Dense(4)])


def test_none_is_keras_only() -> None:
    with pytest.raises(ExplainerError, match="only Keras"):
        solve(parse("input(shape=(None, 8)) -> Linear(8, 4)"))


def test_pasted_keras_code_with_a_variable_length_input() -> None:
    code = (
        "from tensorflow import keras\nfrom keras import layers\n"
        "model = keras.Sequential([\n"
        "    keras.Input(shape=(None,), dtype='int32'),\n"
        "    layers.Embedding(20000, 128),\n"
        "    layers.Conv1D(64, 5, activation='relu'),\n"
        "    layers.GlobalMaxPooling1D(),\n"
        "    layers.Dense(1, activation='sigmoid'),\n"
        "])\nmodel.summary()\n"
    )
    solution = solve(parse(code))
    with keras.StatelessScope(initialize_variables=False):
        model = keras.Sequential(
            [
                keras.Input(shape=(None,), dtype="int32"),
                keras.layers.Embedding(20000, 128),
                keras.layers.Conv1D(64, 5, activation="relu"),
                keras.layers.GlobalMaxPooling1D(),
                keras.layers.Dense(1, activation="sigmoid"),
            ]
        )
    assert solution.total_params == model.count_params() == 2_601_089
    for result, layer in zip(solution.layers, model.layers, strict=True):
        assert as_keras(result.output_shape) == tuple(layer.output.shape[1:])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=merge_cases(), data=st.data())
def test_merges_with_open_sizes_match_keras(
    case: tuple[str, tuple[tuple[int, ...], ...], dict[str, Any]], data: st.DataObject
) -> None:
    """Each input's sizes opened at random, each open size its own (as a live model's
    tensors give them): Keras's rules for None, size by size."""
    from explainer.deriving.layers import KERAS_KINDS, bind
    from explainer.deriving.spec import OPEN
    from explainer.deriving.symbolic import symbol

    kind, shapes, kwargs = case
    opened = [
        tuple(None if data.draw(st.integers(0, 3), label="open") == 0 else size for size in shape)
        for shape in shapes
    ]
    ours = tuple(
        tuple(symbol(f"{OPEN}{i}.{k}") if size is None else size for k, size in enumerate(shape))
        for i, shape in enumerate(opened)
    )
    try:
        derived = bind(KERAS_KINDS[kind], (), kwargs, ours[0], "").derive_inputs(ours)
    except ExplainerError as exc:
        with pytest.raises(KERAS_REFUSALS), keras.StatelessScope(initialize_variables=False):
            inputs = [keras.Input(shape) for shape in opened]
            keras.Model(inputs, keras_layer(kind, kwargs)(inputs))
        event(f"both refuse: {type(exc).__name__}")
        return
    with keras.StatelessScope(initialize_variables=False):
        inputs = [keras.Input(shape) for shape in opened]
        model = keras.Model(inputs, keras_layer(kind, kwargs)(inputs))
    assert as_keras(derived.output_shape) == tuple(model.output_shape[1:]), (kind, opened)
    event("both build")


def test_costs_of_a_none_size_are_refused_in_one_line() -> None:
    from click.testing import CliRunner

    from explainer.cli import main

    spec = "input(shape=(None,)) -> Embedding(100, 8) -> LSTM(4) -> Dense(2)"
    result = CliRunner().invoke(main, ["solve", spec, "--framework", "keras", "--show", "macs"])
    assert result.exit_code == 2
    assert "layer 1 (Embedding) works on a size that is None" in result.stderr
    assert result.stderr.count("\n") == 1 and not result.stdout
