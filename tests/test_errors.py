"""Errors as data. Every failure the library raises is its own subclass of ExplainerError (an
API caller can tell the cases apart) and its message speaks the library's language: an option
is named by the argument's name (``max_memory``), never by a command-line flag. The command
line names the flag instead (``--max-memory``), as click's param_hint does, with the very line
it printed before the library stopped naming flags.

Each case below is triggered twice: through the Python API (the class, the exact message, no
flag in it) and, where the command line can reach it, through the CLI (the exact line)."""

from __future__ import annotations

import ast
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

import explainer
from explainer import api
from explainer.cli import main
from explainer.errors import (
    ArgumentError,
    ExplainerError,
    InputShapeError,
    LimitError,
    LiveModelError,
    OptionError,
    UndecidedError,
    UnknownLayerError,
    UnknownNameError,
)
from explainer.reading import bank
from explainer.reading.check import check_memory, parse_memory
from explainer.reading.roster import Student
from explainer.reading.shapes import parse_let
from explainer.rendering import files
from explainer.teaching.quizzes import make, selfstudy

PACKAGE = Path(explainer.__file__).resolve().parent
# A command-line flag in text: --max-memory, or -o (quiz's output folder).
FLAG = re.compile(r"(?<![\w-])(--[a-z][a-z-]*|-o\b)")
TORCH_MODEL = "import torch\n\nclass Net(torch.nn.Module):\n    def __init__(self):\n" + (
    "        super().__init__()\n        self.fc = torch.nn.Linear(4, 2)\n\n"
    "    def forward(self, x):\n        return self.fc(x)\n\nthree = 3\n"
)
KERAS_MODEL = "def broken():\n    raise ValueError('boom')\n\nthree = 3\n"


@dataclass(frozen=True)
class Case:
    name: str
    trigger: Callable[[], object]  # run in a folder holding the files above
    raised: type[ExplainerError]
    message: str  # str(error): the library's words
    cli: tuple[str, ...] = ()  # the command line that meets the same error, if one does
    line: str = ""  # what it prints after "explainer: error: "
    needs: str = ""  # a module the case needs (torch, keras)


def _settings(topic: str = "cnn", points: int = 0) -> object:
    return make.settings(7, 1, topic, "easy", points=points)


def _edited_quiz() -> None:
    files.write_tree({"sheet.md": b"one"}, Path("edited"))
    Path("edited/sheet.md").write_text("mine")
    files.check_target(Path("edited"))


