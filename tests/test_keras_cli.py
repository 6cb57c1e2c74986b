"""``explainer solve --framework keras``: Keras names, channels-last shapes, Keras's counts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from explainer import api
from explainer.cli import main

CLASSIFIER = "input(100) -> Embedding(10000, 128) -> LSTM(64) -> Dense(1, activation='sigmoid')"
CNN = (
    "input(28, 28, 1) -> Conv2D(32, 3, strides=2, padding='same') -> BatchNormalization() "
    "-> Flatten() -> Dense(10)"
)


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), prog_name="explainer")


def ok(*args: str) -> str:
    result = run(*args)
    assert (result.exit_code, result.stderr) == (0, ""), result.stderr or result.exc_info
    return result.stdout


def as_json(*args: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(ok(*args, "--format", "json"))
    return data


def test_framework_keras_solves_keras_names() -> None:
    out = ok("solve", CLASSIFIER, "--framework", "keras")
    assert "Total params: 1,329,473" in out
    assert "4·(64·(128 + 64) + 64) = 49,408" in out  # one bias vector per gate
    assert "PyTorch's LSTM keeps two bias vectors per gate" in out


def test_keras_counts_trainable_and_non_trainable_like_model_summary() -> None:
    data = as_json("solve", CNN, "--framework", "keras")
    assert data["framework"] == "keras"
    assert (data["total_params"], data["trainable_params"], data["non_trainable_params"]) == (
        63_178,
        63_114,
        64,
    )
    norm = data["layers"][1]
    assert (norm["type"], norm["trainable_params"], norm["non_trainable_params"]) == (
        "BatchNormalization",
        64,
        64,
    )
    assert [layer["output_shape"] for layer in data["layers"]] == [
        [14, 14, 32],
        [14, 14, 32],
        [6272],
        [10],
    ]
    assert data["layers"][0]["args"]["padding"] == "same"


def test_pytorch_stays_the_default() -> None:
    spec = "input(1, 28, 28) -> Conv2d(16, 5) -> Flatten -> Linear(10)"
    assert ok("solve", spec) == ok("solve", spec, "--framework", "pytorch")
    assert as_json("solve", spec)["framework"] == "pytorch"


def test_keras_names_are_unknown_to_pytorch_and_the_reverse() -> None:
    result = run("solve", "input(4) -> Dense(3)")
    assert result.exit_code == 2
    assert "'Dense' is a Keras layer: use --framework keras" in result.stderr
    result = run("solve", "input(4) -> Linear(4, 3)", "--framework", "keras")
    assert result.exit_code == 2
    assert "'Linear' is a PyTorch layer: use --framework pytorch" in result.stderr


def test_framework_choices_are_checked() -> None:
    result = run("solve", CLASSIFIER, "--framework", "tensorflow")
    assert result.exit_code == 2
    assert "'tensorflow' is not one of 'pytorch', 'keras'" in result.stderr


def test_torch_models_are_pytorch_only() -> None:
    result = run("solve", "--torch", "model.py:Net", "--input", "1,28,28", "--framework", "keras")
    assert result.exit_code == 2
    assert "--torch reads a PyTorch model" in result.stderr


def test_api_passes_the_framework_through() -> None:
    solution = api.solve_spec(CLASSIFIER, framework="keras")
    assert (solution.framework, solution.total_params) == ("keras", 1_329_473)
    text = api.explain(CLASSIFIER, framework="keras")
    assert text == ok("solve", CLASSIFIER, "--framework", "keras")


def test_bidirectional_renders_as_json() -> None:
    data = as_json("solve", "input(10, 8) -> Bidirectional(LSTM(4))", "--framework", "keras")
    assert data["layers"][0]["params"] == 2 * 4 * (4 * (8 + 4) + 4)
    inner = data["layers"][0]["args"]["layer"]
    assert (inner["type"], inner["kwargs"]["units"]) == ("LSTM", 4)


# -- Keras code pasted as written, and the model.summary() table ----------------------------


def test_keras_io_mnist_convnet_as_written() -> None:
    out = ok("solve", "--example", "keras-mnist-convnet")
    assert "Total params: 34,826" in out
    for row in [
        " conv2d (Conv2D)                (None, 26, 26, 32)         320",
        " max_pooling2d_1 (MaxPooling2D) (None, 5, 5, 64)           0",
        " dense (Dense)                  (None, 10)                 16,010",
    ]:
        assert row in out.splitlines(), row


def test_tensorflow_cnn_tutorial_as_written() -> None:
    out = ok("solve", "--example", "tf-cnn-tutorial")
    assert "Total params: 122,570" in out
    assert " conv2d_2 (Conv2D)              (None, 4, 4, 64)           36,928" in out.splitlines()


def test_pasted_code_is_keras_without_framework(tmp_path: Any) -> None:
    from explainer.reading.bank import example

    path = tmp_path / "model.py"
    path.write_text(example("tf-cnn-tutorial").spec)
    assert as_json("solve", str(path))["total_params"] == 122_570
    result = run("solve", str(path), "--framework", "pytorch")
    assert result.exit_code == 2
    assert "'Conv2D' is a Keras layer: use --framework keras" in result.stderr


@pytest.mark.parametrize(
    "first",
    [
        "keras.Input(shape=(28, 28, 1))",
        "layers.Input((28, 28, 1))",
        "tf.keras.layers.InputLayer(input_shape=(28, 28, 1))",
        "keras.Input(batch_shape=(None, 28, 28, 1))",
    ],
)
def test_input_forms(first: str) -> None:
    code = f"model = keras.Sequential([{first}, layers.Flatten(), layers.Dense(10)])"
    assert as_json("solve", code)["total_params"] == 7850


def test_code_is_read_never_run() -> None:
    result = run(
        "solve", "n = __import__('os').getcwd()\nmodel = keras.Sequential([layers.Dense(n)])"
    )
    assert result.exit_code == 2
    assert "line 2, col 40" in result.stderr and "is not a literal" in result.stderr


def test_keras_input_shapes_and_hints() -> None:
    spec = "Conv2D(8, 3) -> Flatten() -> Dense(2)"
    data = as_json("solve", spec, "--framework", "keras", "--input", "(None, 28, 28, 1)")
    assert data["input_shape"] == [28, 28, 1]
    assert as_json("solve", f"input(None, 28, 28, 1) -> {spec}", "--framework", "keras") == data
    result = run("solve", spec, "--framework", "keras")
    assert result.exit_code == 2
    assert 'input(28, 28, 1) (channels last) or pass --input "(None, 28, 28, 1)"' in result.stderr


def test_keras_only_names_get_the_hint_in_the_pytorch_dialect() -> None:
    for name in ("Conv2D(16, 3)", "Conv3D(4, 3)", "MaxPooling2D()", "GlobalAveragePooling2D()"):
        result = run("solve", f"input(64, 64, 3) -> {name}")
        assert result.exit_code == 2, name
        assert "is a Keras layer: use --framework keras" in result.stderr, name


def test_relu_is_a_keras_layer_too() -> None:
    out = ok("solve", "input(8) -> Dense(4) -> ReLU() -> Softmax()", "--framework", "keras")
    assert "Total params: 36" in out


def test_layers_lists_the_keras_dialect() -> None:
    out = ok("layers", "--framework", "keras")
    assert "Conv2D: " in out and "Concatenate: " in out and "Linear:" not in out


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("model = Sequential([\x00])", "line 1, col 1: invalid Python"),
        ("model = keras.Sequential(" + "[" * 400 + "]" * 400 + ")", "nested more than 32 deep"),
        ("model = keras.Sequential(layers.Dense(2))", "Sequential takes a list"),
        ("x = layers.Dense(4)(inputs)\nmodel.add(layers.Dense(2))", "no tensor made earlier"),
        ("model = keras.Sequential([layers.Dense(4, activation=tf.nn.relu)])", "not a literal"),
        ("model = keras.Sequential([keras.Input(shape=(8, None)), layers.Dense(2)])", "size 2"),
    ],
)
def test_pasted_code_errors_are_one_line(code: str, message: str) -> None:
    result = run("solve", code)
    assert result.exit_code == 2, result.output
    assert message in result.stderr and len(result.stderr.splitlines()) == 1, result.stderr


def test_constants_may_be_written_in_terms_of_earlier_ones() -> None:
    code = "a = 10\nb = a\nmodel = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(b)])"
    assert as_json("solve", code)["total_params"] == 50


@pytest.mark.parametrize(
    "spec",
    [
        "keras.Input(shape=(32, 32, 3)) -> Conv2D(32, 3) -> MaxPooling2D()",
        "Input(batch_shape=(None, 32, 32, 3)) -> Conv2D(32, 3) -> MaxPooling2D()",
        "Conv2D(32, (3, 3), input_shape=(32, 32, 3)) -> MaxPooling2D((2, 2))",
        "input(None, 32, 32, 3) -> Conv2D(32, 3) -> MaxPooling2D()",
    ],
)
def test_keras_ways_of_giving_the_input_in_a_chain(spec: str) -> None:
    data = as_json("solve", spec, "--framework", "keras")
    assert (data["input_shape"], data["total_params"]) == ([32, 32, 3], 896)


def test_the_input_given_twice_is_refused() -> None:
    result = run("solve", "input(4) -> Dense(2, input_shape=(4,))", "--framework", "keras")
    assert result.exit_code == 2
    assert "the input shape is given twice" in result.stderr


def test_every_keras_only_name_gets_the_hint() -> None:
    from explainer.deriving.layers import KERAS_KINDS, KINDS, resolve
    from explainer.errors import UnknownLayerError

    keras_only = [name for name in KERAS_KINDS if name not in KINDS]
    assert "Conv2D" in keras_only and "ReLU" not in keras_only
    for name in keras_only:
        with pytest.raises(UnknownLayerError, match="is a Keras layer: use framework keras") as e:
            resolve(name, "pytorch")
        assert "use --framework keras" in e.value.worded({"framework": "--framework"})


def test_a_none_in_inputs_shape_is_a_size_not_the_batch() -> None:
    result = run("solve", "Input(shape=(None, 128)) -> LSTM(4)", "--framework", "keras")
    assert result.exit_code == 0, result.stderr
    assert "(None, None, 128)" not in result.stdout  # the input: any length of 128 features
    assert "Input shape: None×128" in result.stdout and "(None, 4)" in result.stdout
    result = run("solve", "Input(shape=(128, None)) -> LSTM(4)", "--framework", "keras")
    assert result.exit_code == 2
    assert "size 2 (after the batch) is None" in result.stderr


# -- pasted functional-API code: keras.Input, layers called on tensors, keras.Model ---------


def real_keras() -> Any:
    """Keras on JAX, the oracle these tests run the pasted code in (skipped without it)."""
    import os

    os.environ.setdefault("KERAS_BACKEND", "jax")
    return pytest.importorskip("keras")


FUNCTIONAL = [
    """
