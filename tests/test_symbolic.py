"""Named sizes: a spec that names a size solves to a formula in it, and that formula is right.

For every layer kind, the sizes of its catalogue example are named (all of them, then each
value on its own); where the kind can be worked out that way, the formula, given random
numbers for the names, must equal the plain derivation with those numbers (and PyTorch's own
count of the layer); where the numbers break a check, an assumption of the formula must be
broken too. Every kind is worked out with some size named.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import json
import warnings
from collections.abc import Callable
from typing import Any

import pytest
import sympy
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from explainer import parse
from explainer.api import solve_spec
from explainer.cli import main
from explainer.deriving.layers import KINDS
from explainer.deriving.solve import Solution, solve
from explainer.deriving.spec import Architecture, SizeName
from explainer.deriving.symbolic import let, symbol, with_values
from explainer.errors import ExplainerError
from explainer.rendering.options import FORMATS
from explainer.rendering.render import render

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Failed to initialize NumPy", category=UserWarning)
    try:
        import torch
    except ImportError:  # pragma: no cover - depends on the machine
        torch = None  # type: ignore[assignment]


def named_by_value(architecture: Architecture, only: int | None = None) -> Architecture:
    """Each positive int (or only the value ``only``) replaced by a name, one name per value."""

    def name(value: Any) -> Any:
        if type(value) is int and value > 0 and only in (None, value):
            return SizeName(f"s{value}")
        if isinstance(value, tuple):
            return tuple(name(v) for v in value)
        return value

    layers = tuple(
        dataclasses.replace(
            spec, args=name(spec.args), kwargs=tuple((k, name(v)) for k, v in spec.kwargs)
        )
        for spec in architecture.layers
    )
    return dataclasses.replace(
        architecture, layers=layers, input_shape=name(architecture.input_shape)
    )


def variants(kind: str) -> list[Architecture]:
    return named_variants(parse(KINDS[kind].example))


def named_variants(plain: Architecture) -> list[Architecture]:
    """``plain`` with every size named, and with each size alone named."""
    values = sorted({v for v in ints(plain) if v > 0})
    return [named_by_value(plain), *(named_by_value(plain, only=v) for v in values)]


def ints(architecture: Architecture) -> list[int]:
    found: list[int] = []

    def walk(value: Any) -> None:
        if type(value) is int:
            found.append(value)
        elif isinstance(value, tuple):
            for item in value:
                walk(item)

    walk(architecture.input_shape)
    for spec in architecture.layers:
        walk(spec.args)
        walk(tuple(v for _, v in spec.kwargs))
    return found


def solvable(
    kind: str, variants_of: Callable[[str], list[Architecture]] = variants
) -> list[tuple[Architecture, Solution]]:
    found = []
    for architecture in variants_of(kind):
        try:
            found.append((architecture, solve(architecture)))
        except ExplainerError:
            continue  # refused cleanly: a layer that needs a number here
    return found


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_is_worked_out_with_a_named_size(kind: str) -> None:
    assert solvable(kind), f"{kind}: no size of its example can be named"


def substituted(expr: Any, values: dict[str, int]) -> int:
    value = sympy.sympify(sympy.sympify(expr).xreplace({symbol(k): v for k, v in values.items()}))
    assert value.is_Integer, value
    return int(value)


# Where a kind's class lives when it is not torch.nn's: transformers' GPT-2 blocks.
TRANSFORMERS = {
    "Conv1D": "transformers.pytorch_utils",
    "NewGELUActivation": "transformers.activations",
}


def framework_class(layer: Any) -> Any:
    """The class the framework builds a layer with (torch.nn, its submodules, torchvision,
    transformers), or None for an operation on tensors (Add, Mean, ...), which has none."""
    source = TRANSFORMERS.get(layer.type) or KINDS[layer.type].source
    if not source:
        return None
    if source.startswith("torchvision") or source.startswith("transformers"):
        from torchvision_models import torchvision_models

        torchvision_models()  # its operator schemas first, as transformers imports it too
    if source.startswith("transformers"):
        pytest.importorskip("transformers")
    return getattr(importlib.import_module(source), layer.type)


def torch_count(solution: Solution) -> int | None:
    """The framework's count of every layer built from the solution's arguments (those its
    constructor takes: torchvision's window layers take theirs in forward)."""
    if torch is None:
        return None
    total = 0
    for layer in solution.layers:
        cls = framework_class(layer)
        if cls is None:
            continue  # an operation on tensors: no module, no parameters
        accepted = inspect.signature(cls).parameters
        takes_all = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in accepted.values())
        module = cls(**{k: v for k, v in layer.args.items() if takes_all or k in accepted})
        total += sum(p.numel() for p in module.parameters())
    return total


