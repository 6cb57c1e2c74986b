"""Solving for a named size: the largest ``h`` whose total stays within a budget, or the ``h``
that gives a total exactly.

The total of a solution in named sizes is a formula ``T(h)``. When every other name has a
number and ``T`` is a polynomial in ``h`` with non-negative coefficients (so it grows with
``h``), sympy solves ``T(h) = N`` exactly; the whole-number answer is the floor of its positive
root, checked by substitution on both sides of the boundary: ``T(a) ≤ N < T(a + 1)``.
Nothing here formats text: the steps are data for the templates.
"""

from __future__ import annotations

from typing import Any

import sympy

from ..errors import NoAnswerError, OptionError, literal
from ..records import record
from .formula import Formula, evaluate_exact, ordered
from .solution import Solution
from .steps import Step
from .symbolic import symbol


@record
class Unknown:
    """The working of one unknown size."""

    name: str
    exact: bool  # True: T(h) = N (--total); False: the largest h with T(h) ≤ N (--at-most)
    target: int
    total: Any  # T(h), expanded, every other name given its number
    roots: tuple[Any, ...]  # sympy's solutions of T(h) = N, exact
    root: Any  # the positive real one
    answer: int
    checks: tuple[Step, Step]  # T(answer) and T(answer + 1), substituted and worked out
    solution: Solution

    @property
    def symbol(self) -> Any:
        return symbol(self.name)

    @property
    def equation(self) -> Any:
        return sympy.Eq(self.total, self.target, evaluate=False)


def solve_for(solution: Solution, name: str, target: int, *, exact: bool) -> Unknown:
    """Work out ``name`` from a solution in named sizes whose only unknown it is."""
    if name not in solution.size_names:
        listed = ", ".join(solution.size_names) or "none"
        raise OptionError(
            f"{{solve_for}} {literal(name)}: the spec names no size {literal(repr(name))} "
            f"({listed})"
        )
    others = [n for n in solution.size_names if n != name]
    if others:
        given = ",".join(f"{n}=..." for n in others)
        raise OptionError(
            f"{{solve_for}} {literal(name)}: {', '.join(others)} still unknown: give them with "
            f"{{let}} {given}"
        )
    if target < 1:
        raise OptionError(f"the total must be a positive integer, got {target}")
    h = symbol(name)
    total = sympy.expand(solution.total_params)
    _require_growing(total, h, name)
    # Over the reals: with h declared a positive integer, sympy would drop every root that is
    # not a whole number, and the answer is the floor of that root.
    real = sympy.Symbol(name)
    roots = tuple(sympy.solve(sympy.Eq(total.xreplace({h: real}), target), real))
    root = _positive_root(roots, total, h, target, name)
    answer = int(sympy.floor(root))
    checks = (_check(total, name, answer), _check(total, name, answer + 1))
    if exact and checks[0].value != target:
        raise NoAnswerError(
            f"no whole {name} gives a total of exactly {target}: {name} = {answer} gives "
            f"{checks[0].value} and {name} = {answer + 1} gives {checks[1].value}"
        )
    return Unknown(name, exact, target, total, roots, root, answer, checks, solution)


def _require_growing(total: Any, h: Any, name: str) -> None:
    """T must be a polynomial in h with non-negative coefficients, and not constant."""
    if not total.is_polynomial(h):
        raise NoAnswerError(
            f"{{solve_for}} {name}: the total {literal(str(total))} is not a polynomial in {name} "
            "(a floor or a division): solve with numbers instead"
        )
    poly = sympy.Poly(total, h)
    if poly.degree() < 1:
        raise NoAnswerError(f"{{solve_for}} {name}: the total does not depend on {name}")
    if any(coefficient < 0 for coefficient in poly.all_coeffs()):
        raise NoAnswerError(
            f"{{solve_for}} {name}: the total {literal(str(total))} does not grow with {name}"
        )


def _positive_root(roots: tuple[Any, ...], total: Any, h: Any, target: int, name: str) -> Any:
    positive = [r for r in roots if r.is_real and r.is_positive]
    # A growing polynomial crosses N once for h > 0, or not at all; below 1 is no size either.
    if len(positive) != 1 or sympy.floor(positive[0]) < 1:
        at_one = int(total.xreplace({h: 1}))
        raise NoAnswerError(
            f"no positive {name} keeps the total within {target}: {name} = 1 already gives {at_one}"
        )
    return positive[0]


def _check(total: Any, name: str, value: int) -> Step:
    """``T(h)`` with ``h = value``, as a derivation step."""
    plain = sympy.Symbol(name)  # the formula's own symbol, as a parsed formula has it
    expr = ordered(total.xreplace({symbol(name): plain}))
    formula = Formula(str(total), expr, frozenset(), (name,))
    substituted = formula.substitute({name: value})
    return Step(
        quantity=f"total parameters at {name} = {value}",
        formula=formula,
        values=((name, value),),
        meanings=((name, "the unknown size"),),
        substituted=substituted,
        value=evaluate_exact(substituted),
        why="the formula with the number in place of the name",
        counts=True,
    )
