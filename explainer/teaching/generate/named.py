"""Topic ``symbolic``: questions about the formula of a network whose sizes are named.

A stack names its sizes (``input(d) -> Linear(h) -> ReLU -> Linear(c)``) and the engine solves
it in them (explainer.deriving.symbolic). Three kinds of question are read off that solution:

``formula``  the total as a formula in the named sizes (``d·h + h + c·h + c``);
``budget``   the largest size whose total stays within a budget, the others given numbers:
             explainer.deriving.unknown's working (the equation, sympy's root, its floor, and
             the check by substitution on both sides of the boundary);
``growth``   the factor by which the total grows when one size is multiplied by ``s``: the
             ratio of the formulas ``T(s·h)/T(h)``, then the numbers, an exact Rational.

The named mistakes (distractors and feedback) are derived the same way from what the mistaken
student would have worked with: the stack with every bias forgotten, the root rounded up, the
count taken as proportional to the size (or to its square).
"""

from __future__ import annotations

import random
from typing import Any

import sympy

from ...deriving.formula import Formula, ordered
from ...deriving.layers.base import Misconception
from ...deriving.solve import Solution, solve
from ...deriving.spec import Architecture
from ...deriving.steps import Step
from ...deriving.symbolic import let, symbol
from ...deriving.unknown import Unknown, solve_for
from ..problems import Budget, Choice, Growth, Question
from .posing import Posed, Stacked, count_text, replace_argument

LETTERS = "ABCD"
ACTIVATIONS = ("ReLU", "Tanh", "Sigmoid", "GELU")
MEANINGS = {
    "d": "input features",
    "h": "neurons in each hidden layer",
    "c": "outputs",
    "k": "filters in each convolution",
}
# The numbers a budget or growth question gives the named sizes.
NUMBERS = {"d": (32, 64, 100, 128, 256, 300, 784, 1024), "c": (2, 3, 5, 10, 100)}
WIDTHS = (16, 32, 50, 64, 100, 128, 200, 256, 500, 512)
BUDGETS = tuple(m * 10**e for e in range(4, 8) for m in (1, 2, 5))
SCALES = (2, 3, 4)
SCALE = "what the size is multiplied by"
_BIASED = ("Linear", "Conv2d")  # the layers whose bias the "bias forgotten" mistake drops


# -- the stacks -------------------------------------------------------------------------------


def build(rng: random.Random, difficulty: str) -> str:
    """A stack in named sizes: one hidden layer (easy), two of the same width h (medium, so
    the count is quadratic in h), or two convolutions of k filters on a numbered image (hard)."""
    act = rng.choice(ACTIVATIONS)
    if difficulty == "hard":
        channels, side = rng.choice((1, 3)), rng.choice((16, 28, 32))
        kernel = rng.choice((3, 5))
        pad = kernel // 2
        layers = [
            f"Conv2d({channels}, k, {kernel}, padding={pad})",
            act,
            "MaxPool2d(2)",
            f"Conv2d(k, k, {kernel}, padding={pad}{_no_bias(rng, 0.3)})",
            act,
            "MaxPool2d(2)",
            "Flatten",
            _dropout(rng),
            "Linear(c)",
        ]
        return " -> ".join([f"input({channels}, {side}, {side})", *filter(None, layers)])
    layers = [f"Linear(h{_no_bias(rng, 0.2)})", act, _dropout(rng)]
    if difficulty == "medium":
        norm = rng.choice(("", "", "LayerNorm(h)", "BatchNorm1d(h)"))
        layers += [norm, f"Linear(h{_no_bias(rng, 0.2)})", act, _dropout(rng)]
    layers.append(f"Linear(c{_no_bias(rng, 0.2)})")
    return " -> ".join(["input(d)", *filter(None, layers)])


def _no_bias(rng: random.Random, chance: float) -> str:
    return ", bias=False" if rng.random() < chance else ""


def _dropout(rng: random.Random) -> str:
    return f"Dropout({rng.choice((0.1, 0.2, 0.5))})" if rng.random() < 0.4 else ""


def main_size(solution: Solution) -> str:
    """The size a budget or growth question is about: the hidden width, or the filters."""
    return "k" if "k" in solution.size_names else "h"


def meanings(solution: Solution) -> str:
    return ", ".join(f"{name} {MEANINGS[name]}" for name in solution.size_names)


# -- the kinds --------------------------------------------------------------------------------