@pytest.mark.parametrize("kind", list(KINDS))
@settings(max_examples=6, deadline=None)
@given(data=st.data())
def test_the_formula_given_numbers_is_the_plain_derivation(kind: str, data: Any) -> None:
    for architecture, symbolic_solution in solvable(kind):
        names = symbolic_solution.size_names
        values = {n: data.draw(st.integers(1, 40), label=n) for n in names}
        assumptions = [
            bool(c.xreplace({symbol(k): v for k, v in values.items()}))
            for c in symbolic_solution.assumptions
        ]
        try:
            plain = solve(let(architecture, values))
        except ExplainerError:
            assert not all(assumptions), (kind, values, symbolic_solution.assumptions)
            continue
        assert all(assumptions), (kind, values, symbolic_solution.assumptions)
        assert substituted(symbolic_solution.total_params, values) == plain.total_params
        for ours, theirs in zip(symbolic_solution.layers, plain.layers, strict=True):
            assert substituted(ours.params, values) == theirs.params
            shape = tuple(substituted(s, values) for s in ours.output_shape)
            assert shape == theirs.output_shape
        count = torch_count(plain)
        assert count is None or count == plain.total_params


# -- the issue's examples ----------------------------------------------------------------------

MLP = "input(d) -> Linear(h) -> ReLU -> Linear(c)"


def test_mlp_total_is_the_formula_of_the_issue() -> None:
    solution = solve_spec(MLP)
    d, h, c = (symbol(n) for n in "dhc")
    assert sympy.expand(solution.total_params - (d * h + h + h * c + c)) == 0
    assert solution.size_names == ("d", "h", "c")


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_writes_the_formula(fmt: str) -> None:
    text = render(solve_spec(MLP), fmt)
    wanted = {
        "text": "Total params: c·h + c + d·h + h",
        "markdown": "$= d \\cdot h + h + c \\cdot h + c",
        "latex": "= p_{1} + p_{3}",
        "html": "c·h + c + d·h + h",
        "json": '"total_expr": "c*h + c + d*h + h"',
    }[fmt]
    assert wanted in text


def test_floors_stay_exact_and_simplify_only_when_proved() -> None:
    solution = solve_spec(
        "input(3, W, W) -> Conv2d(3, k, 5, padding=2) -> MaxPool2d(2) -> Flatten -> Linear(10)"
    )
    text = render(solution)
    assert "= ⌊(W − 5 + 2·2)/1 + 1⌋ = W\n" in text
    assert "= ⌊(W − 2 + 2·0)/2 + 1⌋ = ⌊W/2⌋\n" in text
    W, k = symbol("W"), symbol("k")
    assert solution.layers[0].output_shape == (k, W, W)
    assert solution.assumptions[0] == (W >= 2)


def test_let_shows_the_numbers_of_the_plain_derivation() -> None:
    runner = CliRunner()
    named = runner.invoke(main, ["solve", MLP, "--let", "d=784,h=128,c=10"]).stdout
    plain = runner.invoke(main, ["solve", "input(784) -> Linear(128) -> ReLU -> Linear(10)"])
    written = [line for line in named.splitlines() if not line.startswith("Layer ")]
    assert written == [line for line in plain.stdout.splitlines() if not line.startswith("Layer ")]


