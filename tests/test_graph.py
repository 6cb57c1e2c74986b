"""Graphs: branches in the chain notation, merges, and every node checked against PyTorch."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explainer.api import solve_spec
from explainer.errors import ExplainerError, ShapeError, SpecSyntaxError
from explainer.reading import parse
from explainer.rendering.render import render

RESNET_BLOCK = """input(64, 56, 56)
x = Conv2d(64, 3, padding=1) -> BatchNorm2d -> ReLU -> Conv2d(64, 3, padding=1) -> BatchNorm2d
Add(x, input) -> ReLU
"""

INCEPTION = """input(192, 28, 28)
a = Conv2d(64, 1)
b = input -> Conv2d(96, 1) -> ReLU -> Conv2d(128, 3, padding=1)
c = input -> Conv2d(16, 1) -> ReLU -> Conv2d(32, 5, padding=2)
d = input -> MaxPool2d(3, stride=1, padding=1) -> Conv2d(32, 1)
Concat(a, b, c, d)
"""


def test_resnet_block_in_three_lines() -> None:
    solution = solve_spec(RESNET_BLOCK)
    add = solution.layers[5]
    assert (add.type, add.inputs, add.input_shapes) == (
        "Add",
        (5, 0),
        ((64, 56, 56), (64, 56, 56)),
    )
    assert solution.layers[6].inputs == (6,)
    assert solution.total_params == 2 * (3 * 3 * 64 * 64 + 64) + 2 * 128
    text = render(solution)
    assert "Inputs: layer 5 (BatchNorm2d) and the input" in text
    assert "Shape: 64×56×56 + 64×56×56 -> 64×56×56" in text


def test_inception_concat_derives_the_channels() -> None:
    solution = solve_spec(INCEPTION)
    concat = solution.layers[-1]
    assert concat.output_shape == (256, 28, 28)
    assert concat.inputs == (1, 4, 7, 9)
    assert concat.steps[0].value == 256
    assert "= 64 + 128 + 32 + 32 = 256" in render(solution)


def test_chain_without_labels_is_unchanged() -> None:
    arch = parse("input(1, 8, 8) -> Conv2d(4, 3)\nReLU -> Flatten")
    assert all(spec.inputs is None for spec in arch.layers)
    solution = solve_spec("input(1, 8, 8) -> Conv2d(4, 3)\nReLU -> Flatten")
    assert solution.is_chain


def test_course_notation_has_branches_too() -> None:
    solution = solve_spec("input(64)\nh = FCwB(64) -> tanh -> FC(64)\nAdd(h, input) -> FCwB(3)")
    assert solution.notation == "course"
    assert solution.layers[3].inputs == (3, 0)
    assert solution.total_params == 64 * 64 + 64 + 64 * 64 + 64 * 3 + 3


def test_json_carries_the_graph() -> None:
    data = json.loads(render(solve_spec(INCEPTION), "json"))
    assert [layer["inputs"] for layer in data["layers"]] == [
        [0], [0], [2], [3], [0], [5], [6], [0], [8], [1, 4, 7, 9],
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            "input(8, 4, 4)\nx = Conv2d(16, 1)\nAdd(x, input)",
            "cannot add layer 1 (Conv2d) of shape 16×4×4 and the input of shape 8×4×4",
        ),
        (
            "input(8, 4, 4)\nx = Conv2d(16, 1, padding=1)\nConcat(x, input)",
            "cannot concatenate layer 1 (Conv2d) of shape 16×6×6 and the input of shape 8×4×4",
        ),
        ("input(8)\nAdd(x, input)", "'x' names no earlier layer"),
        ("input(8)\nx = Linear(8)\nx = Linear(8)", "'x' already names a layer"),
        ("input(8)\nx = Linear(8)\nLinear(4, x, input)", "Linear takes one input, got 2"),
        ("input(8)\nx = Linear(8)\nAdd(x)", "Add needs at least 2 inputs, got 1"),
    ],
)
def test_graph_errors_name_the_branches(spec: str, message: str) -> None:
    with pytest.raises(ExplainerError) as caught:
        solve_spec(spec)
    assert message in str(caught.value)
    assert str(caught.value).startswith("line ")


def test_mismatch_is_a_shape_error_with_place() -> None:
    with pytest.raises(ShapeError, match=r"^line 3, col 1: layer 2, Add\(x, input\)"):
        solve_spec("input(8, 4, 4)\nx = Conv2d(16, 1)\nAdd(x, input)")


def test_a_label_alone_is_refused() -> None:
    with pytest.raises(SpecSyntaxError, match="names nothing"):
        parse("input(8)\nx =\nLinear(4)")


# -- the oracle: random graphs of residual blocks and concatenations, built in PyTorch too ----


@dataclass
class Built:
    """The same graph as chain text and as PyTorch modules with their input nodes."""

    lines: list[str] = field(default_factory=list)
    nodes: list[tuple[Any, tuple[int, ...]]] = field(default_factory=list)  # module, inputs
    channels: dict[int, int] = field(default_factory=lambda: {})
    current: int = 0
    labels: int = 0

    def label(self) -> str:
        self.labels += 1
        return f"n{self.labels}"

    def node(self, module: Any, inputs: tuple[int, ...], channels: int) -> int:
        self.nodes.append((module, inputs))
        number = len(self.nodes)
        self.channels[number] = channels
        return number

    def name_of(self, number: int) -> str:
        return "input" if number == 0 else self.names[number]

    names: dict[int, str] = field(default_factory=dict)


def _conv_chain(
    torch: Any, built: Built, start: int, widths: list[int], kernels: list[int]
) -> tuple[int, str]:
    """Conv2d -> BatchNorm2d -> ReLU ..., from node ``start``; returns the last node, text."""
    parts = []
    node = start
    for width, kernel in zip(widths, kernels, strict=True):
        c = built.channels[node]
        node = built.node(torch.nn.Conv2d(c, width, kernel, padding=kernel // 2), (node,), width)
        node = built.node(torch.nn.BatchNorm2d(width), (node,), width)
        node = built.node(torch.nn.ReLU(), (node,), width)
        parts.append(f"Conv2d({width}, {kernel}, padding={kernel // 2}) -> BatchNorm2d -> ReLU")
    return node, " -> ".join(parts)


def _residual(torch: Any, built: Built, draw: Any) -> None:
    start = built.current
    c = built.channels[start]
    kernels = draw(st.lists(st.sampled_from([1, 3, 5]), min_size=1, max_size=2))
    widths = [draw(st.integers(1, 6)) for _ in kernels[:-1]] + [c]
    end, text = _conv_chain(torch, built, start, widths, kernels)
    name = built.label()
    built.names[end] = name
    built.lines.append(f"{name} = {built.name_of(start)} -> {text}")
    built.current = built.node(Add(), (end, start), c)
    built.lines.append(f"Add({name}, {built.name_of(start)})")
    built.names[built.current] = built.label()
    built.lines[-1] = f"{built.names[built.current]} = {built.lines[-1]}"


def _concat(torch: Any, built: Built, draw: Any) -> None:
    start = built.current
    ends = []
    for _ in range(draw(st.integers(2, 4))):
        kernels = draw(st.lists(st.sampled_from([1, 3]), min_size=1, max_size=2))
        widths = [draw(st.integers(1, 6)) for _ in kernels]
        end, text = _conv_chain(torch, built, start, widths, kernels)
        name = built.label()
        built.names[end] = name
        built.lines.append(f"{name} = {built.name_of(start)} -> {text}")
        ends.append(end)
    total = sum(built.channels[end] for end in ends)
    built.current = built.node(Cat(), tuple(ends), total)
    joined = ", ".join(built.names[end] for end in ends)
    built.names[built.current] = built.label()
    built.lines.append(f"{built.names[built.current]} = Concat({joined})")


class Add:  # the merges as callables over the node outputs
    def __call__(self, *xs: Any) -> Any:
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out


class Cat:
    def __call__(self, *xs: Any) -> Any:
        import torch

        return torch.cat(xs, dim=1)


@st.composite
def graphs(draw: Any) -> tuple[str, Built, tuple[int, int, int]]:
    torch = pytest.importorskip("torch")
    shape = (draw(st.integers(1, 4)), draw(st.integers(3, 8)), draw(st.integers(3, 8)))
    built = Built()
    built.channels[0] = shape[0]
    for _ in range(draw(st.integers(1, 3))):
        draw(st.sampled_from([_residual, _concat]))(torch, built, draw)
    text = f"input{shape}\n" + "\n".join(built.lines)
    return text, built, shape


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs())
def test_every_node_agrees_with_pytorch(case: tuple[str, Built, tuple[int, int, int]]) -> None:
    torch = pytest.importorskip("torch")
    text, built, shape = case
    solution = solve_spec(text)
    outputs: dict[int, Any] = {0: torch.zeros(2, *shape)}
    assert len(solution.layers) == len(built.nodes)
    for number, ((module, inputs), layer) in enumerate(
        zip(built.nodes, solution.layers, strict=True), 1
    ):
        with torch.no_grad():
            outputs[number] = module(*(outputs[i] for i in inputs))
        assert layer.inputs == inputs, text
        assert layer.output_shape == tuple(outputs[number].shape[1:]), text
        params = sum(p.numel() for p in getattr(module, "parameters", lambda: [])())
        assert layer.params == params, text
    assert solution.total_params == sum(
        p.numel() for module, _ in built.nodes for p in getattr(module, "parameters", lambda: [])()
    )


# -- the tensor operations of a forward, against torch's own ------------------------------------


@st.composite
def tensor_ops(draw: Any) -> tuple[tuple[int, ...], str, Any]:
    """A shape, the operation as a chain layer, and the same operation on a torch tensor."""
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=3)))
    rank = len(shape) + 1
    dims = st.integers(1, rank - 1)
    op = draw(st.sampled_from(["Mean", "Sum", "Slice", "Permute", "Transpose", "Reshape"]))
    if op in ("Mean", "Sum"):
        dim = draw(dims) - (rank if draw(st.booleans()) else 0)  # from either end
        keep = draw(st.booleans())
        method = "mean" if op == "Mean" else "sum"
        return (
            shape,
            f"{op}(dim={dim}, keepdim={keep})",
            lambda x: getattr(x, method)(dim=dim, keepdim=keep),
        )
    if op == "Slice":
        items: list[str] = [":"]
        keys: list[Any] = [slice(None)]
        for size in shape:
            kind = draw(st.sampled_from(["all", "int", "slice"]))
            if kind == "int":
                at = draw(st.integers(-size, size - 1))
                items.append(str(at))
                keys.append(at)
            elif kind == "slice":
                start, step = draw(st.integers(0, size - 1)), draw(st.integers(1, 2))
                items.append(f"{start}::{step}")
                keys.append(slice(start, None, step))
            else:
                items.append(":")
                keys.append(slice(None))
        index = ", ".join(items)
        return shape, f"Slice({index!r})", lambda x: x[tuple(keys)]
    if op == "Permute":
        order = [0, *draw(st.permutations(list(range(1, rank))))]
        return shape, f"Permute({tuple(order)!r})", lambda x: x.permute(*order)
    if op == "Transpose":
        a, b = draw(dims), draw(dims)
        return shape, f"Transpose({a}, {b})", lambda x: x.transpose(a, b)
    flat = 1
    for size in shape:
        flat *= size
    new = (flat,) if draw(st.booleans()) else (-1, 1)
    return shape, f"Reshape({new!r})", lambda x: x.reshape(x.shape[0], *new)


@settings(max_examples=150, deadline=None)
@given(tensor_ops())
def test_tensor_operations_agree_with_torch(case: tuple[tuple[int, ...], str, Any]) -> None:
    torch = pytest.importorskip("torch")
    shape, layer, apply = case
    solution = solve_spec(f"input{shape} -> {layer}")
    expected = tuple(apply(torch.zeros(2, *shape)).shape[1:])
    assert solution.layers[0].output_shape == expected, layer
    assert solution.total_params == 0


def test_the_shape_diagram_draws_the_graph() -> None:
    from fractions import Fraction

    from explainer.rendering.pictures import shape_diagram

    diagram = shape_diagram(solve_spec(INCEPTION))
    assert [len(row.boxes) for row in diagram.rows] == [1, 4, 2, 1]  # branches side by side
    assert diagram.rows[-1].boxes[0].layer is not None
    assert diagram.rows[-1].boxes[0].layer.type == "Concat"  # the merge is a box of its own
    assert len(diagram.edges) == 4 + 2 + 4  # input to each branch, inside them, into Concat
    points = [p for edge in diagram.edges for p in (*edge.points, *edge.head)]
    assert all(isinstance(c, Fraction | int) for p in points for c in p)  # exact
    assert all(0 <= x <= diagram.width and 0 <= y <= diagram.height for x, y in points)
    svg = render(solve_spec(INCEPTION), "html")
    assert svg.count('class="edge"') == len(diagram.edges)
    chain = shape_diagram(solve_spec("input(1, 8, 8) -> Conv2d(4, 3) -> Flatten"))
    assert chain.edges == ()


def test_check_refuses_a_graph_in_one_line() -> None:
    from click.testing import CliRunner

    from explainer.cli import main

    result = CliRunner().invoke(main, ["check", RESNET_BLOCK])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "explainer: error: layer 6, Add: Add is no module PyTorch can build on its own (a "
        "merge, a tensor operation or a Hugging Face module), and check builds the layers one "
        "by one"
    ]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs())
def test_format_chain_round_trips_a_graph(case: tuple[str, Built, tuple[int, int, int]]) -> None:
    from explainer.reading import format_chain

    text, _, _ = case
    arch = parse(text)
    again = parse(format_chain(arch))
    assert again.input_shape == arch.input_shape
    assert [(s.call, s.args, s.kwargs, s.inputs) for s in again.layers] == [
        (s.call, s.args, s.kwargs, s.inputs) for s in arch.layers
    ]