import keras
from keras import layers
inputs = keras.Input(shape=(32, 32, 3))
x = layers.Conv2D(16, 3, padding="same")(inputs)
y = layers.Conv2D(16, 1)(inputs)
x = layers.Add()([x, y])
x = layers.BatchNormalization()(x)
x = layers.GlobalAveragePooling2D()(x)
outputs = layers.Dense(10, activation="softmax")(x)
model = keras.Model(inputs, outputs)
""",
    """
import keras
from keras import layers
query = keras.Input(shape=(5, 8))
value = keras.Input(shape=(None, 6))
attended = layers.MultiHeadAttention(num_heads=2, key_dim=4)(query, value)
side = layers.GlobalAveragePooling1D()(layers.Dense(8)(value))
pooled = layers.GlobalAveragePooling1D()(attended)
model = keras.Model(inputs=[query, value], outputs=layers.Concatenate()([pooled, side]))
""",
]


@pytest.mark.parametrize("code", FUNCTIONAL)
def test_pasted_functional_code_counts_as_keras_builds_it(code: str) -> None:
    """The same code, read by explainer (never run) and run by Keras here, in the test."""
    import math

    from explainer.deriving.solve import solve
    from explainer.deriving.symbolic import is_open
    from explainer.reading import parse

    solution = solve(parse(code))
    real_keras()
    scope: dict[str, object] = {}
    exec(code, scope)  # the test's own code: Keras builds the model explainer read
    model: Any = scope["model"]
    trainable = sum(math.prod(w.shape) for w in model.trainable_weights)
    assert (solution.total_params, solution.trainable_params) == (model.count_params(), trainable)
    last = solution.layers[-1]
    keras_shape = tuple(model.output.shape[1:])
    assert tuple(None if is_open(s) else s for s in last.output_shape) == keras_shape
    assert any(len(layer.inputs) > 1 for layer in solution.layers)  # the graph, not a chain
    assert explainer_rows(code) == keras_rows(code)  # model.summary()'s names and order


def test_a_tensor_not_made_earlier_is_one_line() -> None:
    code = (
        "inputs = keras.Input(shape=(4,))\nx = layers.Dense(2)(y)\nmodel = keras.Model(inputs, x)"
    )
    result = run("solve", code)
    assert result.exit_code == 2
    assert "line 2, col 21" in result.stderr and "no tensor made earlier" in result.stderr


def test_pasted_nested_sequentials_are_blocks_named_as_keras_names_them() -> None:
    from dataclasses import replace

    from explainer.deriving.solve import solve
    from explainer.reading import parse
    from explainer.rendering.render import summary_rows

    code = """
