"""Hypothesis strategies and spec builders shared by the test files: the oracle tests of both
dialects (tests/test_torch_oracle.py, tests/test_keras_oracle.py), the generator's tests and the
tests that draw course-notation chains.

tests/ is on sys.path when pytest runs (there is no ``tests`` package), so a test file says
``from strategies import ...``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

from explainer.teaching.generate import DIFFICULTIES, TOPICS, ProblemId
from explainer.teaching.generate.ids import kinds_for

Shape = tuple[int, ...]
Case = tuple[Shape, dict[str, Any]]  # (input shape without the batch, keyword arguments)


# -- sizes and arguments ---------------------------------------------------------------------


def sizes(lo: int, hi: int, n: int) -> st.SearchStrategy[tuple[int, ...]]:
    return st.tuples(*[st.integers(lo, hi)] * n)


def int_or_tuple(lo: int, hi: int, n: int) -> st.SearchStrategy[Any]:
    """An int, or a tuple of ``n`` ints (both frameworks take both)."""
    return st.one_of(st.integers(lo, hi), sizes(lo, hi, n))


def any_shape(max_size: int = 3) -> st.SearchStrategy[Shape]:
    return st.lists(st.integers(1, 5), min_size=1, max_size=max_size).map(tuple)


def rarely(draw: st.DrawFn) -> bool:
    """True one time in ten: for the rare case that both the solver and the oracle refuse."""
    return draw(st.integers(0, 9)) == 0


def with_optional(
    draw: st.DrawFn, required: dict[str, Any], optional: dict[str, Any]
) -> dict[str, Any]:
    """``required`` plus a random subset of ``optional`` (the rest keep the framework's
    defaults)."""
    kwargs = dict(required)
    for key, value in optional.items():
        if draw(st.booleans()):
            kwargs[key] = value
    return kwargs


# -- spec text -------------------------------------------------------------------------------


def call(kind: str, kwargs: Mapping[str, Any]) -> str:
    """``Kind(key=value, ...)`` as a chain writes it."""
    return f"{kind}({', '.join(f'{key}={value!r}' for key, value in kwargs.items())})"


def chain(shape: Shape, *layers: str, sep: str = " -> ") -> str:
    return sep.join([f"input({', '.join(map(str, shape))})", *layers])


def course_layers(hi: int = 300, others: tuple[str, ...] = ("Dropout(0.5)", "relu")) -> Any:
    """One layer of a course-notation chain: FCwB(n), FC(n), or one without weights."""
    return st.one_of(
        st.integers(1, hi).map(lambda n: f"FCwB({n})"),
        st.integers(1, hi).map(lambda n: f"FC({n})"),
        st.sampled_from(others),
    )


def course_chain(layers: list[str]) -> str:
    """``input→FCwB(256)→...→output``; the input size is given apart (``input_shape``)."""
    return "input→" + "→".join(layers) + "→output"


# -- generated problems ----------------------------------------------------------------------

# Every (topic, difficulty, question kind) the generator poses.
COMBOS = [(t, d, k) for t in TOPICS for d in DIFFICULTIES for k in kinds_for(t)]


@st.composite
def problem_ids(draw: st.DrawFn, combos: list[tuple[str, str, str]] = COMBOS) -> ProblemId:
    """Any problem the generator can pose: a seed, an index in the quiz, and a combination."""
    topic, difficulty, kind = draw(st.sampled_from(combos))
    return ProblemId(
        draw(st.integers(0, 10**9)), draw(st.integers(0, 200)), topic, difficulty, kind
    )


def every_combination(seed: int = 7) -> list[ProblemId]:
    """One problem of every combination, at a fixed seed: the quick, deterministic sweep that
    the random ``problem_ids()`` widens in the slow run."""
    return [ProblemId(seed, index, *combo) for index, combo in enumerate(COMBOS)]
