"""A formula typed as an answer: read by a grammar into sympy (never evaluated as code), and
judged by equivalence, in the terminal practice of topic symbolic."""

from __future__ import annotations

import random
from typing import Any

import pytest
import sympy
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from explainer.cli import main
from explainer.deriving.symbolic import symbol
from explainer.teaching.generate import problem_from_id
from explainer.teaching.generate.expression import FormulaError, equivalent, read_formula
from explainer.teaching.practice import Session

NAMES = ("d", "h", "c")
d, h, c = (symbol(n) for n in NAMES)


@pytest.mark.parametrize(
    "text",
    [
        "d*h + h + h*c + c",
        "(d+1)*h + (h+1)*c",
        "(d + 1)h + (h + 1)c",
        "dh + h + hc + c",
        "d·h + h + c·h + c",
        "d×h+h+c×h+c",
        "h(d + c + 1) + c",
        "2*(d*h + h + h*c + c)/2",
        "+h*(d+1) - -c*(h+1)",
        "(d+1)^1*h + c^1*(h+1)",
    ],
)
def test_equivalent_forms_read_to_the_same_formula(text: str) -> None:
    assert equivalent(read_formula(text, NAMES), d * h + h + h * c + c)


def test_powers_in_every_spelling() -> None:
    for text in ("h^2 + 2h", "h**2 + 2*h", "h² + 2h", "h(h + 2)"):
        assert sympy.expand(read_formula(text, NAMES)) == h**2 + 2 * h
    assert read_formula("7/2", ()) == sympy.Rational(7, 2)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the formula is empty"),
        ("h +", "col 4: expected a number, a size or '(', found the end"),
        ("x*h", "col 1: 'x' is not a size of this problem; its sizes are d, h, c"),
        ("__import__('os').system('true')", "col 1: '_' is not part of a formula"),
        ("h.real", "col 2: '.' is not part of a formula"),
        ("h^h", "a power must be a whole number from 0 to 12, got h"),
        ("h^-1", "got -1"),
        ("1/(h-h)", "division by zero"),
        ("(h", "col 3: expected ')', found the end"),
        ("h)", "col 2: expected the end of the formula, found ')'"),
        ("(" * 40 + "h" + ")" * 40, "nested more than 30 deep"),
        ("(h^12)^12", "the formula's degree exceeds 24"),
        ("(((2^12)^12)^12)^12", "a number of more than 4096 bits"),
        ("9" * 31, "a number of 31 digits; at most 30"),
        ("h+" * 300, "at most 400"),
        ("1e3", "'e' is not a size"),
        ("lambda: 0", "'lambda' is not a size"),
    ],
)
def test_what_is_not_a_formula_is_refused_with_its_place(text: str, message: str) -> None:
    with pytest.raises(FormulaError, match=None) as info:
        read_formula(text, NAMES)
    assert message in str(info.value)


polynomials = st.lists(
    st.tuples(st.integers(-50, 50), st.integers(0, 3), st.integers(0, 3), st.integers(0, 2)),
    min_size=1,
    max_size=6,
)


def spelled(terms: list[tuple[int, int, int, int]], style: int) -> str:
    """A polynomial written as a student might: ``*`` or juxtaposed, ``^`` or ``**`` or ``²``."""
    power = ("^", "**", "^")[style]
    parts = []
    for coefficient, *exponents in terms:
        factors = [str(abs(coefficient))]
        for name, e in zip(NAMES, exponents, strict=True):
            if e:
                factors.append(name if e == 1 else f"{name}{power}{e}")
        joined = ("*" if style == 1 else "").join(factors) if style else "*".join(factors)
        parts.append(("- " if coefficient < 0 else "+ ") + joined)
    return " ".join(parts)


@settings(max_examples=60, deadline=None)
@given(terms=polynomials, style=st.integers(0, 2))
def test_a_polynomial_written_out_reads_back_as_itself(terms: Any, style: int) -> None:
    expected = sum(coefficient * d**a * h**b * c**e for coefficient, a, b, e in terms)
    assert equivalent(read_formula(spelled(terms, style), NAMES), expected)


@settings(max_examples=60, deadline=None)
@given(text=st.text(alphabet="dhc0123456789+-*/^()· x.e_", max_size=40))
def test_any_text_is_a_formula_or_one_clear_refusal(text: str) -> None:
    try:
        expr = read_formula(text, NAMES)
    except FormulaError as exc:
        assert "\n" not in str(exc)
        return
    assert expr.free_symbols <= {d, h, c}


# -- the terminal practice ------------------------------------------------------------------


def formula_session() -> Session:
    session = Session(3, topic="symbolic", count=1)
    session.start()
    return session


def test_practice_takes_any_equivalent_formula() -> None:
    problem = problem_from_id("s3-i0-symbolic-easy-formula")
    assert problem.questions[0].answer == d * h + h + c * h + c
    for text in ("(d+1)*h + (h+1)*c", "dh + h + hc + c", "h(d+1) + c(h+1)"):
        session = formula_session()
        reply = session.feed(text)
        assert reply.startswith("Right: c·h + c + d·h + h."), reply


def test_practice_names_the_forgotten_bias_and_never_runs_the_text() -> None:
    session = formula_session()
    reply = session.feed("d*h + h*c")
    assert "Not right." in reply and "Likely mistake: the bias of each neuron" in reply
    reply = session.feed("__import__('os')")
    assert "Cannot read" in reply and "is not part of a formula" in reply
    assert "Answer with a formula in d, h, c" in reply
    reply = session.feed("d*h + h + h*c")  # a bias forgotten in one layer only: not named
    assert "Not right." in reply and "Likely mistake" not in reply


def test_practice_growth_takes_a_letter_or_the_fraction() -> None:
    for way in ("letter", "fraction"):
        session = Session(3, topic="symbolic", count=3)
        session.start()
        session.feed("(d+1)*h + (h+1)*c")
        session.feed(str(problem_from_id("s3-i1-symbolic-easy-budget").questions[0].answer))
        attempt = session.current
        assert attempt is not None and attempt.item.asks == "growth"
        right = next(choice for choice in attempt.item.choices if choice.correct)
        assert right.value == attempt.item.answer and attempt.item.answer.is_Rational
        assert session.feed(right.label if way == "letter" else str(right.value)).startswith(
            "Right:"
        )


def test_practice_command_runs_topic_symbolic_to_the_end() -> None:
    rng = random.Random(0)
    answers = "\n".join(rng.choice(["h", "2", "s", "A", "d*h"]) for _ in range(40)) + "\n"
    result = CliRunner().invoke(
        main, ["practice", "--seed", "5", "--topic", "symbolic", "--count", "3"], input=answers
    )
    assert result.exit_code == 0, result.output
    assert "Score:" in result.output and "Traceback" not in result.output


def test_the_readme_example_of_topic_symbolic_is_true() -> None:
    """test_readme runs the ``$ explainer`` blocks; this one pipes its answers in."""
    from test_readme import TEXT, matches

    command = (
        "printf 'd*h + h*c\\n(d+1)h + (h+1)c\\n' | "
        "explainer practice --seed 3 --topic symbolic --count 1"
    )
    block = TEXT.split(f"$ {command}\n", 1)[1].split("```", 1)[0]
    result = CliRunner().invoke(
        main,
        ["practice", "--seed", "3", "--topic", "symbolic", "--count", "1"],
        input="d*h + h*c\n(d+1)h + (h+1)c\n",
    )
    assert result.exit_code == 0
    assert matches(block, result.output), result.output
