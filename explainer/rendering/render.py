"""Solution -> text, Markdown, LaTeX, HTML (Jinja templates) or JSON.

The only place text is produced. Templates loop and apply the filters defined here; they do
no arithmetic. Every environment uses ``StrictUndefined``: a misspelt name fails loudly.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from fractions import Fraction
from math import prod
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from ..deriving.blocks import parent_of
from ..deriving.formula import ordered
from ..deriving.naming import keras_order, made, own_names
from ..deriving.solution import BlockResult, LayerResult, Solution
from ..deriving.spec import LayerCall, Note
from ..deriving.symbolic import is_open
from ..errors import ArgumentError
from ..resources import resource_dir
from .fade import blank_last
from .options import EXTENSIONS, Options
from .pictures import bar_chart, shape_diagram
from .printing import LatexPrinter, UnicodePrinter
from .workings import working_json

if TYPE_CHECKING:
    from ..deriving.layers import Alias
    from ..deriving.lm import LMSolution
    from ..deriving.unknown import Unknown
    from ..reading.catalogue import Entry
    from ..reading.check import Row, Total
from ..deriving.steps import Step
from ..records import record


def group_digits(value: int, digits: str = "western", separator: str = ",") -> str:
    """883530 -> 883,530 (western), 8,83,530 (Indian, as the handout writes 2,62,400), 883530."""
    sign, text = ("-", str(-value)) if value < 0 else ("", str(value))
    if digits == "plain" or len(text) <= 3:
        return sign + text
    head, tail = text[:-3], text[-3:]
    size = 2 if digits == "indian" else 3
    groups: list[str] = []
    while head:
        groups.insert(0, head[-size:])
        head = head[:-size]
    return sign + separator.join([*groups, tail])


def render(solution: Solution, fmt: str = "text", digits: str = "western", fade: int = 0) -> str:
    """``fade``: leave the last ``fade`` steps blank, a faded worked example
    (explainer.rendering.fade)."""
    Options(fmt, digits, fade)  # checked once, there: an unknown format, a fade it cannot show
    if fmt == "json":
        return _json_text(solution)
    template = environment(fmt, digits).get_template("solution." + EXTENSIONS[fmt])
    return template.render(solution=solution, fade=blank_last(solution, fade))


def render_lm(solution: LMSolution, fmt: str = "text", digits: str = "western") -> str:
    """`explainer solve --hf`: a transformer counted block by block from its configuration."""
    if fmt == "json":
        return json.dumps(lm_json(solution), indent=2, ensure_ascii=False) + "\n"
    template = environment(fmt, digits).get_template("lm." + EXTENSIONS[fmt])
    return template.render(lm=solution)


def render_unknown(unknown: Unknown, fmt: str = "text", digits: str = "western") -> str:
    """`explainer solve --solve-for`: the equation, sympy's solution, the checks."""
    if fmt == "json":
        data = {
            "solve_for": unknown.name,
            "exact": unknown.exact,
            "target": unknown.target,
            "total_expr": str(unknown.total),
            "roots": [str(root) for root in unknown.roots],
            "root": str(unknown.root),
            "answer": unknown.answer,
            "checks": [step_json(step) for step in unknown.checks],
        }
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    template = environment(fmt, digits).get_template("unknown." + EXTENSIONS[fmt])
    return template.render(u=unknown)


def lm_json(solution: LMSolution) -> dict[str, Any]:
    return {
        "source": solution.source,
        "model_type": solution.model_type,
        "family": solution.family,
        "counted_as": solution.counted_as,
        "sizes": [
            {
                "symbol": s.symbol,
                "meaning": s.meaning,
                "key": s.key,
                "value": s.value,
                "default": s.default,
            }
            for s in solution.sizes
        ],
        "derived": [step_json(step) for step in solution.derived],
        "parts": [
            {
                "index": part.index,
                "title": part.title,
                "repeat": part.repeat,
                "repeat_count": part.repeat_count,
                "one_layer": part.one_layer,
                "blocks": [
                    {"block": block.key, "params": block.params, **step_json(block.step)}
                    for block in part.blocks
                ],
                "params": part.params,
                "total": step_json(part.total),
            }
            for part in solution.parts
        ],
        "total_params": solution.total_params,
        "total": step_json(solution.total),
        "notes": list(solution.notes),
    }


