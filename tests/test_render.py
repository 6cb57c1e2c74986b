"""Invariants of the rendered documents, independent of the golden files.

The goldens pin what the output looks like; these tests check what must hold whatever it looks
like: rows add up to the printed total, the HTML page stands alone, a misspelt name fails.
"""

from __future__ import annotations

import dataclasses
import json
import re
from html.parser import HTMLParser

import jinja2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import course_chain, course_layers

from explainer.api import explain, solve_example, solve_spec
from explainer.reading.bank import examples
from explainer.reading.check import Row
from explainer.rendering.options import DIGITS
from explainer.rendering.render import environment, render, render_check

EXAMPLES = sorted(examples())

# What a count looks like in each digit style: 883,530 / 8,83,530 / 883530.
GROUPED = {
    "western": re.compile(r"\d{1,3}(?:,\d{3})*"),
    "indian": re.compile(r"\d{1,3}|\d{1,2}(?:,\d{2})*,\d{3}"),
    "plain": re.compile(r"\d+"),
}


def count(text: str, digits: str) -> int:
    assert GROUPED[digits].fullmatch(text), f"{text!r} is not a {digits} grouped number"
    return int(text.replace(",", ""))


# -- JSON ------------------------------------------------------------------------------------


@pytest.mark.parametrize("example", EXAMPLES)
def test_json_layer_params_add_up_to_the_total(example: str) -> None:
    data = json.loads(explain("", fmt="json", example=example))
    params = [layer["params"] for layer in data["layers"]]
    assert sum(params) == data["total_params"] == data["total"]["value"]
    assert data["trainable_params"] + data["non_trainable_params"] == data["total_params"]
    assert sum(layer["trainable_params"] for layer in data["layers"]) == data["trainable_params"]
    # The derived total names exactly the layers that have weights.
    assert [s["value"] for s in data["total"]["symbols"]] == [p for p in params if p]


def test_json_does_not_depend_on_the_digit_style() -> None:
    outputs = {explain("", fmt="json", digits=digits, example="handout-mlp") for digits in DIGITS}
    assert len(outputs) == 1


# -- summary tables read back ----------------------------------------------------------------


def text_table(text: str) -> tuple[list[str], str]:
    """The Param # column and the printed total of the text summary."""
    lines = text.splitlines()
    rules = [i for i, line in enumerate(lines) if line.startswith("=" * 20)]
    assert len(rules) == 2, "the text summary has a ==== rule above and below its rows"
    column = [line.split()[-1] for line in lines[rules[0] + 1 : rules[1]]]
    (total,) = re.findall(r"^Total params: (\S+)$", text, re.MULTILINE)
    return column, total


def markdown_table(text: str) -> tuple[list[str], str]:
    """The Param # column and the printed total of the Markdown summary (a pipe table)."""
    lines = text.splitlines()
    start = lines.index("| Layer (type) | Output Shape | Param # |") + 2
    column = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
        assert len(cells) == 3, f"a summary row has three cells: {line!r}"
        column.append(cells[2])
    (total,) = re.findall(r"^- Total params: (\S+)$", text, re.MULTILINE)
    return column, total


TABLES = {"text": text_table, "markdown": markdown_table}


@pytest.mark.parametrize("fmt", sorted(TABLES))
@pytest.mark.parametrize("digits", DIGITS)
@pytest.mark.parametrize("example", EXAMPLES)
def test_table_rows_add_up_to_the_printed_total(example: str, digits: str, fmt: str) -> None:
    column, total = TABLES[fmt](explain("", fmt=fmt, digits=digits, example=example))
    assert len(column) == len(solve_example(example).layers)
    assert sum(count(cell, digits) for cell in column) == count(total, digits)


LAYERS = course_layers(300, ("Dropout(0.5)", "relu", "tanh", "sigmoid"))