def test_let_leaves_the_other_names_in_the_formula() -> None:
    solution = solve_spec(MLP, let={"d": 784, "h": 128})
    assert sympy.expand(solution.total_params - (129 * symbol("c") + 100480)) == 0


def test_json_keeps_integers_where_known_and_adds_expressions() -> None:
    data = json.loads(render(solve_spec(MLP), "json"))
    assert data["total_params"] is None and data["total_expr"] == "c*h + c + d*h + h"
    assert [layer["params"] for layer in data["layers"]] == [None, 0, None]
    assert data["layers"][0]["params_expr"] == "d*h + h"
    plain = json.loads(render(solve_spec("input(784) -> Linear(128)"), "json"))
    assert plain["total_params"] == 100480 and "total_expr" not in plain


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["solve", MLP, "--let", "x=3"], "--let x: the spec names no size 'x' (it names d, h, c)"),
        (["solve", MLP, "--let", "d3"], "not NAME=INTEGER"),
        (["solve", MLP, "--let", "d=0"], "a size must be a positive integer"),
        (["solve", "input(d) -> Linear(h) -> Dropout(p)"], "p must be"),
        (["solve", "input(3, W, W) -> MaxPool2d(2, ceil_mode=True)"], "ceil_mode=True"),
    ],
)
def test_what_cannot_be_worked_out_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, args)
    assert (result.exit_code, result.stdout) == (2, "")
    assert message in result.stderr and result.stderr.count("\n") == 1


def test_names_that_are_all_given_solve_like_numbers() -> None:
    architecture = parse(MLP)
    numbers = with_values(architecture, {"d": 5, "h": 3, "c": 2})
    assert solve(numbers).total_params == 5 * 3 + 3 + 3 * 2 + 2


def test_vgg16_in_w_is_the_bundled_count_at_224_and_the_plain_count_elsewhere() -> None:
    from explainer.reading.bank import example

    spec = example("vgg-16").spec.replace("Linear(512 * 7 * 7, 4096)", "Linear(4096)")
    solution = solve(parse("input(3, W, W)\n" + spec))
    assert substituted(solution.total_params, {"W": 224}) == example("vgg-16").total_params
    for width in (32, 100, 257):
        plain = solve(parse(f"input(3, {width}, {width})\n" + spec))
        assert substituted(solution.total_params, {"W": width}) == plain.total_params


def test_a_written_size_that_the_shape_must_match_becomes_an_assumption() -> None:
    from explainer.reading.bank import example

    solution = solve(parse("input(3, W, W)\n" + example("vgg-16").spec))
    assert solution.total_params == example("vgg-16").total_params
    assert any(isinstance(c, sympy.Eq) for c in solution.assumptions)


@pytest.mark.parametrize(
    "args",
    [["check", "input(d) -> Linear(h)"], ["practice", "input(d) -> Linear(h)"]],
)
def test_commands_that_need_numbers_refuse_named_sizes(args: list[str]) -> None:
    result = CliRunner().invoke(main, args, input="")
    assert (result.exit_code, result.stdout) == (2, "")
    assert "the spec names sizes (d, h)" in result.stderr


def test_the_same_spec_gives_byte_identical_output_in_every_process() -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = str(Path(__file__).resolve().parent.parent)
    spec = "input(3, W, W) -> Conv2d(3, k, 5, padding=2) -> MaxPool2d(2) -> Flatten -> Linear(c)"
    outputs = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": root}
        command = [sys.executable, "-m", "explainer", "solve", spec, "--format", "json"]
        outputs.add(subprocess.run(command, env=env, capture_output=True, check=True).stdout)
    assert len(outputs) == 1
