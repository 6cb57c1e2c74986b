"""The question kinds. Each takes a solved stack and returns what it asks; every answer is read
off the engine's solution (or the engine's named misconceptions), never worked out here."""

from __future__ import annotations

import random
from collections.abc import Callable

from ...deriving.layers.base import Misconception
from ...deriving.layers.sizes import AXES
from ...deriving.solve import LayerResult
from ..problems import Choice, Question, TableRow
from . import faults, inverse, named
from .posing import Posed, Stacked, hide_after, label, shape_text

LETTERS = "ABCD"
SHAPE_HINT = "(without the batch dimension, e.g. 16×14×14 or 128)"
# Keras's shapes are channels-last: the channels come last.
KERAS_SHAPE_HINT = "(without the batch dimension, channels last, e.g. 14×14×16 or 128)"


def _hint(stacked: Stacked) -> str:
    return KERAS_SHAPE_HINT if stacked.architecture.framework == "keras" else SHAPE_HINT


def table(rng: random.Random, stacked: Stacked) -> Posed:
    """The handout's exam: every layer's output shape and parameters, and the total."""
    solution = stacked.solution
    rows = tuple(
        Question(
            id=f"L{result.index}",
            prompt=f"Layer {result.index}, {result.spec.text}: output shape and parameters",
            answer=TableRow(result.output_shape, result.params),
            asks="row",
            layer=result.index,
        )
        for result in solution.layers
    )
    total = Question("total", "Total number of parameters", solution.total_params, "total")
    statement = (
        "Calculate the output shape and the number of parameters of every layer of the following "
        f"architecture for the input shape {shape_text(solution.input_shape)}, and the total."
    )
    return Posed(statement, (*rows, total))


def params(rng: random.Random, stacked: Stacked) -> Posed:
    """One layer's parameters."""
    result = rng.choice([r for r in stacked.solution.layers if r.params])
    question = Question(
        "q1",
        f"How many parameters does {label(result)}, have?",
        result.params,
        "params",
        layer=result.index,
    )
    return Posed(_given(stacked), (question,))


def shape(rng: random.Random, stacked: Stacked) -> Posed | None:
    """The output shape after one layer (one that changes it) or after the whole stack; never
    a layer whose own arguments print the answer (Linear(2704, 64) gives 64), and the later
    layers shown without the input sizes that would print it."""
    layers = stacked.solution.layers
    asked = [r for r in layers if r.output_shape != r.input_shape and not _printed(r)]
    last = layers[-1] if layers[-1] in asked else None
    changing = [r for r in asked if r is not layers[-1]]
    if last is None and not changing:
        return None
    if last is not None and (not changing or rng.random() < 0.3):
        result = last
        prompt = f"What is the output shape of the whole stack? {_hint(stacked)}"
    else:
        result = rng.choice(changing)
        prompt = f"What is the output shape after {label(result)}? {_hint(stacked)}"
    shown = hide_after(stacked, result.index)
    if shown is None:
        return None
    question = Question("q1", prompt, result.output_shape, "output_shape", layer=result.index)
    return Posed(_given(stacked), (question,), shown_spec=shown)


def choice(rng: random.Random, stacked: Stacked) -> Posed | None:
    """Multiple choice: the right number and up to three the engine's named mistakes give."""
    targets = [
        (result, quantity, mistakes)
        for result in stacked.solution.layers
        for quantity, mistakes in _mistakes(result).items()
    ]
    if not targets:
        return None
    rich = [t for t in targets if len(t[2]) >= 2]
    result, quantity, mistakes = rng.choice(rich or targets)
    right = _right(result, quantity)
    picked = rng.sample(mistakes, min(len(mistakes), len(LETTERS) - 1))
    options: list[tuple[int, Misconception | None]] = [(right, None)]
    options += [(m.value, m) for m in picked]
    rng.shuffle(options)
    choices = tuple(Choice(LETTERS[i], value, m) for i, (value, m) in enumerate(options))
    if quantity == "parameters":
        prompt, asks, axis = f"How many parameters does {label(result)}, have?", "params", None
    else:
        prompt, asks = f"What is the {quantity} after {label(result)}?", "output_size"
        axis = quantity.removeprefix("output ")
    question = Question("q1", prompt, right, asks, layer=result.index, axis=axis, choices=choices)
    shown = hide_after(stacked, result.index) if asks == "output_size" else None
    if asks == "output_size" and shown is None:
        return None
    return Posed(_given(stacked) + " Choose one answer.", (question,), shown_spec=shown)


# Where each quantity of a misconception is found in the engine's result: the count, or the
# output size along the first spatial axis ("output height" of a 2-D layer is shape[-2]).
def _size(axes: int) -> Callable[[LayerResult], int]:
    return lambda result: result.output_shape[-axes]


_RIGHT: dict[str, Callable[[LayerResult], int]] = {
    "parameters": lambda result: result.params,
    **{f"output {names[0]}": _size(axes) for axes, names in AXES.items()},
}


def _right(result: LayerResult, quantity: str) -> int:
    return _RIGHT[quantity](result)


def _mistakes(result: LayerResult) -> dict[str, list[Misconception]]:
    """The layer's named mistakes by quantity, each giving a number other than the right one."""
    by_quantity: dict[str, list[Misconception]] = {}
    for mistake in result.layer.misconceptions(result.input_shape):
        if mistake.quantity in _RIGHT and mistake.value != _right(result, mistake.quantity):
            by_quantity.setdefault(mistake.quantity, []).append(mistake)
    return by_quantity


def _printed(result: LayerResult) -> bool:
    """Whether every size of the layer's output is a number written in its own arguments."""
    spec = result.spec
    written = {value for value in (*spec.args, *dict(spec.kwargs).values()) if type(value) is int}
    return all(size in written for size in result.output_shape)


def _given(stacked: Stacked) -> str:
    shape = shape_text(stacked.solution.input_shape)
    return f"For the following architecture with input shape {shape}:"


POSERS: dict[str, Callable[[random.Random, Stacked], Posed | None]] = {
    "table": table,
    "params": params,
    "shape": shape,
    "inverse": inverse.pose,
    "choice": choice,
    "error": faults.pose,
    **named.POSERS,
}
