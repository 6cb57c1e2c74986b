"""The Keras convention shared by every Keras kind: Keras's argument names, order and defaults,
channels-last shapes, trainable versus non-trainable counts.

The formulas are the PyTorch kinds' own (conv.params_step, sizes.window_steps, Linear's);
only what Keras does differently gets a step of its own, and its why line says so.
"""

from __future__ import annotations

import dataclasses
from dataclasses import field
from typing import Any, ClassVar

from ....errors import ArgumentError, did_you_mean
from ....records import record
from ...spec import Shape
from ...steps import Step, derive
from ..base import Derivation, Layer, boolean, int_tuple

# Arguments that change neither a shape nor a count (initialisers, regularisers, constraints,
# seeds, names). They are accepted, checked to be identifiers, and left out of the layer's
# arguments while they keep Keras's default.
_PASSIVE = {"passive": True}


def passive(default: Any) -> Any:
    return field(default=default, metadata=_PASSIVE)


def rarely_set(default: Any) -> Any:
    """An argument that changes the count but is seldom used (lora_rank, rms_scaling): listed
    in the layer's arguments only when it is not Keras's default."""
    return field(default=default, metadata={"rarely_set": True})


# keras.activations, by name. 'glu' halves the last dimension and 'threshold' needs arguments
# of its own, so neither is a plain element-wise activation; both are left out.
ACTIVATIONS = (
    "celu", "elu", "exponential", "gelu", "hard_shrink", "hard_sigmoid", "hard_silu",
    "hard_swish", "hard_tanh", "leaky_relu", "linear", "log_sigmoid", "log_softmax", "mish",
    "relu", "relu6", "selu", "sigmoid", "silu", "soft_shrink", "softmax", "softplus",
    "softsign", "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus", "swish", "tanh",
    "tanh_shrink",
)  # fmt: skip

# Keyword arguments that every Keras layer takes (keras.layers.Layer); they come last.
COMMON = ("name", "trainable")


@record
class KerasLayer(Layer):
    """A Keras layer: fields in Keras's order, channels-last shapes, Keras's counting rules.

    Subclasses implement :meth:`_check` (argument validation) and :meth:`_derive`.
    """

    name: str | None = field(default=None, kw_only=True, metadata=_PASSIVE)
    trainable: bool = field(default=True, kw_only=True, metadata=_PASSIVE)

    # Whether it multiplies inputs by weights (--show macs refuses such a layer when its
    # macs() is None, rather than say 0).
    multiplies: ClassVar[bool] = False

    def __post_init__(self) -> None:
        boolean("trainable", self.trainable)
        for f in dataclasses.fields(self):
            if f.metadata.get("passive") and f.name != "trainable":
                _identifier(f.name, getattr(self, f.name))
        self._check()

    @classmethod
    def arg_names(cls) -> tuple[str, ...]:
        own = tuple(n for n in super().arg_names() if n not in COMMON)
        return (*own, *COMMON)

    def torch_args(self) -> dict[str, Any]:
        """For a Keras kind, Keras's keyword arguments: ``keras.layers.<type>(**args)`` builds
        the same layer. Passive arguments appear only when they differ from Keras's default."""
        fields = {f.name: f for f in dataclasses.fields(self)}
        args = {}
        for name in self.arg_names():
            value, f = getattr(self, name), fields[name]
            quiet = f.metadata.get("passive") or f.metadata.get("rarely_set")
            if not (quiet and value == f.default):
                args[name] = value
        return args

    def _check(self) -> None:
        """Validate the arguments; each check raises ArgumentError naming the argument."""

    def _derive(self, shape: Shape) -> Derivation:
        raise NotImplementedError

    def _derive_inputs(self, shapes: tuple[Shape, ...]) -> Derivation:
        """A kind that takes several inputs (merges, attention's query and value) overrides
        this; the others take one."""
        if len(shapes) != 1:
            return super().derive_inputs(shapes)  # refuses, naming the shapes
        return self._derive(shapes[0])

    def derive(self, shape: Shape) -> Derivation:
        return self._frozen(self._derive(shape))

    def derive_inputs(self, shapes: tuple[Shape, ...]) -> Derivation:
        return self._frozen(self._derive_inputs(shapes))

    def _frozen(self, outcome: Derivation) -> Derivation:
        """trainable=False: every weight the layer has counts as non-trainable."""
        if self.trainable or not outcome.params:
            return outcome
        frozen = "; trainable=False freezes them all: every one is non-trainable"
        steps = outcome.steps
        last = outcome.params_step
        if last is not None:
            steps = (*steps[:-1], dataclasses.replace(last, why=last.why + frozen))
        why = outcome.params_why + frozen
        return dataclasses.replace(
            outcome, steps=steps, non_trainable=outcome.params, params_why=why
        )


