"""The generator's data model: pure, frozen data. Nothing here computes or formats.

A :class:`Quiz` holds :class:`Problem` objects; each problem holds the spec it is about, its
:class:`Question` objects with their answers, and the engine's
:class:`~explainer.deriving.solve.Solution` of the spec (the worked solution). Answers are read
off that solution, never re-derived.
"""

from __future__ import annotations

from typing import Any

from ..deriving.formula import Formula, Path
from ..deriving.layers.base import Misconception
from ..deriving.solve import Solution
from ..deriving.spec import Architecture, Shape
from ..deriving.steps import Step
from ..deriving.unknown import Unknown
from ..records import record


@record
class TableRow:
    """One row of the handout's exam table: the layer's output shape and parameter count."""

    output_shape: Shape
    params: int


# A formula in named sizes (topic symbolic) or an exact growth factor is a sympy value: Any.
Answer = int | Shape | TableRow | Any


@record
class Choice:
    """One option of a multiple-choice question; wrong ones carry the mistake that gives them."""

    label: str  # "A", "B", ...
    value: int | Any  # a count, a size, or (topic symbolic) an exact sympy Rational
    misconception: Misconception | None = None  # None for the right answer

    @property
    def correct(self) -> bool:
        return self.misconception is None


@record
class Working:
    """An inverse problem solved with sympy: the stated number, the equation with the known
    numbers in place, the unknown isolated (in symbols, then with numbers), and its value."""

    unknown: str  # the formula's own symbol: "k", "m", "o", "P"
    meaning: str  # "filters", "kernel size", ...
    formula: Formula  # the engine's formula, as the layer derived its number
    stated: int  # the number the question gives (a count or an output size)
    equation: Any  # the left-hand side: numbers in place, the unknown left (unevaluated sympy)
    tight: frozenset[Path]  # how the equation's sums are spaced (the formula's, see formula.py)
    isolated: Any  # unknown = this, in symbols (sympy)
    substituted: Any  # the same with the numbers in place (unevaluated sympy)
    solutions: tuple[int, ...]  # every whole number the unknown may take that solves it
    value: int
    notes: tuple[str, ...]  # "the kernel is square: n = m", "the floor is dropped: ..."


@record
class Fault:
    """The one inconsistent layer of a find-the-error problem."""

    layer: int  # 1-based index into the stack
    argument: str  # "in_features", "in_channels"
    written: int  # the wrong value in the faulty spec
    right: int  # the value the incoming shape needs
    mistake: str  # "in-out-swapped", "copied-from-earlier-layer", "pooling-skipped"
    description: str
    message: str  # the engine's refusal of the faulty spec


@record
class Question:
    """One thing to answer. ``asks`` says what the answer is:

    ``row`` (a :class:`TableRow` of layer ``layer``), ``total`` (int), ``params`` (int, of
    ``layer``), ``output_shape`` (a shape, after ``layer``), ``output_size`` (int: one spatial
    size after ``layer``), ``argument`` (int: the value of argument ``argument`` of ``layer``),
    ``layer`` (int: the index of the faulty layer); topic symbolic: ``formula`` (a sympy
    expression in the named sizes ``sizes``), ``budget`` (int: the largest size within a
    budget), ``growth`` (an exact sympy Rational: the factor). ``axis`` names the size an
    ``output_size`` question asks for ("height": of a 2-D layer's output, "length": 1-D).
    """

    id: str  # unique within its problem: "L3", "total", "q1"
    prompt: str
    answer: Answer
    asks: str
    layer: int | None = None  # 1-based index into the solution's layers
    argument: str | None = None  # for asks == "argument"
    axis: str | None = None  # for asks == "output_size": "height", "length", ...
    choices: tuple[Choice, ...] = ()  # multiple choice: exactly one is correct
    working: Working | None = None  # inverse problems: the sympy steps
    # Topic symbolic (explainer.generate.named): the named sizes a formula answer may use,
    # the working of a budget or growth question, and the named mistakes of an open answer.
    sizes: tuple[str, ...] = ()
    symbolic: Any = None  # a named.Budget or named.Growth
    mistakes: tuple[Misconception, ...] = ()


@record
class Problem:
    """One exercise. ``spec`` is chain notation that ``explainer solve`` accepts (for a
    find-the-error problem, the faulty stack: ``corrected_spec`` is the fixed one and
    ``solution`` solves it). ``shown_spec`` is what a student sees: the spec itself, or for an
    inverse problem the stack up to the asked layer with the unknown written ``?``."""

    id: str
    kind: str
    topic: str
    difficulty: str
    spec: str
    architecture: Architecture  # parse(spec)
    statement: str  # the instructions above the questions
    shown_spec: str
    questions: tuple[Question, ...]
    solution: Solution
    corrected_spec: str | None = None
    fault: Fault | None = None

    @property
    def input_shape(self) -> Shape:
        return self.solution.input_shape

    @property
    def solved_spec(self) -> str:
        """The spec that ``solution`` solves."""
        return self.corrected_spec if self.corrected_spec is not None else self.spec


@record
class Quiz:
    seed: int
    topic: str
    difficulty: str
    kinds: tuple[str, ...]
    problems: tuple[Problem, ...]
    framework: str = "pytorch"  # whose layers the problems write


@record
class Budget:
    """The working of a budget question: explainer.deriving.unknown's, for the given numbers."""

    name: str
    given: tuple[tuple[str, int], ...]  # the other sizes' numbers
    unknown: Unknown
    total: Step  # the total with the other sizes' numbers in place: a formula in the unknown


@record
class Growth:
    """``T(s·h)/T(h)``: the formula, the scaled formula, their ratio, then the numbers."""

    name: str
    scale: int
    given: tuple[tuple[str, int], ...]  # every size's number, the scaled one included
    total: Any  # T, expanded, in the named sizes
    scaled: Any  # T with name -> scale·name, expanded
    ratio: Any  # scaled / total, as sympy cancels it
    before: int  # T at the numbers
    after: int  # T at the numbers with the size scaled
    factor: Any  # after / before: an exact sympy Rational
    steps: tuple[Step, ...]  # T, then T' at the numbers, then the ratio of the formulas
