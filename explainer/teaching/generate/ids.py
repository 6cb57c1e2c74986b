"""Options and problem ids.

A problem id names everything that regenerates the problem::

    s7-i3-cnn-easy-table          s7-i3-cnn-easy-table-keras
    │  │  │   │    │                                 └ framework: keras (PyTorch unsaid)
    │  │  │   │    └ kind: table | params | shape | inverse | choice | error
    │  │  │   │          (topic symbolic: formula | budget | growth)
    │  │  │   └ difficulty: easy | medium | hard
    │  │  └ topic: mlp | cnn | course | rnn | norm | attention | symbolic
    │  └ index: the problem's place in the seed's sequence (0, 1, ...)
    └ seed: a non-negative integer

The problem's random numbers come from ``random.Random(id)`` alone (string seeding hashes with
SHA-512, the same in every process), so the id is all that ``problem_from_id`` needs.
"""

from __future__ import annotations

import re

from ...boundary import excerpt
from ...errors import ExplainerError, did_you_mean
from ...records import record

TOPICS = ("mlp", "cnn", "course", "rnn", "norm", "attention")
PLANNED_TOPICS: tuple[str, ...] = ()  # topics named before their layers exist: none now
DIFFICULTIES = ("easy", "medium", "hard")
KINDS = ("table", "params", "shape", "inverse", "choice", "error")
# Topic symbolic asks about formulas in named sizes (explainer.generate.named), in kinds of its
# own; it is kept out of TOPICS and KINDS, whose every problem has numbers to rebuild in torch.
SYMBOLIC = "symbolic"
SYMBOLIC_KINDS = ("formula", "budget", "growth")
ALL_TOPICS = (*TOPICS, SYMBOLIC)
ALL_KINDS = (*KINDS, *SYMBOLIC_KINDS)
# Kinds that do not apply to a topic, and why.
_NO_INPUT_SIZE = (
    "its notation never writes a layer's input size, so no layer can contradict the incoming shape"
)
# Inverse problems solve a count that is linear in the unknown (filters, neurons) or in its
# square alone (a square kernel); a hidden size or an embedding width enters its layer's count
# both squared and linearly (4·(h·(x + h) + 2h), 4E² + 4E), which the inverse machinery does
# not solve, and the head's neurons alone would not be a question about the topic.
_QUADRATIC = (
    "its layers' counts are quadratic in their sizes (the hidden size, the embedding width), "
    "which inverse problems do not solve"
)
# A shape question on a stack of Linear layers only would print its answer (out_features).
_ALL_WRITTEN = (
    "every layer of its stacks writes its output size, so a shape question gives its answer"
)
_NAMED = "it asks about formulas in named sizes: ask it of topic symbolic"
_NUMBERS = "topic symbolic asks formula, budget and growth questions"
_NOT_FOR = {
    "mlp": {"shape": _ALL_WRITTEN},
    "course": {"error": _NO_INPUT_SIZE},
    "rnn": {"inverse": _QUADRATIC},
    "attention": {"inverse": _QUADRATIC},
}
for _topic in TOPICS:
    _NOT_FOR[_topic] = {**_NOT_FOR.get(_topic, {}), **dict.fromkeys(SYMBOLIC_KINDS, _NAMED)}
_NOT_FOR[SYMBOLIC] = dict.fromkeys(KINDS, _NUMBERS)

MAX_COUNT = 1000
MAX_SEED = 10**18 - 1  # the id's seed field holds 18 digits: every accepted seed round-trips
_ID = re.compile(
    r"s(0|[1-9][0-9]{0,17})-i(0|[1-9][0-9]{0,8})-([a-z]+)-([a-z]+)-([a-z]+)(?:-(keras))?"
)
FRAMEWORKS = ("pytorch", "keras")


class GenerateError(ExplainerError):
    """A bad option of the generator: unknown topic, difficulty or kind, count 0, bad id."""


@record
class ProblemId:
    seed: int
    index: int
    topic: str
    difficulty: str
    kind: str
    framework: str = "pytorch"  # whose layers the problem writes (explainer.generate.keras)

    def __post_init__(self) -> None:
        check_seed(self.seed)
        if type(self.index) is not int or self.index < 0:
            raise GenerateError(f"problem index must be a non-negative integer, got {self.index!r}")
        check_options(self.topic, self.difficulty, (self.kind,), self.framework)

    def __str__(self) -> str:
        own = f"s{self.seed}-i{self.index}-{self.topic}-{self.difficulty}-{self.kind}"
        return own if self.framework == "pytorch" else f"{own}-{self.framework}"


def parse_id(text: str) -> ProblemId:
    match = _ID.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise GenerateError(
            f"bad problem id {excerpt(str(text))}: expected "
            "s<seed>-i<index>-<topic>-<difficulty>-<kind>, e.g. s7-i3-cnn-easy-table"
        )
    seed, index, topic, difficulty, kind, framework = match.groups()
    return ProblemId(int(seed), int(index), topic, difficulty, kind, framework or "pytorch")


