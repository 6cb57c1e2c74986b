"""In a notebook a Solution displays itself: its Markdown, LaTeX and HTML are the rendered
documents (the HTML page inside an iframe, so that its style sheet keeps to itself)."""

from __future__ import annotations

import html
import re

import pytest

from explainer import Solution, render, solve_example, solve_spec


@pytest.fixture(scope="module")
def solution() -> Solution:
    return solve_example("handout-cnn")


def test_markdown(solution: Solution) -> None:
    assert solution._repr_markdown_() == render(solution, "markdown")


def test_latex(solution: Solution) -> None:
    assert solution._repr_latex_() == render(solution, "latex")


def test_html_is_the_page_in_an_iframe(solution: Solution) -> None:
    shown = solution._repr_html_()
    assert shown.startswith('<iframe srcdoc="')
    match = re.search(r'srcdoc="([^"]*)"', shown)
    assert match is not None
    assert html.unescape(match[1]) == render(solution, "html")
    assert "<style" not in shown  # the page's styles stay inside the frame, escaped


def test_every_solution_has_them() -> None:
    small = solve_spec("input(1024) -> FCwB(256) -> FC(128) -> Maxpool(3) -> FC(3)")
    for method in ("_repr_markdown_", "_repr_latex_", "_repr_html_"):
        assert callable(getattr(small, method))


def test_ipython_picks_them_up(solution: Solution) -> None:
    formatters = pytest.importorskip("IPython.core.formatters")
    data, _ = formatters.format_display_data(solution)
    assert data["text/markdown"] == render(solution, "markdown")
    assert data["text/latex"] == render(solution, "latex")
    assert data["text/html"] == solution._repr_html_()
