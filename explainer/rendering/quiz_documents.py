"""Variants -> the files of a quiz, in memory: sheets, keys and platform imports.

The templates are ``templates/<format>/quiz.<ext>`` (the sheet, or a platform's import file) and
``key.<ext>``; each format's macros (``worked.<ext>``) lay out a problem, its answers and its
worked solution. Moodle, GIFT and QTI write their feedback in HTML with the HTML format's
macros. The environments extend the solution formats' own (same filters, same delimiters),
with ``StrictUndefined``; HTML and the XML formats autoescape, and text that goes into XML as
HTML is escaped once more (``xmltext``). Nothing here computes an answer.
"""

from __future__ import annotations

import functools
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from ..deriving.solution import LayerResult
from ..reading.roster import Student, variant_code
from ..records import record
from ..resources import resource_dir
from ..teaching.problems import Choice, Problem, Question, Quiz
from ..teaching.quizzes import PLATFORMS
from . import quiz_json
from .printing import LatexPrinter
from .quiz_parts import (
    COUNTS,
    Part,
    answer_text,
    blank,
    canvas_kind,
    parts,
    typed_spellings,
)
from .render import environment as solution_environment
from .render import group_digits, tex_chain, tex_unicode
from .workings import working_json

_EXT = {
    "markdown": "md",
    "latex": "tex",
    "html": "html",
    "moodle": "xml",
    "gift": "gift",
    "qti": "xml",
    "anki": "html",
}
# The solution format whose filters (and for the platforms, whose HTML macros) a format uses.
_BASE = {"markdown": "markdown", "latex": "latex"} | dict.fromkeys(
    ("html", *PLATFORMS, "anki"), "html"
)
SHEET = {
    "markdown": "quiz.md",
    "latex": "quiz.tex",
    "html": "quiz.html",
    "json": "quiz.json",
    "moodle": "quiz.moodle.xml",
    "gift": "quiz.gift",
    "qti": "quiz.qti.xml",
    "anki": "quiz.apkg",
}
KEY = {"markdown": "key.md", "latex": "key.tex", "html": "key.html", "json": "key.json"}
LATEXMKRC = "latexmkrc"  # the LaTeX folders' build settings: the engine
QTI_PACKAGE = "quiz.qti.zip"  # what Canvas imports: the QTI file and its manifest
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed, so that the same seed gives the same bytes


@record
class Settings:
    """What the quiz was asked for (each student's variant has its own seed)."""

    seed: int
    count: int
    topic: str
    difficulty: str
    kinds: tuple[str, ...] | None  # None: every kind of the topic
    points: int = 0  # points per problem on a LaTeX sheet and in a platform's file; 0: none
    framework: str = "pytorch"  # whose layers the problems write


@record
class Variant:
    quiz: Quiz
    student: Student | None
    command: str  # the command that writes this variant again: for the key only
    base_seed: int  # the seed given; a student's variant has a seed derived from it

    @property
    def code(self) -> str:
        """What the sheet shows instead of the seed (see :func:`roster.variant_code`)."""
        return variant_code(self.quiz.seed)


def variant_files(
    settings: Settings, variant: Variant, fmt: str, inline: bool, prefix: str = ""
) -> dict[str, bytes]:
    """One variant's sheet and key (or its platform import, or its Anki deck)."""
    if fmt == "anki":
        return {prefix + SHEET[fmt]: anki_deck(variant)}
    if fmt in PLATFORMS:
        return _platform_files(settings, (variant,), fmt, prefix)
    if fmt == "json":
        return {
            prefix + SHEET[fmt]: _json_bytes(sheet_json(variant)),
            prefix + KEY[fmt]: _json_bytes(key_json(variant)),
        }
    unicode = needs_unicode((variant,))
    context = {"settings": settings, "variant": variant, "unicode": unicode}
    files = {prefix + SHEET[fmt]: _render(fmt, "quiz", **context, inline=inline)}
    if not inline:
        files[prefix + KEY[fmt]] = _render(fmt, "key", **context, grader=False)
    if fmt == "latex":
        files[prefix + LATEXMKRC] = latexmkrc(unicode)
    return files


