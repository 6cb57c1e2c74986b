"""Reading a real PyTorch model: ``explainer solve --torch path/to/model.py:Net``.

The user's own file is imported, and so executed: that is the point of this path, it is said
in ``--help``, and it is the only code explainer ever runs on a user's behalf. Every module
that the registry knows is recorded, in the order ``forward`` calls it, through forward
hooks, with the shape that really reached it (residual branches included), so that each layer
is then solved from its own input. Nothing is executed for any other way in.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import ExplainerError
from .layers import KINDS
from .spec import Architecture, LayerSpec, Shape

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


class LiveModelError(ExplainerError):
    """The model file, class or forward pass could not be used."""


def torch_module() -> Any:
    try:
        import torch
    except ImportError:
        raise LiveModelError(
            "reading a live model needs PyTorch: pip install 'explainer[torch]'"
        ) from None
    return torch


def load(target: str) -> Any:
    """``path/to/model.py:Net`` -> an instance of Net, built with no arguments."""
    torch_module()
    return user_object("--torch", target, "ClassName")()


def user_object(option: str, target: str, what: str) -> Any:
    """``path/to/file.py:name`` -> that name, from the user's file, imported (and so run)."""
    path_text, _, name = target.rpartition(":")
    path = Path(path_text)
    if not path_text or not name:
        raise LiveModelError(f"{option} {target!r}: write path/to/model.py:{what}")
    if not path.is_file():
        raise LiveModelError(f"{option} {target!r}: no file {path_text}")
    spec = importlib.util.spec_from_file_location(f"explainer_user_model_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise LiveModelError(f"{option} {target!r}: {path_text} is not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)  # the user's own code, run because they asked for it
    found = getattr(module, name, None)
    if found is None:
        raise LiveModelError(f"{option} {target!r}: {path_text} defines no {name}")
    return found


def architecture(model: Any, input_shape: Shape) -> Architecture:
    """The layers ``model`` applies to a zero input of ``input_shape``, in call order."""
    torch = torch_module()
    calls: list[tuple[str, Any, Shape]] = []
    handles = [
        module.register_forward_hook(_recorder(calls, name)) for name, module in _units(model)
    ]
    try:
        model.eval()
        with torch.no_grad():
            model(torch.zeros(1, *input_shape))
    except (RuntimeError, ValueError, TypeError, IndexError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise LiveModelError(
            f"the model's forward pass failed on {list(input_shape)}: {first}"
        ) from None
    finally:
        for handle in handles:
            handle.remove()
    layers = tuple(_spec(name, module, shape) for name, module, shape in calls)
    if not layers:
        raise LiveModelError("the forward pass called no layer that explainer knows")
    notes = _notes(model, layers)
    return Architecture(layers, input_shape, "live-pytorch", notes)


def _units(model: Any) -> list[tuple[str, Any]]:
    """Modules to record: the registry's kinds as wholes, never their insides."""
    found: list[tuple[str, Any]] = []
    skip: list[str] = []
    for name, module in model.named_modules():
        if any(name.startswith(prefix + ".") for prefix in skip):
            continue
        kind = type(module).__name__
        if kind in KINDS:
            found.append((name, module))
            skip.append(name)
        elif not list(module.children()) and name:
            raise LiveModelError(f"layer {name} is a {kind}, which explainer does not know yet")
    return found


def _recorder(calls: list[tuple[str, Any, Shape]], name: str) -> Any:
    def hook(module: Any, inputs: tuple[Any, ...], output: Any) -> None:
        calls.append((name, module, tuple(inputs[0].shape[1:])))

    return hook


def _spec(name: str, module: Any, shape: Shape) -> LayerSpec:
    kind = type(module).__name__
    kwargs: dict[str, Any] = {}
    for field in dataclasses.fields(KINDS[kind]):
        reader = _READERS.get((kind, field.name))
        if reader is not None:
            kwargs[field.name] = reader(module)
        elif hasattr(module, field.name):
            kwargs[field.name] = _plain(field.name, getattr(module, field.name))
    first_line = repr(module).splitlines()[0]
    return LayerSpec(
        kind, (), tuple(kwargs.items()), name, f"({name}): {first_line}", input_shape=shape
    )


def _plain(name: str, value: Any) -> Any:
    """Module attributes as constructor arguments: a bias tensor means bias=True."""
    if name == "bias" and not isinstance(value, bool):
        return value is not None
    if isinstance(value, list):
        return tuple(value)
    return value


def _notes(model: Any, layers: tuple[LayerSpec, ...]) -> tuple[str, ...]:
    notes = ["read from the live model through forward hooks, in the order forward calls them"]
    calls = [spec.name for spec in layers]
    if len(set(calls)) < len(calls):
        notes.append(
            "a module called more than once is listed at each call; its weights are shared"
        )
    return tuple(notes)
