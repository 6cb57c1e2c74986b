"""Keras's MultiHeadAttention, used in a chain as self-attention: query = key = value = the
incoming (L, E) sequence. Unlike PyTorch's, the size of each head (key_dim) is free."""

from __future__ import annotations

from typing import Any, ClassVar

from ....errors import ArgumentError, ShapeError
from ....records import record
from ...spec import Shape
from ...steps import Step, derive
from ..base import Derivation, boolean, positive_int
from .base import KerasLayer, passive, rate

MEANINGS = {
    "E": "features of the query, key and value (the input's last dimension)",
    "H": "heads (num_heads)",
    "K": "size of each head for queries and keys (key_dim)",
    "V": "size of each head for values (value_dim)",
    "O": "output features (output_shape)",
}


def _projections(count: int, size: str, bias: bool) -> str:
    """``count`` projections of E features to H heads of ``size``: (E·H·K + H·K) each."""
    body = f"E*H*{size} + H*{size}" if bias else f"E*H*{size}"
    if count == 1:
        return f"({body})" if bias else body
    return f"{count}*({body})" if bias else f"{count}*{body}"


@record
class MultiHeadAttention(KerasLayer):
    """Query, key and value projections to H heads, attention, and an output projection."""

    input_kind: ClassVar[str] = "self-attention"
    multiplies: ClassVar[bool] = True

    num_heads: int
    key_dim: int
    value_dim: int | None = None
    dropout: float = 0.0
    use_bias: bool = True
    output_shape: int | None = None
    attention_axes: Any = None
    sliding_window: int | None = None
    flash_attention: bool | None = None
    kernel_initializer: str = passive("glorot_uniform")
    bias_initializer: str = passive("zeros")
    kernel_regularizer: str | None = passive(None)
    bias_regularizer: str | None = passive(None)
    activity_regularizer: str | None = passive(None)
    kernel_constraint: str | None = passive(None)
    bias_constraint: str | None = passive(None)
    use_gate: bool = False
    seed: int | None = passive(None)

    summary: ClassVar[str] = (
        "multi-head self-attention: 3·(E·H·K + H·K) + (H·K·E + E) parameters (value_dim = key_dim)"
    )
    example: ClassVar[str] = "input(10, 512) -> MultiHeadAttention(8, 64)"

    @classmethod
    def check_input(cls, shape: Shape) -> None:
        if len(shape) < 2:
            raise ShapeError(
                f"MultiHeadAttention needs a sequence (L, E) without the batch, got {list(shape)}"
            )

    def _check(self) -> None:
        positive_int("num_heads", self.num_heads)
        positive_int("key_dim", self.key_dim)
        for name in ("value_dim", "output_shape", "sliding_window"):
            if getattr(self, name) is not None:
                positive_int(name, getattr(self, name))
        rate("dropout", self.dropout)
        boolean("use_bias", self.use_bias)
        boolean("use_gate", self.use_gate)
        if self.flash_attention is not None:
            boolean("flash_attention", self.flash_attention)
        self._axes()

    def _axes(self) -> tuple[int, ...]:
        axes = self.attention_axes
        if axes is None:
            return ()
        axes = axes if isinstance(axes, tuple | list) else (axes,)
        if any(type(a) is not int for a in axes):
            raise ArgumentError(
                f"attention_axes must be None, an integer or a tuple, got {self.attention_axes!r}"
            )
        return tuple(axes)

    def _derive(self, shape: Shape) -> Derivation:
        self._check_axes(shape)
        heads, keys = self.num_heads, self.key_dim
        values_dim = self.value_dim or keys
        features = shape[-1]
        out = self.output_shape or features
        v = "K" if values_dim == keys else "V"
        o = "E" if self.output_shape is None else "O"
        value_projections = 1 + int(self.use_gate)  # the gate projects like the value
        bias = self.use_bias
        if v == "K":
            inputs = _projections(2 + value_projections, "K", bias)
        else:
            inputs = f"{_projections(2, 'K', bias)} + {_projections(value_projections, 'V', bias)}"
        output = f"(H*{v}*{o} + {o})" if self.use_bias else f"H*{v}*{o}"
        values = {"E": features, "H": heads, "K": keys, "V": values_dim, "O": out}
        step = derive(
            "parameters",
            f"{inputs} + {output}",
            values,
            MEANINGS,
            self._why(features, values_dim, out),
        )
        shape_why = f"self-attention: one output of {out} values per position"
        if self.output_shape is None:
            shape_why += " (E, the query's features)"
        return Derivation((*shape[:-1], out), step.value, (step,), shape_why, step.why)

    def _derive_inputs(self, shapes: tuple[Shape, ...]) -> Derivation:
        """Called as MultiHeadAttention(query, value[, key]) in a live functional model."""
        if len(shapes) not in (2, 3):
            raise ShapeError(
                "MultiHeadAttention takes query, value and an optional key, got "
                f"{len(shapes)} inputs"
            )
        query, value = shapes[0], shapes[1]
        key = shapes[2] if len(shapes) == 3 else value
        for shape in shapes:
            self.check_input(shape)
        if value[:-1] != key[:-1]:
            raise ShapeError(
                f"key {list(key)} and value {list(value)} must have the same positions "
                "(every dimension but the last)"
            )
        if query[-1] == key[-1] == value[-1] and len(set(map(len, shapes))) == 1:
            self_like = self._derive(query)  # the same features: the self-attention formula
            return self_like
        return self._cross(query, key, value)

    def _cross(self, query: Shape, key: Shape, value: Shape) -> Derivation:
        self._check_axes(query)
        heads, keys = self.num_heads, self.key_dim
        values_dim = self.value_dim or keys
        out = self.output_shape or query[-1]
        bias = self.use_bias

        def projection(features: str, size: str) -> str:
            return f"(E_{features}*H*{size} + H*{size})" if bias else f"E_{features}*H*{size}"

        parts = [projection("q", "K"), projection("k", "K"), projection("v", "V")]
        if self.use_gate:
            parts.append(projection("q", "V"))
        parts.append("(H*V*O + O)" if bias else "H*V*O")
        values = {
            "E_q": query[-1], "E_k": key[-1], "E_v": value[-1],
            "H": heads, "K": keys, "V": values_dim, "O": out,
        }  # fmt: skip
        meanings = {
            **MEANINGS,
            "E_q": "query features",
            "E_k": "key features",
            "E_v": "value features",
            "V": "size of each head for values (value_dim, else key_dim)",
            "O": "output features (output_shape, else the query's)",
        }
        why = (
            f"the query (E_q = {query[-1]}), key (E_k = {key[-1]}) and value (E_v = {value[-1]}) "
            f"each have their own projection to H = {heads} heads"
            + (" with biases" if bias else ", no bias (use_bias=False)")
            + f"; the output projection maps the H·V = {heads * values_dim} values to O = {out}"
            + ("; use_gate=True adds a gate projected from the query" if self.use_gate else "")
        )
        step = derive("parameters", " + ".join(parts), values, meanings, why)
        shape_why = f"one output of {out} values per query position"
        return Derivation((*query[:-1], out), step.value, (step,), shape_why, why)

    def macs(self, shape: Shape, output: Shape) -> Step | None:
        """Self-attention over a sequence (L, E); attention over several axes is not counted."""
        if self.attention_axes is not None or len(shape) != 2:
            return None
        values_dim = self.value_dim or self.key_dim
        values = {
            "L": shape[0], "E": shape[-1], "H": self.num_heads, "K": self.key_dim,
            "V": values_dim, "O": output[-1],
        }  # fmt: skip
        gate = " + L*E*H*V" if self.use_gate else ""
        text = f"2*L*E*H*K + L*E*H*V{gate} + L*L*H*K + L*L*H*V + L*H*V*O"
        why = (
            "the query, key and value projections of the L vectors, the products QKᵀ (L·L·H·K) "
            "and weights·V (L·L·H·V), and the output projection; softmax and biases are not "
            "counted"
        )
        meanings = {**MEANINGS, "L": "sequence length", "V": "size of each head for values"}
        return derive("multiply-accumulates (MACs)", text, values, meanings, why)

    def _check_axes(self, shape: Shape) -> None:
        rank = len(shape) + 1
        for axis in self._axes():
            index = axis + rank if axis < 0 else axis
            if not 1 <= index <= rank - 2:
                raise ShapeError(
                    f"attention_axes={self.attention_axes!r}: axis {axis} is not one of the "
                    f"positions of {[-1, *shape]} (not the batch, not the features)"
                )

    def _why(self, features: int, values_dim: int, out: int) -> str:
        heads, keys = self.num_heads, self.key_dim
        bias = " and H·K biases" if self.use_bias else ", no bias (use_bias=False)"
        why = (
            f"query, key and value each project the E = {features} features to H = {heads} heads "
            f"of {keys} (E·H·K weights{bias}; the value heads have {values_dim}); the output "
            f"projection maps the H·{values_dim} = {heads * values_dim} values to {out}"
        )
        if self.use_gate:
            why += "; use_gate=True adds a sigmoid gate projected like the value"
        like_torch = heads * keys == features == out and values_dim == keys
        if like_torch and not self.use_gate:
            return why + f"; the same count as PyTorch's MultiheadAttention({features}, {heads})"
        return why + (
            "; PyTorch's MultiheadAttention splits E into heads of E/H values, where Keras's "
            "key_dim is free"
        )
