"""Golden files: ``tests/golden/<format>/<case>.<ext>``, compared exactly, rewritten on request.

Run ``pytest --update-golden`` after an intended change of output, then review the diff of
``tests/golden/`` like code: it is the change every reader of a worked solution will see.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest
from hypothesis import settings

from explainer.rendering.render import EXTENSIONS

# In CI the property tests draw the same (many thousand) examples on every run, so a landing is
# never decided by the luck of the draw; on a developer's machine each run explores anew, and
# whatever it finds is pinned with @example.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

GOLDEN_DIR = Path(__file__).parent / "golden"


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

    def check(self, fmt: str, case: str, text: str) -> None:
        path = self.path(fmt, case)
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
                fromfile=f"golden/{fmt}/{path.name}",
                tofile="current output",
            )
            pytest.fail(
                "output differs from the golden file "
                "(if the change is intended: pytest --update-golden, then review the diff)\n"
                + "".join(diff),
                pytrace=False,
            )


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Golden:
    return Golden(GOLDEN_DIR, bool(request.config.getoption("--update-golden")))


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
