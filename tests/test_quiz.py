"""``explainer quiz``: every format end to end, byte-identical across processes, the platform
files read back (Moodle XML against its documented structure, GIFT with a small reader, QTI
with ElementTree) and their answers equal to the JSON key's, LaTeX compiled, bad options
refused with nothing written, and golden files for one small quiz in Markdown.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from conftest import Golden

from explainer.cli import main
from explainer.reading.roster import RosterError, parse_roster, student_seed, variant_code
from explainer.rendering.files import MARKER
from explainer.rendering.quiz_parts import shape_spellings
from explainer.teaching.generate import problem_from_id
from explainer.teaching.practice import parse_answer
from explainer.teaching.quizzes import FORMATS as QUIZ_FORMATS
from explainer.teaching.quizzes import make

ROOT = Path(__file__).resolve().parent.parent
# Every format but anki, which needs genanki, an optional extra (tests/test_anki.py).
FORMATS = tuple(fmt for fmt in QUIZ_FORMATS if fmt != "anki")
SMALL = ["--seed", "7", "--count", "6", "--topic", "cnn"]  # one problem of every kind
FILES = {
    "markdown": ["quiz.md", "key.md"],
    "latex": ["quiz.tex", "key.tex", "latexmkrc"],
    "html": ["quiz.html", "key.html"],
    "json": ["quiz.json", "key.json"],
    "moodle": ["quiz.moodle.xml"],
    "gift": ["quiz.gift"],
    "qti": ["quiz.qti.xml", "quiz.qti.zip"],
}
ROSTER = "id,name\nalice,Alice Liddell\nbob,Bob Ross\n2021-CSE-007,\n"
# Moodle's grade fractions (question/format/xml and the question bank's menu): only these import.
MOODLE_FRACTIONS = {
    "100", "90", "83.33333", "80", "75", "70", "66.66667", "60", "50", "40", "33.33333", "30",
    "25", "20", "16.66667", "14.28571", "12.5", "11.11111", "10", "5", "0",
}  # fmt: skip
MOODLE_FRACTIONS |= {"-" + fraction for fraction in MOODLE_FRACTIONS - {"0"}}
MOODLE_NUMBERING = {"none", "abc", "ABCD", "123", "iii", "IIII"}
QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), prog_name="explainer")


def ok(*args: str) -> str:
    result = run(*args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert (result.exit_code, result.stderr) == (0, ""), result.stderr
    return result.stdout


def refused(*args: str) -> str:
    result = run(*args)
    assert result.exit_code == 2, result.stdout
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("explainer: error: "), result.stderr
    return lines[0].removeprefix("explainer: error: ")


def written(folder: Path) -> dict[str, bytes]:
    """The quiz's files, without the marker that says explainer wrote the folder."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != MARKER
    }


@pytest.fixture(scope="module")
def quizzes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every format of the small quiz, and its JSON key, written once for the module."""
    root = tmp_path_factory.mktemp("quizzes")
    for fmt in FORMATS:
        ok("quiz", *SMALL, "--format", fmt, "-o", str(root / fmt))
    return {fmt: root / fmt for fmt in FORMATS}


@pytest.fixture(scope="module")
def key(quizzes: dict[str, Path]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((quizzes["json"] / "key.json").read_text(encoding="utf-8"))
    return data


def expected_answers(key: dict[str, Any]) -> dict[str, Any]:
    """Part id -> the JSON key's answer: a table row gives a shape part and a params part."""
    answers: dict[str, Any] = {}
    for problem in key["problems"]:
        for question in problem["questions"]:
            base = f"{problem['id']}-{question['id']}"
            answer = question["answer"]
            if isinstance(answer, dict):
                answers[f"{base}-shape"] = answer["output_shape"]
                answers[f"{base}-params"] = answer["params"]
            else:
                answers[base] = answer
    return answers


def title(ident: str) -> str:
    """A part's title from its id: s7-i0-cnn-easy-table-L1-shape -> ...-table L1 shape."""
    parts = 2 if ident.endswith(("-shape", "-params")) else 1
    return " ".join(ident.rsplit("-", parts))


def canonical(answer: Any) -> str:
    return "×".join(map(str, answer)) if isinstance(answer, list) else str(answer)


# -- every format, end to end ----------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_writes_its_files(quizzes: dict[str, Path], fmt: str) -> None:
    assert sorted(written(quizzes[fmt])) == sorted(FILES[fmt])
    for name, data in written(quizzes[fmt]).items():
        assert data, name
        if not name.endswith(".zip"):
            assert data.decode("utf-8").endswith("\n")