def grader_files(settings: Settings, variants: tuple[Variant, ...], fmt: str) -> dict[str, bytes]:
    """A roster's combined file: every student's answers (platforms: every variant; Anki:
    none, a deck is each student's own)."""
    if fmt == "anki":
        return {}
    if fmt in PLATFORMS:
        return _platform_files(settings, variants, fmt, "")
    if fmt == "json":
        return {KEY[fmt]: _json_bytes(grader_json(settings, variants))}
    unicode = needs_unicode(variants)
    key = _render(fmt, "key", settings=settings, variants=variants, grader=True, unicode=unicode)
    if fmt == "latex":
        return {KEY[fmt]: key, LATEXMKRC: latexmkrc(unicode)}
    return {KEY[fmt]: key}


def needs_unicode(variants: tuple[Variant, ...]) -> bool:
    """Whether a LaTeX document names a student in letters beyond ASCII (Nguyễn, Иван, 王伟,
    Guðrún): pdflatex would strip or drop them, so the document is for LuaLaTeX."""
    names = (v.student.name for v in variants if v.student is not None)
    return any(not name.isascii() for name in names)


def latexmkrc(unicode: bool) -> bytes:
    """What ``latexmk`` reads in the folder: the engine its documents need. latexmk runs it
    as often as the page references need (the sheet's "Page 1 of 3")."""
    engine, mode = ("lualatex", 4) if unicode else ("pdflatex", 1)
    why = "names beyond ASCII, set with fontspec" if unicode else "plain ASCII names"
    return (
        f"# Written by explainer quiz: build with `latexmk` here ({engine}: {why}).\n"
        f"$pdf_mode = {mode};\n"
    ).encode()


def _platform_files(
    settings: Settings, variants: tuple[Variant, ...], fmt: str, prefix: str
) -> dict[str, bytes]:
    if fmt == "qti":
        return _qti_files(settings, variants, prefix)
    return {prefix + SHEET[fmt]: _render(fmt, "quiz", settings=settings, variants=variants)}


def _qti_files(settings: Settings, variants: tuple[Variant, ...], prefix: str) -> dict[str, bytes]:
    """One variant: its QTI file, and the zip Canvas imports. A roster's combined file is only
    the zip: QTI 1.2 holds one assessment per file, so each student's file goes in whole
    (``students/<id>/quiz.qti.xml``), one quiz per student in Canvas, to assign to that
    student. (Not a question bank to draw from: a random draw would undo the balance of the
    variants, the same kinds and number of answer cells for everyone.)"""
    rostered = variants[0].student is not None and not prefix
    members: dict[str, bytes] = {}
    for variant in variants:
        where = f"students/{variant.student.id}/" if rostered and variant.student else ""
        members[where + SHEET["qti"]] = _render("qti", "quiz", settings=settings, variant=variant)
    ident = variant_code(settings.seed) if rostered else variants[0].code
    listed = [(v.code, name) for v, name in zip(variants, members, strict=True)]
    manifest = _render("qti", "manifest", files=listed, ident=ident)
    package = _zip({"imsmanifest.xml": manifest, **members})
    if rostered:
        return {QTI_PACKAGE: package}
    return {prefix + SHEET["qti"]: members[SHEET["qti"]], prefix + QTI_PACKAGE: package}


def anki_deck(variant: Variant) -> bytes:
    """The variant as an Anki package (.apkg): a note per question, its front the problem and
    the question, its back the answer and its worked derivation (HTML, the html format's
    macros); the deck named with the variant's code, never its seed. Same variant, same bytes:
    the ids and times are fixed (:mod:`.anki`), and so are the zip's dates."""
    from . import anki  # on use: it imports genanki, an optional extra

    quiz = variant.quiz
    notes = tuple(
        anki.Note(
            f"{problem.id}-{question.id}",
            _render("anki", "front", problem=problem, question=question).decode("utf-8"),
            _render("anki", "back", problem=problem, question=question).decode("utf-8"),
            ("explainer", problem.kind, quiz.difficulty),
        )
        for problem in quiz.problems
        for question in problem.questions
    )
    name = f"explainer::quiz {variant.code}"
    if variant.student is not None:
        name += f" ({variant.student.id})"
    css = (Path(resource_dir("templates")) / "anki" / "card.css").read_text(encoding="utf-8")
    database = anki.collection(name, variant.code, css, notes)
    return _zip({"collection.anki2": database, "media": b"{}"})


