"""Learning-platform files read back by parsers that are not explainer's, and graded as the
platform grades: known right answers (in every spelling ``explainer practice`` reads) score,
known wrong ones do not.

- Canvas (QTI 1.2 zip): qti-package-maker's package checker (manifest and answer linkage),
  then ElementTree and Canvas's own rules for a "fill in multiple blanks" question (every
  answer listed for a blank is right; a response matches one trimmed and ignoring case; the
  blanks share the question's points equally).
- GIFT: pygiftparser reads the file; Moodle's rules grade it (a short answer equal to a right
  one ignoring case, a number within its tolerance, a choice by its text).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
import zipfile
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from explainer.cli import main
from explainer.reading.roster import parse_roster, student_seed, variant_code
from explainer.teaching.practice import parse_answer

SMALL = ["--seed", "7", "--count", "6", "--topic", "cnn"]  # one problem of every kind
QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
ROSTER = "id,name\nalice,Alice Liddell\nbob,Bob Ross\n2021-CSE-007,\n"


def ok(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), prog_name="explainer")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert (result.exit_code, result.stderr) == (0, ""), result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("lms")
    ok("quiz", *SMALL, "--format", "qti", "--points", "4", "-o", str(root / "qti"))
    ok("quiz", *SMALL, "--format", "gift", "-o", str(root / "gift"))
    ok("quiz", *SMALL, "--format", "json", "-o", str(root / "json"))
    return root


@pytest.fixture(scope="module")
def key(written: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((written / "json" / "key.json").read_text("utf-8"))
    return data


# -- what a student may type -------------------------------------------------------------------


def shape_typings(sizes: list[int]) -> list[str]:
    """The ways a student writes a shape that ``explainer practice`` reads."""
    text = [str(size) for size in sizes]
    if len(text) == 1:
        return [text[0], f"({text[0]},)", f"[{text[0]}]", f" {text[0]} "]
    forms = [sep.join(text) for sep in ("×", "x", "X", " × ", " x ")]
    forms += ["(" + ",".join(text) + ")", "(" + ", ".join(text) + ")"]
    forms += ["[" + ",".join(text) + "]", "[" + ", ".join(text) + "]"]
    return [*forms, ", ".join(text), ",".join(text), " ".join(text), f"  {forms[0]} "]


def wrong_shapes(sizes: list[int]) -> list[str]:
    wrong = [[*sizes[:-1], sizes[-1] + 1], [1, *sizes]]  # off by one; with the batch dimension
    if len(sizes) > 1 and sizes != sizes[::-1]:
        wrong.append(sizes[::-1])
    return ["x".join(map(str, shape)) for shape in wrong]


def number_typings(value: int) -> list[str]:
    forms = [str(value), f" {value} "]
    if value >= 1000:
        forms += [f"{value:,}", f"{value:,}".replace(",", " ")]
    return forms


# -- Canvas: QTI 1.2, read with ElementTree, graded by Canvas's rules --------------------------


def canvas_items(document: bytes) -> tuple[ET.Element, list[dict[str, Any]]]:
    """The assessment, and each item as Canvas imports it: its type, points, text, and per
    response its labels (ident -> text) and the label idents its scoring conditions name."""
    root = ET.fromstring(document)
    assert root.tag == f"{QTI}questestinterop"
    (assessment,) = root.findall(f"{QTI}assessment")
    (section,) = assessment.findall(f"{QTI}section")
    items = []
    for item in section.findall(f"{QTI}item"):
        meta = {
            field.findtext(f"{QTI}fieldlabel"): field.findtext(f"{QTI}fieldentry")
            for field in item.iter(f"{QTI}qtimetadatafield")
        }
        responses: dict[str, dict[str, str]] = {}
        for lid in item.iter(f"{QTI}response_lid"):
            labels = lid.iter(f"{QTI}response_label")
            responses[lid.get("ident") or ""] = {
                label.get("ident") or "": label.findtext(f"{QTI}material/{QTI}mattext") or ""
                for label in labels
            }
        scoring: dict[str, set[str]] = {}
        shares: list[Fraction] = []
        for condition in item.iter(f"{QTI}respcondition"):
            setvar = condition.find(f"{QTI}setvar")
            if setvar is None or Fraction(setvar.text or "0") <= 0:
                continue
            shares.append(Fraction(setvar.text or "0"))
            for equal in condition.iter(f"{QTI}varequal"):
                scoring.setdefault(equal.get("respident") or "", set()).add(equal.text or "")
        items.append(
            {
                "ident": item.get("ident"),
                "type": meta["question_type"],
                "points": Fraction(meta["points_possible"] or "0"),
                "text": item.findtext(f"{QTI}presentation/{QTI}material/{QTI}mattext") or "",
                "responses": responses,
                "scoring": scoring,
                "shares": shares,
            }
        )
    return assessment, items


def canvas_right(item: dict[str, Any], response: str, typed: str) -> bool:
    """Canvas: the typed text matches a listed answer trimmed and ignoring case (a blank); a
    choice is its label. Right when the label matched is one the scoring names."""
    labels = item["responses"][response]
    if item["type"] == "multiple_choice_question":
        chosen = [ident for ident, text in labels.items() if text == typed]
    else:
        chosen = [i for i, text in labels.items() if text.strip().lower() == typed.strip().lower()]
    return bool(chosen) and chosen[0] in item["scoring"].get(response, set())


def canvas_score(item: dict[str, Any], typed: dict[str, str]) -> Fraction:
    """Canvas's fill in multiple blanks: the points shared equally by the blanks."""
    blanks = item["responses"]
    right = sum(canvas_right(item, name, typed.get(name, "")) for name in blanks)
    return item["points"] * Fraction(right, len(blanks))


