"""PyTorch as the oracle: every shape and parameter count the solver derives must be what
``torch.nn`` itself produces, and every combination the solver refuses must be one that
PyTorch refuses too.

Each layer is rebuilt as ``getattr(torch.nn, result.type)(**result.args)``, a batch of one
``torch.zeros(1, *input_shape)`` goes through it, and the output shape (without the batch)
and ``sum(p.numel() for p in module.parameters())`` are compared with the solver's.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import pytest

with warnings.catch_warnings():
    # torch's CPU wheel warns at import time when NumPy is absent; numpy is not needed here.
    warnings.filterwarnings("ignore", message="Failed to initialize NumPy", category=UserWarning)
    torch = pytest.importorskip("torch")

from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from strategies import (
    Case,
    Shape,
    any_shape,
    call,
    chain,
    int_or_tuple,
    rarely,
    sizes,
    with_optional,
)
from torchvision_models import torchvision_models

from explainer.deriving.layers import KINDS
from explainer.deriving.solve import LayerResult, Solution, solve
from explainer.errors import ExplainerError
from explainer.reading import parse
from explainer.reading.check import module_class

# What torch raises when it refuses a layer or an input (construction or forward).
# MultiheadAttention checks its head split and its input's rank with AssertionError.
TORCH_REFUSALS = (RuntimeError, ValueError, IndexError, TypeError, AssertionError)

# Warnings that torch emits for valid layers; silenced only around the oracle's own calls.
TORCH_WARNINGS = (
    "Implicit dimension choice for softmax",  # Softmax() without dim
    "Implicit dimension choice for log_softmax",  # LogSoftmax() without dim
    "Using padding='same' with even kernel lengths",  # asymmetric 'same' padding
    "dropout option adds dropout after all but last recurrent layer",  # num_layers=1
    "LSTM with projections is not supported with oneDNN",  # proj_size > 0 on the CPU
)

PER_KIND = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# The developer loop's draw of each kind (`pytest -m "not slow"`); CI draws PER_KIND as well.
QUICK = settings(PER_KIND, max_examples=10)


# -- the oracle ----------------------------------------------------------------------------


@contextmanager
def torch_quiet() -> Iterator[None]:
    with warnings.catch_warnings():
        for message in TORCH_WARNINGS:
            warnings.filterwarnings("ignore", message=message, category=UserWarning)
        yield


def torch_class(kind: str) -> Any:
    """The class a kind stands for: torch.nn's, or torchvision's for its stock layers."""
    if KINDS[kind].source != "torch.nn":
        torchvision_models()  # torchvision importable (its operator schemas defined)
    return module_class(torch, KINDS[kind], kind)


def build(result: LayerResult) -> Any:
    """The torch module the solver says this layer is. Quietly: some constructors warn about
    valid arguments (an RNN's dropout with num_layers=1)."""
    with torch_quiet():
        return torch_class(result.type)(**result.layer.constructor_args())


# Kinds that are no torch module, checked against torch elsewhere: merges and tensor
# operations in tests/test_graph.py, Hugging Face's modules in tests/test_printouts.py.
ELSEWHERE = {"Add", "Concat", "Mean", "Sum", "Slice", "Transpose", "Reshape", "Conv1D",
             "NewGELUActivation"}  # fmt: skip


# Kinds whose input is integer ids rather than values.
INTEGER_INPUTS = {"Embedding"}
# Kinds whose forward takes (query, key, value): self-attention, with keys and values of
# kdim and vdim features when those differ from embed_dim.
QKV_INPUTS = {"MultiheadAttention"}


def forward(module: Any, kind: str, shape: Shape, extra: tuple[Any, ...] = ()) -> Any:
    """A batch of two zero inputs through ``module``, in eval mode. Two, because batch
    normalisation without running statistics needs more than one value per channel; the
    batch size changes no shape (without the batch) and no count.

    Sequence kinds with batch_first=False read (2, L, X) as a sequence of 2 steps over a
    batch of L; their output (2, L, Y) still ends in the batch-less (L, Y), so the same
    slice serves both layouts (the strategies draw batch_first both ways)."""
    dtype = torch.long if kind in INTEGER_INPUTS else torch.float32
    module.eval()
    x = torch.zeros(2, *shape, dtype=dtype)
    if kind in QKV_INPUTS:
        key = torch.zeros(2, *shape[:-1], module.kdim)
        value = torch.zeros(2, *shape[:-1], module.vdim)
        return module(x, key, value)
    return module(x, *extra)  # what forward takes besides the input (MaxViT's window size)


def run(module: Any, shape: Shape, kind: str = "", extra: tuple[Any, ...] = ()) -> Shape:
    """The batch-less output shape of ``module`` on a batch of one zero input of ``shape``."""
    with torch_quiet(), torch.no_grad():
        out = forward(module, kind or type(module).__name__, shape, extra)
    if isinstance(out, tuple):  # max pooling with return_indices=True, recurrent layers
        out = out[0]
    return tuple(out.shape[1:])


def count(module: Any, *, trainable: bool = False) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable)


def assert_matches_torch(result: LayerResult) -> None:
    module = build(result)
    where = f"layer {result.index} {result.type}({result.args}) on {result.input_shape}"
    extra = result.layer.call_args()
    assert run(module, result.input_shape, extra=extra) == result.output_shape, where
    assert count(module) == result.params, where
    assert count(module, trainable=True) == result.trainable_params, where


