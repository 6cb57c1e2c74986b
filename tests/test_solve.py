"""The solver against the handout's own tables, and its rules for inference and refusals."""

from __future__ import annotations

import pytest

from explainer import solve_spec
from explainer.api import solve_example
from explainer.errors import ArgumentError, ExplainerError, ShapeError, UnknownLayerError
from explainer.reading.bank import examples

# The handout's model summary, row by row: type, output shape (batch excluded), params.
HANDOUT_TABLE = [
    ("Conv2d", (16, 28, 28), 416), ("Dropout", (16, 28, 28), 0), ("ReLU", (16, 28, 28), 0),
    ("MaxPool2d", (16, 14, 14), 0), ("Conv2d", (32, 14, 14), 12832), ("Dropout", (32, 14, 14), 0),
    ("ReLU", (32, 14, 14), 0), ("MaxPool2d", (32, 7, 7), 0), ("Flatten", (1568,), 0),
    ("Linear", (512,), 803328), ("Dropout", (512,), 0), ("ReLU", (512,), 0),
    ("Linear", (128,), 65664), ("Dropout", (128,), 0), ("ReLU", (128,), 0), ("Linear", (10,), 1290),
]  # fmt: skip


def rows(text: str, shape: str | None = None) -> list[tuple[str, tuple[int, ...], int]]:
    return [(r.type, r.output_shape, r.params) for r in solve_spec(text, shape).layers]


def test_handout_cnn_table_exactly() -> None:
    solution = solve_example("handout-cnn")
    assert [(r.type, r.output_shape, r.params) for r in solution.layers] == HANDOUT_TABLE
    assert (solution.total_params, solution.trainable_params, solution.non_trainable_params) == (
        883530,
        883530,
        0,
    )


def test_handout_course_example_exactly() -> None:
    solution = solve_spec(
        "input→FCwB(256)→Dropout(0.1)→FC(128)→tanh→Maxpool(3)→FC(3)→output", "1024"
    )
    assert [(r.type, r.output_shape, r.params) for r in solution.layers] == [
        ("Linear", (256,), 262400), ("Dropout", (256,), 0), ("Linear", (128,), 32768),
        ("Tanh", (128,), 0), ("MaxPool1d", (42,), 0), ("Linear", (3,), 126),
    ]  # fmt: skip
    assert solution.total_params == 295294
    pool = solution.layers[4]
    assert pool.args["kernel_size"] == pool.args["stride"] == 3
    assert solution.layers[2].args == {"in_features": 256, "out_features": 128, "bias": False}


@pytest.mark.parametrize("name", sorted(examples()))
def test_bank_totals_match_their_sources(name: str) -> None:
    chosen = examples()[name]
    assert solve_example(name).total_params == chosen.total_params


def test_rows_add_up_to_the_total_with_its_derivation() -> None:
    solution = solve_example("vgg-16")
    assert sum(r.params for r in solution.layers) == solution.total_params == solution.total.value
    assert dict(solution.total.values) == {
        f"p_{r.index}": r.params for r in solution.layers if r.params
    }


def test_missing_in_channels_and_in_features_are_inferred() -> None:
    assert rows("input(3,32,32) -> Conv2d(16, 5) -> Flatten -> Linear(10)") == [
        ("Conv2d", (16, 28, 28), (5 * 5 * 3 + 1) * 16),
        ("Flatten", (12544,), 0),
        ("Linear", (10,), 125450),
    ]
    assert rows("input(3,32,32) -> Conv2d(out_channels=16, kernel_size=5)")[0][2] == 1216


def test_linear_acts_on_the_last_dimension() -> None:
    assert rows("input(4, 7, 20) -> Linear(20, 3)") == [("Linear", (4, 7, 3), 63)]


def test_flatten_ranges_count_the_batch_as_dimension_zero() -> None:
    assert rows("input(2,3,4,5) -> Flatten(start_dim=2)") == [("Flatten", (2, 60), 0)]
    assert rows("input(2,3,4,5) -> Flatten(1, 2)") == [("Flatten", (6, 4, 5), 0)]
    assert rows("input(2,3,4,5) -> Flatten(-2)") == [("Flatten", (2, 3, 20), 0)]


