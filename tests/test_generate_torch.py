"""PyTorch as the oracle for generated problems: each spec is rebuilt layer by layer in real
``torch.nn`` straight from its written calls (the course's FCwB/FC/Maxpool by their meaning),
independently of the engine's argument binding, and every answer is checked against what
torch computes: shapes, parameter counts, inverse answers, and the refusal of a faulty stack."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Failed to initialize NumPy", category=UserWarning)
    torch = pytest.importorskip("torch")

from hypothesis import HealthCheck, example, given, settings
from strategies import every_combination, problem_ids

from explainer.deriving.layers.sizes import AXES
from explainer.reading import parse
from explainer.teaching.generate import Problem, ProblemId, problem_from_id

Shape = tuple[int, ...]
COURSE_ACTIVATIONS = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid"}
SELF_ATTENTION = {"MultiheadAttention"}  # called as m(x, x, x)


def module(call: str, args: tuple[Any, ...], kwargs: dict[str, Any], shape: Shape) -> Any:
    """The torch module a written layer is, from its text alone."""
    if call in ("FCwB", "FC"):
        return torch.nn.Linear(shape[-1], args[0], bias=call == "FCwB")
    if call == "Maxpool":  # the handout: window and stride both x
        return torch.nn.MaxPool1d(args[0], stride=args[0])
    return getattr(torch.nn, COURSE_ACTIVATIONS.get(call, call))(*args, **kwargs)


def first_input(spec: str) -> Any:
    """A batch of one zero input: token ids (integers) where an Embedding reads them."""
    architecture = parse(spec)
    assert architecture.input_shape is not None
    ids = bool(architecture.layers) and architecture.layers[0].call == "Embedding"
    return torch.zeros(1, *architecture.input_shape, dtype=torch.long if ids else torch.float32)


def forward(m: Any, call: str, x: Any) -> Any:
    """The layer on ``x``; recurrent layers and attention return tuples: their output first.
    Sequence layers (batch_first=False) read the batch of one as one step over a batch of L;
    the output (1, L, Y) still ends in the batch-less (L, Y)."""
    with warnings.catch_warnings():  # an LSTM with proj_size: oneDNN falls back, and says so
        warnings.filterwarnings("ignore", message="LSTM with projections", category=UserWarning)
        out = m(x, x, x) if call in SELF_ATTENTION else m(x)
    return out[0] if isinstance(out, tuple) else out


def run(spec: str) -> list[tuple[Shape, int]]:
    """Each layer's (output shape without the batch, parameter count), computed by torch."""
    x = first_input(spec)
    rows = []
    with torch.no_grad():
        for layer in parse(spec).layers:
            m = module(layer.call, layer.args, dict(layer.kwargs), tuple(x.shape[1:])).eval()
            x = forward(m, layer.call, x)
            rows.append((tuple(x.shape[1:]), sum(p.numel() for p in m.parameters())))
    return rows


def expected(problem: Problem, rows: list[tuple[Shape, int]], question: Any) -> Any:
    shape, params = rows[question.layer - 1] if question.layer else ((), 0)
    if question.asks == "row":
        return (shape, params)
    if question.asks == "total":
        return sum(p for _, p in rows)
    if question.asks == "params":
        return params
    if question.asks == "output_shape":
        return shape
    if question.asks == "output_size":
        return shape[-next(n for n, names in AXES.items() if names[0] == question.axis)]
    return None  # argument / layer questions: checked by kind below


@pytest.mark.parametrize("pid", every_combination(), ids=str)
def test_every_combination_matches_torch(pid: ProblemId) -> None:
    """One problem of every (topic, difficulty, kind): the developer loop's sweep."""
    check_answers(pid)


@pytest.mark.slow
@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pid=problem_ids())
# A GroupNorm(affine=False) with a wrong num_channels once posed as the error: torch never
# notices it (nothing is sized by it), so weightless layers are no longer chosen.
@example(pid=ProblemId(2285, 0, "norm", "hard", "error"))
# An affine InstanceNorm2d with a wrong num_features: torch refuses it with a ValueError.
@example(pid=ProblemId(50, 115, "norm", "hard", "error"))
def test_random_problems_match_torch(pid: ProblemId) -> None:
    check_answers(pid)


def check_answers(pid: ProblemId) -> None:
    """Every answer of the problem, every choice's correctness, an inverse problem's answer put
    back, and an error problem's fault: what torch computes from the written spec."""
    problem = problem_from_id(str(pid))
    rows = run(problem.solved_spec)
    solution = problem.solution
    assert rows == [(r.output_shape, r.params) for r in solution.layers], problem.solved_spec
    for question in problem.questions:
        answer = question.answer
        if question.asks == "row":
            answer = (answer.output_shape, answer.params)
        want = expected(problem, rows, question)
        if want is not None:
            assert answer == want, question.prompt
        for choice in question.choices:
            assert (choice.value == want) == choice.correct, choice
    if problem.kind == "inverse":
        check_inverse(problem, rows)
    if problem.kind == "error":
        check_error(problem)


def check_inverse(problem: Problem, rows: list[tuple[Shape, int]]) -> None:
    """The answer in place of ? gives the stated number in torch."""
    (question,) = problem.questions
    working = question.working
    assert working is not None and question.layer is not None
    filled = run(problem.shown_spec.replace("?", str(question.answer)))
    shape, params = filled[-1]
    assert len(filled) == question.layer
    if working.unknown == "P":
        assert shape == rows[question.layer - 1][0] and working.stated in shape
    else:
        assert params == working.stated


def check_error(problem: Problem) -> None:
    """torch refuses the faulty stack, at the faulty layer."""
    fault = problem.fault
    assert fault is not None
    x = first_input(problem.spec)
    with torch.no_grad():
        for index, layer in enumerate(parse(problem.spec).layers, 1):
            m = module(layer.call, layer.args, dict(layer.kwargs), tuple(x.shape[1:])).eval()
            # Attention checks its embedding width with an assert; an affine InstanceNorm its
            # channels with a ValueError.
            if index == fault.layer:
                with pytest.raises((RuntimeError, AssertionError, ValueError)):
                    forward(m, layer.call, x)
                return
            x = forward(m, layer.call, x)
    pytest.fail("the faulty layer was never reached")
