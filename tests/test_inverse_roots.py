"""Inverse problems find their unknown with integer arithmetic, not sympy.solveset: the roots
must be exactly the whole numbers solveset finds, for every equation of the kinds asked (a line
or a quadratic in the unknown, rational coefficients), and for the generator's own formulas."""

from __future__ import annotations

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from explainer.deriving.solve import solve
from explainer.teaching.generate import inverse
from explainer.teaching.generate.architectures import build

x = sympy.Symbol("x")


def solveset_roots(lhs: sympy.Expr, stated: int, least: int) -> tuple[int, ...] | None:
    domain = sympy.S.Naturals0 if least == 0 else sympy.S.Naturals
    found = sympy.solveset(sympy.Eq(lhs, stated), x, domain)
    if found is sympy.S.EmptySet:
        return ()
    return tuple(sorted(int(v) for v in found)) if isinstance(found, sympy.FiniteSet) else None


coefficient = st.integers(-50, 50)
divisor = st.integers(1, 6)


EQUATIONS = {
    "a": coefficient,
    "b": coefficient,
    "c": coefficient,
    "d": divisor,
    "stated": st.integers(-2000, 2000),
    "least": st.sampled_from([0, 1]),
}


@settings(max_examples=30, deadline=None)  # the developer loop; CI draws the 150 below too
@given(**EQUATIONS)
def test_whole_roots_agree_with_solveset_quickly(
    a: int, b: int, c: int, d: int, stated: int, least: int
) -> None:
    check_whole_roots(a, b, c, d, stated, least)


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(**EQUATIONS)
def test_whole_roots_agree_with_solveset(
    a: int, b: int, c: int, d: int, stated: int, least: int
) -> None:
    check_whole_roots(a, b, c, d, stated, least)


def check_whole_roots(a: int, b: int, c: int, d: int, stated: int, least: int) -> None:
    lhs = (a * x**2 + b * x + c) / sympy.Integer(d)
    assert inverse._whole_roots(lhs, stated, x, least) == solveset_roots(lhs, stated, least)


@settings(max_examples=60, deadline=None)
@given(root=st.integers(0, 400), k=st.integers(1, 64), d=st.integers(1, 64), s=st.integers(1, 4))
def test_the_formulas_asked_about(root: int, k: int, d: int, s: int) -> None:
    """The shapes of the generator's equations: ((m·m·d)+1)·k (a square kernel), i·o + o, and
    (W − F + 2P)/S + 1, each with the value it was built from."""
    for lhs in ((x * x * d + 1) * k, d * x + x, (d - 3 + 2 * x) / sympy.Integer(s) + 1):
        stated = lhs.subs(x, root)
        if not stated.is_Integer:
            continue
        expected = solveset_roots(lhs, int(stated), 0)
        assert inverse._whole_roots(lhs, int(stated), x, 0) == expected
        assert expected is not None and root in expected


def test_an_equation_of_degree_three_goes_to_solveset() -> None:
    assert inverse._whole_roots(x**3 + x, 10, x, 1) == (2,)
    assert inverse._whole_roots(1 / x, 2, x, 1) == ()  # x in a denominator: solveset decides


def test_a_constant_equation() -> None:
    assert inverse._whole_roots(sympy.Integer(5), 5, x, 1) is None  # every x: not unique
    assert inverse._whole_roots(sympy.Integer(5), 6, x, 1) == ()


@pytest.mark.parametrize(
    "seeds", [range(10), pytest.param(range(10, 60), marks=pytest.mark.slow)], ids=["0-9", "10-59"]
)
def test_every_generated_inverse_working_checks_out(seeds: range) -> None:
    """Over many stacks: each posed unknown is the only whole number that gives the stated
    count, as solveset confirms, and the isolated form gives it back."""
    import random

    asked = 0
    for seed in seeds:
        rng = random.Random(seed)
        for topic in ("cnn", "mlp", "course"):
            stacked = build(rng, topic, "medium")
            solution = solve(stacked)
            for _, step, unknown in inverse.candidates(solution):
                working = inverse.work(step, unknown)
                if working is None:
                    continue
                asked += 1
                lhs = working.equation.doit()
                unknown_symbol = next(iter(lhs.free_symbols))
                least = 0 if unknown == "P" else 1
                assert working.solutions == (working.value,)
                assert solveset_roots(lhs.xreplace({unknown_symbol: x}), working.stated, least) == (
                    working.value,
                )
    assert asked > 10 * len(seeds)  # some seventeen a seed
