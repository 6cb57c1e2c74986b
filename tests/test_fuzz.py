"""The fuzzing suite (issue 11): hypothesis over every entry point.

Whatever the input, explainer exits 0 with valid output, or 2 with one line under 300
characters on stderr; never a traceback, never a hang (each example has
``FUZZ_SECONDS`` to finish), never more than ``FUZZ_MEMORY`` of memory.

Entry points: a chain, the course notation, a print-out with its forward, a bank file (TOML),
a Hugging Face configuration (JSON, ``--hf``), a roster (CSV), practice answers, problem ids,
and raw bytes on standard input. The number of
examples per entry point is ``EXPLAINER_FUZZ_EXAMPLES`` (default 60: the time-bounded variant
that plain ``pytest`` and CI run in about a minute); a long run sets it higher, e.g.
``EXPLAINER_FUZZ_EXAMPLES=2000 pytest tests/test_fuzz.py``. The LaTeX of the accepted specs is
compiled in batches with pdflatex.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import resource
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from types import FrameType

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explainer.api import solve_spec
from explainer.cli import main
from explainer.errors import ExplainerError
from explainer.reading import bank
from explainer.reading.roster import parse_roster
from explainer.rendering.render import render
from explainer.teaching.generate.ids import DIFFICULTIES, KINDS, MAX_SEED, TOPICS

EXAMPLES = int(os.environ.get("EXPLAINER_FUZZ_EXAMPLES", "60"))
FUZZ_SECONDS = 20  # one example; the slowest real spec solves in well under a second
FUZZ_MEMORY = 3 * 2**30  # bytes of resident memory, the test process's whole peak
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FORMATS = ("text", "markdown", "latex", "html", "json")


class Hang(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: int = FUZZ_SECONDS) -> Iterator[None]:
    def expire(signum: int, frame: FrameType | None) -> None:
        raise Hang(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def invoke(args: list[str], stdin: str | bytes | None = None) -> Result:
    with time_limit():
        result = CliRunner().invoke(main, args, input=stdin, prog_name="explainer")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    assert peak < FUZZ_MEMORY, f"resident memory reached {peak:,} bytes"
    return result


def clean_exit(result: Result) -> bool:
    """Exit 0 (True) or a clean refusal (False); anything else fails the test."""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"traceback: {result.exc_info}")
    assert "Traceback" not in result.stderr
    if result.exit_code == 0:
        return True
    assert result.exit_code == 2, (result.exit_code, result.stderr[:500])
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.endswith("\n"), result.stderr[:500]
    assert result.stderr.startswith("explainer: error: ") and len(result.stderr) < 300
    return False


def valid_output(fmt: str, text: str) -> None:
    """What each format must be when explainer says it succeeded."""
    assert text.strip(), "empty output with exit 0"
    if fmt == "json":
        json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in the JSON"))
    elif fmt == "html":
        HTMLParser().feed(text)
        assert text.rstrip().endswith("</html>")
    elif fmt == "latex":
        assert text.rstrip().endswith(r"\end{document}")


# -- strategies --------------------------------------------------------------------------------

NUMBERS = st.one_of(
    st.integers(-3, 40).map(str),
    st.integers(0, 10**1200).map(str),
    st.sampled_from(["1e400", "-1e400", "0.5", "1.5", "2.5", "nan", "0x10", "1_000", "9" * 4400]),
)
HOSTILE = st.sampled_from([
    "# <img src=x onerror=alert(1)>\n", "`", "``", "\\", "\n\n", "\x00", "\x0c", "\u2028", "\ufeff",
    "'", '"', "{", "}", "$", "%", "&", "_", "^", "~", "中", "é", "\U0001f600", "[x](javascript:1)",
    "-" * 200, "(" * 40, ")" * 40, "+" * 120, "*", "//", "lambda: 0", "__import__('os')",
])  # fmt: skip
CHAIN_PIECES = st.one_of(
    st.sampled_from([
        "input(1,28,28)", "input(3, 32, 32)", "input(4)", "input(", "->", "→", "\n", ";", "#",
        " ", "(", ")", "[", "]", ",", "=", "'", "Conv2d(", "Linear(", "MaxPool2d(", "Flatten",
        "ReLU", "Dropout(", "LeakyReLU(", "BatchNorm2d(", "LSTM(", "Embedding(", "Unflatten(1, ",
        "padding=", "stride=", "kernel_size=", "bias=", "True", "None", "'same'", "nn.", "output",
        "Conv2d(16, 5)", "Linear(10)", "Flatten()", "MaxPool2d(2)", "Linear(3, bias='x\ny')",
    ]),
    NUMBERS,
    HOSTILE,
)  # fmt: skip
COURSE_PIECES = st.one_of(
    st.sampled_from([
        "input", "→", "->", "output", "FCwB(", "FC(", "Maxpool(", "Dropout(", "tanh", "relu",
        "sigmoid", "GlobalAvgPool2d", ")", "(", "256", "128", "3", "0.1",
    ]),
    NUMBERS,
    HOSTILE,
)  # fmt: skip
LINES = st.one_of(
    st.sampled_from([
        "Net(", "  (conv): Conv2d(1, 16, kernel_size=(5, 5), stride=(1, 1))",
        "  (fc): Linear(in_features=16, out_features=10, bias=True)", "  (seq): Sequential(",
        "    (0): ReLU()", "    (1): Linear(in_features=4, out_features=4, bias=True)", "  )", ")",
        "  (drop): Dropout(p=0.5, inplace=False)", "def forward(self, x):", "    x = self.conv(x)",
        "    x = self.fc(x)", "    x = self.seq(x)", "    x = F.relu(x)", "    x = x.view(-1, 4)",
        "    x = torch.flatten(x, 1)", "    return x", "    return self.fc(x)", "        ", "",
        "    x = self.fc(x" + " + x" * 50 + ")", "    '''doc'''", "    if x: pass",
    ]),
    st.builds(
        lambda name, call: f"  ({name}): {call}",
        st.from_regex(r"[a-z_][a-z0-9_.]{0,8}", fullmatch=True),
        CHAIN_PIECES,
    ),
    HOSTILE,
)  # fmt: skip
TOML_PIECES = st.one_of(
    st.sampled_from([
        'title = "t"\n', 'spec = "input(4) -> Linear(3)"\n', "total_params = 15\n",
        "input = [4]\n", 'framework = "keras"\n', 'framework = "pytorch"\n', 'source = ""\n',
        "input = [0]\n", "input = []\n", 'input = ["4"]\n', "total_params = 1e3\n", "[table]\n",
        'spec = """\n', '"""\n', "title = \n", "x = [[[[", "=", "\n",
    ]),
    CHAIN_PIECES,
)  # fmt: skip
CSV_PIECES = st.one_of(
    st.sampled_from([
        "id", "student_id", "name", ",", "\n", "\r\n", '"', '""', ";", "\t", "alice", "Bob", "b2",
        "Smith, A", "x" * 1100, "../etc", ".hidden", "a" * 70, "\ufeff", " ", "Ünïcode",
    ]),
    HOSTILE,
)  # fmt: skip
ANSWER_PIECES = st.one_of(
    st.sampled_from([
        b"h", b"s", b"q", b"320", b"1,216", b"8,83,530", b"16x14x14", b"[16, 14, 14]",
        b"(16,14,14)", b"-1", b"0", b"a", b"1 2", b"9" * 5000, b"9" * 999, b"\xff",
        b"\xe2\x82", b"\r", b"",
        b"   ", b"1e400", b"[" * 100, b"A", b"B", b"C", b"D",
    ]),
    st.binary(max_size=40),
)  # fmt: skip
IDS = st.one_of(
    st.builds(
        lambda s, i, t, d, k: f"s{s}-i{i}-{t}-{d}-{k}",
        st.one_of(st.integers(0, 50), st.integers(0, MAX_SEED + 10)),
        st.integers(0, 12),
        st.sampled_from((*TOPICS, "mpl")),
        st.sampled_from((*DIFFICULTIES, "easyy")),
        st.sampled_from((*KINDS, "tabel")),
    ),
    st.text(max_size=60),
)


def joined(pieces: st.SearchStrategy[str], size: int = 30) -> st.SearchStrategy[str]:
    return st.lists(pieces, max_size=size).map("".join)


COMMENT = st.one_of(HOSTILE, st.text(max_size=30)).map(lambda text: " ".join(text.splitlines()))
FLOATS = st.floats(-1e300, 1e300, allow_nan=False, allow_infinity=False)


@st.composite
def valid_chains(draw: st.DrawFn) -> str:
    """Mostly valid chains, flat or image-shaped, with hostile text where a spec allows
    free text: comments between and inside calls, blank lines inside calls."""
    image = draw(st.booleans())
    size = draw(st.integers(1, 40))
    parts = [f"input({draw(st.integers(1, 4))}, {size}, {size})" if image else f"input({size})"]
    for _ in range(draw(st.integers(1, 6))):
        n = draw(st.integers(1, 64))
        flat = [
            f"Linear({n})", f"Linear({n}, bias=False)", f"FCwB({n})", f"FC({n})", "ReLU",
            "Tanh()", "Sigmoid", "GELU()", "Identity()", f"Dropout({draw(st.floats(0, 1))!r})",
            f"LeakyReLU({draw(FLOATS)!r})", f"Maxpool({draw(st.integers(1, 4))})",
        ]  # fmt: skip
        shaped = [
            f"Conv2d({n}, {draw(st.integers(1, 5))}, padding={draw(st.integers(0, 2))})",
            f"MaxPool2d({draw(st.integers(1, 3))})", "BatchNorm2d()", "Flatten", "ReLU()",
            f"Conv2d({n}, 3, padding='same')",
        ]  # fmt: skip
        call = draw(st.sampled_from(shaped if image else flat))
        if call.endswith(")") and draw(st.booleans()):
            blank = "\n\n" if draw(st.booleans()) else ""
            call = f"{call[:-1]}, # {draw(COMMENT)}{blank}\n)" if "(" in call[:-2] else call
        parts.append(call)
        image = image and call != "Flatten"
    separator = draw(st.sampled_from([" -> ", "→", "\n", "; ", " ->\n"]))
    text = separator.join(parts)
    return text + (f"  # {draw(COMMENT)}" if draw(st.booleans()) else "")


CHAINS = st.one_of(valid_chains(), joined(CHAIN_PIECES))


# -- entry points ------------------------------------------------------------------------------


@FUZZ
@given(CHAINS, st.sampled_from(FORMATS))
def test_chain(spec: str, fmt: str) -> None:
    result = invoke(["solve", "--format", fmt, "--", spec])
    if clean_exit(result):
        valid_output(fmt, result.stdout)


@FUZZ
@given(st.text(max_size=200), st.sampled_from(FORMATS))
def test_any_text(spec: str, fmt: str) -> None:
    result = invoke(["solve", "--input", "1,28,28", "--format", fmt, "--", spec])
    if clean_exit(result):
        valid_output(fmt, result.stdout)


@FUZZ
@given(joined(COURSE_PIECES), st.sampled_from(FORMATS))
def test_course_notation(spec: str, fmt: str) -> None:
    result = invoke(["solve", "--input", "1024", "--format", fmt, "--", spec])
    if clean_exit(result):
        valid_output(fmt, result.stdout)


@FUZZ
@given(st.lists(LINES, max_size=14).map("\n".join), st.sampled_from(FORMATS))
def test_printout_with_forward(spec: str, fmt: str) -> None:
    result = invoke(["solve", "-", "--input", "1,8,8", "--format", fmt], stdin=spec)
    if clean_exit(result):
        valid_output(fmt, result.stdout)


@FUZZ
@given(st.binary(max_size=300))
def test_bytes_on_standard_input(data: bytes) -> None:
    clean_exit(invoke(["solve", "-", "--input", "4"], stdin=data))


@FUZZ
@given(joined(TOML_PIECES, 12))
def test_bank_file(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder, time_limit():
        path = Path(folder) / "fuzzed.toml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            example = bank.load(path)
            solution = solve_spec(example.spec, example.input_shape, framework=example.framework)
        except ExplainerError as exc:
            assert len(str(exc)) < 2000  # the CLI caps the line; the message itself is short
            return
        assert solution.total_params >= 0


@FUZZ
@given(joined(CSV_PIECES, 40))
def test_roster(text: str) -> None:
    """Accepted: every non-blank record is one student, none lost or folded into another."""
    with time_limit():
        try:
            students = parse_roster(text, 7, "roster.csv")
        except ExplainerError:
            return
    records = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), strict=True))
    assert len(students) == sum(1 for row in records[1:] if any(cell.strip() for cell in row))


JSON_PIECES = st.one_of(
    st.sampled_from([
        "{", "}", "[", "]", ",", ":", '"n_embd"', '"n_layer"', '"n_head"', '"vocab_size"',
        '"model_type"', '"gpt2"', '"llama"', '"hidden_size"', '"num_attention_heads"',
        '"num_hidden_layers"', '"intermediate_size"', "768", "12", "0", "-1", "1e400", "NaN",
        "Infinity", "true", "null", '"x"', "9" * 120, "[" * 40,
    ]),
    st.integers(0, 4096).map(str),
)  # fmt: skip


@FUZZ
@given(st.one_of(joined(JSON_PIECES, 40), st.text(max_size=100)))
def test_hf_config(config: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "config.json"
        path.write_text(config, encoding="utf-8", errors="surrogatepass")
        result = invoke(["solve", "--hf", str(path), "--format", "json"])
    if clean_exit(result):
        valid_output("json", result.stdout)


@settings(FUZZ, max_examples=max(10, EXAMPLES // 3))
@given(st.lists(ANSWER_PIECES, max_size=12).map(b"\n".join))
def test_practice_answers(answers: bytes) -> None:
    result = invoke(["practice", "--seed", "3", "--count", "2"], stdin=answers)
    assert clean_exit(result), result.stderr
    assert "Score:" in result.stdout


@settings(FUZZ, max_examples=max(10, EXAMPLES // 3))
@given(IDS, st.sampled_from(FORMATS))
def test_problem_ids(problem_id: str, fmt: str) -> None:
    result = invoke(["solve", "--problem", problem_id, "--format", fmt])
    if clean_exit(result):
        valid_output(fmt, result.stdout)


# -- LaTeX: every accepted spec compiles ---------------------------------------------------

# Hand-made specs that explainer accepts and whose text once broke pdflatex or could.
TEX_SPECS = [
    "input(4) -> Linear(\n\n 3)",
    "input(4) -> Linear(3, # <img src=x onerror=alert(1)> 中 é \\ $ % & _ ^ ~ { }\n)",
    "input(4) -> Linear(3) # comment with \x0c form feed and \u2028 separator",
    "input(4) -> Dropout(p=0.5) -> LeakyReLU(negative_slope=1e300)",
    "input(1,28,28) -> Conv2d(16, 5, padding='same') -> Flatten -> Linear(10, bias=True)",
]


def accepted_chain_specs(count: int) -> list[str]:
    found: list[str] = []

    @settings(FUZZ, max_examples=count, database=None)
    @given(valid_chains())
    def collect(spec: str) -> None:
        with contextlib.suppress(ExplainerError):
            solve_spec(spec)
            found.append(spec)

    collect()
    return found


def batch_document(documents: list[str]) -> str:
    """Several solutions in one run: the first preamble, every body."""
    head = documents[0].split(r"\begin{document}", 1)[0]
    bodies = [
        re.split(r"\\begin\{document\}|\\end\{document\}", document)[1] for document in documents
    ]
    return head + "\\begin{document}\n" + "\n\\clearpage\n".join(bodies) + "\n\\end{document}\n"


@pytest.mark.slow
def test_latex_of_accepted_specs_compiles(pdflatex: str, tmp_path: Path) -> None:
    specs = TEX_SPECS + accepted_chain_specs(max(20, EXAMPLES))
    documents = [render(solve_spec(spec), "latex") for spec in specs]
    for start in range(0, len(documents), 25):
        source = tmp_path / f"batch{start}.tex"
        source.write_text(batch_document(documents[start : start + 25]), encoding="utf-8")
        done = subprocess.run(
            [pdflatex, "-interaction=nonstopmode", "-halt-on-error", source.name],
            cwd=tmp_path, capture_output=True, text=True, errors="replace", timeout=300,
            check=False,
        )  # fmt: skip
        errors = [line for line in done.stdout.splitlines() if line.startswith("!")]
        assert done.returncode == 0, (errors, specs[start : start + 25])
