"""Keras's recurrent layers over an (L, x) sequence, and Bidirectional around one of them.

Per gate, Keras keeps an x×h input kernel, an h×h recurrent kernel and ONE bias vector of h
(GRU with reset_after=True, Keras 3's default, keeps two), where PyTorch keeps two bias vectors
per gate. That is the whole difference, stated once per kind in layers.conventions, whose
formula takes the number of bias vectors.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, ClassVar, cast

from ....errors import ArgumentError, ShapeError
from ....records import record
from ...spec import LayerCall, Note, Shape
from ...steps import Step, derive
from ..base import (
    Comparison,
    Derivation,
    Misconception,
    bind,
    boolean,
    one_of,
    positive_int,
)
from ..conventions import BY_KERAS, Recurrent, gates_formula, gates_step
from .base import KerasLayer, activation, passive, rarely_set, rate

MEANINGS = {
    "g": "gates",
    "h": "units, the hidden state's size",
    "x": "input features",
    "p": "parameters of one direction",
}


class _Recurrent(KerasLayer):
    """What SimpleRNN, LSTM and GRU share. Not a dataclass itself: each kind lists its own
    fields, in Keras's order, which differs from kind to kind."""

    units: int
    activation: str | None
    use_bias: bool
    dropout: float
    recurrent_dropout: float
    return_sequences: bool
    return_state: bool
    go_backwards: bool
    stateful: bool
    unroll: bool

    gates: ClassVar[int] = 1
    gate_names: ClassVar[str] = ""
    input_dims: ClassVar = frozenset({2})

    @property
    def biases(self) -> int:
        """Bias vectors per gate."""
        return 1 if self.use_bias else 0

    @classmethod
    def check_input(cls, shape: Shape) -> None:
        if len(shape) != 2:
            raise ShapeError(
                f"{cls.type_name()} needs a sequence (L, features) without the batch, "
                f"got {len(shape)} dimension(s): {list(shape)}"
            )

    def _check(self) -> None:
        positive_int("units", self.units)
        activation("activation", self.activation)
        boolean("use_bias", self.use_bias)
        rate("dropout", self.dropout)
        rate("recurrent_dropout", self.recurrent_dropout)
        for name in ("return_sequences", "return_state", "go_backwards", "stateful", "unroll"):
            boolean(name, getattr(self, name))
        if self.return_state:
            raise ArgumentError(
                "return_state=True returns the states as well as the output: a chain of layers "
                "carries one tensor"
            )

    def _derive(self, shape: Shape) -> Derivation:
        length, x = shape
        h = self.units
        step = gates_step(self.gates, self.biases, x, h, self._why(x, h))
        torch = self.convention.pytorch
        if self.return_sequences:
            output: Shape = (length, h)
            shape_why = f"return_sequences=True: h = {h} outputs at each of the {length} steps"
        else:
            output = (h,)
            shape_why = (
                f"only the last step's h = {h} outputs (return_sequences=False); PyTorch's "
                f"{torch} returns every step's, ({length}, {h})"
            )
        return Derivation(output, step.value, (step,), shape_why, step.why)

    def macs(self, shape: Shape, output: Shape) -> Step:
        values = {"L": shape[0], "g": self.gates, "h": self.units, "x": shape[-1]}
        why = (
            "at each of the L steps, one multiply-add per weight of every gate (input and "
            "recurrent kernels); biases, activations and element-wise products are not counted"
        )
        text = "L*g*h*(x + h)" if self.gates > 1 else "L*h*(x + h)"
        return derive("multiply-accumulates (MACs)", text, values, MEANINGS, why)

    def other_framework(self, shape: Shape) -> Comparison | None:
        """PyTorch's RNN, LSTM and GRU keep two bias vectors per gate, always."""
        if self.biases != 1:
            return None  # no bias, or GRU's reset_after=True: the counts agree
        convention = self.convention
        torch, per = convention.pytorch, convention.per
        why = f"PyTorch's {torch} keeps two bias vectors{per}, b_ih and b_hh"
        step = gates_step(self.gates, 2, shape[-1], self.units, why)
        words = f"PyTorch's {torch} counts {{count}}: "
        note = Note(words + convention.pytorch_difference(), (("count", step.value),))
        return Comparison("pytorch", (step,), 0, note)

    @property
    def convention(self) -> Recurrent:
        """How PyTorch's counterpart counts: its name, its two bias vectors per gate."""
        return BY_KERAS[self.type_name()]

    def misconceptions(self, shape: Shape) -> tuple[Misconception, ...]:
        """The convention slip: PyTorch's two bias vectors per gate counted for a Keras layer
        that keeps one (the reverse of PyTorch's ``one-bias-per-gate``)."""
        from ..misconceptions import named

        if self.biases != 1:
            return ()  # no bias, or GRU's reset_after=True: PyTorch's count is the same
        what = self.convention.two_biases_slip()
        slips = {"two-biases-per-gate": (what, gates_formula(self.gates, 2))}
        values = {"g": self.gates, "h": self.units, "x": shape[-1]}
        return named(slips, "parameters", values, MEANINGS, self.derive(shape).params)

    def _why(self, x: int, h: int) -> str:
        g = self.gates
        who = f"each of the g = {g} gates ({self.gate_names})" if g > 1 else "the recurrence"
        why = f"{who} has an x×h input kernel, an h×h recurrent kernel and {self._bias_words(h)}"
        torch = self.convention.pytorch
        if self.biases == 1:
            # Its count is --compare-frameworks' to show, grouped as --digits says: a why line
            # is words, and the solver writes no count into words.
            formula = "h·(x + h) + 2h" if g == 1 else f"{g}·(h·(x + h) + 2h)"
            why += "; " + self.convention.pytorch_biases(formula)
        elif self.biases == 2:
            why += f", as PyTorch's {torch} keeps them"
        return why

    def _bias_words(self, h: int) -> str:
        return {
            0: "no bias (use_bias=False)",
            1: f"one bias vector of h = {h}",
            2: f"two bias vectors of h = {h}, input and recurrent",
        }[self.biases]