def assert_torch_refuses(kind: str, shape: Shape, kwargs: Mapping[str, Any], why: str) -> None:
    """Our solver refused ``kind(**kwargs)`` on ``shape`` (``why``): torch must refuse it too.

    Arguments the solver would have read off the shape (in_channels, in_features) are given
    to torch as the shape's, which is what the user would have had to write."""
    full = dict(kwargs)
    for name, infer in KINDS[kind].inferred.items():
        full.setdefault(name, infer(shape))
    try:
        with torch_quiet(), torch.no_grad():
            called = KINDS[kind].forward_arguments
            module = torch_class(kind)(**{k: v for k, v in full.items() if k not in called})
            out = forward(module, kind, shape, tuple(full[name] for name in called))
    except TORCH_REFUSALS:
        return
    out = out[0] if isinstance(out, tuple) else out
    if 0 in out.shape:
        return  # torch returns an empty tensor; we refuse a size that reaches 0 on purpose
    pytest.fail(f"our solver refuses {kind}({full}) on {shape} ({why}), but torch accepts it")


def check_single(kind: str, shape: Shape, kwargs: dict[str, Any]) -> str:
    """Solve ``input(shape) -> kind(**kwargs)``; torch must agree, or refuse along with us.
    Returns what happened, for hypothesis' statistics."""
    text = chain(shape, call(kind, kwargs))
    try:
        solution = solve(parse(text))
    except ExplainerError as exc:
        assert_torch_refuses(kind, shape, kwargs, str(exc))
        return f"refused: {type(exc).__name__}"
    (result,) = solution.layers
    assert result.type == kind
    assert result.input_shape == shape
    for key, value in kwargs.items():  # the written arguments are the ones torch gets
        assert result.args[key] == value, key
    assert_matches_torch(result)
    assert solution.total_params == result.params
    return "solved"


# -- per-kind strategies: (input shape, keyword arguments) --------------------------------


def conv_cases(spatial: int) -> st.SearchStrategy[Case]:
    @st.composite
    def cases(draw: st.DrawFn) -> Case:
        return conv_case(draw, spatial)

    return cases()


def conv_case(draw: st.DrawFn, spatial: int) -> Case:
    groups = draw(st.sampled_from([1, 1, 1, 2, 3]))
    in_channels = groups * draw(st.integers(1, 2))
    out_channels = groups * draw(st.integers(1, 3))
    stride = draw(int_or_tuple(1, 3, spatial))
    padding = draw(st.one_of(int_or_tuple(0, 3, spatial), st.sampled_from(["same", "valid"])))
    if padding == "same" and not rarely(draw):  # strided 'same': both refuse
        stride = draw(st.sampled_from([1, (1,) * spatial]))
    optional = {
        "stride": stride,
        "padding": padding,
        "dilation": draw(int_or_tuple(1, 3, spatial)),
        "groups": groups,
        "bias": draw(st.booleans()),
        "padding_mode": draw(st.sampled_from(["zeros", "reflect", "replicate", "circular"])),
    }
    kwargs = with_optional(
        draw,
        {"out_channels": out_channels, "kernel_size": draw(int_or_tuple(1, 5, spatial))},
        optional,
    )
    if groups > 1:
        kwargs["groups"] = groups
    channels = in_channels + 1 if rarely(draw) else in_channels  # a mismatch: both refuse
    if draw(st.booleans()):
        kwargs = {"in_channels": in_channels, **kwargs}
    else:
        channels = in_channels  # left out: read off the shape
    shape = (channels, *draw(sizes(1, 10 if spatial < 3 else 6, spatial)))
    return shape, kwargs


def transposed_cases(spatial: int) -> st.SearchStrategy[Case]:
    @st.composite
    def cases(draw: st.DrawFn) -> Case:
        groups = draw(st.sampled_from([1, 1, 2]))
        in_channels = groups * draw(st.integers(1, 2))
        stride = draw(st.integers(1, 3))
        dilation = draw(st.integers(1, 2))
        # output_padding must stay below max(stride, dilation); sometimes not: both refuse.
        limit = max(stride, dilation) - 1 + (1 if rarely(draw) else 0)
        optional = {
            "stride": stride,
            "padding": draw(int_or_tuple(0, 3, spatial)),  # too much: a size below 1, both refuse
            "output_padding": draw(st.integers(0, limit)),
            "groups": groups,
            "bias": draw(st.booleans()),
            "dilation": dilation,
        }
        kwargs = with_optional(
            draw,
            {
                "out_channels": groups * draw(st.integers(1, 3)),
                "kernel_size": draw(int_or_tuple(1, 4, spatial)),
            },
            optional,
        )
        if "output_padding" in kwargs:
            kwargs["stride"], kwargs["dilation"] = stride, dilation
        if groups > 1:
            kwargs["groups"] = groups
        if draw(st.booleans()):
            kwargs = {"in_channels": in_channels, **kwargs}
        return (in_channels, *draw(sizes(1, 8, spatial))), kwargs

    return cases()


def adaptive_cases(kind: str) -> st.SearchStrategy[Case]:
    spatial = {"1d": 1, "2d": 2, "3d": 3}[kind[-2:]]

    @st.composite
    def cases(draw: st.DrawFn) -> Case:
        size = st.integers(1, 8)
        output = draw(st.one_of(size, st.tuples(*[st.one_of(size, st.none())] * spatial)))
        if spatial == 1 and isinstance(output, tuple) and output[0] is None:
            output = draw(size)
        kwargs: dict[str, Any] = {"output_size": output}
        if kind.startswith("AdaptiveMax") and draw(st.booleans()):
            kwargs["return_indices"] = draw(st.booleans())
        rank = draw(st.sampled_from([spatial, spatial + 1]))
        shape = (*draw(sizes(1, 3, rank - spatial)), *draw(sizes(1, 9, spatial)))
        return shape, kwargs

    return cases()


