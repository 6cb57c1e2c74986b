"""A live Keras model: every layer's class and configuration, counted as model.summary() does."""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")
keras = pytest.importorskip("keras")

from explainer import api, live_keras, solve  # noqa: E402
from explainer.live import LiveModelError  # noqa: E402

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


def test_functional_model_with_a_branch() -> None:
    inputs = keras.Input((16, 16, 3))
    a = keras.layers.Conv2D(8, 3, padding="same")(inputs)
    b = keras.layers.Conv2D(8, 1)(inputs)
    merged = keras.layers.Add()([a, b])
    model = keras.Model(inputs, keras.layers.Dense(4)(keras.layers.Flatten()(merged)))
    with pytest.raises(LiveModelError, match="Add, which explainer does not know"):
        solve(live_keras.architecture(model))


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
    from explainer.bank import examples
    from explainer.check import check

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