@record
class SummaryLayout:
    """The text summary table's widths: torchsummary's 20-column names, wider when a name
    such as GlobalAveragePooling2D-3 needs it, so that the columns stay aligned."""

    name_width: int
    rule: str
    double_rule: str


@record
class SummaryRow:
    """One row of the summary table: a layer, or with --depth a block taken as a whole."""

    label: str  # Conv2d-1, or GPT2Block h.0-11 ×12; Keras's conv2d (Conv2D)
    shape: tuple[int, ...] | None  # the output shape; None where it is not derived
    params: int  # all its copies (a layer of one of 12 printed blocks: 12 times its count)
    index: int | None  # the layer's number, for links; None for a block
    keras: bool = False  # written as model.summary() writes it: (None, 26, 26, 32)

    @property
    def shape_text(self) -> str:
        if self.shape is None:
            return "--"
        return _none_shape(self.shape) if self.keras else _batch_shape(self.shape)


def summary_rows(solution: Solution) -> list[SummaryRow]:
    """Every layer, or with ``summary_depth`` N the modules down to depth N, as torchinfo's
    ``depth``: a block N deep is one row, the layers above it rows of their own."""
    depth = solution.summary_depth
    if depth is None and solution.framework == "keras":
        names = _keras_names(solution)
        listed = [
            replace(_layer_row(layer), label=f"{name} ({layer.type})", keras=True)
            for layer, name in zip(solution.layers, names, strict=True)
        ]
        if solution.notation == "live-keras":
            return listed  # in the model's own order
        # model.summary()'s order, which is not always the order written
        reads = [layer.inputs for layer in solution.layers]
        return [listed[node - 1] for node in keras_order(reads)]
    if depth is None:
        return [_layer_row(layer) for layer in solution.layers]
    paths = frozenset(block.path for block in solution.blocks)
    by_path = {block.path: block for block in solution.blocks}
    rows: list[SummaryRow] = []
    shown: set[str] = set()
    keras = solution.framework == "keras"  # rows as model.summary() writes them
    named = _keras_names(solution) if keras else [layer.name for layer in solution.layers]
    for layer, name in zip(solution.layers, named, strict=True):
        chain = _enclosing(layer.spec.name or "", paths)
        if len(chain) < depth:
            row = _layer_row(layer)
            if keras:
                row = replace(row, label=f"{name} ({layer.type})", keras=True)
            rows.append(row)
            continue
        block = by_path[chain[depth - 1]]
        if block.path not in shown:
            shown.add(block.path)
            around = prod(by_path[p].block.times for p in chain[: depth - 1])
            times = block.block.times * around
            label = f"{block.type} {block.path}" + (f" ×{times}" if times > 1 else "")
            if keras:
                label = f"{block.path} ({block.type})"
            shape = _block_shape(solution, block.path, paths)
            rows.append(SummaryRow(label, shape, block.params * around, None, keras=keras))
    return rows


def _layer_row(layer: LayerResult) -> SummaryRow:
    """A layer of a repeated block is one row for all its copies: the rows add up."""
    shape = layer.output_shape if layer.placed else None
    label = layer.label + (f" ×{layer.copies}" if layer.copies > 1 else "")
    return SummaryRow(label, shape, layer.params * layer.copies, layer.index)


def _enclosing(name: str, paths: frozenset[str]) -> list[str]:
    """The blocks around a module, outermost first."""
    found: list[str] = []
    parent = parent_of(name, paths)
    while parent:
        found.insert(0, parent)
        parent = parent_of(parent, paths)
    return found


