"""`explainer check SPEC`: our counts and shapes beside the real framework's, layer by layer.

Each layer is built from the JSON contract (``torch.nn.<type>(**args)``), a batch of zeros
goes through it, and the output shape and parameter count are compared with the solver's.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

from .live import LiveModelError, torch_module
from .solve import LayerResult, Solution

# Kinds whose forward takes (query, key, value) rather than one input.
_ATTENTION = {"MultiheadAttention"}
# Kinds whose input is integer ids.
_IDS = {"Embedding"}


@dataclass(frozen=True)
class Row:
    index: int
    name: str
    type: str
    ours_shape: tuple[int, ...]
    real_shape: tuple[int, ...] | None
    ours_params: int
    real_params: int | None
    error: str = ""

    @property
    def agrees(self) -> bool:
        return not self.error and (self.ours_shape, self.ours_params) == (
            self.real_shape,
            self.real_params,
        )


def check(solution: Solution) -> tuple[Row, ...]:
    if solution.framework != "pytorch":
        raise LiveModelError(
            f"explainer check compares with PyTorch; {solution.framework} is not supported yet"
        )
    torch = torch_module()
    return tuple(_row(torch, layer) for layer in solution.layers)


def _row(torch: Any, layer: LayerResult) -> Row:
    base = (layer.index, layer.name, layer.type, layer.output_shape)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's advice on valid layers is not ours to show
            module = getattr(torch.nn, layer.type)(**layer.args)
            module.eval()
            with torch.no_grad():
                out = _forward(torch, module, layer)
    except (RuntimeError, ValueError, TypeError, AssertionError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return Row(*base[:3], base[3], None, layer.params, None, f"torch refused it: {message}")
    shape = tuple(int(size) for size in out.shape[1:])
    params = sum(p.numel() for p in module.parameters())
    return Row(*base[:3], base[3], shape, layer.params, params)


def _forward(torch: Any, module: Any, layer: LayerResult) -> Any:
    dtype = torch.long if layer.type in _IDS else torch.float32
    # A batch of two: batch normalisation without running statistics needs more than one value.
    x = torch.zeros(2, *layer.input_shape, dtype=dtype)
    if layer.type in _ATTENTION:
        args = layer.args
        width = args["embed_dim"]
        key = torch.zeros(*x.shape[:-1], args.get("kdim") or width)
        value = torch.zeros(*x.shape[:-1], args.get("vdim") or width)
        out = module(x, key, value)
    else:
        out = module(x)
    return out[0] if isinstance(out, tuple) else out
