"""A live Keras model: every layer's class and configuration, counted as model.summary() does."""

from __future__ import annotations

import json
import math
import os
import warnings
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")
keras = pytest.importorskip("keras")

from explainer import api  # noqa: E402
from explainer.reading import live_keras  # noqa: E402
from explainer.reading.live import LiveModelError  # noqa: E402

MODEL = """
import keras


def build():
    return keras.Sequential([
        keras.Input((100,), dtype="int32"),
        keras.layers.Embedding(10000, 128),
        keras.layers.Bidirectional(keras.layers.LSTM(64, return_sequences=True)),
        keras.layers.GlobalAveragePooling1D(),
        keras.layers.BatchNormalization(),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
"""


def test_model_file_counts_like_keras(tmp_path: Path) -> None:
    path = tmp_path / "kmodel.py"
    path.write_text(MODEL)
    solution = api.solve_live_keras(f"{path}:build")
    model = live_keras.load(f"{path}:build")
    assert solution.total_params == model.count_params() == 1_379_457
    trainable = sum(math.prod(w.shape) for w in model.trainable_weights)
    assert solution.trainable_params == trainable
    assert [layer.type for layer in solution.layers] == [
        "Embedding", "Bidirectional", "GlobalAveragePooling1D", "BatchNormalization", "Dense",
    ]  # fmt: skip


def keras_counts(model: Any) -> tuple[int, int, int]:
    trainable = sum(math.prod(w.shape) for w in model.trainable_weights)
    frozen = sum(math.prod(w.shape) for w in model.non_trainable_weights)
    return model.count_params(), trainable, frozen


def solved_counts(model: Any, input_shape: tuple[int, ...] | None = None) -> tuple[int, int, int]:
    solution = api.solve_model(model, input_shape)
    return solution.total_params, solution.trainable_params, solution.non_trainable_params


def sequential(shape: tuple[int, ...], *layers: Any) -> Any:
    return keras.Sequential([keras.Input(shape), *layers])


def test_functional_model_with_a_branch() -> None:
    inputs = keras.Input((16, 16, 3))
    a = keras.layers.Conv2D(8, 3, padding="same")(inputs)
    b = keras.layers.Conv2D(8, 1)(inputs)
    merged = keras.layers.Add()([a, b])
    model = keras.Model(inputs, keras.layers.Dense(4)(keras.layers.Flatten()(merged)))
    assert solved_counts(model) == keras_counts(model) == (8_452, 8_452, 0)


# Arguments that change the count: modelled, each total and split equal to Keras's.
def lora() -> Any:
    return sequential((64,), keras.layers.Dense(32, lora_rank=4))


def enabled_lora() -> Any:
    model = sequential((64,), keras.layers.Dense(32), keras.layers.Dense(8))
    model.layers[1].enable_lora(2)
    return model


def rms_scaling() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras deprecates rms_scaling, and still builds it
        return sequential((10, 64), keras.layers.LayerNormalization(rms_scaling=True))


def backward_layer() -> Any:
    lstm = keras.layers.LSTM
    return sequential(
        (5, 4),
        keras.layers.Bidirectional(lstm(16), backward_layer=lstm(16, go_backwards=True)),
        keras.layers.Dense(2),
    )


def cross_attention() -> Any:
    query, value = keras.Input((5, 8)), keras.Input((7, 6))
    out = keras.layers.MultiHeadAttention(2, 4, use_gate=True)(query, value)
    return keras.Model([query, value], out)


def nested() -> Any:
    block = keras.Sequential([keras.layers.Dense(8), keras.layers.Dense(4)], name="block")
    return sequential((10,), block, keras.layers.Dense(2))


@pytest.mark.parametrize(
    "build", [lora, enabled_lora, rms_scaling, backward_layer, cross_attention, nested]
)
def test_arguments_that_change_the_count_are_modelled(build: Any) -> None:
    model = build()
    assert solved_counts(model) == keras_counts(model)


def test_lora_is_derived_with_its_frozen_kernel() -> None:
    (dense,) = api.solve_model(lora()).layers
    assert (dense.params, dense.trainable_params, dense.non_trainable_params) == (2464, 416, 2048)
    assert [step.quantity for step in dense.steps] == [
        "kernel and bias", "LoRA parameters", "parameters",
    ]  # fmt: skip


def test_nested_blocks_are_named_by_their_path() -> None:
    names = [layer.name for layer in api.solve_model(nested()).layers]
    assert [name.split("/")[0] for name in names] == ["block", "block", names[2]], names
    assert "/" not in names[2]


def test_quantized_layers_are_refused_by_name() -> None:
    model = sequential((64,), keras.layers.Dense(32))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras: the InputLayer has no quantize method
        model.quantize("int8")
    with pytest.raises(LiveModelError, match=r"layer dense\w* is quantized \(int8\)"):
        api.solve_model(model)


