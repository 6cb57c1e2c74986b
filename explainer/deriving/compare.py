"""`--compare-frameworks`: where PyTorch and Keras count the same layer differently, the other
framework's derivation and number beside ours (LSTM biases, BatchNorm statistics)."""

from __future__ import annotations

from dataclasses import replace

from ..errors import OptionError
from .solution import Solution


def with_comparison(solution: Solution) -> Solution:
    if not solution.placed:
        raise OptionError(
            "{compare} needs every layer's input shape, which a print-out without "
            "its forward does not give: paste the forward below it"
        )
    layers = tuple(
        replace(layer, comparison=layer.layer.other_framework(layer.input_shape))
        for layer in solution.layers
    )
    return replace(solution, layers=layers)