def batchnorm_cases(kind: str) -> st.SearchStrategy[Case]:
    @st.composite
    def cases(draw: st.DrawFn) -> Case:
        channels = draw(st.integers(1, 6))
        if kind == "BatchNorm2d":
            rest = draw(sizes(1, 5, 2))
        elif kind == "BatchNorm3d":
            rest = draw(sizes(1, 4, 3))
        elif kind == "BatchNorm1d":
            rest = draw(st.sampled_from([(), (draw(st.integers(1, 5)),)]))
        else:  # instance norm: statistics over at least two positions
            rest = draw(sizes(2, 5, 2 if kind.endswith("2d") else 1))
        kwargs = with_optional(
            draw,
            {},
            {
                "eps": draw(st.sampled_from([1e-5, 1e-3])),
                "momentum": draw(st.sampled_from([0.1, None, 0.5])),
                "affine": draw(st.booleans()),
                "track_running_stats": draw(st.booleans()),
                "bias": draw(st.booleans()),  # torch 2.13: keyword only; False drops β
            },
        )
        if draw(st.booleans()) or kind.startswith("Instance"):
            kwargs = {"num_features": channels, **kwargs}
        return (channels, *rest), kwargs

    return cases()


@st.composite
def groupnorm_cases(draw: st.DrawFn) -> Case:
    groups = draw(st.integers(1, 4))
    channels = groups * draw(st.integers(1, 3))
    shape = (channels, *draw(st.lists(st.integers(1, 4), max_size=2)))
    optional = {"affine": draw(st.booleans()), "bias": draw(st.booleans())}
    kwargs = with_optional(draw, {"num_groups": groups}, optional)
    if draw(st.booleans()):
        kwargs["num_channels"] = channels
    return shape, kwargs


@st.composite
def layernorm_cases(draw: st.DrawFn) -> Case:
    shape = draw(st.lists(st.integers(1, 5), min_size=1, max_size=3).map(tuple))
    tail = shape[-draw(st.integers(1, len(shape))) :]
    if rarely(draw):  # normalised shape not the input's tail: both refuse
        tail = (*tail[:-1], tail[-1] + 1)
    normalized: Any = tail[0] if len(tail) == 1 and draw(st.booleans()) else tail
    optional = {"elementwise_affine": draw(st.booleans()), "bias": draw(st.booleans())}
    return shape, with_optional(draw, {"normalized_shape": normalized}, optional)


@st.composite
def embedding_cases(draw: st.DrawFn) -> Case:
    shape = draw(st.lists(st.integers(1, 5), min_size=1, max_size=2).map(tuple))
    vocabulary = draw(st.integers(1, 50))
    optional = {
        "padding_idx": draw(st.one_of(st.none(), st.integers(-vocabulary, vocabulary - 1))),
        "max_norm": draw(st.one_of(st.none(), st.sampled_from([1.0, 2.5]))),
        "scale_grad_by_freq": draw(st.booleans()),
        "sparse": draw(st.booleans()),
    }
    required = {"num_embeddings": vocabulary, "embedding_dim": draw(st.integers(1, 8))}
    kwargs = with_optional(draw, required, optional)
    return shape, kwargs


@st.composite
def prelu_cases(draw: st.DrawFn) -> Case:
    shape = draw(any_shape())
    number = draw(st.sampled_from([1, shape[0], shape[0] + 1]))  # a wrong number: both refuse
    return shape, with_optional(draw, {}, {"num_parameters": number, "init": 0.1})