def _block_shape(solution: Solution, path: str, paths: frozenset[str]) -> tuple[int, ...] | None:
    """A block's output: that of its last layer, where shapes are derived."""
    inside = [
        layer for layer in solution.layers if path in _enclosing(layer.spec.name or "", paths)
    ]
    last = inside[-1] if inside else None
    return last.output_shape if last is not None and last.placed else None


def _keras_names(solution: Solution) -> list[str]:
    """A live model's own layer names; in a spec, the name= given, else the one Keras would
    make: the class name in snake case, numbered from the second of a kind (dense, dense_1)."""
    if solution.notation == "live-keras":
        return [layer.name for layer in solution.layers]
    return own_names(
        made(layer.type, getattr(layer.layer, "name", None), layer.spec.args, layer.spec.kwargs)
        for layer in solution.layers
    )


def _batch_shape(shape: tuple[int | None, ...]) -> str:
    return "[" + ", ".join(map(_plain_size, (-1, *shape))) + "]"


def _none_shape(shape: tuple[int | None, ...]) -> str:
    return "(" + ", ".join(map(_plain_size, (None, *shape))) + ")"


def _json_text(solution: Solution) -> str:
    """JSON proper: NaN and Infinity are not JSON. The parser refuses such arguments; this
    names the layer if one ever comes another way (a live model)."""
    data = to_json(solution)
    for layer in data["layers"]:
        try:
            json.dumps(layer["args"], allow_nan=False)
        except ValueError:
            raise ArgumentError(
                "an argument is NaN or infinite, which JSON cannot carry",
                f"layer {layer['index']}, {layer['type']}",
            ) from None
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def summary_layout(solution: Solution) -> SummaryLayout:
    labels = [row.label for row in summary_rows(solution)]
    width = max([20, *(len(label) + 1 for label in labels)])
    total = width + 27 + 16 + 1
    return SummaryLayout(width, "-" * total, "=" * total)


def render_notebook(solution: Solution) -> str:
    """Jupyter's HTML: the page of ``render(solution, "html")`` inside an iframe, where its
    styles (body, h1, table) cannot restyle the notebook around it."""
    page = render(solution, "html")
    return environment("html", "western").get_template("notebook.html").render(page=page)


def render_practice(message: str, **context: Any) -> str:
    """One message of `explainer practice`: templates/text/practice/<message>.txt."""
    template = environment("text", "western").get_template(f"practice/{message}.txt")
    return template.render(**context)


def render_catalogue(entries: tuple[Entry, ...], fmt: str = "text", digits: str = "western") -> str:
    """`explainer layers`: every kind with its formulas, in any format."""
    if fmt == "json":
        data = [_entry_json(entry) for entry in entries]
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    template = environment(fmt, digits).get_template("layers." + EXTENSIONS[fmt])
    return template.render(entries=entries)


@record
class CheckLayout:
    """`explainer check`'s columns: 28 characters for the layer, 22 for each shape, wider when
    a name such as ``MultiHeadAttention (MultiHeadAttention)`` or a long shape needs it, so
    that the columns stay aligned."""

    name_width: int
    shape_width: int


def render_check(
    rows: tuple[Row, ...], framework: str = "pytorch", total: Total | None = None
) -> str:
    """`explainer check`: our shape and count beside the framework's, layer by layer; with
    ``total`` (a live model), the trainable counts and the whole model's too."""
    name = {"pytorch": "PyTorch", "keras": "Keras"}[framework]
    template = environment("text", "western").get_template("check.txt")
    return template.render(rows=rows, framework=name, total=total, layout=check_layout(rows))


def check_layout(rows: tuple[Row, ...]) -> CheckLayout:
    names = [len(f"{row.name} ({row.type})") + 1 for row in rows]
    shapes = [*(row.ours_shape for row in rows), *(row.real_shape for row in rows if not row.error)]
    widths = [len(_batch_shape(shape)) + 1 for shape in shapes if shape is not None]
    return CheckLayout(max([28, *names]), max([22, *widths]))


