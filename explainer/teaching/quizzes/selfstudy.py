"""The self-study page (``explainer quiz --format html --self-study``): one offline HTML file in
which every answer is checked in the page, hints come one derivation step at a time and each
problem's worked solution, with its shape diagram and parameter chart, waits behind a reveal.

Nothing a student is to find is text of the page: every answer box carries a *key* (base64 of
a JSON object: the answer in its canonical spelling, the answer as the key prints it, and the
named mistakes by their canonical value), every hint and every solution is base64 of its HTML,
and the page's script decodes them on Check, Hint and Show. Base64 keeps the answers out of
sight, not out of reach of a determined reader: the page is for practice, never for an exam.

Canonical spellings, what the script compares: a number as its digits (``883530``), a shape as
its sizes joined by ``x`` (``16x14x14``). The script reads what is typed the way
:func:`explainer.teaching.practice.parse_answer` does (``883,530``, ``8,83,530``, ``16×14×14``,
``[16, 14, 14]``, ``(16,14,14)``).

The boxes, hints and mistakes are ``explainer practice``'s
(:func:`explainer.teaching.practice.items`); a table problem's row becomes two boxes, its output
shape and its parameters. With
``--example NAME`` the page holds one table problem on a bundled example (the handout's CNN).
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
import sympy

from ...deriving.formula import ordered
from ...deriving.solve import solve
from ...deriving.symbolic import symbol
from ...errors import literal
from ...reading import bank
from ...reading.roster import Student
from ...records import record
from ...rendering.printing import UnicodePrinter
from ...rendering.quiz_documents import Settings, Variant, environment
from ...rendering.render import group_digits
from ...rendering.workings import working_json
from ..generate import Problem, Question, TableRow
from ..practice import READ_AS_FORMULA, Answer, Item, fractional, items, row_items, table_problem
from . import make

PAGE = "selfstudy.html"
TEMPLATE = "selfstudy.html"
_COUNTS = ("params", "total", "blank")  # answers that are parameter counts: grouped


@record
class Box:
    """One answer box. ``part`` is ``shape`` or ``params`` for the two boxes of a table row."""

    id: str  # an element id, unique in the page: "p1-L3-shape"
    part: str | None
    item: Item


@record
class Asked:
    question: Question
    boxes: tuple[Box, ...]


@record
class Exercise:
    number: int
    problem: Problem
    asked: tuple[Asked, ...]


# -- checking the options ---------------------------------------------------------------------


def check(
    fmt: str,
    answers: str,
    self_study: bool,
    example: str | None,
    students: tuple[Student, ...],
    to_stdout: bool,
) -> None:
    """Refuse what a self-study page cannot be, before any work is done."""
    if not self_study:
        raise make.QuizError("{example} makes a self-study page: add {self_study} {fmt} html")
    if fmt != "html":
        raise make.QuizError(
            f"{{self_study}} writes an HTML page, not {literal(fmt)}: add {{fmt}} html"
        )
    if answers == "inline":
        raise make.QuizError(
            "{self_study} keeps every answer behind its own reveal: leave out {answers} inline"
        )
    if example is not None:
        bank.example(example)  # an unknown name fails here, with a "did you mean"
        if students:
            raise make.QuizError(
                "{example} makes one page, the same for everyone: leave out {students}"
            )
    if students and to_stdout:
        raise make.QuizError("{students} writes a self-study page per student: give {output} DIR")


# -- the page's contents ---------------------------------------------------------------------


def files(chosen: Settings, students: tuple[Student, ...], example: str | None) -> dict[str, bytes]:
    """The page (a roster: one per student, in ``students/<id>/``), by its relative path."""
    if example is not None:
        return {PAGE: example_page(example).encode("utf-8")}
    written: dict[str, bytes] = {}
    for variant in make.variants(chosen, students):
        prefix = f"students/{variant.student.id}/" if variant.student is not None else ""
        written[prefix + PAGE] = quiz_page(variant).encode("utf-8")
    return written


def quiz_page(variant: Variant) -> str:
    problems = variant.quiz.problems
    return _render(
        quiz=variant.quiz,
        student=variant.student,
        example=None,
        command=f"{variant.command} --format html --self-study",
        exercises=tuple(exercise(n, problem) for n, problem in enumerate(problems, 1)),
    )


def example_page(name: str) -> str:
    """The page of one table problem on the bundled example ``name``."""
    return _render(
        quiz=None,
        student=None,
        example=bank.example(name),
        command=f"explainer quiz --format html --self-study --example {name}",
        exercises=(exercise(1, example_problem(name)),),
    )


def example_problem(name: str) -> Problem:
    """The handout's exam table on a bundled example: every layer's output shape and
    parameters, and the total. Its id is the example's name."""
    chosen = bank.example(name)
    solution = solve(chosen.architecture(), chosen.title)
    return table_problem(solution, chosen.spec, name)


def exercise(number: int, problem: Problem) -> Exercise:
    prefix = f"p{number}"
    return Exercise(number, problem, tuple(_asked(problem, q, prefix) for q in problem.questions))


def _asked(problem: Problem, question: Question, prefix: str) -> Asked:
    base = f"{prefix}-{question.id}"
    if not isinstance(question.answer, TableRow):
        return Asked(question, (Box(base, None, _item(problem, question)),))
    shape, params = row_items(problem, question)
    return Asked(question, (Box(f"{base}-shape", "shape", shape),
                            Box(f"{base}-params", "params", params)))  # fmt: skip


def _item(problem: Problem, question: Question) -> Item:
    """Practice's item for one question: its hint stages and its named mistakes."""
    return items(dataclasses.replace(problem, questions=(question,)))[0]