def _render(fmt: str, name: str, **context: Any) -> bytes:
    template = environment(fmt).get_template(f"{name}.{_EXT[fmt]}")
    return template.render(**context).encode("utf-8")


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


# -- JSON: the generator's contract for keys, the same without answers for sheets ------------


def _json_bytes(data: Any) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def key_json(variant: Variant) -> dict[str, Any]:
    """``quiz_json.to_json``, the variant's code (what its sheet shows), and the student for a
    roster's variant."""
    data = {**quiz_json.to_json(variant.quiz), "variant": variant.code}
    if variant.student is not None:
        data = {"student": _student_json(variant), **data}
    return data


def key_json_text(variant: Variant) -> str:
    return _json_bytes(key_json(variant)).decode("utf-8")


def sheet_json(variant: Variant) -> dict[str, Any]:
    """What a student may see: no answers, no solution, no spec (an inverse problem's spec
    holds its answer): ``shown_spec`` only; and nothing that regenerates the key (no seed,
    no command, no problem id): the variant's opaque code and the problems' numbers."""
    quiz = variant.quiz
    data: dict[str, Any] = {
        "variant": variant.code,
        "topic": quiz.topic,
        "difficulty": quiz.difficulty,
        "kinds": list(quiz.kinds),
        "problems": [
            _problem_sheet_json(number, problem) for number, problem in enumerate(quiz.problems, 1)
        ],
    }
    if variant.student is not None:
        data = {"student": {"id": variant.student.id, "name": variant.student.name}, **data}
    return data


def grader_json(settings: Settings, variants: tuple[Variant, ...]) -> dict[str, Any]:
    return {
        "seed": settings.seed,
        "topic": settings.topic,
        "difficulty": settings.difficulty,
        "count": settings.count,
        "students": [
            {
                **_student_json(variant),
                "problems": [
                    {
                        "id": problem.id,
                        "answers": {
                            question.id: quiz_json.answer_json(question.answer)
                            for question in problem.questions
                        },
                    }
                    for problem in variant.quiz.problems
                ],
            }
            for variant in variants
        ],
    }


def _student_json(variant: Variant) -> dict[str, Any]:
    student = variant.student
    assert student is not None
    return {
        "id": student.id,
        "name": student.name,
        "variant": variant.code,
        "seed": student.seed,
        "command": variant.command,
    }


def _problem_sheet_json(number: int, problem: Problem) -> dict[str, Any]:
    return {
        "number": number,
        "kind": problem.kind,
        "input_shape": quiz_json.shape_json(problem.input_shape),
        "statement": problem.statement,
        "shown_spec": problem.shown_spec,
        "questions": [_question_sheet_json(question) for question in problem.questions],
    }


def _question_sheet_json(question: Question) -> dict[str, Any]:
    data: dict[str, Any] = {"id": question.id, "prompt": question.prompt, "asks": question.asks}
    for name in ("layer", "argument", "axis"):
        if getattr(question, name) is not None:
            data[name] = getattr(question, name)
    if question.choices:
        data["choices"] = [
            {"label": c.label, "value": quiz_json.answer_json(c.value)} for c in question.choices
        ]
    if question.sizes:
        data["sizes"] = list(question.sizes)
    return data


# -- Jinja environments ---------------------------------------------------------------------


@functools.cache
def environment(fmt: str) -> jinja2.Environment:
    """The solution format's environment, looking in templates/<fmt>/ (and templates/html/ for
    the platforms, whose feedback is HTML), with the quiz filters added."""
    base = solution_environment(_BASE[fmt], "western")
    root = Path(resource_dir("templates"))
    folders = dict.fromkeys([root / fmt, root / _BASE[fmt]])
    env = base.overlay(
        loader=jinja2.FileSystemLoader([str(folder) for folder in folders]),
        autoescape=_BASE[fmt] == "html",
    )
    env.filters = {**base.filters, **_filters()}
    return env


def _filters() -> dict[str, Callable[..., Any]]:
    return {
        "answer": _answer,
        "option": _option,
        "layer": _layer,
        "working": _working,
        "parts": parts,
        "xmltext": _xml_text,
        "oneline": _one_line,
        "gift": _gift,
        "utex": tex_unicode,
        "label": _label,
        "cloze": cloze_field,
        "blank": blank,
        "typed": typed_spellings,
        "canvas_kind": canvas_kind,
        "share": _share,
        "nobrackets": _no_brackets,
        "key_layers": _key_layers,
        "chain": tex_chain,
    }


