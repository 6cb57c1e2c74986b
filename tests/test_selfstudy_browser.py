"""The self-study page in a real browser: Debian's chromium, driven by Playwright.

The page is opened from a file with every other request refused (it must work offline). Before
any reveal none of the handout CNN's answers is in the page's visible text; a right and a wrong
answer get their verdicts, a wrong one that a named mistake gives names it; a hint click shows
exactly one more step; the solution appears on its reveal. Every box of a generated quiz (one
problem of each kind) takes its own answer and names each of its mistakes. The script reads
answers exactly as ``explainer practice`` does.

Screenshots for review go to tests/artifacts/: the page after a few answers and hints, and the
shape diagram and the parameter chart of the revealed solution.

Needs ``pip install playwright`` (never ``playwright install``: the browser is Debian's). Skips
without /usr/bin/chromium, unless CI is set: there it must run.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from explainer.rendering.render import group_digits
from explainer.teaching.generate import TableRow
from explainer.teaching.practice import parse_answer
from explainer.teaching.quizzes import make, selfstudy

sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


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


class Opened:
    """A page loaded from a file, its script errors and any request that left the file."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.context = browser.new_context(viewport={"width": 1000, "height": 900})
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", self._console)
        self.page.goto(path.as_uri())

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith("file:"):
            route.continue_()
        else:
            self.requests.append(url)
            route.abort()

    def _console(self, message: Any) -> None:
        if message.type in ("error", "warning"):
            self.errors.append(message.text)

    def answer(self, box: str, text: str) -> str:
        """Type ``text`` into box ``box``, press Check, return the verdict."""
        self.page.fill(f"#{box} input[type=text]", text)
        self.page.click(f"#{box} button[type=submit]")
        return str(self.page.inner_text(f"#{box} .verdict"))

    def choose(self, box: str, value: str) -> str:
        self.page.check(f"#{box} input[type=radio][value='{value}']")
        self.page.click(f"#{box} button[type=submit]")
        return str(self.page.inner_text(f"#{box} .verdict"))

    def hints_shown(self, box: str) -> int:
        return int(self.page.locator(f"#{box} li.hint:visible").count())

    def key(self, box: str) -> dict[str, Any]:
        script = "id => JSON.parse(selfStudy.unseal(document.getElementById(id).dataset.key))"
        key: dict[str, Any] = self.page.evaluate(script, box)
        return key

    def close(self) -> None:
        self.context.close()
        assert self.errors == []
        assert self.requests == []


@pytest.fixture
def handout(browser: Any, tmp_path: Path) -> Iterator[Opened]:
    path = tmp_path / "handout-cnn.html"
    path.write_text(selfstudy.example_page("handout-cnn"), encoding="utf-8")
    opened = Opened(browser, path)
    yield opened
    opened.close()


@pytest.fixture
def generated(browser: Any, tmp_path: Path) -> Iterator[Opened]:
    path = tmp_path / "quiz.html"
    variant = make.variants(make.settings(7, 6, "cnn", "easy"))[0]  # one problem of every kind
    path.write_text(selfstudy.quiz_page(variant), encoding="utf-8")
    opened = Opened(browser, path)
    yield opened
    opened.close()


def handout_answers() -> list[str]:
    """Every count and every multi-axis shape of the handout CNN, and its total, as typed."""
    found = []
    for question in selfstudy.example_problem("handout-cnn").questions:
        answer = question.answer
        if isinstance(answer, TableRow):
            shape = answer.output_shape
            if answer.params:
                found += [group_digits(answer.params), str(answer.params)]
            if len(shape) > 1:  # 1568 and 512 are in the spec itself
                found += ["×".join(map(str, shape)), "x".join(map(str, shape))]
        elif isinstance(answer, int):
            found += [group_digits(answer), str(answer), group_digits(answer, "indian")]
    return found


def test_no_answer_is_visible_before_a_reveal(handout: Opened) -> None:
    page = handout.page
    text = page.inner_text("body")
    assert "Layer 16." in text and "Show the solution" in text
    answers = handout_answers()
    assert "883,530" in answers and "12,832" in answers and "16×14×14" in answers
    assert [answer for answer in answers if answer in text] == []
    page.click("#p1-L1-shape button[data-action=hint]")  # a hint shows its step, no more
    assert [answer for answer in answers if answer in page.inner_text("body")] == []
    page.click("button[data-action=solution]")
    assert page.is_visible("#solution-1")
    shown = page.inner_text("#solution-1")
    assert "883,530" in shown and "12,832" in shown and "Worked solution" in shown