import keras
from keras import layers
model = keras.Sequential([
    keras.Input(shape=(28, 28, 1)),
    keras.Sequential([layers.Conv2D(8, 3), keras.Sequential([layers.BatchNormalization()])]),
    keras.Sequential([layers.Conv2D(4, 3)], name="head"),
    layers.Flatten(),
    layers.Dense(10),
])
"""
    solution = solve(parse(code))
    keras = real_keras()
    # Keras numbers its names per session: start from sequential
    keras.backend.clear_session(free_memory=False)
    scope: dict[str, object] = {}
    exec(code, scope)  # the test's own code: Keras builds the model explainer read
    model: Any = scope["model"]
    rows = summary_rows(replace(solution, summary_depth=1))
    expected = [
        (f"{layer.name} ({type(layer).__name__})", layer.count_params()) for layer in model.layers
    ]
    assert [(row.label, row.params) for row in rows] == expected
    assert solution.total_params == model.count_params()


# -- keras.Model holds only the layers its output depends on ---------------------------------

UNUSED = {
    "the output written before a side layer": """
inputs = keras.Input(shape=(32,))
x = layers.Dense(64, activation="relu")(inputs)
out = layers.Dense(10)(x)
side = layers.Dense(5)(x)
model = keras.Model(inputs, out)
""",
    "an unused branch in the middle takes a name": """
