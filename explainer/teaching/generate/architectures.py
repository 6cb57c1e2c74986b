"""Random valid stacks for each topic and difficulty.

A stack grows one layer at a time and every output shape is read off the engine (a one-layer
``solve`` on the current shape), so a stack is valid by construction. The only arithmetic
here chooses among windows: which fit the incoming size, which divide it evenly.
"""

from __future__ import annotations

import math
import random
from dataclasses import replace
from typing import Any

from ...deriving.solve import solve
from ...deriving.spec import Architecture, LayerSpec, Shape
from ...reading import format_chain
from ...records import record

PoolSpec = tuple[str, int, int | None, int, bool]  # call, kernel, stride, padding, ceil_mode


@record
class Dense:
    """Fully connected layers: a whole MLP, the course's FC stacks, or a CNN's head."""

    inputs: tuple[int, ...]
    hidden: tuple[int, int]  # how many hidden layers, inclusive
    widths: tuple[int, ...]
    outputs: tuple[int, ...]
    activations: tuple[str, ...]
    no_bias: float = 0.0  # chance of a layer without bias
    dropout: float = 0.3
    rates: tuple[float, ...] = (0.1, 0.2, 0.25, 0.5)
    pools: tuple[int, ...] = ()  # the course's Maxpool(x) windows
    pool_chance: float = 0.0
    exact: bool = True  # pooling windows divide the size evenly
    softmax: float = 0.0
    norms: tuple[str, ...] = ()  # BatchNorm1d / LayerNorm after a hidden layer (topic norm)
    norm_chance: float = 0.0
    no_affine: float = 0.0  # chance of a normalisation without γ and β


@record
class Conv:
    """Convolution blocks (the handout's conv, dropout, activation, pooling), then a Dense head."""

    inputs: tuple[Shape, ...]
    blocks: tuple[int, int]
    channels: tuple[int, ...]
    kernels: tuple[int, ...]
    strides: tuple[int, ...]
    dilations: tuple[int, ...]
    half_padding: bool  # padding 0 or (k - 1)/2 only
    exact: bool  # every window divides its size evenly (else: prefer ones that do not)
    pools: tuple[PoolSpec, ...]
    pool_chance: float
    activations: tuple[str, ...]
    head: Dense
    no_bias: float = 0.0
    groups: float = 0.0
    dropout: float = 0.3
    max_features: int = 8192  # more blocks while Flatten would give more than this
    norms: tuple[str, ...] = ()  # BatchNorm2d / GroupNorm after a convolution (topic norm)
    norm_chance: float = 0.0
    no_affine: float = 0.0


@record
class Recurrent:
    """A sequence of token ids through an Embedding, or of feature vectors, then recurrent
    layers and a Linear head on every step's output."""

    lengths: tuple[int, ...]
    features: tuple[int, ...]  # the input's features per step, without an Embedding
    vocabularies: tuple[int, ...]
    embeddings: tuple[int, ...]
    embedding_chance: float
    cells: tuple[str, ...]
    hidden: tuple[int, ...]
    layers: tuple[int, ...]  # num_layers to choose from
    head: Dense
    bidirectional: float = 0.0
    no_bias: float = 0.0
    projection: float = 0.0  # chance of an LSTM with proj_size


@record
class Attention:
    """A sequence (L, E), or token ids through an Embedding, then self-attention blocks
    (MultiheadAttention and LayerNorm, or TransformerEncoderLayer) and a Linear head."""

    lengths: tuple[int, ...]
    widths: tuple[tuple[int, tuple[int, ...]], ...]  # E and the head counts that divide it
    vocabularies: tuple[int, ...]
    embedding_chance: float
    blocks: tuple[int, int]
    encoder_chance: float  # a block is a TransformerEncoderLayer (else attention + LayerNorm)
    feedforward: tuple[int, ...]  # dim_feedforward as a multiple of E
    head: Dense
    no_bias: float = 0.0
    bias_kv: float = 0.0
    gelu: float = 0.0


