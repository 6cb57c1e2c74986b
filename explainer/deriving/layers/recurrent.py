"""Recurrent layers: RNN, LSTM and GRU over an (L, input_size) sequence.

Every layer and direction has, for each of its g gates, an input weight (h×x), a recurrent
weight (h×h) and two bias vectors of h: PyTorch keeps b_ih and b_hh, where Keras keeps one.
Keras's one bias per gate is a convention (layers.conventions), not part of these formulas.
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from ...errors import ArgumentError, ShapeError
from ...records import record
from ..spec import Note, Shape
from ..steps import Step, derive
from .base import (
    Comparison,
    Derivation,
    Layer,
    Misconception,
    boolean,
    nonnegative_int,
    one_of,
    positive_int,
    probability,
)
from .conventions import BY_GATES, gates_step

MEANINGS = {
    "h": "hidden size (hidden_size)",
    "p": "projection size (proj_size)",
    "D": "directions (2 if bidirectional)",
    "N": "layers (num_layers)",
    "L": "sequence length",
    "p_1": "parameters of layer 1, one direction",
    "p_2": "parameters of each later layer, one direction",
}
FIRST_INPUT = "inputs of layer 1 (input_size)"
LATER_INPUT = "inputs of a later layer: D·H_out, the outputs of the layer below"


def _layer_formula(bias: bool, projected: bool) -> str:
    """One layer in one direction: g gates, each with h×x and h×h (h×p) weights."""
    recurrent = "p" if projected else "h"
    text = f"g*(h*(x + {recurrent}) + 2*h)" if bias else f"g*h*(x + {recurrent})"
    return f"{text} + p*h" if projected else text


class _Recurrent(Layer):
    """What RNN, LSTM and GRU share. Not a dataclass itself: each kind lists its own fields,
    because PyTorch puts RNN's nonlinearity in the middle of the common arguments."""

    input_size: int
    hidden_size: int
    num_layers: int
    bias: bool
    batch_first: bool
    dropout: float
    bidirectional: bool

    gates: ClassVar[int] = 1
    gate_names: ClassVar[str] = "the plain recurrence"
    inferred: ClassVar = {"input_size": lambda shape: shape[-1]}
    input_dims: ClassVar = frozenset({2})

    @property
    def projection(self) -> int:
        return 0

    @property
    def outputs(self) -> int:
        """H_out: what each direction puts out per step (proj_size if set, else hidden_size)."""
        return self.projection or self.hidden_size

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1

    def _check(self) -> None:
        positive_int("input_size", self.input_size)
        positive_int("hidden_size", self.hidden_size)
        positive_int("num_layers", self.num_layers)
        boolean("bias", self.bias)
        boolean("batch_first", self.batch_first)
        probability("dropout", self.dropout)
        boolean("bidirectional", self.bidirectional)

    @classmethod
    def check_input(cls, shape: Shape) -> None:
        if len(shape) != 2:
            raise ShapeError(
                f"{cls.type_name()} needs a sequence (L, input_size) without the batch, "
                f"got {len(shape)} dimension(s): {list(shape)}"
            )

    def derive(self, shape: Shape) -> Derivation:
        steps = self._layer_steps()
        total = self._total(steps)
        out = self.directions * self.outputs
        return Derivation(
            output_shape=(shape[0], out),
            params=total.value,
            steps=tuple(steps) if total is steps[0] else (*steps, total),
            shape_why=self._shape_why(shape[0], out),
            params_why=total.why,
        )

    def other_framework(self, shape: Shape) -> Comparison | None:
        """What Keras 3 counts for the same network: one bias vector per gate for SimpleRNN,
        LSTM and GRU(reset_after=False), two for GRU's default reset_after=True; num_layers is
        a stack of Keras layers, bidirectional=True a Bidirectional wrapper."""
        if self.projection or not self.bias:
            return None  # Keras's LSTM has no projection; without biases the counts agree
        convention = BY_GATES[self.gates]
        if self.gates == 3:
            return self._gru_comparison()
        name = convention.keras
        steps = self._keras_steps(1, f"Keras's {name} has {convention.one_bias_words()}")
        words = convention.keras_note + convention.keras_stack(self.num_layers, self.bidirectional)
        return Comparison("keras", steps, 0, Note(words, (("count", steps[-1].value),)))

    def _gru_comparison(self) -> Comparison:
        """Keras 3's GRU keeps two bias vectors per gate by default (reset_after=True)."""
        two = self._keras_steps(2, "reset_after=True, Keras 3's default: two bias vectors per gate")
        one = self._keras_steps(1, "reset_after=False, the original GRU: one bias vector per gate")
        renamed = tuple(replace(s, quantity=f"{s.quantity}, reset_after=False") for s in one)
        convention = BY_GATES[self.gates]
        numbers = (("count", two[-1].value), ("other", one[-1].value))
        stack = convention.keras_stack(self.num_layers, self.bidirectional)
        words = Note(convention.keras_note + stack, numbers)
        return Comparison("keras", (*renamed, *two), 0, words)

    def _keras_steps(self, biases: int, why: str) -> tuple[Step, ...]:
        """Keras's count of the same stack: each layer and direction with ``biases`` vectors
        per gate; a later layer reads the D·h outputs of the one below."""
        g, h, d, n = self.gates, self.hidden_size, self.directions, self.num_layers
        first = gates_step(g, biases, self.input_size, h, why)
        if n == 1 and d == 1:
            return (first,)
        steps = [replace(first, quantity="layer 1, one direction")]
        values = {"p_1": first.value, "N": n, "D": d}
        if n > 1:
            later_why = f"{why}; a later layer reads the D·h = {d * h} outputs of the one below"
            later = gates_step(g, biases, d * h, h, later_why)
            steps.append(replace(later, quantity="each later layer, one direction"))
            values["p_2"] = later.value
        layers = "p_1" if n == 1 else "p_1 + p_2" if n == 2 else "p_1 + (N - 1)*p_2"
        text = layers if d == 1 else f"D*({layers})" if n > 1 else "D*p_1"
        total = derive("parameters", text, values, MEANINGS, "the sum over the stack", counts=True)
        return (*steps, total)

    def misconceptions(self, shape: Shape) -> tuple[Misconception, ...]:
        """Classic slips on a recurrent count: Keras's one bias per gate, the gates or the
        recurrent weight forgotten, one direction only, every layer read as the first."""
        from .misconceptions import named

        if self.projection:
            return ()
        g, d = self.gates, self.directions
        both = "D*" if d == 2 else ""
        bias = " + 2*h" if self.bias else ""
        slips: list[tuple[str, str, str]] = []
        if self.num_layers > 1:
            slips.append((
                "later-layers-as-first",
                "every layer counted with input_size inputs, not the D·H outputs of the one below",
                f"{both}N*g*(h*(x + h){bias})",
            ))  # fmt: skip
        else:
            if self.bias:
                slips.append((
                    "one-bias-per-gate",
                    BY_GATES[self.gates].one_bias,
                    f"{both}g*(h*(x + h) + h)",
                ))  # fmt: skip
            else:
                slips.append((
                    "bias-added",
                    "biases counted although bias=False",
                    f"{both}g*(h*(x + h) + 2*h)",
                ))  # fmt: skip
            if g > 1:
                slips.append((
                    "gates-forgotten",
                    f"the gates forgotten: one set of weights instead of g = {g}",
                    f"{both}(h*(x + h){bias})",
                ))  # fmt: skip
            slips.append((
                "recurrent-weight-forgotten",
                "the recurrent h×h weight forgotten",
                f"{both}g*(h*x{bias})",
            ))  # fmt: skip
            if d == 2:
                slips.append((
                    "one-direction",
                    "bidirectional=True ignored: one direction counted",
                    f"g*(h*(x + h){bias})",
                ))  # fmt: skip
        values = {**self._values(self.input_size), "D": d, "N": self.num_layers}
        table = {key: (what, text) for key, what, text in slips}
        right = self.derive(shape).params
        return named(table, "parameters", values, self._meanings(FIRST_INPUT), right)

    def _values(self, inputs: int) -> dict[str, int]:
        return {"g": self.gates, "h": self.hidden_size, "x": inputs, "p": self.projection}

    def _meanings(self, inputs: str) -> dict[str, str]:
        return {**MEANINGS, "g": f"gates: {self.gate_names}", "x": inputs}

    def _layer_steps(self) -> list[Step]:
        text = _layer_formula(self.bias, self.projection > 0)
        alone = self.num_layers == 1 and not self.bidirectional
        first = derive(
            "parameters" if alone else "layer 1, one direction",
            text,
            self._values(self.input_size),
            self._meanings(FIRST_INPUT),
            self._gate_why(),
        )
        if self.num_layers == 1:
            return [first]
        inputs = self.directions * self.outputs
        source = f"D·H_out = 2·{self.outputs}" if self.bidirectional else "H_out"
        why = f"a later layer reads the {source} = {inputs} outputs of the layer below"
        why += f", not input_size = {self.input_size}"
        span = "layer 2" if self.num_layers == 2 else f"each of layers 2 to {self.num_layers}"
        later = derive(
            f"{span}, one direction", text, self._values(inputs), self._meanings(LATER_INPUT), why
        )
        return [first, later]

    def _total(self, steps: list[Step]) -> Step:
        n, d = self.num_layers, self.directions
        if n == 1 and d == 1:
            return steps[0]
        layers = "p_1" if n == 1 else "p_1 + p_2" if n == 2 else "p_1 + (N - 1)*p_2"
        text = layers if d == 1 else f"D*({layers})" if n > 1 else "D*p_1"
        values = {"p_1": steps[0].value, "N": n, "D": d}
        if n > 1:
            values["p_2"] = steps[1].value
        parts = [*(["both directions"] if d == 2 else []), *([f"all {n} layers"] if n > 1 else [])]
        why = f"the sum over {' of '.join(parts)}" + (
            f"; {BY_GATES[self.gates].two_biases}" if self.bias else ""
        )
        return derive("parameters", text, values, MEANINGS, why, counts=True)

    def _gate_why(self) -> str:
        g, h, p = self.gates, self.hidden_size, self.projection
        who = f"each of the g = {g} gates ({self.gate_names})" if g > 1 else "the one gate (g = 1)"
        recurrent = f"h×p = {h}×{p}" if p else f"h×h = {h}×{h}"
        bias = f"two bias vectors of h = {h}" if self.bias else "no bias (bias=False)"
        why = f"{who} has an h×x input weight, an {recurrent} recurrent weight and {bias}"
        if p:
            why += f"; plus the projection weight_hr of p×h = {p}×{h}"
        return f"{why}. {BY_GATES[self.gates].two_biases}" if self.bias else why

    def _shape_why(self, length: int, out: int) -> str:
        size = f"proj_size = {self.projection}" if self.projection else f"h = {self.hidden_size}"
        why = f"the sequence output: at each of the {length} steps, {size} values"
        if self.bidirectional:
            why += f" from each of the 2 directions: 2·{self.outputs} = {out}"
        if self.dropout and self.num_layers == 1:
            why += "; dropout acts between layers: with num_layers=1 it does nothing (torch warns)"
        if self.batch_first:
            why += "; batch_first only moves the batch dimension, which these shapes leave out"
        return why

    def macs(self, shape: Shape, output: Shape) -> Step:
        first = self._macs_term("x")
        body = first if self.num_layers == 1 else f"{first} + (N - 1)*({self._macs_term('y')})"
        if self.num_layers > 1 or self.projection:
            body = f"({body})"
        text = f"D*L*{body}" if self.bidirectional else f"L*{body}"
        values = {
            **self._values(self.input_size),
            "L": shape[0],
            "D": self.directions,
            "N": self.num_layers,
            "y": self.directions * self.outputs,
        }
        meanings = {**self._meanings(FIRST_INPUT), "y": LATER_INPUT}
        projection = " and of the projection" if self.projection else ""
        why = (
            f"at each of the L steps, one multiply-add per weight of every gate (input and "
            f"recurrent){projection}; biases, gate activations and the element-wise products "
            "are not counted"
        )
        return derive("multiply-accumulates (MACs)", text, values, meanings, why)

    def _macs_term(self, inputs: str) -> str:
        if self.projection:
            return f"g*h*({inputs} + p) + p*h"
        return f"g*h*({inputs} + h)"


