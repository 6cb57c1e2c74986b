"""Attention: MultiheadAttention used as self-attention, and the Transformer encoder layer.

The input is a sequence (L, E). Self-attention's queries are the input itself; when kdim or
vdim differ from E, the keys and values come from another sequence of those widths (and, here,
the same length L). The number of heads splits E and changes no count.
"""

from __future__ import annotations

from typing import ClassVar

from ...errors import ArgumentError, ShapeError
from ...records import record
from ..spec import Shape
from ..steps import Step, derive
from .base import (
    Derivation,
    Layer,
    boolean,
    one_of,
    positive_int,
    positive_number,
    probability,
)

MEANINGS = {
    "E": "embedding dimension (embed_dim)",
    "k": "key features (kdim)",
    "v": "value features (vdim)",
    "L": "sequence length",
    "S": "keys attended to: L, + 1 for bias_k, + 1 for add_zero_attn",
    "d": "model dimension (d_model)",
    "f": "feed-forward width (dim_feedforward)",
}
MACS = "multiply-accumulates (MACs)"
PRODUCTS_WHY = (
    "the products QKᵀ and weights·V; softmax, dropout and normalisation are element-wise and "
    "not counted, nor are the biases"
)


def _check_sequence(kind: str, shape: Shape) -> None:
    if len(shape) != 2:
        raise ShapeError(
            f"{kind} needs a sequence (L, E) without the batch, "
            f"got {len(shape)} dimension(s): {list(shape)}"
        )


def _heads_divide(width_name: str, width: int, heads_name: str, heads: int) -> None:
    if width % heads:
        raise ArgumentError(
            f"{heads_name}={heads} does not divide {width_name}={width}: "
            f"each head takes an equal share of the {width} features"
        )


def _sum(parts: list[Step], meanings: dict[str, str], why: str) -> Step:
    values = {f"p_{i}": step.value for i, step in enumerate(parts, 1)}
    names = {f"p_{i}": step.quantity for i, step in enumerate(parts, 1)}
    return derive("parameters", " + ".join(values), values, {**meanings, **names}, why, counts=True)


@record
class MultiheadAttention(Layer):
    """Multi-head attention; here self-attention over an (L, E) input."""

    input_kind: ClassVar[str] = "self-attention"

    embed_dim: int
    num_heads: int
    dropout: float = 0.0
    bias: bool = True
    add_bias_kv: bool = False
    add_zero_attn: bool = False
    kdim: int | None = None
    vdim: int | None = None
    batch_first: bool = False

    inferred: ClassVar = {"embed_dim": lambda shape: shape[-1]}
    input_dims: ClassVar = frozenset({2})
    example: ClassVar[str] = "input(10, 512) -> MultiheadAttention(512, 8)"
    summary: ClassVar[str] = (
        "multi-head self-attention: 3·E·E + 3E (in-projection) + E·E + E (out-projection) "
        "parameters; (L, E) -> (L, E)"
    )

    def __post_init__(self) -> None:
        positive_int("embed_dim", self.embed_dim)
        positive_int("num_heads", self.num_heads)
        probability("dropout", self.dropout)
        for name in ("bias", "add_bias_kv", "add_zero_attn", "batch_first"):
            boolean(name, getattr(self, name))
        for name in ("kdim", "vdim"):
            if getattr(self, name) is not None:
                positive_int(name, getattr(self, name))
        _heads_divide("embed_dim", self.embed_dim, "num_heads", self.num_heads)

    @property
    def keys(self) -> int:
        return self.embed_dim if self.kdim is None else self.kdim

    @property
    def values(self) -> int:
        return self.embed_dim if self.vdim is None else self.vdim

    @classmethod
    def check_input(cls, shape: Shape) -> None:
        _check_sequence(cls.type_name(), shape)

    def derive(self, shape: Shape) -> Derivation:
        parts = self.parts()
        total = _sum(parts, MEANINGS, self._why())
        heads = self.embed_dim // self.num_heads
        shape_why = (
            f"one output of E = {self.embed_dim} values per query position; the {self.num_heads} "
            f"head(s) of {heads} values each are joined again"
        )
        return Derivation(shape, total.value, (*parts, total), shape_why, total.why)

    def parts(self) -> list[Step]:
        """The in-projection, the out-projection and bias_k/bias_v: each a step."""
        values = {"E": self.embed_dim, "k": self.keys, "v": self.values}
        same = self.keys == self.values == self.embed_dim
        weights = "3*E*E" if same else "E*E + E*k + E*v"
        stored = "one in_proj_weight of 3E×E" if same else "q_, k_ and v_proj_weight"
        bias = " and 3E biases" if self.bias else ", no bias (bias=False)"
        steps = [
            derive(
                "in-projection (query, key, value)",
                f"{weights} + 3*E" if self.bias else weights,
                values,
                MEANINGS,
                f"W_q, W_k and W_v, stored as {stored}{bias}",
            )
        ]
        out_why = "an E×E Linear joining the heads" + (", E biases" if self.bias else ", no bias")
        out = "E*E + E" if self.bias else "E*E"
        steps.append(derive("out-projection", out, values, MEANINGS, out_why))
        if self.add_bias_kv:
            steps.append(
                derive(
                    "bias_k and bias_v",
                    "2*E",
                    values,
                    MEANINGS,
                    "add_bias_kv learns one extra key and one extra value vector of E",
                )
            )
        return steps

    def _why(self) -> str:
        return (
            f"the projections' weights and biases; num_heads = {self.num_heads} only splits E = "
            f"{self.embed_dim} into heads of {self.embed_dim // self.num_heads} and adds no weights"
        )

    def macs(self, shape: Shape, output: Shape) -> Step:
        length = shape[0]
        extra = int(self.add_bias_kv) + int(self.add_zero_attn)
        keys = "S" if extra else "L"
        same = self.keys == self.values == self.embed_dim
        projections = "4*L*E*E" if same else "2*L*E*E + L*E*k + L*E*v"
        values = {
            "L": length,
            "E": self.embed_dim,
            "k": self.keys,
            "v": self.values,
            "S": length + extra,
        }
        why = f"the four projections (q, k, v, out) of L vectors, and {PRODUCTS_WHY}"
        return derive(MACS, f"{projections} + 2*L*{keys}*E", values, MEANINGS, why)


