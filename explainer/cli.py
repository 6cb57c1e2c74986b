"""The ``explainer`` command. The one place where library errors become exit codes.

Every ExplainerError ends as exit code 2 and one line on stderr; nothing reaches stdout and
no ``-o`` file is written unless the whole document rendered.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import api, boundary
from .deriving.costs import parse_show
from .deriving.layers import FRAMEWORKS
from .errors import ExplainerError, OptionError, literal
from .reading.shapes import parse_let
from .rendering.options import DIGITS, EXTENSIONS, FORMATS, Options
from .teaching.quizzes import ANSWERS as QUIZ_ANSWERS
from .teaching.quizzes import FORMATS as QUIZ_FORMATS

if TYPE_CHECKING:
    from .teaching.practice import Session

_BY_EXTENSION = {f".{ext}": fmt for fmt, ext in EXTENSIONS.items()} | {".markdown": "markdown"}
_PROGRESS_AFTER = 1.0  # seconds: a run that takes longer shows a progress bar (on a terminal)


class _Group(click.Group):
    """Turns library errors into one line on stderr and exit code 2, whatever the command."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            with boundary.invocation():
                return super().invoke(ctx)
        except ExplainerError as exc:
            click.echo(f"explainer: error: {boundary.one_line(self._worded(exc, ctx))}", err=True)
            ctx.exit(exc.exit_code)
        except click.UsageError as exc:  # a bad option: the same one line, and where to look
            if type(exc).__name__ == "NoArgsIsHelpError":  # 'explainer solve' alone: its help
                raise
            where = f" (see '{exc.ctx.command_path} --help')" if exc.ctx else ""
            message = boundary.one_line(exc.format_message() + where)
            click.echo(f"explainer: error: {message}", err=True)
            ctx.exit(exc.exit_code)

    def _worded(self, exc: ExplainerError, ctx: click.Context) -> str:
        """The message, an option named by its flag (--fade) or argument (SPEC)."""
        command = self.commands.get(ctx.invoked_subcommand or "")
        if command is None:
            return str(exc)
        flags = {param.name: _flag(param) for param in command.params if param.name}
        names = flags | {name: flags[param] for name, param in _LIBRARY_NAMES if param in flags}
        return exc.worded(names)


# The library's names of options whose parameter here is named otherwise: (library, click).
_LIBRARY_NAMES = (("let", "let_values"), ("example", "example_name"))


def _flag(param: click.Parameter) -> str:
    if isinstance(param, click.Argument):
        return param.human_readable_name
    return param.opts[0]