inputs = keras.Input(shape=(32,))
x = layers.Dense(64)(inputs)
side = layers.Dense(5)(x)
side = layers.Dense(3)(side)
out = layers.Dense(10)(x)
model = keras.Model(inputs, out)
""",
    "a branch off a merge": """
inputs = keras.Input(shape=(8, 8, 3))
a = layers.Conv2D(4, 3, padding="same")(inputs)
b = layers.Conv2D(4, 1)(inputs)
m = layers.Add()([a, b])
dead = layers.Concatenate()([m, a])
dead = layers.Conv2D(2, 1)(dead)
out = layers.Dense(3)(layers.GlobalAveragePooling2D()(m))
model = keras.Model(inputs, out)
""",
    "a layer made first but applied inside": """
inputs = keras.Input(shape=(6,))
side = layers.Dense(7)(inputs)
out = layers.Dense(2)(layers.Dense(3)(inputs))
model = keras.Model(inputs, out)
""",
    "a second input with an unused branch": """
a = keras.Input(shape=(4,))
b = keras.Input(shape=(4,))
dead = layers.Dense(9)(b)
out = layers.Add()([layers.Dense(3)(a), layers.Dense(3)(b)])
model = keras.Model([a, b], out)
""",
    "a wrapped layer takes a name too": """
inputs = keras.Input(shape=(5, 4))
x = layers.TimeDistributed(layers.Dense(3))(inputs)
side = layers.Dense(2)(x)
x = layers.Bidirectional(layers.LSTM(3, return_sequences=True))(x)
out = layers.Dense(4)(layers.LSTM(2)(x))
model = keras.Model(inputs, out)
""",
    "model.summary() lists by depth, not as written": """
t0 = keras.Input(shape=(1,))
t1 = layers.Dense(3, name="d1")(t0)
t2 = layers.Dense(1)(t0)
t3 = layers.Dense(3)(layers.Dense(2)(t0))
t4 = layers.Add()([t1, t3])
t5 = layers.Concatenate()([t0, t1])
model = keras.Model(t0, t4)
""",
    "layers written after the model": """
