"""Readable on a phone: the HTML pages at 375 px wide in a real browser (Debian's chromium,
driven by Playwright).

At that width a picture keeps its size and scrolls sideways inside its figure, so every label
of the shape diagram and the parameter chart is drawn at least 11 px tall (the font size the
browser computes, times the scale the picture is drawn at); a table scrolls inside itself, so
no word of any cell is split over two lines (each word of a cell is measured with a DOM Range:
all its boxes share one line); and the page itself never scrolls sideways. Checked on the
worked solutions of the handout's CNN and of its exercise in the course notation (names as
FCwB-1, Maxpool-5), and on the self-study pages of the handout's CNN and of a generated quiz
in the course notation, every solution revealed.

Screenshots for review go to tests/artifacts/narrow-*.png. Needs ``pip install playwright``
(never ``playwright install``: the browser is Debian's). Skips without /usr/bin/chromium,
unless CI is set: there it must run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from explainer.api import solve_example
from explainer.rendering.render import render
from explainer.teaching.quizzes import make, selfstudy

sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
PHONE = {"width": 375, "height": 812}
SMALLEST_LABEL_PX = 11.0

# Each SVG label's drawn size: its computed font size times the scale of its picture (the
# picture's width on screen over its viewBox width).
LABEL_SIZES = """() => [...document.querySelectorAll('svg.picture')].flatMap(svg => {
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  return [...svg.querySelectorAll('text')].map(text => ({
    text: text.textContent,
    px: parseFloat(getComputedStyle(text).fontSize) * scale,
  }));
})"""

# Every word of every table cell whose boxes lie on more than one line: a word split by the
# line breaking (at a hyphen, or anywhere, as overflow-wrap: anywhere does).
SPLIT_WORDS = """() => {
  const split = [];
  for (const cell of document.querySelectorAll('td, th')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.textContent.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        if (tops.size > 1) split.push(match[0]);
      }
    }
  }
  return split;
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing (apt install chromium)")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


def _pages() -> dict[str, str]:
    course = make.variants(make.settings(3, 4, "course", "hard", ("table",)))[0]
    return {
        "solution-handout-cnn": render(solve_example("handout-cnn"), "html"),
        "solution-handout-mlp": render(solve_example("handout-mlp"), "html"),
        "selfstudy-handout-cnn": selfstudy.example_page("handout-cnn"),
        "selfstudy-course": selfstudy.quiz_page(course),
    }


PAGES = _pages()


class Phone:
    def __init__(self, name: str, page: Any) -> None:
        self.name, self.page = name, page

    def evaluate(self, script: str) -> Any:
        return self.page.evaluate(script)


# The developer loop checks the handout CNN's worked solution; the other pages (seconds each) are
# CI's.
@pytest.fixture(
    params=[
        name if name == "solution-handout-cnn" else pytest.param(name, marks=pytest.mark.slow)
        for name in sorted(PAGES)
    ]
)
def phone(request: pytest.FixtureRequest, browser: Any, tmp_path: Path) -> Iterator[Phone]:
    """The page at 375 px, every solution of a self-study page revealed; a screenshot taken."""
    name: str = request.param
    path = tmp_path / f"{name}.html"
    path.write_text(PAGES[name], encoding="utf-8")
    context = browser.new_context(viewport=PHONE, device_scale_factor=1)
    page = context.new_page()
    page.goto(path.as_uri())
    for button in page.query_selector_all("button[data-action=solution]"):
        button.click()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"narrow-{name}.png"), full_page=True)
    yield Phone(name, page)
    context.close()


def test_picture_labels_are_at_least_11_px(phone: Phone) -> None:
    labels = phone.evaluate(LABEL_SIZES)
    assert any(label["text"].endswith("-1") for label in labels), "no picture with layer labels"
    small = [(label["text"], round(label["px"], 1)) for label in labels]
    small = [(text, px) for text, px in small if px < SMALLEST_LABEL_PX - 0.05]
    assert small == [], f"{phone.name}: labels drawn under {SMALLEST_LABEL_PX} px: {small}"


def test_no_table_cell_breaks_a_word(phone: Phone) -> None:
    assert phone.page.locator("td").count() > 0
    assert phone.evaluate(SPLIT_WORDS) == [], phone.name


def test_the_page_itself_does_not_scroll_sideways(phone: Phone) -> None:
    width = phone.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{phone.name} is {width} px wide"


def test_course_names_label_the_pictures_and_the_table(browser: Any, tmp_path: Path) -> None:
    """The course notation's own names where a student looks: FCwB-1 and Maxpool-5."""
    path = tmp_path / "mlp.html"
    path.write_text(PAGES["solution-handout-mlp"], encoding="utf-8")
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(path.as_uri())
    labels = {label["text"] for label in page.evaluate(LABEL_SIZES)}
    cells = set(page.eval_on_selector_all("td", "cells => cells.map(c => c.innerText)"))
    context.close()
    assert {"FCwB-1", "FC-3", "Maxpool-5", "FC-6"} <= labels & cells
    assert not {"Linear-1", "MaxPool1d-5"} & (labels | cells)
