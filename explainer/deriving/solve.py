"""Architecture -> Solution: every layer's shape and parameter count, derived step by step.

The only place formulas are evaluated. Nothing here formats text for people.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ..errors import ExplainerError, InputShapeError, ShapeError
from ..reading.boundary import MAX_DIMENSIONS, MAX_LAYERS, check_count, check_integer, shorten
from . import symbolic
from .blocks import BlockResult, block_total, solve_blocks, with_copies
from .formula import sum_formula
from .layers import ALIASES, Alias, Derivation, Layer, bind, resolve
from .layers.merge import Merge
from .spec import Architecture, LayerSpec, Note, Shape, SizeOf
from .steps import Step, derive

COURSE_NAMES = frozenset(name.lower() for name in ALIASES)
_COURSE_ALIASES = {name.lower(): alias for name, alias in ALIASES.items()}

if TYPE_CHECKING:
    from .costs import LayerCosts
    from .layers.base import Comparison


@dataclass(frozen=True)
class LayerResult:
    index: int
    name: str  # attribute name (cnn_layer_1) or the name as written (FCwB)
    spec: LayerSpec
    layer: Layer
    input_shape: Shape
    output_shape: Shape
    params: int
    trainable_params: int
    steps: tuple[Step, ...]
    shape_why: str
    params_why: str
    params_step: Step | None = (
        None  # the step that derives the count; None for layers without weights
    )
    # MACs, FLOPs, memory: only when asked for (explainer.deriving.costs)
    costs: LayerCosts | None = None
    comparison: Comparison | None = None  # the other framework's count: explainer.deriving.compare
    # The nodes whose outputs it takes: 0 the input, k layer k (a chain: the layer before).
    inputs: tuple[int, ...] = ()
    # False: a print-out's module whose input is unknown (no forward): counted, not shaped.
    placed: bool = True

    input_shapes: tuple[Shape, ...] = ()  # one per input: a merge has several
    copies: int = 1  # inside a printed repeat (12 x GPT2Block): the model holds 12 of it
    course: bool = False  # in a spec of the course notation: named as written (FCwB-1)

    @property
    def type(self) -> str:
        return self.layer.type_name()

    @property
    def shown_type(self) -> str:
        """What tables and pictures call it: the class (Linear), or in the course notation
        the name the student wrote (FCwB, Maxpool, tanh)."""
        return self.name if self.course else self.type

    @property
    def label(self) -> str:
        """Its name in the summary table and the pictures: Linear-1, or FCwB-1."""
        return f"{self.shown_type}-{self.index}"

    @property
    def course_alias(self) -> bool:
        """A course name (FCwB, FC, Maxpool) in a course-notation spec: the solution says once,
        for all such layers, what it stands for in PyTorch."""
        return self.course and self.spec.call.lower() in COURSE_NAMES

    @property
    def reads_previous(self) -> bool:
        """It takes the output of the layer before it and nothing else, as in a chain."""
        return self.inputs == (self.index - 1,)

    @property
    def restates_call(self) -> bool:
        """Whether the row spells out the call it stands for (FCwB(256) means Linear(...)):
        not for a module a live model's PyTorch counted, which has no call to spell out, nor
        for a course name, which the solution's list of PyTorch equivalents spells out."""
        return self.spec.call not in (self.type, "Counted") and not self.course_alias

    @property
    def non_trainable_params(self) -> int:
        return self.params - self.trainable_params

    @property
    def args(self) -> dict[str, Any]:
        return self.layer.torch_args()


