"""MACs, FLOPs and memory: derived like the counts, checked against torch's own FLOP counter."""

from __future__ import annotations

import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explainer import solve_spec
from explainer.api import solve_example
from explainer.deriving.costs import parse_show, with_costs
from explainer.errors import OptionError
from explainer.rendering.options import Options
from explainer.rendering.render import render


def test_handout_cnn_costs() -> None:
    solution = with_costs(solve_example("handout-cnn"), ("macs", "memory"))
    first = solution.layers[0].costs
    assert first is not None and first.macs is not None and first.flops is not None
    assert first.macs.value == 28 * 28 * 16 * 5 * 5 * 1
    assert first.flops.value == 2 * first.macs.value
    assert first.param_bytes is not None and first.param_bytes.value == 416 * 4
    assert first.output_bytes is not None and first.output_bytes.value == 16 * 28 * 28 * 4
    dropout = solution.layers[1].costs
    assert (
        dropout is not None
        and dropout.macs is None
        and "no multiply-accumulate" in dropout.no_macs_why
    )
    quantities = {step.quantity: step.value for step in solution.cost_totals}
    assert quantities["total parameter memory (bytes)"] == 883530 * 4


def test_costs_are_rendered_only_when_asked() -> None:
    plain = render(solve_example("handout-mlp"), "text")
    assert "MACs" not in plain
    shown = render(with_costs(solve_example("handout-mlp"), ("macs",)), "text")
    assert "FLOPs = 2·MACs" in shown
    assert "1024·256 = 262,144" in shown


def test_parse_show() -> None:
    assert parse_show("macs, memory,macs") == ("macs", "memory")
    assert parse_show(None) == ()
    with pytest.raises(OptionError, match="'flops'"):  # checked where the options are made
        Options(show=parse_show("flops"))


with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Failed to initialize NumPy", category=UserWarning)
    try:
        import torch
        from torch.utils.flop_counter import FlopCounterMode
    except ImportError:  # pragma: no cover - the oracle is optional on a user's machine
        torch = None


@pytest.mark.skipif(torch is None, reason="torch is the oracle for FLOPs: pip install '.[torch]'")
@settings(max_examples=60, deadline=None)
@given(
    channels=st.integers(1, 4), filters=st.integers(1, 6), kernel=st.integers(1, 4),
    stride=st.integers(1, 2), padding=st.integers(0, 2), groups=st.sampled_from([1, 1, 2]),
    size=st.integers(6, 12), hidden=st.integers(1, 9), bias=st.booleans(),
)  # fmt: skip
def test_macs_agree_with_torch_flop_counter(
    channels: int, filters: int, kernel: int, stride: int, padding: int, groups: int,
    size: int, hidden: int, bias: bool,
) -> None:  # fmt: skip
    text = (
        f"input({channels * groups}, {size}, {size + 1}) -> "
        f"Conv2d({filters * groups}, {kernel}, stride={stride}, padding={padding}, "
        f"groups={groups}, bias={bias}) -> ReLU -> MaxPool2d(2, ceil_mode=True) -> Flatten"
        f" -> Linear({hidden}) -> Tanh -> Linear(3, bias=False)"
    )
    solution = with_costs(solve_spec(text), ("macs",))
    model = torch.nn.Sequential(*[getattr(torch.nn, x.type)(**x.args) for x in solution.layers])
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model(torch.zeros(1, *solution.input_shape))
    totals = {step.quantity: step.value for step in solution.cost_totals}
    assert counter.get_total_flops() == totals["total FLOPs"]


def test_keras_macs_are_derived_or_refused_never_shown_as_zero() -> None:
    solution = solve_spec("input(8) -> Dense(4)", framework="keras")
    macs = with_costs(solution, ("macs",)).layers[0].costs
    assert macs is not None and macs.macs is not None and macs.macs.value == 32
    several_axes = solve_spec(
        "input(4, 4, 8) -> MultiHeadAttention(2, 4, attention_axes=(1, 2))", framework="keras"
    )
    with pytest.raises(OptionError, match="has no MAC count for it"):
        with_costs(several_axes, ("macs",))
    memory = with_costs(solution, ("memory",))
    assert memory.layers[0].costs is not None and memory.layers[0].costs.param_bytes is not None