def activation_cases(optional: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[Case]:
    @st.composite
    def cases(draw: st.DrawFn) -> Case:
        drawn = {key: draw(value) for key, value in optional.items()}
        return draw(any_shape()), with_optional(draw, {}, drawn)

    return cases()


@st.composite
def unflatten_cases(draw: st.DrawFn) -> Case:
    shape = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple))
    position = draw(st.integers(0, len(shape) - 1))
    first = draw(st.sampled_from([d for d in range(1, 13) if shape[position] % d == 0]))
    split: tuple[int, ...] = (first, shape[position] // first)
    if draw(st.booleans()):
        split = (-1, split[1]) if draw(st.booleans()) else (split[0], -1)
    if rarely(draw):
        split = (split[0], abs(split[1]) + 1)  # does not multiply to the size: both refuse
    dim = position + 1 if draw(st.booleans()) else position - len(shape)
    return shape, {"dim": dim, "unflattened_size": split}


def pool_cases(kind: str) -> st.SearchStrategy[Case]:
    spatial = int(kind[-2])
    ranks = (spatial, spatial + 1)

    @st.composite
    def cases(draw: st.DrawFn) -> Case:
        optional: dict[str, Any] = {
            "stride": draw(st.one_of(st.none(), int_or_tuple(1, 3, spatial))),
            "padding": draw(int_or_tuple(0, 2, spatial)),  # > kernel // 2: both refuse
            "ceil_mode": draw(st.booleans()),
        }
        if kind.startswith("Max"):
            optional["dilation"] = draw(int_or_tuple(1, 3, spatial))
            optional["return_indices"] = draw(st.booleans())
        else:
            optional["count_include_pad"] = draw(st.booleans())
        if kind in ("AvgPool2d", "AvgPool3d"):
            optional["divisor_override"] = draw(st.one_of(st.none(), st.integers(1, 4)))
        kwargs = with_optional(draw, {"kernel_size": draw(int_or_tuple(1, 4, spatial))}, optional)
        # Mostly a rank the kind accepts, sometimes one it refuses (both must refuse).
        rank = (
            draw(st.sampled_from(ranks))
            if not rarely(draw)
            else draw(st.sampled_from([spatial - 1, spatial + 2]).filter(lambda r: r > 0))
        )
        leading = draw(sizes(1, 3, rank - spatial)) if rank > spatial else ()
        spatial_sizes = draw(sizes(1, 9, spatial)) if rank >= spatial else ()
        shape = (*leading, *spatial_sizes) if rank >= spatial else draw(sizes(1, 9, rank))
        return shape, kwargs

    return cases()


@st.composite
def maxpool1d_flat_cases(draw: st.DrawFn) -> Case:
    """The course's Maxpool(x) on a flat vector (L,): window = stride = x."""
    kernel = draw(st.integers(1, 6))
    return (draw(st.integers(1, 40)),), {"kernel_size": kernel, "stride": kernel}


@st.composite
def linear_cases(draw: st.DrawFn) -> Case:
    shape = draw(st.lists(st.integers(1, 6), min_size=1, max_size=3).map(tuple))
    kwargs = with_optional(
        draw, {"out_features": draw(st.integers(1, 8))}, {"bias": draw(st.booleans())}
    )
    if draw(st.booleans()):
        in_features = shape[-1] + 1 if rarely(draw) else shape[-1]  # a mismatch: both refuse
        kwargs = {"in_features": in_features, **kwargs}
    return shape, kwargs


@st.composite
def flatten_cases(draw: st.DrawFn) -> Case:
    shape = draw(st.lists(st.integers(1, 4), min_size=1, max_size=4).map(tuple))
    rank = len(shape) + 1  # torch counts the batch
    dims = st.integers(-rank - 1, rank)  # one past either end: both refuse
    kwargs = with_optional(draw, {}, {"start_dim": draw(dims), "end_dim": draw(dims)})
    start = kwargs.get("start_dim", 1)
    # start_dim resolving to 0 would merge the batch: a deliberate refusal of ours that torch
    # does not share (see test_flatten_never_merges_the_batch).
    assume(not (-rank <= start < rank and start % rank == 0))
    return shape, kwargs


@st.composite
def dropout_cases(draw: st.DrawFn, channels: bool = False) -> Case:
    # Some outside [0, 1]: both refuse. Dropout2d: whole channels of a (C, H, W) input.
    p = draw(st.one_of(st.floats(0, 1), st.sampled_from([0, 1, -0.5, 1.5])))
    shape = draw(sizes(1, 4, 3)) if channels else draw(any_shape())
    return shape, with_optional(draw, {}, {"p": p, "inplace": draw(st.booleans())})


@st.composite
def relu_cases(draw: st.DrawFn) -> Case:
    return draw(any_shape()), with_optional(draw, {}, {"inplace": draw(st.booleans())})


@st.composite
def no_argument_cases(draw: st.DrawFn) -> Case:
    return draw(any_shape()), {}


@st.composite
def softmax_cases(draw: st.DrawFn) -> Case:
    shape = draw(any_shape())
    rank = len(shape) + 1
    dim = st.one_of(st.none(), st.integers(-rank - 1, rank))  # one past either end: both refuse
    return shape, with_optional(draw, {}, {"dim": draw(dim)})


def sequence_shape(draw: st.DrawFn, features: int) -> Shape:
    """(L, features); rarely a 3-D shape, which torch sees as 4-D with the batch: both refuse.
    Never 1-D: torch would read (2, features) as one unbatched sequence of 2 steps."""
    length = draw(st.integers(1, 5))
    if rarely(draw):
        return (length, draw(st.integers(1, 3)), features)
    return (length, features)


def inferred_or_given(
    draw: st.DrawFn, name: str, actual: int, kwargs: dict[str, Any]
) -> dict[str, Any]:
    """``kwargs`` leaving ``name`` to the shape's ``actual`` features, or writing it first;
    rarely a value that contradicts the shape (both refuse)."""
    if not draw(st.booleans()):
        return kwargs
    return {name: actual + 1 if rarely(draw) else actual, **kwargs}


def recurrent_cases(kind: str) -> st.SearchStrategy[Case]:
    @st.composite
    def cases(draw: st.DrawFn) -> Case:
        hidden = draw(st.integers(1, 8))
        valid_dropout = st.sampled_from([0.0, 0.25, 1])
        optional: dict[str, Any] = {
            "num_layers": draw(st.integers(1, 3)),
            "bias": draw(st.booleans()),
            "batch_first": draw(st.booleans()),
            # Outside [0, 1]: both refuse.
            "dropout": draw(st.sampled_from([-0.1, 1.5]) if rarely(draw) else valid_dropout),
            "bidirectional": draw(st.booleans()),
        }
        if kind == "RNN":
            names = ["tanh", "relu", "sigmoid"] if rarely(draw) else ["tanh", "relu"]
            optional["nonlinearity"] = draw(st.sampled_from(names))
        if kind == "LSTM":
            optional["proj_size"] = draw(st.integers(0, hidden))  # = hidden_size: both refuse
        kwargs = with_optional(draw, {"hidden_size": hidden}, optional)
        features = draw(st.integers(1, 6))
        kwargs = inferred_or_given(draw, "input_size", features, kwargs)
        return sequence_shape(draw, features), kwargs

    return cases()


@st.composite
def attention_cases(draw: st.DrawFn) -> Case:
    heads = draw(st.integers(1, 4))
    embed = heads * draw(st.integers(1, 3)) + int(rarely(draw))  # indivisible: both refuse
    widths = st.one_of(st.none(), st.integers(1, 8))
    optional = {
        "dropout": draw(st.sampled_from([0.0, 0.1, 0.5])),
        "bias": draw(st.booleans()),
        "add_bias_kv": draw(st.booleans()),
        "add_zero_attn": draw(st.booleans()),
        "kdim": draw(widths),
        "vdim": draw(widths),
        "batch_first": draw(st.booleans()),
    }
    kwargs = with_optional(draw, {"num_heads": heads}, optional)
    kwargs = inferred_or_given(draw, "embed_dim", embed, kwargs)
    return sequence_shape(draw, embed), kwargs


@st.composite
def encoder_cases(draw: st.DrawFn) -> Case:
    heads = draw(st.integers(1, 3))
    width = heads * draw(st.integers(1, 3)) + int(rarely(draw))  # indivisible: both refuse
    activations = ["relu", "gelu", "tanh"] if rarely(draw) else ["relu", "gelu"]  # tanh: refused
    optional = {
        "dim_feedforward": draw(st.integers(1, 8)),
        "dropout": draw(st.sampled_from([0.0, 0.1, 1.5] if rarely(draw) else [0.0, 0.1])),
        "activation": draw(st.sampled_from(activations)),
        "layer_norm_eps": draw(st.sampled_from([1e-5, 1e-6])),
        "batch_first": draw(st.booleans()),
        "norm_first": draw(st.booleans()),
        "bias": draw(st.booleans()),
    }
    kwargs = with_optional(draw, {"nhead": heads}, optional)
    kwargs = inferred_or_given(draw, "d_model", width, kwargs)
    return sequence_shape(draw, width), kwargs


@st.composite
def stochastic_depth_cases(draw: st.DrawFn) -> Case:
    p = draw(st.one_of(st.floats(0, 1), st.sampled_from([-0.5, 1.5])))  # outside: both refuse
    mode = draw(st.sampled_from(["row", "batch", "row", "batch", "sample"]))  # sample: refused
    return draw(any_shape()), {"p": p, "mode": mode}


@st.composite
def permute_cases(draw: st.DrawFn) -> Case:
    """Keeping the batch first (we refuse moving it, deliberately); rarely not a permutation."""
    shape = draw(any_shape())
    rest = draw(st.permutations(list(range(1, len(shape) + 1))))
    dims = [0, *rest]
    if rarely(draw):
        dims = [*dims[:-1], dims[-1] + 1]  # a dimension that does not exist: both refuse
    if draw(st.booleans()):
        dims = [d - len(dims) if draw(st.booleans()) else d for d in dims]  # negatives
        assume(dims[0] % len(dims) == 0)
    return shape, {"dims": tuple(dims)}


@st.composite
def layernorm2d_cases(draw: st.DrawFn) -> Case:
    channels = draw(st.integers(1, 6))
    shape = (channels, *draw(sizes(1, 4, 2)))
    written = channels + 1 if rarely(draw) else channels  # not the channels: both refuse
    normalized: Any = (written,) if draw(st.booleans()) else written
    optional = {"elementwise_affine": draw(st.booleans()), "bias": draw(st.booleans())}
    return shape, with_optional(draw, {"normalized_shape": normalized}, optional)


@st.composite
def swapaxes_cases(draw: st.DrawFn) -> Case:
    """Never the batch (we refuse moving it, deliberately); rarely out of range: both refuse."""
    shape = draw(any_shape())
    rank = len(shape) + 1
    dims = st.sampled_from([d for d in range(-rank, rank) if d % rank != 0])
    a, b = draw(dims), draw(dims)
    if rarely(draw):
        a = rank
    return shape, {"a": a, "b": b}


@st.composite
def window_partition_cases(draw: st.DrawFn) -> Case:
    p = draw(st.integers(1, 4))
    height, width = p * draw(st.integers(1, 3)), p * draw(st.integers(1, 3))
    if rarely(draw) and p > 1:
        height += 1  # not a whole number of windows: both refuse
    return (draw(st.integers(1, 4)), height, width), {"p": p}


@st.composite
def window_departition_cases(draw: st.DrawFn) -> Case:
    p, rows, columns = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    windows = rows * columns + (1 if rarely(draw) else 0)  # a window too many: both refuse
    shape = (windows, p * p, draw(st.integers(1, 4)))
    return shape, {"p": p, "h_partitions": rows, "w_partitions": columns}


STRATEGIES: dict[str, st.SearchStrategy[Case]] = {
    "SwapAxes": swapaxes_cases(),
    "WindowPartition": window_partition_cases(),
    "WindowDepartition": window_departition_cases(),
    "Hardswish": activation_cases({"inplace": st.booleans()}),
    "Hardsigmoid": activation_cases({"inplace": st.booleans()}),
    "StochasticDepth": stochastic_depth_cases(),
    "Permute": permute_cases(),
    "LayerNorm2d": layernorm2d_cases(),
    "Conv1d": conv_cases(1),
    "Conv2d": conv_cases(2),
    "Conv3d": conv_cases(3),
    "ConvTranspose1d": transposed_cases(1),
    "ConvTranspose2d": transposed_cases(2),
    "MaxPool3d": pool_cases("MaxPool3d"),
    "AvgPool3d": pool_cases("AvgPool3d"),
    "AdaptiveAvgPool1d": adaptive_cases("AdaptiveAvgPool1d"),
    "AdaptiveAvgPool2d": adaptive_cases("AdaptiveAvgPool2d"),
    "AdaptiveMaxPool1d": adaptive_cases("AdaptiveMaxPool1d"),
    "AdaptiveMaxPool2d": adaptive_cases("AdaptiveMaxPool2d"),
    "BatchNorm1d": batchnorm_cases("BatchNorm1d"),
    "BatchNorm2d": batchnorm_cases("BatchNorm2d"),
    "InstanceNorm1d": batchnorm_cases("InstanceNorm1d"),
    "InstanceNorm2d": batchnorm_cases("InstanceNorm2d"),
    "GroupNorm": groupnorm_cases(),
    "LayerNorm": layernorm_cases(),
    "Embedding": embedding_cases(),
    "PReLU": prelu_cases(),
    "LeakyReLU": activation_cases(
        {"negative_slope": st.sampled_from([0.01, 0.2]), "inplace": st.booleans()}
    ),
    "ELU": activation_cases({"alpha": st.sampled_from([1.0, 0.5]), "inplace": st.booleans()}),
    "GELU": activation_cases({"approximate": st.sampled_from(["none", "tanh"])}),
    "SiLU": activation_cases({"inplace": st.booleans()}),
    "ReLU6": activation_cases({"inplace": st.booleans()}),
    "Hardtanh": activation_cases(
        {"min_val": st.sampled_from([-1.0, -2.0]), "max_val": st.sampled_from([1.0, 3.0])}
    ),
    "LogSoftmax": softmax_cases(),
    "Identity": no_argument_cases(),
    "Unflatten": unflatten_cases(),
    "MaxPool2d": pool_cases("MaxPool2d"),
    "AvgPool2d": pool_cases("AvgPool2d"),
    "MaxPool1d": st.one_of(pool_cases("MaxPool1d"), maxpool1d_flat_cases()),
    "AvgPool1d": pool_cases("AvgPool1d"),
    "Linear": linear_cases(),
    "Flatten": flatten_cases(),
    "Dropout": dropout_cases(),
    "Dropout2d": dropout_cases(channels=True),
    "BatchNorm3d": batchnorm_cases("BatchNorm3d"),
    "AdaptiveAvgPool3d": adaptive_cases("AdaptiveAvgPool3d"),
    "NonDynamicallyQuantizableLinear": linear_cases(),
    "ReLU": relu_cases(),
    "Sigmoid": no_argument_cases(),
    "Tanh": no_argument_cases(),
    "Softmax": softmax_cases(),
    "RNN": recurrent_cases("RNN"),
    "LSTM": recurrent_cases("LSTM"),
    "GRU": recurrent_cases("GRU"),
    "MultiheadAttention": attention_cases(),
    "TransformerEncoderLayer": encoder_cases(),
}


def test_every_kind_has_an_oracle_strategy() -> None:
    assert set(STRATEGIES) | ELSEWHERE == set(KINDS), (
        "a layer kind without an oracle strategy: add one to STRATEGIES in this file"
    )


@pytest.mark.parametrize("kind", sorted(set(KINDS) - ELSEWHERE))
@QUICK
@given(data=st.data())
def test_kind_matches_torch_quickly(kind: str, data: st.DataObject) -> None:
    check_kind(kind, data)


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(set(KINDS) - ELSEWHERE))
@PER_KIND
@given(data=st.data())
def test_kind_matches_torch(kind: str, data: st.DataObject) -> None:
    check_kind(kind, data)