def _answer(question: Question) -> str:
    right = next((choice for choice in question.choices if choice.correct), None)
    text = answer_text(question)
    return f"{right.label}: {text}" if right is not None else text


_CLOZE_SPECIAL = {char: "\\" + char for char in '\\}#~/"'}


def _cloze_text(value: object) -> str:
    """Text inside a Moodle Cloze field: its control characters escaped with a backslash."""
    return "".join(_CLOZE_SPECIAL.get(char, char) for char in str(value))


def cloze_field(part: Part) -> str:
    """One answer cell as a Moodle Cloze (multi-answer) field: a number exactly (NUMERICAL,
    tolerance 0), a shape in every spelling the terminal practice reads (SHORTANSWER), or a
    choice with each wrong option's mistake as its feedback (MULTICHOICE)."""
    if part.grading == "numerical":
        return f"{{1:NUMERICAL:={part.answer}:0}}"
    if part.grading == "shortanswer":
        return "{1:SHORTANSWER:" + "~".join("=" + _cloze_text(s) for s in part.spellings) + "}"
    options = []
    for choice in part.choices:
        text = _cloze_text(_option(choice, part.question))
        if choice.correct:
            options.append(f"={text}#Right.")
        else:
            assert choice.misconception is not None
            options.append(f"{text}#{_cloze_text(choice.misconception.description)}")
    return "{1:MULTICHOICE:" + "~".join(options) + "}"


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _share(fields: tuple[Part, ...]) -> str:
    """Each blank's share of a Canvas question's score, as Canvas writes it (33.33)."""
    return f"{100 / len(fields):.2f}"


def _no_brackets(value: object) -> Markup:
    """HTML (escaped here if it is not already) whose square brackets cannot be read as a
    Canvas blank: Canvas takes any ``[name]`` in a question's text for the blank ``name``."""
    return Markup(str(escape(value)).replace("[", "&#91;").replace("]", "&#93;"))


def _label(question: Question, problem: Problem) -> str:
    """A question as the sheet labels it: ``(a)``, ``(b)`` for the parts of a problem (the exam
    class's own labels), ``row 3`` and ``total`` for a table."""
    if question.asks == "row":
        return f"row {question.layer}"
    if question.asks == "total":
        return "total"
    return f"({_LETTERS[problem.questions.index(question)]})"


def _key_layers(problem: Problem) -> tuple[LayerResult, ...] | None:
    """The layers a key works out for a problem: a table's every layer (None: the whole
    solution, its summary and total); a question about layer k, layers 1 to k, the sizes on
    the way to it, and not the rest of the network again."""
    asked = [q.layer for q in problem.questions if q.layer is not None]
    if problem.kind == "table" or not asked:
        return None
    return problem.solution.layers[: max(asked)]


def _working(question: Question) -> dict[str, Any]:
    """The inverse problem's working as the JSON contract prints it, and its formula in LaTeX."""
    working = question.working
    assert working is not None
    formula = working.formula
    latex = LatexPrinter(tight=formula.tight).doprint(formula.expr)
    return {**working_json(working), "formula_latex": latex}


def _option(choice: Choice, question: Question) -> str:
    return group_digits(choice.value) if question.asks in COUNTS else str(choice.value)


def _layer(problem: Problem, question: Question) -> LayerResult:
    """The layer a question is about (``Question.layer`` counts from 1)."""
    assert question.layer is not None
    return problem.solution.layers[question.layer - 1]


def _xml_text(value: object) -> Markup:
    """HTML (escaped already, or not) as the text of an XML element: escaped (once more)."""
    return escape(str(value))


def _one_line(value: object) -> Markup | str:
    """GIFT ends a question at a blank line: the HTML goes on one line (it ignores breaks)."""
    text = " ".join(line.strip() for line in str(value).splitlines() if line.strip())
    return Markup(text) if isinstance(value, Markup) else text


_GIFT_SPECIAL = {char: "\\" + char for char in "\\~=#{}:"}


def _gift(value: object) -> Markup:
    """GIFT's control characters escaped with a backslash, after HTML escaping ([html] text)."""
    return Markup("".join(_GIFT_SPECIAL.get(char, char) for char in str(escape(value))))
