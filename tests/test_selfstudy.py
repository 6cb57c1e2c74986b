"""``explainer quiz --format html --self-study`` without a browser: the page is self-contained
and parses, nothing a student is to find is text of the page, every sealed key holds the
engine's answer and names the generator's mistakes, and the options are checked.

tests/test_selfstudy_browser.py drives the page itself in chromium.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from explainer.cli import main
from explainer.rendering.render import group_digits
from explainer.teaching.generate import TableRow, generate
from explainer.teaching.quizzes import make, selfstudy

SMALL = ["--seed", "7", "--count", "6", "--topic", "cnn"]  # one problem of every kind
SEALED = ("data-key", "data-sealed")  # base64: the only places the answers are


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), prog_name="explainer")


class Page(HTMLParser):
    """The page's elements: visible text (scripts and sealed attributes aside), every
    attribute, the scripts and the styles."""

    VOID = frozenset({"meta", "input", "br", "img", "link", "hr", "rect", "line", "polygon"})

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.attrs: list[tuple[str, str, str]] = []  # (tag, name, value)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self.open: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_startendtag(tag, attrs)
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attrs += [(tag, name, value or "") for name, value in attrs]
        self.elements.append((tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, (tag, self.open[-5:])
        self.open.pop()

    def handle_data(self, data: str) -> None:
        inside = self.open[-1] if self.open else ""
        {"script": self.scripts, "style": self.styles}.get(inside, self.text).append(data)

    def unsealed(self, tag: str, name: str) -> list[str]:
        """The decoded ``name`` attributes of the ``tag`` elements, in page order."""
        return [selfstudy.unseal(a[name]) for t, a in self.elements if t == tag and name in a]

    def keys(self, prefix: str = "") -> list[dict[str, Any]]:
        """The answer boxes' keys, of the boxes whose id starts with ``prefix``."""
        return [json.loads(selfstudy.unseal(a["data-key"])) for t, a in self.elements
                if t == "form" and a["id"].startswith(prefix)]  # fmt: skip


@pytest.fixture(scope="module")
def handout() -> str:
    return selfstudy.example_page("handout-cnn")


@pytest.fixture(scope="module")
def generated() -> str:
    return selfstudy.quiz_page(make.variants(make.settings(7, 6, "cnn", "easy"))[0])


def handout_answers() -> list[str]:
    """The handout CNN's counts and multi-axis shapes, as a student might write them."""
    problem = selfstudy.example_problem("handout-cnn")
    found = []
    for question in problem.questions:
        answer = question.answer
        if isinstance(answer, TableRow):
            if answer.params:
                found += [group_digits(answer.params), str(answer.params)]
            if len(answer.output_shape) > 1:  # 1568 and 512 are in the spec itself
                found += [f"{'×'.join(map(str, answer.output_shape))}"]
                found += ["x".join(map(str, answer.output_shape))]
        elif isinstance(answer, int):
            found += [group_digits(answer), str(answer), group_digits(answer, "indian")]
    return found


def test_the_page_is_self_contained_and_parses(handout: str, generated: str) -> None:
    for html in (handout, generated):
        page = Page(html)
        assert page.open == [], page.open  # every element closed
        assert len(page.scripts) == 1  # one inline script, none from elsewhere
        assert not [(tag, name) for tag, name, _ in page.attrs if name == "src"]
        assert not [tag for tag, _, _ in page.attrs if tag in ("link", "iframe", "img")]
        for tag, name, value in page.attrs:
            if name in ("href", "action", "src", "srcset", "poster"):
                assert not re.match(r"\s*(https?:)?//", value), (tag, name, value)
        assert not re.search(r"https?://", "".join(page.scripts) + "".join(page.styles))
        assert not re.search(r"@import|url\(", "".join(page.styles))


def test_no_answer_is_text_of_the_page(handout: str) -> None:
    page = Page(handout)
    text = "".join(page.text)
    attributes = " ".join(v for _, name, v in page.attrs if name not in SEALED)
    assert "Layer 16." in text and "Output shape" in text
    for answer in handout_answers():
        assert answer not in text, answer
        assert answer not in attributes, answer
        assert answer not in "".join(page.scripts), answer


def test_sealed_keys_hold_the_engines_answers_and_named_mistakes(handout: str) -> None:
    keys = Page(handout).keys()
    solution = selfstudy.example_problem("handout-cnn").solution
    expected = []
    for layer in solution.layers:
        expected += ["x".join(map(str, layer.output_shape)), str(layer.params)]
    assert [key["answer"] for key in keys] == [*expected, "883530"]
    first_conv, total = keys[1], keys[-1]
    assert first_conv["text"] == "416" and total["text"] == "883,530"
    assert "the bias of each filter forgotten" in first_conv["mistakes"]["400"]
    assert "layer 1" in total["mistakes"]["883514"]
    assert "bias of each filter forgotten" in total["mistakes"]["883514"]
    assert all(key["answer"] not in key["mistakes"] for key in keys)
    assert keys[0] | {"mistakes": {}} == {
        "answer": "16x28x28", "text": "16×28×28", "shape": True, "axes": 3, "compare": False,
        "mistakes": {}, "size": True, "fractions": [],
    }  # fmt: skip
    # The handout's first conv with its padding forgotten: 24, not 28, on both axes.
    assert "the padding forgotten" in keys[0]["mistakes"]["16x24x24"]