def test_an_unmodelled_argument_is_refused_by_name() -> None:
    config = {"units": 3, "lora_rank": None, "zero_output_for_mask": True, "bogus": 5}
    from explainer.deriving.layers import KERAS_KINDS

    with pytest.raises(LiveModelError, match=r"layer d: Dense\(bogus=5\) changes what Keras"):
        live_keras._arguments("d", keras.layers.Dense, KERAS_KINDS["Dense"], config)


def test_a_count_keras_disagrees_with_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Were a derivation wrong (here made so on purpose), the check against Keras refuses it."""
    import dataclasses

    from explainer.deriving.layers.keras.core import Dense

    right = Dense._derive
    monkeypatch.setattr(
        Dense, "_derive", lambda self, shape: dataclasses.replace(right(self, shape), params=16)
    )
    model = sequential((4,), keras.layers.Dense(3))
    message = r"layer 1, dense\w* \(Dense\): explainer derives 16 parameters \(16 trainable\) "
    with pytest.raises(LiveModelError, match=message + r"where Keras counts 15 \(15 trainable\)"):
        api.solve_model(model)


class Scale(keras.layers.Layer):  # type: ignore[misc]
    """A user's own layer: one trainable weight per feature and a non-trainable pair."""

    def build(self, shape: Any) -> None:
        self.w = self.add_weight(shape=(shape[-1],))
        self.s = self.add_weight(shape=(2,), trainable=False)

    def call(self, x: Any) -> Any:
        return x * self.w


def test_a_users_own_layer_is_counted_by_keras_and_says_so() -> None:
    model = sequential((10,), Scale(), keras.layers.Dense(2))
    solution = api.solve_model(model)
    own = solution.layers[0]
    assert (own.type, own.params, own.trainable_params) == ("Scale", 12, 10)
    assert "counted by Keras, not derived" in own.params_why
    assert (solution.total_params, solution.trainable_params) == keras_counts(model)[:2]


def test_unbuilt_and_subclassed_models_give_one_line_errors() -> None:
    unbuilt = keras.Sequential([keras.layers.Dense(4), keras.layers.Dense(2)])
    with pytest.raises(LiveModelError, match=r"has no input shape yet: start it with keras.Input"):
        api.solve_model(unbuilt)
    assert solved_counts(unbuilt, (3,)) == (26, 26, 0)

    class Net(keras.Model):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.dense = keras.layers.Dense(3)

        def call(self, x: Any) -> Any:
            return self.dense(x)

    with pytest.raises(LiveModelError, match=r"is a subclassed keras\.Model"):
        api.solve_model(Net())


def test_input_must_agree_with_the_models_own() -> None:
    model = sequential((28, 28, 1), keras.layers.Flatten(), keras.layers.Dense(2))
    assert solved_counts(model, (28, 28, 1)) == (1570, 1570, 0)
    with pytest.raises(LiveModelError, match=r"^input_shape \[1, 28, 28\] is not the model's own"):
        api.solve_model(model, (1, 28, 28))


@pytest.mark.parametrize(
    ("target", "message"), [("nowhere.py:build", "no file"), ("MODEL:other", "defines no other")]
)
def test_errors(tmp_path: Path, target: str, message: str) -> None:
    path = tmp_path / "kmodel.py"
    path.write_text(MODEL)
    with pytest.raises(LiveModelError, match=message):
        live_keras.load(target.replace("MODEL", str(path)))