def blank_answers(problem: dict[str, Any]) -> dict[str, Any]:
    """Blank name -> the JSON key's answer: [L3_shape] and [L3_params] for a table row,
    [total], and [a], [b] for the parts of any other problem."""
    found: dict[str, Any] = {}
    for index, question in enumerate(problem["questions"]):
        answer = question["answer"]
        if isinstance(answer, dict):
            found[f"{question['id']}_shape"] = answer["output_shape"]
            found[f"{question['id']}_params"] = answer["params"]
        else:
            found[question["id"] if question["id"] == "total" else "abcdefgh"[index]] = answer
    return {f"response_{name}": answer for name, answer in found.items()}


def right_typings(answer: Any) -> list[str]:
    if isinstance(answer, list):
        for typed in shape_typings(answer):  # each one explainer practice reads as the shape
            assert parse_answer(typed, axes=len(answer)) in (tuple(answer), answer[0]), typed
        return shape_typings(answer)
    return number_typings(answer)


def wrong_typings(answer: Any) -> list[str]:
    if isinstance(answer, list):
        return wrong_shapes(answer)
    return [str(answer + 1), *([str(answer - 1)] if answer else []), ""]


def test_canvas_package_passes_a_qti_package_checker(written: Path, tmp_path: Path) -> None:
    integrity = pytest.importorskip(
        "qti_package_maker.common.package_integrity",
        reason="qti-package-maker is not installed (pip install qti-package-maker)",
    )
    package = written / "qti" / "quiz.qti.zip"
    assert integrity.check_package(str(package)) == []
    # The checker can fail: a scoring condition naming an answer no blank lists.
    with zipfile.ZipFile(package) as source:
        members = {name: source.read(name) for name in source.namelist()}
    members["quiz.qti.xml"] = re.sub(
        rb"(<varequal respident=\"response_L1_shape\">[^<]*)-1<", rb"\1-99<",
        members["quiz.qti.xml"], count=1,
    )  # fmt: skip
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(broken, "w") as target:
        for name, data in members.items():
            target.writestr(name, data)
    assert any("matches no declared choice" in v for v in integrity.check_package(str(broken)))


