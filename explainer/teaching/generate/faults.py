"""Find the error: a stack in which one layer's written input size contradicts the shape that
reaches it, as a student's slip would make it (Linear(1500, ...) after a flatten of 1568).

Which arguments can contradict the shape is the registry's knowledge (``Layer.inferred``: the
arguments a kind reads off its input); the wrong values are the classic slips, each taken
from the engine's own results. The faulty spec must be refused by the engine.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

from ...deriving.solve import LayerResult, solve
from ...deriving.spec import Architecture, Shape
from ...errors import ExplainerError
from ...reading import parse
from ..problems import Fault, Question
from .architectures import write
from .posing import Posed, Stacked, is_written, replace_argument, shape_text

MISTAKES = {
    "in-out-swapped": "the layer's own output size written as its input size",
    "copied-from-earlier-layer": "the input size of an earlier layer of the same kind copied",
    "pooling-skipped": "a pooling layer left out when working out the incoming size",
}

Slip = tuple[LayerResult, str, int, str]  # layer, argument, wrong value, mistake


def pose(rng: random.Random, stacked: Stacked) -> Posed | None:
    slips = list(_slips(stacked))
    rng.shuffle(slips)
    for result, argument, wrong, mistake in slips:
        layers = list(stacked.architecture.layers)
        layers[result.index - 1] = replace_argument(layers[result.index - 1], argument, wrong)
        faulty = write(Architecture(tuple(layers), stacked.architecture.input_shape), stacked.topic)
        try:
            solve(parse(faulty))
        except ExplainerError as exc:
            fault = Fault(
                result.index,
                argument,
                wrong,
                result.args[argument],
                mistake,
                MISTAKES[mistake],
                str(exc),
            )
            return Posed(_statement(stacked), _questions(fault), faulty_spec=faulty, fault=fault)
    return None


def _slips(stacked: Stacked) -> Iterator[Slip]:
    results = stacked.solution.layers
    for result in results:
        if not result.params:
            # Without weights (GroupNorm(affine=False), say) nothing is sized by the argument,
            # so the framework itself would never notice the contradiction: not a fair error.
            continue
        for argument, infer in type(result.layer).inferred.items():
            if not is_written(result.spec, argument):
                continue
            right = infer(result.input_shape)
            seen = {right}
            for wrong, mistake in (
                (infer(result.output_shape), "in-out-swapped"),
                (_earlier_value(results, result, argument), "copied-from-earlier-layer"),
                (_without_pooling(stacked, result, infer), "pooling-skipped"),
            ):
                if (
                    wrong is not None
                    and wrong not in seen
                    and _valid_alone(result, argument, wrong)
                ):
                    seen.add(wrong)
                    yield result, argument, wrong, mistake


def _valid_alone(result: LayerResult, argument: str, wrong: int) -> bool:
    """Whether the layer could exist with the wrong value (groups=4 must still divide it), so
    that the only thing wrong is the contradiction with the shape reaching it."""
    try:
        type(result.layer)(**(result.args | {argument: wrong}))
    except ExplainerError:
        return False
    return True


def _earlier_value(
    results: tuple[LayerResult, ...], result: LayerResult, argument: str
) -> int | None:
    """The same argument of the nearest earlier layer of the same kind, where it differs."""
    for earlier in reversed(results[: result.index - 1]):
        value = earlier.args[argument] if type(earlier.layer) is type(result.layer) else None
        if isinstance(value, int) and value != result.args[argument]:
            return value
    return None


def _without_pooling(
    stacked: Stacked, result: LayerResult, infer: Callable[[Shape], int]
) -> int | None:
    """What the argument would be read as if the nearest earlier pooling layer (no weights,
    same rank, a smaller output) were left out: the engine solves the shortened stack."""
    results = stacked.solution.layers[: result.index - 1]
    pools = [
        r
        for r in results
        if not r.params
        and len(r.output_shape) == len(r.input_shape)
        and r.output_shape != r.input_shape
    ]
    if not pools:
        return None
    skipped = pools[-1].index
    layers = tuple(
        s for i, s in enumerate(stacked.architecture.layers[: result.index - 1], 1) if i != skipped
    )
    if not layers:
        return None
    try:
        shortened = solve(Architecture(layers, stacked.architecture.input_shape))
    except ExplainerError:
        return None  # another layer would contradict the shortened stack: not a single slip
    return infer(shortened.layers[-1].output_shape)


def _statement(stacked: Stacked) -> str:
    return (
        f"One layer of the following architecture (input shape "
        f"{shape_text(stacked.solution.input_shape)}) has an argument that contradicts the shape "
        "reaching it. Find the layer and correct the argument."
    )


def _questions(fault: Fault) -> tuple[Question, ...]:
    return (
        Question(
            "q1",
            "Which layer is inconsistent? Give its number (1 = the first layer after the input).",
            fault.layer,
            "layer",
            layer=fault.layer,
        ),
        Question(
            "q2",
            # Not named: "its in_channels" would point at the one layer that has one.
            "What should the value of the argument that contradicts the shape be?",
            fault.right,
            "argument",
            layer=fault.layer,
            argument=fault.argument,
        ),
    )
