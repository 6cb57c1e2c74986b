"""The pictures: the SVG is well-formed XML, the bars are to scale, the boxes say the shapes.

The shape diagram and the parameter chart are read back from the rendered documents (SVG in
HTML and Markdown, TikZ in LaTeX) and compared with the solution, not with the golden files.
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

import pytest
from conftest import tool
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import course_chain, course_layers
from test_latex import MILD_OVERFULL_PT, compile_latex, overfull

from explainer.api import explain, solve_example, solve_spec
from explainer.deriving.solve import Solution
from explainer.reading.bank import examples
from explainer.rendering.pictures import bar_chart, shape_diagram
from explainer.rendering.render import environment, render

EXAMPLES = sorted(examples())
SVG_FORMATS = ("html", "markdown")
NS = {"svg": "http://www.w3.org/2000/svg"}
# Coordinates are printed to two decimals: a printed width is within this of the exact one.
ROUNDING = Fraction(1, 200)


def svgs(text: str) -> list[ET.Element]:
    """Every inline <svg> of a document, parsed as XML (a syntax error fails the test)."""
    return [ET.fromstring(match) for match in re.findall(r"<svg\b.*?</svg>", text, re.DOTALL)]


def bar_widths(chart: ET.Element) -> dict[int, Fraction]:
    return {
        int(rect.attrib["data-layer"]): Fraction(rect.attrib["width"])
        for rect in chart.iterfind(".//svg:rect[@class='bar']", NS)
    }


def shape_labels(diagram: ET.Element) -> list[str]:
    return [text.text or "" for text in diagram.iterfind(".//svg:text[@class='shape']", NS)]


def expected_shapes(solution: Solution) -> list[str]:
    """The input, then every output that differs from the shape before it."""
    shapes = [solution.input_shape]
    shapes += [layer.output_shape for layer in solution.layers]
    kept = [shape for i, shape in enumerate(shapes) if i == 0 or shape != shapes[i - 1]]
    return ["×".join(str(size) for size in shape) for shape in kept]


def assert_to_scale(widths: dict[int, Fraction], solution: Solution) -> None:
    """One bar per layer with parameters, each as long as its share of the largest count."""
    weighted = {layer.index: layer.params for layer in solution.layers if layer.params}
    assert set(widths) == set(weighted), "a bar for each layer with parameters, none for the rest"
    largest = max(weighted.values())
    full = max(widths.values())  # the largest count's bar, a whole number of units
    assert full.denominator == 1 and full >= 300
    for index, params in weighted.items():
        assert abs(widths[index] - full * Fraction(params, largest)) <= ROUNDING, index


# -- SVG in HTML and Markdown ------------------------------------------------------------------


@pytest.mark.parametrize("fmt", SVG_FORMATS)
@pytest.mark.parametrize("example", EXAMPLES)
def test_svg_is_well_formed_and_to_scale(example: str, fmt: str) -> None:
    solution = solve_example(example)
    diagram, chart = svgs(explain("", fmt=fmt, example=example))
    assert diagram.tag == chart.tag == "{http://www.w3.org/2000/svg}svg"
    assert shape_labels(diagram) == expected_shapes(solution)
    assert_to_scale(bar_widths(chart), solution)


def test_the_handout_cnn_pictures() -> None:
    """The issue's example: the boxes say 16×28×28 ..., Linear-10 holds 90.9% of 883,530."""
    text = explain("", fmt="html", example="handout-cnn")
    diagram, chart = svgs(text)
    assert shape_labels(diagram) == [
        "1×28×28", "16×28×28", "16×14×14", "32×14×14", "32×7×7", "1568", "512", "128", "10",
    ]  # fmt: skip
    widths = bar_widths(chart)
    assert sorted(widths) == [1, 5, 10, 13, 16]
    assert widths[10] == max(widths.values())
    assert abs(widths[13] / widths[10] - Fraction(65_664, 803_328)) < Fraction(1, 10_000)
    values = [text.text for text in chart.iterfind(".//svg:text", NS)]
    assert "803,328 (90.9%)" in values
    assert "<strong>Linear-10</strong> (linear_layer_1) holds 90.9% of the parameters" in text
    assert "(803,328 of 883,530)" in text


def test_boxes_grow_with_the_shape() -> None:
    """Taller for more values per channel, wider for more channels; the pooling steps down."""
    boxes = shape_diagram(solve_example("handout-cnn")).boxes
    by_label = {"×".join(map(str, box.shape)): box for box in boxes}
    assert by_label["16×28×28"].height > by_label["16×14×14"].height > by_label["32×7×7"].height
    assert by_label["32×14×14"].width > by_label["16×14×14"].width > by_label["1×28×28"].width
    assert by_label["1568"].height > by_label["512"].height > by_label["10"].height
    assert all(box.height > 0 and box.width > 0 for box in boxes)


