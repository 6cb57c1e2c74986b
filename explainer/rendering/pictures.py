"""Solution -> the geometry of two pictures, as data: the shape diagram and the parameter chart.

Exact numbers only (``Fraction``), in SVG user units: 1 unit = 1 CSS pixel, y grows downwards.
The templates place these numbers in SVG (HTML, Markdown) or TikZ (LaTeX, at \\linewidth/720 per
unit) and word every label with the usual filters; they round for display and compute nothing.
Both pictures are rows (of boxes, of one bar) whose contents are measured from the row's top:
SVG shifts each row down to its ``top``; LaTeX draws each row as a picture of its own, so that a
long network's chart breaks across pages and no coordinate outgrows TeX's dimensions.

Shape diagram: one box for the input and one for each layer that changes the shape (a Dropout or
a ReLU keeps it and adds nothing to look at). A box's height counts the doublings of the values per
channel (28×28 = 784 -> 10 doublings), its width the doublings of the channels (a flat vector has
one channel). Doublings, ``int.bit_length``, rather than the sizes themselves: exact integers, and
readable over the range of real networks (3×224×224 down to 10), where a linear scale would leave
VGG's 512×7×7 a sliver beside its input; each halving by a pooling layer takes the same step off.

Parameter chart: one bar for each layer that has parameters (the others would be bars of length
0), bar length = params / the largest params × BAR_LENGTH, so the largest layer spans the chart,
and its share of the total.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import pairwise
from math import prod

from ..deriving.solution import LayerResult, Solution
from ..deriving.spec import Shape
from ..records import record

WIDTH = 720  # the widest picture; LaTeX scales this to \linewidth

# Shape diagram
COLUMN = 78  # at least, for one box and its labels; 9 columns fit in WIDTH
STEP_HEIGHT = 8  # per doubling of the values per channel
STEP_WIDTH = 5  # per doubling of the channels
MAX_HEIGHT = 128  # 16 doublings: 3×224×224 reaches it
MAX_WIDTH = 70  # 13 doublings (4,096 channels) would be wider than a column
LABELS = 30  # below each box: the shape, then the layer
GAP = 12  # between rows, and the margin above and below
ARROW_HEAD = 5

# Generous widths of a character, to give labels room: the 11- and 12-unit ones, the 10-unit ones.
CHAR = 8
SMALL_CHAR = 6
LABEL_GAP = 8  # between labels side by side, between a label and its bar, a bar and its value

# Parameter chart
BAR_HEIGHT = 14
ROW = 22
VALUE_COLUMN = 150  # room right of the longest bar for "102,764,544 (77.5%)"


@record
class Box:
    """The tensor after ``layer`` (the input when ``layer`` is None); y from the row's top."""

    x: Fraction
    y: Fraction
    width: Fraction
    height: Fraction
    shape: Shape
    layer: LayerResult | None
    centre_x: Fraction  # the labels hang centred below the box
    shape_y: Fraction  # baseline of the shape label
    layer_y: Fraction  # baseline of the layer label


@record
class Arrow:
    """From one box to the next along the row's middle line; ``head`` is a triangle."""

    x1: Fraction
    x2: Fraction
    y: Fraction
    head: tuple[tuple[Fraction, Fraction], ...]


@record
class BoxRow:
    top: Fraction
    boxes: tuple[Box, ...]
    arrows: tuple[Arrow, ...]  # between its boxes; the rows read like lines of text


@record
class Edge:
    """A graph's arrow between boxes of different rows, in the diagram's own coordinates: a
    path of straight pieces (``points``) ending in a triangle ``head``."""

    points: tuple[tuple[Fraction, Fraction], ...]
    head: tuple[tuple[Fraction, Fraction], ...]


@record
class ShapeDiagram:
    rows: tuple[BoxRow, ...]
    row_height: Fraction
    width: Fraction
    height: Fraction
    # A graph (branches, merges): one row per level, branches side by side, and these arrows
    # between the rows. Empty for a chain, whose arrows run inside each row.
    edges: tuple[Edge, ...] = ()

    @property
    def boxes(self) -> tuple[Box, ...]:
        return tuple(box for row in self.rows for box in row.boxes)