def _identifier(name: str, value: Any) -> None:
    if value is not None and type(value) not in (str, int):
        raise ArgumentError(f"{name} must be a Keras identifier such as a string, got {value!r}")


# -- validators ------------------------------------------------------------------------------


def activation(name: str, value: Any) -> None:
    if value is not None and value not in ACTIVATIONS:
        raise ArgumentError(
            f"{name} must be the name of a Keras activation or None, got {value!r}"
            f"{did_you_mean(str(value), ACTIVATIONS)}"
        )


def channels_last(value: Any) -> None:
    if value not in (None, "channels_last"):
        raise ArgumentError(
            f"data_format={value!r} is not supported: the Keras dialect's shapes are "
            "channels-last, (H, W, C)"
        )


def padding(value: Any, choices: tuple[str, ...] = ("valid", "same")) -> str:
    if value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ArgumentError(f"padding must be one of {options}, got {value!r}")
    return str(value)


def rate(name: str, value: Any) -> float:
    if type(value) not in (int, float) or not 0 <= value <= 1:
        raise ArgumentError(f"{name} must be a number between 0 and 1, got {value!r}")
    return float(value)


def strides_and_dilation(spatial: int, strides: Any, dilation_rate: Any) -> None:
    if (
        max(int_tuple("strides", strides, spatial, minimum=1)) > 1
        and max(int_tuple("dilation_rate", dilation_rate, spatial, minimum=1)) > 1
    ):
        raise ArgumentError(
            f"Keras refuses strides > 1 together with dilation_rate > 1 "
            f"(strides={strides!r}, dilation_rate={dilation_rate!r})"
        )


# -- 'same' padding: Keras's own size formula ------------------------------------------------

SAME = "ceil(W/S)"
SAME_MEANINGS = {"W": "input size", "S": "stride"}


def same_steps(
    sizes: tuple[int, ...], strides: tuple[int, ...], axes: tuple[str, ...], why: str
) -> tuple[tuple[int, ...], tuple[Step, ...]]:
    """⌈W/S⌉ per axis; axes that share every number share one step (as window_steps does)."""
    if len(set(zip(sizes, strides, strict=True))) == 1 and len(sizes) > 1:
        step = derive(
            f"output {' = '.join(axes)}", SAME, {"W": sizes[0], "S": strides[0]}, SAME_MEANINGS, why
        )
        return (step.value,) * len(sizes), (step,)
    steps = tuple(
        derive(f"output {axis}", SAME, {"W": size, "S": stride}, SAME_MEANINGS, why)
        for axis, size, stride in zip(axes, sizes, strides, strict=True)
    )
    return tuple(s.value for s in steps), steps


def same_why(strides: tuple[int, ...], what: str = "convolutions") -> str:
    why = "padding='same' pads so that each output size is ⌈W/S⌉"
    if max(strides) == 1:
        return why + ": with stride 1 the size is kept"
    return why + f"; PyTorch's {what} refuse padding='same' with a stride"


def use_bias_words(step: Step) -> Step:
    """PyTorch's argument name in a reused why line, in Keras's words."""
    return dataclasses.replace(step, why=step.why.replace("(bias=False)", "(use_bias=False)"))


@record
class Filters:
    """What conv.params_step reads, in PyTorch's names, from a Keras convolution."""

    in_channels: int
    out_channels: int
    kernel_size: Any
    groups: int
    bias: bool
    spatial: int