def _entry_json(entry: Entry) -> dict[str, Any]:
    return {
        "name": entry.name,
        "summary": entry.summary,
        "aliases": [{"name": name, "meaning": meaning} for name, meaning in entry.aliases],
        "example": entry.example,
        "example_solution": _layer_json(entry.solved),
    }


def to_json(solution: Solution) -> dict[str, Any]:
    """The JSON contract that other tools (and our own checks) read."""
    if solution.size_names:
        return _symbolic_json(solution)
    return {
        "input_shape": _json_shape(solution.input_shape) if solution.input_shape else None,
        "framework": solution.framework,
        "notation": solution.notation,
        "layers": [_layer_json(layer) for layer in solution.layers],
        "total_params": solution.total_params,
        "trainable_params": solution.trainable_params,
        "non_trainable_params": solution.non_trainable_params,
        "total": step_json(solution.total),
        "notes": [_worded(note, group_digits) for note in solution.notes],
        "blocks": [_block_json(block) for block in solution.blocks],
        "pytorch_equivalents": [
            {"name": e.name, "written": e.written, "pytorch": e.pytorch, "meaning": e.meaning}
            for e in equivalents(solution)
        ],
    }


def _has_open(solution: Solution) -> bool:
    """A size Keras leaves None: no picture can be drawn to scale."""
    return any(is_open(size) for layer in solution.layers for size in layer.output_shape)


def _block_json(block: BlockResult) -> dict[str, Any]:
    return {
        "path": block.path,
        "type": block.type,
        "times": block.block.times,
        "depth": block.depth,
        "params": block.params,
        "steps": [step_json(step) for step in block.steps],
    }


def _symbolic_json(solution: Solution) -> dict[str, Any]:
    """With named sizes: every count as null beside its formula, ``"params_expr"`` (sympy's
    ``str`` of the expanded expression, which any sympy reads back); shapes as such strings."""
    layers = [_layer_json(layer) for layer in solution.layers]
    for layer in layers:
        names = {"params": "params_expr", "trainable_params": "trainable_expr"}
        for key in ("params", "trainable_params", "non_trainable_params"):
            value = layer[key]
            layer[key] = value if isinstance(value, int) else None
            layer[names.get(key, "non_trainable_expr")] = _expr(value)
        layer["input_shape"] = [_json_number(s) for s in layer["input_shape"]]
        layer["output_shape"] = [_json_number(s) for s in layer["output_shape"]]
    return {
        "input_shape": [_json_number(size) for size in solution.input_shape],
        "framework": solution.framework,
        "notation": solution.notation,
        "size_names": list(solution.size_names),
        "assumptions": [str(condition) for condition in solution.assumptions],
        "layers": layers,
        "total_params": None,
        "total_expr": _expr(solution.total_params),
        "trainable_params": None,
        "trainable_expr": _expr(solution.trainable_params),
        "non_trainable_params": None,
        "non_trainable_expr": _expr(solution.non_trainable_params),
        "total": step_json(solution.total),
        "notes": [_worded(note, group_digits) for note in solution.notes],
    }


def _expr(value: Any) -> str:
    import sympy

    return str(sympy.expand(value))


def _json_number(value: Any) -> Any:
    """An int as it is; a formula in named sizes as sympy's str of it; what follows from a
    size Keras leaves None, null (as Keras's own shapes write it)."""
    if isinstance(value, int) or getattr(value, "is_Integer", False):
        return int(value)
    if is_open(value):
        return None
    return str(value)


def _json_shape(shape: tuple[Any, ...]) -> list[Any]:
    return [_json_number(size) for size in shape]


def _layer_json(layer: LayerResult) -> dict[str, Any]:
    return {
        "index": layer.index,
        "name": layer.name,
        "written": layer.spec.text,
        "type": layer.type,
        "label": layer.label,  # as the summary names it: Linear-1, or FCwB-1 (course notation)
        "args": {key: _jsonable(value) for key, value in layer.args.items()},
        "inputs": list(layer.inputs),
        "copies": layer.copies,
        "input_shape": _json_shape(layer.input_shape) if layer.placed else None,
        "output_shape": _json_shape(layer.output_shape) if layer.placed else None,
        "params": layer.params,
        "trainable_params": layer.trainable_params,
        "non_trainable_params": layer.non_trainable_params,
        "shape_why": layer.shape_why,
        "params_why": layer.params_why,
        "steps": [step_json(step) for step in layer.steps],
    }