@pytest.mark.parametrize("fmt", SVG_FORMATS)
def test_a_network_without_weights_has_no_chart(fmt: str) -> None:
    text = explain("input(4) -> ReLU -> Flatten", fmt=fmt)
    (diagram,) = svgs(text)
    assert shape_labels(diagram) == ["4"]
    assert "holds" not in text


def test_markdown_svg_is_one_html_block() -> None:
    """A blank line would end the HTML block: Markdown would print the rest as text."""
    text = explain("", fmt="markdown", example="vgg-16")
    for block in re.findall(r"<svg\b.*?</svg>", text, re.DOTALL):
        assert "\n\n" not in block
    assert re.search(r"\n\n<svg\b", text) and re.search(r"</svg>\n\n", text)


def test_user_names_cannot_break_the_svg() -> None:
    solution = solve_example("handout-mlp")
    first = solution.layers[0]
    hostile = '<b>"x" & y</b>'
    spec = dataclasses.replace(first.spec, text=hostile, name=hostile)
    layers = (dataclasses.replace(first, name=hostile, spec=spec), *solution.layers[1:])
    changed = dataclasses.replace(solution, layers=layers)
    for fmt in SVG_FORMATS:
        _, chart = svgs(render(changed, fmt))
        assert_to_scale(bar_widths(chart), changed)


@settings(max_examples=30, deadline=None)
@given(
    size=st.integers(1, 5000),
    layers=st.lists(course_layers(3000), min_size=1, max_size=8),
)
def test_random_chains_are_to_scale(size: int, layers: list[str]) -> None:
    solution = solve_spec(course_chain(layers), str(size))
    found = svgs(render(solution, "markdown"))
    assert shape_labels(found[0]) == expected_shapes(solution)
    if solution.total_params:
        assert_to_scale(bar_widths(found[1]), solution)
    else:
        assert len(found) == 1


# -- filters ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("share", "text"),
    [
        (Fraction(803_328, 883_530), "90.9%"),
        (Fraction(416, 883_530), "<0.1%"),
        (Fraction(1, 1000), "0.1%"),
        (Fraction(1, 2000), "<0.1%"),
        (Fraction(0), "0.0%"),
        (Fraction(1), "100.0%"),
    ],
)
def test_percent(share: Fraction, text: str) -> None:
    assert environment("html", "western").filters["percent"](share) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(Fraction(499), "499"), (Fraction(51, 2), "25.5"), (Fraction(416 * 499, 803_328), "0.26"),
     (Fraction(-7, 2), "-3.5"), (Fraction(1, 1000), "0")],
)  # fmt: skip
def test_coordinates_are_rounded_to_two_decimals(value: Fraction, text: str) -> None:
    assert environment("latex", "western").filters["coord"](value) == text


# -- TikZ in LaTeX ---------------------------------------------------------------------------

TIKZ_BAR = re.compile(r"\\fill\[pic\w+\] \([\d.]+, [\d.]+\) rectangle \+\+\(([\d.]+), [\d.]+\);")


def test_latex_bars_are_the_svg_bars() -> None:
    """One geometry for every format: TikZ draws the bars the SVG draws."""
    solution = solve_example("handout-cnn")
    tex = render(solution, "latex")
    (_, chart) = svgs(render(solution, "html"))
    svg_widths = [str(width) for width in bar_widths(chart).values()]
    tikz_widths = [str(Fraction(width)) for width in TIKZ_BAR.findall(tex)]
    assert tikz_widths == svg_widths
    assert r"\textbf{Linear-10} (linear\_layer\_1) holds 90.9\% of the parameters" in tex


@pytest.fixture(scope="module")
def tikz(pdflatex: str) -> str:
    """pdflatex, with TikZ installed."""
    kpsewhich = tool("kpsewhich", "apt-get install texlive-latex-base")
    found = subprocess.run([kpsewhich, "tikz.sty"], capture_output=True, check=False)
    if found.returncode != 0:
        pytest.skip("tikz.sty is not installed (apt-get install texlive-pictures)")
    return pdflatex


@pytest.mark.slow
@pytest.mark.parametrize("spec", ["vgg-16", "input(4) -> ReLU"])
def test_latex_pictures_compile(tikz: str, tmp_path: Path, spec: str) -> None:
    """A picture for each row: VGG-16's diagram wraps onto a second row and it has 16 bars; a
    network without weights has no chart."""
    solution = solve_example(spec) if spec in EXAMPLES else solve_spec(spec)
    text = render(solution, "latex")
    chart = bar_chart(solution)
    pictures = len(shape_diagram(solution).rows) + (len(chart.bars) if chart else 0)
    assert text.count(r"\begin{tikzpicture}") == pictures == (2 + 16 if chart else 1)
    log = compile_latex(tikz, text, tmp_path)
    assert max(overfull(log), default=0.0) < MILD_OVERFULL_PT, "a line runs into the margin"
