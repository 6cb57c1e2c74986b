"""The practice session: a state machine fed one line of input at a time, every call returning
the text to print (rendered from ``templates/text/practice/*.txt``); it does no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from ...rendering.options import check_fade
from ...rendering.render import render, render_practice
from ..generate import DIFFICULTIES, Problem, ProblemId, draw
from ..generate.expression import FormulaError, equivalent
from ..generate.ids import check_count, check_options, check_seed, kinds_for
from .answers import READ_AS_FORMULA, parse_answer, read_fraction, read_named
from .items import Item, faded_items, items, table_items
from .judging import Verdict, fraction_verdict, judge

Result = Literal["", "right", "shown"]  # an item still open, answered right, or shown
Outcome = Literal["clean", "miss", "helped"]  # a problem as played, which moves the difficulty

QUIT = frozenset({"q", "quit", "exit"})
HINT = frozenset({"h", "hint"})
SOLUTION = frozenset({"s", "solution", "show"})
HELP = frozenset({"?", "help"})


@dataclass
class Attempt:
    """An item as it was played (mutable: the session's record)."""

    item: Item
    wrong: int = 0  # wrong answers given
    hints: int = 0  # hint stages shown
    result: Result = ""
    rule: str | None = None  # a faded step: the rule the student named

    @property
    def clean(self) -> bool:
        return self.result == "right" and not self.wrong and not self.hints


@dataclass
class Played:
    problem: Problem
    attempts: list[Attempt]

    @property
    def outcome(self) -> Outcome:
        """``clean`` (all right at the first try, no hint), ``miss`` or ``helped``."""
        if all(attempt.clean for attempt in self.attempts):
            return "clean"
        if any(a.wrong or a.result != "right" for a in self.attempts):
            return "miss"
        return "helped"


class Session:
    """Fed lines by :meth:`feed`; :meth:`start` first, :meth:`finish` (the summary) last."""

    UP_AFTER = 2  # clean problems in a row that step the difficulty up
    own: Problem | None = None  # a network of the student's own (OwnSession), else generated
    again = "explainer solve --problem ID"  # what works a played problem out again

    def __init__(
        self,
        seed: int,
        topic: str = "cnn",
        difficulty: str = "easy",
        count: int = 5,
        fade: int = 0,
        framework: str = "pytorch",
    ) -> None:
        check_seed(seed)
        check_count(count)
        check_fade(fade)
        own = kinds_for(topic, framework)
        self.kinds = ("table",) if fade else tuple(k for k in own if k != "table")
        check_options(topic, difficulty, self.kinds, framework)
        self.framework = framework
        self.seed, self.topic, self.count, self.fade = seed, topic, count, fade
        self.start_level = difficulty
        self._level = DIFFICULTIES.index(difficulty)
        self._streak = 0
        self._index = 0  # the next problem index to try (repeats are skipped, as generate does)
        self._seen: set[tuple[object, ...]] = set()
        self.played: list[Played] = []
        self.done = False

    # -- the interface the CLI uses --------------------------------------------------------
    @property
    def prompt(self) -> str:
        attempt = self.current
        if attempt is not None and attempt.item.blank is not None and attempt.rule is None:
            return "Rule: "
        return "Answer: "

    def start(self) -> str:
        intro = render_practice("start", session=self)
        return intro + self._next_problem()

    def feed(self, line: str) -> str:
        attempt = self.current
        if self.done or attempt is None:
            return ""
        text = line.strip()
        if text.lower() in QUIT:
            self.done = True
            return ""
        if text.lower() in HINT:
            attempt.rule = "" if attempt.rule is None else attempt.rule
            return self._hint(attempt)
        if attempt.item.blank is not None and attempt.rule is None and text.lower() not in SOLUTION:
            attempt.rule = text  # any words: naming the rule is for the student's own sake
            return ""  # the prompt asks for the value now
        if text.lower() in SOLUTION:
            attempt.result = "shown"
            return render_practice("solution", attempt=attempt) + self._advance()
        if not text or text.lower() in HELP:
            return render_practice("unreadable", text="", item=attempt.item)
        return self._answer(attempt, text)

    def finish(self) -> str:
        """The summary; the session takes no more input."""
        self.done = True
        rows = [(played.problem, asked(played)) for played in self.played]
        return render_practice("summary", score=outcomes(self.played), rows=rows, session=self)

    # -- inside -----------------------------------------------------------------------------
    @property
    def current(self) -> Attempt | None:
        """The item waiting for an answer (None before start and after the last one)."""
        if not self.played:
            return None
        return next((a for a in self.played[-1].attempts if not a.result), None)

    def _answer(self, attempt: Attempt, text: str) -> str:
        item = attempt.item
        if item.asks in READ_AS_FORMULA:
            return self._named_answer(attempt, text)
        axes = len(item.answer) if isinstance(item.answer, tuple) else 0
        fraction = read_fraction(text) if not item.choices else None
        if fraction is not None:
            attempt.wrong += 1
            verdict = fraction_verdict(item, fraction)
            return render_practice("fraction", verdict=verdict, item=item)
        answer = _chosen(item, text) or parse_answer(text, axes=axes)
        if answer is None or (not item.shape and not isinstance(answer, int)):
            return render_practice("unreadable", text=text, item=item)
        if isinstance(answer, int) and item.shape:
            answer = (answer,)
        if answer == item.answer:
            attempt.result = "right" if attempt.hints < len(item.stages) else "shown"
            return render_practice("right", attempt=attempt) + self._advance()
        attempt.wrong += 1
        return render_practice("wrong", verdict=judge(item, answer), item=item, answer=answer)

    def _named_answer(self, attempt: Attempt, text: str) -> str:
        """A formula (or a growth factor) is right when it equals the answer for every value
        of the sizes (sympy), however it is written; a named mistake, likewise."""
        item = attempt.item
        letter = text.strip().rstrip(")").upper()
        chosen = next((c.value for c in item.choices if c.label == letter), None)
        try:
            answer = chosen if chosen is not None else read_named(item.asks, item.sizes, text)
        except FormulaError as exc:
            return render_practice("unreadable", text=text, item=item, why=str(exc))
        if equivalent(answer, item.answer):
            attempt.result = "right" if attempt.hints < len(item.stages) else "shown"
            return render_practice("right", attempt=attempt) + self._advance()
        attempt.wrong += 1
        named = tuple(m for m in item.mistakes if equivalent(m.value, answer))
        verdict = Verdict(named[0] if named else None, also=named[1:])
        return render_practice("wrong", verdict=verdict, item=item, answer=answer)

    def _hint(self, attempt: Attempt) -> str:
        stages = attempt.item.stages
        if attempt.hints >= len(stages):
            return render_practice("no_hint")
        attempt.hints += 1
        return render_practice("hint", stage=stages[attempt.hints - 1], number=attempt.hints,
                               of=len(stages))  # fmt: skip

    def _advance(self) -> str:
        """The next item of the problem, else the next problem, else the end."""
        attempt = self.current
        if attempt is not None:
            return render_practice("next", item=attempt.item)
        self._adapt(self.played[-1].outcome)
        if len(self.played) >= self.count:
            self.done = True
            return ""
        return self._next_problem()

    def _adapt(self, outcome: Outcome) -> None:
        if outcome == "clean":
            self._streak += 1
            if self._streak >= self.UP_AFTER:
                self._level, self._streak = min(self._level + 1, len(DIFFICULTIES) - 1), 0
            return
        self._streak = 0
        if outcome == "miss":
            self._level = max(self._level - 1, 0)

    def _next_problem(self) -> str:
        problem = self._make()
        if self.fade:
            asked = faded_items(problem.solution, self.fade)
            document = render(problem.solution, "text", fade=self.fade)
        else:
            asked, document = items(problem), ""
        self.played.append(Played(problem, [Attempt(item) for item in asked]))
        return render_practice("problem", session=self, problem=problem, document=document,
                               number=len(self.played), item=asked[0])  # fmt: skip

    def _make(self) -> Problem:
        kind = self.kinds[len(self.played) % len(self.kinds)]
        level = DIFFICULTIES[self._level]
        first = ProblemId(self.seed, self._index, self.topic, level, kind, self.framework)
        # A problem that repeats an earlier one is skipped, as in a quiz; after MAX_SKIPS
        # repeats the session goes on with the last one rather than stop.
        problem, self._index, _ = draw(first, self._seen)
        return problem


class OwnSession(Session):
    """Practice on one network the student brings (a spec, a bundled example): the handout's
    exam table asked layer by layer, each layer's output shape then its parameters, then the
    total, with the same hints and feedback. One problem; the difficulty does not move."""

    def __init__(self, problem: Problem, again: str) -> None:
        super().__init__(0, count=1)
        self.own, self.again = problem, again
        self.topic, self.start_level = problem.id, ""

    def _next_problem(self) -> str:
        problem = self.own
        assert problem is not None
        asked = table_items(problem)
        self.played.append(Played(problem, [Attempt(item) for item in asked]))
        return render_practice("problem", session=self, problem=problem, document="",
                               number=1, item=asked[0])  # fmt: skip

    def _adapt(self, outcome: Outcome) -> None:
        """One network, no difficulty to move."""


def _chosen(item: Item, text: str) -> int | None:
    """A multiple-choice answer given by its letter."""
    letter = text.strip().rstrip(")").upper()
    return next((choice.value for choice in item.choices if choice.label == letter), None)


def asked(played: Played) -> list[Attempt]:
    """The items a problem has put so far: each one settled, and the open one."""
    settled = [attempt for attempt in played.attempts if attempt.result]
    return played.attempts[: len(settled) + 1] if len(settled) < len(played.attempts) else settled


def outcomes(played: Iterable[Played]) -> dict[str, int]:
    """The summary's numbers: items asked, right, right at the first try, hints, shown."""
    attempts = [attempt for problem in played for attempt in asked(problem)]
    return {
        "asked": len(attempts),
        "right": sum(attempt.result == "right" for attempt in attempts),
        "first": sum(attempt.clean for attempt in attempts),
        "hints": sum(attempt.hints for attempt in attempts),
        "shown": sum(attempt.result == "shown" for attempt in attempts),
    }
