"""Inverse problems: the number of filters, kernel size, number of neurons or padding that gives
a stated count or shape, solved with sympy over the engine's own formula.

The layer's derivation step names the formula and every symbol's value. The unknown's symbol
stays a symbol, the others become numbers, and the whole numbers the unknown may take that
solve the equation must be exactly the value the stack was built with. Every formula asked about
is a polynomial of degree 1 or 2 in its unknown, so those roots come from integer arithmetic on
its coefficients (the rational root of a line, the integer square root of a discriminant), each
checked by substitution; any other equation goes to ``sympy.solveset``. The isolated form
(``k = N/(d·m·n + 1)``) comes from ``sympy.solve``, once per formula and unknown: it holds no
number. Nothing here trusts its own algebra: a candidate whose solution is not unique, or not
the built value, is not asked.
"""

from __future__ import annotations

import functools
import math
import random
from fractions import Fraction
from typing import Any

import sympy
from sympy.core.parameters import evaluate
from sympy.polys.polyerrors import BasePolynomialError

from ...deriving.formula import evaluate_exact
from ...deriving.solve import LayerResult, Solution
from ...deriving.spec import Architecture
from ...deriving.steps import Step
from ..problems import Question, Working
from .architectures import write
from .posing import BLANK, Posed, Stacked, count_text, replace_argument, shape_text

# symbol -> (what it means, the argument it fills)
UNKNOWNS = {
    "k": ("filters", "out_channels"),
    "m": ("kernel size", "kernel_size"),
    "o": ("neurons", "out_features"),
    "P": ("padding", "padding"),
}
TIES = {"m": "n"}  # a square kernel: the kernel height n is the same unknown as its width m
_NONNEGATIVE = {"P"}


def pose(rng: random.Random, stacked: Stacked) -> Posed | None:
    options = candidates(stacked.solution)
    rng.shuffle(options)
    for result, step, unknown in options:
        working = work(step, unknown)
        if working is not None:
            return _posed(stacked, result, working)
    return None


def candidates(solution: Solution) -> list[tuple[LayerResult, Step, str]]:
    """Every (layer, step, unknown) an inverse question could ask about, in stack order."""
    found = []
    for result in solution.layers:
        for step in result.steps:
            values = dict(step.values)
            for symbol in step.formula.symbols:
                if symbol not in UNKNOWNS or (symbol == "P" and not result.params):
                    continue  # padding is asked of layers with weights only (not of pooling)
                tie = TIES.get(symbol)
                if tie is None or values.get(tie) == values[symbol]:
                    found.append((result, step, symbol))
    return found


def work(step: Step, unknown: str) -> Working | None:
    """Solve ``step``'s formula for ``unknown``; None if the answer would not be unique."""
    values = dict(step.values)
    answer = values[unknown]
    expr, tight, notes = step.formula.expr, step.formula.tight, []
    tie = TIES.get(unknown) if TIES.get(unknown) in values else None
    if tie:
        notes.append(f"the kernel is square: {tie} = {unknown}")
    if isinstance(expr, sympy.floor):
        if not _fits_exactly(step):
            return None
        expr, tight = expr.args[0], frozenset(p[1:] for p in tight if p[:1] == (0,))
        notes.append("the windows fit exactly, so the floor changes nothing and is dropped")
    if expr.has(sympy.floor, sympy.ceiling):
        return None
    known = {name: value for name, value in values.items() if name not in (unknown, tie)}
    x = sympy.Symbol(unknown)
    with evaluate(False):
        equation = expr.xreplace(_numbers(known) | ({sympy.Symbol(tie): x} if tie else {}))
    found = _whole_roots(equation.doit(), step.value, x, 0 if unknown in _NONNEGATIVE else 1)
    if found is None or set(found) != {answer}:
        return None
    if any(
        _gives(step, unknown, tie, other) == step.value
        for other in (answer - 1, answer + 1)
        if other >= (0 if unknown in _NONNEGATIVE else 1)
    ):
        return None  # the original formula (with its floor) gives the stated number twice
    isolated = _isolate(expr, unknown, tie, _stated_symbol(step))
    if isolated is None:
        return None
    substituted = _substitute(isolated, known | {_stated_symbol(step): step.value})
    if substituted.doit() != answer:
        return None
    meaning = UNKNOWNS[unknown][0]
    return Working(
        unknown,
        meaning,
        step.formula,
        step.value,
        equation,
        tight,
        isolated,
        substituted,
        found,
        answer,
        tuple(notes),
    )


def _posed(stacked: Stacked, result: LayerResult, working: Working) -> Posed:
    argument = UNKNOWNS[working.unknown][1]
    layers = stacked.architecture.layers[: result.index]
    masked = (*layers[:-1], replace_argument(layers[-1], argument, BLANK))
    shown = write(Architecture(masked, stacked.architecture.input_shape), stacked.topic)
    question = Question(
        "q1",
        _prompt(result, working),
        working.value,
        "argument",
        layer=result.index,
        argument=argument,
        working=working,
    )
    statement = (
        "Work backwards: one argument of the last layer below is unknown, written ?. "
        "Find it from the number given, showing the equation you solve."
    )
    return Posed(statement, (question,), shown_spec=shown)


