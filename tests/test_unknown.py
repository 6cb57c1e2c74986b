"""--solve-for: the whole-number answer, held to the plain derivation on both sides."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from explainer.api import solve_spec
from explainer.cli import main
from explainer.deriving.unknown import solve_for
from explainer.errors import ExplainerError
from explainer.rendering.options import FORMATS

SPECS = [
    "input(d) -> Linear(h) -> ReLU -> Linear(c)",
    "input(d) -> Linear(h) -> ReLU -> Linear(h) -> ReLU -> Linear(c)",
    "input(d) -> Linear(h, bias=False) -> Linear(h) -> Linear(c)",
    "input(c, 12, 12) -> Conv2d(c, h, 3) -> ReLU -> Conv2d(h, h, 3, padding=1) -> Flatten "
    "-> Linear(d)",
]


def plain_total(spec: str, d: int, c: int, h: int) -> int:
    return solve_spec(spec, let={"d": d, "c": c, "h": h}).total_params


@settings(max_examples=40, deadline=None)
@given(
    spec=st.sampled_from(SPECS),
    d=st.integers(1, 300),
    c=st.integers(1, 30),
    budget=st.integers(1, 10**7),
)
def test_at_most_is_the_largest_size_within_the_budget(
    spec: str, d: int, c: int, budget: int
) -> None:
    solution = solve_spec(spec, let={"d": d, "c": c})
    try:
        working = solve_for(solution, "h", budget, exact=False)
    except ExplainerError:  # even h = 1 is over the budget
        assert plain_total(spec, d, c, 1) > budget
        return
    a = working.answer
    assert plain_total(spec, d, c, a) <= budget < plain_total(spec, d, c, a + 1)
    assert [step.value for step in working.checks] == [
        plain_total(spec, d, c, a),
        plain_total(spec, d, c, a + 1),
    ]


@settings(max_examples=30, deadline=None)
@given(
    spec=st.sampled_from(SPECS), d=st.integers(1, 300), c=st.integers(1, 30), h=st.integers(1, 500)
)
def test_total_finds_the_size_that_gives_it(spec: str, d: int, c: int, h: int) -> None:
    total = plain_total(spec, d, c, h)
    working = solve_for(solve_spec(spec, let={"d": d, "c": c}), "h", total, exact=True)
    assert working.answer == h and working.checks[0].value == total


def test_a_total_no_whole_size_gives_is_refused_with_its_neighbours() -> None:
    solution = solve_spec(SPECS[0], let={"d": 784, "c": 10})
    with pytest.raises(
        ExplainerError,
        match="no whole h gives a total of exactly 1000000: "
        "h = 1257 gives 999325 and h = 1258 gives 1000120",
    ):
        solve_for(solution, "h", 1000000, exact=True)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--solve-for", "h", "--at-most", "1000"], "d, c still unknown: give them with --let"),
        (["--let", "d=3,c=2", "--solve-for", "x", "--at-most", "1000"], "names no size 'x'"),
        (["--let", "d=3,c=2", "--solve-for", "h"], "exactly one of --total N and --at-most N"),
        (["--let", "d=3,c=2", "--solve-for", "h", "--total", "5", "--at-most", "9"], "exactly one"),
        (["--let", "d=784,c=10", "--solve-for", "h", "--at-most", "100"], "h = 1 already gives"),
    ],
)
def test_what_cannot_be_solved_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["solve", SPECS[0], *args])
    assert (result.exit_code, result.stdout) == (2, "")
    assert message in result.stderr and result.stderr.count("\n") == 1


def test_a_floor_in_the_total_is_refused() -> None:
    spec = "input(3, W, W) -> Conv2d(3, 8, 3) -> MaxPool2d(2) -> Flatten -> Linear(10)"
    with pytest.raises(ExplainerError, match="not a polynomial in W"):
        solve_for(solve_spec(spec), "W", 10**6, exact=False)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_gives_the_answer_and_both_checks(fmt: str) -> None:
    args = ["solve", SPECS[1], "--let", "d=784,c=10", "--solve-for", "h", "--at-most", "1000000"]
    result = CliRunner().invoke(main, [*args, "--format", fmt])
    assert result.exit_code == 0, result.stderr
    if fmt == "json":
        data = json.loads(result.stdout)
        assert data["answer"] == 678 and data["total_expr"] == "h**2 + 796*h + 10"
        assert [c["value"] for c in data["checks"]] == [999382, 1001535]
        return
    grouped = "1{,}001{,}535" if fmt == "latex" else "1,001,535"
    assert "= 678" in result.stdout and grouped in result.stdout