_MAX2 = ("MaxPool2d", 2, None, 0, False)
CNN = {
    "easy": Conv(
        inputs=((1, 28, 28), (3, 32, 32)), blocks=(1, 2), channels=(6, 8, 16, 32),
        kernels=(3, 5), strides=(1,), dilations=(1,), half_padding=True, exact=True,
        pools=(_MAX2,), pool_chance=0.8, activations=("ReLU",),
        head=Dense((), (0, 1), (64, 120, 128, 256, 512), (10,), ("ReLU",)),
    ),
    "medium": Conv(
        inputs=((1, 28, 28), (3, 32, 32), (1, 32, 32), (3, 64, 64)), blocks=(2, 3),
        channels=(8, 16, 32, 64), kernels=(1, 3, 5, 7), strides=(1, 1, 2), dilations=(1,),
        half_padding=False, exact=True,
        pools=(_MAX2, ("MaxPool2d", 3, 2, 0, False), ("AvgPool2d", 2, None, 0, False)),
        pool_chance=0.6, activations=("ReLU", "ReLU", "Tanh"),
        head=Dense((), (1, 2), (64, 84, 100, 120, 128, 256, 512), (10, 5, 2), ("ReLU", "Tanh"),
                   softmax=0.2),
    ),
    "hard": Conv(
        inputs=((3, 32, 32), (1, 28, 28), (3, 64, 64), (3, 48, 64), (1, 40, 30)), blocks=(2, 4),
        channels=(6, 8, 12, 16, 24, 32, 48, 64), kernels=(2, 3, 4, 5, 7),
        strides=(1, 1, 1, 2, 2, 3), dilations=(1, 1, 1, 2), half_padding=False, exact=False,
        pools=(_MAX2, ("MaxPool2d", 3, 2, 0, False), ("MaxPool2d", 3, 2, 1, False),
               ("AvgPool2d", 3, 2, 1, False), ("MaxPool2d", 2, None, 0, True)),
        pool_chance=0.6, activations=("ReLU", "ReLU", "Tanh", "Sigmoid"), no_bias=0.35, groups=0.35,
        head=Dense((), (1, 3), (50, 84, 100, 120, 200, 250, 300, 500), (10, 7, 3, 100),
                   ("ReLU", "Tanh", "Sigmoid"), no_bias=0.35, softmax=0.4),
    ),
}  # fmt: skip

MLP = {
    "easy": Dense((64, 128, 256, 512, 784, 1024), (1, 2), (16, 32, 64, 128, 256, 512), (10, 2),
                  ("ReLU",)),
    "medium": Dense((100, 256, 784, 1024, 3072), (2, 3), (32, 50, 64, 100, 128, 200, 256, 512),
                    (10, 5, 3), ("ReLU", "ReLU", "Tanh", "Sigmoid"), softmax=0.3),
    "hard": Dense((75, 300, 784, 1000, 3072), (3, 4), (20, 37, 50, 75, 99, 150, 240, 300, 500),
                  (10, 7, 3), ("ReLU", "Tanh", "Sigmoid"), no_bias=0.35, softmax=0.4),
}  # fmt: skip

COURSE = {
    "easy": Dense((256, 512, 1024), (1, 2), (16, 32, 64, 128, 256), (2, 3, 10),
                  ("relu", "tanh", "sigmoid"), no_bias=0.4, pools=(2, 4), pool_chance=0.3),
    "medium": Dense((512, 784, 1024), (2, 3), (32, 64, 100, 128, 256), (3, 5, 10),
                    ("relu", "tanh", "sigmoid"), no_bias=0.4, pools=(2, 3, 4), pool_chance=0.4),
    "hard": Dense((300, 784, 1000, 1024), (3, 4), (37, 50, 100, 128, 150, 250), (3, 7, 10),
                  ("relu", "tanh", "sigmoid"), no_bias=0.5, pools=(2, 3, 4, 5), pool_chance=0.5,
                  exact=False),
}  # fmt: skip