def test_the_summary_says_what_was_written(tmp_path: Path) -> None:
    out = ok("quiz", *SMALL, "-o", str(tmp_path / "q"))
    assert out == (
        f"wrote {tmp_path / 'q'}: markdown, seed 7, 6 cnn easy problems\n"
        "  quiz.md            the question sheet\n"
        "  key.md             the answer key with worked solutions\n"
    )


@pytest.mark.parametrize("fmt", ["markdown", "latex", "html", "json"])
def test_the_sheet_carries_no_key_only_its_variant_code(
    quizzes: dict[str, Path], key: dict[str, Any], fmt: str
) -> None:
    """A student must not regenerate the key: no seed, no command, no problem id on the sheet;
    the key resolves the sheet's opaque variant code to the seed and the command."""
    code = variant_code(7)
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", code)
    sheet, answers = ((quizzes[fmt] / name).read_text(encoding="utf-8") for name in FILES[fmt][:2])
    assert code in sheet and code in answers
    for leak in ("Seed", "seed", "explainer quiz", "Regenerate", "--problem", "s7-"):
        assert leak not in sheet, leak
    for problem in key["problems"]:
        assert problem["id"] not in sheet and problem["id"] in answers
    if fmt != "json":
        assert "explainer quiz --seed 7 --count 6 --topic cnn --difficulty easy" in answers
        assert f"Variant {code} is seed 7" in answers


def test_variant_codes_differ_and_do_not_show_the_seed() -> None:
    codes = {variant_code(seed) for seed in range(2000)}
    assert len(codes) == 2000


@pytest.mark.parametrize("fmt", ["markdown", "latex", "html", "json"])
def test_the_sheet_holds_no_answer(quizzes: dict[str, Path], key: dict[str, Any], fmt: str) -> None:
    sheet = (quizzes[fmt] / FILES[fmt][0]).read_text(encoding="utf-8")
    inverse = next(p for p in key["problems"] if p["kind"] == "inverse")
    assert inverse["spec"] not in sheet  # its spec holds the unknown's value
    faulty = next(p for p in key["problems"] if p["kind"] == "error")
    assert faulty["corrected_spec"] not in sheet
    for word in ("Worked solution", "worked_solution", '"answer"', "comes from a mistake"):
        assert word not in sheet


def test_json_sheet_is_the_key_without_answers(
    quizzes: dict[str, Path], key: dict[str, Any]
) -> None:
    sheet = json.loads((quizzes["json"] / "quiz.json").read_text(encoding="utf-8"))
    assert [p["number"] for p in sheet["problems"]] == list(range(1, len(key["problems"]) + 1))
    for shown, full in zip(sheet["problems"], key["problems"], strict=True):
        assert shown["shown_spec"] == full["shown_spec"]
        assert {"spec", "solution", "fault", "corrected_spec"}.isdisjoint(shown)
        for question in shown["questions"]:
            assert {"answer", "working"}.isdisjoint(question)
            assert all(set(choice) == {"label", "value"} for choice in question.get("choices", []))


def test_json_without_output_prints_the_key(quizzes: dict[str, Path]) -> None:
    out = ok("quiz", *SMALL, "--format", "json")
    assert out == (quizzes["json"] / "key.json").read_text(encoding="utf-8")
    data = json.loads(out)
    assert data["seed"] == 7 and len(data["problems"]) == 6


def test_every_problem_id_regenerates_its_problem(key: dict[str, Any]) -> None:
    for problem in key["problems"]:
        assert problem_from_id(problem["id"]).spec == problem["spec"]
    first = key["problems"][0]
    out = ok("solve", "--problem", first["id"], "--format", "json")
    assert json.loads(out)["total_params"] == first["solution"]["total_params"]


def test_markdown_key_has_every_worked_solution(
    quizzes: dict[str, Path], key: dict[str, Any]
) -> None:
    """Each problem's derivation once: a table's whole network, its summary and total; a
    question about layer k, layers 1 to k (the sizes on the way), its answers pointing at it,
    labelled (a), (b) as on the sheet."""
    text = (quizzes["markdown"] / "key.md").read_text(encoding="utf-8")
    assert text.count("### Worked solution") == len(key["problems"])
    sections = text.split("### Worked solution")[1:]
    for problem, section in zip(key["problems"], sections, strict=True):
        solution = problem["solution"]
        asked = [q["layer"] for q in problem["questions"] if "layer" in q]
        last = len(solution["layers"]) if problem["kind"] == "table" else max(asked)
        for layer in solution["layers"]:
            heading = f"#### Layer {layer['index']}: "
            assert (heading in section) == (layer["index"] <= last), (problem["id"], heading)
        total = f"- Total params: {solution['total_params']:,}"
        assert (total in section) == (problem["kind"] == "table"), problem["id"]
        for layer in solution["layers"][:last]:
            for step in layer["steps"]:
                assert step["why"].replace("_", "\\_") in section or step["why"] in section
    assert "**(a)** How many parameters" in text and "(layer " in text
    assert "**q1.**" not in text