def check_kind(kind: str, data: st.DataObject) -> None:
    assert kind in STRATEGIES, f"no oracle strategy for {kind}"
    shape, kwargs = data.draw(STRATEGIES[kind], label="case")
    event(check_single(kind, shape, kwargs))


# Disagreements the oracle found once, pinned: (kind, shape, kwargs, does torch refuse?).
REGRESSIONS = [
    # ceil_mode lets the only window overhang the input by up to stride - 1
    ("AvgPool1d", (1,), {"kernel_size": 2, "ceil_mode": True}, False),
    ("MaxPool2d", (2, 2), {"kernel_size": 2, "dilation": 2, "ceil_mode": True}, False),
    ("MaxPool1d", (1,), {"kernel_size": 3, "stride": 2, "ceil_mode": True}, True),
    # reflect padding must be smaller than the input, circular at most the input
    (
        "Conv2d",
        (1, 1, 1),
        {"out_channels": 1, "kernel_size": 1, "padding": 1, "padding_mode": "reflect"},
        True,
    ),
    (
        "Conv2d",
        (1, 3, 2),
        {"out_channels": 1, "kernel_size": 4, "padding": "same", "padding_mode": "reflect"},
        True,
    ),
    (
        "Conv2d",
        (1, 2, 2),
        {"out_channels": 1, "kernel_size": 3, "padding": 2, "padding_mode": "circular"},
        False,
    ),
    (
        "Conv2d",
        (1, 2, 2),
        {"out_channels": 1, "kernel_size": 3, "padding": 3, "padding_mode": "circular"},
        True,
    ),
    # Softmax's dim must exist (the batch counts as dimension 0)
    ("Softmax", (1,), {"dim": 2}, True),
    ("Softmax", (1,), {"dim": -2}, False),
    # sequences: proj_size below hidden_size, heads that divide the width
    ("LSTM", (3, 4), {"hidden_size": 4, "proj_size": 4}, True),
    (
        "LSTM",
        (3, 4),
        {"hidden_size": 4, "proj_size": 3, "num_layers": 2, "bidirectional": True},
        False,
    ),
    ("RNN", (2, 3), {"hidden_size": 2, "dropout": 0.5}, False),  # torch warns, and accepts
    ("MultiheadAttention", (2, 6), {"num_heads": 4}, True),
    ("MultiheadAttention", (2, 6), {"num_heads": 3, "kdim": 2, "vdim": 5}, False),
    ("TransformerEncoderLayer", (2, 6), {"nhead": 4, "dim_feedforward": 8}, True),
]