@record
class SimpleRNN(_Recurrent):
    """h_t = activation(x_t·W + h_(t−1)·U + b)."""

    units: int
    activation: str | None = "tanh"
    use_bias: bool = True
    kernel_initializer: str = passive("glorot_uniform")
    recurrent_initializer: str = passive("orthogonal")
    bias_initializer: str = passive("zeros")
    kernel_regularizer: str | None = passive(None)
    recurrent_regularizer: str | None = passive(None)
    bias_regularizer: str | None = passive(None)
    activity_regularizer: str | None = passive(None)
    kernel_constraint: str | None = passive(None)
    recurrent_constraint: str | None = passive(None)
    bias_constraint: str | None = passive(None)
    dropout: float = 0.0
    recurrent_dropout: float = 0.0
    return_sequences: bool = False
    return_state: bool = False
    go_backwards: bool = False
    stateful: bool = False
    unroll: bool = False
    seed: int | None = passive(None)

    summary: ClassVar[str] = (
        "simple RNN: h·(x + h) + h parameters (one bias vector); (L, x) -> (h,)"
    )
    example: ClassVar[str] = "input(50, 32) -> SimpleRNN(16)"


@record
class LSTM(_Recurrent):
    """Long short-term memory: 4 gates."""

    units: int
    activation: str | None = "tanh"
    recurrent_activation: str | None = "sigmoid"
    use_bias: bool = True
    kernel_initializer: str = passive("glorot_uniform")
    recurrent_initializer: str = passive("orthogonal")
    bias_initializer: str = passive("zeros")
    unit_forget_bias: bool = True
    kernel_regularizer: str | None = passive(None)
    recurrent_regularizer: str | None = passive(None)
    bias_regularizer: str | None = passive(None)
    activity_regularizer: str | None = passive(None)
    kernel_constraint: str | None = passive(None)
    recurrent_constraint: str | None = passive(None)
    bias_constraint: str | None = passive(None)
    dropout: float = 0.0
    recurrent_dropout: float = 0.0
    seed: int | None = passive(None)
    return_sequences: bool = False
    return_state: bool = False
    go_backwards: bool = False
    stateful: bool = False
    unroll: bool = False

    gates: ClassVar[int] = 4
    gate_names: ClassVar[str] = "input, forget, cell, output"
    summary: ClassVar[str] = (
        "long short-term memory: 4·(h·(x + h) + h) parameters (one bias vector per gate)"
    )
    example: ClassVar[str] = "input(100, 128) -> LSTM(64)"

    def _check(self) -> None:
        super()._check()
        activation("recurrent_activation", self.recurrent_activation)
        boolean("unit_forget_bias", self.unit_forget_bias)