def formula(rng: random.Random, stacked: Stacked) -> Posed:
    """The total as a formula in the named sizes."""
    solution = stacked.solution
    names = solution.size_names
    right = sympy.expand(solution.total_params)
    mistakes = _formula_mistakes(stacked.architecture, right)
    prompt = (
        f"Write the total number of parameters as a formula in {_listed(names)} "
        "(* for a product, ^ for a power; 2*d*h or 2dh)."
    )
    question = Question("q1", prompt, right, "formula", sizes=names, mistakes=mistakes)
    return Posed(_given(solution), (question,))


def budget(rng: random.Random, stacked: Stacked) -> Posed | None:
    """The largest size whose total stays within a budget, the other sizes given numbers."""
    solution = stacked.solution
    name = main_size(solution)
    given = {n: rng.choice(NUMBERS[n]) for n in solution.size_names if n != name}
    numbered = solve(let(stacked.architecture, given))
    fits = [b for b in BUDGETS if _answer_between(numbered, name, b, 4, 100_000)]
    if not fits:
        return None
    target = rng.choice(fits)
    unknown = solve_for(numbered, name, target, exact=False)
    total = _step("total parameters", sympy.expand(solution.total_params), given, "")
    mistakes = _budget_mistakes(stacked.architecture, given, name, target, unknown)
    prompt = (
        f"With {_numbers(given)}, what is the largest {name} for which the network has at most "
        f"{count_text(target)} parameters?"
    )
    question = Question("q1", prompt, unknown.answer, "budget", sizes=names_of(solution),
                        symbolic=Budget(name, tuple(given.items()), unknown, total),
                        mistakes=mistakes)  # fmt: skip
    return Posed(_given(solution), (question,))


def growth(rng: random.Random, stacked: Stacked) -> Posed | None:
    """The factor by which the total grows when one size is multiplied: multiple choice, the
    wrong options from the named mistakes."""
    solution = stacked.solution
    name = main_size(solution)
    given = {n: rng.choice(WIDTHS if n == name else NUMBERS[n]) for n in solution.size_names}
    scale = rng.choice(SCALES)
    worked = _growth(sympy.expand(solution.total_params), name, scale, given)
    wrong = _growth_mistakes(stacked.architecture, worked)
    options = [(worked.factor, None), *[(m.value, m) for m in wrong[: len(LETTERS) - 1]]]
    if len(options) < 3:
        return None
    rng.shuffle(options)
    choices = tuple(Choice(LETTERS[i], value, m) for i, (value, m) in enumerate(options))
    others = {n: v for n, v in given.items() if n != name}
    prompt = (
        f"With {_numbers({name: given[name], **others})}, by what factor does the total number "
        f"of parameters grow when {name} is multiplied by {scale} ({name} = "
        f"{scale * given[name]})? Give the exact fraction."
    )
    question = Question("q1", prompt, worked.factor, "growth", sizes=names_of(solution),
                        choices=choices, symbolic=worked)  # fmt: skip
    return Posed(_given(solution) + " Choose one answer.", (question,))


def names_of(solution: Solution) -> tuple[str, ...]:
    return solution.size_names


def _given(solution: Solution) -> str:
    return f"The sizes of the following architecture are named: {meanings(solution)}."


def _listed(names: tuple[str, ...]) -> str:
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]


def _numbers(values: dict[str, int]) -> str:
    return _listed(tuple(f"{n} = {v}" for n, v in values.items()))


def _answer_between(solution: Solution, name: str, target: int, low: int, high: int) -> bool:
    """Whether the largest ``name`` within ``target`` is a size from ``low`` to ``high``."""
    total = sympy.expand(solution.total_params)
    h = symbol(name)
    return bool(total.xreplace({h: low}) <= target < total.xreplace({h: high}))


# -- the growth factor, worked --------------------------------------------------------------


def _growth(total: Any, name: str, scale: int, given: dict[str, int]) -> Growth:
    h = symbol(name)
    scaled = sympy.expand(total.xreplace({h: scale * h}))
    ratio = sympy.cancel(scaled / total)
    numbers = {symbol(n): v for n, v in given.items()}
    before, after = int(total.xreplace(numbers)), int(scaled.xreplace(numbers))
    factor = sympy.Rational(after, before)
    if ratio.xreplace(numbers) != factor:  # the ratio of the formulas is the ratio of counts
        raise AssertionError(f"growth: {ratio} at {given} is not {factor}")
    swapped = f"the formula with {scale}·{name} in place of {name}"
    steps = (
        _step("total parameters", total, given, "the formula at the given sizes"),
        _step(f"total parameters with {name} multiplied by {scale}", scaled, given, swapped),
        _step("growth factor", ratio, given, "the ratio of the two formulas"),
    )
    return Growth(
        name, scale, tuple(given.items()), total, scaled, ratio, before, after, factor, steps
    )


# -- the named mistakes -------------------------------------------------------------------------


