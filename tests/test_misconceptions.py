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