@click.group(
    cls=_Group,
    epilog="Example:\n\n\b\n  explainer solve --example handout-cnn",
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(package_name="explainer")
def main() -> None:
    """Step-by-step worked solutions: the output shape and the number of parameters of every
    layer of a neural network, each derived from its formula."""


def run() -> None:
    """The ``explainer`` command as the console script and ``python -m explainer`` start it.

    The command, then an exit that skips tearing the interpreter down. Freeing sympy's caches
    and every module's objects one at a time took longer than solving and rendering the
    handout's CNN (about 180 of 600 ms); the system frees a process's memory at once. What a
    normal exit does that a user can see is kept: the exit code, the exit handlers and the
    flushed standard streams. With another thread still running, the exit is the normal one.
    """
    try:
        main(prog_name="explainer")
    except SystemExit as exc:
        code = exc.code
    else:  # pragma: no cover - click's standalone mode always ends in SystemExit
        code = 0
    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        sys.exit(code)
    if not isinstance(code, int):  # sys.exit's rules: None is success, a message is printed
        if code is not None:
            print(code, file=sys.stderr)
        code = 0 if code is None else 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        with contextlib.suppress(AttributeError, OSError, ValueError):  # closed, or a closed pipe
            stream.flush()  # type: ignore[union-attr]
    os._exit(code)


@main.command(
    epilog=(
        "Examples:\n\n\b\n"
        "  explainer solve 'input(1,28,28) -> Conv2d(1, 16, 5, padding=2) -> ReLU -> "
        "MaxPool2d(2) -> Flatten -> Linear(10)'\n"
        "  explainer solve 'input→FCwB(256)→Dropout(0.1)→FC(128)→tanh→Maxpool(3)→FC(3)→output' "
        "--input 1024 --digits indian\n"
        "  explainer solve model.txt --input 1,28,28 --format latex -o solution.tex\n"
        "  explainer solve 'input(100) -> Embedding(10000, 128) -> LSTM(64) -> Dense(1)' "
        "--framework keras\n"
        "  explainer solve --example handout-mlp --fade 2\n"
        "  explainer solve 'input(d) -> Linear(h) -> ReLU -> Linear(c)' --let d=784,h=128\n"
        "  explainer solve 'input(d) -> Linear(h) -> ReLU -> Linear(c)' --let d=784,c=10 "
        "--solve-for h --at-most 1000000\n"
        "  explainer solve --hf config.json\n"
        "  explainer solve --hf mistral-7b --format markdown"
    )
)
@click.argument("spec", required=False)
@click.option(
    "--example",
    "example_name",
    metavar="NAME",
    help="Solve a bundled example (see 'explainer examples').",
)
@click.option(
    "--problem",
    "problem_id",
    metavar="ID",
    help="Solve a generated problem by its id, e.g. s7-i3-cnn-easy-table.",
)
@click.option(
    "--input",
    "input_shape",
    metavar="SHAPE",
    help="Input shape without the batch: 1,28,28 or 1x28x28 or (1, 28, 28).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    help="Output format. Default: from the -o extension, else text.",
)
@click.option(
    "--digits",
    type=click.Choice(DIGITS),
    default="western",
    show_default=True,
    help="Digit grouping: 883,530 / 8,83,530 / 883530.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, allow_dash=True),
    help="Write to FILE instead of standard output (- is standard output).",
)
@click.option(
    "--show",
    "show",
    metavar="WHAT",
    help="Also derive macs (MACs and FLOPs) and/or memory: --show macs,memory.",
)
@click.option(
    "--framework",
    type=click.Choice(FRAMEWORKS),
    default=None,
    help="Whose layer names, shapes and counting rules SPEC uses: pytorch (the "
    "default; a bundled example uses its own) or keras (channels-last).",
)
@click.option(
    "--torch",
    "torch_model",
    metavar="FILE:CLASS",
    help="Read a live PyTorch model: imports (runs) FILE, builds CLASS() and follows "
    "its forward pass on zeros of --input. Needs torch.",
)
@click.option(
    "--input-dtype",
    type=click.Choice(("float", "long")),
    default=None,
    help="With --torch: feed the forward pass floats, or long token ids. Default: long for "
    "a model whose first layer is an embedding, else float.",
)
@click.option(
    "--keras",
    "keras_model",
    metavar="FILE:NAME",
    help="Read a Keras model: imports (runs) FILE and takes NAME, a model or a "
    "function returning one. Needs keras.",
)
@click.option(
    "--compare-frameworks",
    "compare",
    is_flag=True,
    help="Beside each count that PyTorch and Keras work out differently (LSTM "
    "biases, BatchNorm statistics), show the other framework's.",
)
@click.option(
    "--fade",
    type=click.IntRange(min=0),
    default=0,
    metavar="N",
    help="A faded worked example: leave the last N steps blank, the last one first "
    "(text and markdown).",
)
@click.option(
    "--let",
    "let_values",
    metavar="NAME=N,...",
    help="Numbers for sizes that SPEC names (Linear(h), input(3, W, W)); the names "
    "left out stay in the formulas.",
)
@click.option(
    "--solve-for",
    "solve_for",
    metavar="NAME",
    help="Work out the size NAME that SPEC names, from --total N (exactly) or --at-most N "
    "(the largest); give the other names with --let.",
)
@click.option("--total", "total", type=int, metavar="N", help="With --solve-for: the total.")
@click.option("--at-most", "at_most", type=int, metavar="N", help="With --solve-for: the budget.")
@click.option(
    "--depth",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="The summary per block: modules down to depth N of a print-out's hierarchy, "
    "as torchinfo's depth (default: every layer).",
)
@click.option(
    "--hf",
    "hf_config",
    metavar="FILE",
    help="Count a transformer (GPT-2, BERT, RoBERTa, LLaMA, Mistral, Qwen2, T5, ViT) "
    "from a Hugging Face config.json, or a bundled one by name (see 'explainer "
    "examples'). Needs neither transformers nor torch.",
)
def solve(
    spec: str | None,
    example_name: str | None,
    problem_id: str | None,
    input_shape: str | None,
    fmt: str | None,
    digits: str,
    output: Path | None,
    show: str | None,
    framework: str | None,
    torch_model: str | None,
    input_dtype: str | None,
    keras_model: str | None,
    compare: bool,
    fade: int,
    depth: int | None,
    hf_config: str | None = None,
    let_values: str | None = None,
    solve_for: str | None = None,
    total: int | None = None,
    at_most: int | None = None,
) -> None:
    """Work out every layer of SPEC: a spec string, a file holding one, or - for stdin.

    SPEC is chain notation (Conv2d(1, 16, 5) -> ReLU -> ...), the course notation
    (input→FCwB(256)→FC(128)→output) or a pasted PyTorch print(model), optionally followed by
    its forward method. Nothing in SPEC is ever executed.
    """
    if fmt is None:
        fmt = _BY_EXTENSION.get(output.suffix.lower(), "text") if output else "text"
    options = Options(fmt, digits, fade, parse_show(show), compare, depth)
    _one_source(spec=spec, example_name=example_name, problem_id=problem_id,
                torch_model=torch_model, keras_model=keras_model, hf_config=hf_config)  # fmt: skip
    if input_dtype is not None and torch_model is None:
        raise OptionError("{input_dtype} goes with {torch_model}: it says what the model is fed")
    if hf_config is not None:
        if options != Options(fmt, digits) or input_shape is not None or framework is not None:
            raise OptionError(
                "{hf_config} takes only {fmt}, {digits} and {output} (not {input_shape}, {show}, "
                "{framework}, {compare}, {fade} or {depth})"
            )
        _write(api.render_hf(api.solve_hf(hf_config), fmt, digits), output)
        return
    if let_values is not None and (spec is None or example_name or problem_id):
        raise OptionError(
            "{let_values} gives numbers to the sizes that {spec} names: give a {spec}"
        )
    if keras_model is not None:
        if framework not in (None, "keras"):
            raise OptionError("{keras_model} reads a Keras model: give no {framework}, or keras")
        solution = api.solve_live_keras(keras_model, input_shape)
    elif torch_model is not None:
        if framework not in (None, "pytorch"):
            raise OptionError(
                "{torch_model} reads a PyTorch model: give no {framework}, or pytorch"
            )
        solution = api.solve_live(torch_model, input_shape, input_dtype)
    elif problem_id is not None:
        text, written_in = _problem_text(problem_id)
        solution = api.solve_spec(text, input_shape, framework=framework or written_in)
    elif example_name is not None:
        solution = api.solve_example(example_name, input_shape, framework)
    else:
        text = _spec_text(spec)
        let = parse_let(let_values) if let_values is not None else None
        solution = api.solve_spec(text, input_shape, framework=framework, let=let)
    if solve_for is not None or total is not None or at_most is not None:
        if options != Options(fmt, digits):
            raise OptionError(
                "{solve_for} works out one size: it takes none of {show}, {compare}, "
                "{fade} and {depth}"
            )
        _write(api.render_unknown(solution, solve_for, total, at_most, fmt, digits), output)
        return
    _write(api.document(solution, options), output)


@main.command(epilog="Example:\n\n\b\n  explainer examples")
def examples() -> None:
    """List the bundled examples (the exercises/ bank)."""
    for example in api.bank_examples():
        shape = "×".join(map(str, example.input_shape or ())) or "?"
        click.echo(f"{example.name:21} {shape:>10}  {example.total_params:>12,}  {example.title}")
    for hf in api.bank_hf_examples():
        name = f"{hf.name} (--hf)"
        click.echo(f"{name:32}  {hf.total_params:>13,}  {hf.title}")


@main.command(
    epilog="Examples:\n\n\b\n  explainer layers\n  explainer layers --framework keras\n"
    "  explainer layers --format markdown -o layers.md"
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option(
    "-o", "--output", type=click.Path(path_type=Path, allow_dash=True), help="Write to FILE."
)
@click.option(
    "--framework",
    type=click.Choice(FRAMEWORKS),
    default="pytorch",
    show_default=True,
    help="Whose dialect: pytorch, or keras (Keras's names, channels-last examples).",
)
def layers(fmt: str, output: Path | None, framework: str) -> None:
    """List every layer kind, its other names and its formulas as worked solutions write them."""
    from .reading.catalogue import catalogue
    from .rendering.render import render_catalogue

    _write(render_catalogue(catalogue(framework), fmt), output)


@main.command(
    epilog=(
        "Examples:\n\n\b\n  explainer check --example handout-cnn\n"
        "  explainer check 'input(100) -> Embedding(1000, 16) -> LSTM(8) -> Dense(1)' "
        "--framework keras\n"
        "  explainer check --torch model.py:Net --input 3,32,32\n"
        "  explainer check --keras model.py:build"
    )
)
@click.argument("spec", required=False)
@click.option("--example", "example_name", metavar="NAME", help="Check a bundled example.")
@click.option("--input", "input_shape", metavar="SHAPE", help="Input shape without the batch.")
@click.option(
    "--framework",
    type=click.Choice(FRAMEWORKS),
    default=None,
    help="The dialect of SPEC, and so the framework to check against.",
)
@click.option(
    "--torch",
    "torch_model",
    metavar="FILE:CLASS",
    help="Check the worked solution of a live PyTorch model against the model's own "
    "parameters, module by module and in total, trainable ones included. Imports (runs) FILE.",
)
@click.option(
    "--input-dtype",
    type=click.Choice(("float", "long")),
    default=None,
    help="With --torch: floats, or long token ids (default: long after an embedding).",
)
@click.option(
    "--keras",
    "keras_model",
    metavar="FILE:NAME",
    help="Check the worked solution of a live Keras model against the model's own layers "
    "(count_params, trainable weights) and total. Imports (runs) FILE.",
)
@click.option(
    "--max-memory",
    "max_memory",
    metavar="SIZE",
    default="1GB",
    show_default=True,
    help="Refuse, before allocating anything, a layer whose weights and a batch of two "
    "would need more (500MB, 2GB, 1GiB).",
)
def check(
    spec: str | None,
    example_name: str | None,
    input_shape: str | None,
    framework: str | None,
    torch_model: str | None,
    input_dtype: str | None,
    keras_model: str | None,
    max_memory: str,
) -> None:
    """Build SPEC in the real framework (PyTorch: zeros through each layer; Keras: each layer
    built symbolically) and compare every shape and parameter count with ours. Exit code 1 on
    any difference. Needs torch, or keras for the Keras dialect."""
    from .reading.check import check as run_check
    from .reading.check import check_memory, parse_memory
    from .rendering.render import render_check

    _one_source(spec=spec, example_name=example_name, torch_model=torch_model,
                keras_model=keras_model)  # fmt: skip
    if torch_model is not None:
        _check_live(framework, torch_model, input_shape, input_dtype)
        return
    if keras_model is not None:
        _check_keras(framework, keras_model, input_shape)
        return
    if example_name is not None:
        solution = api.solve_example(example_name, input_shape, framework)
    else:
        solution = api.solve_spec(_spec_text(spec), input_shape, framework=framework)
    api.require_numbers(solution, "explainer check builds every layer in the framework")
    check_memory(solution, parse_memory(max_memory))
    rows = run_check(solution)
    click.echo(render_check(rows, solution.framework), nl=False)
    if not all(row.agrees for row in rows):
        sys.exit(1)


def _check_live(
    framework: str | None, target: str, input_shape: str | None, input_dtype: str | None
) -> None:
    """`check --torch`: the worked solution beside the model's own parameters, row by row."""
    from .reading.check import check_live
    from .rendering.render import render_check

    if framework not in (None, "pytorch"):
        raise OptionError("{torch_model} reads a PyTorch model: give no {framework}, or pytorch")
    solution, reading = api.read_live(target, input_shape, input_dtype)
    rows, total = check_live(solution, reading)
    click.echo(render_check(rows, "pytorch", total), nl=False)
    if not (all(row.agrees for row in rows) and total.agrees):
        sys.exit(1)


def _check_keras(framework: str | None, target: str, input_shape: str | None) -> None:
    """`check --keras`: the worked solution beside the Keras model's own layers."""
    from .rendering.render import render_check

    if framework not in (None, "keras"):
        raise OptionError("{keras_model} reads a Keras model: give no {framework}, or keras")
    rows, total = api.check_live_keras(target, input_shape)
    click.echo(render_check(rows, "keras", total), nl=False)
    if not (all(row.agrees for row in rows) and total.agrees):
        sys.exit(1)


@main.command(
    epilog=(
        "Examples:\n\n\b\n"
        "  explainer quiz --seed 7 --count 10 --topic cnn -o quiz-7\n"
        "  explainer quiz --seed 7 --format latex --kinds table,choice -o quiz-7-tex\n"
        "  explainer quiz --seed 7 --format moodle --students roster.csv -o moodle-7\n"
        "  explainer quiz --seed 7 --count 3 --format json > quiz-7.json\n"
        "  explainer quiz --seed 7 --framework keras --topic cnn -o keras-quiz-7\n"
        "  explainer quiz --seed 7 --format html --self-study -o study-7"
    )
)
@click.option(
    "--seed",
    type=int,
    help="The quiz's seed, printed in the key (a sheet shows a variant code). Default: random.",
)
@click.option("--count", type=int, default=10, show_default=True, help="Problems (1 to 1000).")
@click.option(
    "--topic",
    "topics",
    multiple=True,
    help="mlp, cnn, course, rnn, norm, attention or symbolic (formulas in named sizes); "
    "several as mlp,cnn,course or --topic repeated, taken in turn. Default: cnn.",
)
@click.option("--difficulty", default="easy", show_default=True, help="easy, medium or hard.")
@click.option(
    "--kinds",
    metavar="K,K",
    help="Question kinds, taken in turn: table, params, shape, inverse, choice, "
    "error; of topic symbolic: formula, budget, growth. Default: every kind the topic has.",
)
@click.option(
    "--format", "fmt", type=click.Choice(QUIZ_FORMATS), default="markdown", show_default=True
)
@click.option(
    "--answers",
    type=click.Choice(QUIZ_ANSWERS),
    default="separate",
    show_default=True,
    help="The key in its own file, or folded into the sheet (markdown, html).",
)
@click.option(
    "--students",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="CSV",
    help="A roster with an id (or student_id) column: a variant per student, seeded from the id.",
)
@click.option(
    "--framework",
    type=click.Choice(("pytorch", "keras")),
    default="pytorch",
    show_default=True,
    help="Whose layers the problems use (keras: topics mlp, cnn, rnn, norm; kinds table, "
    "params, shape).",
)
@click.option(
    "--self-study",
    "self_study",
    is_flag=True,
    help="With --format html: one page to practise alone, answers checked in the "
    "page, hints step by step (selfstudy.html; without -o, on standard output).",
)
@click.option(
    "--example",
    "example_name",
    metavar="NAME",
    help="With --self-study: the table of a bundled example instead of generated problems.",
)
@click.option(
    "--points",
    type=int,
    default=0,
    metavar="N",
    help="Points per problem (LaTeX sheet; Moodle and Canvas QTI grades). Default: none.",
)
@click.option(
    "-q", "--quiet", is_flag=True, help="No progress bar (none is shown off a terminal either)."
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    metavar="DIR",
    help="Write the files into DIR. Without it, only --format json: one object on standard output.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Write into a non-empty DIR that explainer did not write (its other files are "
    "kept), or over a file of DIR edited since explainer wrote it.",
)
def quiz(
    seed: int | None,
    count: int,
    topics: tuple[str, ...],
    difficulty: str,
    kinds: str | None,
    fmt: str,
    answers: str,
    students: Path | None,
    framework: str,
    self_study: bool,
    example_name: str | None,
    points: int,
    quiet: bool,
    output: Path | None,
    force: bool,
) -> None:
    """Write a quiz: a question sheet and, separately, its answer key with a worked solution for
    every problem; or an import file for Moodle (XML), GIFT or Canvas (QTI); or an Anki deck
    (anki). Every problem has an id that 'explainer solve --problem ID' works out again."""
    from .reading.roster import read_roster
    from .rendering.files import check_target, write_tree
    from .teaching.quizzes import make

    picked = tuple(kind.strip() for kind in kinds.split(",")) if kinds is not None else None
    topic = ",".join(topics) or "cnn"
    if seed is None:
        seed = _random_seed()
    chosen = make.settings(seed, count, topic, difficulty, picked, framework, points)
    make.check_format(fmt, answers, points)
    make.check_platform(chosen, fmt)
    roster = read_roster(students, seed) if students is not None else ()
    if self_study or example_name is not None:
        from .teaching.quizzes import selfstudy

        selfstudy.check(fmt, answers, self_study, example_name, roster, output is None)
        pages = selfstudy.files(chosen, roster, example_name)
        if output is None:
            click.echo(pages[selfstudy.PAGE].decode("utf-8"), nl=False)
            return
        write_tree(pages, output, force)
        click.echo(selfstudy.summary(output, chosen, pages, example_name), nl=False)
        return
    if output is None:
        make.check_stdout(fmt, roster)
        click.echo(make.json_text(make.variants(chosen)[0]), nl=False)
        return
    check_target(output, force)
    with _progress(2 * count * max(1, len(roster)), quiet) as tick:
        made = make.variants(chosen, roster, tick)
        written = make.files(chosen, made, fmt, answers, tick)
    write_tree(written, output, force)
    click.echo(make.summary(output, chosen, made, fmt, answers, written), nl=False)


@contextlib.contextmanager
def _progress(total: int, quiet: bool) -> Iterator[Callable[[int], None] | None]:
    """click's progress bar on standard error, once a run has taken a second (a short run
    shows none); never with --quiet or when standard error is not a terminal."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    started = time.monotonic()
    done = 0
    bar: Any = None

    def tick(count: int) -> None:
        nonlocal done, bar
        done += count
        if bar is None and time.monotonic() - started > _PROGRESS_AFTER:
            bar = click.progressbar(length=total, label="explainer quiz", file=sys.stderr)
            bar.__enter__()
            bar.update(done - count)
        if bar is not None:
            bar.update(count)

    try:
        yield tick
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


@main.command(
    epilog=(
        "Examples:\n\n\b\n"
        "  explainer practice\n"
        "  printf '320\\nh\\ns\\nq\\n' | explainer practice --seed 3\n"
        "  explainer practice --seed 7 --fade 2\n"
        "  explainer practice --seed 7 --topic mlp --difficulty medium --count 3\n"
        "  explainer practice --example handout-mlp\n"
        "  explainer practice --seed 7 --framework keras --topic cnn\n"
        "  explainer practice 'input(1,28,28) -> Conv2d(1, 16, 5, padding=2) -> MaxPool2d(2)'"
    )
)
@click.option(
    "--seed",
    type=int,
    help="The session's seed: the same answers give the same "
    "session. Default: random (printed at the start).",
)
@click.option(
    "--topic",
    default="cnn",
    show_default=True,
    help="mlp, cnn, course, rnn, norm, attention or symbolic (formulas in named sizes).",
)
@click.option(
    "--difficulty",
    default="easy",
    show_default=True,
    help="Where to start: easy, medium or hard. Two problems right at the first try "
    "step it up, a miss steps it down.",
)
@click.option("--count", type=int, default=5, show_default=True, help="Problems (1 to 1000).")
@click.option(
    "--fade",
    type=click.IntRange(min=0),
    default=0,
    metavar="N",
    help="Worked solutions with their last N steps blank, to fill in one by one.",
)
@click.argument("spec", required=False)
@click.option(
    "--example",
    "example_name",
    metavar="NAME",
    help="Practise on a bundled example (see 'explainer examples'), layer by layer.",
)
@click.option("--input", "input_shape", metavar="SHAPE", help="With SPEC: the input shape.")
@click.option(
    "--framework",
    type=click.Choice(("pytorch", "keras")),
    default="pytorch",
    show_default=True,
    help="Whose layers the problems use (keras: topics mlp, cnn, rnn, norm), or SPEC's dialect.",
)
def practice(
    seed: int | None,
    topic: str,
    difficulty: str,
    count: int,
    fade: int,
    spec: str | None,
    example_name: str | None,
    input_shape: str | None,
    framework: str,
) -> None:
    """Practise in the terminal: a problem, your answer, checked exactly. A wrong answer is
    matched against the usual mistakes; h shows a hint (a step's formula, then its numbers,
    then its value), s the solution, q quits. Reads answers from standard input, so a script
    can pipe them in; at the end of input or on Ctrl-C it prints the score and exits with 0.

    With SPEC (as for 'explainer solve') or --example NAME: your own network, the handout's
    exam table asked layer by layer, each output shape and then its parameters, and the total."""
    from .teaching.practice import Session

    if spec is not None or example_name is not None:
        session = _own_session(spec, example_name, input_shape, fade, framework)
    else:
        session = Session(_random_seed() if seed is None else seed,
                          topic, difficulty, count, fade, framework)  # fmt: skip
    try:
        click.echo(session.start(), nl=False)
        while not session.done:
            line = _read_line(session.prompt)
            if line is None:
                break
            click.echo(session.feed(line), nl=False)
    except KeyboardInterrupt:
        click.echo()  # Ctrl-C ends the session like the end of input: the summary, exit 0
    click.echo(session.finish(), nl=False)


def _own_session(
    spec: str | None,
    example_name: str | None,
    input_shape: str | None,
    fade: int,
    framework: str = "pytorch",
) -> Session:
    """``explainer practice SPEC`` / ``--example NAME``: the student's own network, asked
    layer by layer. Standard input carries the answers, so SPEC cannot be ``-``."""
    from .reading.bank import example
    from .teaching.practice import OwnSession, table_problem

    _one_source(spec=spec, example_name=example_name)
    if fade:
        raise OptionError("{fade} blanks generated worked solutions: leave it out with {spec}")
    if spec == "-":
        raise OptionError("practice reads the answers from standard input: give {spec} as text "
                          "or a file")  # fmt: skip
    if example_name is not None:
        text = example(example_name).spec
        solution = api.solve_example(example_name, input_shape)
        name, again = example_name, f"explainer solve --example {example_name}"
    else:
        text = _spec_text(spec)
        dialect = framework if framework != "pytorch" else None  # Keras code says so itself
        solution = api.solve_spec(text, input_shape, framework=dialect)
        api.require_numbers(solution, "practice asks for numbers")
        name, again = "your network", "explainer solve SPEC"
    return OwnSession(table_problem(solution, text, name), again)


def _read_line(prompt: str) -> str | None:
    """One answer from standard input, None at its end. Piped answers are echoed after the
    prompt, so that a transcript reads as a terminal session does. An answer that is not
    UTF-8 or longer than the boundary allows is refused here and asked again: the session
    and its score go on."""
    while True:
        click.echo(prompt, nl=False)
        raw = sys.stdin.buffer.readline(boundary.MAX_ANSWER_CHARS + 1)
        if not raw:
            click.echo()
            return None
        too_long = len(raw) > boundary.MAX_ANSWER_CHARS and not raw.endswith(b"\n")
        while too_long and not raw.endswith(b"\n") and raw:  # drop the rest of that line
            raw = sys.stdin.buffer.readline(65536)
        try:
            line = boundary.decode(raw, "answer") if not too_long else None
        except boundary.EncodingError as exc:
            click.echo(f"\n{exc}; try again.")
            continue
        if line is None:
            click.echo(
                f"\nThat answer is longer than {boundary.MAX_ANSWER_CHARS:,} characters; try again."
            )
            continue
        if not sys.stdin.isatty():
            click.echo(line.rstrip("\n"))
        return line


def _random_seed() -> int:
    import secrets  # on use: a run with --seed (or no seed at all) needs none of it

    return secrets.randbelow(1_000_000)


def _problem_text(problem_id: str) -> tuple[str, str]:
    """The spec that a generated problem's solution solves (for find-the-error, the fixed one),
    and the framework it is written in."""
    from .teaching.generate import (
        problem_from_id,  # on use: a plain solve needs none of it (~8 ms cold)
    )

    problem = problem_from_id(problem_id)
    return problem.solved_spec, problem.architecture.framework


def _one_source(**sources: str | None) -> None:
    """Each command reads one network: refuse two, naming every way in (checked once)."""
    if sum(value is not None for value in sources.values()) > 1:
        names = [f"{{{name}}}" for name in sources]
        raise OptionError(f"give only one of {', '.join(names[:-1])} and {names[-1]}")


def _spec_text(spec: str | None) -> str:
    if spec is None:
        raise OptionError(
            "no {spec}: give a spec string, a file, - for stdin, or {example_name} NAME"
        )
    if spec == "-":
        return boundary.stdin()
    if "\n" not in spec and len(spec) < 4096 and _is_file(spec):
        return boundary.read_file(Path(spec), literal(boundary.shorten(spec)))
    return boundary.argument(spec, "SPEC")


def _write(document: str, output: Path | None) -> None:
    """Standard output, or -o FILE (``-`` is standard output) written whole by
    explainer.rendering.files: a failure never leaves a partial file behind."""
    if output is None or str(output) == "-":
        click.echo(document, nl=False)
        return
    from .rendering.files import write_file

    write_file(output, document.encode("utf-8"))


def _is_file(spec: str) -> bool:
    try:
        return Path(spec).is_file()
    except OSError:  # a spec longer than a file name can be (ENAMETOOLONG) is not a file
        return False