def test_cli_reads_a_keras_model(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from explainer.cli import main

    path = tmp_path / "kmodel.py"
    path.write_text(MODEL)
    args = ["solve", "--keras", f"{path}:build", "--format", "json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert '"total_params": 1379457' in result.stdout
    both = CliRunner().invoke(main, [*args, "--example", "handout-mlp"])
    assert both.exit_code == 2
    assert "give only one of" in both.stderr


def test_check_agrees_with_keras() -> None:
    from explainer.reading.bank import examples
    from explainer.reading.check import check

    texts = [
        "input(28, 28, 1) -> Conv2D(8, 3, strides=2, padding='same') -> BatchNormalization()"
        " -> MaxPooling2D() -> Flatten() -> Dense(10)",
        "input(20, 16) -> Bidirectional(GRU(8, return_sequences=True)) -> LayerNormalization()"
        " -> MultiHeadAttention(2, 4) -> GlobalAveragePooling1D() -> Dense(3)",
    ]
    solutions = [api.solve_spec(text, framework="keras") for text in texts]
    solutions += [api.solve_example(n) for n, e in examples().items() if e.framework == "keras"]
    for solution in solutions:
        rows = check(solution)
        assert rows and all(row.agrees for row in rows), [r for r in rows if not r.agrees]


def test_check_leaves_keras_global_state_as_it_found_it() -> None:
    """check builds each layer in a StatelessScope: their variables must not stay on Keras's
    list of variables to initialise (the caller's next predict would initialise them all), nor
    their names be taken from the caller's next layers. The caller's own pending variable and
    names stay as they were."""
    from keras.src.backend.common import global_state

    from explainer.reading.check import check

    def state() -> tuple[list[Any], dict[str, int]]:
        pending = global_state.get_global_attribute("uninitialized_variables") or []
        return list(pending), dict(global_state.get_global_attribute("object_name_uids") or {})

    with keras.StatelessScope(initialize_variables=False):  # the caller's own, still pending
        mine = keras.layers.Dense(4)
        mine.build((None, 3))
    assert mine.name == "dense"  # conftest gives every test a clean Keras
    before = state()
    assert [id(v) for v in before[0]] == [id(mine.kernel), id(mine.bias)]
    solution = api.solve_spec(
        "input(12, 12, 3) -> Conv2D(8, 3) -> Flatten() -> Dense(5) -> Reshape((5, 1))"
        " -> Bidirectional(LSTM(4, return_sequences=True)) -> MultiHeadAttention(2, 3)"
        " -> GlobalAveragePooling1D() -> Dense(2)",
        framework="keras",
    )
    rows = check(solution)
    assert all(row.agrees for row in rows), [r for r in rows if not r.agrees]
    after = state()
    assert [id(v) for v in after[0]] == [id(v) for v in before[0]]
    assert after[1] == before[1]
    assert keras.layers.Dense(4).name == "dense_1"
    assert keras.layers.LSTM(4).name == "lstm"


def test_check_keras_compares_every_layer_and_the_total(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses

    from click.testing import CliRunner

    from explainer.cli import main
    from explainer.deriving.layers.keras.core import Dense

    path = tmp_path / "kmodel.py"
    path.write_text(MODEL)
    result = CliRunner().invoke(main, ["check", "--keras", f"{path}:build"])
    assert result.exit_code == 0, result.output
    assert "All 5 layers agree with Keras." in result.stdout
    assert "Total: ours 1,379,457 (1,379,201 trainable), Keras 1,379,457" in result.stdout
    right = Dense._derive
    monkeypatch.setattr(
        Dense, "_derive", lambda self, shape: dataclasses.replace(right(self, shape), params=66)
    )
    result = CliRunner().invoke(main, ["check", "--keras", f"{path}:build"])
    assert result.exit_code == 1
    assert "DIFFERENT" in result.stdout and "1 of 5 layers differ from Keras." in result.stdout


def test_a_merge_names_the_branches_it_takes() -> None:
    inputs = keras.Input((8, 8, 3))
    a = keras.layers.Conv2D(4, 3, padding="same")(inputs)
    b = keras.layers.Conv2D(4, 1)(inputs)
    model = keras.Model(inputs, keras.layers.Concatenate()([a, b]))
    solution = api.solve_model(model)
    merge = solution.layers[2]
    assert (merge.type, merge.inputs, merge.output_shape) == ("Concatenate", (1, 2), (8, 8, 8))
    assert solution.layers[1].inputs == (0,)


# -- sizes Keras leaves None beyond the batch ---------------------------------------------


def variable_length_text() -> Any:
    inputs = keras.Input((None,), dtype="int32")
    x = keras.layers.Embedding(500, 16)(inputs)
    x = keras.layers.MultiHeadAttention(2, 8)(x, x)
    x = keras.layers.Bidirectional(keras.layers.GRU(8, return_sequences=True))(x)
    x = keras.layers.GlobalMaxPooling1D()(x)
    return keras.Model(inputs, keras.layers.Dense(3)(x))


def any_image_size() -> Any:
    inputs = keras.Input((None, None, 3))
    x = keras.layers.Conv2D(8, 3, strides=2, padding="same")(inputs)
    y = keras.layers.Conv2D(8, 1, strides=2)(inputs)
    x = keras.layers.BatchNormalization()(keras.layers.Add()([x, y]))
    x = keras.layers.DepthwiseConv2D(3)(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, keras.layers.Dense(5)(x))


@pytest.mark.parametrize("build", [variable_length_text, any_image_size])
def test_none_sizes_are_kept_and_every_count_is_keras(build: Any) -> None:
    model = build()
    solution = api.solve_model(model)
    assert (
        solution.total_params, solution.trainable_params, solution.non_trainable_params
    ) == keras_counts(model)  # fmt: skip
    rows, total = live_keras.check_model(model)
    assert all(row.agrees for row in rows), rows
    assert any(None in row.real_shape for row in rows if row.real_shape)
    assert total.ours == total.real


def test_a_count_on_a_none_size_is_refused_naming_the_layer() -> None:
    inputs = keras.Input((None, 4))
    x = keras.layers.Flatten()(inputs)
    model = keras.Model(inputs, x)  # Keras builds it: Flatten has no weights
    assert api.solve_model(model).total_params == 0
    with pytest.raises(ValueError):  # and refuses a Dense after it, as explainer does
        keras.layers.Dense(2)(x)


def test_the_keras_summary_shows_none(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from explainer.cli import main

    path = tmp_path / "varlen.py"
    path.write_text(
        "import keras\n\ndef build():\n"
        "    inputs = keras.Input((None,), dtype='int32')\n"
        "    x = keras.layers.Embedding(100, 8)(inputs)\n"
        "    x = keras.layers.GlobalAveragePooling1D()(x)\n"
        "    return keras.Model(inputs, keras.layers.Dense(2)(x))\n"
    )
    result = CliRunner().invoke(main, ["solve", "--keras", f"{path}:build"])
    assert result.exit_code == 0, result.output
    assert "(None, None, 8)" in result.stdout and "Total params: 818" in result.stdout


# -- the graph as Keras built it: edges through nested models, further inputs ----------------


def test_edges_run_through_nested_models() -> None:
    inner_in = keras.Input((8,))
    block = keras.Model(inner_in, keras.layers.Dense(4)(keras.layers.Dense(8)(inner_in)))
    chain = keras.Sequential([keras.layers.Dense(3), keras.layers.Dense(4)], name="chain")
    inputs = keras.Input((10,))
    stem = keras.layers.Dense(8)(inputs)
    merged = keras.layers.Add()([block(stem), chain(stem)])
    model = keras.Model(inputs, keras.layers.Dense(2)(merged))
    solution = api.solve_model(model)
    edges = {layer.name.split("/")[-1]: layer.inputs for layer in solution.layers}
    names = [layer.name for layer in solution.layers]
    stem_number = names.index(stem._keras_history.operation.name) + 1
    first_of_chain = names.index(f"chain/{chain.layers[0].name}") + 1
    assert edges[chain.layers[0].name] == (stem_number,)  # what the nested model was called on
    add = next(layer for layer in solution.layers if layer.type == "Add")
    # the nested models' last layers: the block's Dense(4) and the chain's second Dense
    assert add.inputs == (first_of_chain - 1, first_of_chain + 1)
    assert solved_counts(model) == keras_counts(model)


def test_a_further_input_is_a_node_and_cross_attention_reads_both() -> None:
    from explainer.rendering.render import render

    query, value = keras.Input((5, 8)), keras.Input((7, 6))
    attended = keras.layers.MultiHeadAttention(2, 4)(query, value)
    side = keras.layers.GlobalAveragePooling1D()(keras.layers.Dense(8)(value))
    pooled = keras.layers.GlobalAveragePooling1D()(attended)
    model = keras.Model([query, value], keras.layers.Concatenate()([pooled, side]))
    solution = api.solve_model(model)
    by_type = {layer.type: layer for layer in solution.layers}
    further = by_type["InputLayer"]
    assert (further.index, further.inputs, further.output_shape) == (1, (), (7, 6))
    assert by_type["MultiHeadAttention"].inputs == (0, 1)  # query: node 0, value: node 1
    assert by_type["Dense"].inputs == (1,)
    assert solved_counts(model) == keras_counts(model) == (312, 312, 0)
    data = json.loads(render(solution, "json"))
    assert [layer["inputs"] for layer in data["layers"]][:2] == [[], [0, 1]]
    assert "Inputs: none: a further input of the model" in render(solution, "text")
    assert "<svg" in render(solution, "html")  # the graph is drawn


def test_nested_models_are_blocks_counted_as_keras_counts_them() -> None:
    from dataclasses import replace

    from explainer.rendering.render import render

    deep = keras.Sequential([keras.layers.Dense(5), keras.layers.BatchNormalization()], name="deep")
    chain = keras.Sequential([keras.layers.Dense(3), deep, keras.layers.Dense(4)], name="chain")
    model = sequential((10,), keras.layers.Dense(8), chain, keras.layers.Dense(2))
    solution = api.solve_model(model)
    blocks = {block.path: (block.type, block.depth, block.params) for block in solution.blocks}
    assert blocks == {
        "chain/deep": ("Sequential", 2, deep.count_params()),
        "chain": ("Sequential", 1, chain.count_params()),
    }
    assert solved_counts(model) == keras_counts(model)
    text = render(replace(solution, summary_depth=1), "text")
    assert " chain (Sequential)" in text and "(None, 4)" in text  # one row, as model.summary()
