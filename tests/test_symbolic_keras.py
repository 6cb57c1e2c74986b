"""Named sizes in the Keras dialect: every Keras kind is worked out with some size named, and
the formula, given random numbers for the names, equals the plain derivation with those numbers
and Keras's own count of each layer (keras.layers built on JAX, weights never initialised).

The same check as tests/test_symbolic.py makes for the PyTorch kinds; a merge (Add, Concatenate,
...) takes several inputs, so Keras builds it on its branches' shapes.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_keras_oracle import keras, keras_run  # keras: a skip without it, a failure in CI
from test_symbolic import named_variants, solvable, substituted

from explainer.deriving.layers import KERAS_KINDS
from explainer.deriving.solve import LayerResult, Solution, solve
from explainer.deriving.spec import Architecture
from explainer.deriving.symbolic import let, symbol
from explainer.errors import ExplainerError
from explainer.reading import parse

# The catalogue shows a merge on bare shapes (Add()([(8, 8, 16), (8, 8, 16)])); in a spec a
# merge takes named branches.
MERGES = ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate")
MERGE_SPEC = (
    "input(8, 8, 16); x = Conv2D(16, 3, padding='same'); {}(x, input) -> Flatten -> Dense(10)"
)


def keras_variants(kind: str) -> list[Architecture]:
    example = MERGE_SPEC.format(kind) if kind in MERGES else KERAS_KINDS[kind].example
    return named_variants(parse(example).with_framework("keras"))


@pytest.mark.parametrize("kind", list(KERAS_KINDS))
def test_every_keras_kind_is_worked_out_with_a_named_size(kind: str) -> None:
    found = solvable(kind, keras_variants)
    assert found, f"{kind}: no size of its example can be named"
    assert any(solution.size_names for _, solution in found)


def keras_count(result: LayerResult, solution: Solution) -> int:
    """Keras's count of one layer of a plain solution (a merge: 0, Keras builds no weights)."""
    if len(result.inputs) > 1:
        import keras as k

        with k.StatelessScope(initialize_variables=False):
            inputs = [k.Input(s.output_shape if s else solution.input_shape)
                      for s in solution.sources(result)]  # fmt: skip
            layer = getattr(k.layers, result.type)(**result.args)
            layer(inputs)
            return int(layer.count_params())
    if result.type == "InputLayer":  # the model's input itself: Keras counts it on its own
        return int(keras.layers.InputLayer(**result.args).count_params())
    return keras_run(result.type, result.input_shape, result.args)[1]


@pytest.mark.parametrize("kind", list(KERAS_KINDS))
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_keras_formula_given_numbers_is_the_plain_derivation_and_keras(
    kind: str, data: Any
) -> None:
    for architecture, symbolic_solution in solvable(kind, keras_variants):
        names = symbolic_solution.size_names
        values = {n: data.draw(st.integers(1, 24), label=n) for n in names}
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
            assert tuple(substituted(s, values) for s in ours.output_shape) == theirs.output_shape
            assert keras_count(theirs, plain) == theirs.params, (kind, values, theirs.args)