def check_seed(seed: object) -> int:
    if type(seed) is not int or not 0 <= seed <= MAX_SEED:
        shown = f"{seed!r}" if type(seed) is not int or seed < 10**30 else "a longer one"
        raise GenerateError(
            f"seed must be a non-negative integer, got {shown}: at most {MAX_SEED:,} "
            "(18 digits, what a problem id holds)"
        )
    return seed


def check_count(count: object) -> int:
    if type(count) is not int or not 1 <= count <= MAX_COUNT:
        raise GenerateError(f"count must be an integer from 1 to {MAX_COUNT}, got {count!r}")
    return count


def check_options(
    topic: str, difficulty: str, kinds: tuple[str, ...], framework: str = "pytorch"
) -> None:
    _check_topic(topic)
    _check_framework(topic, kinds, framework)
    _one_of("difficulty", difficulty, DIFFICULTIES)
    if not kinds:
        raise GenerateError(f"no question kinds given; kinds: {', '.join(ALL_KINDS)}")
    for kind in kinds:
        _one_of("question kind", kind, ALL_KINDS)
        why = _NOT_FOR.get(topic, {}).get(kind)
        if why is not None:
            raise GenerateError(f"question kind {kind!r} does not apply to topic {topic!r}: {why}")


def split_topics(topic: str) -> tuple[str, ...]:
    """``mlp,cnn,course`` -> its topics, each checked, each once, in the order given."""
    if not isinstance(topic, str):
        raise GenerateError(f"topic must be a string such as 'cnn' or 'mlp,cnn', got {topic!r}")
    topics = tuple(dict.fromkeys(part.strip() for part in topic.split(",") if part.strip()))
    if not topics:
        raise GenerateError(f"no topic given; topics: {', '.join(ALL_TOPICS)}")
    for each in topics:
        _check_topic(each)
    return topics


def plan(
    topic: str, difficulty: str, kinds: tuple[str, ...] | None, framework: str = "pytorch"
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each topic of ``topic`` with the kinds it is asked in: every kind that applies to it,
    or those of ``kinds`` that do. One topic keeps the strict check (a kind that does not
    apply is refused); several take each kind where it applies, and refuse a topic left
    with none, or a kind that applies to none."""
    topics = split_topics(topic)
    if len(topics) == 1 or kinds is None:
        for each in topics:
            own = kinds if kinds is not None else kinds_for(each, framework)
            check_options(each, difficulty, own, framework)
        return tuple(
            (each, kinds if kinds is not None else kinds_for(each, framework)) for each in topics
        )
    for each in topics:
        _check_framework(each, kinds, framework)
    _one_of("difficulty", difficulty, DIFFICULTIES)
    if not kinds:
        raise GenerateError(f"no question kinds given; kinds: {', '.join(ALL_KINDS)}")
    for kind in kinds:
        _one_of("question kind", kind, ALL_KINDS)
        if all(kind in _NOT_FOR.get(each, {}) for each in topics):
            raise GenerateError(f"question kind {kind!r} applies to none of the topics {topic!r}")
    planned = []
    for each in topics:
        own = tuple(k for k in kinds if k not in _NOT_FOR.get(each, {}))
        if not own:
            raise GenerateError(
                f"none of the question kinds {', '.join(kinds)} applies to topic {each!r}"
            )
        planned.append((each, own))
    return tuple(planned)


def kinds_for(topic: str, framework: str = "pytorch") -> tuple[str, ...]:
    """Every kind that applies to ``topic``, in the order of KINDS."""
    from .keras import KERAS_KINDS

    _check_topic(topic)
    own = tuple(kind for kind in ALL_KINDS if kind not in _NOT_FOR.get(topic, {}))
    return own if framework == "pytorch" else tuple(k for k in own if k in KERAS_KINDS)


def _check_framework(topic: str, kinds: tuple[str, ...], framework: str) -> None:
    """Keras problems: the topics whose layers all have a Keras form, and the kinds that ask
    about the solution alone (explainer.generate.keras says why)."""
    from .keras import KERAS_KINDS, KERAS_TOPICS

    _one_of("framework", framework, FRAMEWORKS)
    if framework != "keras":
        return
    if topic not in KERAS_TOPICS:
        raise GenerateError(
            f"topic {topic!r} has no Keras problems yet; Keras topics: {', '.join(KERAS_TOPICS)}"
        )
    for kind in kinds:
        if kind not in KERAS_KINDS:
            raise GenerateError(
                f"question kind {kind!r} has no Keras problems yet (it turns on PyTorch's "
                f"arguments); Keras kinds: {', '.join(KERAS_KINDS)}"
            )


def _check_topic(topic: str) -> None:
    if topic in PLANNED_TOPICS:
        raise GenerateError(
            f"topic {topic!r} is planned but not available yet; topics: {', '.join(ALL_TOPICS)}"
        )
    _one_of("topic", topic, ALL_TOPICS)


def _one_of(what: str, value: object, known: tuple[str, ...]) -> None:
    if not isinstance(value, str) or value not in known:
        hint = did_you_mean(value, known) if isinstance(value, str) else ""
        raise GenerateError(f"unknown {what} {value!r}{hint}; {what}s: {', '.join(known)}")