def test_markdown_inline_answers_fold_into_details(tmp_path: Path) -> None:
    ok("quiz", *SMALL, "--answers", "inline", "-o", str(tmp_path / "q"))
    assert sorted(written(tmp_path / "q")) == ["quiz.md"]
    text = (tmp_path / "q" / "quiz.md").read_text(encoding="utf-8")
    assert text.count("<details>") == text.count("</details>") == 6
    assert text.count("<summary>Answers and worked solution</summary>") == 6


def test_html_pages_are_well_formed(quizzes: dict[str, Path], tmp_path: Path) -> None:
    ok("quiz", *SMALL, "--format", "html", "--answers", "inline", "-o", str(tmp_path / "q"))
    for path in [*(quizzes["html"] / name for name in FILES["html"]), tmp_path / "q" / "quiz.html"]:
        text = path.read_text(encoding="utf-8")
        assert text.startswith("<!DOCTYPE html>")
        assert "<script" not in text  # no script: readable anywhere, as a printed key
        assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", text)  # self-contained
        assert_balanced_html(text)


class _Balance(HTMLParser):
    VOID = frozenset({"meta", "br", "hr", "img", "input", "link"})

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, (tag, self.open[-5:])
        self.open.pop()


def assert_balanced_html(text: str) -> None:
    parser = _Balance()
    parser.feed(text)
    parser.close()
    assert parser.open == []


# -- the same seed, the same bytes ------------------------------------------------------------

DETERMINISM = """
import sys
from explainer.cli import main
from explainer.rendering.files import MARKER
out, roster = sys.argv[1], sys.argv[2]
small = ["--seed", "7", "--count", "6"]
for fmt in {formats!r}:
    main(["quiz", *small, "--format", fmt, "-o", f"{{out}}/{{fmt}}"], standalone_mode=False)
for fmt in ("markdown", "latex", "json", "moodle", "gift", "qti"):
    main(["quiz", *small, "--format", fmt, "--students", roster, "-o", f"{{out}}/roster-{{fmt}}"],
         standalone_mode=False)
main(["quiz", *small, "--format", "html", "--answers", "inline", "--students", roster,
      "-o", f"{{out}}/roster-html-inline"], standalone_mode=False)
"""