def _prompt(result: LayerResult, working: Working) -> str:
    where = f"Layer {result.index} (the last one shown)"  # its written text holds the answer
    if working.unknown == "P":
        return (
            f"{where} turns {shape_text(result.input_shape)} into "
            f"{shape_text(result.output_shape)}. What padding does it add on each side?"
        )
    has = f"{where} has {count_text(working.stated)} parameters."
    if working.unknown == "m":
        return f"{has} Its kernel is square (m = n). What is its kernel size?"
    return f"{has} How many {working.meaning} ({UNKNOWNS[working.unknown][1]}) does it have?"


def _fits_exactly(step: Step) -> bool:
    """Whether the floor's argument is already a whole number for the step's values."""
    inner = step.formula.substitute(dict(step.values)).args[0]
    return bool(inner.doit().is_Integer)


def _gives(step: Step, unknown: str, tie: str | None, value: int) -> int:
    values = dict(step.values) | {unknown: value} | ({tie: value} if tie else {})
    return evaluate_exact(step.formula.substitute(values))


def _stated_symbol(step: Step) -> str:
    return "N" if step.quantity == "parameters" else "O"


def _whole_roots(lhs: Any, stated: int, x: Any, least: int) -> tuple[int, ...] | None:
    """The whole numbers x >= ``least`` with ``lhs`` = ``stated``, or None if every one does.

    A polynomial of degree 1 or 2 in x is solved in integers: its coefficients made whole by
    their common denominator, then the one rational root of a line, or the two of a quadratic
    whose discriminant is a perfect square (none otherwise). Each root is checked by putting it
    back. Anything else is left to ``sympy.solveset`` over the same integers.
    """
    try:
        poly = sympy.Poly(lhs - stated, x, domain=sympy.QQ)
    except BasePolynomialError:  # x in a denominator or a root, or another symbol left
        poly = None
    if poly is None or poly.degree() > 2:
        domain = sympy.S.Naturals0 if least == 0 else sympy.S.Naturals
        found = sympy.solveset(sympy.Eq(lhs, stated), x, domain)
        if found is sympy.S.EmptySet:
            return ()
        return tuple(sorted(int(v) for v in found)) if isinstance(found, sympy.FiniteSet) else None
    fractions = [Fraction(int(c.p), int(c.q)) for c in poly.all_coeffs()]  # highest power first
    scale = math.lcm(*(f.denominator for f in fractions))
    whole = [int(f * scale) for f in fractions]
    if poly.degree() <= 0:
        return None if whole[0] == 0 else ()  # 0 = 0 holds for every x; 5 = 0 for none
    roots = sorted({r for r in _integer_roots(whole) if r >= least and _value(whole, r) == 0})
    return tuple(roots)


def _integer_roots(coefficients: list[int]) -> list[int]:
    """The integer roots candidates of a x + b or a x² + b x + c (exact, no floats)."""
    if len(coefficients) == 2:
        a, b = coefficients
        return [-b // a] if b % a == 0 else []
    a, b, c = coefficients
    discriminant = b * b - 4 * a * c
    if discriminant < 0 or math.isqrt(discriminant) ** 2 != discriminant:
        return []
    root = math.isqrt(discriminant)
    return [top // (2 * a) for top in (-b + root, -b - root) if top % (2 * a) == 0]


def _value(coefficients: list[int], x: int) -> int:
    total = 0
    for coefficient in coefficients:  # Horner's rule, in integers
        total = total * x + coefficient
    return total


@functools.lru_cache(maxsize=256)
def _isolate(expr: Any, unknown: str, tie: str | None, stated: str) -> Any:
    """``unknown`` alone on one side, in symbols; None unless sympy finds exactly one form.

    Cached: the form depends only on the formula and the unknown, never on a number, and
    ``sympy.solve`` is most of an inverse problem's time."""
    names = [s.name for s in expr.free_symbols] + [stated]
    positive = {
        sympy.Symbol(name): sympy.Symbol(name, nonnegative=True)
        if name in _NONNEGATIVE
        else sympy.Symbol(name, positive=True)
        for name in sorted(names)
    }
    x = positive[sympy.Symbol(unknown)]
    if tie:
        positive[sympy.Symbol(tie)] = x
    plain = expr.doit().xreplace(positive)
    solutions = sympy.solve(sympy.Eq(plain, positive[sympy.Symbol(stated)]), x)
    if len(solutions) != 1:
        return None
    back = {new: sympy.Symbol(old.name) for old, new in positive.items() if old.name != tie}
    solution = solutions[0]
    if any(power.exp == sympy.Rational(1, 2) for power in solution.atoms(sympy.Pow)):
        # √g·√(N − k)/(√d·√k) reads better as one root: √(g·(N − k)/(d·k))
        inner = _quotient((solution**2).xreplace(back))
        with evaluate(False):
            return sympy.sqrt(inner)
    return _quotient(solution.xreplace(back))


def _substitute(expr: Any, values: dict[str, int]) -> Any:
    with evaluate(False):
        return expr.xreplace(_numbers(values))


def _quotient(expr: Any) -> Any:
    """One fraction bar, numerator over denominator: (F + O·S − S − W)/2, N·g/(d·m·n),
    kept unevaluated so that sympy does not spread the division over the terms again."""
    numerator, denominator = sympy.fraction(sympy.together(expr))
    if denominator == 1:
        return numerator
    with evaluate(False):
        return sympy.Mul(numerator, sympy.Pow(denominator, -1))


def _numbers(values: dict[str, int]) -> dict[Any, Any]:
    return {sympy.Symbol(name): sympy.Integer(value) for name, value in values.items()}
