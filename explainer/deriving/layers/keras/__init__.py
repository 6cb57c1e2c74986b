"""The Keras dialect: Keras names and arguments, channels-last shapes, Keras's counting rules.

Each kind is a small class in this package with Keras's own argument names, order and
defaults; its formulas are the PyTorch kinds' (conv.params_step, sizes.window_steps, Linear),
and only what Keras does differently has a step of its own, whose why line says so. Every
entry is checked against real Keras in tests/test_keras_oracle.py.
"""

from __future__ import annotations

from ..base import Layer
from .activations import ELU, LeakyReLU, PReLU, ReLU, Softmax
from .attention import MultiHeadAttention
from .base import KerasLayer
from .conv import Conv1D, Conv2D, Conv2DTranspose, Conv3D, DepthwiseConv2D, SeparableConv2D
from .core import (
    Activation,
    BatchNormalization,
    Dense,
    Dropout,
    Embedding,
    Flatten,
    LayerNormalization,
)
from .merging import Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract
from .pooling import (
    AveragePooling1D,
    AveragePooling2D,
    AveragePooling3D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAveragePooling3D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    GlobalMaxPooling3D,
    MaxPooling1D,
    MaxPooling2D,
    MaxPooling3D,
)
from .recurrent import GRU, LSTM, Bidirectional, SimpleRNN
from .reshaping import Cropping2D, Normalization, Rescaling, Reshape, ZeroPadding2D
from .wrappers import LayerScale, TimeDistributed

KERAS_KINDS: dict[str, type[Layer]] = {
    kind.type_name(): kind
    for kind in (
        # convolutions
        Conv1D,
        Conv2D,
        Conv3D,
        Conv2DTranspose,
        DepthwiseConv2D,
        SeparableConv2D,
        # pooling
        MaxPooling1D,
        MaxPooling2D,
        MaxPooling3D,
        AveragePooling1D,
        AveragePooling2D,
        AveragePooling3D,
        GlobalAveragePooling1D,
        GlobalAveragePooling2D,
        GlobalAveragePooling3D,
        GlobalMaxPooling1D,
        GlobalMaxPooling2D,
        GlobalMaxPooling3D,
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
        LayerScale,
        # activations, dropout, reshaping
        Activation,
        ReLU,
        LeakyReLU,
        PReLU,
        ELU,
        Softmax,
        Dropout,
        Flatten,
        Reshape,
        ZeroPadding2D,
        Cropping2D,
        # preprocessing
        Rescaling,
        Normalization,
        # merging (functional models)
        Add,
        Subtract,
        Multiply,
        Average,
        Maximum,
        Minimum,
        Concatenate,
        # wrappers
        TimeDistributed,
    )
}

__all__ = ["KERAS_KINDS", "KerasLayer"]
