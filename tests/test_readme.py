"""The README stays true: its console examples are run and compared, its catalogue is complete.

A ``console`` block whose first line is ``$ explainer ...`` is run; the lines after each
``$`` line are its exact output. A line holding only ``...`` stands for any number of lines
left out (the README trims long solutions); an output that starts ``explainer: error:`` is a
refusal, expected on stderr with exit code 2.
"""

from __future__ import annotations

import doctest
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from explainer.cli import main
from explainer.deriving.layers import ALIASES, KINDS

README = Path(__file__).resolve().parent.parent / "README.md"
TEXT = README.read_text(encoding="utf-8")
FENCE = re.compile(r"^```(?P<lang>[\w-]*)\n(?P<body>.*?)^```$", re.MULTILINE | re.DOTALL)
ELLIPSIS = "..."

FRESH_INSTALL = (
    "python3 -m venv .venv && . .venv/bin/activate && pip install . "
    "&& explainer solve --example handout-mlp"
)
FRESH_TESTS = "python3 -m venv .venv && . .venv/bin/activate && pip install '.[test]' && pytest"


def blocks(lang: str) -> list[str]:
    return [m["body"] for m in FENCE.finditer(TEXT) if m["lang"] == lang]


def console_examples() -> list[tuple[str, str]]:
    """(command, expected output) for every ``$ explainer`` line of the console blocks."""
    examples: list[tuple[str, list[str]]] = []
    for body in blocks("console"):
        if not body.startswith("$ explainer"):
            continue
        for line in body.splitlines():
            if line.startswith("$ "):
                examples.append((line[2:], []))
            else:
                examples[-1][1].append(line)
    return [(command, "".join(line + "\n" for line in output)) for command, output in examples]


def matches(expected: str, actual: str) -> bool:
    """Exact, except that a line '...' in ``expected`` stands for any run of lines."""
    pattern = "".join(
        "(?:.*\n)*?" if line == ELLIPSIS else re.escape(line + "\n")
        for line in expected.splitlines()
    )
    return re.fullmatch(pattern, actual) is not None


EXAMPLES = console_examples()


def test_readme_has_console_examples() -> None:
    commands = [command for command, _ in EXAMPLES]
    assert len(commands) >= 4
    assert any("--example handout-mlp" in c for c in commands)
    assert any("--example handout-cnn" in c for c in commands)


@pytest.mark.parametrize(("command", "expected"), EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_console_example_output_is_true(command: str, expected: str) -> None:
    words = shlex.split(command)
    assert words[0] == "explainer"
    result = CliRunner().invoke(main, words[1:], prog_name="explainer")
    if expected.startswith("explainer: error: "):  # a refusal: exit 2, one line on stderr
        assert (result.exit_code, result.stdout, result.stderr) == (2, "", expected)
        return
    assert (result.exit_code, result.stderr) == (0, ""), result.stderr
    if not matches(expected, result.stdout):
        assert expected == result.stdout  # shows the difference


def test_ellipsis_matching() -> None:
    assert matches("a\n...\nd\n", "a\nb\nc\nd\n")
    assert matches("a\n...\nd\n", "a\nd\n")
    assert not matches("a\n...\nd\n", "a\nb\nd\ne\n")
    assert not matches("a\nd\n", "a\nb\nd\n")


@pytest.mark.parametrize("key", [*KINDS, *ALIASES])
def test_every_registry_key_is_in_the_catalogue(key: str) -> None:
    catalogue = TEXT.split("## Layer catalogue", 1)[1].split("\n## ", 1)[0]
    assert re.search(rf"^- `{re.escape(key)}`", catalogue, re.MULTILINE), key


@pytest.mark.parametrize("command", [FRESH_INSTALL, FRESH_TESTS])
def test_fresh_machine_commands_are_verbatim(command: str) -> None:
    assert command in TEXT


def test_python_examples_run() -> None:
    """The ``pycon`` blocks are doctests."""
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    globs: dict[str, object] = {}
    for number, body in enumerate(blocks("pycon")):
        test = parser.get_doctest(body, globs, f"README pycon block {number + 1}", str(README), 0)
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
    assert runner.summarize(verbose=False).attempted > 0