_NORM_CNN = {
    "easy": replace(CNN["easy"], norms=("BatchNorm2d",), norm_chance=1.0,
                    head=replace(CNN["easy"].head, norms=("BatchNorm1d",), norm_chance=0.7)),
    "medium": replace(CNN["medium"], norms=("BatchNorm2d", "BatchNorm2d", "GroupNorm"),
                      norm_chance=0.9, no_bias=0.4,
                      head=replace(CNN["medium"].head, norms=("BatchNorm1d", "LayerNorm"),
                                   norm_chance=0.7)),
    "hard": replace(CNN["hard"], norms=("BatchNorm2d", "GroupNorm", "InstanceNorm2d"),
                    norm_chance=0.9, no_affine=0.3,
                    head=replace(CNN["hard"].head, norms=("BatchNorm1d", "LayerNorm"),
                                 norm_chance=0.7, no_affine=0.3)),
}  # fmt: skip
_NORM_MLP = {
    "easy": replace(MLP["easy"], norms=("BatchNorm1d",), norm_chance=1.0),
    "medium": replace(MLP["medium"], norms=("BatchNorm1d", "LayerNorm"), norm_chance=0.9),
    "hard": replace(MLP["hard"], norms=("BatchNorm1d", "LayerNorm"), norm_chance=0.9,
                    no_affine=0.35),
}  # fmt: skip
NORM = {difficulty: (_NORM_CNN[difficulty], _NORM_MLP[difficulty]) for difficulty in _NORM_CNN}

RNN = {
    "easy": Recurrent(
        lengths=(5, 10, 20), features=(2, 3, 4, 5, 8), vocabularies=(10, 20, 50, 100),
        embeddings=(2, 3, 4, 5, 8), embedding_chance=0.5, cells=("RNN", "LSTM", "GRU"),
        hidden=(2, 3, 4, 5, 8), layers=(1,),
        head=Dense((), (0, 0), (), (1, 2, 3), ("ReLU",), dropout=0.0),
    ),
    "medium": Recurrent(
        lengths=(20, 50, 100), features=(16, 32, 64), vocabularies=(1000, 5000, 10000),
        embeddings=(32, 50, 64, 100, 128), embedding_chance=0.6, cells=("RNN", "LSTM", "GRU"),
        hidden=(32, 64, 100, 128, 256), layers=(1, 2),
        head=Dense((), (0, 1), (16, 32, 64), (2, 5, 10), ("ReLU", "Tanh")),
    ),
    "hard": Recurrent(
        lengths=(30, 64, 128, 200), features=(13, 40, 80, 128), vocabularies=(5000, 20000, 30522),
        embeddings=(50, 100, 128, 300), embedding_chance=0.6, cells=("RNN", "LSTM", "GRU", "LSTM"),
        hidden=(50, 64, 100, 128, 256, 300), layers=(1, 2, 2, 3), bidirectional=0.6,
        no_bias=0.25, projection=0.2,
        head=Dense((), (0, 2), (32, 50, 64, 100, 128), (2, 3, 7, 10), ("ReLU", "Tanh"),
                   no_bias=0.3),
    ),
}  # fmt: skip

