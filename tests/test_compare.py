"""--compare-frameworks: the other framework's count where it differs, consistent both ways."""

from __future__ import annotations

import math
import os
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explainer import api
from explainer.deriving.compare import with_comparison


def compared(text: str, framework: str = "pytorch") -> list[tuple[str, int | None, int | None]]:
    solution = with_comparison(api.solve_spec(text, framework=framework))
    return [
        (layer.type, layer.comparison.params if layer.comparison else None,
         layer.comparison.non_trainable if layer.comparison else None)
        for layer in solution.layers
    ]  # fmt: skip


@settings(max_examples=80, deadline=None)
@given(
    kind=st.sampled_from([("LSTM", "LSTM"), ("RNN", "SimpleRNN")]),
    x=st.integers(1, 40), h=st.integers(1, 40), bidirectional=st.booleans(),
)  # fmt: skip
def test_recurrent_counts_agree_across_the_two_dialects(
    kind: tuple[str, str], x: int, h: int, bidirectional: bool
) -> None:
    torch_name, keras_name = kind
    torch_layer = api.solve_spec(
        f"input(5, {x}) -> {torch_name}({x}, {h}, bidirectional={bidirectional})"
    ).layers[0]
    keras_inner = f"{keras_name}({h}, return_sequences=True)"
    keras_text = f"Bidirectional({keras_inner})" if bidirectional else keras_inner
    keras_layer = api.solve_spec(f"input(5, {x}) -> {keras_text}", framework="keras").layers[0]
    forward = with_comparison(
        api.solve_spec(f"input(5, {x}) -> {torch_name}({x}, {h}, bidirectional={bidirectional})")
    )
    backward = with_comparison(api.solve_spec(f"input(5, {x}) -> {keras_text}", framework="keras"))
    assert forward.layers[0].comparison is not None and backward.layers[0].comparison is not None
    assert forward.layers[0].comparison.params == keras_layer.params
    assert backward.layers[0].comparison.params == torch_layer.params
    assert (
        torch_layer.params - keras_layer.params
        == (2 if bidirectional else 1) * (4 if torch_name == "LSTM" else 1) * h
    )


def test_batchnorm_statistics() -> None:
    assert compared("input(16, 8, 8) -> BatchNorm2d(16)") == [("BatchNorm2d", 64, 32)]
    assert compared("input(8, 8, 16) -> BatchNormalization()", "keras") == [
        ("BatchNormalization", 32, 0)
    ]


@pytest.mark.parametrize(
    ("text", "framework"),
    [
        ("input(5, 8) -> LSTM(8, 4, bias=False)", "pytorch"),
        ("input(16) -> Linear(16, 4)", "pytorch"),
        ("input(5, 8) -> GRU(4)", "keras"),
    ],
)
def test_no_comparison_where_the_counts_agree(text: str, framework: str) -> None:
    assert all(other is None for _, other, _ in compared(text, framework))


def test_rendered_beside_the_count() -> None:
    text = api.render_solution(api.solve_example("lstm-classifier"), "text", compare=True)
    assert (
        "Compared with Keras: Keras counts 49,408: one bias vector per gate instead of two" in text
    )
    plain = api.render_solution(api.solve_example("lstm-classifier"), "text")
    assert "Compared with" not in plain
    for fmt in ("markdown", "html", "latex"):
        assert "Compared with Keras" in api.render_solution(
            api.solve_example("lstm-classifier"), fmt, compare=True
        )


def test_cli_flag() -> None:
    from click.testing import CliRunner

    from explainer.cli import main

    result = CliRunner().invoke(
        main, ["solve", "--example", "lstm-classifier", "--compare-frameworks"]
    )
    assert result.exit_code == 0
    assert "Compared with Keras: Keras counts 49,408" in result.stdout


# -- every number a comparison states, checked against both real frameworks -----------------


def torch_count(text: str) -> int:
    torch = pytest.importorskip("torch")
    (layer,) = api.solve_spec(text).layers
    module = getattr(torch.nn, layer.type)(**layer.args)
    return sum(p.numel() for p in module.parameters())


def keras_counts(shape: tuple[int, ...], *layers: Any) -> tuple[int, int]:
    """A Keras stack's total and non-trainable counts, built without initialising weights."""
    keras = keras_oracle()
    with keras.StatelessScope(initialize_variables=False):
        model = keras.Sequential([keras.Input(shape), *layers])
        frozen = sum(math.prod(w.shape) for w in model.non_trainable_weights)
        return model.count_params(), frozen