def step_json(step: Step) -> dict[str, Any]:
    text = UnicodePrinter(tight=step.formula.tight)
    latex = LatexPrinter(tight=step.formula.tight)
    return {
        "quantity": step.quantity,
        "formula": text.doprint(step.formula.expr),
        "substituted": text.doprint(step.substituted),
        "value": _json_number(step.value),
        "formula_latex": latex.doprint(step.formula.expr),
        "substituted_latex": latex.doprint(step.substituted),
        "symbols": [
            {"symbol": symbol, "meaning": meaning, "value": _json_number(value)}
            for symbol, meaning, value in step.legend
        ],
        "why": step.why,
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, LayerCall):  # Bidirectional(LSTM(64)): the inner layer, like a layer
        return {
            "type": value.call,
            "args": [_jsonable(a) for a in value.args],
            "kwargs": {key: _jsonable(v) for key, v in value.kwargs},
        }
    if isinstance(value, tuple | list):
        return [_jsonable(item) for item in value]
    if hasattr(value, "free_symbols"):  # a named size (explainer.deriving.symbolic)
        return _json_number(value)
    return value


# -- Jinja environments ---------------------------------------------------------------------


@functools.cache
def environment(fmt: str, digits: str) -> jinja2.Environment:
    """The Jinja environment of a solution format (templates/<fmt>/), its filters grouping
    digits as ``digits`` says; the quiz and self-study environments extend it."""
    options: dict[str, Any] = {}
    if fmt == "latex":
        # LaTeX is full of braces and percent signs: use delimiters that cannot clash.
        options = {
            "block_start_string": r"\BLOCK{",
            "block_end_string": "}",
            "variable_start_string": r"\VAR{",
            "variable_end_string": "}",
            "comment_start_string": r"\#{",
            "comment_end_string": "}",
            "line_statement_prefix": "%%",
            "line_comment_prefix": "%#",
        }
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(resource_dir("templates")) / fmt)),
        undefined=jinja2.StrictUndefined,
        autoescape=fmt == "html",
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=_bytecode_cache(),
        **options,
    )
    env.filters.update(_filters(fmt, digits))
    return env


