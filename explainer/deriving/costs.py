"""Beyond the counts: multiply-accumulates, FLOPs and memory, derived like the counts.

Shown on request (``--show macs,memory``). FLOPs are said to be 2·MACs explicitly, because
tools and papers often print MACs under the name FLOPs.
"""

from __future__ import annotations

from dataclasses import replace

from ..errors import OptionError, literal
from .formula import sum_formula
from .solution import LayerCosts, LayerResult, Solution
from .steps import Step, derive
from .symbolic import is_open

SHOW = ("macs", "memory")
BYTES_PER_VALUE = 4  # float32

_MEANINGS = {
    "M": "multiply-accumulates",
    "p": "parameters",
    "B": "bytes per float32 value",
    "N": "values in the output",
}


def parse_show(text: str | None) -> tuple[str, ...]:
    """``"macs,memory"`` -> ("macs", "memory"); the options check the names."""
    if not text:
        return ()
    return tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))


def with_costs(solution: Solution, show: tuple[str, ...]) -> Solution:
    """The solution with each layer's cost steps and the totals, for what ``show`` names."""
    if not show:
        return solution
    if not solution.placed:  # MACs and activations need shapes; made-up ones would be wrong
        raise OptionError(
            "{show} needs every layer's shape, which a print-out without its forward does not "
            "give: paste the forward below it"
        )
    if "macs" in show and solution.framework == "keras":
        _ensure_macs_known(solution)
    _ensure_closed(solution, show)
    layers = tuple(replace(layer, costs=layer_costs(layer, show)) for layer in solution.layers)
    return replace(solution, layers=layers, cost_totals=_totals(layers, show))


def _ensure_closed(solution: Solution, show: tuple[str, ...]) -> None:
    """MACs and activation memory grow with every size: one Keras leaves None has no number."""
    for layer in solution.layers:
        if any(is_open(size) for size in (*layer.input_shape, *layer.output_shape)):
            raise OptionError(
                f"{{show}} {literal(','.join(show))}: layer {layer.index} ({layer.type}) works "
                "on a size that is None, so its costs have no number; give the input a fixed size"
            )


def layer_costs(layer: LayerResult, show: tuple[str, ...]) -> LayerCosts:
    macs = flops = param_bytes = output_bytes = None
    no_macs = ""
    if "macs" in show:
        macs = layer.layer.macs(layer.input_shape, layer.output_shape)
        if macs is None:
            no_macs = f"{layer.type} does no multiply-accumulate; element-wise work is not counted"
        else:
            flops = _flops(macs.value)
    if "memory" in show:
        if layer.params:
            param_bytes = derive(
                "parameter memory (bytes)", "p*B", {"p": layer.params, "B": BYTES_PER_VALUE},
                _MEANINGS, "every parameter is one float32 value of 4 bytes", counts=True,
            )  # fmt: skip
        output_bytes = _output_bytes(layer)
    return LayerCosts(macs, flops, param_bytes, output_bytes, no_macs)


def _flops(macs: int, quantity: str = "floating-point operations (FLOPs)") -> Step:
    why = "FLOPs = 2·MACs: each multiply-accumulate is one multiplication and one addition"
    return derive(quantity, "2*M", {"M": macs}, _MEANINGS, why, counts=True)


def _output_bytes(layer: LayerResult) -> Step:
    symbols = [f"d_{i}" for i in range(1, len(layer.output_shape) + 1)]
    values = dict(zip(symbols, layer.output_shape, strict=True)) | {"B": BYTES_PER_VALUE}
    meanings = {s: f"output size {i}" for i, s in enumerate(symbols, 1)} | _MEANINGS
    text = "*".join([*symbols, "B"])
    why = "the output activation of one sample, kept for the backward pass while training"
    return derive("output memory (bytes)", text, values, meanings, why)


def _totals(layers: tuple[LayerResult, ...], show: tuple[str, ...]) -> tuple[Step, ...]:
    costs = [(layer.index, layer.costs) for layer in layers if layer.costs]
    totals: list[Step] = []
    if "macs" in show:
        macs = {f"M_{i}": c.macs.value for i, c in costs if c.macs}
        total = _sum("total MACs", macs, "the sum over the layers that multiply")
        totals += [total, _flops(total.value, "total FLOPs")]
    if "memory" in show:
        params = {f"m_{i}": c.param_bytes.value for i, c in costs if c.param_bytes}
        outputs = {f"a_{i}": c.output_bytes.value for i, c in costs if c.output_bytes}
        why = "every layer's output for one sample, as kept for training"
        weights = "all the weights, 4 bytes each"
        totals.append(_sum("total parameter memory (bytes)", params, weights))
        totals.append(_sum("total output memory (bytes)", outputs, why))
    return tuple(totals)


def _sum(quantity: str, values: dict[str, int], why: str) -> Step:
    nonzero = {k: v for k, v in values.items() if v}
    text = sum_formula(tuple(nonzero))
    return derive(quantity, text, nonzero, {}, why, counts=True)


def _ensure_macs_known(solution: Solution) -> None:
    """A Keras layer that multiplies but has no MAC derivation here (attention over several
    axes, a layer of the user's own) is refused: saying "0" would be wrong."""
    for layer in solution.layers:
        unknown = layer.spec.call == "Counted" or getattr(layer.layer, "multiplies", False)
        if unknown and layer.layer.macs(layer.input_shape, layer.output_shape) is None:
            raise OptionError(
                f"{{show}} macs: layer {layer.index}, {literal(layer.name)} ({layer.type}) "
                "multiplies, and explainer has no MAC count for it"
            )
