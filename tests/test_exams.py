"""Quizzes built like exams: several topics, a mix of kinds, a roster's variants balanced
(same kinds, same answer cells, a difficulty score within the stated tolerance, no problem
shared while the pool allows), no key on a student's sheet, a progress bar only where wanted.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from explainer import cli
from explainer.cli import main
from explainer.reading.roster import parse_roster
from explainer.teaching.generate import GenerateError, generate, problem_from_id, problem_key
from explainer.teaching.quizzes import make
from explainer.teaching.quizzes.balance import TOLERANCE, cells, score, targets

ROSTER = "id,name\n" + "".join(f"s{i:02d},Student {i}\n" for i in range(12))


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), prog_name="explainer")


def test_several_topics_take_turns_with_a_mix_of_kinds() -> None:
    quiz = generate(5, 7, "mlp,cnn,course")
    assert quiz.topic == "mlp,cnn,course"
    assert [p.topic for p in quiz.problems] == ["mlp", "cnn", "course"] * 2 + ["mlp"]
    assert len({p.kind for p in quiz.problems}) >= 4
    for problem in quiz.problems:  # each kind applies to its topic; ids regenerate
        assert problem_from_id(problem.id).spec == problem.spec
        assert not (problem.topic == "course" and problem.kind == "error")
        assert not (problem.topic == "mlp" and problem.kind == "shape")


def test_one_topic_quizzes_are_unchanged_by_the_topic_plan() -> None:
    quiz = generate(7, 6, "cnn")
    assert [p.kind for p in quiz.problems] == ["table", "params", "shape", "inverse", "choice",
                                                "error"]  # fmt: skip
    assert [p.id.split("-")[1] for p in quiz.problems] == [f"i{i}" for i in range(6)]


def test_topic_as_a_list_or_repeated_gives_the_same_quiz(tmp_path: Path) -> None:
    one = run("quiz", "--seed", "3", "--count", "4", "--topic", "mlp,cnn", "--format", "json")
    two = run("quiz", "--seed", "3", "--count", "4", "--topic", "mlp", "--topic", "cnn",
              "--format", "json")  # fmt: skip
    assert one.exit_code == two.exit_code == 0, one.stderr + two.stderr
    assert one.stdout == two.stdout
    assert json.loads(one.stdout)["topic"] == "mlp,cnn"


@pytest.mark.parametrize(
    ("topic", "kinds", "message"),
    [
        ("mlp,bogus", None, "unknown topic 'bogus'"),
        ("mlp,cnn", ("shape",), "none of the question kinds shape applies to topic 'mlp'"),
        ("rnn,attention", ("inverse",), "question kind 'inverse' applies to none of the topics"),
        (",", None, "no topic given"),
    ],
)
def test_topic_plans_that_cannot_be_made_are_refused(
    topic: str, kinds: tuple[str, ...] | None, message: str
) -> None:
    with pytest.raises(GenerateError, match=message):
        generate(1, 3, topic, kinds=kinds)


@pytest.fixture(scope="module")
def roster_variants() -> tuple[Any, ...]:
    chosen = make.settings(11, 8, "mlp,cnn,course", "easy")
    return make.variants(chosen, parse_roster(ROSTER, 11))


def test_every_student_has_the_same_kinds_cells_and_a_close_score(
    roster_variants: tuple[Any, ...],
) -> None:
    reference = generate(11, 8, "mlp,cnn,course", "easy")
    wanted = targets(reference)
    for variant in roster_variants:
        problems = variant.quiz.problems
        assert [(p.topic, p.kind) for p in problems] == [(t.topic, t.kind) for t in wanted]
        assert [cells(p) for p in problems] == [t.cells for t in wanted]
        for problem, target in zip(problems, wanted, strict=True):
            assert abs(score(problem) - target.score) <= max(2, int(TOLERANCE * target.score))


def test_no_two_students_share_a_problem(roster_variants: tuple[Any, ...]) -> None:
    counts = Counter(problem_key(p) for v in roster_variants for p in v.quiz.problems)
    assert max(counts.values()) == 1
    for variant in roster_variants:  # and every id still regenerates its problem
        for problem in variant.quiz.problems:
            assert problem_key(problem_from_id(problem.id)) == problem_key(problem)


def test_a_student_key_says_how_to_write_the_roster_again(
    roster_variants: tuple[Any, ...],
) -> None:
    command = roster_variants[0].command
    assert command.startswith("explainer quiz --seed 11 --count 8 --topic mlp,cnn,course")
    assert command.endswith("--students ROSTER.csv")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_shows_after_a_second_on_a_terminal_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cli, "_PROGRESS_AFTER", 0.0)  # as if the second had passed
    terminal = _Terminal()
    monkeypatch.setattr(cli.sys, "stderr", terminal)
    with cli._progress(10, quiet=False) as tick:
        assert tick is not None
        tick(4)
        tick(6)
    assert "explainer quiz" in terminal.getvalue() and "100%" in terminal.getvalue()
    with cli._progress(10, quiet=True) as tick:
        assert tick is None
    monkeypatch.setattr(cli, "_PROGRESS_AFTER", 3600.0)  # a short run: no bar at all
    quiet = _Terminal()
    monkeypatch.setattr(cli.sys, "stderr", quiet)
    with cli._progress(10, quiet=False) as tick:
        assert tick is not None
        tick(10)
    assert quiet.getvalue() == ""
    monkeypatch.setattr(cli.sys, "stderr", io.StringIO())  # not a terminal
    with cli._progress(10, quiet=False) as tick:
        assert tick is None


def test_quiet_is_accepted(tmp_path: Path) -> None:
    result = run("quiz", "--seed", "1", "--count", "2", "--quiet", "-o", str(tmp_path / "q"))
    assert (result.exit_code, result.stderr) == (0, "")
