"""Modules of Hugging Face transformers that its print-outs show (GPT-2's ``Conv1D``)."""

from __future__ import annotations

from typing import ClassVar

from ...errors import ShapeError
from ...records import record
from ..spec import Shape
from ..steps import derive
from .base import Derivation, Layer, positive_int
from .elementwise import Elementwise

MEANINGS = {"i": "input features (nx)", "o": "output features (nf)"}


@record
class Conv1D(Layer):
    """GPT-2's ``Conv1D(nf, nx)``: despite the name, a fully connected layer, weight nx×nf."""

    nf: int
    nx: int

    keyword_only: ClassVar[bool] = True
    source: ClassVar[str] = ""  # transformers' own: explainer check builds torch.nn only
    summary: ClassVar[str] = (
        "Hugging Face's Conv1D(nf=, nx=), a fully connected layer: nx·nf + nf parameters"
    )
    example: ClassVar[str] = "input(10, 768) -> Conv1D(nf=2304, nx=768)"

    def __post_init__(self) -> None:
        positive_int("nf", self.nf)
        positive_int("nx", self.nx)

    def derive(self, shape: Shape) -> Derivation:
        if not shape or shape[-1] != self.nx:
            raise ShapeError(
                f"Conv1D(nx={self.nx}) needs {self.nx} features last, got {list(shape)}"
            )
        why = f"a weight matrix nx×nf = {self.nx}×{self.nf} and one bias per output feature"
        step = derive("parameters", "i*o + o", {"i": self.nx, "o": self.nf}, MEANINGS, why)
        return Derivation(
            (*shape[:-1], self.nf),
            step.value,
            (step,),
            f"one output per column of the weight: {self.nf} (on the last dimension)",
            why,
        )


class NewGELUActivation(Elementwise):
    """GPT-2's GELU, the tanh approximation: no parameters."""

    source: ClassVar[str] = ""  # transformers' own: explainer check builds torch.nn only
    summary: ClassVar[str] = "GPT-2's GELU (tanh approximation): no parameters"
    example: ClassVar[str] = "input(10, 3072) -> NewGELUActivation()"
