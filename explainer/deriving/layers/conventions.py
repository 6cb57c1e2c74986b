"""Where PyTorch and Keras count the same kind differently, said once per kind.

Both dialects read these: a kind's name in the other framework, the count's convention (bias
vectors per recurrent gate; BatchNorm's moving statistics) and the words of the comparison
notes and slips that follow from it. So the PyTorch kinds never name Keras's classes, nor the
Keras kinds PyTorch's, and the formula with the convention's one number in it (b bias vectors
per gate) is written once, here.
"""

from __future__ import annotations

from ...records import record
from ..steps import Step, derive

GATE_MEANINGS = {"g": "gates", "h": "units, the hidden state's size", "x": "input features"}


@record
class Recurrent:
    """A recurrent kind: per gate an h×x input weight, an h×h recurrent weight and bias
    vectors of h, two in PyTorch (b_ih and b_hh), always; one in Keras, except GRU's
    reset_after=True (Keras 3's default), which keeps two."""

    gates: int
    pytorch: str  # PyTorch's class: RNN, LSTM, GRU
    keras: str  # Keras's class: SimpleRNN, LSTM, GRU
    # PyTorch's why line: its two bias vectors, and what Keras keeps instead.
    two_biases: str
    # The named slip of one bias vector per gate, and whose count it is in Keras 3.
    one_bias: str
    # The comparison note beside a PyTorch layer: Keras's count ({count}; GRU: {other} too).
    keras_note: str

    @property
    def per(self) -> str:
        return " per gate" if self.gates > 1 else ""

    def one_bias_words(self) -> str:
        """The why line of Keras's count, seen from PyTorch."""
        if self.gates == 1:
            return f"one bias vector where PyTorch's {self.pytorch} has two (b_ih and b_hh)"
        return "one bias vector per gate where PyTorch has two"

    def pytorch_difference(self) -> str:
        """What PyTorch keeps that a Keras layer with one bias vector per gate does not."""
        words = f"two bias vectors{self.per} instead of one"
        return words + (" (as Keras's default, reset_after=True, does)" if self.gates == 3 else "")

    def keras_stack(self, num_layers: int, bidirectional: bool) -> str:
        """How PyTorch's num_layers and bidirectional are written in Keras, for the note."""
        words = ""
        if num_layers > 1:
            words += (
                f"; Keras has no num_layers: a stack of {num_layers} {self.keras} layers "
                "(return_sequences=True), each reading the outputs of the one below"
            )
        if bidirectional:
            words += f"; bidirectional=True is Bidirectional({self.keras}(...)) in Keras"
        return words

    def pytorch_bidirectional(self) -> str:
        """How Keras's Bidirectional is written in PyTorch, for its why line."""
        return f"PyTorch writes this as {self.pytorch}(..., bidirectional=True)"

    def pytorch_biases(self, x_h_formula: str) -> str:
        """PyTorch's two bias vectors, for the why line of a Keras layer that keeps one."""
        keeps = f"PyTorch's {self.pytorch} keeps two bias vectors{self.per} (b_ih and b_hh)"
        return f"{keeps}: {x_h_formula}"

    def two_biases_slip(self) -> str:
        """The named slip of PyTorch's count taken for a Keras layer that keeps one."""
        return f"two bias vectors{self.per} (PyTorch's count) instead of Keras's one"


RECURRENT = (
    Recurrent(
        1,
        "RNN",
        "SimpleRNN",
        "PyTorch keeps two bias vectors, b_ih and b_hh; Keras's SimpleRNN keeps one",
        "one bias vector (Keras's SimpleRNN count) instead of PyTorch's two",
        "Keras's SimpleRNN counts {count}: one bias vector instead of PyTorch's two",
    ),
    Recurrent(
        4,
        "LSTM",
        "LSTM",
        "PyTorch keeps two bias vectors per gate, b_ih and b_hh; Keras keeps one",
        "one bias vector per gate (Keras's count) instead of PyTorch's two",
        "Keras counts {count}: one bias vector per gate instead of two",
    ),
    Recurrent(
        3,
        "GRU",
        "GRU",
        "PyTorch keeps two bias vectors per gate, b_ih and b_hh, as Keras 3's GRU does by "
        "default (reset_after=True; reset_after=False keeps one)",
        "one bias vector per gate (Keras's GRU with reset_after=False; its default "
        "reset_after=True counts as PyTorch does) instead of two",
        "Keras 3's GRU counts the same {count} by default (reset_after=True keeps two bias "
        "vectors per gate, as PyTorch does); GRU(..., reset_after=False) counts {other}: "
        "one bias vector per gate",
    ),
)
BY_GATES = {kind.gates: kind for kind in RECURRENT}
BY_KERAS = {kind.keras: kind for kind in RECURRENT}


def gates_formula(gates: int, biases: int) -> str:
    """g·(h·(x + h) + b·h): each of g gates has h×x and h×h weights and b bias vectors of h."""
    inner = {0: "h*(x + h)", 1: "h*(x + h) + h", 2: "h*(x + h) + 2*h"}[biases]
    if gates == 1:
        return inner
    return f"g*{inner}" if biases == 0 else f"g*({inner})"


def gates_step(gates: int, biases: int, x: int, h: int, why: str) -> Step:
    values = {"g": gates, "h": h, "x": x}
    return derive("parameters", gates_formula(gates, biases), values, GATE_MEANINGS, why)


@record
class BatchNorm:
    """PyTorch keeps the running mean and variance as buffers, not parameters; Keras counts
    the moving mean and variance as non-trainable parameters, always. PyTorch's affine=True is
    Keras's center=True, scale=True, and bias=False is center=False."""

    pytorch: str = "BatchNorm"
    keras: str = "BatchNormalization"
    statistics: int = 2  # per channel: the mean and the variance

    # The comparison note beside a PyTorch layer: Keras's count and its {statistics}.
    keras_note: str = (
        "Keras's BatchNormalization counts {count}: the running mean and variance "
        "({statistics}) as non-trainable parameters, where PyTorch keeps buffers"
    )
    # Beside a Keras layer: PyTorch's count, with γ and β, or without (affine=False).
    pytorch_note: str = "PyTorch's BatchNorm counts {count}: its running statistics are buffers"
    pytorch_note_plain: str = (
        "PyTorch's BatchNorm(affine=False) counts {count}: no γ or β, and its running "
        "statistics are buffers"
    )
    buffers: str = "running_mean and running_var are buffers, not parameters"


BATCH_NORM = BatchNorm()