inputs = keras.Input(shape=(5,))
out = layers.Dense(2)(inputs)
model = keras.Model(inputs, out)
more = layers.Dense(4)(out)
""",
}


def keras_rows(code: str) -> tuple[list[tuple[str, int]], int]:
    """The rows and total of model.summary(), Keras running the same code (from its first
    name on, as a fresh session numbers them); the first input is node 0, not a row."""
    keras = real_keras()
    keras.backend.clear_session(free_memory=False)
    scope: dict[str, object] = {"keras": keras, "layers": keras.layers}
    exec(code, scope)  # the test's own code: Keras builds the model explainer read
    model: Any = scope["model"]
    rows = [
        (f"{layer.name} ({type(layer).__name__})", layer.count_params()) for layer in model.layers
    ]
    return [row for row in rows if row[0] != "input_layer (InputLayer)"], model.count_params()


def explainer_rows(code: str, depth: int | None = None) -> tuple[list[tuple[str, int]], int]:
    """The summary table's rows (a nested model one row with ``depth`` 1, as Keras's)."""
    from dataclasses import replace

    from explainer.deriving.solve import solve
    from explainer.reading import parse
    from explainer.rendering.render import summary_rows

    solution = replace(solve(parse(code)), summary_depth=depth)
    return [(row.label, row.params) for row in summary_rows(solution)], solution.total_params


@pytest.mark.parametrize("code", UNUSED.values(), ids=UNUSED.keys())
def test_a_layer_the_output_does_not_use_is_not_in_the_model(code: str) -> None:
    assert explainer_rows(code) == keras_rows(code)


def test_the_example_counts_only_the_way_to_the_output() -> None:
    code = UNUSED["the output written before a side layer"]
    data = as_json("solve", code)
    assert data["total_params"] == 2762 == 32 * 64 + 64 + 64 * 10 + 10
    assert [layer["params"] for layer in data["layers"]] == [2112, 650]
    note = "keras.Model holds only the layers its output depends on: dense_2 (line 5, col 8, "
    assert f"{note}layers.Dense(5)) is made but not part of the model" in data["notes"][-1]


@st.composite
def dead_branch_code(draw: st.DrawFn) -> str:
    """Random small functional code: Dense layers (some written inside another's call, some
    named), Add and Concatenate of earlier tensors, the output any tensor but the input."""
    widths = [draw(st.integers(1, 4))]  # t0, the input
    lines = [f"t0 = keras.Input(shape=({widths[0]},))"]
    for k in range(1, draw(st.integers(2, 7))):
        a = draw(st.integers(0, k - 1))
        same = [j for j in range(k) if widths[j] == widths[a] and j != a]
        kind = draw(st.sampled_from(["Dense", "Dense", "inner", "Concatenate", "Add"]))
        if kind == "Add" and same:
            b = draw(st.sampled_from(same))
            lines.append(f"t{k} = layers.Add()([t{a}, t{b}])")
            widths.append(widths[a])
        elif kind == "Concatenate" and k > 1:
            b = draw(st.sampled_from([j for j in range(k) if j != a]))
            lines.append(f"t{k} = layers.Concatenate()([t{a}, t{b}])")
            widths.append(widths[a] + widths[b])
        else:
            units = draw(st.integers(1, 4))
            named = f", name='d{k}'" if draw(st.integers(0, 5)) == 0 else ""
            tensor = (
                f"layers.Dense({draw(st.integers(1, 3))})(t{a})" if kind == "inner" else f"t{a}"
            )
            lines.append(f"t{k} = layers.Dense({units}{named})({tensor})")
            widths.append(units)
    out = draw(st.integers(1, len(widths) - 1))
    return "\n".join([*lines, f"model = keras.Model(t0, t{out})"])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(code=dead_branch_code())
def test_random_graphs_with_unused_branches_match_keras(code: str) -> None:
    rows, total = explainer_rows(code)
    assert (rows, total) == keras_rows(code), code
    event("some layer unused" if len(rows) < code.count("layers.") else "every layer used")
    assert sum(params for _, params in rows) == total


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (
            "a = keras.Input(shape=(4,))\nb = keras.Input(shape=(4,))\n"
            "model = keras.Model([a, b], layers.Dense(2)(a))",
            "line 3, col 29: keras.Model's output does not depend on the input made at line 2",
        ),
        (
            "a = keras.Input(shape=(4,))\nx = layers.Dense(2)(a)\nmodel = keras.Model(a, [x, a])",
            "line 3, col 24: keras.Model's outputs must be one tensor made earlier",
        ),
        (
            "a = keras.Input(shape=(4,))\nx = layers.Dense(2)(a)\ny = layers.Dense(2)(layers.Add()"
            "([x, a]))\nmodel = keras.Model(a, x)",
            "line 3, col 21: layer 2, layers.Add(): Add needs inputs of the same shape",  # as Keras
        ),
        (
            "a = keras.Input(shape=(4,))\nx = keras.Sequential([layers.Dense(2)])(a)\n"
            "model = keras.Model(a, x)",
            "line 2, col 5: a Sequential model called on a tensor is not read",
        ),
    ],
)
def test_what_cannot_be_shown_equal_to_keras_is_refused(code: str, message: str) -> None:
    result = run("solve", code)
    assert result.exit_code == 2, result.output
    assert message in result.stderr and len(result.stderr.splitlines()) == 1, result.stderr


def test_two_layers_of_a_kind_in_a_nested_sequential_are_two_layers() -> None:
    """Not one module called twice: each has its own weights (20 + 20, not 20)."""
    code = """
model = keras.Sequential([
    keras.Input(shape=(4,)),
    keras.Sequential([layers.Dense(4), layers.Dense(4)]),
    layers.Dense(4),
])
"""
    rows, total = explainer_rows(code, depth=1)
    assert (rows, total) == keras_rows(code) and total == 60
