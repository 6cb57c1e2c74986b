"""The parsers: chain and course notation, the PyTorch print-out with forward, input shapes."""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explainer.deriving.layers import ALIASES, KINDS, resolve
from explainer.deriving.spec import Architecture, LayerSpec
from explainer.errors import ExplainerError, SpecSyntaxError
from explainer.reading import format_chain, parse, parse_shape
from explainer.reading.bank import example


def calls(arch: Architecture) -> list[tuple[str, tuple[object, ...], dict[str, object]]]:
    return [(s.call, s.args, dict(s.kwargs)) for s in arch.layers]


def test_handout_printout_follows_forward_order_and_keeps_names() -> None:
    arch = parse(example("handout-cnn").spec)
    names = [s.name for s in arch.layers]
    assert names == [
        "cnn_layer_1", "dropout", "relu", "maxpool",
        "cnn_layer_2", "dropout", "relu", "maxpool",
        "flatten", "linear_layer_1", "dropout", "relu",
        "linear_layer_2", "dropout", "relu", "linear_layer_3",
    ]  # fmt: skip
    first = arch.layers[0]
    assert (first.call, first.args) == ("Conv2d", (1, 16))
    assert dict(first.kwargs) == {"kernel_size": (5, 5), "stride": (1, 1), "padding": (2, 2)}
    assert (first.line, first.col) == (2, 20)  # TOML drops the newline after """
    assert arch.notes == ()


def test_handout_printout_with_trailing_spaces_and_following_text() -> None:
    text = example("handout-cnn").spec.replace("\n", "  \n") + "=====\nTotal params: 883,530\n"
    assert len(parse(text).layers) == 16


def test_printout_without_forward_counts_without_shapes() -> None:
    arch = parse(
        "Net(\n  (fc1): Linear(in_features=4, out_features=3, bias=True)\n  (act): ReLU()\n)"
    )
    assert [(s.name, s.placed) for s in arch.layers] == [("fc1", False), ("act", False)]
    assert "shapes need the forward" in arch.notes[0]


def test_sequential_printout_without_forward_uses_printed_order() -> None:
    arch = parse("Sequential(\n  (0): Linear(in_features=4, out_features=3)\n  (1): ReLU()\n)")
    assert [(s.name, s.placed) for s in arch.layers] == [("0", True), ("1", True)]
    assert "order printed" in arch.notes[0]


def test_nested_sequential_and_functional_forward() -> None:
    text = """Net(
  (features): Sequential(
    (0): Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1))
    (1): ReLU(inplace=True)
  )
  (fc): Linear(in_features=288, out_features=10, bias=True)
)
def forward(self, x):
    x = F.max_pool2d(self.features(x), 2)
    x = torch.flatten(x, 1)
    return F.softmax(self.fc(x), dim=1)
"""
    arch = parse(text)
    assert [s.call for s in arch.layers] == [
        "Conv2d",
        "ReLU",
        "MaxPool2d",
        "Flatten",
        "Linear",
        "Softmax",
    ]
    assert [s.name for s in arch.layers][:2] == ["features.0", "features.1"]
    assert dict(arch.layers[5].kwargs) == {"dim": 1}


@pytest.mark.parametrize(
    "forward_line",
    [
        "x = x.view(x.size(0), -1)",
        "x = x.view(-1, 16 * 5 * 5)",
        "x = x.flatten(1)",
        "x = torch.flatten(x, 1)",
    ],
)
def test_forward_flatten_idioms(forward_line: str) -> None:
    text = (
        "N(\n  (c): Conv2d(1, 16, kernel_size=(3, 3))\n)\ndef forward(self, x):\n    x = "
        f"self.c(x)\n    {forward_line}\n    return x\n"
    )
    assert [s.call for s in parse(text).layers] == ["Conv2d", "Flatten"]


def test_forward_residual_is_a_merge() -> None:
    text = (
        "N(\n  (c): Conv2d(1, 1, kernel_size=(3, 3), padding=(1, 1))\n)\ndef forward(self, "
        "x):\n    return self.c(x) + x\n"
    )
    arch = parse(text)
    assert [(s.call, s.inputs) for s in arch.layers] == [("Conv2d", None), ("Add", (1, 0))]


def test_forward_that_cannot_be_followed_is_refused_with_place() -> None:
    text = (
        "N(\n  (c): Conv2d(1, 1, kernel_size=(3, 3))\n)\ndef forward(self, x):\n    return x * 2\n"
    )
    with pytest.raises(SpecSyntaxError, match=r"line 5, col 12: forward: cannot follow 'x \* 2'"):
        parse(text)


def test_course_notation_verbatim() -> None:
    arch = parse("input→FCwB(256)→Dropout(0.1)→FC(128)→tanh→Maxpool(3)→FC(3)→output")
    assert arch.input_shape is None
    assert calls(arch) == [
        ("FCwB", (256,), {}), ("Dropout", (0.1,), {}), ("FC", (128,), {}),
        ("tanh", (), {}), ("Maxpool", (3,), {}), ("FC", (3,), {}),
    ]  # fmt: skip
    assert [s.col for s in arch.layers] == [7, 17, 30, 38, 43, 54]


