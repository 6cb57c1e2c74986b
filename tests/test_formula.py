"""Formulas: written order survives substitution, values are exact integers."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explainer.deriving.formula import formula
from explainer.deriving.steps import derive
from explainer.rendering.printing import LatexPrinter, UnicodePrinter
from explainer.rendering.render import group_digits


def show(text: str, values: dict[str, int]) -> str:
    step = derive("q", text, values, {})
    printer = UnicodePrinter(tight=step.formula.tight)
    return f"{printer.doprint(step.substituted)} = {step.value}"


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [  # the issue's own examples, character for character
        ("((m*n*d)+1)*k", {"m": 5, "n": 5, "d": 1, "k": 16}, "((5·5·1)+1)·16 = 416"),
        (
            "floor((W - F + 2*P)/S + 1)",
            {"W": 28, "F": 5, "P": 2, "S": 1},
            "⌊(28 − 5 + 2·2)/1 + 1⌋ = 28",
        ),
        ("i*o + o", {"i": 1024, "o": 256}, "1024·256 + 256 = 262400"),
        (
            "floor((W - F + 2*P)/S + 1)",
            {"W": 128, "F": 3, "P": 0, "S": 3},
            "⌊(128 − 3 + 2·0)/3 + 1⌋ = 42",
        ),
    ],
)
def test_substitution_keeps_written_order(text: str, values: dict[str, int], expected: str) -> None:
    assert show(text, values) == expected


def test_symbolic_forms_read_like_the_course() -> None:
    assert (
        UnicodePrinter(tight=formula("((m*n*d)+1)*k").tight).doprint(formula("((m*n*d)+1)*k").expr)
        == "((m·n·d)+1)·k"
    )
    size = formula("floor((W - F + 2*P)/S + 1)")
    assert UnicodePrinter(tight=size.tight).doprint(size.expr) == "⌊(W − F + 2P)/S + 1⌋"
    assert (
        LatexPrinter(tight=size.tight).doprint(size.expr)
        == r"\left\lfloor \frac{W - F + 2P}{S} + 1 \right\rfloor"
    )


def test_total_groups_counts_when_asked() -> None:
    values = {"p_1": 416, "p_5": 12832, "p_10": 803328, "p_13": 65664, "p_16": 1290}
    step = derive("total", "p_1 + p_5 + p_10 + p_13 + p_16", values, {}, counts=True)
    printer = UnicodePrinter(number=group_digits, tight=step.formula.tight)
    assert printer.doprint(step.substituted) == "416 + 12,832 + 803,328 + 65,664 + 1,290"
    assert printer.doprint(step.formula.expr) == "p₁ + p₅ + p₁₀ + p₁₃ + p₁₆"
    assert step.value == 883530


def test_huge_counts_stay_exact() -> None:
    step = derive("parameters", "i*o + o", {"i": 10**9, "o": 10**9}, {})
    assert step.value == 10**18 + 10**9
    assert type(step.value) is int


def test_symbols_in_written_order() -> None:
    assert formula("floor((W + 2*P - D*(F - 1) - 1)/S + 1)").symbols == ("W", "P", "D", "F", "S")


@pytest.mark.parametrize(
    ("digits", "expected"),
    [("western", "883,530"), ("indian", "8,83,530"), ("plain", "883530")],
)
def test_digit_grouping(digits: str, expected: str) -> None:
    assert group_digits(883530, digits) == expected


@given(st.integers(0, 10**30), st.sampled_from(["western", "indian", "plain"]))
def test_grouping_never_changes_the_number(value: int, digits: str) -> None:
    text = group_digits(value, digits)
    assert int(text.replace(",", "")) == value
    assert all(len(g) == 3 for g in text.split(",")[1:]) or digits == "indian"


_size = st.integers(1, 500)


@settings(max_examples=300, deadline=None)
@given(w=_size, f=_size, p=st.integers(0, 50), s=st.integers(1, 20), d=st.integers(1, 5))
def test_size_formula_matches_integer_arithmetic(w: int, f: int, p: int, s: int, d: int) -> None:
    numerator = w + 2 * p - d * (f - 1) - 1
    step = derive(
        "o", "floor((W + 2*P - D*(F - 1) - 1)/S + 1)", {"W": w, "P": p, "D": d, "F": f, "S": s}, {}
    )
    assert step.value == numerator // s + 1  # Python's // is the floor, also below zero
    ceil = derive(
        "o", "ceil((W + 2*P - D*(F - 1) - 1)/S + 1)", {"W": w, "P": p, "D": d, "F": f, "S": s}, {}
    )
    assert ceil.value == -(-numerator // s) + 1


@settings(max_examples=300, deadline=None)
@given(m=_size, n=_size, d=_size, k=_size)
def test_conv_formula_and_numbers_in_written_order(m: int, n: int, d: int, k: int) -> None:
    step = derive("p", "((m*n*d)+1)*k", {"m": m, "n": n, "d": d, "k": k}, {})
    assert step.value == (m * n * d + 1) * k
    printed = UnicodePrinter(tight=step.formula.tight).doprint(step.substituted)
    assert [int(x) for x in re.findall(r"\d+", printed)] == [m, n, d, 1, k]