@record
class GRU(_Recurrent):
    """Gated recurrent unit: 3 gates; reset_after=True (Keras 3's default) keeps two biases."""

    units: int
    activation: str | None = "tanh"
    recurrent_activation: str | None = "sigmoid"
    use_bias: bool = True
    kernel_initializer: str = passive("glorot_uniform")
    recurrent_initializer: str = passive("orthogonal")
    bias_initializer: str = passive("zeros")
    kernel_regularizer: str | None = passive(None)
    recurrent_regularizer: str | None = passive(None)
    bias_regularizer: str | None = passive(None)
    activity_regularizer: str | None = passive(None)
    kernel_constraint: str | None = passive(None)
    recurrent_constraint: str | None = passive(None)
    bias_constraint: str | None = passive(None)
    dropout: float = 0.0
    recurrent_dropout: float = 0.0
    seed: int | None = passive(None)
    return_sequences: bool = False
    return_state: bool = False
    go_backwards: bool = False
    stateful: bool = False
    unroll: bool = False
    reset_after: bool = True

    gates: ClassVar[int] = 3
    gate_names: ClassVar[str] = "update, reset, candidate"
    summary: ClassVar[str] = (
        "gated recurrent unit: 3·(h·(x + h) + 2h) parameters (reset_after=True), "
        "3·(h·(x + h) + h) with reset_after=False"
    )
    example: ClassVar[str] = "input(100, 128) -> GRU(64, reset_after=False)"

    @property
    def biases(self) -> int:
        return (2 if self.reset_after else 1) if self.use_bias else 0

    def _check(self) -> None:
        super()._check()
        activation("recurrent_activation", self.recurrent_activation)
        boolean("reset_after", self.reset_after)

    def _bias_words(self, h: int) -> str:
        words = super()._bias_words(h)
        if not self.use_bias:
            return words
        return words + (
            " (reset_after=True, Keras 3's default)"
            if self.reset_after
            else " (reset_after=False, the original GRU)"
        )


MERGE_MODES = ("concat", "sum", "mul", "ave")


