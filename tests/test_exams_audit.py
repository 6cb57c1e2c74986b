"""Issue 10's points that had no test of their own (the rest are covered where they were built).

- Part 3: a find-the-error problem does not name, in its second question, the argument that is
  wrong: "what should its in_channels be?" next to "which layer is inconsistent?" gave the
  layer away when only one layer has in_channels.
- Part 6: multiple choice carries no numeric giveaway: an option is its value and nothing
  else, and a wrong option's feedback names the mistake without saying how far it is from
  the right answer ("64 less" picked the right option).
- Part 6: the worked solution of the handout's exercise notes, once, in every format, that the
  handout's written Maxpool row omits the "+ 1" and why its 42 is still right.
"""

from __future__ import annotations

import re

import pytest

from explainer.api import solve_example
from explainer.rendering.render import render
from explainer.teaching.quizzes import make

DIFFERENCE = re.compile(
    r"\b(less|more|fewer|greater|smaller|bigger|higher|lower|difference|too (high|low))\b"
)


@pytest.mark.parametrize("topic", ["mlp", "cnn", "norm"])  # course never writes an input size
def test_an_error_problem_does_not_name_the_argument_it_asks_for(topic: str) -> None:
    asked = 0
    for seed in range(8):
        quiz = make.variants(make.settings(seed, 3, topic, "medium", ("error",)))[0].quiz
        for problem in quiz.problems:
            fault = problem.fault
            assert fault is not None
            kinds = [question.asks for question in problem.questions]
            assert kinds == ["layer", "argument"]
            for question in problem.questions:
                asked += 1
                assert fault.argument not in question.prompt, (problem.id, question.prompt)
                assert f"layer {fault.layer}" not in question.prompt.lower(), problem.id
    assert asked >= 40


@pytest.fixture(scope="module")
def choice_quiz() -> tuple[make.Settings, tuple[make.Variant, ...]]:
    chosen = make.settings(5, 12, "mlp,cnn,course", "medium", ("choice",))
    return chosen, make.variants(chosen)


def test_a_choice_option_is_its_value_alone(
    choice_quiz: tuple[make.Settings, tuple[make.Variant, ...]],
) -> None:
    chosen, made = choice_quiz
    sheet = make.files(chosen, made, "markdown")["quiz.md"].decode()
    options = re.findall(r"^- \*\*[A-D]\*\* (.*)$", sheet, re.MULTILINE)
    assert len(options) >= 24
    for option in options:
        assert re.fullmatch(r"[\d,×]+", option), option


def test_a_wrong_option_names_its_mistake_without_a_distance(
    choice_quiz: tuple[make.Settings, tuple[make.Variant, ...]],
) -> None:
    chosen, made = choice_quiz
    gift = make.files(chosen, made, "gift")["quiz.gift"].decode()
    wrong = re.findall(r"~[\d,\\]+#<p>(Not this one[^<]*)</p>", gift)
    assert len(wrong) >= 24
    for feedback in wrong:
        assert "comes from a mistake" in feedback, feedback
        assert not DIFFERENCE.search(feedback), feedback
    for problem in made[0].quiz.problems:
        (question,) = problem.questions
        for choice in question.choices:
            if choice.misconception is not None:
                assert not DIFFERENCE.search(choice.misconception.description)


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex", "html", "json"])
def test_the_handout_exercise_notes_its_maxpool_slip_once(fmt: str) -> None:
    page = render(solve_example("handout-mlp"), fmt)
    assert page.count("Maxpool row") == 1, fmt
    assert page.count("its 42 is still right") == 1, fmt
    assert page.count("the + 1 counts the first window") == 1, fmt


@pytest.mark.parametrize("fmt", ["html", "latex"])
def test_the_key_works_each_problem_once_with_the_sheets_labels(fmt: str) -> None:
    """Part 5 beyond Markdown (tests/test_quiz.py): one worked solution per problem; its parts
    labelled as the sheet labels them, (a) in HTML and exam's \\part in LaTeX, never q1."""
    chosen = make.settings(7, 6, "cnn", "easy")
    made = make.variants(chosen)
    written = make.files(chosen, made, fmt)
    name = {"html": "key.html", "latex": "key.tex"}[fmt]
    key, sheet = written[name].decode(), written[name.replace("key", "quiz")].decode()
    problems = made[0].quiz.problems
    assert key.count("Worked solution") == len(problems)
    parts = sum(len(p.questions) for p in problems if p.kind != "table")
    label = "<strong>(a)</strong>" if fmt == "html" else "\\part "
    assert key.count(label) == sheet.count(label) >= parts // 2
    assert not re.search(r"\bq[1-9]\b", key)
