"""Exercise generator: random valid architectures and questions about them, each with its
answer and its worked solution from the engine.

Data model (``explainer/teaching/problems.py``, all frozen dataclasses, pure data)
------------------------------------------------------------------------------

``Quiz``      seed, topic (one, or several joined by commas: ``mlp,cnn``), difficulty, kinds
              (tuple of kind names), problems (tuple of Problem).

``Problem``   id (see below), kind, topic, difficulty;
              spec: chain notation that ``explainer solve`` accepts (for kind ``error`` the faulty
              stack); architecture: ``parse(spec)``; statement: the instructions shown above
              the questions; shown_spec: the stack as a student sees it (for ``inverse`` the
              stack up to the asked layer, the unknown written ``?``: show this, never
              ``spec``, which holds the answer); questions; solution: the engine's Solution of
              ``solved_spec`` (``corrected_spec`` if set, else ``spec``); corrected_spec and
              fault (a Fault: layer, argument, written, right, mistake, description, message)
              for ``error`` only. ``input_shape`` is a property.

``Question``  id (unique in its problem: ``L3``, ``total``, ``q1``), prompt, answer, asks,
              layer (1-based index into ``solution.layers``, or None), argument (for
              asks == "argument"), axis (for asks == "output_size": "height", "length"),
              choices (multiple choice, else empty), working (inverse).
              ``asks`` says what ``answer`` is: ``row`` (TableRow(output_shape, params)),
              ``total`` / ``params`` / ``output_size`` / ``argument`` / ``layer`` (int),
              ``output_shape`` (a tuple of ints, batch excluded).

``Choice``    label ("A".."D"), value, misconception (the engine's named Misconception: key,
              description and its derivation step; None for the right option), ``correct``.

``Working``   an inverse problem solved with sympy: unknown (the formula's symbol), meaning,
              formula, stated number, equation (left side with numbers, unknown kept), tight,
              isolated (unknown = ..., in symbols), substituted (the same with numbers),
              solutions (the whole numbers that solve it), value, notes.

Kinds: ``table`` (the handout's exam table and total), ``params`` (one layer's parameters),
``shape`` (the output shape after a layer or the whole stack), ``inverse`` (filters, kernel
size, neurons or padding from a stated count or shape), ``choice`` (multiple choice, wrong
options from named misconceptions), ``error`` (find the inconsistent layer; not for ``course``).

Ids: ``s<seed>-i<index>-<topic>-<difficulty>-<kind>``, e.g. ``s7-i3-cnn-easy-table``; the
problem's random numbers come from ``random.Random(id)`` only, so ``problem_from_id(id)``
regenerates it in any process. ``generate`` gives problem ``p`` the topic ``topics[p % T]``,
the kind ``kinds[p % K]`` (or the next one that applies to that topic: a mix of kinds and of
topics), and the next unused index; an index whose problem
repeats an earlier one is skipped, so indices may have gaps. JSON: ``quiz_json.to_json(quiz)``
/ ``quiz_json.dumps(quiz)``.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Sequence

from ...deriving.solve import Solution, solve
from ...deriving.spec import Architecture
from ...errors import ExplainerError
from ...reading import parse
from ..problems import Choice, Fault, Problem, Question, Quiz, TableRow, Working
from . import named
from .architectures import build, write
from .ids import (
    ALL_KINDS,
    DIFFICULTIES,
    KINDS,
    SYMBOLIC,
    TOPICS,
    GenerateError,
    ProblemId,
    check_count,
    check_seed,
    parse_id,
    plan,
)
from .keras import keras_chain, to_keras
from .posing import Stacked
from .questions import POSERS

MAX_SKIPS = 50  # repeated problems skipped in a row before giving up
_ATTEMPTS = 20  # stacks tried for one problem before a kind is declared impossible
# A Keras problem skips the stacks with no Keras form (about three in four at cnn hard).
_KERAS_ATTEMPTS = 200


def generate(
    seed: int,
    count: int = 10,
    topic: str = "cnn",
    difficulty: str = "easy",
    kinds: Sequence[str] | None = None,
    framework: str = "pytorch",
) -> Quiz:
    """``count`` different problems; the same arguments give the same quiz in any process.
    ``framework="keras"``: each problem written in Keras (explainer.generate.keras)."""
    check_seed(seed)
    check_count(count)
    if isinstance(kinds, str):
        raise GenerateError(f"kinds must be a list of kind names, got the string {kinds!r}")
    planned = plan(topic, difficulty, None if kinds is None else tuple(kinds), framework)
    problems: list[Problem] = []
    seen: set[tuple[object, ...]] = set()
    index = 0
    for position in range(count):
        each, kind = _slot(planned, position)
        pid = ProblemId(seed, index, each, difficulty, kind, framework)
        problem, index, new = draw(pid, seen)
        if not new:
            raise GenerateError(
                f"could not make {count} different {difficulty} {topic} problems: "
                f"problem {position + 1} repeated an earlier one {MAX_SKIPS} times; ask for fewer"
            )
        problems.append(problem)
    chosen = kinds_in_turn(planned)
    topics = ",".join(each for each, _ in planned)
    return Quiz(seed, topics, difficulty, chosen, tuple(problems), framework)


def draw(first: ProblemId, seen: set[tuple[object, ...]]) -> tuple[Problem, int, bool]:
    """The variant drawn for ``first``: its problem, or the first of the following indices'
    that repeats none in ``seen`` (whose key it joins), trying at most MAX_SKIPS. Returns the
    problem, the next index to try, and whether it is new (False: the last of MAX_SKIPS
    repeats). Quizzes and practice sessions draw their problems here alike."""
    index = first.index
    for _ in range(MAX_SKIPS):
        problem = make(dataclasses.replace(first, index=index))
        index += 1
        key = problem_key(problem)
        if key not in seen:
            seen.add(key)
            return problem, index, True
    return problem, index, False


def _slot(planned: tuple[tuple[str, tuple[str, ...]], ...], position: int) -> tuple[str, str]:
    """Problem ``position``'s topic (in turn) and kind: the kinds taken in turn over the whole
    quiz, a kind that does not apply to the topic giving way to the next that does."""
    topic, own = planned[position % len(planned)]
    every = kinds_in_turn(planned)
    for step in range(len(every)):
        kind = every[(position + step) % len(every)]
        if kind in own:
            return topic, kind
    raise AssertionError(f"topic {topic!r} has no kind")  # plan() refuses that


def kinds_in_turn(planned: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[str, ...]:
    """Every kind any topic is asked in, in the order of KINDS (one topic: its own order)."""
    if len(planned) == 1:
        return planned[0][1]
    return tuple(kind for kind in ALL_KINDS if any(kind in own for _, own in planned))


def problem_key(problem: Problem) -> tuple[object, ...]:
    """What makes two problems the same for a student: the stack shown and the questions."""
    return (
        problem.kind,
        problem.spec,
        problem.shown_spec,
        tuple(q.prompt for q in problem.questions),
    )


def problem_from_id(problem_id: str) -> Problem:
    """Regenerate a problem from its id (``s7-i3-cnn-easy-table``)."""
    return make(parse_id(problem_id))


def make(pid: ProblemId) -> Problem:
    rng = random.Random(str(pid))
    attempts = _ATTEMPTS if pid.framework == "pytorch" else _KERAS_ATTEMPTS
    for _ in range(attempts):
        if pid.topic == SYMBOLIC:
            spec = named.build(rng, pid.difficulty)
        else:
            spec = write(build(rng, pid.topic, pid.difficulty), pid.topic)
        architecture = parse(spec)
        solution = solve(architecture)
        if pid.framework == "keras":
            found = _in_keras(solution)
            if found is None:
                continue
            spec, architecture, solution = found
        stacked = Stacked(pid.topic, architecture, spec, solution)
        posed = POSERS[pid.kind](rng, stacked)
        if posed is None:
            continue
        faulty = posed.faulty_spec
        return Problem(
            id=str(pid),
            kind=pid.kind,
            topic=pid.topic,
            difficulty=pid.difficulty,
            spec=faulty if faulty is not None else spec,
            architecture=parse(faulty).with_framework(pid.framework)
            if faulty is not None
            else architecture,
            statement=posed.statement,
            shown_spec=posed.shown_spec or faulty or spec,
            questions=posed.questions,
            solution=stacked.solution,
            corrected_spec=spec if faulty is not None else None,
            fault=posed.fault,
        )
    raise RuntimeError(f"generator bug: no {pid.kind} question fits {attempts} stacks for {pid}")


def _in_keras(solution: Solution) -> tuple[str, Architecture, Solution] | None:
    """The stack written in Keras, parsed back and solved as Keras; None where it has no
    Keras form (or Keras's rules leave no valid stack: a window larger than its input)."""
    written = to_keras(solution)
    if written is None:
        return None
    spec = keras_chain(written)
    architecture = parse(spec).with_framework("keras")
    try:
        return spec, architecture, solve(architecture)
    except ExplainerError:
        return None


__all__ = [
    "DIFFICULTIES",
    "KINDS",
    "TOPICS",
    "Choice",
    "Fault",
    "GenerateError",
    "Problem",
    "ProblemId",
    "Question",
    "Quiz",
    "TableRow",
    "Working",
    "draw",
    "generate",
    "problem_from_id",
]
