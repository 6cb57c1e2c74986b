"""Options -> variants -> files: what ``explainer quiz`` does, without the command line."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from pathlib import Path

from ...errors import OptionError, literal
from ...reading.roster import Student
from ...rendering.quiz_documents import (
    KEY,
    LATEXMKRC,
    QTI_PACKAGE,
    Settings,
    Variant,
    grader_files,
    key_json_text,
    variant_files,
)
from ..generate import generate
from ..generate.ids import check_count, check_seed, plan
from . import ANSWERS, FORMATS, FRAMEWORKS, INLINE, PLATFORMS

Progress = Callable[[int], None]  # told how many more problems are done


class QuizError(OptionError):
    """An option that cannot make a quiz: a format, an answers mode or a framework. As any
    OptionError, its message names options as ``{points}`` and quotes values with literal()."""


def settings(
    seed: int,
    count: int,
    topic: str,
    difficulty: str,
    kinds: tuple[str, ...] | None = None,
    framework: str = "pytorch",
    points: int = 0,
) -> Settings:
    """Checked options: every mistake is found before anything is generated."""
    if framework not in FRAMEWORKS:
        given = literal(repr(framework))
        raise QuizError(f"unknown framework {given}; frameworks: {', '.join(FRAMEWORKS)}")
    check_seed(seed)
    check_count(count)
    plan(topic, difficulty, kinds, framework)
    if type(points) is not int or not 0 <= points <= 1000:
        given = literal(repr(points))
        raise QuizError(f"{{points}} must be a whole number from 0 to 1000, got {given}")
    return Settings(seed, count, topic, difficulty, kinds, points, framework)


def check_format(fmt: str, answers: str, points: int = 0) -> None:
    if fmt not in FORMATS:
        raise QuizError(f"unknown quiz format {literal(repr(fmt))}; formats: {', '.join(FORMATS)}")
    if answers not in ANSWERS:
        given = literal(repr(answers))
        raise QuizError(f"unknown answers mode {given}; modes: {', '.join(ANSWERS)}")
    if answers == "inline" and fmt not in INLINE:
        raise QuizError(
            f"{{answers}} inline folds the answers into the sheet, which {literal(fmt)} cannot do; "
            f"formats that can: {', '.join(INLINE)}"
        )
    if fmt == "anki":
        from ...rendering.anki import check_available

        check_available()
        if points:
            raise QuizError(f"{{points}} {points}: an Anki deck has no marks; leave {{points}} out")
    if points and fmt == "gift":
        # Moodle's GIFT import sets every question's mark to 1 and reads one answer field per
        # question, so a problem's cells stay separate questions there.
        raise QuizError(
            f"{{points}} {points}: GIFT has no field for a question's mark (Moodle imports each "
            "at 1 point); use {fmt} moodle, one Cloze question per problem worth {points}"
        )


def check_platform(chosen: Settings, fmt: str) -> None:
    """A formula answer (topic symbolic) is right by equivalence, which Moodle, GIFT and
    Canvas cannot check (they compare text or numbers): such a quiz is refused for them.
    Budget questions (a number) and growth questions (multiple choice) they grade as any."""
    planned = plan(chosen.topic, chosen.difficulty, chosen.kinds)
    if fmt in PLATFORMS and any("formula" in kinds for _, kinds in planned):
        raise QuizError(
            f"{{fmt}} {literal(fmt)} cannot grade a formula answer (topic symbolic, kind "
            "formula): it compares text or numbers, not formulas; ask {kinds} budget,growth, "
            "or use markdown, latex, html or json"
        )


def check_stdout(fmt: str, students: tuple[Student, ...]) -> None:
    """Only one JSON object goes to standard output; everything else needs a directory."""
    if students:
        raise QuizError("{students} writes a sheet and a key per student: give {output} DIR")
    if fmt != "json":
        raise QuizError(
            f"{{fmt}} {literal(fmt)} writes a question sheet and an answer key: give "
            "{output} DIR (only {fmt} json prints to standard output)"
        )


def variants(
    chosen: Settings, students: tuple[Student, ...] = (), progress: Progress | None = None
) -> tuple[Variant, ...]:
    """The quiz of the seed, or one per student: each seeded from the student's id, and
    balanced against the seed's own quiz (see :mod:`.balance`)."""
    reference = generate(
        chosen.seed, chosen.count, chosen.topic, chosen.difficulty, chosen.kinds, chosen.framework
    )
    if not students:
        if progress is not None:
            progress(chosen.count)
        return (Variant(reference, None, command(chosen, chosen.seed), chosen.seed),)
    from .balance import balanced_quizzes  # on use: it needs the practice machinery

    quizzes = balanced_quizzes(reference, tuple(s.seed for s in students), progress)
    again = command(chosen, chosen.seed) + " --students ROSTER.csv"
    return tuple(
        Variant(quiz, student, again, chosen.seed)
        for quiz, student in zip(quizzes, students, strict=True)
    )


