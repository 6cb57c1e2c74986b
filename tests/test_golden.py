"""Golden files: every format's full output for the handout's two examples (and a few more), and
the worked solution of every layer kind's catalogue example in each dialect.

Regenerate with ``pytest tests/test_golden.py --update-golden`` and review the diff. Pictures are
cut out of the documents and pinned for the bundled examples only, in ``golden/pictures/``
(see tests/conftest.py): a change to a picture rewrites those files, not every kind's golden.
"""

from __future__ import annotations

import pytest
from conftest import Golden

from explainer import api
from explainer.deriving.layers import registry
from explainer.deriving.solve import Solution, solve
from explainer.deriving.spec import Architecture, LayerSpec
from explainer.rendering.options import FORMATS

# (format, example, digits, golden case name). JSON has no digit grouping (test_render.py's
# test_json_does_not_depend_on_the_digit_style), so no Indian JSON golden.
CASES = [
    *(
        (fmt, example, "western", example)
        for example in ("handout-cnn", "handout-mlp")
        for fmt in FORMATS
    ),
    ("text", "handout-mlp", "indian", "handout-mlp-indian"),
    ("markdown", "lenet-5", "western", "lenet-5"),
]


@pytest.mark.parametrize(
    ("fmt", "example", "digits", "case"), CASES, ids=[f"{fmt}-{case}" for fmt, _, _, case in CASES]
)
def test_golden(golden: Golden, fmt: str, example: str, digits: str, case: str) -> None:
    text = explain_example(fmt, example, digits)
    golden.check_document(fmt, case, text, pin_pictures=True)


def explain_example(fmt: str, example: str, digits: str) -> str:
    return api.explain("", fmt=fmt, digits=digits, example=example)


# -- every layer kind, in each dialect -------------------------------------------------------

KIND_FORMATS = ("text", "markdown", "json")
DIALECTS = ("pytorch", "keras")


def kind_cases() -> list[tuple[str, str, str]]:
    """(dialect, kind, golden case name): ``kinds/<dialect>/<kind>``. A name that differs from
    an earlier one only by case (Hugging Face's Conv1D after Conv1d) takes its module's name
    after it, so that the two files stay apart on a case-insensitive file system."""
    cases = []
    for dialect in DIALECTS:
        seen: set[str] = set()
        for name, kind in registry(dialect)[0].items():
            clash = name.lower() in seen
            seen.add(name.lower())
            file = f"{name}-{kind.__module__.rsplit('.', 1)[-1]}" if clash else name
            cases.append((dialect, name, f"kinds/{dialect}/{file}"))
    return cases


KIND_CASES = kind_cases()


def kind_solution(dialect: str, name: str) -> Solution:
    """The catalogue's example of ``name``, solved as `explainer layers` solves it: a merge's
    example is the merge on its example inputs."""
    kind = registry(dialect)[0][name]
    if not kind.example_inputs:
        return api.solve_spec(kind.example, framework=dialect)
    first, *others = kind.example_inputs
    spec = LayerSpec(name, text=kind.example, input_shape=first, other_inputs=tuple(others))
    return solve(Architecture((spec,), first, framework=dialect))


@pytest.mark.parametrize("fmt", KIND_FORMATS)
@pytest.mark.parametrize(
    ("dialect", "name", "case"), KIND_CASES, ids=[case[6:] for _, _, case in KIND_CASES]
)
def test_every_kind_has_a_golden(
    golden: Golden, dialect: str, name: str, case: str, fmt: str
) -> None:
    solution = kind_solution(dialect, name)
    assert solution.layers[-1].type == name
    golden.check_document(fmt, case, api.render_solution(solution, fmt), pin_pictures=False)


def test_no_stale_golden_files(golden: Golden) -> None:
    """A golden file that no case checks any more would silently rot: delete it."""
    documents = [(fmt, case) for fmt, _, _, case in CASES]
    documents += [(fmt, case) for _, _, case in KIND_CASES for fmt in KIND_FORMATS]
    expected = {golden.path(fmt, case) for fmt, case in documents}
    present = {path for path in golden.root.rglob("*") if path.is_file()}
    pictures = {path for path in present if path.parent.parent.name == "pictures"}
    assert present - pictures <= expected, f"golden files no case checks: {present - expected}"
    pinned = {(path.parent.name, path.stem.rsplit("-", 1)[0]) for path in pictures}
    assert pinned <= {(fmt, case) for fmt, _, _, case in CASES}, "pictures of no case"
    folded = [str(path).lower() for path in present]
    assert len(set(folded)) == len(folded), "two golden files differ only by case"