@pytest.mark.slow  # two child processes, each writing every quiz format: 15 s of CPU
def test_same_seed_same_bytes_in_separate_processes(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    runs = []
    for hash_seed in ("1", "2"):
        out = tmp_path / f"hash-{hash_seed}"
        env = os.environ | {"PYTHONHASHSEED": hash_seed}
        done = subprocess.run(
            [sys.executable, "-c", DETERMINISM.format(formats=FORMATS), str(out), str(roster)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        runs.append(written(out))
    first, second = runs
    assert sorted(first) == sorted(second)
    assert (
        len(first) == 13 + 44
    )  # every format alone, and seven with a roster of three (LaTeX: a latexmkrc per folder;
    # QTI: no combined quiz.qti.xml, only the zip of every student's file)
    different = [name for name in first if first[name] != second[name]]
    assert different == []


# -- Moodle XML --------------------------------------------------------------------------------


def moodle(quizzes: dict[str, Path]) -> ET.Element:
    return ET.parse(quizzes["moodle"] / "quiz.moodle.xml").getroot()


_CLOZE_FIELD = re.compile(r"\{(\d+):(NUMERICAL|SHORTANSWER|MULTICHOICE):((?:\\.|[^\\}])*)\}")


def cloze_fields(text: str) -> list[tuple[str, list[tuple[bool, str, str]]]]:
    """Moodle's Cloze syntax read independently: each field's type and its answers as
    (right, text, feedback), backslash escapes undone."""
    fields = []
    for match in _CLOZE_FIELD.finditer(text):
        answers = []
        for option in re.split(r"(?<!\\)~", match[3]):
            body, *feedback = re.split(r"(?<!\\)#", option.removeprefix("="), maxsplit=1)
            shown = re.sub(r"\\(.)", r"\1", body)
            answers.append((option.startswith("="), shown, "".join(feedback)))
        fields.append((match[2], answers))
    return fields


def cloze_grade(field: tuple[str, list[tuple[bool, str, str]]], typed: str) -> bool:
    """How Moodle grades a typed answer: a number exactly (tolerance 0), a short answer equal to
    one right spelling ignoring case (usecase 0), a choice by its text."""
    kind, answers = field
    right = [text for ok, text, _ in answers if ok]
    if kind == "NUMERICAL":
        value = right[0].split(":")[0]
        try:
            return float(typed) == float(value)
        except ValueError:
            return False
    if kind == "SHORTANSWER":
        return typed.strip().casefold() in {text.casefold() for text in right}
    return typed in right


def test_moodle_is_one_cloze_question_per_problem(
    quizzes: dict[str, Path], key: dict[str, Any]
) -> None:
    root = moodle(quizzes)
    assert root.tag == "quiz"
    category, *questions = list(root)
    assert category.get("type") == "category"
    assert category.findtext("category/text", "").startswith("$course$/top/explainer/")
    assert [q.get("type") for q in questions] == ["cloze"] * len(key["problems"])
    assert [q.findtext("idnumber") for q in questions] == [p["id"] for p in key["problems"]]
    for question in questions:
        assert question.findtext("name/text", "").startswith("Problem ")
        for element in ("questiontext", "generalfeedback"):
            assert question.find(element).get("format") == "html"  # type: ignore[union-attr]
            assert_balanced_html(question.findtext(f"{element}/text", ""))
        assert question.findtext("defaultgrade") == "1"


def test_moodle_cloze_grades_right_and_wrong_answers_as_a_person_would(
    quizzes: dict[str, Path], key: dict[str, Any]
) -> None:
    questions = [q for q in moodle(quizzes) if q.get("type") == "cloze"]
    for problem, question in zip(key["problems"], questions, strict=True):
        fields = cloze_fields(question.findtext("questiontext/text", ""))
        answers = list(expected_answers({"problems": [problem]}).values())
        assert len(fields) == len(answers), problem["id"]  # one field per answer cell
        for field, answer in zip(fields, answers, strict=True):
            if isinstance(answer, list):
                sizes = [str(size) for size in answer]
                for typed in ("×".join(sizes), "x".join(sizes), "X".join(sizes),
                              "(" + ",".join(sizes) + ")", "[" + ",".join(sizes) + "]",
                              "[" + ", ".join(sizes) + "]"):  # fmt: skip
                    read = parse_answer(typed, axes=len(sizes))
                    assert read in (tuple(answer), answer[0] if len(answer) == 1 else None), typed
                    assert cloze_grade(field, typed), (problem["id"], typed)
                assert not cloze_grade(field, "x".join([*sizes[:-1], str(answer[-1] + 1)]))
            elif field[0] == "MULTICHOICE":
                assert cloze_grade(field, f"{answer:,}") or cloze_grade(field, str(answer))
                wrong = [text for ok, text, _ in field[1] if not ok]
                assert wrong and not any(cloze_grade(field, text) for text in wrong)
                for _, _shown, feedback in field[1]:
                    assert not re.search(r"\d+ (less|more)", feedback)
            else:
                assert cloze_grade(field, str(answer)) and not cloze_grade(field, str(answer + 1))


def test_moodle_points_per_problem(tmp_path: Path) -> None:
    ok("quiz", *SMALL, "--format", "moodle", "--points", "10", "-o", str(tmp_path / "m"))
    root = ET.parse(tmp_path / "m" / "quiz.moodle.xml").getroot()
    assert {q.findtext("defaultgrade") for q in root if q.get("type") == "cloze"} == {"10"}


# -- GIFT --------------------------------------------------------------------------------------


def gift_split(text: str, separators: str) -> list[tuple[str, str]]:
    """Split at unescaped separator characters: [(separator before, piece), ...]."""
    pieces: list[tuple[str, str]] = []
    current, before, index = "", "", 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            current += text[index : index + 2]
            index += 2
            continue
        if char in separators:
            pieces.append((before, current))
            current, before = "", char
        else:
            current += char
        index += 1
    pieces.append((before, current))
    return pieces


def gift_unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def read_gift(text: str) -> dict[str, dict[str, Any]]:
    """A small GIFT reader: title -> kind, question text, answers (text, feedback), general
    feedback. Enough of the format for what the quiz writes: one question per paragraph."""
    questions: dict[str, dict[str, Any]] = {}
    for block in re.split(r"\n\s*\n", text):
        lines = [line for line in block.splitlines() if not line.startswith("//")]
        source = "\n".join(lines).strip()
        if not source or source.startswith("$CATEGORY:"):
            continue
        match = re.fullmatch(r"::((?:\\.|[^:\\])*)::(.*)", source, re.DOTALL)
        assert match, source[:200]
        title, rest = gift_unescape(match[1]), match[2]
        (_, head), (_, body), *tail = gift_split(rest, "{}")
        assert [piece for _, piece in tail] == [""], "text after the answers"
        assert head.startswith("[html]")
        body, _, general = body.partition("####")
        if body.startswith("#"):
            kind, answers = "numerical", gift_split(body[1:], "=")[1:]
        else:
            answers = gift_split(body, "=~")[1:]
            kind = "multichoice" if any(sign == "~" for sign, _ in answers) else "shortanswer"
        parsed = []
        for sign, answer in answers:
            value, feedback = [*gift_split(answer.strip(), "#"), ("", "")][:2]
            parsed.append((sign, gift_unescape(value[1]), gift_unescape(feedback[1])))
        questions[title] = {
            "kind": kind,
            "text": gift_unescape(head.removeprefix("[html]")),
            "answers": parsed,
            "general": gift_unescape(general),
        }
    return questions


def test_gift_reads_back_with_the_json_answers(
    quizzes: dict[str, Path], key: dict[str, Any]
) -> None:
    text = (quizzes["gift"] / "quiz.gift").read_text(encoding="utf-8")
    assert "$CATEGORY: $course$/top/explainer/seed 7 cnn easy" in text
    questions = read_gift(text)
    expected = expected_answers(key)
    assert len(questions) == len(expected)
    for ident, answer in expected.items():
        question = questions[title(ident)]
        assert question["general"].strip() and question["text"].startswith("<p>")
        assert_balanced_html(question["text"])
        assert_balanced_html(question["general"])
        right = [value for sign, value, _ in question["answers"] if sign == "="]
        if question["kind"] == "numerical":
            assert right == [f"{answer}:0"]  # an integer, tolerance 0
        elif question["kind"] == "shortanswer":
            assert right == list(shape_spellings(tuple(answer)))
        else:
            assert right == [f"{answer:,}"] or right == [str(answer)]
            wrong = [feedback for sign, _, feedback in question["answers"] if sign == "~"]
            assert len(wrong) == 3 and all("comes from a mistake" in f for f in wrong)


def test_gift_escapes_its_control_characters() -> None:
    from explainer.rendering.quiz_documents import environment

    gift = environment("gift").filters["gift"]
    assert gift("a{b}~c=d#e:f\\g") == "a\\{b\\}\\~c\\=d\\#e\\:f\\\\g"
    assert gift("x < y & z") == "x &lt; y &amp; z"  # [html] text: HTML first, then GIFT
    assert gift_unescape(gift("k = N/(d·m·n + 1): {x}")) == "k = N/(d·m·n + 1): {x}"


# -- QTI 1.2 -----------------------------------------------------------------------------------


def qti_items(quizzes: dict[str, Path]) -> list[ET.Element]:
    root = ET.parse(quizzes["qti"] / "quiz.qti.xml").getroot()
    assert root.tag == f"{QTI}questestinterop"
    (assessment,) = root.findall(f"{QTI}assessment")
    assert assessment.get("ident") and assessment.get("title")
    sections = assessment.findall(f"{QTI}section")
    assert len(sections) == 1
    return sections[0].findall(f"{QTI}item")


def test_qti_structure(quizzes: dict[str, Path], key: dict[str, Any]) -> None:
    """One item per problem (tests/test_lms.py grades them as Canvas would)."""
    items = qti_items(quizzes)
    assert len(items) == len(key["problems"])
    for item in items:
        fields = {
            field.findtext(f"{QTI}fieldlabel"): field.findtext(f"{QTI}fieldentry")
            for field in item.iter(f"{QTI}qtimetadatafield")
        }
        kind = fields["question_type"]
        assert kind in {"fill_in_multiple_blanks_question", "multiple_choice_question"}
        assert float(fields["points_possible"] or "") == 1.0
        presentation = item.find(f"{QTI}presentation")
        assert presentation is not None
        mattext = presentation.find(f"{QTI}material/{QTI}mattext")
        assert mattext is not None and mattext.get("texttype") == "text/html"
        assert_balanced_html(mattext.text or "")
        responses = presentation.findall(f"{QTI}response_lid")
        assert responses and presentation.find(f"{QTI}response_str") is None
        if kind == "multiple_choice_question":
            (response,) = responses
            assert response.get("rcardinality") == "Single"
            assert len(response.findall(f"{QTI}render_choice/{QTI}response_label")) == 4
        else:
            for response in responses:  # a blank: [name] in the text, its spellings as labels
                name = response.findtext(f"{QTI}material/{QTI}mattext")
                assert response.get("ident") == f"response_{name}"
                assert f"[{name}]" in (mattext.text or "")
        processing = item.find(f"{QTI}resprocessing")
        assert processing is not None
        assert processing.find(f"{QTI}outcomes/{QTI}decvar").get("varname") == "SCORE"  # type: ignore[union-attr]
        links = {d.get("linkrefid") for d in processing.iter(f"{QTI}displayfeedback")}
        idents = {f.get("ident") for f in item.findall(f"{QTI}itemfeedback")}
        assert "general_fb" in links and links == idents


def test_qti_package_holds_the_file_and_its_manifest(quizzes: dict[str, Path]) -> None:
    import zipfile

    with zipfile.ZipFile(quizzes["qti"] / "quiz.qti.zip") as package:
        assert package.namelist() == ["imsmanifest.xml", "quiz.qti.xml"]
        assert package.read("quiz.qti.xml") == (quizzes["qti"] / "quiz.qti.xml").read_bytes()
        manifest = ET.fromstring(package.read("imsmanifest.xml"))
    files = [f.get("href") for f in manifest.iter() if f.tag.endswith("}file")]
    assert files == ["quiz.qti.xml"]


# -- LaTeX ----------------------------------------------------------------------------------


def compile_tex(pdflatex: str, path: Path) -> str:
    done = subprocess.run(
        [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", path.name],
        cwd=path.parent, capture_output=True, timeout=180, check=False,
    )  # fmt: skip
    log = path.with_suffix(".log").read_text(encoding="latin-1")
    errors = "\n".join(line for line in log.splitlines() if line.startswith("!"))
    assert done.returncode == 0, f"{path.name}: pdflatex exited {done.returncode}:\n{errors}"
    assert path.with_suffix(".pdf").stat().st_size > 0
    return log


@pytest.mark.slow
def test_latex_sheet_and_key_compile(pdflatex: str, quizzes: dict[str, Path]) -> None:
    for name in FILES["latex"][:2]:
        compile_tex(pdflatex, quizzes["latex"] / name)
    key = (quizzes["latex"] / "key.tex").read_text(encoding="utf-8")
    sheet = (quizzes["latex"] / "quiz.tex").read_text(encoding="utf-8")
    assert r"\documentclass[11pt,a4paper]{exam}" in sheet
    assert re.search(r"^\\printanswers ", key, re.MULTILINE) and "\\printanswers" not in sheet
    assert "\\begin{solution}" in key and "\\begin{solution}" not in sheet
    assert "\\CorrectChoice" in key and "\\CorrectChoice" not in sheet


@pytest.mark.slow
def test_latex_roster_keys_compile(pdflatex: str, tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name\nmy_id&1,A. %Student\nx#2,\n", encoding="utf-8")
    refused_id = refused("quiz", *SMALL, "--format", "latex", "--students", str(roster), "-o", "x")
    assert "cannot name a folder" in refused_id
    roster.write_text("student_id,name\nmy_id-1,A. %Student_{x}\n", encoding="utf-8")
    ok("quiz", *SMALL, "--format", "latex", "--students", str(roster), "-o", str(tmp_path / "q"))
    for path in [tmp_path / "q" / "key.tex", *sorted((tmp_path / "q" / "students").rglob("*.tex"))]:
        compile_tex(pdflatex, path)


# -- rosters ----------------------------------------------------------------------------------


def test_a_roster_gives_each_student_a_variant_and_the_grader_one_key(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("\ufeff" + ROSTER, encoding="utf-8")  # a spreadsheet's byte-order mark
    out = ok("quiz", *SMALL, "--students", str(roster), "-o", str(tmp_path / "q"))
    files = written(tmp_path / "q")
    ids = ["alice", "bob", "2021-CSE-007"]
    assert sorted(files) == sorted(
        ["key.md", *(f"students/{i}/{name}" for i in ids for name in ("quiz.md", "key.md"))]
    )
    assert out.endswith(
        "  key.md             every student's answers, for the grader\n"
        "  students/<id>/     quiz.md, key.md: each student's own\n"
    )
    grader = files["key.md"].decode()
    balanced = make.variants(make.settings(7, 6, "cnn", "easy"), parse_roster(ROSTER, 7))
    again = "explainer quiz --seed 7 --count 6 --topic cnn --difficulty easy --students ROSTER.csv"
    for student_id, variant in zip(ids, balanced, strict=True):
        seed = student_seed(7, student_id)
        quiz = variant.quiz
        assert quiz.seed == seed and all(p.id.startswith(f"s{seed}-") for p in quiz.problems)
        sheet = files[f"students/{student_id}/quiz.md"].decode()
        own_key = files[f"students/{student_id}/key.md"].decode()
        assert f"**Student:** {student_id}" in sheet
        assert f"--seed {seed} --count 6" not in sheet and "seed" not in sheet
        assert variant_code(seed) in sheet and variant_code(seed) in grader
        assert again in own_key and again in grader
        for problem in quiz.problems:
            assert problem.id not in sheet
            assert f"`{problem.id}`" in own_key and f"`{problem.id}`" in grader
    assert "Alice Liddell" in grader and "Bob Ross" in grader


def test_a_roster_on_a_platform_gives_a_category_or_section_per_student(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    folders = {}
    for fmt in ("moodle", "gift", "qti", "html"):
        folders[fmt] = tmp_path / fmt
        ok("quiz", *SMALL, "--format", fmt, "--students", str(roster), "-o", str(folders[fmt]))
    ids = ["alice", "bob", "2021-CSE-007"]
    root = ET.parse(folders["moodle"] / "quiz.moodle.xml").getroot()
    categories = [q.findtext("category/text") for q in root if q.get("type") == "category"]
    assert categories == [f"$course$/top/explainer/seed 7 cnn easy/{i}" for i in ids]
    idnumbers = [q.findtext("idnumber") for q in root if q.get("type") != "category"]
    assert len(idnumbers) == len(set(idnumbers)) > 0
    gift = (folders["gift"] / "quiz.gift").read_text(encoding="utf-8")
    assert re.findall(r"^\$CATEGORY: .*/(.*)$", gift, re.MULTILINE) == ids
    assert len(idnumbers) == 3 * 6  # Moodle: one question per problem; GIFT: one per part
    assert len(read_gift(gift)) > len(idnumbers)
    import zipfile

    assert not (folders["qti"] / "quiz.qti.xml").exists()  # QTI 1.2: one assessment a file
    with zipfile.ZipFile(folders["qti"] / "quiz.qti.zip") as package:
        own = [f"students/{i}/quiz.qti.xml" for i in ids]
        assert package.namelist() == ["imsmanifest.xml", *own]
        for name in own:  # each student's own file, whole: one Canvas quiz per student
            assert package.read(name) == (folders["qti"] / name).read_bytes()
    grader = (folders["html"] / "key.html").read_text(encoding="utf-8")
    assert_balanced_html(grader)
    assert all(f'id="student-{i}"' in grader for i in ids)


def test_student_seeds_are_stable_and_distinct() -> None:
    assert student_seed(7, "alice") == student_seed(7, "alice") == 164535102703695
    assert len({student_seed(7, s) for s in ("alice", "bob", "carol")}) == 3
    assert student_seed(8, "alice") != student_seed(7, "alice")


@pytest.mark.parametrize(
    ("csv", "message"),
    [
        ("name\nAlice\n", "no student id column: the header needs a column id or student_id"),
        ("id\nalice\nbob\nalice\n", "line 4: student id 'alice' repeats the id on line 2"),
        ("id\nAlice\nalice\n", "line 3: student id 'alice' repeats the id on line 2"),
        ("id,name\n,Nobody\n", "line 2: no student id"),
        ("id\n../etc\n", "line 2: student id '../etc' cannot name a folder"),
        ("id,name\n", "no students"),
        ("", "no student id column"),
    ],
)
def test_bad_rosters_are_refused(csv: str, message: str) -> None:
    with pytest.raises(RosterError, match=re.escape(message)):
        parse_roster(csv, 7, "roster.csv")


def test_blank_roster_rows_are_skipped() -> None:
    students = parse_roster("Student_ID,Name,email\n a1 ,Ann,x\n,,\n\nb2,,y\n", 7)
    assert [(s.id, s.name) for s in students] == [("a1", "Ann"), ("b2", "")]


# -- bad options: exit 2, one line, nothing written -----------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--topic", "cnnn"], "unknown topic 'cnnn' (did you mean 'cnn'?); topics: mlp, cnn"),
        (["--topic", "rnn", "--kinds", "inverse"], "'inverse' does not apply to topic 'rnn'"),
        (["--count", "0"], "count must be an integer from 1 to 1000, got 0"),
        (["--count", "1001"], "count must be an integer from 1 to 1000, got 1001"),
        (["--seed", "-1"], "seed must be a non-negative integer, got -1"),
        (["--difficulty", "easyy"], "unknown difficulty 'easyy'"),
        (["--kinds", "table,choise"], "unknown question kind 'choise' (did you mean 'choice'?)"),
        (["--topic", "course", "--kinds", "error"], "does not apply to topic 'course'"),
        (["--framework", "keras", "--kinds", "error"], "'error' has no Keras problems yet"),
        (["--format", "latex", "--answers", "inline"], "--answers inline folds the answers"),
    ],
)
def test_bad_options_are_refused_before_anything_is_written(
    tmp_path: Path, args: list[str], message: str
) -> None:
    target = tmp_path / "q"
    assert message in refused("quiz", "--seed", "1", *args, "-o", str(target))
    assert list(tmp_path.iterdir()) == []  # no directory, no temporary one either


def test_roster_mistakes_end_with_exit_2(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("name\nAlice\n", encoding="utf-8")
    assert "no student id column" in refused("quiz", "--students", str(roster), "-o", "q")
    roster.write_text("id\nalice\nalice\n", encoding="utf-8")
    assert "repeats the id on line 2" in refused("quiz", "--students", str(roster), "-o", "q")
    assert "cannot read the roster" in refused("quiz", "--students", str(tmp_path / "none.csv"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["roster.csv"]


def test_without_output_only_json(tmp_path: Path) -> None:
    assert "give -o DIR (only --format json prints" in refused("quiz", "--seed", "1")
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    message = refused("quiz", "--format", "json", "--students", str(roster))
    assert message == "--students writes a sheet and a key per student: give -o DIR"


def test_an_unwritable_output_leaves_nothing(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    message = refused("quiz", "--seed", "1", "--count", "2", "-o", str(blocker / "q"))
    assert message == f"cannot write {blocker / 'q'}: {blocker} is a file, not a directory"
    message = refused("quiz", "--seed", "1", "--count", "2", "-o", str(blocker))
    assert message == f"cannot write {blocker}: it is a file, not a directory"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_a_failed_write_removes_its_temporary_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(self: Path, data: bytes) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", fail)  # the staging folder fills the disk
    message = refused("quiz", "--seed", "1", "--count", "2", "-o", str(tmp_path / "q"))
    assert message == f"cannot write {tmp_path / 'q'}: No space left on device"
    assert list(tmp_path.iterdir()) == []


def test_an_existing_folder_gets_its_files_replaced_and_keeps_the_rest(tmp_path: Path) -> None:
    target = tmp_path / "q"
    target.mkdir()
    (target / "notes.txt").write_text("mine", encoding="utf-8")
    (target / "quiz.md").write_text("old", encoding="utf-8")
    message = refused("quiz", *SMALL, "-o", str(target))  # not explainer's: --force needed
    assert message.startswith(f"cannot write {target}: it is a folder explainer did not write")
    ok("quiz", *SMALL, "-o", str(target), "--force")
    assert sorted(written(target)) == ["key.md", "notes.txt", "quiz.md"]
    assert (target / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (target / "quiz.md").read_text(encoding="utf-8").startswith("# Quiz: cnn, easy")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["q"]


def test_written_files_have_the_usual_permissions(tmp_path: Path) -> None:
    ok("quiz", *SMALL, "-o", str(tmp_path / "q"))
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "q").stat().st_mode & 0o777 == 0o777 & ~mask
    assert (tmp_path / "q" / "quiz.md").stat().st_mode & 0o777 == 0o666 & ~mask


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    result = run("quiz", "--seed", "1", "--count", "120", "--kinds", "params", "-o", str(tmp_path))
    assert (result.exit_code, result.stderr) == (0, "")


# -- golden files --------------------------------------------------------------------------


def test_golden_markdown_quiz(golden: Golden, tmp_path: Path) -> None:
    """The sheet and key of one small quiz, every kind once. The quiz goldens live apart from
    tests/golden/, whose every file test_golden.py claims as one of its own cases."""
    quiz_golden = Golden(golden.root.parent / "golden_quiz", golden.update)
    ok("quiz", "--seed", "7", "--count", "6", "--topic", "mlp", "-o", str(tmp_path / "q"))
    for name, case in (("quiz.md", "s7-mlp-sheet"), ("key.md", "s7-mlp-key")):
        quiz_golden.check("markdown", case, (tmp_path / "q" / name).read_text(encoding="utf-8"))