ATTENTION = {
    "easy": Attention(
        lengths=(3, 4, 5, 10), widths=((4, (1, 2)), (6, (2, 3)), (8, (2, 4)), (16, (2, 4))),
        vocabularies=(), embedding_chance=0.0, blocks=(1, 1), encoder_chance=0.0,
        feedforward=(), head=Dense((), (0, 0), (), (2, 3, 10), ("ReLU",), dropout=0.0),
    ),
    "medium": Attention(
        lengths=(10, 20, 50), widths=((32, (2, 4, 8)), (64, (4, 8)), (128, (4, 8))),
        vocabularies=(1000, 5000, 10000), embedding_chance=0.4, blocks=(1, 2),
        encoder_chance=0.5, feedforward=(2, 4),
        head=Dense((), (0, 1), (16, 32, 64), (2, 5, 10), ("ReLU",)),
    ),
    "hard": Attention(
        lengths=(16, 64, 128, 512), widths=((96, (3, 4, 6, 8)), (256, (4, 8)), (384, (6, 12)),
                                            (512, (8, 16)), (768, (12,))),
        vocabularies=(5000, 30522, 50257), embedding_chance=0.5, blocks=(1, 3),
        encoder_chance=0.6, feedforward=(2, 3, 4), no_bias=0.25, bias_kv=0.2, gelu=0.3,
        head=Dense((), (0, 2), (64, 100, 128, 256), (2, 3, 7, 10), ("ReLU", "Tanh"),
                   no_bias=0.3),
    ),
}  # fmt: skip


class _Stack:
    """A stack under construction; each new layer's output shape comes from the engine."""

    def __init__(self, input_shape: Shape) -> None:
        self.input_shape = input_shape
        self.shape = input_shape
        self.layers: list[LayerSpec] = []

    def add(self, call: str, *args: Any, **kwargs: Any) -> None:
        spec = LayerSpec(call, args, tuple(kwargs.items()))
        self.shape = solve(Architecture((spec,), self.shape)).layers[0].output_shape
        self.layers.append(spec)

    def architecture(self) -> Architecture:
        return Architecture(tuple(self.layers), self.input_shape)


def build(rng: random.Random, topic: str, difficulty: str) -> Architecture:
    """A random valid stack of ``topic`` at ``difficulty``."""
    if topic == "rnn":
        return _recurrent(rng, RNN[difficulty])
    if topic == "attention":
        return _attention(rng, ATTENTION[difficulty])
    if topic == "norm":
        conv, dense = NORM[difficulty]
        if rng.random() < 0.4:
            stack = _Stack((rng.choice(dense.inputs),))
            _dense(rng, stack, dense, course=False)
            return stack.architecture()
        return _cnn(rng, conv)
    if topic == "cnn":
        return _cnn(rng, CNN[difficulty])
    dense = (COURSE if topic == "course" else MLP)[difficulty]
    stack = _Stack((rng.choice(dense.inputs),))
    _dense(rng, stack, dense, course=topic == "course")
    return stack.architecture()


def _cnn(rng: random.Random, conv: Conv) -> Architecture:
    stack = _Stack(rng.choice(conv.inputs))
    _conv_blocks(rng, stack, conv)
    stack.add("Flatten")
    _dense(rng, stack, conv.head, course=False)
    return stack.architecture()


def write(architecture: Architecture, topic: str) -> str:
    """The chain text of a stack: the course's ``input(1024)→FCwB(256)→...→output`` for the
    course topic, ``input(1, 28, 28) -> Conv2d(...) -> ...`` otherwise."""
    if topic == "course":
        return format_chain(architecture, arrow="→") + "→output"
    return format_chain(architecture)


# -- convolution blocks -----------------------------------------------------------------------


def _conv_blocks(rng: random.Random, stack: _Stack, p: Conv) -> None:
    target = rng.randint(*p.blocks)
    done = 0
    while done < target or (math.prod(stack.shape) > p.max_features and done < target + 3):
        if not _conv(rng, stack, p):
            break
        done += 1
        if p.norms and rng.random() < p.norm_chance:
            _norm(rng, stack, rng.choice(p.norms), p.no_affine)
        if rng.random() < p.dropout:
            stack.add("Dropout", rng.choice(p.head.rates))
        stack.add(rng.choice(p.activations))
        if rng.random() < p.pool_chance:
            _pool(rng, stack, p)