def keras_oracle() -> Any:
    os.environ.setdefault("KERAS_BACKEND", "jax")
    return pytest.importorskip("keras")


@settings(max_examples=15, deadline=None)
@given(
    x=st.integers(1, 12), h=st.integers(1, 12), layers=st.integers(1, 3),
    bidirectional=st.booleans(), kind=st.sampled_from(["LSTM", "GRU", "RNN"]),
)  # fmt: skip
def test_recurrent_comparison_is_what_keras_counts(
    x: int, h: int, layers: int, bidirectional: bool, kind: str
) -> None:
    """PyTorch's num_layers and bidirectional, as the Keras stack a Keras user writes."""
    keras = keras_oracle()
    text = f"input(5, {x}) -> {kind}({x}, {h}, num_layers={layers}, bidirectional={bidirectional})"
    solution = with_comparison(api.solve_spec(text))
    (layer,) = solution.layers
    assert layer.params == torch_count(text)
    comparison = layer.comparison
    assert comparison is not None
    name = {"LSTM": "LSTM", "GRU": "GRU", "RNN": "SimpleRNN"}[kind]

    def stack(**options: Any) -> list[Any]:
        made = [
            getattr(keras.layers, name)(h, return_sequences=True, **options) for _ in range(layers)
        ]
        return [keras.layers.Bidirectional(m) for m in made] if bidirectional else made

    numbers = dict(comparison.note.numbers)
    assert numbers["count"] == comparison.params == keras_counts((5, x), *stack())[0]
    if kind == "GRU":  # Keras 3's default counts as PyTorch does; reset_after=False does not
        assert comparison.params == layer.params
        assert numbers["other"] == keras_counts((5, x), *stack(reset_after=False))[0]
    else:
        assert comparison.params < layer.params
    if kind == "RNN":
        assert "gate" not in comparison.note.text


@pytest.mark.parametrize(
    ("text", "counts"),
    [
        ("input(5, 8) -> GRU(8, 16)", (1_248, 1_248)),  # the numbers
        ("input(5, 5) -> GRU(5, 3)", (90, 90)),
        ("input(5, 8) -> LSTM(8, 16, num_layers=2)", (3_840, 3_712)),
    ],
)
def test_pinned_recurrent_comparisons(text: str, counts: tuple[int, int]) -> None:
    (layer,) = with_comparison(api.solve_spec(text)).layers
    assert layer.comparison is not None
    assert (layer.params, layer.comparison.params) == counts


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("tracked", [True, False])
def test_batchnorm_comparison_both_ways(affine: bool, tracked: bool) -> None:
    keras = keras_oracle()
    text = f"input(6, 4, 4) -> BatchNorm2d(6, affine={affine}, track_running_stats={tracked})"
    (layer,) = with_comparison(api.solve_spec(text)).layers
    assert layer.params == torch_count(text)
    assert layer.comparison is not None
    keras_layer = keras.layers.BatchNormalization(center=affine, scale=affine)
    total, frozen = keras_counts((4, 4, 6), keras_layer)
    assert (layer.comparison.params, layer.comparison.non_trainable) == (total, frozen)
    # and back: Keras's layer compared with PyTorch's
    back = f"input(4, 4, 6) -> BatchNormalization(center={affine}, scale={affine})"
    (keras_result,) = with_comparison(api.solve_spec(back, framework="keras")).layers
    assert keras_result.params == total
    assert keras_result.comparison is not None
    assert keras_result.comparison.params == torch_count(
        f"input(6, 4, 4) -> BatchNorm2d(6, affine={affine})"
    )


def test_keras_gru_without_reset_after_compares_with_pytorch() -> None:
    text = "input(5, 5) -> GRU(3, reset_after=False)"
    (layer,) = with_comparison(api.solve_spec(text, framework="keras")).layers
    assert layer.params == keras_counts((5, 5), keras_oracle().layers.GRU(3, reset_after=False))[0]
    assert layer.comparison is not None
    assert layer.comparison.params == torch_count("input(5, 5) -> GRU(5, 3)") == 90


def test_comparison_numbers_follow_the_digit_grouping() -> None:
    solution = with_comparison(api.solve_spec("input(10, 128) -> LSTM(128, 256)"))
    indian = api.render(solution, "text", "indian")
    assert "Keras counts 3,94,240" in indian and "394,240" not in indian
    assert "Keras counts 394,240" in api.render(solution, "text")
