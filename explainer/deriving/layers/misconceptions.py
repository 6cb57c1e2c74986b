"""Named wrong derivations: one pattern for every kind.

A kind keeps, next to the formulas they distort, its *slips*: key -> (what the student did, the
formula they worked, in the course's symbols). :func:`named` derives the ones that apply with
the same machinery as the right answer, so each can be shown step by step; multiple-choice
distractors and the feedback on a wrong answer come from them ("your answer is 16 less than the
right one: did you forget the bias of each of the 16 filters?").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..steps import derive
from .base import Misconception

Slips = Mapping[str, tuple[str, str]]  # key -> (description, formula)


def named(
    slips: Slips,
    quantity: str,
    values: Mapping[str, int],
    meanings: Mapping[str, str],
    right: int,
) -> tuple[Misconception, ...]:
    """Each slip derived on ``values`` (its description is the step's why), in order; only
    those that give another number are kept."""
    made = (
        Misconception(key, what, derive(quantity, text, values, meanings, what))
        for key, (what, text) in slips.items()
    )
    return keep(made, right)


def keep(items: Iterable[Misconception], right: int) -> tuple[Misconception, ...]:
    """Only mistakes that give a wrong number, each number once (the first name wins)."""
    seen = {right}
    kept = []
    for item in items:
        if item.value not in seen and item.value >= 0:
            seen.add(item.value)
            kept.append(item)
    return tuple(kept)