def _conv(rng: random.Random, stack: _Stack, p: Conv) -> bool:
    channels, *sizes = stack.shape
    windows = [
        (kernel, stride, padding, dilation)
        for kernel in p.kernels
        for stride in sorted(set(p.strides))
        for dilation in sorted(set(p.dilations))
        for padding in _paddings(kernel, dilation, p.half_padding)
        if all(
            _fits(size, kernel, stride, padding, dilation, p.exact)
            and dilation * (kernel - 1) < size
            for size in sizes
        )  # not mostly padding
    ]
    if not windows:
        return False
    kernel, stride, padding, dilation = _pick_window(rng, windows, sizes, p.exact)
    groups = _groups(rng, channels, p)
    out = rng.choice([c for c in p.channels if c % groups == 0] or [groups * 2])
    kwargs: dict[str, Any] = {"kernel_size": kernel}
    for name, value, default in (
        ("stride", stride, 1),
        ("padding", padding, 0),
        ("dilation", dilation, 1),
        ("groups", groups, 1),
    ):
        if value != default:
            kwargs[name] = value
    if rng.random() < p.no_bias:
        kwargs["bias"] = False
    stack.add("Conv2d", channels, out, **kwargs)
    return True


def _paddings(kernel: int, dilation: int, half_only: bool) -> tuple[int, ...]:
    half = dilation * (kernel - 1) // 2
    return tuple(sorted({0, half})) if half_only else tuple(range(half + 1))


def _groups(rng: random.Random, channels: int, p: Conv) -> int:
    if rng.random() >= p.groups:
        return 1
    options = sorted({g for g in (2, 3, 4, channels) if 1 < g <= channels and channels % g == 0})
    return rng.choice(options) if options else 1


def _pool(rng: random.Random, stack: _Stack, p: Conv) -> None:
    sizes = stack.shape[1:]
    pools = [
        pool for pool in p.pools
        if all(_fits(size, pool[1], pool[2] or pool[1], pool[3], 1, p.exact) for size in sizes)
    ]  # fmt: skip
    if not pools:
        return
    call, kernel, stride, padding, ceil_mode = rng.choice(pools)
    kwargs: dict[str, Any] = {}
    if stride is not None:
        kwargs["stride"] = stride
    if padding:
        kwargs["padding"] = padding
    if ceil_mode:
        kwargs["ceil_mode"] = True
    stack.add(call, kernel, **kwargs)


def _fits(size: int, kernel: int, stride: int, padding: int, dilation: int, exact: bool) -> bool:
    """At least two windows fit on ``size``; with ``exact``, with nothing left over."""
    room = size + 2 * padding - (dilation * (kernel - 1) + 1)
    return room >= stride and (room % stride == 0 or not exact)


def _pick_window(
    rng: random.Random, windows: list[tuple[int, int, int, int]], sizes: list[int], exact: bool
) -> tuple[int, int, int, int]:
    """Any window; where sizes need not divide, mostly one that leaves a remainder."""
    if not exact and rng.random() < 0.6:
        uneven = [w for w in windows if not all(_fits(s, *w, True) for s in sizes)]
        windows = uneven or windows
    return rng.choice(windows)


# -- fully connected layers -------------------------------------------------------------------


def _dense(rng: random.Random, stack: _Stack, p: Dense, *, course: bool) -> None:
    for _ in range(rng.randint(*p.hidden)):
        features = stack.shape[-1]
        _linear(
            rng,
            stack,
            p,
            rng.choice([w for w in p.widths if w < features] or p.widths[:1]),
            course=course,
        )
        if p.norms and rng.random() < p.norm_chance:
            _norm(rng, stack, rng.choice(p.norms), p.no_affine)
        if rng.random() < p.dropout:
            stack.add("Dropout", rng.choice(p.rates))
        if not course or rng.random() < 0.6:
            stack.add(rng.choice(p.activations))
        if rng.random() < p.pool_chance:
            _course_pool(rng, stack, p)
    _linear(rng, stack, p, rng.choice(p.outputs), course=course)
    if rng.random() < p.softmax:
        stack.add("Softmax", dim=1)