def test_pooling_ceil_mode_drops_a_window_starting_in_the_padding() -> None:
    # PyTorch: ceil((5 + 2 - 2)/2) + 1 = 4, but (4 - 1)·2 = 6 >= 5 + 1, so 3.
    solution = solve_spec("input(1,5,5) -> MaxPool2d(2, stride=2, padding=1, ceil_mode=True)")
    assert solution.layers[0].output_shape == (1, 3, 3)
    assert [s.value for s in solution.layers[0].steps] == [4, 3]


def test_grouped_and_biasless_convolutions() -> None:
    assert rows("input(8,10,10) -> Conv2d(8, 16, 3, groups=4, bias=False)")[0][2] == 3 * 3 * 2 * 16
    assert rows("input(8,10,10) -> Conv2d(8, 16, 3, groups=4)")[0][2] == (3 * 3 * 2 + 1) * 16


def test_rectangular_kernels_get_one_step_per_axis() -> None:
    layer = solve_spec("input(1,28,20) -> Conv2d(1, 4, kernel_size=(5, 3), stride=(2, 1))").layers[
        0
    ]
    assert layer.output_shape == (4, 12, 18)
    assert [s.quantity for s in layer.steps] == ["output height", "output width", "parameters"]


def test_padding_same_keeps_the_size() -> None:
    assert rows("input(3,9,9) -> Conv2d(3, 4, 4, padding='same')")[0][1] == (4, 9, 9)


@pytest.mark.parametrize(
    ("text", "error", "needles"),
    [
        ("input(1,28,28) -> Conv2d(1, 16, 5) -> MaxPool2d(2) -> Flatten -> Linear(1500, 10)",
         ArgumentError, ["layer 4", "1500", "2304", "after layer 3 (Flatten)"]),
        ("input(3,28,28) -> Conv2d(1, 16, "
         "5)", ArgumentError, ["layer 1", "in_channels=1", "3 channels"]),
        ("input(1,4,4) -> Conv2d(1, 2, 5)", ShapeError, ["kernel 5", "4 + 2·0 = 4"]),
        ("input(1,4,4) -> MaxPool2d(3, padding=2)", ArgumentError, ["padding 2", "kernel size 3"]),
        ("input(3,8,8) -> Conv2d(3, 4, 3, groups=2)", ArgumentError, ["groups=2", "in_channels=3"]),
        ("input(8) -> Conv2d(4, 3)", ShapeError, ["3-dimensional", "[8]"]),
        ("input(8) -> Linear(8, -2)", ArgumentError, ["out_features", "-2"]),
        ("input(8) -> Linear(4.5, 2)", ArgumentError, ["in_features", "4.5"]),
        ("input(8) -> Dense(4)", UnknownLayerError, ["'Dense'"]),
        ("input(8) -> Lineer(4)", UnknownLayerError, ["did you mean 'Linear'"]),
        ("input(8) -> Linear(4, bais=False)", ArgumentError, ["'bais'", "did you mean 'bias'"]),
        ("input(8) -> Dropout(-0.1)", ArgumentError, ["-0.1"]),
        ("input(3,8,8) -> Conv2d(3, 4, 3, stride=2, "
         "padding='same')", ArgumentError, ["padding='same'", "stride=2"]),
        ("input(3,8,8) -> Flatten(0)", ShapeError, ["batch"]),
        ("input(3) -> Linear(3, 2, True, 7)", ArgumentError, ["at most 3 positional"]),
    ],
)  # fmt: skip
def test_refusals_name_the_layer_and_the_numbers(
    text: str, error: type[ExplainerError], needles: list[str]
) -> None:
    with pytest.raises(error) as info:
        solve_spec(text)
    message = str(info.value)
    assert message.startswith("line 1, col ")
    for needle in needles:
        assert needle in message


def test_missing_input_shape() -> None:
    with pytest.raises(ExplainerError, match="no input shape"):
        solve_spec("Linear(3, 2)")
