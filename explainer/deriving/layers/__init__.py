"""The registry of layer kinds and the names each dialect gives them.

Adding a kind: write one small class (see conv.py), add it to ``KINDS`` below, add a golden
case and an oracle check in tests/. Nothing dispatches on names anywhere else.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Iterator, Mapping
from dataclasses import field
from typing import Any

from ...errors import ArgumentError, UnknownLayerError, literal
from ...records import record
from .base import Derivation, Layer, bind

# Every kind, in the catalogue's order, and the module that defines it; both dialects alike.
# A module is imported the first time one of its kinds is used: a run that solves a CNN never
# loads the recurrent or attention kinds, nor any Keras kind (start-up time is a target of
# its own).
_WHERE = {
    # convolutions
    "Conv1d": "conv", "Conv2d": "conv", "Conv3d": "conv",
    "ConvTranspose1d": "conv", "ConvTranspose2d": "conv",
    # pooling
    "MaxPool1d": "pooling", "MaxPool2d": "pooling", "MaxPool3d": "pooling",
    "AvgPool1d": "pooling", "AvgPool2d": "pooling", "AvgPool3d": "pooling",
    "AdaptiveAvgPool1d": "pooling", "AdaptiveAvgPool2d": "pooling",
    "AdaptiveMaxPool1d": "pooling", "AdaptiveMaxPool2d": "pooling",
    "AdaptiveAvgPool3d": "pooling",
    # fully connected, embedding
    "Linear": "linear", "NonDynamicallyQuantizableLinear": "linear", "Embedding": "embedding",
    # sequences: recurrent and attention
    "RNN": "recurrent", "LSTM": "recurrent", "GRU": "recurrent",
    "MultiheadAttention": "attention", "TransformerEncoderLayer": "attention",
    # normalisation
    "BatchNorm1d": "norm", "BatchNorm2d": "norm", "LayerNorm": "norm", "GroupNorm": "norm",
    "BatchNorm3d": "norm",
    "InstanceNorm1d": "norm", "InstanceNorm2d": "norm",
    # activations and dropout
    "ReLU": "elementwise", "Sigmoid": "elementwise", "Tanh": "elementwise",
    "Softmax": "elementwise", "LogSoftmax": "elementwise", "LeakyReLU": "elementwise",
    "PReLU": "elementwise", "ELU": "elementwise", "GELU": "elementwise", "SiLU": "elementwise",
    "ReLU6": "elementwise", "Hardtanh": "elementwise", "Identity": "elementwise",
    "Dropout": "elementwise", "Dropout2d": "elementwise", "Hardswish": "elementwise",
    "Hardsigmoid": "elementwise",
    # reshaping
    "Flatten": "reshape", "Unflatten": "reshape",
    # torchvision's own stock layers
    "StochasticDepth": "vision", "Permute": "vision", "LayerNorm2d": "vision",
    "SwapAxes": "vision", "WindowPartition": "vision", "WindowDepartition": "vision",
    # graphs: merges of branches, and the tensor operations of a forward
    "Add": "merge", "Concat": "merge",
    "Mean": "tensor", "Sum": "tensor", "Slice": "tensor", "Transpose": "tensor",
    "Reshape": "tensor",
    # Hugging Face transformers' own modules, as its print-outs show them
    "Conv1D": "transformers", "NewGELUActivation": "transformers",
}  # fmt: skip

# The Keras dialect's kinds (explainer.layers.keras), the same way: Keras's names and modules.
_KERAS_WHERE = {
    # convolutions
    "Conv1D": "keras.conv", "Conv2D": "keras.conv", "Conv3D": "keras.conv",
    "Conv2DTranspose": "keras.conv", "DepthwiseConv2D": "keras.conv",
    "SeparableConv2D": "keras.conv",
    # pooling
    "MaxPooling1D": "keras.pooling", "MaxPooling2D": "keras.pooling",
    "MaxPooling3D": "keras.pooling", "AveragePooling1D": "keras.pooling",
    "AveragePooling2D": "keras.pooling", "AveragePooling3D": "keras.pooling",
    "GlobalAveragePooling1D": "keras.pooling", "GlobalAveragePooling2D": "keras.pooling",
    "GlobalAveragePooling3D": "keras.pooling", "GlobalMaxPooling1D": "keras.pooling",
    "GlobalMaxPooling2D": "keras.pooling", "GlobalMaxPooling3D": "keras.pooling",
    # fully connected, embedding
    "Dense": "keras.core", "Embedding": "keras.core",
    # sequences: recurrent and attention
    "SimpleRNN": "keras.recurrent", "LSTM": "keras.recurrent", "GRU": "keras.recurrent",
    "Bidirectional": "keras.recurrent", "MultiHeadAttention": "keras.attention",
    # normalisation
    "BatchNormalization": "keras.core", "LayerNormalization": "keras.core",
    "LayerScale": "keras.wrappers",
    # activations, dropout, reshaping
    "Activation": "keras.core", "ReLU": "keras.activations", "LeakyReLU": "keras.activations",
    "PReLU": "keras.activations", "ELU": "keras.activations", "Softmax": "keras.activations",
    "Dropout": "keras.core", "Flatten": "keras.core", "Reshape": "keras.reshaping",
    "ZeroPadding2D": "keras.reshaping", "Cropping2D": "keras.reshaping",
    # preprocessing
    "Rescaling": "keras.reshaping", "Normalization": "keras.reshaping",
    # merging (functional models)
    "Add": "keras.merging", "Subtract": "keras.merging", "Multiply": "keras.merging",
    "Average": "keras.merging", "Maximum": "keras.merging", "Minimum": "keras.merging",
    "Concatenate": "keras.merging",
    # wrappers
    "TimeDistributed": "keras.wrappers",
    # a functional model's further inputs (a live model's: each reads nothing)
    "InputLayer": "keras.core",
}  # fmt: skip


class _Registry(Mapping[str, type[Layer]]):
    """An explicit, ordered name -> kind mapping whose classes are imported on first use."""

    def __init__(self, where: Mapping[str, str]) -> None:
        self._where = where
        self._loaded: dict[str, type[Layer]] = {}

    def __getitem__(self, name: str) -> type[Layer]:
        kind = self._loaded.get(name)
        if kind is None:
            module = importlib.import_module(f"{__name__}.{self._where[name]}")
            kind = self._loaded[name] = getattr(module, name)
        return kind

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)

    def __contains__(self, name: object) -> bool:
        return name in self._where


KINDS: Mapping[str, type[Layer]] = _Registry(_WHERE)
KERAS_KINDS: Mapping[str, type[Layer]] = _Registry(_KERAS_WHERE)

# Rows that only a live model gives (explainer.reading.live), never written in a spec: a tensor of
# weights held by a module, and a module counted by PyTorch for want of a formula.
LIVE_KINDS: Mapping[str, type[Layer]] = _Registry({"Parameter": "held", "Counted": "held"})


@record
class Alias:
    """Another dialect's name for a kind: its own positional arguments and fixed values."""

    kind_name: str  # the registry name of the kind it stands for
    positional: tuple[str, ...]
    fixed: Mapping[str, Any] = field(default_factory=dict)
    copies: Mapping[str, str] = field(default_factory=dict)  # argument <- another argument
    meaning: str = ""

    @property
    def kind(self) -> type[Layer]:
        return KINDS[self.kind_name]

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
        "Linear",
        ("out_features",),
        {"bias": True},
        meaning="fully connected layer of x neurons with bias",
    ),
    "FC": Alias(
        "Linear",
        ("out_features",),
        {"bias": False},
        meaning="fully connected layer of x neurons without bias",
    ),
    "Maxpool": Alias(
        "MaxPool1d",
        ("kernel_size",),
        copies={"stride": "kernel_size"},
        meaning="flat max pooling, window = stride = x",
    ),
    "GlobalAvgPool2d": Alias(
        "AdaptiveAvgPool2d",
        (),
        {"output_size": 1},
        meaning="global average pooling: one value per channel",
    ),
}


