"""The sequence kinds (RNN, LSTM, GRU, MultiheadAttention, TransformerEncoderLayer): worked
numbers checked by hand, the steps they are shown in, their refusals, and their MACs.

The counts are also checked against torch for random arguments in test_torch_oracle.py; the
MACs here against torch's FlopCounterMode where torch's CPU kernels let it count.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from explainer import solve_spec
from explainer.deriving.solve import LayerResult
from explainer.errors import ArgumentError, ShapeError
from explainer.rendering.render import render

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Failed to initialize NumPy", category=UserWarning)
    try:
        import torch
        from torch.utils.flop_counter import FlopCounterMode
    except ImportError:  # pragma: no cover - the oracle is optional on a user's machine
        torch = None

TEXT_CLASSIFIER = "input(20) -> Embedding(10000, 128) -> LSTM(128, 64) -> Linear(64, 1)"


def only(text: str) -> LayerResult:
    """The last layer of ``text``, solved."""
    return solve_spec(text).layers[-1]


def quantities(layer: LayerResult) -> list[tuple[str, str, int]]:
    return [(step.quantity, step.formula.text, step.value) for step in layer.steps]


# -- recurrent layers ----------------------------------------------------------------------


def test_text_classifier_by_hand() -> None:
    solution = solve_spec(TEXT_CLASSIFIER)
    # 10000·128; 4·(64·(128 + 64) + 2·64) = 4·12,416; 64·1 + 1
    assert [(r.type, r.output_shape, r.params) for r in solution.layers] == [
        ("Embedding", (20, 128), 1_280_000),
        ("LSTM", (20, 64), 49_664),
        ("Linear", (20, 1), 65),
    ]
    assert solution.total_params == 1_329_729


def test_lstm_counts_two_bias_vectors_per_gate() -> None:
    lstm = solve_spec(TEXT_CLASSIFIER).layers[1]
    (step,) = lstm.steps
    assert (step.quantity, step.formula.text) == ("parameters", "g*(h*(x + h) + 2*h)")
    assert dict(step.values) == {"g": 4, "h": 64, "x": 128}
    assert "b_ih and b_hh" in lstm.params_why and "Keras keeps one" in lstm.params_why
    keras = 4 * (64 * (128 + 64) + 64)  # one bias vector per gate
    assert lstm.params - keras == 4 * 64 == 256


def test_two_bias_note_is_rendered() -> None:
    text = render(solve_spec(TEXT_CLASSIFIER), "text")
    assert "4·(64·(128 + 64) + 2·64) = 49,664" in text
    assert "PyTorch keeps two bias vectors per gate, b_ih and b_hh; Keras keeps one" in text


def test_bidirectional_two_layer_lstm_shows_each_distinct_layer() -> None:
    lstm = only("input(7, 100) -> LSTM(100, 64, num_layers=2, bidirectional=True)")
    assert lstm.output_shape == (7, 128)  # D·H_out = 2·64
    assert quantities(lstm) == [
        ("layer 1, one direction", "g*(h*(x + h) + 2*h)", 42_496),  # 4·(64·164 + 128)
        ("layer 2, one direction", "g*(h*(x + h) + 2*h)", 49_664),  # x = 2·64 = 128
        ("parameters", "D*(p_1 + p_2)", 184_320),
    ]
    assert dict(lstm.steps[1].values)["x"] == 128
    assert "2·64 = 128 outputs of the layer below" in lstm.steps[1].why


def test_three_layers_share_the_later_step() -> None:
    gru = only("input(5, 10) -> GRU(10, 20, num_layers=3)")
    assert quantities(gru) == [
        ("layer 1, one direction", "g*(h*(x + h) + 2*h)", 1_920),  # 3·(20·30 + 40)
        ("each of layers 2 to 3, one direction", "g*(h*(x + h) + 2*h)", 2_520),  # 3·(20·40 + 40)
        ("parameters", "p_1 + (N - 1)*p_2", 6_960),
    ]


def test_bidirectional_single_layer() -> None:
    lstm = only("input(20, 128) -> LSTM(128, 64, bidirectional=True)")
    assert (lstm.output_shape, lstm.params) == ((20, 128), 2 * 49_664)
    assert [step.formula.text for step in lstm.steps] == ["g*(h*(x + h) + 2*h)", "D*p_1"]


def test_lstm_projection() -> None:
    lstm = only("input(4, 10) -> LSTM(10, 8, proj_size=3)")
    assert lstm.output_shape == (4, 3)  # H_out = proj_size
    (step,) = lstm.steps
    assert step.formula.text == "g*(h*(x + p) + 2*h) + p*h"
    assert step.value == 4 * (8 * (10 + 3) + 2 * 8) + 3 * 8 == 504
    assert "weight_hr of p×h = 3×8" in step.why


def test_lstm_projection_feeds_later_layers() -> None:
    lstm = only("input(4, 10) -> LSTM(10, 8, num_layers=2, bidirectional=True, proj_size=3)")
    assert lstm.output_shape == (4, 6)
    assert [step.value for step in lstm.steps] == [504, 376, 1_760]  # layer 2 reads x = 2·3
    assert dict(lstm.steps[1].values)["x"] == 6


@pytest.mark.parametrize(
    ("layer", "params"),
    [
        ("RNN(10, 20)", 640),  # 20·(10 + 20) + 2·20
        ("RNN(10, 20, bias=False)", 600),
        ("RNN(10, 20, 1, 'relu')", 640),  # nonlinearity is RNN's fourth argument
        ("GRU(10, 20)", 1_920),
        ("LSTM(10, 20)", 2_560),
        ("LSTM(20)", 2_560),  # input_size read off the shape
        ("LSTM(10, 20, batch_first=True)", 2_560),
    ],
)
def test_recurrent_counts(layer: str, params: int) -> None:
    result = only(f"input(5, 10) -> {layer}")
    assert (result.output_shape, result.params) == ((5, 20), params)


def test_rnn_single_gate_wording() -> None:
    rnn = only("input(5, 10) -> RNN(10, 20)")
    assert rnn.steps[0].why.startswith("the one gate (g = 1) has an h×x input weight")


def test_input_size_contradicting_the_shape_names_both_numbers() -> None:
    with pytest.raises(ArgumentError, match=r"input_size=32 .* has 128 features"):
        solve_spec("input(20) -> Embedding(10000, 128) -> LSTM(32, 64)")


@pytest.mark.parametrize(
    ("layer", "message"),
    [
        ("LSTM(4, 4, proj_size=4)", r"proj_size=4 must be smaller than hidden_size=4"),
        ("LSTM(4, 4, proj_size=-1)", r"proj_size must be a non-negative integer"),
        ("GRU(4, 4, dropout=1.5)", r"dropout must be a probability"),
        ("RNN(4, 4, nonlinearity='sigmoid')", r"nonlinearity must be one of 'tanh', 'relu'"),
        ("GRU(4, 4, proj_size=2)", r"GRU has no argument 'proj_size'"),
        ("LSTM(4, 4, num_layers=0)", r"num_layers must be a positive integer"),
    ],
)
def test_recurrent_refusals(layer: str, message: str) -> None:
    with pytest.raises(ArgumentError, match=message):
        solve_spec(f"input(3, 4) -> {layer}")


def test_recurrent_needs_a_sequence() -> None:
    with pytest.raises(ShapeError, match=r"LSTM needs a sequence \(L, input_size\)"):
        solve_spec("input(2, 3, 4) -> LSTM(4, 8)")


def test_dropout_on_one_layer_is_explained() -> None:
    rnn = only("input(3, 4) -> RNN(4, 8, dropout=0.5)")
    assert "with num_layers=1 it does nothing" in rnn.shape_why


# -- attention -----------------------------------------------------------------------------


def test_multihead_attention_by_hand() -> None:
    mha = only("input(10, 512) -> MultiheadAttention(512, 8)")
    assert mha.output_shape == (10, 512)
    assert quantities(mha) == [
        ("in-projection (query, key, value)", "3*E*E + 3*E", 787_968),  # 3·512² + 3·512
        ("out-projection", "E*E + E", 262_656),
        ("parameters", "p_1 + p_2", 1_050_624),
    ]
    assert "heads of 64 and adds no weights" in mha.params_why


@pytest.mark.parametrize(
    ("layer", "params"),
    [
        ("MultiheadAttention(8, 2)", 4 * 64 + 4 * 8),
        ("MultiheadAttention(8, 2, bias=False)", 4 * 64),
        ("MultiheadAttention(8, 2, add_bias_kv=True)", 4 * 64 + 4 * 8 + 2 * 8),
        ("MultiheadAttention(8, 2, bias=False, add_bias_kv=True)", 4 * 64 + 2 * 8),
        ("MultiheadAttention(8, 2, kdim=4, vdim=6)", 64 + 8 * 4 + 8 * 6 + 3 * 8 + 64 + 8),
        ("MultiheadAttention(num_heads=4)", 4 * 64 + 4 * 8),  # embed_dim read off the shape
    ],
)
def test_attention_counts(layer: str, params: int) -> None:
    result = only(f"input(3, 8) -> {layer}")
    assert (result.output_shape, result.params) == ((3, 8), params)


def test_attention_with_other_key_and_value_widths() -> None:
    mha = only("input(3, 8) -> MultiheadAttention(8, 2, kdim=4, vdim=6)")
    assert mha.steps[0].formula.text == "E*E + E*k + E*v + 3*E"
    assert mha.steps[0].value == 168


def test_heads_must_divide_the_width() -> None:
    with pytest.raises(ArgumentError, match=r"num_heads=3 does not divide embed_dim=8"):
        solve_spec("input(3, 8) -> MultiheadAttention(8, 3)")
    with pytest.raises(ArgumentError, match=r"nhead=3 does not divide d_model=8"):
        solve_spec("input(3, 8) -> TransformerEncoderLayer(8, 3)")


def test_transformer_encoder_layer_by_hand() -> None:
    layer = only("input(10, 512) -> TransformerEncoderLayer(512, 8)")
    assert layer.output_shape == (10, 512)
    assert quantities(layer) == [
        ("self-attention", "3*d*d + 3*d + d*d + d", 1_050_624),
        ("linear1", "d*f + f", 1_050_624),  # 512·2048 + 2048
        ("linear2", "f*d + d", 1_049_088),  # 2048·512 + 512
        ("norm1 and norm2", "2*(2*d)", 2_048),
        ("parameters", "p_1 + p_2 + p_3 + p_4", 3_152_384),
    ]


def test_transformer_encoder_layer_without_bias() -> None:
    layer = only("input(3, 8) -> TransformerEncoderLayer(8, 2, dim_feedforward=16, bias=False)")
    assert [step.value for step in layer.steps] == [256, 128, 128, 16, 528]


def test_encoder_activation_is_relu_or_gelu() -> None:
    with pytest.raises(ArgumentError, match=r"activation must be one of 'relu', 'gelu'"):
        solve_spec("input(3, 8) -> TransformerEncoderLayer(8, 2, activation='tanh')")


def test_a_small_transformer_text_model() -> None:
    solution = solve_spec(
        "input(16) -> Embedding(1000, 32) -> TransformerEncoderLayer(32, 4, dim_feedforward=64) "
        "-> Flatten -> Linear(2)"
    )
    encoder = 4 * 32 * 32 + 4 * 32 + (32 * 64 + 64) + (64 * 32 + 32) + 4 * 32
    assert [r.params for r in solution.layers] == [32_000, encoder, 0, 16 * 32 * 2 + 2]
    assert solution.total_params == 32_000 + 8_544 + 1_026


# -- MACs ------------------------------------------------------------------------------------


def test_lstm_macs_by_hand() -> None:
    lstm = solve_spec(TEXT_CLASSIFIER).layers[1]
    macs = lstm.layer.macs(lstm.input_shape, lstm.output_shape)
    assert macs.formula.text == "L*g*h*(x + h)"
    assert macs.value == 20 * 4 * 64 * (128 + 64) == 983_040


def test_encoder_macs_are_its_parts() -> None:
    shape = (6, 8)
    encoder = only("input(6, 8) -> TransformerEncoderLayer(8, 2, dim_feedforward=16)")
    attention = only("input(6, 8) -> MultiheadAttention(8, 2)")
    linear = only("input(6, 8) -> Linear(16)")
    parts = attention.layer.macs(shape, shape).value + 2 * linear.layer.macs(shape, (6, 16)).value
    assert encoder.layer.macs(shape, shape).value == parts


def torch_macs(result: LayerResult) -> int:
    """MACs as torch's FlopCounterMode counts them: FLOPs / 2, batch first, batch of one."""
    args = dict(result.args)
    args["batch_first"] = True
    module = getattr(torch.nn, result.type)(**args)
    x = torch.zeros(1, *result.input_shape)
    inputs: tuple[Any, ...] = (x,)
    if result.type == "MultiheadAttention":
        length = result.input_shape[0]
        inputs = (x, torch.zeros(1, length, module.kdim), torch.zeros(1, length, module.vdim))
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="LSTM with projections", category=UserWarning)
        module(*inputs)
    return int(counter.get_total_flops()) // 2


