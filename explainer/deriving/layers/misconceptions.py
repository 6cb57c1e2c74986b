"""Classic wrong derivations, each a formula in the course's symbols with a name.

Multiple-choice distractors and the feedback on a wrong answer come from here ("your answer
is 16 less than the right one: did you forget the bias of each of the 16 filters?").
Each is derived with the same machinery as the right answer, so it can be shown step by step.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..steps import derive
from . import conv, linear, sizes
from .base import Misconception

# key -> (description, formula). Convolution formulas are built per number of axes below.
CONV = {
    "bias-forgotten": ("the bias of each filter forgotten", "({K}*{D})*k"),
    "bias-twice": ("the bias counted twice per filter", "(({K}*{D})+2)*k"),
    "bias-added": ("a bias counted although bias=False", "(({K}*{D})+1)*k"),
    "channels-swapped": ("in- and out-channels swapped", "(({K}*k)+1)*d"),
    "groups-ignored": ("groups ignored: every filter sees all d channels", "(({K}*d)+1)*k"),
    "spatial-multiplied": ("the output size multiplied into the count", "(({K}*{D})+1)*k*{O}"),
}
LINEAR = {
    "bias-forgotten": ("the bias of each neuron forgotten", "i*o"),
    "bias-twice": ("the bias counted twice", "i*o + 2*o"),
    "bias-added": ("a bias counted although bias=False", "i*o + o"),
    "bias-per-input": ("one bias per input instead of per neuron", "i*o + i"),
}
SIZE = {
    "plus-one-forgotten": (
        "the \u201c+ 1\u201d of the size formula forgotten",
        "floor((W - F + 2*P)/S)",
    ),
    "ceil-for-floor": (
        "rounded up instead of taking the floor (a window that does not fit is dropped)",
        "ceil((W - F + 2*P)/S + 1)",
    ),
    "padding-forgotten": ("the padding forgotten", "floor((W - F)/S + 1)"),
    "padding-once": ("padding added on one side only", "floor((W - F + P)/S + 1)"),
    "stride-ignored": (
        "the stride ignored: the window moved one step at a time",
        "W - F + 2*P + 1",
    ),
}
# The handout's own Maxpool row writes floor((128 - 3 + 2×0)/3): a pooling student who copies
# it makes exactly this slip, so the feedback says where it comes from.
HANDOUT_SLIP = (
    "the \u201c+ 1\u201d of the size formula forgotten, as in the handout's Maxpool row, "
    "which writes \u230a(128 \u2212 3 + 2\u00d70)/3\u230b without it"
)


def keep(items: Iterable[Misconception], right: int) -> tuple[Misconception, ...]:
    """Only mistakes that give a wrong number, each number once (the first name wins)."""
    seen = {right}
    kept = []
    for item in items:
        if item.value not in seen and item.value >= 0:
            seen.add(item.value)
            kept.append(item)
    return tuple(kept)


def _make(
    table: Mapping[str, tuple[str, str]],
    keys: Iterable[str],
    quantity: str,
    values: Mapping[str, int],
    meanings: Mapping[str, str],
) -> list[Misconception]:
    made = []
    for key in keys:
        description, text = table[key]
        made.append(
            Misconception(key, description, derive(quantity, text, values, meanings, description))
        )
    return made


def for_conv(
    layer: conv._ConvNd, values: Mapping[str, int], out_sizes: tuple[int, ...], right: int
) -> tuple[Misconception, ...]:
    keys = ["bias-forgotten", "bias-twice"] if layer.bias else ["bias-added"]
    keys += ["channels-swapped", "spatial-multiplied"]
    if layer.groups > 1:
        keys.append("groups-ignored")
    outs = conv.OUT_SYMBOLS[layer.spatial]
    fill = {
        "K": "*".join(conv.KERNEL_SYMBOLS[layer.spatial]),
        "D": "(d/g)" if layer.groups > 1 else "d",
        "O": "*".join(outs),
    }
    table = {key: (description, text.format(**fill)) for key, (description, text) in CONV.items()}
    spatial = dict(zip(outs, out_sizes, strict=True))
    meanings = {**conv.MEANINGS, **conv.OUT_MEANINGS}
    return keep(_make(table, keys, "parameters", {**values, **spatial}, meanings), right)


def for_linear(layer: linear.Linear, right: int) -> tuple[Misconception, ...]:
    keys = ["bias-forgotten", "bias-twice", "bias-per-input"] if layer.bias else ["bias-added"]
    values = {"i": layer.in_features, "o": layer.out_features}
    return keep(_make(LINEAR, keys, "parameters", values, linear.MEANINGS), right)


def for_window(
    axis: str, window: sizes.Window, size: int, right: int, pooling: bool = False
) -> tuple[Misconception, ...]:
    if window.dilation != 1:
        return ()
    values = {"W": size, "F": window.kernel, "P": window.padding, "S": window.stride}
    table = dict(SIZE)
    if pooling:
        table["plus-one-forgotten"] = (HANDOUT_SLIP, SIZE["plus-one-forgotten"][1])
    keys = [key for key in table if _applies(key, window)]
    return keep(_make(table, keys, f"output {axis}", values, sizes.MEANINGS), right)


def _applies(key: str, window: sizes.Window) -> bool:
    """A padding mistake needs padding, a stride mistake a stride other than 1."""
    if key.startswith("padding-"):
        return window.padding > 0
    if key == "stride-ignored":
        return window.stride > 1
    return True