@record
class Bidirectional(KerasLayer):
    """A recurrent layer run forwards and a copy run backwards, their outputs merged."""

    layer: Any
    merge_mode: str | None = "concat"
    backward_layer: Any = rarely_set(None)

    input_dims: ClassVar = frozenset({2})
    summary: ClassVar[str] = "two copies of a recurrent layer, one per direction: 2·p parameters"
    example: ClassVar[str] = "input(100, 128) -> Bidirectional(LSTM(64))"

    def _check(self) -> None:
        if self.merge_mode is None:
            raise ArgumentError(
                "merge_mode=None returns the two directions separately: a chain of layers "
                "carries one tensor"
            )
        one_of("merge_mode", self.merge_mode, MERGE_MODES)
        backward = self.backward
        if backward is None:
            if self.inner.go_backwards:  # a wrong inner layer is refused where written
                raise ArgumentError(
                    "the wrapped layer must run forwards (go_backwards=False): Bidirectional "
                    "makes the backward copy itself, and Keras refuses two backward ones"
                )
            return
        if backward.go_backwards == self.inner.go_backwards:
            raise ArgumentError(
                "backward_layer must have the other go_backwards than layer (Keras's rule), "
                f"both have go_backwards={backward.go_backwards}"
            )
        for name in ("stateful", "return_sequences", "return_state"):
            if getattr(backward, name) != getattr(self.inner, name):
                raise ArgumentError(
                    f"backward_layer has {name}={getattr(backward, name)} where layer has "
                    f"{getattr(self.inner, name)}: Keras needs them equal"
                )
        if self.merge_mode != "concat" and backward.units != self.inner.units:
            raise ArgumentError(
                f"merge_mode={self.merge_mode!r} combines the directions value by value: "
                f"layer has {self.inner.units} units, backward_layer {backward.units}"
            )

    @functools.cached_property
    def inner(self) -> _Recurrent:
        """The wrapped layer, bound as Keras binds it (nothing of it depends on the shape)."""
        return _recurrent("layer", self.layer)

    @functools.cached_property
    def backward(self) -> _Recurrent | None:
        """backward_layer, when given: the backward direction with weights of its own."""
        return (
            None
            if self.backward_layer is None
            else _recurrent("backward_layer", self.backward_layer)
        )

    def other_framework(self, shape: Shape) -> Comparison | None:
        if self.backward is not None:
            return None  # PyTorch's two directions always have the same size
        one = self.inner.other_framework(shape)
        if one is None:
            return None
        values = {"p": one.params}
        both = derive("parameters", "2*p", values, MEANINGS, "both directions", counts=True)
        difference = self.inner.convention.pytorch_difference()
        words = "PyTorch counts {count} for the two directions: " + difference
        steps = tuple(dataclasses.replace(s, quantity="one direction") for s in one.steps)
        return Comparison("pytorch", (*steps, both), 0, Note(words, (("count", both.value),)))

    def torch_args(self) -> dict[str, Any]:
        """The wrapped layer with its complete arguments, as a nested call."""
        args = super().torch_args()
        for key, layer in (("layer", self.inner), ("backward_layer", self.backward)):
            if layer is not None:
                args[key] = LayerCall(layer.type_name(), (), tuple(layer.torch_args().items()))
        return args

    def _derive(self, shape: Shape) -> Derivation:
        if self.backward is not None:
            return self._derive_two(shape, self.backward)
        inner = self.inner
        inner.check_input(shape)
        one = inner.derive(shape)
        name = inner.type_name()
        steps = [
            dataclasses.replace(s, quantity="parameters of one direction")
            if s is one.params_step
            else s
            for s in one.steps
        ]
        output = one.output_shape
        if self.merge_mode == "concat":
            h = output[-1]
            size = derive(
                "output features",
                "2*h",
                {"h": h},
                {"h": "outputs of one direction"},
                "merge_mode='concat' puts the backward outputs after the forward ones",
            )
            steps.append(size)
            output = (*output[:-1], size.value)
            joined = f"2·{h} = {size.value}"
            shape_why = f"{one.shape_why}; from each of the 2 directions, joined: {joined}"
        else:
            mode = f"merge_mode={self.merge_mode!r}"
            shape_why = f"{one.shape_why}; {mode} combines the 2 directions value by value"
        why = (
            f"a forward and a backward {name}, each with its own weights; "
            + inner.convention.pytorch_bidirectional()
        )
        params = derive("parameters", "2*p", {"p": one.params}, MEANINGS, why, counts=True)
        return Derivation(
            output,
            params.value,
            (*steps, params),
            shape_why,
            why,
            non_trainable=2 * one.non_trainable,
        )

    def macs(self, shape: Shape, output: Shape) -> Step:
        layers = [self.inner, self.backward or self.inner]
        values = {
            "M_f": layers[0].macs(shape, output).value,
            "M_b": layers[1].macs(shape, output).value,
        }
        meanings = {"M_f": "MACs of the forward layer", "M_b": "MACs of the backward layer"}
        why = "both directions run over the whole sequence"
        return derive(
            "multiply-accumulates (MACs)", "M_f + M_b", values, meanings, why, counts=True
        )

    def _derive_two(self, shape: Shape, backward: _Recurrent) -> Derivation:
        """backward_layer given: each direction counted on its own, then added."""
        self.inner.check_input(shape)
        forward, back = self.inner.derive(shape), backward.derive(shape)
        steps: list[Step] = []
        for which, one in (("forward", forward), ("backward", back)):
            steps += [
                dataclasses.replace(s, quantity=f"parameters of the {which} layer")
                if s is one.params_step
                else s
                for s in one.steps
            ]
        output = forward.output_shape
        shape_why = f"{forward.shape_why}; {self.merge_mode!r} merges the 2 directions"
        if self.merge_mode == "concat":
            hf, hb = forward.output_shape[-1], back.output_shape[-1]
            size = derive(
                "output features",
                "h_f + h_b",
                {"h_f": hf, "h_b": hb},
                {"h_f": "outputs of the forward layer", "h_b": "outputs of the backward layer"},
                "merge_mode='concat' puts the backward outputs after the forward ones",
            )
            steps.append(size)
            output = (*output[:-1], size.value)
        why = "backward_layer has weights of its own: the two directions' counts add"
        meanings = {"p_f": "forward layer", "p_b": "backward layer"}
        values = {"p_f": forward.params, "p_b": back.params}
        params = derive("parameters", "p_f + p_b", values, meanings, why, counts=True)
        frozen = forward.non_trainable + back.non_trainable
        return Derivation(
            output, params.value, (*steps, params), shape_why, why, non_trainable=frozen
        )


def _recurrent(name: str, layer: Any) -> _Recurrent:
    """A wrapped recurrent layer written as a call, bound as Keras binds it."""
    from .. import resolve

    if not isinstance(layer, LayerCall):
        raise ArgumentError(
            f"{name} must be a recurrent layer written as a call, such as LSTM(64), got {layer!r}"
        )
    kind, _ = resolve(layer.call, "keras")
    if not issubclass(kind, _Recurrent):
        raise ArgumentError(
            f"Bidirectional wraps a recurrent layer (SimpleRNN, LSTM, GRU), got {kind.type_name()}"
        )
    # (1, 1) only passes the sequence check: recurrent kinds read nothing off the shape.
    return cast(_Recurrent, bind(kind, layer.args, dict(layer.kwargs), (1, 1), ""))