def test_right_and_wrong_answers_get_their_verdicts(handout: Opened) -> None:
    assert handout.answer("p1-total", "883,530") == "Right: 883,530."
    assert handout.answer("p1-total", "8,83,530") == "Right: 883,530."
    assert handout.answer("p1-total", "883530") == "Right: 883,530."
    assert handout.page.get_attribute("#p1-total", "class") == "box solved"
    wrong = handout.answer("p1-total", "883,514")
    assert wrong.startswith("Wrong. Likely mistake in layer 1, (cnn_layer_1): Conv2d(1, 16, ")
    assert "the bias of each filter forgotten" in wrong
    assert handout.answer("p1-total", "900000") == "Wrong: too high."
    assert handout.answer("p1-L1-params", "400") == (
        "Wrong. Likely mistake: the bias of each filter forgotten. (m·n·d)·k = (5·5·1)·16 = 400"
    )
    assert handout.answer("p1-L1-params", "416") == "Right: 416."
    assert handout.page.get_attribute("#p1-L1-params .verdict", "data-verdict") == "right"
    for spelling in ("16x14x14", "16 × 14 × 14", "[16, 14, 14]", "(16,14,14)", "16, 14, 14"):
        assert handout.answer("p1-L4-shape", spelling) == "Right: 16×14×14.", spelling
    assert "the channels written last" in handout.answer("p1-L4-shape", "14x14x16")
    assert "the batch dimension included" in handout.answer("p1-L4-shape", "[-1, 16, 14, 14]")
    assert handout.answer("p1-L4-shape", "16x14x15") == "Wrong."
    assert handout.answer("p1-L2-params", "0") == "Right: 0."
    assert handout.answer("p1-L1-params", "lots").startswith("Cannot read “lots”: give a whole")
    assert handout.answer("p1-L1-params", "4x4") == "Cannot read “4x4”: give a whole number."


def test_a_hint_click_shows_exactly_one_more_step(handout: Opened) -> None:
    page = handout.page
    box = "p1-L1-params"
    stages = page.locator(f"#{box} li.hint").count()
    assert (stages, handout.hints_shown(box)) == (3, 0)
    hint = f"#{box} button[data-action=hint]"
    page.click(hint)
    assert handout.hints_shown(box) == 1
    first = page.inner_text(f"#{box} li.hint >> nth=0")
    assert first.startswith("Parameters = ((m·n·d)+1)·k, where m: kernel width;")
    assert "416" not in first
    page.click(hint)
    assert handout.hints_shown(box) == 2
    assert page.inner_text(f"#{box} li.hint >> nth=1") == (
        "Parameters = ((5·5·1)+1)·16, with m = 5, n = 5, d = 1, k = 16"
    )
    page.click(hint)
    assert handout.hints_shown(box) == 3
    assert "= 416" in page.inner_text(f"#{box} li.hint >> nth=2")
    assert page.is_disabled(hint) and page.inner_text(hint) == "No more hints"
    assert handout.hints_shown("p1-L5-params") == 0  # the other boxes keep theirs


@pytest.mark.slow  # screenshots for review
def test_screenshots_of_the_course_cnn_page(handout: Opened) -> None:
    """For review: tests/artifacts/selfstudy-handout-cnn.png (answers, a mistake named, hints)
    and the revealed solution's shape diagram and parameter chart."""
    ARTIFACTS.mkdir(exist_ok=True)
    page = handout.page
    handout.answer("p1-L1-shape", "16x28x28")
    handout.answer("p1-L1-params", "400")
    for _ in range(2):
        page.click("#p1-L1-params button[data-action=hint]")
    page.locator("#p1-L1-shape").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "selfstudy-handout-cnn.png"), full_page=True)
    page.click("button[data-action=solution]")
    diagram = page.locator("#solution-1 figure.shapes")
    assert diagram.is_visible()
    assert "16×14×14" in diagram.inner_text()
    diagram.screenshot(path=str(ARTIFACTS / "selfstudy-shape-diagram.png"))
    page.locator("#solution-1 figure.parameters").screenshot(
        path=str(ARTIFACTS / "selfstudy-parameter-chart.png")
    )
    for name in ("handout-cnn", "shape-diagram", "parameter-chart"):
        assert (ARTIFACTS / f"selfstudy-{name}.png").stat().st_size > 1000