def without_bias(architecture: Architecture) -> Architecture:
    """The stack as a student who forgets every bias counts it."""
    layers = tuple(
        replace_argument(spec, "bias", False) if spec.call in _BIASED else spec
        for spec in architecture.layers
    )
    return Architecture(layers, architecture.input_shape)


def _step(quantity: str, expr: Any, values: dict[str, int], why: str) -> Step:
    """A mistaken student's working as a derivation step: ``expr`` in the sizes (and ``s``,
    the scale), then the numbers, then its exact value (a formula where no numbers are given)."""
    expr = sympy.sympify(expr)
    expr = expr.xreplace({sympy.Symbol("s"): symbol("s")})
    plain = expr.xreplace({symbol(str(s)): sympy.Symbol(str(s)) for s in expr.free_symbols})
    names = tuple(sorted(str(s) for s in plain.free_symbols))
    formula = Formula(str(plain), ordered(plain), frozenset(), names)
    used = {name: values[name] for name in names if name in values}
    value = expr.xreplace({symbol(n): v for n, v in used.items()})  # the sizes' own symbols
    meanings = tuple((n, SCALE if n == "s" else MEANINGS[n]) for n in names)
    return Step(quantity, formula, tuple(used.items()), meanings, formula.substitute(used),
                sympy.expand(value), why)  # fmt: skip


def _formula_mistakes(architecture: Architecture, right: Any) -> tuple[Misconception, ...]:
    bare = sympy.expand(solve(without_bias(architecture)).total_params)
    biased = sum(1 for spec in architecture.layers if _has_bias(spec))
    found = [
        Misconception(
            "bias-forgotten",
            "the bias of each neuron (or filter) forgotten: only the weights counted",
            _step("total parameters", bare, {}, "the total with bias=False on every layer"),
        ),
        Misconception(
            "one-bias-per-layer",
            "one bias per layer instead of one per neuron (or filter)",
            _step("total parameters", bare + biased, {}, "a single bias per layer"),
        ),
    ]
    return tuple(m for m in found if sympy.expand(m.value - right) != 0)


def _has_bias(spec: Any) -> bool:
    return spec.call in _BIASED and dict(spec.kwargs).get("bias", True) is not False


def _budget_mistakes(
    architecture: Architecture, given: dict[str, int], name: str, target: int, right: Unknown
) -> tuple[Misconception, ...]:
    found = [
        Misconception(
            "root-rounded-up",
            f"the root rounded up: that {name} already takes the total over the budget",
            _step(name, sympy.ceiling(right.root), {}, "the root rounded up"),
        )
    ]
    bare = solve(let(without_bias(architecture), given))
    if _answer_between(bare, name, target, 1, 10**7):
        wrong = solve_for(bare, name, target, exact=False)
        found.append(
            Misconception(
                "bias-forgotten",
                "the biases forgotten in the total: the network is larger than that",
                _step(name, sympy.floor(wrong.root), {}, "the total without biases"),
            )
        )
    return tuple(m for m in found if m.value != right.answer)


def _growth_mistakes(architecture: Architecture, right: Growth) -> tuple[Misconception, ...]:
    name, scale = right.name, right.scale
    degree = sympy.Poly(right.total, symbol(name)).degree()
    given = dict(right.given)
    bare = sympy.expand(solve(without_bias(architecture)).total_params)
    wrong_bias = _growth(bare, name, scale, given)
    s = sympy.Symbol("s")
    numbers = {**given, "s": scale}
    linear = (
        f"linear instead of quadratic growth: the {name}·{name} weights grow with the square"
        if degree > 1
        else f"the terms without {name} (the last layer's biases) taken to grow with it too"
    )
    quadratic = (
        f"quadratic instead of linear growth: the count is linear in {name}"
        if degree == 1
        else f"only the {name}² term taken: the terms linear in {name} grow slower"
    )
    found = [
        Misconception(
            "linear-growth", linear, _step("growth factor", s, numbers, "the count taken as c·s")
        ),
        Misconception(
            "quadratic-growth",
            quadratic,
            _step("growth factor", s**2, numbers, "the count taken as c·s²"),
        ),
        Misconception(
            "bias-forgotten",
            "the biases forgotten in the formula",
            _step(
                "growth factor", wrong_bias.ratio, numbers, "the ratio of the totals without biases"
            ),
        ),
    ]
    unique: dict[Any, Misconception] = {}
    for mistake in found:
        if mistake.value != right.factor and mistake.value not in unique:
            unique[mistake.value] = mistake
    return tuple(unique.values())


POSERS = {"formula": formula, "budget": budget, "growth": growth}
