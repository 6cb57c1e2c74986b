"""A roster's variants, balanced: every student gets problems of the same topics and kinds in
the same places, with the same number of answer cells, a difficulty score within a stated
tolerance of the reference quiz's, and no problem another student already has (while the pool
of problems allows it).

The reference is the quiz of the roster's seed itself. For each of its problems, in turn, a
student's candidates are that student's own problems (``s<student seed>-i<index>-...``, so
every problem id still regenerates its problem) tried in index order until one fits; if none
of ``TRIES`` fits, the closest one is taken (the same cell count first, then the score, then
being unshared). Deterministic: the same roster and seed give the same variants.

The difficulty score of a problem is the number of hint steps ``explainer practice`` would
walk through to answer all of it (each size and count on the way, each in three steps): a
measure of the work, not of the luck of the numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from ...records import record
from ...rendering.quiz_parts import parts
from ..generate import Problem, ProblemId, Quiz, problem_key
from ..generate import make as make_problem
from ..practice import items, table_items

TRIES = 60  # candidates per problem before the closest one is taken
TOLERANCE = 0.15  # a score within 15 % of the reference's (at least 2 steps either way)


@record
class Target:
    topic: str
    kind: str
    cells: int
    score: int

    def allows(self, score: int) -> bool:
        return abs(score - self.score) <= max(2, int(TOLERANCE * self.score))


def cells(problem: Problem) -> int:
    """The answer cells of a problem: a table row has two (shape, parameters)."""
    return len(parts(problem))


def score(problem: Problem) -> int:
    asked = table_items(problem) if problem.kind == "table" else items(problem)
    return sum(len(item.stages) for item in asked)


def targets(reference: Quiz) -> tuple[Target, ...]:
    return tuple(Target(p.topic, p.kind, cells(p), score(p)) for p in reference.problems)


def balanced_quizzes(
    reference: Quiz, seeds: tuple[int, ...], tick: Callable[[int], None] | None = None
) -> tuple[Quiz, ...]:
    """One quiz per seed, each problem matched to the reference's at its place."""
    wanted = targets(reference)
    taken: set[tuple[object, ...]] = set()  # every problem some student already has
    made = []
    for seed in seeds:
        problems = _variant(seed, reference.difficulty, wanted, taken, reference.framework)
        quiz = Quiz(seed, reference.topic, reference.difficulty, reference.kinds, problems)
        made.append(replace(quiz, framework=reference.framework))
        if tick is not None:
            tick(len(problems))
    return tuple(made)


def _variant(
    seed: int,
    difficulty: str,
    wanted: tuple[Target, ...],
    taken: set[tuple[object, ...]],
    framework: str = "pytorch",
) -> tuple[Problem, ...]:
    own: set[tuple[object, ...]] = set()
    chosen: list[Problem] = []
    index = 0
    for target in wanted:
        best: tuple[tuple[bool, bool, bool, int], Problem] | None = None
        for _ in range(TRIES):
            pid = ProblemId(seed, index, target.topic, difficulty, target.kind, framework)
            problem = make_problem(pid)
            index += 1
            key = problem_key(problem)
            if key in own:
                continue
            points = score(problem)
            rank = (cells(problem) == target.cells, target.allows(points), key not in taken,
                    -abs(points - target.score))  # fmt: skip
            if best is None or rank > best[0]:
                best = (rank, problem)
            if rank[:3] == (True, True, True):
                break
        assert best is not None, "generator bug: every candidate repeated the student's own"
        key = problem_key(best[1])
        own.add(key)
        taken.add(key)
        chosen.append(best[1])
    return tuple(chosen)