@dataclass(frozen=True)
class Solution:
    input_shape: Shape
    layers: tuple[LayerResult, ...]
    total: Step
    notation: str
    notes: tuple[str | Note, ...]  # a Note where a line has counts, which templates group
    framework: str = "pytorch"
    title: str = ""  # the bank example's title, when solving one
    cost_totals: tuple[Step, ...] = ()  # totals of the cost steps, when asked for
    blocks: tuple[BlockResult, ...] = ()  # a print-out's containers, each counted
    summary_depth: int | None = None  # --depth: the summary's rows down to this depth
    # Named sizes (explainer.deriving.symbolic): their names, and the conditions on them assumed
    # where a check could not be decided for every value (a kernel no larger than the input).
    size_names: tuple[str, ...] = ()
    assumptions: tuple[Any, ...] = ()

    @property
    def course_names(self) -> tuple[tuple[str, Alias], ...]:
        """The course names the spec uses, as first written, each once, with what they mean."""
        found: dict[str, tuple[str, Alias]] = {}
        for layer in self.layers:
            if layer.course_alias:
                key = layer.spec.call.lower()
                found.setdefault(key, (layer.spec.call, _COURSE_ALIASES[key]))
        return tuple(found.values())

    @property
    def is_chain(self) -> bool:
        """Every layer reads the one before: drawn and written as a chain."""
        return all(layer.inputs == (layer.index - 1,) for layer in self.layers)

    @property
    def placed(self) -> bool:
        """Every layer has its shapes (false for a print-out without its forward)."""
        return all(layer.placed for layer in self.layers)

    def sources(self, layer: LayerResult) -> tuple[LayerResult | None, ...]:
        """The layers whose outputs ``layer`` takes; None stands for the network's input."""
        return tuple(None if i == 0 else self.layers[i - 1] for i in layer.inputs)

    @property
    def total_params(self) -> int:
        return self.total.value

    @property
    def trainable_params(self) -> int:
        return sum(layer.trainable_params * layer.copies for layer in self.layers)

    @property
    def non_trainable_params(self) -> int:
        return self.total_params - self.trainable_params

    # Jupyter displays a solution as its worked solution. Rendering is imported on use: render
    # imports this module, and solving needs neither Jinja nor the templates.
    def _repr_markdown_(self) -> str:
        from ..rendering.render import render

        return render(self, "markdown")

    def _repr_latex_(self) -> str:
        from ..rendering.render import render

        return render(self, "latex")

    def _repr_html_(self) -> str:
        from ..rendering.render import render_notebook

        return render_notebook(self)


def solve(architecture: Architecture, title: str = "") -> Solution:
    """Solve every node of the graph in order; each node reads the shapes of its inputs.

    A spec that names sizes (``Linear(h)``) is solved in them: see explainer.deriving.symbolic."""
    named = symbolic.names(architecture)
    if not named:
        return _solve(architecture, title)
    with symbolic.recording() as assumed:
        solution = _solve(symbolic.symbolic(architecture), title)
    return replace(solution, size_names=named, assumptions=tuple(assumed))


def _solve(architecture: Architecture, title: str) -> Solution:
    if architecture.input_shape is None and any(spec.placed for spec in architecture.layers):
        first = architecture.layers[0] if architecture.layers else None
        hint = (
            'input(28, 28, 1) (channels last) or pass --input "(None, 28, 28, 1)"'
            if architecture.framework == "keras"
            else "input(1, 28, 28) or pass --input 1,28,28"
        )
        raise InputShapeError(
            f"no input shape: start the spec with {hint}",
            f"{first.where}: layer 1, {shorten(first.text)}" if first else "",
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
            result = _checked(
                _solve_layer(index, spec, sources, shapes, labels, self.framework, self.live)
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
    origin = "the input" if labels[0] == "the input" else f"after {labels[0]} the input"
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
    """A result every output can print exactly (explainer.reading.boundary's limits)."""
    check_count(len(result.output_shape), MAX_DIMENSIONS, "sizes in the output shape")
    # The product, not each size: MACs and bytes multiply it by a count, and must print.
    # A formula in named sizes has no digits to count.
    size = math.prod(result.output_shape)
    if not symbolic.is_symbolic(size):
        check_integer(size, "the output's size (the product of its sizes)")
    if not symbolic.is_symbolic(result.params):
        check_integer(result.params, "the parameter count")
    return result


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