@pytest.mark.slow  # a box of every kind, each mistake of each: 14 s
def test_every_box_of_a_generated_quiz(generated: Opened) -> None:
    """Each box takes its own answer, and each of its named mistakes gets named; every hint
    opens; every solution opens. One problem of each kind."""
    page = generated.page
    boxes = page.eval_on_selector_all("form.box", "forms => forms.map(form => form.id)")
    assert len(boxes) > 6
    for box in boxes:
        key = generated.key(box)
        options = page.eval_on_selector_all(f"#{box} input[type=radio]", "o => o.map(i => i.value)")
        say = generated.choose if options else generated.answer
        for wrong, described in key["mistakes"].items():
            if options and wrong not in options:
                continue  # a mistake that gives none of the options
            verdict = say(box, _typed(wrong, key))
            assert verdict.startswith("Wrong."), (box, wrong, verdict)
            assert _text(described) in verdict
        assert say(box, _typed(key["answer"], key)) == f"Right: {key['text']}.", box
        hints = page.locator(f"#{box} li.hint").count()
        for shown in range(1, hints + 1):
            page.click(f"#{box} button[data-action=hint]")
            assert generated.hints_shown(box) == shown
    for button in page.query_selector_all("button[data-action=solution]"):
        button.click()
    assert page.locator(".solution:visible").count() == 6
    assert page.locator(".solution figure.shapes:visible").count() == 6


def _typed(canonical: str, key: dict[str, Any]) -> str:
    """A canonical answer as a student types it (a shape with the batch's -1 needs a list)."""
    return "[" + ", ".join(canonical.split("x")) + "]" if key["shape"] else canonical


def _text(html: str) -> str:
    """What the browser shows of a mistake's HTML (the tags of its math dropped)."""
    return " ".join(unescape(re.sub(r"<[^>]+>", "", html)).split())


READINGS = [
    "883530", "883,530", "8,83,530", "883_530", "883 530", "0416", "1,216", "3,136",
    "16x14x14", "16×14×14", "16 X 14 * 14", "[16, 14, 14]", "(16,14,14)", "(16,)", "[-1, 16]",
    "[-2, 16]", "[16, -1]", "16, 14, 14", "16 14 14", "3,136", "1,216", "12,34", "abc", "",
    "()", "[]", "16x", "16,14,", " 42 ", "1,2,3,4",
]  # fmt: skip


def test_the_page_reads_answers_as_practice_does(handout: Opened) -> None:
    for axes in (0, 1, 2, 3):
        for text in READINGS:
            read = handout.page.evaluate("([t, a]) => window.selfStudy.parse(t, a)", [text, axes])
            expected = parse_answer(text, axes=axes)
            if isinstance(expected, tuple):
                assert read == [str(size) for size in expected], (text, axes)
            else:
                assert read == (None if expected is None else str(expected)), (text, axes)


@pytest.fixture
def handout_mlp(browser: Any, tmp_path: Path) -> Iterator[Opened]:
    path = tmp_path / "handout-mlp.html"
    path.write_text(selfstudy.example_page("handout-mlp"), encoding="utf-8")
    opened = Opened(browser, path)
    yield opened
    opened.close()


def test_the_handouts_own_slips_are_named_in_the_page(handout_mlp: Opened) -> None:
    """Layer 5 is the handout's Maxpool(3) on 128: 42. Its written row drops the + 1 (41);
    rounding up gives 43; no floor gives 42.67, or 41.67 without the + 1 too."""
    box = "p1-L5-shape"
    slip = handout_mlp.answer(box, "41")
    assert slip.startswith("Wrong. Likely mistake: the “+ 1” of the size formula forgotten, as in")
    assert "handout's Maxpool row" in slip and "42" not in slip.split("= 41")[0][-40:]
    assert "rounded up instead of taking the floor" in handout_mlp.answer(box, "43")
    floorless = handout_mlp.answer(box, "42.67")
    assert floorless.startswith("Wrong: sizes are whole numbers: take the floor")
    assert "Likely mistake: the floor forgotten" in floorless
    assert "the floor and the “+ 1” both forgotten" in handout_mlp.answer(box, "125/3")
    assert "the stride ignored" in handout_mlp.answer(box, "126")
    assert handout_mlp.answer(box, "42") == "Right: 42."
    params = handout_mlp.answer("p1-L6-params", "123")  # 41·3: the slip carried into FC(3)
    assert "Likely mistake in layer 5, Maxpool(3)" in params and "less" not in params