@settings(max_examples=40, deadline=None)
@given(
    size=st.integers(1, 5000),
    layers=st.lists(LAYERS, min_size=1, max_size=6),
    digits=st.sampled_from(DIGITS),
)
def test_random_chains_tables_add_up(size: int, layers: list[str], digits: str) -> None:
    spec = course_chain(layers)
    for fmt, read in TABLES.items():
        column, total = read(explain(spec, input_shape=str(size), fmt=fmt, digits=digits))
        assert len(column) == len(layers)
        assert sum(count(cell, digits) for cell in column) == count(total, digits)


# -- HTML ------------------------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class Checker(HTMLParser):
    """Every element closed, in order; records tags and link-like attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.tags: list[str] = []
        self.links: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.links += [value or "" for name, value in attrs if name in ("src", "href")]
        if tag not in VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.links += [value or "" for name, value in attrs if name in ("src", "href")]

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.problems.append(
                f"</{tag}> closes {self.open[-1:] or 'nothing'} at {self.getpos()}"
            )
            return
        self.open.pop()


def parse_html(text: str) -> Checker:
    checker = Checker()
    checker.feed(text)
    checker.close()
    assert checker.problems == []
    assert checker.open == [], f"never closed: {checker.open}"
    return checker


@pytest.mark.parametrize("example", EXAMPLES)
def test_html_is_well_formed_and_self_contained(example: str) -> None:
    text = explain("", fmt="html", example=example)
    page = parse_html(text)
    assert text.startswith("<!DOCTYPE html>")
    assert page.tags.count("h1") == 1
    assert page.tags.count("section") == len(solve_example(example).layers) + 1  # + summary
    assert {"table", "thead", "tbody"} <= set(page.tags)
    assert not {"script", "link", "iframe", "img"} & set(page.tags)
    assert all(link.startswith("#") for link in page.links), page.links
    assert not re.search(r"(?:src|href)\s*=\s*[\"']?https?://", text)
    assert "url(" not in text and "@import" not in text


def test_html_escapes_what_the_user_wrote() -> None:
    solution = solve_example("handout-mlp")
    first = solution.layers[0]
    hostile = dataclasses.replace(first.spec, text='<script>alert("x")</script> & co')
    layers = (dataclasses.replace(first, spec=hostile), *solution.layers[1:])
    text = render(dataclasses.replace(solution, layers=layers), "html")
    assert "<script>" not in text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co" in text
    parse_html(text)


# -- templates -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "source"),
    [
        ("text", "{{ solution.total_parmas }}"),
        ("markdown", "{{ solution.layers[0].shape_wy }}"),
        ("html", "{{ solution.subtitle }}"),
        ("latex", r"\VAR{solution.layers[0].parmas | num}"),
    ],
)
def test_a_misspelt_name_fails_instead_of_printing_nothing(fmt: str, source: str) -> None:
    template = environment(fmt, "western").from_string(source)
    with pytest.raises(jinja2.UndefinedError):
        template.render(solution=solve_example("handout-cnn"))


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("cnn_layer_1", "cnn_layer_1"),  # intraword: literal in CommonMark
        ("_private and trailing_", r"\_private and trailing\_"),
        ("16*5*5 costs $5", r"16\*5\*5 costs \$5"),
        ("<b> and `code` and a\\b", r"\<b> and \`code\` and a\\b"),
    ],
)
def test_markdown_escape(raw: str, escaped: str) -> None:
    assert environment("markdown", "western").filters["md"](raw) == escaped


def test_summary_columns_stay_aligned_for_long_type_names() -> None:
    from explainer import api

    text = render(
        api.solve_spec(
            "input(8, 8, 16) -> Conv2D(8, 3) -> GlobalAveragePooling2D() -> Dense(2)",
            framework="keras",
        ),
        "text",
    )
    table = text.split("Summary\n", 1)[1].split("Total params", 1)[0].splitlines()
    rows = [line for line in table if line and line[0] not in "-=_"]
    # Keras's model.summary(): left-aligned columns, each starting at the same place
    assert len({row.index("(None") for row in rows[1:]}) == 1, rows
    assert rows[0].index("Output Shape") == rows[1].index("(None"), rows
    assert " global_average_pooling2d (GlobalAveragePooling2D)" in text


# -- an equation says each number once ------------------------------------------------------

# A number as the formats write it: 4096, 4,096, 4{,}096, 4,\!096, 4 096.
_NUMBER = r"\d[\d,{}\\! ]*"
_TWICE = re.compile(rf"=\s*({_NUMBER})\s*=\s*({_NUMBER})(?![\d,{{}}\\!])")


def _plain(number: str) -> str:
    return re.sub(r"\D", "", number)


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex", "html"])
@pytest.mark.parametrize(
    "spec",
    [
        "input(1, 8, 8) -> Conv2d(1, 16, 5)",  # one counted layer: the total is its count
        "input(10) -> Sigmoid",  # no weights: the total is 0
        "input(64, 8, 8) -> PReLU(64)",  # a count that is one argument
        "input(10) -> Linear(4) -> ReLU -> Linear(2)",  # a real sum
    ],
)
def test_no_step_writes_its_value_twice(spec: str, fmt: str) -> None:
    """``= 416 = 416`` (one term) or ``= 0 = 0`` (none): the sum is the value, said once."""
    text = re.sub(r"<[^>]+>", "", explain(spec, fmt=fmt))
    doubled = [m[0] for m in _TWICE.finditer(text) if _plain(m[1]) == _plain(m[2])]
    assert doubled == []


def test_a_total_of_one_term_or_none_is_said_once() -> None:
    one = explain("input(1, 8, 8) -> Conv2d(1, 16, 5)", fmt="markdown")
    assert "**Total parameters** $= p_{1}$\n\nwhere $p_{1} = 416$" in one
    assert "(parameters of layer 1, Conv2d)\n\n$= 416$\n" in one
    none = explain("input(10) -> Sigmoid", fmt="text")
    assert "Total parameters = 0\n    no layer has weights\n" in none
    two = explain("input(10) -> Linear(4) -> ReLU -> Linear(2)", fmt="text")
    assert "Total parameters = p₁ + p₃\n    = 44 + 10 = 54\n" in two


_CHECK_NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=45)
_CHECK_SHAPES = st.lists(st.integers(1, 10**9), min_size=1, max_size=6).map(tuple)


@given(
    rows=st.lists(
        st.tuples(_CHECK_NAMES, _CHECK_NAMES, _CHECK_SHAPES, st.integers(0, 10**9)),
        min_size=1,
        max_size=6,
    )
)
def test_the_check_table_keeps_its_columns_aligned_whatever_the_names_and_shapes(
    rows: list[tuple[str, str, tuple[int, ...], int]],
) -> None:
    checked = tuple(
        Row(i, name, kind, shape, shape, params, params)
        for i, (name, kind, shape, params) in enumerate(rows, 1)
    )
    lines = render_check(checked).splitlines()[: len(rows) + 1]
    # each column starts where its header starts: "ours: shape" and "PyTorch: shape"
    header = lines[0]
    starts = [header.index("ours: shape"), header.index("PyTorch: shape")]
    for line, (name, kind, shape, _) in zip(lines[1:], rows, strict=True):
        shown = "[" + ", ".join(map(str, (-1, *shape))) + "]"
        assert line.startswith(f"{name} ({kind}) ", 4)
        assert [line.index(shown, 4 + len(name)), line.rindex(shown)] == starts
    assert len({len(line.rstrip()) for line in lines[1:]}) == 1  # "ok" lines up too


@pytest.mark.parametrize("fmt", ["markdown", "html", "latex"])
def test_one_layer_with_every_weight_holds_all_of_them_not_a_hundred_percent(fmt: str) -> None:
    alone = render(solve_spec("input(1,28,28) -> Conv2d(1,16,5) -> ReLU -> Flatten"), fmt)
    assert "holds all the parameters (416)." in alone and "100.0% of the" not in alone
    shared = render(solve_spec("input(1,28,28) -> Conv2d(1,16,5) -> Flatten -> Linear(10)"), fmt)
    assert "holds all the parameters" not in shared
    assert "of the parameters (92,170 of 92,586)." in shared