@record
class TransformerEncoderLayer(Layer):
    """Self-attention and a two-layer feed-forward block, each with a LayerNorm."""

    d_model: int
    nhead: int
    dim_feedforward: int = 2048
    dropout: float = 0.1
    activation: str = "relu"
    layer_norm_eps: float = 1e-05
    batch_first: bool = False
    norm_first: bool = False
    bias: bool = True

    inferred: ClassVar = {"d_model": lambda shape: shape[-1]}
    input_dims: ClassVar = frozenset({2})
    example: ClassVar[str] = "input(10, 512) -> TransformerEncoderLayer(512, 8)"
    summary: ClassVar[str] = (
        "Transformer encoder layer: attention 4·d·d + 4d, feed-forward 2·d·f + f + d, "
        "two LayerNorms 2·2d parameters; (L, d) -> (L, d)"
    )

    def __post_init__(self) -> None:
        positive_int("d_model", self.d_model)
        positive_int("nhead", self.nhead)
        positive_int("dim_feedforward", self.dim_feedforward)
        probability("dropout", self.dropout)
        one_of("activation", self.activation, ("relu", "gelu"))
        positive_number("layer_norm_eps", self.layer_norm_eps)
        for name in ("batch_first", "norm_first", "bias"):
            boolean(name, getattr(self, name))
        _heads_divide("d_model", self.d_model, "nhead", self.nhead)

    @classmethod
    def check_input(cls, shape: Shape) -> None:
        _check_sequence(cls.type_name(), shape)

    def derive(self, shape: Shape) -> Derivation:
        values = {"d": self.d_model, "f": self.dim_feedforward}
        b = self.bias
        attention = f"MultiheadAttention({self.d_model}, {self.nhead}): in- and out-projection"
        parts = [
            derive(
                "self-attention",
                "3*d*d + 3*d + d*d + d" if b else "3*d*d + d*d",
                values,
                MEANINGS,
                attention + ("" if b else " without bias"),
            ),
            derive(
                "linear1",
                "d*f + f" if b else "d*f",
                values,
                MEANINGS,
                "Linear(d_model, dim_feedforward)" + ("" if b else " without bias"),
            ),
            derive(
                "linear2",
                "f*d + d" if b else "f*d",
                values,
                MEANINGS,
                "Linear(dim_feedforward, d_model)" + ("" if b else " without bias"),
            ),
            derive(
                "norm1 and norm2",
                "2*(2*d)" if b else "2*d",
                values,
                MEANINGS,
                "two LayerNorm(d_model), each with a scale γ"
                + (" and a shift β" if b else "")
                + " per feature",
            ),
        ]
        why = "the sum of the parts; the dropouts and the activation have no weights"
        total = _sum(parts, MEANINGS, why)
        shape_why = (
            f"attention and the feed-forward block both return d_model = {self.d_model} values "
            "per position"
        )
        return Derivation(shape, total.value, (*parts, total), shape_why, why)

    def macs(self, shape: Shape, output: Shape) -> Step:
        values = {"L": shape[0], "d": self.d_model, "f": self.dim_feedforward}
        why = (
            f"the attention's four projections (4·L·d·d), {PRODUCTS_WHY}; and the feed-forward "
            "block's two Linear layers (2·L·d·f)"
        )
        return derive(MACS, "4*L*d*d + 2*L*L*d + 2*L*d*f", values, MEANINGS, why)