def json_text(variant: Variant) -> str:
    """The sheet and the key together: the generator's JSON contract (what key.json holds)."""
    return key_json_text(variant)


def files(
    chosen: Settings,
    made: tuple[Variant, ...],
    fmt: str,
    answers: str = "separate",
    progress: Progress | None = None,
) -> dict[str, bytes]:
    """Every file of the quiz, by its path relative to the output directory."""
    check_format(fmt, answers)
    inline = answers == "inline"
    written: dict[str, bytes] = {}
    for variant in made:
        prefix = f"students/{variant.student.id}/" if variant.student is not None else ""
        written |= variant_files(chosen, variant, fmt, inline, prefix)
        if progress is not None:
            progress(chosen.count)
    if made[0].student is not None:
        written |= grader_files(chosen, made, fmt)
    return written


def command(chosen: Settings, seed: int) -> str:
    """The command line that writes this variant again (a student's: with its own seed)."""
    words = ["explainer", "quiz", "--seed", str(seed), "--count", str(chosen.count)]
    words += ["--topic", chosen.topic, "--difficulty", chosen.difficulty]
    if chosen.kinds is not None:
        words += ["--kinds", ",".join(chosen.kinds)]
    if chosen.framework != "pytorch":
        words += ["--framework", chosen.framework]
    return shlex.join(words)


def summary(
    target: Path,
    chosen: Settings,
    made: tuple[Variant, ...],
    fmt: str,
    answers: str,
    written: dict[str, bytes],
) -> str:
    """What ``explainer quiz`` prints after writing: where, and what each file is."""
    rostered = made[0].student is not None
    head = f"wrote {target}: {fmt}, seed {chosen.seed}, {chosen.count} {chosen.topic} "
    head += f"{chosen.difficulty} problem{'s' if chosen.count != 1 else ''}"
    head += f" for each of {len(made)} students" if rostered else ""
    lines = [head]
    for name in written:
        if "/" not in name:
            lines.append(f"  {name:<18} {_describe(name, fmt, answers, rostered)}")
    if rostered:
        own = dict.fromkeys(n.rsplit("/", 1)[1] for n in written if n.startswith("students/"))
        lines.append(f"  {'students/<id>/':<18} {', '.join(own)}: each student's own")
    return "\n".join(lines) + "\n"


def _describe(name: str, fmt: str, answers: str, rostered: bool) -> str:
    if name == LATEXMKRC:
        return "latexmk's settings: the engine its documents need"
    if name == QTI_PACKAGE and rostered:
        return "a Canvas quiz per student, titled with its variant code, and the manifest"
    if name == QTI_PACKAGE:
        return "the QTI file and its manifest, for Canvas to import"
    if fmt == "anki":
        return "an Anki deck: a card per question, its answer worked out on the back"
    if fmt in PLATFORMS:
        held = "every student's variant" if rostered else "the questions"
        return f"{held}, with answers and worked solutions as feedback, to import"
    if name == KEY.get(fmt):
        if rostered:
            return "every student's answers, for the grader"
        return "the answer key with worked solutions"
    if answers == "inline":
        return "the question sheet, answers and worked solutions folded in"
    return "the question sheet"
