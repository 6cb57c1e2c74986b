"""Architecture -> Solution: every layer's shape and parameter count, derived step by step.

The only place formulas are evaluated. Nothing here formats text for people.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from ..boundary import MAX_DIMENSIONS, MAX_LAYERS, check_count, check_integer, shorten
from ..errors import ExplainerError, InputShapeError, ShapeError, literal
from . import symbolic
from .blocks import block_total, solve_blocks, with_copies
from .formula import sum_formula
from .layers import ALIASES, Derivation, Layer, bind, resolve
from .layers.merge import Merge
from .solution import BlockResult, LayerResult, Solution
from .spec import Architecture, LayerSpec, Shape, SizeOf
from .steps import Step, derive

__all__ = ["LayerResult", "Solution", "solve"]  # the engine: its function and what it gives

COURSE_NAMES = frozenset(name.lower() for name in ALIASES)


def solve(architecture: Architecture, title: str = "") -> Solution:
    """Solve every node of the graph in order; each node reads the shapes of its inputs.

    A spec that names sizes (``Linear(h)``) is solved in them: see explainer.deriving.symbolic."""
    named = symbolic.names(architecture)
    if not named and not symbolic.has_open(architecture):
        return _solve(architecture, title)
    if symbolic.has_open(architecture) and architecture.framework != "keras":
        raise InputShapeError(
            "a size is None: only Keras ({framework} keras) leaves a size open; "
            "give every size a number",
            named=True,
        )
    with symbolic.recording() as assumed:
        solution = _solve(symbolic.symbolic(architecture), title)
    if not named:  # only Keras's None sizes: every count is a number (see _closed)
        return solution
    return replace(solution, size_names=named, assumptions=tuple(assumed))


def _solve(architecture: Architecture, title: str) -> Solution:
    if architecture.input_shape is None and any(spec.placed for spec in architecture.layers):
        first = architecture.layers[0] if architecture.layers else None
        hint = (
            'input(28, 28, 1) (channels last) or pass {input_shape} "(None, 28, 28, 1)"'
            if architecture.framework == "keras"
            else "input(1, 28, 28) or pass {input_shape} 1,28,28"
        )
        where = f"{first.where}: layer 1, {shorten(first.text)}" if first else ""
        raise InputShapeError(
            f"no input shape: start the spec with {hint}", literal(where), named=True
        )
    check_count(len(architecture.layers), MAX_LAYERS, "layers")
    if architecture.input_shape is not None:
        size = math.prod(architecture.input_shape)
        if not symbolic.is_symbolic(size):  # a formula in named sizes has no digits to count
            check_integer(size, "the input's size (the product of its sizes)", "input")
    graph = _Graph(architecture)
    for index, spec in enumerate(architecture.layers, 1):
        try:
            graph.add(index, spec)
        except ExplainerError as exc:
            raise exc.at(f"{spec.where}: layer {index}, {shorten(spec.text)}") from None
        except TypeError as exc:  # sympy cannot decide a check on named sizes
            if not symbolic.active():
                raise
            where = f"{spec.where}: layer {index}, {shorten(spec.text)}"
            raise symbolic.undecidable(exc).at(where) from None
    blocks = solve_blocks(architecture.blocks, graph.results)
    results = with_copies(graph.results, blocks)
    notation = _notation(architecture, results)
    if notation == "course":
        results = [replace(result, course=True) for result in results]
    return Solution(
        input_shape=architecture.input_shape or (),
        layers=tuple(results),
        total=_total(results, blocks),
        notation=notation,
        notes=architecture.notes,
        framework=architecture.framework,
        title=title,
        blocks=blocks,
    )


class _Graph:
    """The nodes solved so far, by number (0 is the input), and the shape each one gives."""

    def __init__(self, architecture: Architecture) -> None:
        self.framework = architecture.framework
        self.live = architecture.notation in ("live-pytorch", "live-keras")
        self.results: list[LayerResult] = []
        self.shapes: dict[int, Shape] = {}
        if architecture.input_shape is not None:
            self.shapes[0] = architecture.input_shape
        self.first_call: dict[str, int] = {}  # a module called again shares its weights

    def add(self, index: int, spec: LayerSpec) -> None:
        if not spec.placed:
            result = _solve_unplaced(index, spec, self.framework)
        else:
            sources = self._sources(index, spec)
            shapes = (
                (spec.input_shape, *spec.other_inputs)  # a live model's own shapes
                if spec.input_shape
                else (tuple(self.shapes[source] for source in sources))
            )
            labels = tuple(self._label(source) for source in sources)
            spec = replace(spec, args=self._sizes(spec.args), kwargs=self._sizes(spec.kwargs))
            result = _closed(
                _checked(
                    _solve_layer(index, spec, sources, shapes, labels, self.framework, self.live)
                )
            )
            self.shapes[index] = result.output_shape
        if spec.name is not None and result.params:
            first = self.first_call.setdefault(spec.name, index)
            if first != index:
                result = _called_again(result, first)
        self.results.append(result)

    def _sources(self, index: int, spec: LayerSpec) -> tuple[int, ...]:
        sources = spec.inputs if spec.inputs is not None else (index - 1,)
        for source in sources:
            if source not in self.shapes:
                why = "comes later" if source >= index else "has no shape (no forward places it)"
                raise ShapeError(f"its input, layer {source}, {why}")
        return sources

    def _sizes(self, values: tuple[Any, ...]) -> tuple[Any, ...]:
        """``x.shape[-1]`` written as an argument: the size, now that the shape is known."""
        return tuple(self._size(value) for value in values)

    def _size(self, value: Any) -> Any:
        if isinstance(value, tuple):
            return self._sizes(value)
        if not isinstance(value, SizeOf):
            return value
        shape = self.shapes.get(value.node)
        if shape is None:
            raise ShapeError(f"shape[{value.dim}] of layer {value.node}, which has no shape")
        rank = len(shape) + 1
        dim = value.dim + rank if value.dim < 0 else value.dim
        if dim == 0:
            raise ShapeError("the batch size is not known: it can only stand first in x.view(...)")
        if not 0 < dim < rank:
            raise ShapeError(f"shape[{value.dim}] is out of range for {[-1, *shape]}")
        return shape[dim - 1]

    def _label(self, source: int) -> str:
        if source == 0:
            return "the input"
        last = self.results[source - 1]
        return f"layer {source} ({last.type})"


def _solve_layer(
    index: int,
    spec: LayerSpec,
    sources: tuple[int, ...],
    shapes: tuple[Shape, ...],
    labels: tuple[str, ...],
    framework: str,
    live: bool = False,
) -> LayerResult:
    kind, alias = resolve(spec.call, framework, live)
    kwargs = dict(spec.kwargs)
    args = spec.args
    if alias is not None:
        kwargs, args = alias.translate(args, kwargs), ()
    first = labels[0] if labels else "the input"  # a further model input reads nothing
    origin = "the input" if first == "the input" else f"after {first} the input"
    layer = bind(kind, args, kwargs, shapes[0], origin)
    if isinstance(layer, Merge):
        if len(shapes) < layer.min_inputs:
            raise ShapeError(f"{layer.type_name()} needs at least 2 inputs, got {len(shapes)}")
        outcome = layer.merge(shapes, labels)
    elif len(shapes) > 1 and type(layer).derive_inputs is not Layer.derive_inputs:
        # Keras's merges and attention's query and value: several inputs of their own kind.
        outcome = _shared(layer.derive_inputs(shapes), spec)
    elif len(shapes) > 1:
        raise ShapeError(
            f"{layer.type_name()} takes one input, got {len(shapes)}: "
            f"{', '.join(labels)}; merge them first with Add or Concat"
        )
    else:
        outcome = _shared(layer.derive(shapes[0]), spec)
    return _result(index, spec, layer, outcome, shapes[0], sources, shapes=shapes)


def _result(
    index: int,
    spec: LayerSpec,
    layer: Layer,
    outcome: Derivation,
    shape: Shape,
    sources: tuple[int, ...],
    placed: bool = True,
    shapes: tuple[Shape, ...] = (),
) -> LayerResult:
    return LayerResult(
        index=index,
        name=spec.name or spec.call,
        spec=spec,
        layer=layer,
        input_shape=shape,
        output_shape=outcome.output_shape,
        params=outcome.params,
        trainable_params=outcome.params - outcome.non_trainable - spec.frozen,
        steps=outcome.steps,
        shape_why=outcome.shape_why,
        params_why=outcome.params_why,
        params_step=outcome.params_step,
        inputs=sources,
        placed=placed,
        input_shapes=shapes,
    )


def _checked(result: LayerResult) -> LayerResult:
    """A result every output can print exactly (explainer.boundary's limits)."""
    check_count(len(result.output_shape), MAX_DIMENSIONS, "sizes in the output shape")
    # The product, not each size: MACs and bytes multiply it by a count, and must print.
    # A formula in named sizes has no digits to count.
    size = math.prod(result.output_shape)
    if not symbolic.is_symbolic(size):
        check_integer(size, "the output's size (the product of its sizes)")
    if not symbolic.is_symbolic(result.params):
        check_integer(result.params, "the parameter count")
    return result


def _closed(result: LayerResult) -> LayerResult:
    """A count never depends on a size Keras leaves None (Keras cannot build such a layer
    either: a Dense after a Flatten of any length): refused, naming the open sizes."""
    if not symbolic.is_open(result.params):
        return result
    shown = ", ".join("None" if symbolic.is_open(s) else str(s) for s in result.input_shape)
    where = " and ".join(
        f"size {i}" for i, s in enumerate(result.input_shape, 1) if symbolic.is_open(s)
    )
    raise ShapeError(
        f"{result.type}'s parameter count depends on a size that is None: its input is "
        f"(None, {shown}), and {where} (after the batch) is None; give the input a fixed size"
    )


def _shared(outcome: Derivation, spec: LayerSpec) -> Derivation:
    """A live model's weights counted once: a module called again adds nothing, and a weight
    tied to an earlier layer's (an output layer reusing the embedding) is taken off."""
    if not spec.shared:
        return outcome
    if spec.shared == outcome.params:
        steps = tuple(step for step in outcome.steps if step is not outcome.params_step)
        why = f"the same weights as {spec.shared_with}, counted there: 0 more"
        return replace(outcome, params=0, steps=steps, params_why=why)
    meanings = {
        "p": "parameters of the layer",
        "s": f"weights shared with {spec.shared_with}, counted there",
    }
    why = f"{spec.shared} of its weights are the same tensors as {spec.shared_with}'s"
    values = {"p": outcome.params, "s": spec.shared}
    step = derive("parameters", "p - s", values, meanings, why)
    return replace(outcome, params=step.value, steps=(*outcome.steps, step), params_why=why)


def _called_again(result: LayerResult, first: int) -> LayerResult:
    """A print-out's module called again: the same weights, counted once, at its first call."""
    why = f"the same module as layer {first}, called again: its weights are counted once, there"
    return replace(result, params=0, trainable_params=0, steps=(), params_step=None, params_why=why)


def _solve_unplaced(index: int, spec: LayerSpec, framework: str) -> LayerResult:
    """A module whose input is unknown: its count from its own arguments, no shape.

    A print-out writes every argument a count needs (in_features, num_features, ...), so the
    count is the same for every shape the module accepts. It is derived for two made-up
    shapes; the steps that differ between them are shape steps, and are left out. Were the
    counts to differ, the module would need its real input: that is refused, never guessed.
    """
    kind, alias = resolve(spec.call, framework)
    kwargs = dict(spec.kwargs)
    args = spec.args
    if alias is not None:
        kwargs, args = alias.translate(args, kwargs), ()
    outcomes = [_made_up(kind, args, kwargs, spatial) for spatial in (64, 67)]
    found = [o for o in outcomes if o is not None]
    if len(found) < 2 or found[0][1].params != found[1][1].params:
        raise ShapeError(
            f"{kind.type_name()}: its count depends on what reaches it, which the print-out "
            "alone does not say; paste the forward method below it"
        )
    (layer, one), (_, other) = found
    steps = tuple(step for step in one.steps if step in other.steps)
    outcome = replace(
        one,
        output_shape=(),
        steps=steps,
        shape_why="the print-out alone does not say what reaches this module: shapes need "
        "the forward",
    )
    return _result(index, spec, layer, outcome, (), (), placed=False)


def _made_up(
    kind: type[Layer], args: tuple[Any, ...], kwargs: dict[str, Any], spatial: int
) -> tuple[Layer, Derivation] | None:
    """The kind on the first made-up input it accepts: each of its own integer arguments as
    the first or the last size (in_channels, nx, normalized_shape), the others ``spatial``."""
    for shape in _candidates(kind, (*args, *kwargs.values()), spatial):
        try:
            layer = bind(kind, args, kwargs, shape, "the input")
            return layer, layer.derive(shape)
        except ExplainerError:
            continue
    return None


def _candidates(kind: type[Layer], given: tuple[Any, ...], spatial: int) -> list[Shape]:
    sizes = [v for v in given if type(v) is int and v > 0]
    tails = [tuple(v) for v in given if isinstance(v, tuple) and all(type(x) is int for x in v)]
    ranks = sorted(kind.input_dims) or [1, 2, 3]
    found: list[Shape] = [t for t in tails if t] + [(spatial, *t) for t in tails if t]
    for rank in ranks:
        rest = (spatial,) * (rank - 1)
        for size in [*sizes, spatial]:
            found += [(size, *rest), (*rest, size)]
    return found


def _notation(architecture: Architecture, results: list[LayerResult]) -> str:
    """Chain notation that uses the course's names (FCwB, FC, Maxpool) is the course notation."""
    if architecture.notation == "chain" and any(
        r.spec.call.lower() in COURSE_NAMES for r in results
    ):
        return "course"
    return architecture.notation


def _total(results: list[LayerResult], blocks: tuple[BlockResult, ...]) -> Step:
    if blocks:
        return block_total(results, blocks)
    weighted = [r for r in results if r.params]
    values = {f"p_{r.index}": r.params for r in weighted}
    meanings = {f"p_{r.index}": f"parameters of layer {r.index}, {r.name}" for r in weighted}
    text = sum_formula(tuple(values))
    why = (
        "the total is the sum over the layers that have weights; the others add 0"
        if weighted
        else "no layer has weights"
    )
    return derive("total parameters", text, values, meanings, why, counts=True)