# -- what the page carries encoded -----------------------------------------------------------


def canonical(answer: Answer) -> str:
    """What the page's script compares: ``883530``, ``16x14x14``."""
    return "x".join(map(str, answer)) if isinstance(answer, tuple) else str(answer)


def answer_text(item: Item) -> str:
    """The answer as a verdict shows it: counts grouped (12,832), shapes 16×14×14, a formula
    in named sizes as the solution prints it (c·h + c + d·h + h)."""
    answer = item.answer
    if isinstance(answer, tuple):
        return "×".join(map(str, answer))
    if item.asks in READ_AS_FORMULA:
        text = UnicodePrinter().doprint(ordered(answer))
    else:
        text = group_digits(answer) if item.asks in _COUNTS else str(answer)
    right = next((choice for choice in item.choices if choice.correct), None)
    return f"{right.label}: {text}" if right is not None else text


def key(box: Box, describe: Callable[..., object]) -> str:
    """A box's key, sealed. ``describe(mistake, item, first)`` (a template macro) words a
    mistake; every mistake of a value is named, the likeliest first, and none names the
    right answer. ``fractions``: what a fractional size names (the floor forgotten)."""
    item = box.item
    right = canonical(item.answer)
    mistakes: dict[str, list[str]] = {}
    for mistake in item.mistakes:
        value = canonical(mistake.value)
        named = mistakes.setdefault(value, []) if value != right else []
        text = str(describe(mistake, item, not named))
        if value != right and text not in named:
            named.append(text)
    found = fractional(item)
    data = {
        "answer": right,
        "text": answer_text(item),
        "shape": item.shape,
        "axes": len(item.answer) if isinstance(item.answer, tuple) else 0,
        # "too high" says nothing of a layer, a formula or a fraction
        "compare": not item.shape and item.asks not in ("layer", *READ_AS_FORMULA),
        "mistakes": {value: " ".join(texts) for value, texts in mistakes.items()},
        "size": found.size,
        "fractions": [[v.numerator, v.denominator, why] for v, why in found.named],
    }
    if item.asks == "formula":
        data["formula"] = formula_key(item, mistakes_of(item, describe))
    return seal(json.dumps(data, ensure_ascii=False, separators=(",", ":")))


# Where a formula answer is evaluated: distinct whole values of each size. A polynomial whose
# degree in each of its n sizes is at most D is fixed by its values on D + 1 values of each
# size (a grid of (D + 1)^n points), so two such polynomials that agree there are equal.
GRID = (2, 3, 5, 7, 11, 13, 17, 19)
SLACK = 1  # the degree a student's formula may have beyond the answer's (h·(h + 1) − h²)


def formula_key(item: Item, mistakes: list[tuple[Any, str]]) -> dict[str, Any]:
    """What the page needs to judge a formula without sympy: the sizes, the degree D the
    student's formula may have in each (its script bounds it as it reads, and refuses a
    formula that could exceed it or divides by a size), the grid, and the exact values there
    of the answer and of each named mistake, worked out here by sympy."""
    symbols = [symbol(name) for name in item.sizes]
    bound = max(sympy.Poly(item.answer, *symbols).degree_list()) + SLACK
    points = list(itertools.product(GRID[: bound + 1], repeat=len(symbols)))

    def at(expr: Any) -> list[str]:
        return [str(expr.xreplace(dict(zip(symbols, point, strict=True)))) for point in points]

    named = [
        [at(value), text]
        for value, text in mistakes
        if max(sympy.Poly(value, *symbols).degree_list()) <= bound
    ]
    return {
        "names": list(item.sizes),
        "degree": bound,
        "points": [list(point) for point in points],
        "values": at(item.answer),
        "mistakes": named,
    }


def mistakes_of(item: Item, describe: Callable[..., object]) -> list[tuple[Any, str]]:
    return [(m.value, str(describe(m, item, True))) for m in item.mistakes]


def seal(text: object) -> str:
    """Base64 of the UTF-8 text: what the script's ``unseal`` reads back."""
    return base64.b64encode(str(text).encode("utf-8")).decode("ascii")


def unseal(sealed: str) -> str:
    return base64.b64decode(sealed).decode("utf-8")


# -- rendering --------------------------------------------------------------------------------


def _render(**context: Any) -> str:
    return _environment().get_template(TEMPLATE).render(**context)


@functools.cache
def _environment() -> jinja2.Environment:
    """The quiz's HTML environment, with ``seal`` and ``key``, and ``hint_working``: a hint's
    inverse working printed in parts, as practice's terminal hints print it (the quiz's own
    ``working`` filter takes a whole question)."""
    base = environment("html")
    env = base.overlay()
    env.filters = {**base.filters, "seal": seal, "key": key, "hint_working": working_json}
    return env


def summary(target: Path, chosen: Settings, written: dict[str, bytes], example: str | None) -> str:
    """What ``explainer quiz --self-study -o DIR`` prints after writing."""
    if example is not None:
        head = f"wrote {target}: self-study html, the table of example {example}"
    else:
        plural = "s" if chosen.count != 1 else ""
        head = f"wrote {target}: self-study html, seed {chosen.seed}, {chosen.count} "
        head += f"{chosen.topic} {chosen.difficulty} problem{plural}"
    if PAGE not in written:
        students = f"{head} for each of {len(written)} students"
        return f"{students}\n  {'students/<id>/':<18} {PAGE}: each student's own\n"
    what = "answers checked in the page, hints step by step, solutions behind a reveal"
    return f"{head}\n  {PAGE:<18} {what}\n"
