"""Every combination of `explainer solve`'s output options either works, each option showing in
the document, or is refused once: exit code 2, one line naming an option given, nothing on
standard output. The options are checked in one place (rendering.options.Options), which names
them as the library's arguments; the command line names its flags, as click's param_hint."""

from __future__ import annotations

import itertools

import pytest
from click.testing import CliRunner, Result

from explainer.api import render_solution, solve_example
from explainer.cli import main
from explainer.errors import OptionError
from explainer.rendering.options import FORMATS, Options

EXAMPLE = "lstm-classifier"  # an LSTM: --compare-frameworks has a count to add
FLAGS = {"fade": ("--fade", "2"), "show": ("--show", "macs"), "compare": ("--compare-frameworks",)}


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def _solve(fmt: str, given: tuple[str, ...]) -> Result:
    args = [arg for name in given for arg in FLAGS[name]]
    return run("solve", "--example", EXAMPLE, "--format", fmt, *args)


COMBINATIONS = [
    (fmt, given)
    for fmt in FORMATS
    for size in range(len(FLAGS) + 1)
    for given in itertools.combinations(FLAGS, size)
]


def _id(value: str | tuple[str, ...]) -> str:
    return value if isinstance(value, str) else "+".join(value) or "none"


@pytest.mark.parametrize(("fmt", "given"), COMBINATIONS, ids=_id)
def test_a_combination_works_or_is_refused_once(fmt: str, given: tuple[str, ...]) -> None:
    result = _solve(fmt, given)
    if result.exit_code == 2:
        assert result.stdout == ""
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("explainer: error: ")
        assert any(FLAGS[name][0] in lines[0] for name in given), lines[0]
        return
    assert (result.exit_code, result.stderr) == (0, "")
    for name in given:  # nothing dropped: leaving one option out changes the document
        without = _solve(fmt, tuple(other for other in given if other != name))
        assert without.exit_code == 0
        assert without.stdout != result.stdout, f"{FLAGS[name][0]} changed nothing"


def test_the_refusals_are_the_ones_that_would_drop_or_give_away_something() -> None:
    refused = {(fmt, given) for fmt, given in COMBINATIONS if _solve(fmt, given).exit_code == 2}
    expected = {
        (fmt, given)
        for fmt, given in COMBINATIONS
        if ("fade" in given and (fmt not in ("text", "markdown") or len(given) > 1))
        or (fmt == "json" and ("show" in given or "compare" in given))
    }
    assert refused == expected


SOURCES = {
    "SPEC": ("input(10) -> Linear(3)",),
    "--example": ("--example", "handout-mlp"),
    "--problem": ("--problem", "s7-i3-cnn-easy-table"),
    "--torch": ("--torch", "model.py:Net"),
    "--keras": ("--keras", "model.py:build"),
    "--hf": ("--hf", "gpt2"),
}


@pytest.mark.parametrize("pair", list(itertools.combinations(SOURCES, 2)), ids="+".join)
def test_two_sources_are_refused_once(pair: tuple[str, str]) -> None:
    result = run("solve", *(arg for name in pair for arg in SOURCES[name]))
    message = "give only one of SPEC, --example, --problem, --torch, --keras and --hf"
    assert (result.exit_code, result.stdout, result.stderr) == (
        2,
        "",
        f"explainer: error: {message}\n",
    )


UNKNOWN = ("input(d) -> Linear(h)", "--let", "d=3", "--solve-for", "h", "--total", "40")


@pytest.mark.parametrize(
    "args",
    [
        ("--hf", "gpt2", "--depth", "1"),
        ("--hf", "gpt2", "--fade", "1"),
        (*UNKNOWN, "--fade", "1"),
        (*UNKNOWN, "--show", "macs"),
    ],
)
def test_options_a_path_cannot_use_are_refused(args: tuple[str, ...]) -> None:
    result = run("solve", *args)
    assert result.exit_code == 2 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1


def test_the_library_names_arguments_the_command_line_flags() -> None:
    with pytest.raises(OptionError) as caught:
        Options("html", fade=1)
    assert str(caught.value) == "fade works with the text and markdown formats, not html"
    assert caught.value.worded({"fade": "--fade"}) == (
        "--fade works with the text and markdown formats, not html"
    )
    with pytest.raises(OptionError, match=r"^fade blanks the shape and parameter steps"):
        render_solution(solve_example("handout-mlp"), "text", show=("macs",), fade=1)


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"fmt": "pdf"}, "fmt"),
        ({"digits": "roman"}, "digits"),
        ({"show": ("flops",)}, "show"),
        ({"fade": -1}, "fade"),
        ({"depth": 0}, "depth"),
    ],
)
def test_a_bad_value_is_refused_where_the_options_are_made(
    kwargs: dict[str, object], named: str
) -> None:
    with pytest.raises(OptionError) as caught:
        Options(**kwargs)
    assert str(caught.value).startswith(named) and "--" not in str(caught.value)