@functools.cache
def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates kept in the user's cache folder, as Python keeps .pyc files:
    compiling them is most of a cold run's own time. Never the package folder; none at all
    where the cache folder cannot be written. Jinja keys each entry by the template's source
    checksum and its own version, so a stale entry is never used."""
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    folder = Path(root) / "explainer" / "jinja"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder)) if os.access(folder, os.W_OK) else None


def _filters(fmt: str, digits: str) -> dict[str, Callable[..., Any]]:
    latex = fmt in ("latex", "markdown")
    number = _or_formula(functools.partial(group_digits, digits=digits), fmt, "text")
    # Inside math a grouping comma must not be punctuation with a space after it: TeX's own
    # 262{,}400 for LaTeX; for Markdown, whose math GitHub and Jupyter (MathJax) and pandoc
    # (MathML, where {,} is an operator with a thin space: "262, 400") all read, a comma with
    # its thin space taken back: 262,\!400.
    separator = ",\\!" if fmt == "markdown" else "{,}"
    math_number = (
        _or_formula(
            functools.partial(group_digits, digits=digits, separator=separator), fmt, "math"
        )
        if latex
        else number
    )

    def printer(step: Step) -> UnicodePrinter:
        grouped = math_number if step.counts else str
        cls = LatexPrinter if latex else UnicodePrinter
        return cls(number=grouped, tight=step.formula.tight)

    return {
        "num": number,
        "note": lambda note: _worded(note, number),
        "summary_layout": summary_layout,
        "summary_rows": summary_rows,
        "sentence": lambda text: text[:1].upper() + text[1:],
        "mathnum": math_number,
        "formula": lambda step: printer(step).doprint(step.formula.expr),
        "substituted": lambda step: printer(step).doprint(step.substituted),
        "symbol": lambda name: (LatexPrinter() if latex else UnicodePrinter()).symbol(name),
        "shape": lambda shape: "×".join(map(_plain_size, shape)),
        "shapes": lambda shapes: " + ".join("×".join(map(_plain_size, shape)) for shape in shapes),
        "sources": _sources,
        "batch_shape": _batch_shape,
        # A size or a condition on named sizes (explainer.deriving.symbolic), as math of the format.
        "size": _or_formula(str, fmt, "math"),
        "root": _latex_root if latex else _unicode_root,
        "condition": functools.partial(_condition, LatexPrinter() if latex else UnicodePrinter()),
        "call": _call,
        "equivalents": equivalents,
        "tex": _tex_escape,
        "md": _markdown_escape,
        "code": _code_span,
        # Pictures: their geometry as data (explainer.rendering.pictures), and its numbers as text.
        "shape_diagram": lambda solution: (
            None if solution.size_names or _has_open(solution) else shape_diagram(solution)
        ),
        "bar_chart": lambda solution: None if solution.size_names else bar_chart(solution),
        "coord": _coordinate,
        # An inverse problem's working (explainer.generate.inverse) as its printed parts.
        "working": working_json,
        "percent": _percent,
    }


def _worded(note: str | Note, number: Callable[[int], str]) -> str:
    """A note's words, its counts (a Note's fields) written by ``number``."""
    return note if isinstance(note, str) else note.words(number)


def _or_formula(plain: Callable[[int], str], fmt: str, context: str) -> Callable[[Any], str]:
    """``plain`` for a number; a formula in named sizes (explainer.deriving.symbolic) printed as
    math: LaTeX inside math (and, in LaTeX running text, inside \\( \\)), Unicode elsewhere."""

    def show(value: Any) -> str:
        if isinstance(value, int) or getattr(value, "is_Integer", False):
            return plain(int(value))
        if is_open(value):  # what follows from a size Keras leaves None is None
            return r"\mathrm{None}" if fmt == "latex" and context == "math" else "None"
        if fmt == "latex" or (fmt == "markdown" and context == "math"):
            grouped = (
                (lambda n: plain(n).replace(",", "{,}")) if "{,}" not in plain(1000) else plain
            )
            text = LatexPrinter(number=grouped).doprint(ordered(value))
            return text if context == "math" else rf"\({text}\)"
        return UnicodePrinter(number=plain).doprint(ordered(value))

    return show


def _math_grouping(plain: Callable[[int], str]) -> Callable[[int], str]:
    """Digit groups as LaTeX math writes them: 100{,}480 (a math grouping kept as it is)."""
    return lambda n: plain(n) if plain(1000) != "1,000" else plain(n).replace(",", "{,}")


def _latex_root(root: Any) -> str:
    """sympy's exact solution (``-398 + sqrt(1158394)``) in LaTeX, by sympy's printer."""
    import sympy

    return str(sympy.latex(root))


def _unicode_root(root: Any) -> str:
    import sympy

    return str(sympy.sstr(root)).replace("sqrt", "√").replace("*", "·").replace("-", "−")


def _plain_size(size: Any) -> str:
    if isinstance(size, int):
        return str(size)
    if size is None or is_open(size):  # Keras's None: any size, so whatever follows from it
        return "None"
    return UnicodePrinter().doprint(ordered(size))


def _condition(printer: UnicodePrinter, condition: Any) -> str:
    """``W ≥ 2``: a relation between named sizes, each side by the format's printer."""
    symbols = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "=", "!=": "≠"}
    if isinstance(printer, LatexPrinter):
        symbols = {
            "<": "<",
            "<=": r"\geq"[:0] + r"\leq",
            ">": ">",
            ">=": r"\geq",
            "==": "=",
            "!=": r"\neq",
        }
    left, right = (printer.doprint(ordered(side)) for side in condition.args)
    return f"{left} {symbols[condition.rel_op]} {right}"


