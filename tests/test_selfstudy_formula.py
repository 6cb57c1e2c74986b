"""The self-study page judges a formula answer (topic symbolic) in the browser, without sympy:
its script reads the formula by the grammar of explainer/teaching/generate/expression.py, bounds its
degree in each size, and compares its exact values on a grid that sympy worked out when the
page was written. Equivalent forms are right, a named mistake is named, what is not a formula
or not a polynomial of the expected form is refused; the script's values agree with the
Python reader's everywhere both read a text. Chromium driven by Playwright, as in
tests/test_selfstudy_browser.py (skips without /usr/bin/chromium unless CI is set).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explainer.deriving.symbolic import symbol
from explainer.teaching.generate.expression import FormulaError, read_formula
from explainer.teaching.quizzes import make, selfstudy

sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
BOX = "p1-q1"  # seed 3, topic symbolic, easy: problem 1 asks the formula in d, h and c


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing (apt install chromium)")
    path = tmp_path_factory.mktemp("selfstudy") / "selfstudy.html"
    variant = make.variants(make.settings(3, 3, "symbolic", "easy"))[0]
    assert variant.quiz.problems[0].kind == "formula"
    path.write_text(selfstudy.quiz_page(variant), encoding="utf-8")
    errors: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context()
        context.route(
            "**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort()
        )
        opened = context.new_page()
        opened.on("pageerror", lambda error: errors.append(str(error)))
        opened.goto(path.as_uri())
        yield opened
        browser.close()
    assert errors == []


def answer(page: Any, text: str) -> str:
    page.fill(f"#{BOX} input[type=text]", text)
    page.click(f"#{BOX} button[type=submit]")
    return str(page.inner_text(f"#{BOX} .verdict"))


def key(page: Any) -> dict[str, Any]:
    script = "id => JSON.parse(selfStudy.unseal(document.getElementById(id).dataset.key))"
    found: dict[str, Any] = page.evaluate(script, BOX)
    return found


@pytest.mark.parametrize(
    "text",
    [
        "d*h + h + h*c + c",
        "(d+1)*h + (h+1)*c",
        "(d + 1)h + (h + 1)c",
        "dh + h + hc + c",
        "h(d + c + 1) + c",
        "d·h + h + c·h + c",
        "(2dh + 2h + 2hc + 2c)/2",
    ],
)
def test_equivalent_forms_are_right(page: Any, text: str) -> None:
    assert answer(page, text) == "Right: c·h + c + d·h + h."


def test_the_forgotten_bias_is_named_and_other_wrong_formulas_are_wrong(page: Any) -> None:
    verdict = answer(page, "d*h + h*c")
    assert verdict.startswith(
        "Wrong. Likely mistake: the bias of each neuron (or filter) forgotten"
    )
    assert answer(page, "h*(d + c)") == verdict
    assert answer(page, "d*h + h*c + 2").startswith("Wrong. Likely mistake: one bias per layer")
    assert answer(page, "d*h + h + h*c") == "Wrong."
    assert answer(page, "d*h + h + h*c + c + 1") == "Wrong."


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("x*h", "Cannot read “x*h”: col 1: “x” is not a size of this problem"),
        ("__import__('os')", "Cannot read “__import__('os')”: col 1: “_” is not part of a formula"),
        ("alert(1)", "is not a size of this problem"),
        ("h +", "expected a number, a size or “(”, found the end"),
        ("h^h", "a power must be a whole number from 0 to 12"),
        ("1/0", "division by zero"),
        ("h^3", "Not a polynomial of the expected form: its degree in h can exceed 2."),
        ("h*h*h - h*h*h + d*h", "its degree in h can exceed 2"),
        ("c*h + c + d*h + h^2/h", "Not a polynomial of the expected form: it divides by a formula"),
    ],
)
def test_what_cannot_be_judged_is_refused_with_one_line(page: Any, text: str, verdict: str) -> None:
    shown = answer(page, text)
    assert verdict in shown and "\n" not in shown
    assert page.get_attribute(f"#{BOX} .verdict", "data-verdict") == "unreadable"


def test_the_key_holds_values_on_a_full_grid_not_the_formula(page: Any) -> None:
    formula = key(page)["formula"]
    assert formula["names"] == ["d", "h", "c"] and formula["degree"] == 2
    assert len(formula["points"]) == 3**3 == len({tuple(p) for p in formula["points"]})
    d, h, c = (symbol(n) for n in "dhc")
    right = d * h + h + h * c + c
    for point, value in zip(formula["points"], formula["values"], strict=True):
        assert sympy.Integer(value) == right.xreplace(dict(zip((d, h, c), point, strict=True)))


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(alphabet="dhc0123456789+-*/^()· ²", min_size=1, max_size=24))
def test_the_script_reads_as_the_python_reader_does(page: Any, text: str) -> None:
    formula = key(page)["formula"]
    script = (
        "([t, f]) => { try { return selfStudy.formulaValues(t, f); }"
        " catch (e) { return e.message; } }"
    )
    read = page.evaluate(script, [text, formula])
    try:
        expr = read_formula(text, ("d", "h", "c"))
    except FormulaError:
        assert isinstance(read, str), (text, read)  # refused by both
        return
    if isinstance(read, str):  # read by Python, refused by the page: only for its degree bound
        assert "degree" in read or "divides" in read, (text, read)
        return
    symbols = [symbol(n) for n in "dhc"]
    for point, value in zip(formula["points"], read, strict=True):
        assert sympy.Rational(value) == expr.xreplace(dict(zip(symbols, point, strict=True))), text


def test_budget_and_growth_boxes_take_their_answers_and_name_their_mistakes(page: Any) -> None:
    for box in ("p2-q1", "p3-q1"):
        found = page.evaluate(
            "id => JSON.parse(selfStudy.unseal(document.getElementById(id).dataset.key))", box
        )
        options = page.eval_on_selector_all(f"#{box} input[type=radio]", "o => o.map(i => i.value)")
        for wrong, described in found["mistakes"].items():
            if options:
                page.check(f"#{box} input[type=radio][value='{wrong}']")
            else:
                page.fill(f"#{box} input[type=text]", wrong)
            page.click(f"#{box} button[type=submit]")
            verdict = str(page.inner_text(f"#{box} .verdict"))
            assert verdict.startswith("Wrong. Likely mistake:"), (box, wrong, verdict)
            assert unescape(re.sub(r"<[^>]+>", "", described)).split(".")[0] in verdict
        if options:
            page.check(f"#{box} input[type=radio][value='{found['answer']}']")
        else:
            page.fill(f"#{box} input[type=text]", found["answer"])
        page.click(f"#{box} button[type=submit]")
        assert page.inner_text(f"#{box} .verdict") == f"Right: {found['text']}."
        hints = page.locator(f"#{box} li.hint").count()
        assert hints >= 3
        for _ in range(hints):
            page.click(f"#{box} button[data-action=hint]")
        assert page.locator(f"#{box} li.hint:visible").count() == hints
    for button in page.query_selector_all("button[data-action=solution]"):
        button.click()
    assert page.locator(".solution:visible").count() == 3
    assert "ratio of the formulas" in page.inner_text("#solution-3")
