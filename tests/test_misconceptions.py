"""Named wrong derivations: each differs from the right answer and says what went wrong."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from explainer import solve_spec


def mistakes(text: str, index: int = 0) -> dict[str, int]:
    layer = solve_spec(text).layers[index]
    return {m.key: m.value for m in layer.layer.misconceptions(layer.input_shape)}


def test_handout_conv_mistakes() -> None:
    found = mistakes("input(1,28,28) -> Conv2d(1, 16, kernel_size=5, padding=2)")
    assert found["bias-forgotten"] == 400  # 416 - 16: one bias per filter
    assert found["bias-twice"] == 432
    assert found["spatial-multiplied"] == 416 * 28 * 28
    assert found["plus-one-forgotten"] == 27


def test_course_pooling_plus_one_forgotten_gives_the_handouts_slip() -> None:
    # The handout writes floor((128 - 3 + 2·0)/3) and still answers 42; without the + 1 it is 41.
    found = mistakes("input(128) -> Maxpool(3)")
    assert found["plus-one-forgotten"] == 41


def test_linear_without_bias_mistake_is_adding_one() -> None:
    assert mistakes("input(256) -> FC(128)") == {"bias-added": 256 * 128 + 128}


def test_grouped_conv_mentions_groups() -> None:
    assert (
        mistakes("input(8,6,6) -> Conv2d(8, 16, 3, groups=4)")["groups-ignored"]
        == (3 * 3 * 8 + 1) * 16
    )


@settings(max_examples=150, deadline=None)
@given(
    c=st.integers(1, 8), k=st.integers(1, 16), f=st.integers(1, 5), s=st.integers(1, 3),
    p=st.integers(0, 2), w=st.integers(5, 30), bias=st.booleans(),
)  # fmt: skip
def test_every_mistake_differs_from_the_right_answer(
    c: int, k: int, f: int, s: int, p: int, w: int, bias: bool
) -> None:
    layer = solve_spec(
        f"input({c},{w},{w}) -> Conv2d({c}, {k}, {f}, stride={s}, padding={p}, bias={bias})"
    ).layers[0]
    right = {"parameters": layer.params, "output height": layer.output_shape[1]}
    for mistake in layer.layer.misconceptions(layer.input_shape):
        assert mistake.value != right[mistake.quantity]
        assert mistake.description


def test_pooling_slips_each_with_its_exact_wrong_answer() -> None:
    """The handout's Maxpool(3) on 128 gives 42: its written row drops the + 1 (41), rounding
    up gives 43, a window moved one step at a time 126."""
    layer = solve_spec("input(128) -> Maxpool(3)").layers[0]
    found = {m.key: m for m in layer.layer.misconceptions(layer.input_shape)}
    assert {key: m.value for key, m in found.items()} == {
        "plus-one-forgotten": 41, "ceil-for-floor": 43, "stride-ignored": 126,
    }  # fmt: skip
    assert "handout's Maxpool row" in found["plus-one-forgotten"].description
    assert "rounded up" in found["ceil-for-floor"].description
    assert "stride ignored" in found["stride-ignored"].description


def test_padding_forgotten_and_stride_ignored_on_a_convolution() -> None:
    assert (
        mistakes("input(1,28,28) -> Conv2d(1, 16, kernel_size=5, padding=2)")["padding-forgotten"]
        == 24
    )  # the handout's first conv read as 16×24×24
    strided = mistakes("input(3,32,32) -> Conv2d(3, 8, 3, stride=2, padding=2)")  # 17
    assert strided["stride-ignored"] == 34 and strided["padding-forgotten"] == 15
    assert "padding-forgotten" not in mistakes("input(1,28,28) -> Conv2d(1, 16, 5)")
    assert "stride-ignored" not in mistakes("input(1,28,28) -> Conv2d(1, 16, 5)")


def test_channels_swapped_gives_its_count() -> None:
    assert (
        mistakes("input(1,28,28) -> Conv2d(1, 16, kernel_size=5, padding=2)")["channels-swapped"]
        == (5 * 5 * 16 + 1) * 1
    )


def test_bias_conventions_both_ways() -> None:
    """PyTorch's LSTM keeps two bias vectors per gate, Keras's one: each framework's answer
    given for the other is named."""
    torch = mistakes("input(100, 16) -> LSTM(32)")
    assert torch["one-bias-per-gate"] == 4 * (32 * (16 + 32) + 32)
    keras = solve_spec("input(100, 16) -> LSTM(32)", framework="keras").layers[0]
    (slip,) = keras.layer.misconceptions(keras.input_shape)
    assert (slip.key, slip.value) == ("two-biases-per-gate", 4 * (32 * (16 + 32) + 2 * 32))
    assert keras.params == 4 * (32 * (16 + 32) + 32)
    gru = solve_spec("input(100, 16) -> GRU(8)", framework="keras").layers[0]
    assert gru.layer.misconceptions(gru.input_shape) == ()  # reset_after=True: both count 2
