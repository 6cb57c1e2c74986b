"""``explainer solve --framework keras``: Keras names, channels-last shapes, Keras's counts."""

from __future__ import annotations

import json
from typing import Any

from click.testing import CliRunner, Result

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
