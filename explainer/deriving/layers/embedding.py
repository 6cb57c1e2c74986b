"""Embedding: a lookup table with one learnt vector per token id."""

from __future__ import annotations

from typing import Any, ClassVar

from ...errors import ArgumentError
from ...records import record
from ..spec import Shape
from ..steps import derive
from .base import Derivation, Layer, boolean, positive_int

MEANINGS = {"V": "vocabulary size (num_embeddings)", "E": "embedding dimension"}


@record
class Embedding(Layer):
    """Maps each integer id of the input to a vector of embedding_dim values."""

    input_kind: ClassVar[str] = "ids"

    num_embeddings: int
    embedding_dim: int
    padding_idx: int | None = None
    max_norm: float | None = None
    norm_type: float = 2.0
    scale_grad_by_freq: bool = False
    sparse: bool = False

    summary: ClassVar[str] = "lookup table: V·E parameters; (L,) ids -> (L, E)"
    example: ClassVar[str] = "input(100) -> Embedding(10000, 128)"

    def __post_init__(self) -> None:
        positive_int("num_embeddings", self.num_embeddings)
        positive_int("embedding_dim", self.embedding_dim)
        if self.padding_idx is not None and (
            type(self.padding_idx) is not int
            or not -self.num_embeddings <= self.padding_idx < self.num_embeddings
        ):
            raise ArgumentError(
                f"padding_idx must be within num_embeddings ({self.num_embeddings}), got "
                f"{self.padding_idx!r}"
            )
        _number_or_none("max_norm", self.max_norm)
        _number_or_none("norm_type", self.norm_type)
        boolean("scale_grad_by_freq", self.scale_grad_by_freq)
        boolean("sparse", self.sparse)

    def derive(self, shape: Shape) -> Derivation:
        values = {"V": self.num_embeddings, "E": self.embedding_dim}
        why = (
            f"one vector of E = {self.embedding_dim} values for each of the V = "
            f"{self.num_embeddings} ids"
        )
        step = derive("parameters", "V*E", values, MEANINGS, why)
        shape_why = f"each id of the input becomes a vector of {self.embedding_dim} values"
        return Derivation((*shape, self.embedding_dim), step.value, (step,), shape_why, why)


def _number_or_none(name: str, value: Any) -> None:
    if value is not None and (type(value) not in (int, float) or value <= 0):
        raise ArgumentError(f"{name} must be a positive number or None, got {value!r}")