@record
class Bar:
    """One row of the chart; y from the row's ``top``."""

    top: Fraction
    x: Fraction
    y: Fraction
    width: Fraction
    height: Fraction
    layer: LayerResult
    params: int  # every copy of the layer (one of 12 printed blocks: 12 times its count)
    label: str  # Conv2d-1, or LayerNorm-4 ×12
    share: Fraction  # of the total parameters
    middle_y: Fraction  # the row's middle (TikZ anchors labels there)
    baseline_y: Fraction  # the labels' SVG baseline, a little below the middle
    label_x: Fraction  # the layer label ends here
    value_x: Fraction  # the count starts here


@record
class BarChart:
    bars: tuple[Bar, ...]
    biggest: Bar  # the first bar of the largest count
    whole: bool  # the largest count is the whole total: one layer holds every parameter
    row_height: Fraction
    width: Fraction
    height: Fraction


def doublings(size: int) -> int:
    """How many times 1 doubles to reach ``size``, rounded up: 1 -> 1, 10 -> 4, 784 -> 10."""
    return max(size, 1).bit_length()


def box_size(shape: Shape) -> tuple[Fraction, Fraction]:
    """(width, height): channels are the first size, values per channel the rest."""
    channels, per_channel = (1, prod(shape)) if len(shape) < 2 else (shape[0], prod(shape[1:]))
    width = min(STEP_WIDTH * (doublings(channels) + 1), MAX_WIDTH)
    height = min(STEP_HEIGHT * doublings(per_channel), MAX_HEIGHT)
    return Fraction(width), Fraction(height)


def stages(solution: Solution) -> list[tuple[Shape, LayerResult | None]]:
    """The input, then each layer whose output differs from the shape before it."""
    found: list[tuple[Shape, LayerResult | None]] = [(solution.input_shape, None)]
    for layer in solution.layers:
        if layer.output_shape != found[-1][0] and not layer.spec.off_path:
            found.append((layer.output_shape, layer))
    return found


