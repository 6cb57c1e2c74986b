"""--compare-frameworks: the other framework's count where it differs, consistent both ways."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explainer import api
from explainer.compare import with_comparison


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
        ("input(5, 8) -> GRU(8, 4)", "pytorch"),  # Keras 3's GRU (reset_after) has two biases too
        ("input(5, 8) -> LSTM(8, 4, bias=False)", "pytorch"),
        ("input(16) -> Linear(16, 4)", "pytorch"),
        ("input(5, 8) -> GRU(4)", "keras"),
        ("input(16, 4, 4) -> BatchNorm2d(16, affine=False)", "pytorch"),
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