@record
class RNN(_Recurrent):
    """Elman RNN: h_t = tanh(W_ih·x_t + b_ih + W_hh·h_(t−1) + b_hh)."""

    input_size: int
    hidden_size: int
    num_layers: int = 1
    nonlinearity: str = "tanh"
    bias: bool = True
    batch_first: bool = False
    dropout: float = 0.0
    bidirectional: bool = False

    example: ClassVar[str] = "input(20, 128) -> RNN(128, 64)"
    summary: ClassVar[str] = (
        "Elman RNN: h·(x + h) + 2h parameters per layer and direction; (L, x) -> (L, D·h)"
    )

    def __post_init__(self) -> None:
        self._check()
        one_of("nonlinearity", self.nonlinearity, ("tanh", "relu"))


@record
class LSTM(_Recurrent):
    """Long short-term memory: 4 gates, and an optional projection of the hidden state."""

    input_size: int
    hidden_size: int
    num_layers: int = 1
    bias: bool = True
    batch_first: bool = False
    dropout: float = 0.0
    bidirectional: bool = False
    proj_size: int = 0

    gates: ClassVar[int] = 4
    gate_names: ClassVar[str] = "input, forget, cell, output"
    example: ClassVar[str] = "input(20, 128) -> LSTM(128, 64, num_layers=2)"
    summary: ClassVar[str] = (
        "long short-term memory: 4·(h·(x + h) + 2h) parameters per layer and direction "
        "(4·(h·(x + p) + 2h) + p·h with proj_size p); (L, x) -> (L, D·H_out)"
    )

    def __post_init__(self) -> None:
        self._check()
        nonnegative_int("proj_size", self.proj_size)
        if self.proj_size >= self.hidden_size:
            raise ArgumentError(
                f"proj_size={self.proj_size} must be smaller than hidden_size={self.hidden_size}: "
                f"the projection shrinks the hidden state (PyTorch's rule)"
            )

    @property
    def projection(self) -> int:
        return self.proj_size


@record
class GRU(_Recurrent):
    """Gated recurrent unit: 3 gates (reset, update, new)."""

    input_size: int
    hidden_size: int
    num_layers: int = 1
    bias: bool = True
    batch_first: bool = False
    dropout: float = 0.0
    bidirectional: bool = False

    gates: ClassVar[int] = 3
    gate_names: ClassVar[str] = "reset, update, new"
    example: ClassVar[str] = "input(20, 128) -> GRU(128, 64, bidirectional=True)"
    summary: ClassVar[str] = (
        "gated recurrent unit: 3·(h·(x + h) + 2h) parameters per layer and direction; "
        "(L, x) -> (L, D·h)"
    )

    def __post_init__(self) -> None:
        self._check()
