"""``explainer quiz --format anki``: the .apkg opened as Anki would (a zip holding a SQLite
collection), read with the standard library alone: a note and a card per question, the
question on the front and its worked answer on the back, the same bytes for the same seed in
any process, and one line of refusal without genanki (an optional extra)."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from explainer.cli import main
from explainer.reading.roster import parse_roster, variant_code
from explainer.rendering.quiz_parts import answer_text

ROOT = Path(__file__).resolve().parent.parent
SMALL = ["--seed", "7", "--count", "6", "--topic", "cnn"]  # one problem of every kind


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), prog_name="explainer")


@pytest.fixture(scope="module")
def genanki() -> Any:
    return pytest.importorskip("genanki", reason="genanki is not installed (explainer[anki])")


def read_apkg(path: Path, tmp_path: Path) -> dict[str, Any]:
    """The deck as Anki's importer sees it: the collection's decks, models, notes and cards."""
    with zipfile.ZipFile(path) as package:
        assert package.namelist() == ["collection.anki2", "media"]
        assert json.loads(package.read("media")) == {}
        database = tmp_path / f"{path.parent.name}-collection.anki2"
        database.write_bytes(package.read("collection.anki2"))
    connection = sqlite3.connect(database)
    try:
        decks, models = connection.execute("SELECT decks, models FROM col").fetchone()
        notes = connection.execute("SELECT id, guid, mid, flds, tags FROM notes").fetchall()
        cards = connection.execute("SELECT nid, did, ord, type, queue FROM cards").fetchall()
    finally:
        connection.close()
    return {"decks": json.loads(decks), "models": json.loads(models), "notes": notes,
            "cards": cards}  # fmt: skip


class _Balance(HTMLParser):
    VOID = frozenset({"br", "hr", "img", "meta", "link", "input", "col"})

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, (tag, self.open[-5:])
        self.open.pop()


def balanced(text: str) -> bool:
    parser = _Balance()
    parser.feed(text)
    parser.close()
    return parser.open == []


def test_deck_has_a_note_per_question_with_its_worked_answer(genanki: Any, tmp_path: Path) -> None:
    from explainer.teaching.quizzes import make

    result = run("quiz", *SMALL, "--format", "anki", "-o", str(tmp_path / "deck"))
    assert result.exit_code == 0, result.stderr
    deck = read_apkg(tmp_path / "deck" / "quiz.apkg", tmp_path)
    quiz = make.variants(make.settings(7, 6, "cnn", "easy"))[0].quiz
    questions = [(p, q) for p in quiz.problems for q in p.questions]
    assert len(deck["notes"]) == len(deck["cards"]) == len(questions)
    (model,) = deck["models"].values()
    assert [field["name"] for field in model["flds"]] == ["Question", "Answer"]
    assert model["tmpls"][0]["qfmt"] == "{{Question}}"
    own = [d for d in deck["decks"].values() if d["name"] != "Default"]
    assert [d["name"] for d in own] == [f"explainer::quiz {variant_code(7)}"]
    assert {card[1] for card in deck["cards"]} == {own[0]["id"]}  # every card in that deck
    assert len({note[1] for note in deck["notes"]}) == len(questions)  # distinct guids
    for (problem, question), note in zip(questions, deck["notes"], strict=True):
        front, back = note[3].split("\x1f")
        assert balanced(front) and balanced(back)
        assert problem.statement in front and "Answer" not in front
        assert problem.id not in front + back and "seed" not in front + back
        assert f"Answer: <strong>{answer_text(question)}" in back or (
            question.choices and f": {answer_text(question)}</strong>" in back
        )
        # The derivation follows the answer: a layer's steps, or the problem's worked solution.
        assert "<h4>Layer" in back or "<h4>Summary" in back or "Worked solution" in back
        assert note[4].split() == ["explainer", problem.kind, "easy"]


def test_same_seed_same_bytes_in_separate_processes(genanki: Any, tmp_path: Path) -> None:
    digests = []
    for hash_seed in ("1", "2"):
        out = tmp_path / f"run-{hash_seed}"
        done = subprocess.run(
            [sys.executable, "-m", "explainer", "quiz", *SMALL, "--format", "anki", "-o", str(out)],
            cwd=ROOT, env=os.environ | {"PYTHONHASHSEED": hash_seed}, capture_output=True,
            text=True, timeout=300, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        digests.append(hashlib.sha256((out / "quiz.apkg").read_bytes()).hexdigest())
    assert digests[0] == digests[1]
    other = tmp_path / "other"
    assert run("quiz", "--seed", "8", "--count", "6", "--format", "anki", "-o", str(other))
    first, second = (
        read_apkg(tmp_path / "run-1" / "quiz.apkg", tmp_path),
        read_apkg(other / "quiz.apkg", tmp_path),
    )
    ids = [{d["id"] for d in deck["decks"].values()} - {1} for deck in (first, second)]
    assert ids[0] and ids[1] and not ids[0] & ids[1]  # two decks never share an id
    assert not {n[0] for n in first["notes"]} & {n[0] for n in second["notes"]}


def test_a_roster_gives_each_student_a_deck(genanki: Any, tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\nalice,Alice\nbob,Bob\n", encoding="utf-8")
    out = tmp_path / "q"
    result = run("quiz", *SMALL, "--format", "anki", "--students", str(roster), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.apkg"))
    assert files == ["students/alice/quiz.apkg", "students/bob/quiz.apkg"]
    for student in parse_roster(roster.read_text(), 7):
        deck = read_apkg(out / "students" / student.id / "quiz.apkg", tmp_path)
        names = {d["name"] for d in deck["decks"].values()} - {"Default"}
        assert names == {f"explainer::quiz {variant_code(student.seed)} ({student.id})"}


def test_without_genanki_anki_is_refused_in_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "genanki", None)  # `import genanki` now fails
    result = run("quiz", *SMALL, "--format", "anki", "-o", str(tmp_path / "deck"))
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == (
        "explainer: error: --format anki needs genanki, an optional extra: "
        "pip install 'explainer[anki]'\n"
    )
    assert not (tmp_path / "deck").exists()


def test_points_are_refused_for_a_deck(genanki: Any, tmp_path: Path) -> None:
    result = run("quiz", *SMALL, "--format", "anki", "--points", "2", "-o", str(tmp_path / "d"))
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == (
        "explainer: error: --points 2: an Anki deck has no marks; leave --points out\n"
    )
    assert not (tmp_path / "d").exists()


def test_formula_answers_make_cards_too(genanki: Any, tmp_path: Path) -> None:
    """A formula cannot be graded by a platform, but a flash card only shows it: the symbolic
    topic gives a deck, each card's back the formula and its working."""
    out = tmp_path / "sym"
    result = run("quiz", "--seed", "3", "--count", "4", "--topic", "symbolic", "--format", "anki",
                 "-o", str(out))  # fmt: skip
    assert result.exit_code == 0, result.stderr
    from explainer.teaching.quizzes import make

    deck = read_apkg(out / "quiz.apkg", tmp_path)
    backs = [note[3].split("\x1f")[1] for note in deck["notes"]]
    quiz = make.variants(make.settings(3, 4, "symbolic", "easy"))[0].quiz
    questions = [question for problem in quiz.problems for question in problem.questions]
    assert len(backs) == len(questions) and all(balanced(back) for back in backs)
    assert "formula" in {question.asks for question in questions}
    for question, back in zip(questions, backs, strict=True):
        assert f"{answer_text(question)}</strong>" in back