def test_canvas_one_question_per_problem_graded_as_canvas_would(
    written: Path, key: dict[str, Any]
) -> None:
    _, items = canvas_items((written / "qti" / "quiz.qti.xml").read_bytes())
    assert len(items) == len(key["problems"])  # one question per problem, not per cell
    for problem, item in zip(key["problems"], items, strict=True):
        assert item["points"] == 4  # --points 4: the problem's, shared by its blanks
        assert abs(sum(item["shares"]) - 100) < Fraction(1, 10)
        expected = blank_answers(problem)
        if problem["kind"] == "choice":
            assert item["type"] == "multiple_choice_question"
            (answer,) = expected.values()
            labels = item["responses"]["response1"]
            right = [text for text in labels.values() if canvas_right(item, "response1", text)]
            assert right in ([f"{answer:,}"], [str(answer)])
            continue
        assert item["type"] == "fill_in_multiple_blanks_question"
        assert sorted(item["responses"]) == sorted(expected)  # one blank per answer cell
        for response in expected:
            assert item["text"].count(f"[{response.removeprefix('response_')}]") == 1
        for response, answer in expected.items():
            for typed in right_typings(answer):
                assert canvas_right(item, response, typed), (problem["id"], response, typed)
            for typed in wrong_typings(answer):
                assert not canvas_right(item, response, typed), (problem["id"], response, typed)
        everything = {response: right_typings(answer)[0] for response, answer in expected.items()}
        assert canvas_score(item, everything) == 4
        first = next(iter(expected))
        one_wrong = everything | {first: wrong_typings(expected[first])[0]}
        assert canvas_score(item, one_wrong) == 4 * Fraction(len(expected) - 1, len(expected))


def test_canvas_text_shows_no_seed_and_no_problem_id(written: Path, key: dict[str, Any]) -> None:
    document = (written / "qti" / "quiz.qti.xml").read_text("utf-8")
    assessment, _ = canvas_items(document.encode())
    assert assessment.get("title") == f"explainer quiz {variant_code(7)}"
    assert "seed" not in document
    assert not any(problem["id"] in document for problem in key["problems"])


