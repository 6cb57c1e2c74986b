"""The Keras dialect: Keras names and arguments, channels-last shapes, Keras's counting rules.

Each kind is a small class in this package with Keras's own argument names, order and
defaults; its formulas are the PyTorch kinds' (conv.params_step, sizes.window_steps, Linear),
and only what Keras does differently has a step of its own, whose why line says so. Every
entry is checked against real Keras in tests/test_keras_oracle.py.
"""

from __future__ import annotations

from ..base import Layer
from .attention import MultiHeadAttention
from .base import KerasLayer
from .conv import Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D
from .core import (
    Activation,
    BatchNormalization,
    Dense,
    Dropout,
    Embedding,
    Flatten,
    LayerNormalization,
)
from .pooling import AveragePooling2D, GlobalAveragePooling1D, GlobalAveragePooling2D, MaxPooling2D
from .recurrent import GRU, LSTM, Bidirectional, SimpleRNN

KERAS_KINDS: dict[str, type[Layer]] = {
    kind.type_name(): kind
    for kind in (
        # convolutions
        Conv1D,
        Conv2D,
        Conv2DTranspose,
        DepthwiseConv2D,
        SeparableConv2D,
        # pooling
        MaxPooling2D,
        AveragePooling2D,
        GlobalAveragePooling1D,
        GlobalAveragePooling2D,
        # fully connected, embedding
        Dense,
        Embedding,
        # sequences: recurrent and attention
        SimpleRNN,
        LSTM,
        GRU,
        Bidirectional,
        MultiHeadAttention,
        # normalisation
        BatchNormalization,
        LayerNormalization,
        # activations, dropout, reshaping
        Activation,
        Dropout,
        Flatten,
    )
}

__all__ = ["KERAS_KINDS", "KerasLayer"]
