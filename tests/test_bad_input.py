"""Bad input: exit code 2, one line on stderr that names the place and the numbers, nothing else.

Nothing on stdout, no traceback, no -o file (nor a temp file) left behind, and nothing in a
spec is ever executed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explainer.cli import main

PLACE = re.compile(r"line \d+, col \d+|layer \d+")
CNN = (
    "input(1,28,28) -> Conv2d(1,16,5,padding=2) -> MaxPool2d(2) -> Conv2d(16,32,5,padding=2) "
    "-> MaxPool2d(2) -> Flatten"
)
DEEP = "*".join(["2"] * 5000)  # too deep for the compiler
DEEP_KEYWORD = "+".join(["2"] * 1500)  # the compiler copes, walking the tree does not
FORWARD = "\ndef forward(self, x):\n    return self.fc(self.conv(x))"
PRINTOUT = """Net(
  (conv): Conv2d(1, 16, kernel_size=(5, 5))
  (fc): Lineer(in_features=9216, out_features=10, bias=True)
)"""

# (id, arguments after `explainer`, what the one stderr line must contain)
BAD = [
    ("unknown layer", ["solve", "input(1,28,28) -> Conv2d(1,16,5) -> Conv2dd(16, 32, 5)"],
     ["line 1, col 37", "layer 2", "'Conv2dd'", "did you mean 'Conv2d'?"]),
    ("unknown layer, lower case", ["solve", "input(10) -> Linaer(5)"],
     ["line 1, col 14", "layer 1", "did you mean 'Linear'?"]),
    ("unknown layer in a print-out", ["solve", PRINTOUT, "--input", "1,28,28"],
     ["line 3, col 9", "layer 2", "'Lineer'", "did you mean 'Linear'?"]),
    ("unclosed parenthesis", ["solve", "input(1,28,28) -> Conv2d(1,16,5 -> ReLU"],
     ["line 1, col 25", "unbalanced parentheses", "'('"]),
    ("stray closing parenthesis", ["solve", "input(1,28,28) -> Conv2d(1,16,5)) -> ReLU"],
     ["line 1, col 33", "unbalanced parentheses", "')'"]),
    ("unbalanced on a later line", ["solve", "input(1,28,28)\nConv2d(1,16,5)\nLinear((10)"],
     ["line 3, col 7", "unbalanced parentheses"]),
    ("kernel larger than the input", ["solve", "input(1,4,4) -> Conv2d(1,16,7)"],
     ["line 1, col 17", "layer 1", "kernel 7", "4 + 2·0 = 4"]),
    ("kernel larger than the padded input", ["solve", "input(1,4,4) -> Conv2d(1,16,7, padding=1)"],
     ["layer 1", "kernel 7", "4 + 2·1 = 6"]),
    ("pool window larger than the input", ["solve", CNN.replace("Flatten", "MaxPool2d(9)")],
     ["layer 5", "kernel 9", "7 + 2·0 = 7"]),
    ("in_features contradicts the flatten", ["solve", CNN + " -> Linear(1500, 10)"],
     ["line 1, col 119", "layer 6", "in_features=1500", "1568", "after layer 5 (Flatten)"]),
    ("in_features contradicts the input",
     ["solve", "input(784) -> Linear(in_features=1000, out_features=10)"],
     ["layer 1", "in_features=1000", "784"]),
    ("in_channels contradicts the previous layer",
     ["solve", "input(1,28,28) -> Conv2d(1,16,5,padding=2) -> MaxPool2d(2) -> Conv2d(8,32,5)"],
     ["line 1, col 63", "layer 3", "in_channels=8", "16 channels", "after layer 2 (MaxPool2d)"]),
    ("in_channels contradicts the input", ["solve", "input(3,28,28) -> Conv2d(16, 32, 5)"],
     ["layer 1", "in_channels=16", "3 channels"]),
    ("negative size", ["solve", "input(1,28,28) -> Conv2d(1,-16,5)"],
     ["line 1, col 19", "layer 1", "out_channels", "-16"]),
    ("non-integer kernel", ["solve", "input(1,28,28) -> Conv2d(1,16,2.5)"],
     ["layer 1", "kernel_size", "2.5"]),
    ("non-integer features", ["solve", "input(10) -> Linear(10.5)"],
     ["layer 1", "out_features", "10.5"]),
    ("zero features", ["solve", "input(10) -> FCwB(0)"],
     ["layer 1", "out_features", "got 0"]),
    ("negative input size", ["solve", "input(-1, 28) -> Flatten"],
     ["line 1, col 1", "size 1 is -1"]),
    ("stride 0", ["solve", "input(1,28,28) -> Conv2d(1,16,5, stride=0)"],
     ["layer 1", "stride", "got 0"]),
    ("pool stride 0", ["solve", "input(1,28,28) -> MaxPool2d(2, stride=0)"],
     ["layer 1", "stride", "got 0"]),
    ("groups do not divide in_channels", ["solve", "input(4,28,28) -> Conv2d(4,8,3, groups=3)"],
     ["layer 1", "groups=3", "in_channels=4"]),
    ("groups do not divide out_channels", ["solve", "input(4,28,28) -> Conv2d(4,6,3, groups=4)"],
     ["layer 1", "groups=4", "out_channels=6"]),
    ("dropout above 1", ["solve", "input(10) -> Dropout(1.5)"],
     ["line 1, col 14", "layer 1", "p", "1.5"]),
    ("dropout below 0", ["solve", "input(10) -> Dropout(p=-0.1)"],
     ["layer 1", "-0.1"]),
    ("unknown keyword", ["solve", "input(10) -> Linear(5, bais=False)"],
     ["line 1, col 14", "layer 1", "'bais'", "did you mean 'bias'?"]),
    ("unknown keyword of an alias", ["solve", "input(10) -> FCwB(5, stride=2)"],
     ["layer 1", "'stride'"]),
    ("missing input shape", ["solve", "Conv2d(1,16,5) -> ReLU"],
     ["line 1, col 1", "layer 1", "no input shape", "--input"]),
    ("missing input shape of a print-out and its forward",
     ["solve", PRINTOUT.replace("Lineer", "Linear") + FORWARD],
     ["line 2, col 11", "layer 1", "no input shape"]),
    ("padding='same' with stride 2",
     ["solve", "input(1,28,28) -> Conv2d(1,16,3, padding='same', stride=2)"],
     ["line 1, col 19", "layer 1", "padding='same'", "stride=2"]),
    ("--input with a zero", ["solve", "Conv2d(1,16,5)", "--input", "1,0,28"],
     ["input shape", "1,0,28", "size 2 is 0"]),
    ("--input not numbers", ["solve", "Conv2d(1,16,5)", "--input", "a,b"],
     ["input shape", "'a,b'", "size 1 is 'a'"]),
    ("--input empty", ["solve", "Conv2d(1,16,5)", "--input", ""],
     ["input shape", "empty"]),
    ("a compiler warning is an error", ["solve", "input(1,28,28) -> Conv2d(1,16,5if 1 else 2)"],
     ["line 1, col 31", "invalid decimal literal"]),
    ("an argument nested too deeply", ["solve", f"input(3) -> Linear({DEEP})"],
     ["line 1, col 13", "more than 100 arithmetic operators"]),
    ("a keyword nested too deeply", ["solve", f"input(3) -> Linear(out_features={DEEP_KEYWORD})\n"],
     ["line 1, col 13", "more than 100 arithmetic operators"]),
]  # fmt: skip


def run(args: list[str], input: str | None = None) -> Result:
    return CliRunner().invoke(main, args, input=input, prog_name="explainer")


def one_error_line(result: Result) -> str:
    """The checks every refusal passes; returns the message after the prefix."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and result.stderr.endswith("\n"), result.stderr
    assert lines[0].startswith("explainer: error: "), lines[0]
    assert "Traceback" not in result.stderr
    return lines[0].removeprefix("explainer: error: ")