def test_canvas_roster_is_one_assessment_per_student(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    ok("quiz", *SMALL, "--format", "qti", "--students", str(roster), "-o", str(tmp_path / "q"))
    package = tmp_path / "q" / "quiz.qti.zip"
    with zipfile.ZipFile(package) as archive:
        manifest = ET.fromstring(archive.read("imsmanifest.xml"))
        files = [f.get("href") or "" for f in manifest.iter() if f.tag.endswith("}file")]
        documents = {name: archive.read(name) for name in files}
    students = parse_roster(ROSTER, 7)
    assert files == [f"students/{student.id}/quiz.qti.xml" for student in students]
    titles = set()
    for student, name in zip(students, files, strict=True):
        assessment, items = canvas_items(documents[name])
        code = variant_code(student_seed(7, student.id))
        assert assessment.get("title") == f"explainer quiz {code} ({student.id})"
        assert str(student.seed) not in documents[name].decode() and len(items) == 6
        titles.add(assessment.get("title"))
    assert len(titles) == len(students)
    integrity = pytest.importorskip("qti_package_maker.common.package_integrity")
    assert integrity.check_package(str(package)) == []


# -- GIFT: pygiftparser reads it, Moodle's rules grade it --------------------------------------


def gift_questions(path: Path) -> list[Any]:
    parser = pytest.importorskip(
        "pygiftparser.parser", reason="pygiftparser is not installed (pip install --no-deps "
        "pygiftparser==1.1 yattag markdown)",
    )  # fmt: skip
    with path.open(encoding="utf-8") as source:
        questions = parser.parseFile(source)
    assert all(question.valid for question in questions)
    return list(questions)


def moodle_right(question: Any, typed: str) -> bool:
    """Moodle: a short answer equal to a right one ignoring case (none has a * wildcard), a
    number within the tolerance, a choice by its text."""
    kind = type(question.answers).__name__
    answers = [a for a in question.answers.answers if a.fraction == 100]
    if kind == "ShortSet":
        assert not any("*" in a.answer for a in answers)
        return typed.strip().casefold() in {a.answer.casefold() for a in answers}
    if kind == "NumericAnswerSet":
        try:
            value = float(typed)
        except ValueError:
            return False
        return any(abs(value - a.value) <= a.tolerance for a in answers)
    assert kind == "SelectSet", kind
    return typed in {a.answer for a in answers}


def test_gift_read_by_pygiftparser_grades_right_and_wrong_answers(
    written: Path, key: dict[str, Any]
) -> None:
    questions = {q.title: q for q in gift_questions(written / "gift" / "quiz.gift")}
    seen = 0
    for problem in key["problems"]:
        for question in problem["questions"]:
            answer = question["answer"]
            cells = (
                {"shape": answer["output_shape"], "params": answer["params"]}
                if isinstance(answer, dict)
                else {"": answer}
            )
            for half, value in cells.items():
                title = " ".join(filter(None, (problem["id"], question["id"], half)))
                parsed = questions[title]
                seen += 1
                if type(parsed.answers).__name__ == "SelectSet":
                    assert moodle_right(parsed, f"{value:,}") or moodle_right(parsed, str(value))
                    wrong = [a.answer for a in parsed.answers.answers if a.fraction == 0]
                    assert len(wrong) == 3 and not any(moodle_right(parsed, w) for w in wrong)
                    continue
                rights = shape_typings(value) if isinstance(value, list) else [str(value)]
                for typed in rights:
                    assert moodle_right(parsed, typed), (title, typed)
                for typed in wrong_typings(value):
                    assert not moodle_right(parsed, typed), (title, typed)
                assert re.match(r"<h[34]>", parsed.generalFeedback)  # the worked solution
    assert seen == len(questions)  # GIFT: one question per answer cell (see README)


def test_gift_refuses_points(tmp_path: Path) -> None:
    """Moodle imports every GIFT question at 1 point (GIFT has no field for a mark), so
    --points cannot hold there: refused with the format that can, nothing written."""
    args = ["quiz", *SMALL, "--format", "gift", "--points", "5", "-o", str(tmp_path / "g")]
    result = CliRunner().invoke(main, args, prog_name="explainer")
    assert result.exit_code == 2 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert "--points" in line and "--format moodle" in line
    assert not (tmp_path / "g").exists()


# -- Moodle XML: one Cloze question per problem, worth --points, every spelling a field takes --


def test_moodle_cloze_takes_every_spelling_and_the_points(tmp_path: Path) -> None:
    from test_quiz import cloze_fields, cloze_grade  # the Cloze syntax read by regex

    ok("quiz", *SMALL, "--format", "moodle", "--points", "3", "-o", str(tmp_path / "m"))
    ok("quiz", *SMALL, "--format", "json", "-o", str(tmp_path / "j"))
    problems = json.loads((tmp_path / "j" / "key.json").read_text("utf-8"))["problems"]
    root = ET.parse(tmp_path / "m" / "quiz.moodle.xml").getroot()
    questions = [q for q in root if q.get("type") == "cloze"]
    assert len(questions) == len(problems)
    for problem, question in zip(problems, questions, strict=True):
        assert question.findtext("defaultgrade") == "3"
        fields = cloze_fields(question.findtext("questiontext/text", ""))
        expected = list(blank_answers(problem).values())
        assert len(fields) == len(expected)
        for field, answer in zip(fields, expected, strict=True):
            if field[0] == "MULTICHOICE":
                continue  # graded in tests/test_quiz.py
            typings = shape_typings(answer) if isinstance(answer, list) else [str(answer)]
            for typed in typings:
                assert cloze_grade(field, typed.strip()), (problem["id"], typed)
            for typed in wrong_typings(answer):
                assert not cloze_grade(field, typed), (problem["id"], typed)


@pytest.mark.parametrize(
    "args",
    [
        ["--seed", "3", "--topic", "course", "--difficulty", "hard"],
        ["--seed", "11", "--topic", "mlp,cnn", "--difficulty", "medium"],
    ],
)
def test_canvas_blanks_grade_other_topics_and_difficulties(tmp_path: Path, args: list[str]) -> None:
    ok("quiz", *args, "--count", "8", "--format", "qti", "-q", "-o", str(tmp_path / "qti"))
    ok("quiz", *args, "--count", "8", "--format", "json", "-q", "-o", str(tmp_path / "json"))
    problems = json.loads((tmp_path / "json" / "key.json").read_text("utf-8"))["problems"]
    _, items = canvas_items((tmp_path / "qti" / "quiz.qti.xml").read_bytes())
    for problem, item in zip(problems, items, strict=True):
        expected = blank_answers(problem)
        if item["type"] == "multiple_choice_question":
            continue
        assert sorted(item["responses"]) == sorted(expected), problem["id"]
        for response, answer in expected.items():
            assert all(canvas_right(item, response, typed) for typed in right_typings(answer))
            assert not any(canvas_right(item, response, t) for t in wrong_typings(answer))


def test_square_brackets_of_a_text_cannot_become_a_blank() -> None:
    from explainer.rendering.quiz_documents import environment

    no_brackets = environment("qti").filters["nobrackets"]
    assert no_brackets("x[:, -1] <b>") == "x&#91;:, -1&#93; &lt;b&gt;"  # escaped, then [ ]
