"""The named mistakes an answer is matched against: the layer's misconceptions (which each kind
keeps next to its formulas, explainer.deriving.layers.misconceptions), a size slip carried into
the count it feeds, a layer's mistake inside a total, and the shape written the wrong way."""

from __future__ import annotations

import math
from typing import Any

from ...deriving.layers.sizes import AXES
from ...deriving.solve import LayerResult, Solution, solve
from ...deriving.spec import Architecture, Shape
from ...deriving.steps import Step
from ...errors import ExplainerError
from ...records import record
from ..generate import Problem
from .answers import Answer


@record
class Mistake:
    """A named wrong answer: ``value`` is what it gives, ``step`` its derivation (if any)."""

    value: Answer
    description: str
    step: Step | None = None
    where: str = ""  # "layer 3, Linear(64, 10)": the layer a mistake in a total was made in
    axis: int | None = None  # a shape's axis the mistake changes (a position: -2 = height)


def label(layer: LayerResult) -> str:
    return f"layer {layer.index}, {layer.spec.text}"


def same_quantity(step_quantity: str, quantity: str) -> bool:
    """``output height = width`` (a square layer's step) gives ``output height``."""
    return step_quantity == quantity or step_quantity.startswith(quantity + " = ")


def count_mistakes(
    result: LayerResult, quantity: str, solution: Solution | None = None
) -> tuple[Mistake, ...]:
    """The layer's misconceptions that give ``quantity`` (a count or an output size); for a
    count, first the size mistakes of the layer that fed it (``solution`` given)."""
    own = tuple(
        Mistake(mistake.value, mistake.description, mistake.step)
        for mistake in result.layer.misconceptions(result.input_shape)
        if same_quantity(quantity, mistake.quantity)
    )
    if quantity != "parameters" or solution is None:
        return own
    return (*_upstream_mistakes(solution, result), *own)


def _upstream_mistakes(solution: Solution, result: LayerResult) -> tuple[Mistake, ...]:
    """A size worked out wrong in the nearest layer before that changes the shape, carried
    into this layer's count (a Maxpool rounded up feeding FC(37) gives 19·37, not 18·37).
    Only where the layer takes its input size from the shape (FC(37), not Linear(18, 37))."""
    before = [layer for layer in solution.layers[: result.index - 1]
              if layer.output_shape != layer.input_shape]  # fmt: skip
    if not before:
        return ()
    source = before[-1]
    found = []
    for mistake in source.layer.misconceptions(source.input_shape):
        position = _size_position(source.output_shape, mistake.quantity)
        if position is None:
            continue
        wrong = _with_size(source.output_shape, position, mistake.value)
        alone = Architecture((result.spec,), wrong, framework=solution.framework)
        try:  # the layer as written, solved again on the wrong size
            params = solve(alone).total_params
        except ExplainerError:  # the layer states its input size: the slip cannot reach it
            continue
        if params != result.params:
            description = f"{mistake.description}; the wrong size then went into this count"
            found.append(Mistake(params, description, mistake.step, label(source)))
    return tuple(found)


def _size_position(shape: Shape, quantity: str) -> int | None:
    """Where in ``shape`` the size a misconception gives sits ("output height" -> -2); a flat
    vector's "output length" is its only size."""
    if len(shape) == 1:
        return -1 if quantity == "output length" else None
    spatial = len(shape) - 1
    positions = {f"output {names[0]}": -axes for axes, names in AXES.items() if axes <= spatial}
    return positions.get(quantity)


def total_mistakes(solution: Solution) -> tuple[Mistake, ...]:
    """A layer left out of the sum; one layer's mistake; the same mistake in every layer."""
    total = solution.total_params
    weighted = [layer for layer in solution.layers if layer.params]
    found = [
        Mistake(total - layer.params, "its parameters left out of the sum", where=label(layer))
        for layer in weighted
        if len(weighted) > 1
    ]
    by_key: dict[str, list[tuple[LayerResult, Any]]] = {}
    for layer in weighted:
        for mistake in layer.layer.misconceptions(layer.input_shape):
            if mistake.quantity == "parameters":
                by_key.setdefault(mistake.key, []).append((layer, mistake))
                shifted = total - layer.params + mistake.value
                found.append(Mistake(shifted, mistake.description, mistake.step, label(layer)))
    for pairs in by_key.values():
        if len(pairs) > 1:
            value = total + sum(mistake.value - layer.params for layer, mistake in pairs)
            found.append(Mistake(value, f"{pairs[0][1].description}, and alike in every layer"))
    return tuple(found)


def shape_mistakes(result: LayerResult) -> tuple[Mistake, ...]:
    right = result.output_shape
    found = [
        Mistake((1, *right), "the batch dimension included: shapes here leave it out"),
        Mistake((-1, *right), "the batch dimension included: shapes here leave it out"),
    ]
    if len(right) > 1:
        last = (*right[1:], right[0])
        found.append(Mistake(last, "the channels written last: PyTorch puts them first (C×H×W)"))
        found.append(Mistake((math.prod(right),), "the axes multiplied into one number"))
    if result.input_shape != right:
        reaching = result.input_shape
        found.append(Mistake(reaching, "the shape reaching the layer, not the one it gives"))
    for mistake in result.layer.misconceptions(result.input_shape):
        position = _size_position(right, mistake.quantity)
        if position is not None:
            wrong = _with_size(right, position, mistake.value)
            found.append(Mistake(wrong, mistake.description, mistake.step, axis=position))
    return tuple(found)


def _with_size(shape: Shape, position: int, size: int) -> Shape:
    """``shape`` with the size at ``position`` and every spatial size equal to it replaced
    (a square layer's mistake changes its height and its width alike); a flat vector is its
    one size."""
    if len(shape) == 1:
        return (size,)
    old = shape[position]
    return (shape[0], *(size if value == old else value for value in shape[1:]))


def layer_mistakes(problem: Problem) -> tuple[Mistake, ...]:
    """Every other layer agrees with the shape reaching it (the solution's layers are the
    fixed stack's; the spec's own text is what the student sees)."""
    pairs = zip(problem.solution.layers, problem.architecture.layers, strict=True)
    return tuple(
        Mistake(
            layer.index,
            f"layer {layer.index}, {written.text}, agrees with the shape reaching it "
            f"({'×'.join(map(str, layer.input_shape))})",
        )
        for layer, written in pairs
        if problem.fault is None or layer.index != problem.fault.layer
    )


def written_mistakes(problem: Problem) -> tuple[Mistake, ...]:
    fault = problem.fault
    if fault is None:
        return ()
    return (Mistake(fault.written, "the value written in the spec, the one that contradicts "
                    "the shape reaching the layer"),)  # fmt: skip