@pytest.mark.parametrize(("args", "expected"), [case[1:] for case in BAD], ids=[c[0] for c in BAD])
def test_refused_with_one_line(args: list[str], expected: list[str]) -> None:
    message = one_error_line(run(args))
    assert all(part in message for part in expected), (message, expected)
    if "--input" not in args:
        assert PLACE.search(message), message


@pytest.mark.parametrize(("args", "expected"), [case[1:] for case in BAD], ids=[c[0] for c in BAD])
def test_refused_from_stdin_and_to_a_file(
    tmp_path: Path, args: list[str], expected: list[str]
) -> None:
    """The same refusal with the spec on stdin; -o writes nothing, not even a temp file."""
    spec, options = args[1], args[2:]
    target = tmp_path / "solution.txt"
    message = one_error_line(run(["solve", "-", *options, "-o", str(target)], input=spec))
    assert all(part in message for part in expected), (message, expected)
    assert list(tmp_path.iterdir()) == []


def test_refused_from_a_file(tmp_path: Path) -> None:
    spec = tmp_path / "model.txt"
    spec.write_text("input(10)\nLinear(5)\nDropout(2)\n", encoding="utf-8")
    message = one_error_line(run(["solve", str(spec)]))
    assert message.startswith("line 3, col 1: layer 2, Dropout(2): ")
    assert "got 2" in message


