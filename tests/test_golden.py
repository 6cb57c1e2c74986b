"""Every format's full output for the handout's two examples (and a few more), as golden files.

Regenerate with ``pytest tests/test_golden.py --update-golden`` and review the diff.
"""

from __future__ import annotations

import pytest
from conftest import Golden

from explainer.api import explain
from explainer.rendering.render import FORMATS

# (format, example, digits, golden case name)
CASES = [
    *(
        (fmt, example, "western", example)
        for example in ("handout-cnn", "handout-mlp")
        for fmt in FORMATS
    ),
    ("text", "handout-mlp", "indian", "handout-mlp-indian"),
    ("json", "handout-mlp", "indian", "handout-mlp-indian"),
    ("markdown", "lenet-5", "western", "lenet-5"),
]


@pytest.mark.parametrize(
    ("fmt", "example", "digits", "case"), CASES, ids=[f"{fmt}-{case}" for fmt, _, _, case in CASES]
)
def test_golden(golden: Golden, fmt: str, example: str, digits: str, case: str) -> None:
    text = explain("", fmt=fmt, digits=digits, example=example)
    golden.check(fmt, case, text)


def test_no_stale_golden_files(golden: Golden) -> None:
    """A golden file that no case checks any more would silently rot: delete it."""
    expected = {golden.path(fmt, case) for fmt, _, _, case in CASES}
    present = {path for path in golden.root.rglob("*") if path.is_file()}
    assert present <= expected, f"golden files no case checks: {sorted(present - expected)}"