@pytest.mark.parametrize(("kind", "shape", "kwargs", "refused"), REGRESSIONS)
def test_regression_matches_torch(
    kind: str, shape: Shape, kwargs: dict[str, Any], refused: bool
) -> None:
    outcome = check_single(kind, shape, kwargs)
    assert outcome.startswith("refused") if refused else outcome == "solved"


def test_flatten_never_merges_the_batch() -> None:
    """Our one refusal that torch does not share: start_dim=0 would fold the batch into the
    features (torch allows it), so the solver rejects it instead of giving a batch-less shape."""
    for start in (0, -4):
        with pytest.raises(ExplainerError, match="batch"):
            solve(parse(chain((2, 3, 4), f"Flatten(start_dim={start})")))
    with torch_quiet():
        assert tuple(torch.nn.Flatten(0)(torch.zeros(1, 2, 3, 4)).shape) == (24,)


def test_a_sequence_needs_its_length() -> None:
    """Another refusal of ours: torch reads a 2-D input as one unbatched sequence, so a
    batch-prefixed (X,) would pass as a sequence of batch-size steps. Sequence kinds need (L, X)."""
    kinds = ("LSTM(4)", "GRU(4)", "RNN(4)", "MultiheadAttention(2)", "TransformerEncoderLayer(2)")
    for layer in kinds:
        with pytest.raises(ExplainerError, match=r"sequence \(L, "):
            solve(parse(chain((6,), layer)))
    with torch_quiet(), torch.no_grad():
        assert tuple(torch.nn.LSTM(6, 4)(torch.zeros(1, 6))[0].shape) == (1, 4)