def _coordinate(value: Fraction) -> str:
    """A picture's exact coordinate to two decimals, no trailing zeros: 12.5, 80, 0.26."""
    hundredths = round(value * 100)
    whole, part = divmod(abs(hundredths), 100)
    sign = "-" if hundredths < 0 else ""
    return f"{sign}{whole}" + (f".{part:02d}".rstrip("0") if part else "")


def _percent(share: Fraction) -> str:
    """803328/883530 -> 90.9%; a share too small to show one tenth is <0.1%, not 0.0%."""
    tenths = round(share * 1000)
    if share and not tenths:
        return "<0.1%"
    return f"{tenths // 10}.{tenths % 10}%"


def _sources(sources: tuple[LayerResult | None, ...]) -> str:
    """The inputs of a graph node in words: layer 5 (BatchNorm2d) and the input."""
    names = [
        "the input" if source is None else f"layer {source.index} ({source.type})"
        for source in sources
    ]
    if not names:
        return "none: a further input of the model"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _call(layer: LayerResult) -> str:
    """The PyTorch constructor call the layer amounts to: Linear(in_features=1024, ...); in
    the course notation short, as a student would write it: Tanh(), MaxPool1d(3, stride=3)."""
    if layer.course:
        return _short_call(layer)
    args = ", ".join(f"{key}={value!r}" for key, value in layer.args.items())
    return f"{layer.type}({args})"


def _short_call(layer: LayerResult) -> str:
    """The required arguments by position, then only those that differ from the default."""
    words = []
    for field in dataclasses.fields(layer.layer):
        value = getattr(layer.layer, field.name)
        if _required(field):
            words.append(repr(value))
        elif value != field.default:
            words.append(f"{field.name}={value!r}")
    return f"{layer.type}({', '.join(words)})"


def _required(field: dataclasses.Field[Any]) -> bool:
    return field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING


@record
class Equivalent:
    """A course name and the PyTorch call it stands for, with its sizes as letters."""

    name: str  # as first written: FCwB
    written: str  # FCwB(x)
    pytorch: str  # Linear(in_features, x, bias=True)
    meaning: str  # fully connected layer of x neurons with bias


def equivalents(solution: Solution) -> list[Equivalent]:
    """Each course name the spec uses, once: what it means in PyTorch, only the arguments the
    name fixes (its own letters, bias=True); an argument the incoming shape gives is named."""
    found = []
    for name, alias in solution.course_names:
        letters = dict(zip(alias.positional, "xyzw", strict=False))
        written = f"{name}({', '.join(letters.values())})" if letters else name
        words = []
        for field in dataclasses.fields(alias.kind):
            word = _generic_argument(field.name, alias, letters)
            if word is None and _required(field):
                word = field.name  # read off the input: in_features
            if word is not None:
                words.append(word if _required(field) else f"{field.name}={word}")
        pytorch = f"{alias.kind.type_name()}({', '.join(words)})"
        found.append(Equivalent(name, written, pytorch, alias.meaning))
    return found


def _generic_argument(name: str, alias: Alias, letters: dict[str, str]) -> str | None:
    if name in letters:
        return letters[name]
    if alias.copies.get(name) in letters:
        return letters[alias.copies[name]]
    if name in alias.fixed:
        return repr(alias.fixed[name])
    return None


_TEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "^": r"\textasciicircum{}",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "%": r"\%",
    "<": r"\textless{}",  # the default OT1 text font would print ¡ and ¿ for < and >
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    # The Unicode math of the why lines, set as math like the formulas (pdflatex's utf8
    # input has no − or ⌊ at all).
    "→": r"$\rightarrow$",
    "×": r"$\times$",
    "·": r"$\cdot$",
    "−": r"$-$",
    "⌊": r"$\lfloor$",
    "⌋": r"$\rfloor$",
    "⌈": r"$\lceil$",
    "⌉": r"$\rceil$",
    "α": r"$\alpha$",
    "β": r"$\beta$",
    "γ": r"$\gamma$",
    "σ": r"$\sigma$",
    "Φ": r"$\Phi$",
    "≥": r"$\geq$",
    "≤": r"$\leq$",
    "≠": r"$\neq$",
    "ˣ": r"$^{x}$",
    "…": r"\ldots{}",
    "“": "``",  # typographic quotes and dashes, as TeX writes them
    "”": "''",
    "‘": "`",
    "’": "'",
    "–": "--",
    "—": "---",
    **{chr(0x2080 + d): f"$_{{{d}}}$" for d in range(10)},  # subscript digits
}


def _tex_escape(text: object) -> str:
    # A blank line inside a command's argument ends a paragraph there (pdflatex stops), so
    # user text is one line; control characters and letters pdflatex's utf8 input does not
    # know are written out rather than passed to it.
    return "".join(_tex_char(char) for char in _LINE_BREAKS.sub(" ", str(text)))


def tex_unicode(text: object) -> str:
    """A student's name as typed: TeX's specials escaped, quotes kept straight, every letter
    kept as it is (Nguyễn, Иван, 王伟, ð: LuaLaTeX with fontspec sets them; an ASCII name is
    fine for pdflatex too); control characters and line breaks become spaces."""
    line = _LINE_BREAKS.sub(" ", str(text))
    return "".join(_name_char(char) if char.isprintable() else " " for char in line)


# A name's quotes as typed (O'Brien, "Em"): TeX would curl them (O’Brien, ”Em”).
_NAME_SPECIAL = {"'": r"\textquotesingle{}", '"': r"\textquotedbl{}", "`": r"\textasciigrave{}"}


def _name_char(char: str) -> str:
    return _NAME_SPECIAL.get(char) or _TEX_SPECIAL.get(char, char)


def tex_chain(text: object) -> str:
    """A spec for typewriter text that may wrap: a line may break after each arrow (``→``,
    ``->``) or comma (an arrow chain of the course notation has no spaces to break at)."""
    escaped = _tex_escape(text)
    for mark in (r"$\rightarrow$", r"\textgreater{}", ","):
        escaped = escaped.replace(mark, mark + r"\allowbreak{}")
    return escaped


def _tex_char(char: str) -> str:
    if char in _TEX_SPECIAL:
        return _TEX_SPECIAL[char]
    if " " <= char < "\x7f":
        return char
    if char in "\t\r":
        return " "
    plain = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode("ascii")
    if plain and plain.isprintable():  # é -> e: an accent pdflatex might not have
        return "".join(_TEX_SPECIAL.get(c, c) for c in plain)
    return f"[U+{ord(char):04X}]"


# What would start markup in running Markdown text: code, emphasis, HTML, math, links and
# images (the ] of [text](url), [text][ref] and pandoc's [text]{attributes}), bare links
# (https://, www.). An underscore inside a word (cnn_layer_1) is literal in CommonMark, so
# only word-edge ones are escaped. A line break would start a new block (a heading, a list),
# so user text is kept on one line.
_MARKDOWN_SPECIAL = re.compile(r"[\\`*<$]|\](?=[(\[{])|(?<!\w)_|_(?!\w)|(?<=:)/(?=/)|(?<=www)\.")
_LINE_BREAKS = re.compile(r"\s*[\n\r\f\v\x1c-\x1e\x85\u2028\u2029]\s*")


def _markdown_escape(text: object) -> str:
    flat = _LINE_BREAKS.sub(" ", str(text))
    return _MARKDOWN_SPECIAL.sub(lambda match: "\\" + match.group(), flat)


def _code_span(text: object) -> str:
    """User text as one inline code span: on one line, fenced by more backticks than it
    holds in a row (CommonMark), so that nothing in it can close the span or start markup."""
    flat = " ".join(str(text).split())
    longest = max((len(run) for run in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") or not flat.strip() else ""
    return f"{fence}{pad}{flat}{pad}{fence}"