def test_hints_and_solutions_decode_to_html(handout: str) -> None:
    page = Page(handout)
    hints = page.unsealed("li", "data-sealed")
    assert hints[0].startswith("Output height = width = ")  # layer 1's shape: the formula first
    assert any(hint.startswith('Parameters = <span class="math">((m·n·d)+1)·k') for hint in hints)
    (solution,) = page.unsealed("div", "data-sealed")
    assert "883,530" in solution
    assert 'class="shapes"' in solution and 'class="parameters"' in solution
    assert "<svg" in solution and "16×14×14" in solution
    Page(solution)  # well nested


def test_every_wrong_choice_is_named(generated: str) -> None:
    quiz = generate(7, 6, "cnn", "easy")
    (choice,) = [p for p in quiz.problems if p.kind == "choice"]
    number = quiz.problems.index(choice) + 1
    (key,) = Page(generated).keys(f"p{number}-")
    question = choice.questions[0]
    right = next(c for c in question.choices if c.correct)
    assert key["answer"] == str(question.answer) and key["text"].startswith(f"{right.label}: ")
    for option in question.choices:
        if option.misconception is not None:
            assert option.misconception.description in key["mistakes"][str(option.value)]


def test_the_same_seed_gives_the_same_page(generated: str) -> None:
    again = selfstudy.quiz_page(make.variants(make.settings(7, 6, "cnn", "easy"))[0])
    assert again == generated


# -- the command line ---------------------------------------------------------------------------


def test_self_study_writes_one_page(tmp_path: Path) -> None:
    target = tmp_path / "study"
    result = run("quiz", *SMALL, "--format", "html", "--self-study", "-o", str(target))
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == (
        f"wrote {target}: self-study html, seed 7, 6 cnn easy problems\n"
        "  selfstudy.html     answers checked in the page, hints step by step, solutions "
        "behind a reveal\n"
    )
    assert sorted(p.name for p in target.iterdir()) == [".explainer-quiz.json", "selfstudy.html"]
    page = (target / "selfstudy.html").read_text(encoding="utf-8")
    assert page == selfstudy.quiz_page(make.variants(make.settings(7, 6, "cnn", "easy"))[0])


def test_without_o_the_page_goes_to_standard_output() -> None:
    result = run("quiz", "--format", "html", "--self-study", "--example", "handout-cnn")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == selfstudy.example_page("handout-cnn")
    assert "explainer quiz --format html --self-study --example handout-cnn" in result.stdout


def test_a_roster_gives_each_student_a_page(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("id\nalice\nbob\n", encoding="utf-8")
    target = tmp_path / "study"
    args = ["quiz", *SMALL, "--format", "html", "--self-study", "--students", str(roster)]
    result = run(*args, "-o", str(target))
    assert result.exit_code == 0, result.stderr
    assert sorted(str(p.relative_to(target)) for p in target.rglob("*.html")) == [
        "students/alice/selfstudy.html",
        "students/bob/selfstudy.html",
    ]
    assert "for each of 2 students" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--self-study"], "--self-study writes an HTML page, not markdown: add --format html"),
        (["--format", "latex", "--self-study"],
         "--self-study writes an HTML page, not latex: add --format html"),
        (["--format", "html", "--example", "handout-cnn"],
         "--example makes a self-study page: add --self-study --format html"),
        (["--format", "html", "--self-study", "--answers", "inline"],
         "--self-study keeps every answer behind its own reveal: leave out --answers inline"),
        (["--format", "html", "--self-study", "--example", "handout-cn"],
         "no example named 'handout-cn' (did you mean 'handout-cnn'?); see 'explainer examples'"),
    ],
)  # fmt: skip
def test_bad_options_are_refused_with_nothing_written(
    tmp_path: Path, args: list[str], message: str
) -> None:
    target = tmp_path / "study"
    result = run("quiz", *SMALL, *args, "-o", str(target))
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"explainer: error: {message}\n"
    assert not target.exists()


def test_a_roster_needs_a_directory(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("id\nalice\n", encoding="utf-8")
    result = run("quiz", *SMALL, "--format", "html", "--self-study", "--students", str(roster))
    assert (result.exit_code, result.stdout) == (2, "")
    assert "give -o DIR" in result.stderr


def test_an_inverse_problems_hints_print_its_working(generated: str) -> None:
    """Seed 7's cnn quiz holds an inverse problem: its working hints are printed math, never
    the data object they come from (the page once showed ``Formula(text=...)``)."""
    hints = Page(generated).unsealed("li", "data-sealed")
    working = [hint for hint in hints if hint.startswith(("The unknown", "With the numbers"))]
    assert working, "the quiz lost its inverse problem: pick a seed that has one"
    assert not [hint for hint in hints if "Formula(" in hint or "Working(" in hint]
    assert any('<span class="math">' in hint for hint in working)
