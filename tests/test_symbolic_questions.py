"""Topic symbolic: the formula, budget and growth questions, each answer checked independently.

The answer's formula, given random numbers for the named sizes, must equal the engine's plain
derivation of the spec with those numbers written in (a textual substitution, not the engine's
``--let``) and PyTorch's count of the network built from that text; the budget answer n must
satisfy total(n) <= B < total(n + 1) by PyTorch's counts; the growth factor must be the ratio
of PyTorch's two counts. Every wrong option must be wrong, and come from its named mistake.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from explainer.deriving.solve import solve
from explainer.deriving.symbolic import symbol
from explainer.reading import format_chain, parse
from explainer.rendering.quiz_json import dumps
from explainer.teaching.generate import DIFFICULTIES, generate, problem_from_id
from explainer.teaching.generate.ids import SYMBOLIC_KINDS, ProblemId
from explainer.teaching.generate.named import without_bias

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Failed to initialize NumPy", category=UserWarning)
    torch = pytest.importorskip("torch")

ROOT = Path(__file__).resolve().parent.parent
problems = st.builds(
    lambda seed, index, difficulty, kind: problem_from_id(
        str(ProblemId(seed, index, "symbolic", difficulty, kind))
    ),
    st.integers(0, 10**6),
    st.integers(0, 30),
    st.sampled_from(DIFFICULTIES),
    st.sampled_from(SYMBOLIC_KINDS),
)


def numbered(spec: str, values: dict[str, int]) -> str:
    """The spec with each named size written as its number: plain text, no engine."""
    return re.sub(r"\b([dhck])\b", lambda m: str(values[m.group(1)]), spec)


def torch_count(spec: str) -> int:
    """PyTorch's parameter count of the network the (numbered) spec writes, built layer by
    layer from the text with a zero input (Linear's in_features read off the tensor)."""
    architecture = parse(spec)
    assert architecture.input_shape is not None
    x = torch.zeros(1, *architecture.input_shape)
    total = 0
    with torch.no_grad():
        for layer in architecture.layers:
            args, kwargs = list(layer.args), dict(layer.kwargs)
            if layer.call == "Linear":
                module = torch.nn.Linear(x.shape[-1], *args, **kwargs)
            elif layer.call == "Flatten":
                module = torch.nn.Flatten()
            else:
                module = getattr(torch.nn, layer.call)(*args, **kwargs)
            x = module.eval()(x)
            total += sum(p.numel() for p in module.parameters())
    return total


def formula_at(expr: Any, values: dict[str, int]) -> int:
    value = sympy.sympify(expr).xreplace({symbol(n): v for n, v in values.items()})
    assert value.is_Integer
    return int(value)


@settings(max_examples=40, deadline=None)
@given(problem=problems, data=st.data())
def test_every_answer_agrees_with_the_solver_and_with_torch(problem: Any, data: Any) -> None:
    (question,) = problem.questions
    names = problem.solution.size_names
    assert question.sizes == names and names
    if question.asks == "formula":
        values = {n: data.draw(st.integers(1, 48), label=n) for n in names}
        text = numbered(problem.spec, values)
        count = formula_at(question.answer, values)
        assert count == solve(parse(text)).total_params == torch_count(text)
        for mistake in question.mistakes:  # each named mistake is wrong for some sizes
            assert sympy.expand(mistake.value - question.answer) != 0
        bare = [m for m in question.mistakes if m.key == "bias-forgotten"]
        if bare:  # what forgetting every bias gives, by torch
            no_bias = format_chain(without_bias(parse(text)))
            assert formula_at(bare[0].value, values) == torch_count(no_bias)
    elif question.asks == "budget":
        working = question.symbolic
        target, n = working.unknown.target, question.answer
        given_numbers = dict(working.given)
        at = torch_count(numbered(problem.spec, {**given_numbers, working.name: n}))
        above = torch_count(numbered(problem.spec, {**given_numbers, working.name: n + 1}))
        assert at <= target < above, (n, at, target, above)
        assert (working.unknown.checks[0].value, working.unknown.checks[1].value) == (at, above)
        assert all(m.value != n for m in question.mistakes)
    else:
        assert question.asks == "growth"
        growth = question.symbolic
        values = dict(growth.given)
        scaled = {**values, growth.name: growth.scale * values[growth.name]}
        before = torch_count(numbered(problem.spec, values))
        after = torch_count(numbered(problem.spec, scaled))
        assert question.answer == sympy.Rational(after, before)
        assert growth.ratio.xreplace({symbol(k): v for k, v in values.items()}) == question.answer
        right = [c for c in question.choices if c.correct]
        assert len(right) == 1 and right[0].value == question.answer
        wrong = [c.value for c in question.choices if not c.correct]
        assert len(wrong) >= 2 and question.answer not in wrong and len(set(wrong)) == len(wrong)


def test_the_distractors_name_the_issues_mistakes() -> None:
    """Bias forgotten in the formula; linear instead of quadratic growth (medium: h·h)."""
    quiz = generate(5, 9, "symbolic", "medium")
    keys = {
        (question.asks, m.key)
        for problem in quiz.problems
        for question in problem.questions
        for m in (
            *question.mistakes,
            *(c.misconception for c in question.choices if c.misconception),
        )
    }
    assert ("formula", "bias-forgotten") in keys
    assert ("growth", "linear-growth") in keys
    assert ("budget", "root-rounded-up") in keys
    growth = next(p.questions[0] for p in quiz.problems if p.kind == "growth")
    linear = next(
        c for c in growth.choices if c.misconception and c.misconception.key == "linear-growth"
    )
    assert "linear instead of quadratic" in linear.misconception.description


def test_the_same_seed_gives_the_same_quiz_in_another_process() -> None:
    here = dumps(generate(11, 6, "symbolic", "hard"))
    code = (
        "from explainer.teaching.generate import generate;"
        "from explainer.rendering.quiz_json import dumps;"
        "import sys; sys.stdout.write(dumps(generate(11, 6, 'symbolic', 'hard')))"
    )
    there = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    assert here == there
    data = json.loads(here)
    assert [p["kind"] for p in data["problems"]] == ["formula", "budget", "growth"] * 2


def test_symbolic_kinds_belong_to_topic_symbolic_only() -> None:
    from explainer.teaching.generate import GenerateError

    with pytest.raises(GenerateError, match="ask it of topic symbolic"):
        generate(1, 2, "cnn", "easy", ["formula"])
    with pytest.raises(GenerateError, match="topic symbolic asks formula, budget and growth"):
        generate(1, 2, "symbolic", "easy", ["table"])
    mixed = generate(1, 4, "mlp,symbolic", "easy")
    assert [p.topic for p in mixed.problems] == ["mlp", "symbolic"] * 2


# -- quiz formats -------------------------------------------------------------------------------


def run_cli(args: list[str]) -> Any:
    from click.testing import CliRunner

    from explainer.cli import main

    return CliRunner().invoke(main, args)


@pytest.mark.parametrize("fmt", ["markdown", "latex", "html", "json"])
def test_every_sheet_format_poses_the_symbolic_kinds_and_its_key_works_them(
    fmt: str, tmp_path: Path
) -> None:
    out = tmp_path / fmt
    args = ["quiz", "--seed", "4", "--count", "3", "--topic", "symbolic", "--difficulty", "medium"]
    result = run_cli([*args, "--format", fmt, "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    sheet = next(out.glob("quiz.*")).read_text()
    key = next(out.glob("key.*")).read_text()
    quiz = generate(4, 3, "symbolic", "medium")
    formula, budget, growth = (p.questions[0] for p in quiz.problems)
    assert "formula in d, h and c" in sheet and "largest h" in sheet
    budget_answer = str(budget.answer)
    assert f"**{budget_answer}**" not in sheet and "root rounded up" not in sheet
    assert "Sympy" not in sheet and "Named mistakes" not in sheet
    if fmt == "json":
        data = json.loads(key)
        answers = [p["questions"][0]["answer"] for p in data["problems"]]
        assert answers == [str(formula.answer), budget.answer, str(growth.answer)]
        assert sympy.sympify(answers[0], locals={n: symbol(n) for n in "dhc"}) == formula.answer
        return
    assert "Sympy's solution" in key and "Named mistakes" in key
    assert "ratio of the formulas" in key
    assert budget_answer in key
    numerator, denominator = sympy.fraction(growth.answer)
    assert str(numerator) in key and str(denominator) in key


@pytest.mark.parametrize("fmt", ["moodle", "gift", "qti"])
def test_learning_platforms_refuse_a_formula_answer_in_one_line_and_take_the_others(
    fmt: str, tmp_path: Path
) -> None:
    args = ["quiz", "--seed", "4", "--count", "4", "--topic", "symbolic", "--format", fmt, "-q"]
    refused = run_cli([*args, "-o", str(tmp_path / "refused")])
    assert refused.exit_code == 2
    lines = refused.output.strip().splitlines()
    assert len(lines) == 1 and "cannot grade a formula answer" in lines[0]
    assert not (tmp_path / "refused").exists()
    taken = run_cli([*args, "--kinds", "budget,growth", "-o", str(tmp_path / "taken")])
    assert taken.exit_code == 0, taken.output
    text = "".join(p.read_text() for p in (tmp_path / "taken").glob("quiz.*") if p.suffix != ".zip")
    budget = problem_from_id("s4-i0-symbolic-easy-budget").questions[0]
    assert str(budget.answer) in text


def test_golden_markdown_symbolic_quiz(golden: Any, tmp_path: Path) -> None:
    """The sheet and key of a medium symbolic quiz: one problem of each kind."""
    quiz_golden = type(golden)(golden.root.parent / "golden_quiz", golden.update)
    args = ["quiz", "--seed", "3", "--count", "3", "--topic", "symbolic", "--difficulty", "medium"]
    result = run_cli([*args, "-o", str(tmp_path / "q"), "-q"])
    assert result.exit_code == 0, result.output
    for name, case in (("quiz.md", "s3-symbolic-sheet"), ("key.md", "s3-symbolic-key")):
        quiz_golden.check("markdown", case, (tmp_path / "q" / name).read_text(encoding="utf-8"))