@pytest.mark.skipif(torch is None, reason="torch is the oracle for FLOPs: pip install '.[torch]'")
@pytest.mark.parametrize(
    "layer",
    [
        # torch's fused CPU LSTM kernel hides its matrix products from the counter; these
        # paths (RNN, GRU, LSTM with a projection, attention) show them.
        "RNN(4, 5, num_layers=2, bidirectional=True)",
        "RNN(4, 1, 1, 'relu', bias=False)",
        "GRU(4, 5)",
        "GRU(7, num_layers=3, bidirectional=True)",
        "LSTM(4, 5, proj_size=2)",
        "LSTM(6, num_layers=2, bidirectional=True, proj_size=4)",
        "MultiheadAttention(4, 2)",
        "MultiheadAttention(4, 2, add_bias_kv=True)",
        "MultiheadAttention(4, 2, add_zero_attn=True, add_bias_kv=True)",
        "MultiheadAttention(4, 1, kdim=3, vdim=5, bias=False)",
        "MultiheadAttention(4, 4, kdim=4, vdim=2, add_zero_attn=True)",
    ],
)
def test_macs_agree_with_torch_flop_counter(layer: str) -> None:
    result = only(f"input(5, 4) -> {layer}")
    macs = result.layer.macs(result.input_shape, result.output_shape)
    assert macs.value == torch_macs(result), macs.formula.text