def test_attention_dropout_is_a_probability() -> None:
    """MultiheadAttention keeps its dropout unchecked until a training forward: we refuse a
    dropout outside [0, 1] at once, as its own Dropout-based cousins do."""
    with pytest.raises(ExplainerError, match="probability"):
        solve(parse(chain((3, 4), "MultiheadAttention(2, dropout=1.5)")))
    module = torch.nn.MultiheadAttention(4, 2, dropout=1.5)
    x = torch.zeros(3, 1, 4)
    with torch.no_grad():
        module.eval()
        module(x, x, x)  # accepted: dropout is off in eval mode
        module.train()
        with pytest.raises(ValueError, match="dropout probability"):
            module(x, x, x)


# -- whole stacks ------------------------------------------------------------------------


def window(size: int, kernel: int, stride: int, padding: int = 0) -> int:
    return (size + 2 * padding - kernel) // stride + 1


@st.composite
def stacks(draw: st.DrawFn) -> str:
    """A valid chain: conv blocks on (C, H, W), Flatten, then fully connected layers, written
    in every way the notation allows (in_channels / in_features often left out)."""
    c, h, w = draw(st.integers(1, 3)), draw(st.integers(4, 16)), draw(st.integers(4, 16))
    shape = (c, h, w)
    layers: list[str] = []
    activations = st.sampled_from(
        ["ReLU", "relu", "ReLU()", "Sigmoid", "Tanh", "tanh", "nn.ReLU()"]
    )
    for _ in range(draw(st.integers(0, 3))):
        out = draw(st.integers(1, 6))
        kernel = draw(st.integers(1, min(5, h, w)))
        stride = draw(st.integers(1, 2))
        padding = draw(st.integers(0, kernel // 2))
        style = draw(st.sampled_from(["full", "inferred", "keywords", "same"]))
        if style == "full":
            layers.append(f"Conv2d({c}, {out}, {kernel}, stride={stride}, padding={padding})")
        elif style == "inferred":
            # in_channels left out; stride and padding by keyword, since four positional
            # arguments would bind as PyTorch binds them (in_channels first).
            layers.append(f"Conv2d({out}, {kernel}, stride={stride}, padding={padding})")
        elif style == "keywords":
            bias = draw(st.booleans())
            layers.append(
                f"Conv2d(out_channels={out}, kernel_size=({kernel}, {kernel}), "
                f"stride=({stride}, {stride}), padding=({padding}, {padding}), bias={bias})"
            )
        else:
            layers.append(f"Conv2d({out}, {kernel}, padding='same')")  # keeps h and w
        if style != "same":
            h, w = window(h, kernel, stride, padding), window(w, kernel, stride, padding)
        c = out
        if draw(st.booleans()):
            layers.append(draw(activations))
        if draw(st.booleans()):
            layers.append(f"Dropout({draw(st.sampled_from([0.1, 0.25, 0.5]))})")
        if min(h, w) >= 2 and draw(st.booleans()):
            pool = draw(st.integers(2, min(3, h, w)))
            if draw(st.booleans()):
                layers.append(f"MaxPool2d({pool})")
                h, w = h // pool, w // pool
            else:
                layers.append(f"AvgPool2d({pool}, stride=1)")
                h, w = h - pool + 1, w - pool + 1
    layers.append(draw(st.sampled_from(["Flatten", "Flatten()", "Flatten(1, -1)", "nn.Flatten()"])))
    features = c * h * w
    for _ in range(draw(st.integers(1, 3))):
        out = draw(st.integers(1, 24))
        layers.append(
            draw(
                st.sampled_from(
                    [
                        f"Linear({features}, {out})",
                        f"Linear({out})",
                        f"Linear(in_features={features}, out_features={out}, bias=False)",
                        f"Linear(out_features={out}, bias=True)",
                        f"FCwB({out})",
                        f"FC({out})",
                    ]
                )
            )
        )
        features = out
        if draw(st.booleans()):
            layers.append(draw(activations))
        if draw(st.booleans()):
            layers.append(f"Dropout(p={draw(st.sampled_from([0.1, 0.2]))})")
        if features >= 2 and draw(st.booleans()):
            pool = draw(st.integers(2, min(3, features)))
            layers.append(f"Maxpool({pool})")  # the course's flat max pooling
            features //= pool
    if draw(st.booleans()):
        layers.append("Softmax(dim=1)")
    if draw(st.booleans()):
        layers.append("output")
    return chain(shape, *layers, sep=draw(st.sampled_from([" -> ", " → ", "\n", "→"])))


def assert_stack_matches_torch(solution: Solution) -> None:
    model = torch.nn.Sequential(*[build(result) for result in solution.layers])
    shape = solution.input_shape
    first = solution.layers[0].type
    with torch_quiet(), torch.no_grad():
        x = torch.zeros(1, *shape, dtype=torch.long if first in INTEGER_INPUTS else torch.float32)
        for result, module in zip(solution.layers, model, strict=True):
            assert result.input_shape == shape
            x = module(x)
            x = x[0] if isinstance(x, tuple) else x  # recurrent layers: (output, state)
            where = f"layer {result.index} {result.type}({result.args})"
            assert tuple(x.shape[1:]) == result.output_shape, where
            assert count(module) == result.params, where
            assert count(module, trainable=True) == result.trainable_params, where
            shape = result.output_shape
    assert count(model) == solution.total_params
    assert count(model, trainable=True) == solution.trainable_params


def rewrite(solution: Solution) -> str:
    """The solution's layers as chain text with complete keyword arguments."""
    return chain(solution.input_shape, *[call(r.type, r.args) for r in solution.layers])


def summary(solution: Solution) -> list[tuple[Any, ...]]:
    return [
        (r.type, r.args, r.input_shape, r.output_shape, r.params, r.trainable_params)
        for r in solution.layers
    ]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=stacks())
def test_stack_matches_torch(text: str) -> None:
    solution = solve(parse(text))
    assert sum(r.params for r in solution.layers) == solution.total_params
    assert_stack_matches_torch(solution)
    # Round trip: the complete arguments, written out again, give the same solution.
    again = solve(parse(rewrite(solution)))
    assert summary(again) == summary(solution)
    assert again.total_params == solution.total_params


# -- hand-picked cases ---------------------------------------------------------------------

HANDOUT_CNN = (
    "input(1,28,28) -> Conv2d(1, 16, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2)) -> "
    "Dropout(0.2) -> ReLU -> MaxPool2d(kernel_size=2, stride=2) -> "
    "Conv2d(16, 32, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2)) -> Dropout(0.2) -> ReLU -> "
    "MaxPool2d(2) -> Flatten -> Linear(1568, 512) -> Dropout(0.2) -> ReLU -> "
    "Linear(512, 128) -> Dropout(0.2) -> ReLU -> Linear(128, 10)"
)

HANDOUT_MLP = (
    "input(1024) → FCwB(256) → Dropout(0.1) → FC(128) → tanh → Maxpool(3) → FC(3) → output"
)


def test_handout_cnn() -> None:
    solution = solve(parse(HANDOUT_CNN))
    assert solution.total_params == 883_530
    weighted = [(r.type, r.params) for r in solution.layers if r.params]
    assert weighted == [
        ("Conv2d", 416),
        ("Conv2d", 12_832),
        ("Linear", 803_328),
        ("Linear", 65_664),
        ("Linear", 1_290),
    ]
    reshaping = ("Conv2d", "MaxPool2d", "Flatten")
    shapes = [r.output_shape for r in solution.layers if r.type in reshaping]
    assert shapes == [(16, 28, 28), (16, 14, 14), (32, 14, 14), (32, 7, 7), (1568,)]
    assert solution.layers[-1].output_shape == (10,)
    assert_stack_matches_torch(solution)


def test_handout_mlp() -> None:
    solution = solve(parse(HANDOUT_MLP))
    assert solution.total_params == 295_294
    assert [(r.type, r.output_shape, r.params) for r in solution.layers] == [
        ("Linear", (256,), 262_400),
        ("Dropout", (256,), 0),
        ("Linear", (128,), 32_768),
        ("Tanh", (128,), 0),
        ("MaxPool1d", (42,), 0),
        ("Linear", (3,), 126),
    ]
    pool = solution.layers[4]
    assert (pool.args["kernel_size"], pool.args["stride"]) == (3, 3)
    assert [r.args["bias"] for r in solution.layers if r.type == "Linear"] == [True, False, False]
    assert_stack_matches_torch(solution)


@pytest.mark.parametrize(
    "text",
    [
        "input(1000000000) -> Linear(1000000000, 1000000000)",
        "input(1000000000) -> FCwB(1000000000)",
    ],
)
def test_huge_linear_count_is_exact(text: str) -> None:
    # Pure integer arithmetic: never built in torch (that would be 4 exabytes of weights).
    solution = solve(parse(text))
    (result,) = solution.layers
    assert type(result.params) is int
    assert result.params == 10**18 + 10**9
    assert solution.total_params == 1_000_000_001_000_000_000
    assert result.output_shape == (10**9,)


def test_bank_examples_match_torch() -> None:
    """Every bundled exercise, checked layer by layer. On torch's "meta" device: shapes and
    counts without allocating VGG-16's 138 million weights."""
    from explainer.api import bank_examples

    bank = [example for example in bank_examples() if example.framework == "pytorch"]
    assert bank
    for example in bank:  # the Keras ones are checked in test_keras_oracle.py
        solution = solve(example.architecture())
        assert solution.total_params == example.total_params, example.name
        with torch.device("meta"):
            assert_stack_matches_torch(solution)


@pytest.mark.parametrize(
    "layer",
    [
        "BatchNorm2d(16, bias=False)",
        "BatchNorm1d(16, affine=True, bias=False, track_running_stats=True)",
        "GroupNorm(4, 16, bias=False)",
        "InstanceNorm2d(16, affine=True, bias=False)",
    ],
)
def test_a_norm_without_bias_keeps_only_its_scale(layer: str) -> None:
    """torch 2.13's norms take bias=False (keyword only): γ stays, β goes, 16 not 32; the
    oracle rebuilds the layer with the same bias."""
    (result,) = solve(parse(chain((16, 4, 4) if "1d" not in layer else (16,), layer))).layers
    assert result.params == 16 and result.args["bias"] is False
    assert_matches_torch(result)


def test_a_norms_bias_is_keyword_only() -> None:
    """As in torch: a sixth positional argument is not the bias."""
    with pytest.raises(ExplainerError, match="at most 5 positional"):
        solve(parse(chain((16, 4, 4), "BatchNorm2d(16, 1e-5, 0.1, True, True, False)")))
