"""The solver keeps each layer's derivation for the same layer on the same shape (a quiz derives
the same ones again and again). What it hands out must be what a fresh derivation gives, with
steps of its own, and two layers that are equal but written differently must not share one."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from explainer.api import solve_spec
from explainer.deriving import solve as solving
from explainer.rendering.render import to_json


def test_equal_layers_get_steps_of_their_own() -> None:
    solution = solve_spec("input(8) -> Linear(8, 8) -> Linear(8, 8)")
    first, second = (layer.params_step for layer in solution.layers)
    assert first == second and first is not second  # --fade tells them apart by identity
    again = solve_spec("input(8) -> Linear(8, 8)").layers[0].params_step
    assert again == first and again is not first


def test_equal_but_differently_written_layers_do_not_share() -> None:
    """Dropout(1) == Dropout(1.0) as dataclasses, with one hash: a kept derivation is keyed by
    what the layer says (its repr), so each keeps its own words."""
    solving._DERIVED.clear()
    solve_spec("input(8) -> Dropout(1)")
    solve_spec("input(8) -> Dropout(1.0)")
    kept = sorted(text for kind, text, shape in solving._DERIVED if kind.__name__ == "Dropout")
    assert kept == ["Dropout(p=1, inplace=False)", "Dropout(p=1.0, inplace=False)"]


@settings(max_examples=40, deadline=None)
@given(
    size=st.integers(4, 40),
    channels=st.integers(1, 8),
    kernel=st.integers(1, 3),
    padding=st.integers(0, 2),
)
def test_a_kept_derivation_is_a_fresh_one(
    size: int, channels: int, kernel: int, padding: int
) -> None:
    spec = (
        f"input({channels}, {size}, {size}) -> Conv2d({channels}, 4, {kernel}, padding={padding})"
    )
    first = to_json(solve_spec(spec))
    assert to_json(solve_spec(spec)) == first  # the second time from the kept derivation
    solving._DERIVED.clear()
    assert to_json(solve_spec(spec)) == first
