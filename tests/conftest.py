"""Golden files: ``tests/golden/<format>/<case>.<ext>``, compared exactly, rewritten on request.

Run ``pytest --update-golden`` after an intended change of output, then review the diff of
``tests/golden/`` like code: it is the change every reader of a worked solution will see.

Pictures (the SVG of HTML and Markdown, the TikZ rows of LaTeX) are cut out of a document's
golden file and stand there as one marker line each, ``[picture 1]``: their coordinates are
pinned in golden files of their own (``tests/golden/pictures/<format>/<case>-<n>.<ext>``) for the
cases that ask for it, so that a change to a picture rewrites those files only, not every
document's golden.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from explainer.rendering.options import EXTENSIONS

# Two Hypothesis profiles. "ci" (loaded when CI is set): derandomized, so every run draws the
# same examples (seeded from each test's own source) and a landing is never decided by the luck of
# the draw; a failure prints the blob that reproduces it. "dev" (the default elsewhere): each run
# explores anew and the example database replays what failed last time; whatever it finds is
# pinned with @example. `pytest --hypothesis-profile=ci` reproduces CI's draw on any machine.
# The number of examples is each test's own (its @settings): the fast loop is `-m "not slow"`,
# not fewer examples.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("dev")
settings.load_profile("ci" if os.environ.get("CI") else "dev")

# Keras runs on JAX, and each real Keras build or forward pass is an XLA compilation per shape.
# The oracles read shapes and counts, never the speed of the compiled code: LLVM's optimisation
# passes (most of a compilation's time) are left out, which makes the Keras tests twice as fast
# or more. Set before any test imports jax; the explainer processes the tests start inherit it.
os.environ.setdefault("XLA_FLAGS", "--xla_backend_optimization_level=0")

# Under pytest-xdist (`-n 2`) each worker gets its share of the cores for torch's (OpenMP's)
# threads: two workers of two threads each on two cores spend more time spinning for one another
# than computing (the torch tests take 2.5 times the CPU). A plain `pytest` keeps torch's own.
_WORKERS = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0"))
if _WORKERS:
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // _WORKERS)))

GOLDEN_DIR = Path(__file__).parent / "golden"
# One picture: an inline SVG (HTML, Markdown), or the TikZ rows of one picture (LaTeX).
PICTURE = re.compile(r"<svg\b.*?</svg>|\\begin\{picturerows\}.*?\\end\{picturerows\}", re.S)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="write tests/golden/<format>/<case>.<ext> from the output instead of comparing",
    )


class Golden:
    """``golden.check(fmt, case, text)``: ``text`` must equal the stored file, byte for byte."""

    def __init__(self, root: Path, update: bool) -> None:
        self.root = root
        self.update = update

    def path(self, fmt: str, case: str) -> Path:
        return self.root / fmt / f"{case}.{EXTENSIONS[fmt]}"

    def picture_path(self, fmt: str, case: str, number: int) -> Path:
        suffix = "tex" if fmt == "latex" else "svg"
        return self.root / "pictures" / fmt / f"{case}-{number}.{suffix}"

    def check_document(self, fmt: str, case: str, text: str, *, pin_pictures: bool) -> None:
        """A rendered document with its pictures cut out; ``pin_pictures``: each picture is
        checked against a golden file of its own as well."""
        pictures = PICTURE.findall(text)
        numbers = iter(range(1, len(pictures) + 1))
        self.check(fmt, case, PICTURE.sub(lambda _: f"[picture {next(numbers)}]", text))
        if not pin_pictures:
            return
        for number, picture in enumerate(pictures, 1):
            self.compare(self.picture_path(fmt, case, number), picture)
        stale = self.picture_path(fmt, case, len(pictures) + 1)
        if stale.exists() and self.update:
            stale.unlink()
        assert not stale.exists(), f"{stale.name}: a picture the document no longer has"

    def check(self, fmt: str, case: str, text: str) -> None:
        self.compare(self.path(fmt, case), text)

    def compare(self, path: Path, text: str) -> None:
        if self.update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.encode("utf-8"))
            return
        if not path.exists():
            pytest.fail(
                f"no golden file {path.relative_to(self.root.parent)}: "
                "run pytest with --update-golden to write it, then review it",
                pytrace=False,
            )
        expected = path.read_bytes().decode("utf-8")
        if text != expected:
            diff = difflib.unified_diff(
                expected.splitlines(keepends=True),
                text.splitlines(keepends=True),
                fromfile=str(path.relative_to(self.root.parent)),
                tofile="current output",
            )
            pytest.fail(
                "output differs from the golden file "
                "(if the change is intended: pytest --update-golden, then review the diff)\n"
                + "".join(diff),
                pytrace=False,
            )


@pytest.fixture(autouse=True)
def _keras_starts_clean() -> Iterator[None]:
    """After a test that used Keras, a clean Keras for the next one. A layer built in a
    StatelessScope(initialize_variables=False) (the oracles build them so: shapes only) stays on
    Keras's list of variables to initialise, and the next real build in the process initialises
    the whole pile, a JAX compilation per shape: minutes, in whichever test comes next. Without
    Keras's gc.collect(), which walks the whole heap after every test."""
    yield
    keras = sys.modules.get("keras")
    if keras is not None:
        keras.backend.clear_session(free_memory=False)


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Golden:
    return Golden(GOLDEN_DIR, bool(request.config.getoption("--update-golden")))


def tool(name: str, install: str) -> str:
    """The path of an external program a test needs (pdflatex, pandoc, ...). Missing: the test
    is skipped, naming what to install; in CI that skip is a failure (the hook below)."""
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed ({install})")
    return path


@pytest.fixture(scope="session")
def pdflatex() -> str:
    return tool("pdflatex", "apt-get install texlive-latex-base texlive-latex-extra")


@pytest.fixture(scope="session")
def pandoc() -> str:
    return tool("pandoc", "apt-get install pandoc")


# With CI set, an oracle or tool that is missing (torch, Keras, pdflatex, chromium, ...) is a
# broken installation, not a reason to pass: every skip becomes a failure that says what was
# missing. On a user's machine the same tests skip, naming what to install.
def _fail_skip_in_ci(report: pytest.CollectReport | pytest.TestReport) -> None:
    if not (os.environ.get("CI") and report.skipped):
        return
    if isinstance(report, pytest.TestReport) and hasattr(report, "wasxfail"):
        return  # an expected failure is not a missing component
    reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    report.outcome = "failed"
    report.longrepr = f"skipped in CI, where every oracle must be installed: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    _fail_skip_in_ci(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector):  # type: ignore[no-untyped-def]
    outcome = yield
    _fail_skip_in_ci(outcome.get_result())
