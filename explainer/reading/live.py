"""Reading a real PyTorch model: ``explainer solve --torch path/to/model.py:Net``.

The user's own file is imported, and so executed: that is the point of this path, it is said
in ``--help``, and it is the only code explainer ever runs on a user's behalf. Every module
that the registry knows is recorded, in the order ``forward`` calls it, through forward
hooks, with the shape that really reached it (residual branches included), so that each layer
is then solved from its own input. Nothing is executed for any other way in.

What PyTorch itself counts is read beside it, row by row: a module called again and a tied
weight count once, a tensor a module holds directly (``nn.Parameter``) is a row of its own, a
module with no formula is counted by PyTorch and said to be, and ``requires_grad`` decides what
is trainable. The worked solution is then held to PyTorch's figures (:func:`differences`):
where they differ the solution is refused, never shown.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import inspect
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..deriving.layers import KINDS
from ..deriving.spec import Architecture, LayerSpec, Note, Shape
from ..errors import LiveModelError, literal
from ..records import record
from .frameworks import torch_module

if TYPE_CHECKING:
    from ..deriving.solution import Solution

# Constructor arguments that a module keeps under another name or form.
_READERS: dict[tuple[str, str], Callable[[Any], Any]] = {
    ("MultiheadAttention", "bias"): lambda m: m.in_proj_bias is not None,
    ("TransformerEncoderLayer", "d_model"): lambda m: m.self_attn.embed_dim,
    ("TransformerEncoderLayer", "nhead"): lambda m: m.self_attn.num_heads,
    ("TransformerEncoderLayer", "dim_feedforward"): lambda m: m.linear1.out_features,
    ("TransformerEncoderLayer", "dropout"): lambda m: m.dropout.p,
    ("TransformerEncoderLayer", "layer_norm_eps"): lambda m: m.norm1.eps,
    ("TransformerEncoderLayer", "batch_first"): lambda m: m.self_attn.batch_first,
    ("TransformerEncoderLayer", "bias"): lambda m: m.linear1.bias is not None,
}
# Containers: an empty one is an identity (a ResNet's shortcut), nothing to record; a
# ParameterList's tensors are rows of their own, like any other module's.
_CONTAINERS = frozenset(
    {"Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"}
)
# Kinds whose input is integer token ids: a model that starts with one is fed zeros of long.
_TOKEN_KINDS = frozenset({"Embedding", "EmbeddingBag"})
INPUT_DTYPES = ("float", "long")
_NAMED = 5  # modules named in a note before "and N more"


# -- loading the user's file ----------------------------------------------------------------


def load(target: str) -> Any:
    """``path/to/model.py:Net`` -> an instance of Net, built with no arguments."""
    return _build(model_class(target), target)


def model_class(target: str) -> Any:
    """``path/to/model.py:Net`` -> the class Net, checked to be a module built without
    arguments."""
    torch = torch_module()
    found = user_object("torch_model", target, "ClassName")
    name = target.rpartition(":")[2]
    if not (isinstance(found, type) and issubclass(found, torch.nn.Module)):
        why = f"{name} is {_what(found)}, not a torch.nn.Module class"
        raise refusal("torch_model", target, why)
    needed = _required_arguments(found)
    if needed:
        why = f"{name}() cannot be built without arguments: __init__ needs {', '.join(needed)}"
        raise refusal("torch_model", target, why)
    return found


def refusal(option: str, target: str, why: str) -> LiveModelError:
    """A live model refused: the option (``torch_model``, named by the caller's words), the
    target it was given, and why."""
    return LiveModelError(f"{{{option}}} " + literal(f"{target!r}: {why}"), named=True)


def _build(cls: Any, target: str) -> Any:
    try:
        return cls()
    # The user's own __init__: whatever it raises is theirs to fix, said in one line.
    except Exception as exc:
        why = f"building {cls.__name__}() failed: {first_line(exc)}"
        raise refusal("torch_model", target, why) from None


def read_target(target: str, input_shape: Shape, input_dtype: str | None = None) -> Reading:
    """Build and read the model of ``target``: first with its weights on the meta device
    (their sizes, no values: nothing to initialise, and a forward pass that computes shapes
    only), as the counts and shapes are the same; where the model's own code needs real
    values (``.item()``, a tensor made on the CPU in forward), built and run for real."""
    torch = torch_module()
    cls = model_class(target)
    try:
        with on_meta(torch):
            model = cls()
        return read(model, input_shape, input_dtype)
    # The user's code on sizes without values: anything it raises only means it needs real
    # values; the real build below says what is wrong, if anything is.
    except Exception:
        pass
    return read(_build(cls, target), input_shape, input_dtype)


@contextlib.contextmanager
def on_meta(torch: Any) -> Iterator[None]:
    """Modules built inside keep their parameters and buffers on the meta device.

    Not ``with torch.device("meta")``: that would also put on meta the plain tensors an
    ``__init__`` computes with (RegNet rounds its widths with torch ops and reads them back)."""
    module = torch.nn.Module
    register_parameter, register_buffer = module.register_parameter, module.register_buffer
    # One meta copy per parameter, whoever registers it: a weight tied to another module's
    # (or registered twice) stays one tensor, as it would be on the CPU.
    moved: dict[int, tuple[Any, Any]] = {}

    def parameter(self: Any, name: str, value: Any) -> None:
        if value is not None and value.device.type != "meta":
            if id(value) not in moved:
                copy = torch.nn.Parameter(value.to("meta"), requires_grad=value.requires_grad)
                moved[id(value)] = (value, copy)  # the original kept alive: its id stays its
            value = moved[id(value)][1]
        register_parameter(self, name, value)

    def buffer(self: Any, name: str, value: Any, persistent: bool = True) -> None:
        register_buffer(self, name, None if value is None else value.to("meta"), persistent)

    module.register_parameter, module.register_buffer = parameter, buffer
    try:
        yield
    finally:
        module.register_parameter, module.register_buffer = register_parameter, register_buffer


def user_object(option: str, target: str, what: str) -> Any:
    """``path/to/file.py:name`` -> that name, from the user's file, imported (and so run).
    ``option``: the option that named it (``torch_model``), for the messages."""
    path_text, _, name = target.rpartition(":")
    path = Path(path_text)
    if not path_text or not name:
        raise refusal(option, target, f"write path/to/model.py:{what}")
    if not path.is_file():
        raise refusal(option, target, f"no file {path_text}")
    spec = importlib.util.spec_from_file_location(f"explainer_user_model_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise refusal(option, target, f"{path_text} is not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    folder = str(path.resolve().parent)
    if folder not in sys.path:  # the model's own folder, as `python model.py` would have it
        sys.path.insert(0, folder)
    try:
        spec.loader.exec_module(module)  # the user's own code, run because they asked for it
    except SyntaxError as exc:
        place = f"{exc.filename or path_text}, line {exc.lineno}"
        raise refusal(option, target, f"{place}: {exc.msg}") from None
    # Anything else the user's file raises while it is imported is theirs to fix.
    except (Exception, SystemExit) as exc:
        raise refusal(option, target, f"importing {path_text} failed: {first_line(exc)}") from None
    found = getattr(module, name, None)
    if found is None:
        raise refusal(option, target, f"{path_text} defines no {name}")
    return found


def _required_arguments(cls: type) -> list[str]:
    try:
        signature = inspect.signature(cls)
    except (TypeError, ValueError):  # no signature to read: let the call itself tell
        return []
    kinds = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    return [
        p.name
        for p in signature.parameters.values()
        if p.default is inspect.Parameter.empty and p.kind not in kinds
    ]


def _what(found: Any) -> str:
    if isinstance(found, type):
        return f"a class that is not a module ({found.__name__})"
    if callable(found):
        return "a function"
    return a_or_an(type(found).__name__)


def a_or_an(name: str) -> str:
    """'an int', 'a list': the article a type's name takes."""
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def first_line(exc: BaseException) -> str:
    """An exception of the user's own code, said in one line: its type and first line."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


# -- reading the model ----------------------------------------------------------------------


@record
class Unit:
    """A module recorded whole: a kind explainer knows (kind set), or a leaf it does not."""

    name: str
    module: Any
    kind: str | None


@record
class Call:
    """One call of a unit in the forward pass: the shapes in and out (batch-less), and what
    else forward was given (MaxViT's window size)."""

    index: int  # of the unit
    input: Shape | None
    output: Shape | None
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()


@record
class Real:
    """PyTorch's own figures for one row of the worked solution."""

    name: str
    shape: Shape | None  # the output shape PyTorch gave; None: forward never called it
    params: int  # counted at this row: not counted at an earlier one
    trainable: int  # of those, requires_grad=True


@record
class Reading:
    """A live model read: its architecture, and PyTorch's figures to hold the solution to."""

    architecture: Architecture
    rows: tuple[Real, ...]
    total: int  # sum(p.numel() for p in model.parameters())
    trainable: int  # the same over requires_grad=True


def architecture(model: Any, input_shape: Shape, input_dtype: str | None = None) -> Architecture:
    """The layers ``model`` applies to a zero input of ``input_shape``, in call order."""
    return read(model, input_shape, input_dtype).architecture


def read(model: Any, input_shape: Shape, input_dtype: str | None = None) -> Reading:
    """Follow ``model``'s forward pass on zeros of ``input_shape`` (token ids of long when
    ``input_dtype`` says so or the model starts with an embedding) and count beside it."""
    torch = torch_module()
    units, held = _survey(model)
    dtype = _dtype(torch, units, input_dtype)
    calls = _run(torch, model, units, input_shape, dtype)
    rows = _Rows(units, held)
    for call in calls:
        rows.call(units[call.index], call)
    missed = [i for i, unit in enumerate(units) if rows.missed(unit)]
    if missed:  # auxiliary heads (GoogLeNet, Inception v3) run only while training
        for call in _run_training(torch, model, units, missed, input_shape, dtype):
            rows.call(units[call.index], call, training=True)
    rows.finish()
    if not rows.specs:
        raise LiveModelError("the model has no layers and no parameters to count")
    parameters = list(model.parameters())
    return Reading(
        Architecture(tuple(rows.specs), input_shape, "live-pytorch", rows.notes()),
        tuple(rows.reals),
        sum(p.numel() for p in parameters),
        sum(p.numel() for p in parameters if p.requires_grad),
    )


def _kind(module: Any) -> str | None:
    """The registry kind of ``module``: its class's name, from the library that kind reads."""
    name = type(module).__name__
    if name in KINDS and type(module).__module__.startswith(KINDS[name].origin):
        return name
    return None


def _survey(model: Any) -> tuple[list[Unit], list[tuple[str, str, Any]]]:
    """Units to record (known kinds as wholes, unknown leaves) and the parameters held
    directly by every other module: (owner, attribute, parameter)."""
    units: list[Unit] = []
    held: list[tuple[str, str, Any]] = []
    seen: set[int] = set()

    def walk(name: str, module: Any) -> None:
        if id(module) in seen:  # the same module under a second name: one set of hooks
            return
        seen.add(id(module))
        kind = _kind(module)
        children = list(module.named_children())
        # The model itself is never a leaf to count whole: its own tensors are rows instead.
        leaf = name and not children and type(module).__name__ not in _CONTAINERS
        if kind is not None or leaf:
            units.append(Unit(name, module, kind))
            return
        held.extend((name, attr, p) for attr, p in module.named_parameters(recurse=False))
        for child, sub in children:
            walk(f"{name}.{child}" if name else child, sub)

    walk("", model)
    return units, held


def _dtype(torch: Any, units: list[Unit], input_dtype: str | None) -> Any:
    if input_dtype is None:
        first = units[0].kind if units else None
        input_dtype = "long" if first in _TOKEN_KINDS else "float"
    if input_dtype not in INPUT_DTYPES:
        got = literal(repr(input_dtype))
        raise LiveModelError(f"{{input_dtype}} must be float or long, got {got}", named=True)
    return torch.long if input_dtype == "long" else torch.float32


def _run(torch: Any, model: Any, units: list[Unit], input_shape: Shape, dtype: Any) -> list[Call]:
    """(unit index, input shape, output shape) of every call, in the order forward makes them."""
    calls: list[Call] = []
    handles = [
        unit.module.register_forward_hook(_recorder(calls, index), with_kwargs=True)
        for index, unit in enumerate(units)
    ]
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    try:
        model.eval()
        with torch.no_grad():
            model(torch.zeros(1, *input_shape, dtype=dtype, device=device))
    # The user's own forward: whatever it raises is theirs to fix (PyTorch's message says what).
    except Exception as exc:
        raise LiveModelError(
            f"the model's forward pass failed on {list(input_shape)}: {first_line(exc)}"
        ) from None
    finally:
        for handle in handles:
            handle.remove()
    return calls


def _run_training(
    torch: Any,
    model: Any,
    units: list[Unit],
    wanted: list[int],
    input_shape: Shape,
    dtype: Any,
) -> list[Call]:
    """The calls of the ``wanted`` units in one training-mode pass (a batch of two: batch
    normalisation needs more than one value). The model's buffers (running statistics) are
    put back as they were, and the model left in eval mode; a failure just records nothing."""
    calls: list[Call] = []
    handles = [
        units[index].module.register_forward_hook(_recorder(calls, index), with_kwargs=True)
        for index in wanted
    ]
    saved = [(buffer, buffer.clone()) for buffer in model.buffers()]
    random_state = torch.random.get_rng_state()  # dropout draws: the user's sequence unmoved
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    try:
        model.train()
        with torch.no_grad():
            model(torch.zeros(2, *input_shape, dtype=dtype, device=device))
    # The user's own forward in training mode: if it fails, these modules stay uncalled and
    # are counted by PyTorch instead, said so in a note.
    except Exception:
        calls.clear()
    finally:
        for handle in handles:
            handle.remove()
        with torch.no_grad():
            for buffer, value in saved:
                buffer.copy_(value)
        torch.random.set_rng_state(random_state)
        model.eval()
    return calls


def _recorder(calls: list[Call], index: int) -> Any:
    def hook(module: Any, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any) -> None:
        extra = tuple(kwargs.items())
        calls.append(Call(index, _shape((args, kwargs)), _shape(output), args[1:], extra))

    return hook


def _shape(value: Any) -> Shape | None:
    """The batch-less shape of the first tensor in ``value`` (a tensor, tuple, list or dict)."""
    for tensor in _tensors(value):
        return tuple(int(size) for size in tensor.shape[1:])
    return None


def _tensors(value: Any) -> Iterator[Any]:
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        yield value
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _tensors(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _tensors(item)


class _Rows:
    """The rows of the worked solution and PyTorch's figures for each, built side by side.

    Every parameter is counted at the first row that holds it: a module called again, or a
    weight tied to an earlier module's, is counted there and taken off here."""

    def __init__(self, units: list[Unit], held: list[tuple[str, str, Any]]) -> None:
        self.units = units
        self.held = held
        self.emitted_owners: set[str] = set()
        self.called: set[int] = set()
        self.counted: dict[int, str] = {}  # id(parameter) -> the row that counts it
        self.specs: list[LayerSpec] = []
        self.reals: list[Real] = []
        self.unknown: list[str] = []
        self.uncalled: list[str] = []  # never called, counted by PyTorch
        self.unused: list[str] = []  # never called, derived on their least input
        self.training: list[str] = []  # called only in a training-mode pass

    def call(self, unit: Unit, call: Call, *, training: bool = False) -> None:
        in_shape, out_shape = call.input, call.output
        self._held_before(unit.name)
        self.called.add(id(unit.module))
        if training:
            self.training.append(unit.name)
        if unit.kind is None:
            self._counted(unit, in_shape, out_shape, called=True)
            return
        if in_shape is None:
            raise LiveModelError(f"layer {unit.name} ({unit.kind}) was called without a tensor")
        spec = _spec(unit.name, unit.module, in_shape, call)
        self._add(spec, unit.name, list(unit.module.parameters()), out_shape)

    def missed(self, unit: Unit) -> bool:
        """Not called, and holding weights that the total must count."""
        return id(unit.module) not in self.called and bool(_count(unit.module.parameters()))

    def finish(self) -> None:
        """The held tensors of modules never reached, then modules forward never called:
        derived on the one input their own arguments give (a Linear: its in_features),
        else counted by PyTorch."""
        self._held_before(None)
        for unit in self.units:
            if not self.missed(unit):
                continue
            least = None
            if unit.kind is not None:
                spec = _spec(unit.name, unit.module, None)
                least = KINDS[unit.kind](**dict(spec.kwargs)).least_input()
            if least is None:
                self.uncalled.append(unit.name)
                self._counted(unit, None, None, called=False)
            else:
                self.unused.append(unit.name)
                spec = dataclasses.replace(spec, input_shape=least, off_path=True)
                self._add(spec, unit.name, list(unit.module.parameters()), None)

    def notes(self) -> tuple[str | Note, ...]:
        notes: list[str | Note] = [
            "read from the live model through forward hooks, in the order forward calls them"
        ]
        if any(spec.call == "Parameter" for spec in self.specs):
            notes.append(
                "a tensor of weights that a module holds directly (nn.Parameter) is a row of "
                "its own, before the module's first layer"
            )
        if any(spec.shared for spec in self.specs):
            notes.append(
                "a module called more than once is listed at each call, and a tied weight at "
                "each layer that uses it; each weight is counted once, at its first row"
            )
        if self.unknown:
            kinds = ", ".join(sorted(set(self.unknown)))
            notes.append(f"counted by PyTorch, not derived: explainer has no formula for {kinds}")
        if self.training:
            notes.append(
                f"called by forward only in training mode: {_names(self.training)}; their "
                "shapes are those of a training-mode pass"
            )
        if self.unused:
            notes.append(
                f"forward never calls these modules: {_names(self.unused)} (unused, or their "
                "weights used directly), yet PyTorch counts their parameters: each is derived "
                "on one input of the size it takes"
            )
        if self.uncalled:
            notes.append(
                "counted by PyTorch, not derived: forward never called "
                f"{_names(self.uncalled)} on this input, so no shape reached them"
            )
        frozen = sum(spec.frozen for spec in self.specs)
        if frozen:
            words = "{frozen} parameters are frozen (requires_grad=False): counted, not trainable"
            notes.append(Note(words, (("frozen", frozen),)))
        return tuple(notes)

    def _held_before(self, name: str | None) -> None:
        """Tensors held by the modules that contain ``name`` (all that are left, for None)."""
        for owner, attr, parameter in self.held:
            if owner in self.emitted_owners:
                continue
            if name is None or not owner or name.startswith(owner + "."):
                self._parameter(owner, attr, parameter)
        for owner, _, _ in self.held:
            if name is None or not owner or name.startswith(owner + "."):
                self.emitted_owners.add(owner)

    def _parameter(self, owner: str, attr: str, parameter: Any) -> None:
        name = f"{owner}.{attr}" if owner else attr
        size = tuple(int(n) for n in parameter.shape)
        text = f"({name}): nn.Parameter of size {'×'.join(map(str, size)) or '()'}"
        spec = LayerSpec(
            "Parameter", (), (("size", size),), name, text, input_shape=size, off_path=True
        )
        self._add(spec, name, [parameter], size)

    def _counted(
        self, unit: Unit, in_shape: Shape | None, out_shape: Shape | None, *, called: bool
    ) -> None:
        module_type = type(unit.module).__name__
        if called and unit.kind is None:
            self.unknown.append(module_type)
        kwargs = (
            ("module_type", module_type),
            ("params", _count(unit.module.parameters())),
            ("output_shape", out_shape or ()),
            ("called", called),
        )
        text = f"({unit.name}): {_first_repr_line(unit.module)}"
        spec = LayerSpec(
            "Counted", (), kwargs, unit.name, text, input_shape=in_shape, off_path=not called
        )
        self._add(spec, unit.name, list(unit.module.parameters()), out_shape)

    def _add(self, spec: LayerSpec, name: str, params: list[Any], shape: Shape | None) -> None:
        index = len(self.specs) + 1
        own = [p for p in params if id(p) not in self.counted]
        shared = [p for p in params if id(p) in self.counted]
        frozen = _count(p for p in own if not p.requires_grad)
        spec = dataclasses.replace(
            spec,
            shared=_count(shared),
            shared_with=self.counted[id(shared[0])] if shared else "",
            frozen=frozen,
        )
        for p in own:
            self.counted[id(p)] = f"layer {index} ({name})"
        self.specs.append(spec)
        self.reals.append(Real(name, shape, _count(own), _count(own) - frozen))


def _count(parameters: Any) -> int:
    return sum(int(p.numel()) for p in parameters)


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:_NAMED])
    return shown if len(names) <= _NAMED else f"{shown} and {len(names) - _NAMED} more"


def _first_repr_line(module: Any) -> str:
    return repr(module).splitlines()[0]


def _spec(name: str, module: Any, shape: Shape | None, call: Call | None = None) -> LayerSpec:
    kind = type(module).__name__
    kwargs: dict[str, Any] = {}
    if call is not None:  # what forward was given besides the input, by name
        names = KINDS[kind].forward_arguments
        kwargs.update(zip(names, call.args, strict=False))
        kwargs.update((key, value) for key, value in call.kwargs if key in names)
    for field in dataclasses.fields(KINDS[kind]):
        if field.name in kwargs:
            continue
        reader = _READERS.get((kind, field.name))
        if reader is not None:
            kwargs[field.name] = reader(module)
        elif hasattr(module, field.name):
            kwargs[field.name] = _plain(field.name, getattr(module, field.name))
    return LayerSpec(
        kind,
        (),
        tuple(kwargs.items()),
        name,
        f"({name}): {_first_repr_line(module)}",
        input_shape=shape,
    )


def _plain(name: str, value: Any) -> Any:
    """Module attributes as constructor arguments: a bias tensor means bias=True."""
    if name == "bias" and not isinstance(value, bool):
        return value is not None
    if isinstance(value, list):
        return tuple(value)
    return value


# -- holding the solution to PyTorch's own figures --------------------------------------------


def differences(solution: Solution, reading: Reading) -> list[str]:
    """Where the worked solution and PyTorch disagree, one line each (none: they agree)."""
    found = []
    for layer, real in zip(solution.layers, reading.rows, strict=True):
        where = f"layer {layer.index} ({real.name}, {layer.type})"
        if layer.params != real.params:
            found.append(
                f"{where}: explainer derives {layer.params:,} parameters, PyTorch counts "
                f"{real.params:,} (a difference of {layer.params - real.params:+,})"
            )
        elif layer.trainable_params != real.trainable:
            found.append(
                f"{where}: explainer has {layer.trainable_params:,} trainable parameters, "
                f"PyTorch {real.trainable:,} (requires_grad)"
            )
    if solution.total_params != reading.total:
        found.append(
            f"the total: explainer {solution.total_params:,}, PyTorch {reading.total:,} "
            f"(a difference of {solution.total_params - reading.total:+,})"
        )
    elif solution.trainable_params != reading.trainable:
        found.append(
            f"trainable: explainer {solution.trainable_params:,}, PyTorch {reading.trainable:,}"
        )
    return found


def ensure_agrees(solution: Solution, reading: Reading) -> None:
    """Refuse a worked solution whose counts are not PyTorch's: a wrong number is never shown."""
    found = differences(solution, reading)
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise LiveModelError(
            f"refusing the worked solution: it does not count what PyTorch counts: {found[0]}{more}"
        )