@pytest.mark.parametrize(
    "template",
    [
        "__import__('os').system('touch {marker}')",
        "input(1,28,28) -> __import__('os').system('touch {marker}')",
        "input(1,28,28) -> Conv2d(__import__('os').system('touch {marker}'), 16, 5)",
        "input(10) -> Linear(5, bias=__import__('os').system('touch {marker}'))",
        "input(10) -> Linear(5, bias=[x for x in __import__('os').system('touch {marker}')])",
        "input(10) -> Linear(5, bias=(lambda: __import__('os').system('touch {marker}'))())",
        "input(10) -> Linear(**__import__('os').system('touch {marker}'))",
        "input(10) -> Linear(5, bias=eval(\"__import__('os').system('touch {marker}')\"))",
        "(fc): Linear(10, 5)\ndef forward(self, x):\n    x = self.fc(x)\n"
        "    return __import__('os').system('touch {marker}')",
        "(fc): Linear(10, 5)\ndef forward(self, x):\n"
        "    __import__('os').system('touch {marker}')\n    return self.fc(x)",
        "(fc): Linear(10, 5)\ndef forward(self, x, y=__import__('os').system('touch {marker}')):\n"
        "    return self.fc(x)",
    ],
)
def test_nothing_in_a_spec_is_executed(tmp_path: Path, template: str) -> None:
    marker = tmp_path / "pwned"
    spec = template.format(marker=marker)
    result = run(["solve", spec, "--input", "10"])
    assert not marker.exists()
    assert result.exit_code in (0, 2)  # a default value in forward's signature is never read
    if result.exit_code == 2:
        one_error_line(result)


def test_nothing_in_input_is_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    message = one_error_line(
        run(["solve", "Linear(5)", "--input", f"__import__('os').system('touch {marker}')"])
    )
    assert message.startswith("--input: input shape ")
    assert not marker.exists()


def test_unwritable_output_path(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "solution.txt"
    message = one_error_line(run(["solve", "--example", "handout-mlp", "-o", str(target)]))
    assert str(target) in message
    assert not target.parent.exists()
    assert list(tmp_path.iterdir()) == []


def test_bad_spec_leaves_an_existing_output_alone(tmp_path: Path) -> None:
    target = tmp_path / "solution.md"
    target.write_text("the previous solution\n", encoding="utf-8")
    one_error_line(run(["solve", "input(10) -> Linear(0)", "-o", str(target)]))
    assert target.read_text(encoding="utf-8") == "the previous solution\n"
    assert [p.name for p in tmp_path.iterdir()] == ["solution.md"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["solve"], "no SPEC"),
        (["solve", "Linear(3)", "--example", "handout-mlp"], "give only one of"),
        (["solve", "--example", "handout_mpl"], "did you mean 'handout-mlp'?"),
        (["solve", ""], "no layers"),
        (["solve", "-"], "no layers"),
    ],
)
def test_usage_mistakes(args: list[str], expected: str) -> None:
    assert expected in one_error_line(run(args, input=""))


def test_long_one_line_spec_is_not_taken_for_a_file_name() -> None:
    spec = "input(10) -> " + " -> ".join(["ReLU"] * 100) + " -> Linaer(5)"
    message = one_error_line(run(["solve", spec]))
    assert "layer 101" in message and "did you mean 'Linear'?" in message


# -- whatever the text, exit 0 or 2 and never a traceback ------------------------------------

PIECES = st.sampled_from([
    "input(1,28,28)", "input(", "->", "→", "\n", ";", "#", " ", "(", ")", "[", "]", ",", "=", "'",
    "Conv2d(", "Linear(", "FCwB(", "Maxpool(", "MaxPool2d(", "Flatten", "ReLU", "Dropout(",
    "1", "3", "16", "0", "-1", "2.5", "True", "None", "'same'", "padding", "stride=",
    "kernel_size=", "(a): ", "Net(\n", "def forward(self, x):\n", "    x = self.a(x)\n",
    "    return x\n", "x.view(-1, 4)", "F.relu(", "5if", "**", "*", "nn.", "output",
])  # fmt: skip
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def exits_cleanly(spec: str, *options: str) -> None:
    result = run(["solve", *options, "--", spec])
    if result.exit_code == 0:
        assert result.stderr == "" and result.stdout.startswith("Worked solution")
    else:
        one_error_line(result)


@FUZZ
@given(st.text())
def test_random_text_never_crashes(spec: str) -> None:
    exits_cleanly(spec)


@FUZZ
@given(st.lists(PIECES, max_size=25).map("".join))
def test_random_spec_like_text_never_crashes(spec: str) -> None:
    exits_cleanly(spec, "--input", "1,28,28")
