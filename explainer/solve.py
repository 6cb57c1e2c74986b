"""Architecture -> Solution: every layer's shape and parameter count, derived step by step.

The only place formulas are evaluated. Nothing here formats text for people.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from .boundary import MAX_DIMENSIONS, MAX_LAYERS, check_count, check_integer, shorten
from .errors import ExplainerError, InputShapeError
from .formula import sum_formula
from .layers import ALIASES, Derivation, Layer, bind, resolve
from .spec import Architecture, LayerSpec, Shape
from .steps import Step, derive

COURSE_NAMES = frozenset(name.lower() for name in ALIASES)

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
    costs: LayerCosts | None = None  # MACs, FLOPs, memory: only when asked for (explainer.costs)
    comparison: Comparison | None = None  # the other framework's count: explainer.compare

    @property
    def type(self) -> str:
        return self.layer.type_name()

    @property
    def non_trainable_params(self) -> int:
        return self.params - self.trainable_params

    @property
    def restates_call(self) -> bool:
        """Whether the row spells out the call it stands for (FCwB(256) means Linear(...)):
        not for a module a live model's PyTorch counted, which has no call to spell out."""
        return self.spec.call != self.type and self.spec.call != "Counted"

    @property
    def args(self) -> dict[str, Any]:
        return self.layer.torch_args()


@dataclass(frozen=True)
class Solution:
    input_shape: Shape
    layers: tuple[LayerResult, ...]
    total: Step
    notation: str
    notes: tuple[str, ...]
    framework: str = "pytorch"
    title: str = ""  # the bank example's title, when solving one
    cost_totals: tuple[Step, ...] = ()  # totals of the cost steps, when asked for

    @property
    def total_params(self) -> int:
        return self.total.value

    @property
    def trainable_params(self) -> int:
        return sum(layer.trainable_params for layer in self.layers)

    @property
    def non_trainable_params(self) -> int:
        return self.total_params - self.trainable_params

    # Jupyter displays a solution as its worked solution. Rendering is imported on use: render
    # imports this module, and solving needs neither Jinja nor the templates.
    def _repr_markdown_(self) -> str:
        from .render import render

        return render(self, "markdown")

    def _repr_latex_(self) -> str:
        from .render import render

        return render(self, "latex")

    def _repr_html_(self) -> str:
        from .render import render_notebook

        return render_notebook(self)


def solve(architecture: Architecture, title: str = "") -> Solution:
    if architecture.input_shape is None:
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
    shape = architecture.input_shape
    results: list[LayerResult] = []
    live = architecture.notation in ("live-pytorch", "live-keras")
    for index, spec in enumerate(architecture.layers, 1):
        origin = _origin(results)
        shape = spec.input_shape if spec.input_shape is not None else shape
        try:
            result = _checked(
                _solve_layer(index, spec, shape, origin, architecture.framework, live)
            )
        except ExplainerError as exc:
            raise exc.at(f"{spec.where}: layer {index}, {shorten(spec.text)}") from None
        results.append(result)
        shape = result.output_shape
    return Solution(
        input_shape=architecture.input_shape,
        layers=tuple(results),
        total=_total(results),
        notation=_notation(architecture, results),
        notes=architecture.notes,
        framework=architecture.framework,
        title=title,
    )


def _checked(result: LayerResult) -> LayerResult:
    """A result every output can print exactly (explainer.boundary's limits)."""
    check_count(len(result.output_shape), MAX_DIMENSIONS, "sizes in the output shape")
    for size in result.output_shape:
        check_integer(size, "an output size")
    check_integer(result.params, "the parameter count")
    return result


def _solve_layer(
    index: int, spec: LayerSpec, shape: Shape, origin: str, framework: str, live: bool = False
) -> LayerResult:
    kind, alias = resolve(spec.call, framework, live)
    kwargs = dict(spec.kwargs)
    args = spec.args
    if alias is not None:
        kwargs, args = alias.translate(args, kwargs), ()
    layer = bind(kind, args, kwargs, shape, origin)
    # A live model's merge of branches, or attention's query and value: several inputs.
    derived = (
        layer.derive_inputs((shape, *spec.other_inputs))
        if spec.other_inputs
        else layer.derive(shape)
    )
    outcome = _shared(derived, spec)
    trainable = outcome.params - outcome.non_trainable - spec.frozen
    return LayerResult(
        index=index,
        name=spec.name or spec.call,
        spec=spec,
        layer=layer,
        input_shape=shape,
        output_shape=outcome.output_shape,
        params=outcome.params,
        trainable_params=trainable,
        steps=outcome.steps,
        shape_why=outcome.shape_why,
        params_why=outcome.params_why,
        params_step=outcome.params_step,
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


def _notation(architecture: Architecture, results: list[LayerResult]) -> str:
    """Chain notation that uses the course's names (FCwB, FC, Maxpool) is the course notation."""
    if architecture.notation == "chain" and any(
        r.spec.call.lower() in COURSE_NAMES for r in results
    ):
        return "course"
    return architecture.notation


def _origin(results: list[LayerResult]) -> str:
    if not results:
        return "the input"
    last = results[-1]
    return f"after layer {last.index} ({last.type}) the input"


def _total(results: list[LayerResult]) -> Step:
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