def _collision() -> None:
    files.write_tree({"students/a/sheet.md": b"one"}, Path("collide"))
    for path in sorted(Path("collide/students").rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    Path("collide/students").rmdir()
    Path("collide/students").write_text("mine")
    files.write_tree({"students/a/sheet.md": b"two"}, Path("collide"))


def _no_genanki() -> None:
    from explainer.rendering.anki import check_available

    check_available()


STUDENT = (Student("a1", "Alice", 1),)
QUIZ = ("quiz", "--seed", "7", "--count", "1")
CASES = [
    Case(
        "max-memory-value",
        lambda: parse_memory("lots"),
        OptionError,
        "max_memory 'lots': give a size such as 500MB, 2GB or 1GiB",
        ("check", "input(3) -> Linear(2)", "--max-memory", "lots"),
        "--max-memory 'lots': give a size such as 500MB, 2GB or 1GiB",
    ),
    Case(
        "max-memory-exceeded",
        lambda: check_memory(api.solve_spec("input(20000) -> Linear(20000)"), 10**9),
        LimitError,
        "layer 1, Linear: checking it needs about 1,600,720,000 bytes (its 400,020,000 "
        "parameters as float32 and a batch of 2 in and out), above max_memory 1,000,000,000 bytes",
        ("check", "input(20000) -> Linear(20000)"),
        "layer 1, Linear: checking it needs about 1,600,720,000 bytes (its 400,020,000 "
        "parameters as float32 and a batch of 2 in and out), above --max-memory 1,000,000,000 "
        "bytes",
    ),
    Case(
        "let-not-positive",
        lambda: parse_let("d=0"),
        InputShapeError,
        "let d=0: a size must be a positive integer",
        ("solve", "input(d) -> Linear(2)", "--let", "d=0"),
        "--let d=0: a size must be a positive integer",
    ),
    Case(
        "let-not-an-item",
        lambda: parse_let("d=3,{h}"),
        InputShapeError,
        "let 'd=3,{h}': item 2 is '{h}', not NAME=INTEGER",
        ("solve", "input(d) -> Linear(2)", "--let", "d=3,{h}"),
        "--let 'd=3,{h}': item 2 is '{h}', not NAME=INTEGER",
    ),
    Case(
        "let-twice",
        lambda: parse_let("d=3,d=4"),
        InputShapeError,
        "let 'd=3,d=4': d is given twice",
        ("solve", "input(d) -> Linear(2)", "--let", "d=3,d=4"),
        "--let 'd=3,d=4': d is given twice",
    ),
    Case(
        "let-unknown-name",
        lambda: api.solve_spec("input(d) -> Linear(2)", let={"x": 3}),
        ArgumentError,
        "let x: the spec names no size 'x' (it names d)",
        ("solve", "input(d) -> Linear(2)", "--let", "x=3"),
        "--let x: the spec names no size 'x' (it names d)",
    ),
    Case(
        "input-shape",
        lambda: api.solve_spec("input(3) -> Linear(2)", "1,{x}"),
        InputShapeError,
        "input_shape: input shape '1,{x}': size 2 is '{', not an integer",
        ("solve", "input(3) -> Linear(2)", "--input", "1,{x}"),
        "--input: input shape '1,{x}': size 2 is '{', not an integer",
    ),
    Case(
        "input-shape-missing",
        lambda: api.solve_spec("Conv2d(1, 16, 5)"),
        InputShapeError,
        "line 1, col 1: layer 1, Conv2d(1, 16, 5): no input shape: start the spec with "
        "input(1, 28, 28) or pass input_shape 1,28,28",
        ("solve", "Conv2d(1, 16, 5)"),
        "line 1, col 1: layer 1, Conv2d(1, 16, 5): no input shape: start the spec with "
        "input(1, 28, 28) or pass --input 1,28,28",
    ),
    Case(
        "keras-layer-in-pytorch",
        lambda: api.solve_spec("input(3) -> Dense(2)"),
        UnknownLayerError,
        "line 1, col 13: layer 1, Dense(2): 'Dense' is a Keras layer: use framework keras, "
        "or the PyTorch name",
        ("solve", "input(3) -> Dense(2)"),
        "line 1, col 13: layer 1, Dense(2): 'Dense' is a Keras layer: use --framework keras, "
        "or the PyTorch name",
    ),
    Case(
        "hf-unknown",
        lambda: api.solve_hf("gpt{3}"),
        UnknownNameError,
        "hf_config gpt{3}: no such file, nor a bundled configuration (did you mean 'gpt2'?) "
        "(bundled: gpt2, bert-base-uncased, llama-2-7b, mistral-7b)",
        ("solve", "--hf", "gpt{3}"),
        "--hf gpt{3}: no such file, nor a bundled configuration (did you mean 'gpt2'?) "
        "(bundled: gpt2, bert-base-uncased, llama-2-7b, mistral-7b)",
    ),
    Case(
        "hf-too-long",
        lambda: api.solve_hf("big{}.json"),
        LimitError,
        "hf_config big{}.json is longer than 1,000,000 bytes",
        ("solve", "--hf", "big{}.json"),
        "--hf big{}.json is longer than 1,000,000 bytes",
    ),
    Case(
        "example-unknown",
        lambda: bank.example("handout-cnm"),
        UnknownNameError,
        "no example named 'handout-cnm' (did you mean 'handout-cnn'?); see 'explainer examples'",
        ("solve", "--example", "handout-cnm"),
        "no example named 'handout-cnm' (did you mean 'handout-cnn'?); see 'explainer examples'",
    ),
    Case(
        "named-sizes-checked",
        lambda: api.require_numbers(api.solve_spec("input(d) -> Linear(2)"), "check needs them"),
        UndecidedError,
        "check needs them: the spec names sizes (d); solve it for the formula",
    ),
    Case(
        "torch-needs-input",
        lambda: api.read_live("model.py:Net", None),
        InputShapeError,
        "torch_model needs input_shape: the shape of one sample, e.g. 1,28,28",
        ("solve", "--torch", "model.py:Net"),
        "--torch needs --input: the shape of one sample, e.g. 1,28,28",
    ),
    Case(
        "torch-no-file",
        lambda: api.solve_live("nowhere{}.py:Net", "4"),
        LiveModelError,
        "torch_model 'nowhere{}.py:Net': no file nowhere{}.py",
        ("solve", "--torch", "nowhere{}.py:Net", "--input", "4"),
        "--torch 'nowhere{}.py:Net': no file nowhere{}.py",
        "torch",
    ),
    Case(
        "torch-not-a-module",
        lambda: api.solve_live("model.py:three", "4"),
        LiveModelError,
        "torch_model 'model.py:three': three is an int, not a torch.nn.Module class",
        ("solve", "--torch", "model.py:three", "--input", "4"),
        "--torch 'model.py:three': three is an int, not a torch.nn.Module class",
        "torch",
    ),
    Case(
        "torch-input-dtype",
        lambda: api.solve_live("model.py:Net", "4", "int{}"),
        LiveModelError,
        "input_dtype must be float or long, got 'int{}'",
        needs="torch",
    ),
    Case(
        "keras-not-a-model",
        lambda: api.solve_live_keras("keras_model.py:three"),
        LiveModelError,
        "keras_model 'keras_model.py:three': it is not a Keras model nor returns one",
        ("solve", "--keras", "keras_model.py:three"),
        "--keras 'keras_model.py:three': it is not a Keras model nor returns one",
        "keras",
    ),
    Case(
        "keras-function-fails",
        lambda: api.solve_live_keras("keras_model.py:broken"),
        LiveModelError,
        "keras_model 'keras_model.py:broken': calling broken() failed: ValueError: boom",
        ("solve", "--keras", "keras_model.py:broken"),
        "--keras 'keras_model.py:broken': calling broken() failed: ValueError: boom",
        "keras",
    ),
    Case(
        "quiz-points",
        lambda: _settings(points=2000),
        make.QuizError,
        "points must be a whole number from 0 to 1000, got 2000",
        (*QUIZ, "--points", "2000"),
        "--points must be a whole number from 0 to 1000, got 2000",
    ),
    Case(
        "quiz-gift-points",
        lambda: make.check_format("gift", "separate", 3),
        make.QuizError,
        "points 3: GIFT has no field for a question's mark (Moodle imports each at 1 point); "
        "use fmt moodle, one Cloze question per problem worth points",
        (*QUIZ, "--format", "gift", "--points", "3", "-o", "out"),
        "--points 3: GIFT has no field for a question's mark (Moodle imports each at 1 point); "
        "use --format moodle, one Cloze question per problem worth --points",
    ),
    Case(
        "quiz-anki-points",
        lambda: make.check_format("anki", "separate", 3),
        make.QuizError,
        "points 3: an Anki deck has no marks; leave points out",
        (*QUIZ, "--format", "anki", "--points", "3", "-o", "out"),
        "--points 3: an Anki deck has no marks; leave --points out",
        "genanki",
    ),
    Case(
        "quiz-inline",
        lambda: make.check_format("latex", "inline"),
        make.QuizError,
        "answers inline folds the answers into the sheet, which latex cannot do; formats that "
        "can: markdown, html",
        (*QUIZ, "--format", "latex", "--answers", "inline", "-o", "out"),
        "--answers inline folds the answers into the sheet, which latex cannot do; formats that "
        "can: markdown, html",
    ),
    Case(
        "quiz-platform",
        lambda: make.check_platform(make.settings(7, 1, "symbolic", "easy"), "moodle"),
        make.QuizError,
        "fmt moodle cannot grade a formula answer (topic symbolic, kind formula): it compares "
        "text or numbers, not formulas; ask kinds budget,growth, or use markdown, latex, html "
        "or json",
        (*QUIZ, "--topic", "symbolic", "--format", "moodle", "-o", "out"),
        "--format moodle cannot grade a formula answer (topic symbolic, kind formula): it "
        "compares text or numbers, not formulas; ask --kinds budget,growth, or use markdown, "
        "latex, html or json",
    ),
    Case(
        "quiz-to-stdout",
        lambda: make.check_stdout("markdown", ()),
        make.QuizError,
        "fmt markdown writes a question sheet and an answer key: give output DIR (only fmt "
        "json prints to standard output)",
        QUIZ,
        "--format markdown writes a question sheet and an answer key: give -o DIR (only "
        "--format json prints to standard output)",
    ),
    Case(
        "quiz-students-to-stdout",
        lambda: make.check_stdout("json", STUDENT),
        make.QuizError,
        "students writes a sheet and a key per student: give output DIR",
        (*QUIZ, "--format", "json", "--students", "roster.csv"),
        "--students writes a sheet and a key per student: give -o DIR",
    ),
    Case(
        "selfstudy-format",
        lambda: selfstudy.check("markdown", "separate", True, None, (), False),
        make.QuizError,
        "self_study writes an HTML page, not markdown: add fmt html",
        (*QUIZ, "--self-study"),
        "--self-study writes an HTML page, not markdown: add --format html",
    ),
    Case(
        "selfstudy-example-alone",
        lambda: selfstudy.check("html", "separate", False, "handout-cnn", (), True),
        make.QuizError,
        "example makes a self-study page: add self_study fmt html",
        (*QUIZ, "--format", "html", "--example", "handout-cnn"),
        "--example makes a self-study page: add --self-study --format html",
    ),
    Case(
        "selfstudy-inline",
        lambda: selfstudy.check("html", "inline", True, None, (), True),
        make.QuizError,
        "self_study keeps every answer behind its own reveal: leave out answers inline",
        (*QUIZ, "--format", "html", "--self-study", "--answers", "inline"),
        "--self-study keeps every answer behind its own reveal: leave out --answers inline",
    ),
    Case(
        "selfstudy-example-students",
        lambda: selfstudy.check("html", "separate", True, "handout-cnn", STUDENT, False),
        make.QuizError,
        "example makes one page, the same for everyone: leave out students",
        (
            *QUIZ,
            "--format",
            "html",
            "--self-study",
            "--example",
            "handout-cnn",
            "--students",
            "roster.csv",
            "-o",
            "out",
        ),
        "--example makes one page, the same for everyone: leave out --students",
    ),
    Case(
        "selfstudy-students-to-stdout",
        lambda: selfstudy.check("html", "separate", True, None, STUDENT, True),
        make.QuizError,
        "students writes a self-study page per student: give output DIR",
        (*QUIZ, "--format", "html", "--self-study", "--students", "roster.csv"),
        "--students writes a self-study page per student: give -o DIR",
    ),
    Case(
        "quiz-folder-not-ours",
        lambda: files.check_target(Path("full{}")),
        files.OutputError,
        "cannot write full{}: it is a folder explainer did not write, and not empty; force "
        "writes into it (its other files are kept)",
        (*QUIZ, "-o", "full{}"),
        "cannot write full{}: it is a folder explainer did not write, and not empty; --force "
        "writes into it (its other files are kept)",
    ),
    Case(
        "quiz-file-edited",
        _edited_quiz,
        files.OutputError,
        "cannot write edited: sheet.md was edited since explainer wrote it; force overwrites it",
    ),
    Case(
        "quiz-collision",
        _collision,
        files.OutputError,
        "cannot write collide: students is not a folder, and explainer writes students/; force "
        "replaces it",
    ),
    Case(
        "anki-missing",
        _no_genanki,
        OptionError,
        "fmt anki needs genanki, an optional extra: pip install 'explainer[anki]'",
        (*QUIZ, "--format", "anki", "-o", "out"),
        "--format anki needs genanki, an optional extra: pip install 'explainer[anki]'",
    ),
    Case(
        "practice-fade",
        lambda: __import__("explainer.teaching.practice", fromlist=["Session"]).Session(7, fade=-1),
        OptionError,
        "fade must be a non-negative integer, got -1",
    ),
]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The files the cases name, in the current folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KERAS_BACKEND", os.environ.get("KERAS_BACKEND", "jax"))
    (tmp_path / "model.py").write_text(TORCH_MODEL)
    (tmp_path / "keras_model.py").write_text(KERAS_MODEL)
    (tmp_path / "big{}.json").write_text("{}" + " " * 1_000_000)
    (tmp_path / "roster.csv").write_text("id,name\na1,Alice\n")
    (tmp_path / "full{}").mkdir()
    (tmp_path / "full{}" / "notes.txt").write_text("mine")
    return tmp_path


def _prepare(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    if case.needs:
        pytest.importorskip(case.needs)
    if case.name == "anki-missing":
        monkeypatch.setitem(sys.modules, "genanki", None)  # import genanki: ImportError
    for module in ("model", "keras_model"):  # the user's file, imported afresh in each case
        monkeypatch.delitem(sys.modules, f"explainer_user_model_{module}", raising=False)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_the_library_raises_its_own_class_in_its_own_words(
    case: Case, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _prepare(case, monkeypatch)
    with pytest.raises(case.raised) as caught:
        case.trigger()
    assert type(caught.value) is not ExplainerError
    assert str(caught.value) == case.message
    assert not FLAG.search(str(caught.value)), str(caught.value)


@pytest.mark.parametrize("case", [c for c in CASES if c.cli], ids=lambda case: case.name)
def test_the_command_line_names_the_flag(
    case: Case, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _prepare(case, monkeypatch)
    result = CliRunner().invoke(main, list(case.cli))
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"explainer: error: {case.line}\n"
    assert not (folder / "out").exists()  # refused before anything was written


# An option's placeholder in a template: {fade}, not {{fade}} (braces written as text).
_PLACEHOLDER = re.compile(r"(?<!\{)\{([a-z_]+)\}(?!\})")
_NAMING = {"OptionError", "QuizError", "NoAnswerError", "AnkiError", "refusal"}


def _placeholders(path: Path) -> set[str]:
    """The options named in the templates of one module's errors: OptionErrors, and any
    error raised with named=True."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        named = any(
            k.arg == "named" and isinstance(k.value, ast.Constant) and k.value.value is True
            for k in node.keywords
        )
        if called in _NAMING or named:
            for sub in ast.walk(node):
                if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                    found |= set(_PLACEHOLDER.findall(sub.value))
    return found


def test_every_option_a_message_names_is_one_the_command_line_has() -> None:
    """A placeholder that no command's parameter stands behind would reach the terminal as a
    bare name instead of a flag."""
    from explainer.cli import _LIBRARY_NAMES

    options = {param.name for command in main.commands.values() for param in command.params}
    assert all(param in options for _, param in _LIBRARY_NAMES)
    known = options | dict(_LIBRARY_NAMES).keys()
    named = {name for path in _library_modules() for name in _placeholders(path)}
    assert {"max_memory", "let", "input_shape", "points", "fmt", "force"} <= named
    assert named <= known, sorted(named - known)


# -- the source: no bare base class raised, no flag in a library string ------------------------

# Command lines printed for the user to run again: commands, not error messages.
COMMANDS = {
    "explainer solve --problem ID",
    " --students ROSTER.csv",
    "--seed",
    "--count",
    "--topic",
    "--difficulty",
    "--kinds",
    "--framework",
    " --format html --self-study",
    "explainer quiz --format html --self-study --example ",
}


def _library_modules() -> list[Path]:
    return [path for path in sorted(PACKAGE.rglob("*.py")) if path.name != "cli.py"]


def _docstrings(tree: ast.AST) -> set[int]:
    bodies = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    return {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, bodies)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }


def test_no_library_module_builds_the_bare_base_class() -> None:
    found = []
    for path in _library_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "ExplainerError":
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert found == [], "raise a subclass (see explainer/errors.py): " + ", ".join(found)


def test_no_library_string_names_a_command_line_flag() -> None:
    """Only cli.py knows the flags; the library names options as {placeholders}."""
    found = []
    for path in _library_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = _docstrings(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
                and node.value not in COMMANDS
                and FLAG.search(node.value)
            ):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {node.value!r}")
    assert found == [], "\n".join(found)


def test_a_user_s_braces_are_text_not_options() -> None:
    """User text goes into a message as it is: braces in it name no option, on any side."""
    with pytest.raises(InputShapeError) as caught:
        parse_let("{fade}=3")
    assert str(caught.value) == "let '{fade}=3': item 1 is '{fade}=3', not NAME=INTEGER"
    assert caught.value.worded({"fade": "--fade", "let": "--let"}) == (
        "--let '{fade}=3': item 1 is '{fade}=3', not NAME=INTEGER"
    )
    plain = ShapeErrorLike("size {0} is {x}", "line 1, col {2}")
    assert str(plain) == "line 1, col {2}: size {0} is {x}"
    assert plain.worded({"x": "--x"}) == str(plain)


class ShapeErrorLike(ArgumentError):
    """Any error raised with plain text (the default): nothing in it is a placeholder."""


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"fmt": "{0}"}, "fmt must be one of text, markdown, latex, html, json, got '{0}'"),
        ({"digits": "{x}"}, "digits must be one of western, indian, plain, got '{x}'"),
        ({"show": ("{",)}, "show '{': choose from macs, memory"),
        ({"fade": "{0}"}, "fade must be a non-negative integer, got '{0}'"),
        ({"depth": "}"}, "depth must be a positive integer, got '}'"),
    ],
)
def test_an_option_s_value_is_quoted_as_given(given: dict[str, object], message: str) -> None:
    """A value with braces, through the API: quoted, not read as a placeholder."""
    from explainer.rendering.options import Options

    with pytest.raises(OptionError) as caught:
        Options(**given)  # type: ignore[arg-type]
    assert str(caught.value) == message
