"""`explainer check SPEC`: our counts and shapes beside the real framework's, layer by layer.

Each layer is built from the JSON contract (``torch.nn.<type>(**args)``), a batch of zeros
goes through it, and the output shape and parameter count are compared with the solver's.
`explainer check --torch FILE:Class` holds a live model's worked solution to the model's own
modules instead: the shape each gave in the forward pass, its parameters, trainable ones too.
"""

from __future__ import annotations

import copy
import importlib
import math
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ..deriving.layers import Layer
from ..deriving.solution import LayerResult, Solution
from ..deriving.spec import LayerCall
from ..errors import LimitError, LiveModelError, OptionError, literal
from ..records import record
from .frameworks import keras_module, torch_module

if TYPE_CHECKING:
    from .live import Reading

DEFAULT_MAX_MEMORY = "1GB"
BATCH = 2  # batch normalisation without running statistics needs more than one value
_UNITS = {"": 1, "B": 1, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
_SIZE = re.compile(r"\s*([0-9]{1,15})\s*([KMGT]?)(I?)B?\s*", re.IGNORECASE)
# What building a layer writes into Keras's global state (keras.src.backend.common.global_state):
# its variables on the list of those to initialise, and the name counters (dense, dense_1, ...).
_KERAS_STATE_WRITTEN = ("uninitialized_variables", "object_name_uids")


@record
class Row:
    index: int
    name: str
    type: str
    ours_shape: tuple[int | None, ...]  # None: a size Keras leaves open
    real_shape: tuple[int | None, ...] | None
    ours_params: int
    real_params: int | None
    error: str = ""
    # A live model's rows also compare what is trainable (requires_grad); None elsewhere.
    ours_trainable: int | None = None
    real_trainable: int | None = None

    @property
    def agrees(self) -> bool:
        return not self.error and (self.ours_shape, self.ours_params, self.ours_trainable) == (
            self.real_shape,
            self.real_params,
            self.real_trainable,
        )


@record
class Total:
    """The whole model's count and its trainable part: ours, and the framework's own."""

    ours: int
    real: int
    ours_trainable: int
    real_trainable: int

    @property
    def agrees(self) -> bool:
        return (self.ours, self.ours_trainable) == (self.real, self.real_trainable)


def check_live(solution: Solution, reading: Reading) -> tuple[tuple[Row, ...], Total]:
    """A live model's rows beside its modules: the output shape PyTorch gave, and the
    parameters PyTorch counts at that row (each counted once), trainable ones too."""
    rows = tuple(
        Row(
            layer.index,
            layer.name,
            layer.type,
            layer.output_shape,
            real.shape if real.shape is not None else layer.output_shape,
            layer.params,
            real.params,
            ours_trainable=layer.trainable_params,
            real_trainable=real.trainable,
        )
        for layer, real in zip(solution.layers, reading.rows, strict=True)
    )
    total = Total(
        solution.total_params, reading.total, solution.trainable_params, reading.trainable
    )
    return rows, total


def parse_memory(text: str) -> int:
    """``500MB``, ``2GB``, ``1GiB`` or a number of bytes."""
    match = _SIZE.fullmatch(text)
    if match is None:
        given = literal(repr(text[:20]))
        raise OptionError(f"{{max_memory}} {given}: give a size such as 500MB, 2GB or 1GiB")
    number, unit, binary = match.groups()
    scale = 1024 ** "KMGT".index(unit.upper()) * 1024 if binary and unit else _UNITS[unit.upper()]
    return int(number) * scale


def memory_needed(layer: LayerResult) -> int:
    """The bytes the framework will hold while checking ``layer``, derived from its counts
    before anything is allocated: float32 weights, and the zeros in and out for a batch of
    two (int64 ids for an embedding; a key and a value beside the query for attention)."""
    inputs = 3 if layer.layer.input_kind == "self-attention" else 1
    values = BATCH * (inputs * math.prod(layer.input_shape) + math.prod(layer.output_shape))
    return 4 * layer.params + 8 * values


def check_memory(solution: Solution, limit: int) -> None:
    """Refuse, naming the layer and the figures, before the framework allocates anything."""
    layer = max(solution.layers, key=memory_needed)
    needed = memory_needed(layer)
    if needed > limit:
        raise LimitError(
            f"checking it needs about {needed:,} bytes (its {layer.params:,} parameters as "
            f"float32 and a batch of {BATCH} in and out), above {{max_memory}} {limit:,} bytes",
            literal(f"layer {layer.index}, {layer.type}"),
            named=True,
        )


def check(solution: Solution) -> tuple[Row, ...]:
    """Each layer beside the framework's own: PyTorch modules, or Keras layers for Keras."""
    if solution.framework == "keras":
        with _keras_state_kept():
            return tuple(_keras_row(layer) for layer in solution.layers)
    alone = next((layer for layer in solution.layers if not layer.layer.source), None)
    if alone is not None:  # Add, Concat, x.mean(...), Hugging Face's Conv1D: no torch.nn class
        raise LiveModelError(
            f"{alone.type} is no module PyTorch can build on its own (a merge, a tensor "
            "operation or a Hugging Face module), and check builds the layers one by one",
            f"layer {alone.index}, {alone.type}",
        )
    torch = torch_module()
    return tuple(_row(torch, layer) for layer in solution.layers)


def _keras_row(layer: LayerResult) -> Row:
    """Built symbolically (no weights allocated): Keras's own output shape and counts."""
    keras = keras_module()
    base = (layer.index, layer.name, layer.type, layer.output_shape)
    try:
        with keras.StatelessScope(initialize_variables=False):
            built = _keras_layer(keras, layer.type, layer.args)
            dtype = "int32" if layer.layer.input_kind == "ids" else "float32"
            inputs = keras.Input(layer.input_shape, dtype=dtype)
            if layer.layer.input_kind == "self-attention":
                model = keras.Model(inputs, built(inputs, inputs))
            else:
                model = keras.Sequential([inputs, built])
            shape = tuple(int(size) for size in model.output_shape[1:])
    except (ValueError, TypeError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return Row(*base[:3], base[3], None, layer.params, None, f"Keras refused it: {message}")
    return Row(*base[:3], base[3], shape, layer.params, int(built.count_params()))


@contextmanager
def _keras_state_kept() -> Iterator[None]:
    """Keras's global state as the caller had it, once the layers are read. A layer built in a
    StatelessScope(initialize_variables=False) stays on Keras's list of variables to initialise,
    and the caller's next predict or fit in the process (a notebook's) would initialise every
    one of them, a JAX compilation per shape; each also took a name (dense_3) the caller's own
    next layer would have had. The layers are built on copies of the two, the caller's own put
    back after. Not clear_session(): it would also forget the caller's own names and models."""
    state = importlib.import_module(f"{keras_module().__name__}.src.backend.common.global_state")
    callers = {name: state.get_global_attribute(name) for name in _KERAS_STATE_WRITTEN}
    for name, value in callers.items():  # names go on from the caller's, as they always have
        state.set_global_attribute(name, copy.copy(value))
    try:
        yield
    finally:
        for name, value in callers.items():
            state.set_global_attribute(name, value)


def _keras_layer(keras: Any, kind: str, args: dict[str, Any]) -> Any:
    values = dict(args)
    inner = values.get("layer")
    if isinstance(inner, LayerCall):  # Bidirectional(LSTM(64)): the inner layer first
        values["layer"] = getattr(keras.layers, inner.call)(*inner.args, **dict(inner.kwargs))
    return getattr(keras.layers, kind)(**values)


def _row(torch: Any, layer: LayerResult) -> Row:
    base = (layer.index, layer.name, layer.type, layer.output_shape)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's advice on valid layers is not ours to show
            kind = module_class(torch, type(layer.layer), layer.type)
            module = kind(**layer.layer.constructor_args())
            module.eval()
            with torch.no_grad():
                out = _forward(torch, module, layer)
    except (RuntimeError, ValueError, TypeError, AssertionError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return Row(*base[:3], base[3], None, layer.params, None, f"torch refused it: {message}")
    except ImportError as exc:  # torchvision's layers need torchvision
        return Row(*base[:3], base[3], None, layer.params, None, f"cannot build it: {exc}")
    shape = tuple(int(size) for size in out.shape[1:])
    params = sum(p.numel() for p in module.parameters())
    return Row(*base[:3], base[3], shape, layer.params, params)


def module_class(torch: Any, kind: type[Layer], name: str) -> Any:
    """The class a kind stands for: torch.nn's, or torchvision's for its own stock layers."""
    if kind.source == "torch.nn":
        return getattr(torch.nn, name)
    return getattr(importlib.import_module(kind.source), name)


def _forward(torch: Any, module: Any, layer: LayerResult) -> Any:
    dtype = torch.long if layer.layer.input_kind == "ids" else torch.float32
    # A batch of two: batch normalisation without running statistics needs more than one value.
    x = torch.zeros(2, *layer.input_shape, dtype=dtype)
    if layer.layer.input_kind == "self-attention":
        args = layer.args
        width = args["embed_dim"]
        key = torch.zeros(*x.shape[:-1], args.get("kdim") or width)
        value = torch.zeros(*x.shape[:-1], args.get("vdim") or width)
        out = module(x, key, value)
    else:
        out = module(x, *layer.layer.call_args())
    return out[0] if isinstance(out, tuple) else out