FRAMEWORKS = ("pytorch", "keras")
_TITLES = {"pytorch": "PyTorch", "keras": "Keras"}


def registry(framework: str) -> tuple[Mapping[str, type[Layer]], Mapping[str, Alias]]:
    """The kinds and aliases of a framework's dialect."""
    if framework == "pytorch":
        return KINDS, ALIASES
    if framework == "keras":
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


def resolve(
    name: str, framework: str = "pytorch", live: bool = False
) -> tuple[type[Layer], Alias | None]:
    """The kind (and alias, if any) that ``name`` means; case-insensitive where unambiguous.
    ``live``: a live model's rows, which may also be LIVE_KINDS."""
    if live and name in LIVE_KINDS:
        return LIVE_KINDS[name], None
    kinds, aliases = registry(framework)
    other = "keras" if framework == "pytorch" else "pytorch"
    exact = name if name in kinds or name in aliases else None
    if exact is None and name not in registry(other)[0]:
        # Case-insensitive only for names of no dialect: Keras's Conv2D is not PyTorch's Conv2d.
        exact = _by_lower(framework).get(name.lower())
    if exact is None:
        if name in registry(other)[0]:
            raise UnknownLayerError(
                literal(f"{name!r} is a {_TITLES[other]} layer: use ")
                + f"{{framework}} {other}, or the {_TITLES[framework]} name",
                named=True,
            )
        raise UnknownLayerError.for_name(name, [*kinds, *aliases])
    if exact in aliases:
        return aliases[exact].kind, aliases[exact]
    return kinds[exact], None


__all__ = [
    "ALIASES",
    "FRAMEWORKS",
    "KERAS_KINDS",
    "KINDS",
    "LIVE_KINDS",
    "Alias",
    "Derivation",
    "Layer",
    "bind",
    "registry",
    "resolve",
]
