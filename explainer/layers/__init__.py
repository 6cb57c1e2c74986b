"""The registry of layer kinds and the names each dialect gives them.

Adding a kind: write one small class (see conv.py), add it to ``KINDS`` below, add a golden
case and an oracle check in tests/. Nothing dispatches on names anywhere else.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import ArgumentError, UnknownLayerError
from .attention import MultiheadAttention, TransformerEncoderLayer
from .base import Derivation, Layer, bind
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d
from .elementwise import (
    ELU,
    GELU,
    Dropout,
    Hardtanh,
    Identity,
    LeakyReLU,
    LogSoftmax,
    PReLU,
    ReLU,
    ReLU6,
    Sigmoid,
    SiLU,
    Softmax,
    Tanh,
)
from .embedding import Embedding
from .linear import Linear
from .norm import BatchNorm1d, BatchNorm2d, GroupNorm, InstanceNorm1d, InstanceNorm2d, LayerNorm
from .pooling import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AdaptiveMaxPool1d,
    AdaptiveMaxPool2d,
    AvgPool1d,
    AvgPool2d,
    AvgPool3d,
    MaxPool1d,
    MaxPool2d,
    MaxPool3d,
)
from .recurrent import GRU, LSTM, RNN
from .reshape import Flatten, Unflatten

KINDS: dict[str, type[Layer]] = {
    kind.type_name(): kind
    for kind in (
        # convolutions
        Conv1d,
        Conv2d,
        Conv3d,
        ConvTranspose1d,
        ConvTranspose2d,
        # pooling
        MaxPool1d,
        MaxPool2d,
        MaxPool3d,
        AvgPool1d,
        AvgPool2d,
        AvgPool3d,
        AdaptiveAvgPool1d,
        AdaptiveAvgPool2d,
        AdaptiveMaxPool1d,
        AdaptiveMaxPool2d,
        # fully connected, embedding
        Linear,
        Embedding,
        # sequences: recurrent and attention
        RNN,
        LSTM,
        GRU,
        MultiheadAttention,
        TransformerEncoderLayer,
        # normalisation
        BatchNorm1d,
        BatchNorm2d,
        LayerNorm,
        GroupNorm,
        InstanceNorm1d,
        InstanceNorm2d,
        # activations and dropout
        ReLU,
        Sigmoid,
        Tanh,
        Softmax,
        LogSoftmax,
        LeakyReLU,
        PReLU,
        ELU,
        GELU,
        SiLU,
        ReLU6,
        Hardtanh,
        Identity,
        Dropout,
        # reshaping
        Flatten,
        Unflatten,
    )
}


@dataclass(frozen=True)
class Alias:
    """Another dialect's name for a kind: its own positional arguments and fixed values."""

    kind: type[Layer]
    positional: tuple[str, ...]
    fixed: Mapping[str, Any] = field(default_factory=dict)
    copies: Mapping[str, str] = field(default_factory=dict)  # argument <- another argument
    meaning: str = ""

    def translate(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> dict[str, Any]:
        if len(args) > len(self.positional):
            raise ArgumentError(
                f"takes {len(self.positional)} argument(s) ({', '.join(self.positional)}), got "
                f"{len(args)}"
            )
        values = {**dict(zip(self.positional, args, strict=False)), **kwargs}
        for target, source in self.copies.items():
            if source in values:
                values.setdefault(target, values[source])
        for key, value in self.fixed.items():
            values.setdefault(key, value)
        return values


# The course's notation (the handout): FCwB(x), FC(x), Maxpool(x).
ALIASES: dict[str, Alias] = {
    "FCwB": Alias(
        Linear,
        ("out_features",),
        {"bias": True},
        meaning="fully connected layer of x neurons with bias",
    ),
    "FC": Alias(
        Linear,
        ("out_features",),
        {"bias": False},
        meaning="fully connected layer of x neurons without bias",
    ),
    "Maxpool": Alias(
        MaxPool1d,
        ("kernel_size",),
        copies={"stride": "kernel_size"},
        meaning="flat max pooling, window = stride = x",
    ),
    "GlobalAvgPool2d": Alias(
        AdaptiveAvgPool2d,
        (),
        {"output_size": 1},
        meaning="global average pooling: one value per channel",
    ),
}


FRAMEWORKS = ("pytorch", "keras")


def registry(framework: str) -> tuple[Mapping[str, type[Layer]], Mapping[str, Alias]]:
    """The kinds and aliases of a framework's dialect."""
    if framework == "pytorch":
        return KINDS, ALIASES
    if framework == "keras":
        from .keras import KERAS_KINDS  # imported on demand: most runs never need it

        return KERAS_KINDS, {}
    raise ArgumentError(f"unknown framework {framework!r}: choose pytorch or keras")


@functools.cache
def _by_lower(framework: str) -> dict[str, str]:
    kinds, aliases = registry(framework)
    if framework != "pytorch":
        # Keras's Conv2D and PyTorch's Conv2d differ only in case and mean different things:
        # in the Keras dialect names must be written exactly.
        return {}
    folded: dict[str, list[str]] = {}
    for name in [*kinds, *aliases]:
        folded.setdefault(name.lower(), []).append(name)
    return {low: group[0] for low, group in folded.items() if len(group) == 1}


def resolve(name: str, framework: str = "pytorch") -> tuple[type[Layer], Alias | None]:
    """The kind (and alias, if any) that ``name`` means; case-insensitive where unambiguous."""
    kinds, aliases = registry(framework)
    exact = name if name in kinds or name in aliases else _by_lower(framework).get(name.lower())
    if exact is None:
        raise UnknownLayerError.for_name(name, [*kinds, *aliases])
    if exact in aliases:
        return aliases[exact].kind, aliases[exact]
    return kinds[exact], None


__all__ = [
    "ALIASES",
    "FRAMEWORKS",
    "KINDS",
    "Alias",
    "Derivation",
    "Layer",
    "bind",
    "registry",
    "resolve",
]
