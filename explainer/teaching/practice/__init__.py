"""`explainer practice`: problems one at a time, each answer checked exactly, hints step by step.

A :class:`Session` is a state machine fed one line of input at a time; every call returns the
text to print, rendered from ``templates/text/practice/*.txt``. It does no I/O, so it is
tested without a terminal, and the CLI only reads lines and prints.

A problem is a generated one (the kinds of :mod:`explainer.teaching.generate` but the long
``table``), or with ``fade`` a worked solution whose last steps are blank. It asks one or more
*items*.
An answer (:func:`parse_answer`) is compared exactly; a wrong one is matched against the named
mistakes of the derivation (the layer's misconceptions, a layer's mistake inside a total, the
batch or the channels in the wrong place of a shape) and the difference is said in numbers.
``h`` reveals the next hint stage (a step's formula, then its numbers, then its value), ``s``
the whole solution, ``q`` ends. Two clean problems in a row (right at the first try, no hint)
step the difficulty up; a miss (a wrong answer, the solution shown, no answer) steps it down.

The package, in the order a line of input meets it: ``answers`` reads it, ``items`` says what a
problem asks and how each item is taught, ``mistakes`` names the wrong answers (each layer
kind's misconceptions, kept beside its formulas), ``judging`` matches an answer against them,
and ``session`` is the state machine that puts them together.
"""

from __future__ import annotations

from .answers import READ_AS_FORMULA, Answer, parse_answer, read_fraction
from .items import (
    Item,
    Stage,
    faded_items,
    from_its_layer,
    items,
    row_items,
    table_items,
    table_problem,
)
from .judging import Fractional, Verdict, fraction_verdict, fractional, judge
from .mistakes import Mistake
from .session import Attempt, OwnSession, Played, Session, asked, outcomes

__all__ = [
    "READ_AS_FORMULA",
    "Answer",
    "Attempt",
    "Fractional",
    "Item",
    "Mistake",
    "OwnSession",
    "Played",
    "Session",
    "Stage",
    "Verdict",
    "asked",
    "faded_items",
    "fraction_verdict",
    "fractional",
    "from_its_layer",
    "items",
    "judge",
    "outcomes",
    "parse_answer",
    "read_fraction",
    "row_items",
    "table_items",
    "table_problem",
]