def shape_diagram(solution: Solution) -> ShapeDiagram:
    if not solution.is_chain:
        return graph_diagram(solution)
    found = stages(solution)
    column_width = max(COLUMN, *(_room(shape, layer) for shape, layer in found))
    columns = max(1, min(len(found), WIDTH // column_width))
    tallest = max(box_size(shape)[1] for shape, _ in found)
    row_height = GAP + tallest + LABELS
    rows = tuple(
        _box_row(found[start : start + columns], row_height * number, column_width, tallest)
        for number, start in enumerate(range(0, len(found), columns))
    )
    return ShapeDiagram(
        rows=rows,
        row_height=row_height,
        width=Fraction(columns * column_width),
        height=len(rows) * row_height + GAP,
    )


def _box_row(
    found: list[tuple[Shape, LayerResult | None]], top: Fraction, column: int, tallest: Fraction
) -> BoxRow:
    middle = GAP + tallest / 2
    boxes = tuple(
        _box(shape, layer, Fraction(number * column), column, middle, tallest)
        for number, (shape, layer) in enumerate(found)
    )
    arrows = tuple(_arrow(before, after, middle) for before, after in pairwise(boxes))
    return BoxRow(top=top, boxes=boxes, arrows=arrows)


def _room(shape: Shape, layer: LayerResult | None) -> int:
    """The width the labels below a box need: 16×28×28, then Conv2d-1."""
    shape_chars = sum(len(str(size)) for size in shape) + len(shape) - 1
    layer_chars = _layer_chars(layer) if layer else len("input")
    return max(CHAR * shape_chars, SMALL_CHAR * layer_chars) + LABEL_GAP


def _layer_chars(layer: LayerResult) -> int:
    """The length of the label Conv2d-1."""
    return len(layer.label)


def _box(
    shape: Shape,
    layer: LayerResult | None,
    left: Fraction,
    column: int,
    middle: Fraction,
    tallest: Fraction,
) -> Box:
    width, height = box_size(shape)
    labels = middle + tallest / 2
    return Box(
        x=left + (column - width) / 2,
        y=middle - height / 2,
        width=width,
        height=height,
        shape=shape,
        layer=layer,
        centre_x=left + Fraction(column, 2),
        shape_y=labels + 14,
        layer_y=labels + 27,
    )


def _arrow(before: Box, after: Box, y: Fraction) -> Arrow:
    x1, x2 = before.x + before.width + 3, after.x - 3
    head = ((x2, y), (x2 - ARROW_HEAD, y - Fraction(ARROW_HEAD, 2) - 1),
            (x2 - ARROW_HEAD, y + Fraction(ARROW_HEAD, 2) + 1))  # fmt: skip
    return Arrow(x1=x1, x2=x2 - ARROW_HEAD, y=y, head=head)


def bar_chart(solution: Solution) -> BarChart | None:
    """None when no layer has parameters: there is nothing to compare."""
    weighted = [layer for layer in solution.layers if layer.params > 0]
    if not weighted:
        return None
    largest = max(layer.params * layer.copies for layer in weighted)
    label_chars = max(len(_bar_label(layer)) for layer in weighted)
    bar_x = Fraction(label_chars * CHAR + LABEL_GAP)
    length = WIDTH - bar_x - VALUE_COLUMN
    bars = tuple(
        _bar(
            layer,
            row,
            bar_x,
            length * Fraction(layer.params * layer.copies, largest),
            solution.total_params,
        )
        for row, layer in enumerate(weighted)
    )
    biggest = next(bar for bar in bars if bar.params == largest)
    height = Fraction(len(bars) * ROW)
    return BarChart(
        bars=bars,
        biggest=biggest,
        whole=largest == solution.total_params,
        row_height=Fraction(ROW),
        width=Fraction(WIDTH),
        height=height,
    )


def _bar_label(layer: LayerResult) -> str:
    """Conv2d-1; a layer of a printed repeat says how many copies its bar stands for."""
    label = layer.label
    return label + (f" ×{layer.copies}" if layer.copies > 1 else "")


def _bar(layer: LayerResult, row: int, x: Fraction, width: Fraction, total: int) -> Bar:
    y = Fraction(ROW - BAR_HEIGHT, 2)
    middle = y + Fraction(BAR_HEIGHT, 2)
    return Bar(
        top=Fraction(row * ROW),
        x=x,
        y=y,
        width=width,
        height=Fraction(BAR_HEIGHT),
        layer=layer,
        params=layer.params * layer.copies,
        label=_bar_label(layer),
        share=Fraction(layer.params * layer.copies, total),
        middle_y=middle,
        baseline_y=middle + 4,
        label_x=x - LABEL_GAP,
        value_x=x + width + LABEL_GAP,
    )


# -- graphs: one row per level, branches side by side, merges as boxes of their own ---------

BYPASS = 14  # an arrow that skips rows runs this far right of the widest row it passes


def graph_nodes(solution: Solution) -> dict[int, tuple[int, ...]]:
    """The boxes of a graph (0: the input) and, for each, the boxes it reads: every merge,
    every layer that changes the shape or has weights (a branch shows what it holds), and the
    output; the others (ReLU, Dropout) are passed through."""
    shown: dict[int, tuple[int, ...]] = {0: ()}
    nearest: dict[int, int] = {0: 0}  # each layer -> the box that stands for its output
    last = solution.layers[-1].index if solution.layers else 0
    for layer in solution.layers:
        if not layer.placed:
            continue
        sources = tuple(dict.fromkeys(nearest[i] for i in layer.inputs))
        if not sources:  # a further model input (Keras): a box of its own, on the first row
            shown[layer.index] = ()
            nearest[layer.index] = layer.index
            continue
        changes = layer.output_shape != layer.input_shape
        if len(layer.inputs) > 1 or changes or layer.params or layer.index == last:
            shown[layer.index] = sources
            nearest[layer.index] = layer.index
        else:
            nearest[layer.index] = sources[0]
    return shown


def graph_diagram(solution: Solution) -> ShapeDiagram:
    shown = graph_nodes(solution)
    level: dict[int, int] = {}
    for node, sources in shown.items():
        level[node] = 1 + max((level[s] for s in sources), default=-1)
    rows_of: dict[int, list[int]] = {}
    for node in shown:
        rows_of.setdefault(level[node], []).append(node)
    results = {layer.index: layer for layer in solution.layers}
    shapes = {0: solution.input_shape, **{i: r.output_shape for i, r in results.items()}}
    found = [(shapes[n], results.get(n)) for n in shown]
    column = max(COLUMN, *(_room(shape, layer) for shape, layer in found))
    tallest = max(box_size(shape)[1] for shape, _ in found)
    row_height = GAP + tallest + LABELS + GAP
    widest = max(len(nodes) for nodes in rows_of.values())
    rows = []
    where: dict[int, tuple[int, Box]] = {}  # node -> (row number, box)
    for number in sorted(rows_of):
        nodes = rows_of[number]
        left = Fraction((widest - len(nodes)) * column, 2)  # each row centred
        middle = GAP + tallest / 2
        boxes = tuple(
            _box(shapes[n], results.get(n), left + i * column, column, middle, tallest)
            for i, n in enumerate(nodes)
        )
        where.update({n: (number, box) for n, box in zip(nodes, boxes, strict=True)})
        rows.append(BoxRow(top=row_height * number, boxes=boxes, arrows=()))
    width = Fraction(widest * column)
    edges, lanes = _edges(shown, where, row_height, width)
    return ShapeDiagram(
        rows=tuple(rows),
        row_height=row_height,
        width=width + (BYPASS * (lanes + 1) if lanes else 0),
        height=len(rows) * row_height + GAP,
        edges=edges,
    )


def _edges(
    shown: dict[int, tuple[int, ...]],
    where: dict[int, tuple[int, Box]],
    row_height: Fraction,
    width: Fraction,
) -> tuple[tuple[Edge, ...], int]:
    """The arrows, and how many lanes right of the rows the skip connections take."""
    edges = []
    lane = 0
    for node, sources in shown.items():
        row, target = where[node]
        for source in sources:
            start_row, start = where[source]
            if row - start_row == 1:
                edges.append(_down(start, start_row, target, row, row_height))
            else:
                lane += 1
                edges.append(_bypass(start, start_row, target, row, row_height, width, lane))
    return tuple(edges), lane


def _down(start: Box, start_row: int, target: Box, row: int, height: Fraction) -> Edge:
    """Below the source's labels, across, then down onto the top of the target box."""
    x1, y1 = start.centre_x, height * start_row + start.layer_y + 6
    x2, y2 = target.centre_x, height * row + target.y - 3
    bend = y2 - Fraction(GAP, 2)
    points = ((x1, y1), (x1, bend), (x2, bend), (x2, y2 - ARROW_HEAD))
    return Edge(points, _head_down(x2, y2))


def _bypass(
    start: Box, start_row: int, target: Box, row: int, height: Fraction, width: Fraction, lane: int
) -> Edge:
    """A skip connection: down below the source's labels, out to the right of every row,
    down, and into the target's side."""
    x1, y1 = start.centre_x, height * start_row + start.layer_y + 6
    gap = height * (start_row + 1) - Fraction(GAP, 4) * (1 + lane % 2)
    y2 = height * row + target.y + target.height / 2
    x2 = target.x + target.width + 3
    side = width + BYPASS * lane
    points = ((x1, y1), (x1, gap), (side, gap), (side, y2), (x2 + ARROW_HEAD, y2))
    head = ((x2, y2), (x2 + ARROW_HEAD, y2 - Fraction(ARROW_HEAD, 2) - 1),
            (x2 + ARROW_HEAD, y2 + Fraction(ARROW_HEAD, 2) + 1))  # fmt: skip
    return Edge(points, head)


def _head_down(x: Fraction, y: Fraction) -> tuple[tuple[Fraction, Fraction], ...]:
    half = Fraction(ARROW_HEAD, 2) + 1
    return ((x, y), (x - half, y - ARROW_HEAD), (x + half, y - ARROW_HEAD))
