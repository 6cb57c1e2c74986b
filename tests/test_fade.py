"""Faded worked examples: ``render(solution, fmt, fade=N)`` and ``explainer solve --fade N``."""

from __future__ import annotations

import pytest
from click.testing import CliRunner, Result

from explainer import ExplainerError, render, solve_example, solve_spec
from explainer.api import bank_examples
from explainer.cli import main
from explainer.deriving.costs import with_costs
from explainer.rendering.fade import blank_last

BLANK = "(which rule gives this step?)"
SMALL = (
    "input(3, 32, 32) -> Conv2d(3, 16, kernel_size=5) -> ReLU -> MaxPool2d(2) -> Flatten "
    "-> Linear(3136, 10)"
)  # steps: conv size, conv params, pool size, flatten, linear params, total


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), prog_name="explainer")


def all_steps(name: str) -> int:
    solution = solve_example(name)
    return sum(len(layer.steps) for layer in solution.layers) + 1


@pytest.mark.parametrize("fmt", ["text", "markdown"])
@pytest.mark.parametrize("name", [example.name for example in bank_examples()])
def test_fade_0_changes_nothing(fmt: str, name: str) -> None:
    solution = solve_example(name)
    assert render(solution, fmt, fade=0) == render(solution, fmt)


@pytest.mark.parametrize("fmt", ["text", "markdown"])
@pytest.mark.parametrize("count", [1, 2, 3, 5, 100])
def test_the_last_n_steps_are_blank(fmt: str, count: int) -> None:
    solution = solve_example("handout-cnn")
    out = render(solution, fmt, fade=count)
    assert out.count(BLANK) == min(count, all_steps("handout-cnn"))


def test_last_step_first() -> None:
    solution = solve_spec(SMALL)
    one = blank_last(solution, 1)
    assert [blank.step for blank in one.blanks] == [solution.total]
    two = blank_last(solution, 2)
    linear = solution.layers[-1]
    assert [blank.step for blank in two.blanks] == [linear.params_step, solution.total]
    assert [blank.layer for blank in two.blanks] == [linear, None]
    assert not two.shapes_from  # a count is blank, no shape is


def test_fade_1_blanks_the_total_and_the_summary_that_would_give_it_away() -> None:
    solution = solve_spec(SMALL)
    out = render(solution, "text", fade=1)
    assert out.endswith("\nTotal parameters = ____ (which rule gives this step?)\n")
    assert "Summary" not in out and "Total params" not in out
    assert f"{solution.total_params:,}" not in out
    assert out.split("Total parameters")[0] == render(solution).split("Summary")[0]


def test_a_blank_shape_step_blanks_every_shape_after_it() -> None:
    solution = solve_spec(SMALL)
    fade = blank_last(solution, 3)  # the flatten step, the linear count, the total
    assert fade.shapes_from == 4
    out = render(solution, "text", fade=3)
    assert "  Shape: 16×14×14 -> ____  (the joined dimensions multiply)\n" in out
    assert "  Flattened features = ____ (which rule gives this step?)\n" in out
    assert "  Shape: ____ -> ____  (one output per neuron: 10)\n" in out
    assert "3136" not in out.split("Layer 4")[1].replace("Linear(3136, 10)", "")
    assert "  Parameters: ____\n" in out


def test_the_written_call_is_hidden_where_it_would_give_the_shape_away() -> None:
    solution = solve_spec(SMALL.replace("Linear(3136, 10)", "linear(10)"))  # means Linear(...)
    out = render(solution, "text", fade=3)
    assert "in_features=3136" not in out
    assert "in_features=3136" in render(solution, "text")
    # In the course notation the call is short, and hidden all the same; a course name's
    # PyTorch equivalent is said once, in letters (Linear(in_features, x, bias=True)).
    course = solve_spec(SMALL.replace("Linear(3136, 10)", "linear(10) -> FCwB(5)"))
    assert "(means Linear(3136, 10))" in render(course, "text")
    assert "3136" not in render(course, "text", fade=4).split("Layer 5")[1]


def test_markdown_blanks() -> None:
    out = render(solve_spec(SMALL), "markdown", fade=3)
    assert "**Flattened features** = \\_\\_\\_\\_ *(which rule gives this step?)*" in out
    assert "**Shape:** \\_\\_\\_\\_ → \\_\\_\\_\\_ (one output per neuron: 10)" in out
    assert "## Summary" not in out and "<svg" not in out


def test_two_equal_layers_only_the_last_is_blank() -> None:
    solution = solve_spec("input(8) -> Linear(8, 8) -> Linear(8, 8)")
    out = render(solution, "text", fade=2)
    assert out.count("= 72") == 1 and out.count(BLANK) == 2


@pytest.mark.parametrize("fmt", ["html", "latex", "json"])
def test_other_formats_refuse(fmt: str) -> None:
    with pytest.raises(ExplainerError, match=f"text and markdown formats, not {fmt}"):
        render(solve_spec(SMALL), fmt, fade=1)


def test_cost_steps_refused() -> None:
    with pytest.raises(ExplainerError, match="leave out show"):  # the library names no flag
        render(with_costs(solve_spec(SMALL), ("macs",)), "text", fade=1)


def test_cli_fade() -> None:
    result = run("solve", SMALL, "--fade", "2")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == render(solve_spec(SMALL), "text", fade=2)
    markdown = run("solve", SMALL, "--fade", "2", "--format", "markdown")
    assert markdown.stdout == render(solve_spec(SMALL), "markdown", fade=2)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "html"], "--fade works with the text and markdown formats, not html"),
        (["--show", "macs"], "--fade blanks the shape and parameter steps: leave out --show"),
    ],
)
def test_cli_fade_refusals_exit_2(args: list[str], message: str) -> None:
    result = run("solve", SMALL, "--fade", "1", *args)
    expected = f"explainer: error: {message}\n"
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", expected)


def test_cli_negative_fade_is_a_usage_error() -> None:
    assert run("solve", SMALL, "--fade", "-1").exit_code == 2