def test_separators_newlines_comments_and_positions() -> None:
    arch = parse("input(3, 8, 8)\nConv2d(3, 4, 3)  # first\n  -> ReLU;MaxPool2d(2)\n")
    assert arch.input_shape == (3, 8, 8)
    assert [(s.call, s.line, s.col) for s in arch.layers] == [
        ("Conv2d", 2, 1), ("ReLU", 3, 6), ("MaxPool2d", 3, 11),
    ]  # fmt: skip


def test_tuple_spanning_lines_is_one_layer() -> None:
    arch = parse("input(3,8,8) -> Conv2d(3, 4, kernel_size=(3,\n 3))")
    assert dict(arch.layers[0].kwargs)["kernel_size"] == (3, 3)


def test_names_resolve_case_insensitively() -> None:
    assert resolve("fcwb")[1] is ALIASES["FCwB"]
    assert resolve("MAXPOOL")[0].__name__ == "MaxPool1d"
    assert resolve("maxpool2d")[0] is KINDS["MaxPool2d"]
    assert resolve("relu")[0] is KINDS["ReLU"]


def test_torch_prefixes_are_accepted() -> None:
    assert [s.call for s in parse("nn.ReLU -> torch.nn.Tanh()").layers] == ["ReLU", "Tanh"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Conv2d(1, 16", "line 1, col 7: unbalanced parentheses: '(' is never closed"),
        ("ReLU) -> Tanh", "line 1, col 5: unbalanced parentheses: ')' has no matching '('"),
        ("Conv2d(1, 16, [3)]", "line 1, col 17"),
        ("ReLU -> __import__('os').system('x')", "line 1, col 9"),
        ("Linear(open('f').read())", "line 1, col 8"),
        ("Linear(*[1, 2])", "line 1, col 8"),
        ("Linear(1, 2, bias=True, bias=False)", "line 1, col 25"),
        ("ReLU -> input(3)", "'input' can only be the first"),
        ("output -> ReLU", "'output' can only end the chain"),
        ("input(3, 0)", "size 2 is 0"),
        ("Conv2d(1, 2, 'abc)", "unterminated string"),
        ("", "no layers"),
    ],
)
def test_syntax_errors_name_the_place(text: str, message: str) -> None:
    with pytest.raises(ExplainerError) as info:
        parse(text)
    assert message in str(info.value)


@pytest.mark.parametrize(
    "text", ["1,28,28", "1x28x28", "(1, 28, 28)", "[1, 28, 28]", "1×28×28", " 1 28 28 "]
)
def test_input_shape_forms(text: str) -> None:
    assert parse_shape(text) == (1, 28, 28)


@pytest.mark.parametrize("text", ["", "()", "1,a", "1,-3", "0", "1.5", "1,,2"])
def test_bad_input_shapes(text: str) -> None:
    from explainer.errors import InputShapeError

    with pytest.raises(InputShapeError):
        parse_shape(text)


# -- round trip: parse(format(spec)) == spec ------------------------------------------------

_names = st.sampled_from(sorted([*KINDS, *ALIASES]))
_scalars = st.one_of(
    st.integers(-5, 10**12), st.booleans(), st.none(),
    st.floats(0, 1, allow_nan=False), st.text(string.ascii_letters + " _'\"→->", max_size=8),
)  # fmt: skip
_values = st.one_of(_scalars, st.tuples(st.integers(0, 9), st.integers(0, 9)))
_keys = st.text(string.ascii_lowercase + "_", min_size=1, max_size=10).filter(
    lambda k: (
        k not in {"None", "True", "False"}
        and k.isidentifier()
        and k
        not in {
            "if",
            "in",
            "is",
            "or",
            "and",
            "as",
            "for",
            "not",
            "def",
            "del",
            "try",
            "with",
            "else",
            "from",
            "pass",
            "elif",
            "while",
            "class",
            "raise",
            "yield",
            "break",
            "async",
            "await",
            "import",
            "global",
            "lambda",
            "return",
            "assert",
            "except",
            "finally",
            "continue",
            "nonlocal",
        }
    )
)
_layers = st.builds(
    lambda call, args, kwargs: LayerSpec(call, tuple(args), tuple(kwargs.items())),
    _names, st.lists(_values, max_size=3), st.dictionaries(_keys, _values, max_size=3),
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.lists(_layers, min_size=1, max_size=6),
    st.none() | st.lists(st.integers(1, 300), min_size=1, max_size=3).map(tuple),
    st.sampled_from([" -> ", "→", "\n", " → "]),
)
def test_format_then_parse_round_trips(
    layers: list[LayerSpec], shape: tuple[int, ...] | None, arrow: str
) -> None:
    arch = Architecture(tuple(layers), shape)
    again = parse(format_chain(arch, arrow))
    assert again.input_shape == arch.input_shape
    assert calls(again) == calls(arch)
