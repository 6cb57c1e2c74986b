"""Numbers are worded only in rendering: with --digits indian, no count anywhere is grouped the
western way. Every kind's example (the catalogue's, in both dialects) is rendered in every format,
with the other framework's count and the costs, and the derivation objects are searched too:
a count the solver formatted itself would be grouped the same whatever --digits says."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from explainer.api import render_solution, solve_spec
from explainer.cli import main
from explainer.deriving.compare import with_comparison
from explainer.deriving.costs import with_costs
from explainer.deriving.layers import FRAMEWORKS, registry
from explainer.deriving.solve import Solution, solve
from explainer.deriving.spec import Architecture, LayerSpec, Note
from explainer.deriving.steps import Step
from explainer.reading.catalogue import catalogue
from explainer.rendering.options import FORMATS
from explainer.rendering.render import render_catalogue

# A group of three digits followed by a separator: the western way above 99,999 (Indian grouping
# has at most two digits in every group before the last). The separators of text, of LaTeX math
# (262{,}400) and of Markdown math (262,\!400).
WESTERN = re.compile(r"\d{3}(?:,|\{,\}|,\\!)\d")
# Picture geometry is not a count: SVG polygon points and LaTeX colours are comma lists.
GEOMETRY = re.compile(r'points="[^"]*"|\{RGB\}\{[^}]*\}')
# Any grouping at all, for the derivation objects, which must hold no grouped number.
GROUPED = re.compile(r"\d,\d{3}\b")


def western(text: str) -> list[str]:
    text = GEOMETRY.sub("", text)
    return [text[max(0, m.start() - 60) : m.end() + 10] for m in WESTERN.finditer(text)]


def example_solution(name: str, kind: Any, framework: str) -> Solution:
    """The kind's example as the catalogue solves it (a merge on its example inputs)."""
    if not kind.example_inputs:
        return solve_spec(kind.example, framework=framework)
    first, *others = kind.example_inputs
    spec = LayerSpec(name, text=kind.example, input_shape=first, other_inputs=tuple(others))
    return solve(Architecture((spec,), first, framework=framework))


def strings(value: Any) -> Iterator[str]:
    """Every string held in a derivation object, through dataclasses, tuples and dicts; a Note's
    words are its template, whose counts are fields."""
    if isinstance(value, str):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            yield from strings(getattr(value, field.name))
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings(key)
            yield from strings(item)


def steps(solution: Solution) -> Iterator[Step]:
    """Every parameter count the solution derives, the other framework's too."""
    for layer in solution.layers:
        yield from (s for s in layer.steps if s.quantity.startswith("parameters"))
        if layer.comparison is not None:
            yield from layer.comparison.steps


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_every_kind_rendered_with_indian_digits_has_no_western_number(framework: str) -> None:
    leaks = []
    large = 0
    for name, kind in registry(framework)[0].items():
        solution = example_solution(name, kind, framework)
        large += max(layer.params for layer in solution.layers) >= 100_000
        for fmt in FORMATS:
            for compare in (False, True):
                if fmt == "json":  # JSON carries no cost steps nor comparisons
                    text = render_solution(solution, fmt, "indian")
                else:
                    text = render_solution(solution, fmt, "indian", ("macs", "memory"), compare)
                leaks += [(name, fmt, compare, hit) for hit in western(text)]
    assert not leaks, leaks
    assert large, "no example reaches 1,00,000: the western grouping would not show"


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_the_catalogue_with_indian_digits_has_no_western_number(framework: str) -> None:
    for fmt in FORMATS:
        assert not western(render_catalogue(catalogue(framework), fmt, "indian")), fmt


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_derivations_hold_integers_not_grouped_numbers(framework: str) -> None:
    """Below 1,00,000 the two groupings agree, so the rendered test cannot see a count that a
    layer formatted itself; the derivation objects must hold no grouped number at all."""
    for name, kind in registry(framework)[0].items():
        solution = with_costs(example_solution(name, kind, framework), ("macs", "memory"))
        solution = with_comparison(solution)
        found = [text for text in strings(solution) if GROUPED.search(text)]
        assert not found, (name, found)
        counts = {str(step.value) for step in steps(solution) if step.value >= 1000}
        written = [t for t in strings(solution) if counts & set(re.findall(r"\b\d+\b", t))]
        assert not written, (name, "a count written into words, ungrouped", written)


def test_compare_frameworks_groups_the_other_count_as_ours() -> None:
    """The issue's case: "Keras counts 394,240" above "= 3,94,240"."""
    spec = "input(10, 128) -> LSTM(128, 256)"
    result = CliRunner().invoke(main, ["solve", spec, "--compare-frameworks", "--digits", "indian"])
    assert result.exit_code == 0, result.output
    assert "Keras counts 3,94,240: one bias vector per gate instead of two" in result.output
    assert "= 3,94,240" in result.output
    assert not western(result.output)


def test_a_note_with_counts_is_grouped_by_the_renderer() -> None:
    note = Note("{frozen} parameters are frozen", (("frozen", 500500),))
    solution = dataclasses.replace(solve_spec("input(1000) -> Linear(1000, 500)"), notes=(note,))
    for digits, shown in (("western", "500,500"), ("indian", "5,00,500"), ("plain", "500500")):
        for fmt in ("text", "markdown", "latex", "html"):
            text = render_solution(solution, fmt, digits)
            assert f"{shown} parameters are frozen" in text, (digits, fmt)
    assert "500,500 parameters are frozen" in render_solution(solution, "json")


def test_a_note_names_exactly_its_numbers() -> None:
    with pytest.raises(ValueError, match="count"):
        Note("{count} and {other}", (("count", 1),))


def test_a_live_model_s_frozen_count_follows_digits(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    model = tmp_path / "frozen.py"
    model.write_text(
        "import torch.nn as nn\n"
        "class Net(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.a = nn.Linear(1000, 500)\n"
        "        self.b = nn.Linear(500, 10)\n"
        "        self.a.requires_grad_(False)\n"
        "    def forward(self, x):\n"
        "        return self.b(self.a(x))\n"
    )
    arguments = ["solve", "--torch", f"{model}:Net", "--input", "1000", "--digits", "indian"]
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 0, result.output
    assert "Note: 5,00,500 parameters are frozen" in result.output
    assert not western(result.output)