def _linear(rng: random.Random, stack: _Stack, p: Dense, width: int, *, course: bool) -> None:
    bias = rng.random() >= p.no_bias
    if course:
        stack.add("FCwB" if bias else "FC", width)
    elif bias:
        stack.add("Linear", stack.shape[-1], width)
    else:
        stack.add("Linear", stack.shape[-1], width, bias=False)


def _course_pool(rng: random.Random, stack: _Stack, p: Dense) -> None:
    """The course's flat Maxpool(x): window = stride = x."""
    windows = [x for x in p.pools if _fits(stack.shape[-1], x, x, 0, 1, p.exact)]
    if windows:
        stack.add("Maxpool", rng.choice(windows))


# -- normalisation, recurrent and attention layers --------------------------------------------


def _norm(rng: random.Random, stack: _Stack, call: str, no_affine: float) -> None:
    """A normalisation of the current shape's channels (or features), written explicitly."""
    channels = stack.shape[0]
    off = rng.random() < no_affine
    if call == "GroupNorm":
        groups = [g for g in (2, 4, 8, channels) if 1 < g <= channels and channels % g == 0]
        if not groups:
            call = "BatchNorm2d"
        else:
            kwargs = {"affine": False} if off else {}
            stack.add(call, rng.choice(sorted(set(groups))), channels, **kwargs)
            return
    if call == "LayerNorm":
        stack.add(call, stack.shape[-1], **({"elementwise_affine": False} if off else {}))
    elif call == "InstanceNorm2d":  # PyTorch's default is affine=False: with γ and β, say so
        stack.add(call, channels, **({} if off else {"affine": True}))
    else:
        stack.add(call, channels, **({"affine": False} if off else {}))


def _recurrent(rng: random.Random, p: Recurrent) -> Architecture:
    length = rng.choice(p.lengths)
    if rng.random() < p.embedding_chance:
        stack = _Stack((length,))
        stack.add("Embedding", rng.choice(p.vocabularies), rng.choice(p.embeddings))
    else:
        stack = _Stack((length, rng.choice(p.features)))
    cell = rng.choice(p.cells)
    hidden = rng.choice(p.hidden)
    kwargs: dict[str, Any] = {}
    layers = rng.choice(p.layers)
    if layers > 1:
        kwargs["num_layers"] = layers
    if rng.random() < p.no_bias:
        kwargs["bias"] = False
    if rng.random() < p.bidirectional:
        kwargs["bidirectional"] = True
    if cell == "LSTM" and rng.random() < p.projection:
        kwargs["proj_size"] = rng.choice([s for s in (16, 32, 50, 64) if s < hidden] or [1])
    stack.add(cell, stack.shape[-1], hidden, **kwargs)
    _dense(rng, stack, p.head, course=False)
    return stack.architecture()


def _attention(rng: random.Random, p: Attention) -> Architecture:
    length = rng.choice(p.lengths)
    width, heads = rng.choice(p.widths)
    if rng.random() < p.embedding_chance:
        stack = _Stack((length,))
        stack.add("Embedding", rng.choice(p.vocabularies), width)
    else:
        stack = _Stack((length, width))
    for _ in range(rng.randint(*p.blocks)):
        kwargs: dict[str, Any] = {}
        if rng.random() < p.encoder_chance:
            if rng.random() < p.gelu:
                kwargs["activation"] = "gelu"
            if rng.random() < p.no_bias:
                kwargs["bias"] = False
            feedforward = width * rng.choice(p.feedforward)
            stack.add("TransformerEncoderLayer", width, rng.choice(heads),
                      dim_feedforward=feedforward, **kwargs)  # fmt: skip
        else:
            if rng.random() < p.no_bias:
                kwargs["bias"] = False
            if rng.random() < p.bias_kv:
                kwargs["add_bias_kv"] = True
            stack.add("MultiheadAttention", width, rng.choice(heads), **kwargs)
            stack.add("LayerNorm", width)
    _dense(rng, stack, p.head, course=False)
    return stack.architecture()
