"""Warm throughput in one process: layer derivations per second, rendering included.

Target: at least 1,000 layer derivations per second, parse -> solve -> render, once the
templates are compiled; the VGG-16 worked solution well under a second. Each figure is also
given as a ratio to a plain-integer function that computes the same shapes and counts with
Python ints (no steps, no sympy, no text): the price of the worked solution.

    python benchmarks/bench_warm.py [--runs 30] [--format markdown]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import jinja2  # noqa: E402

from explainer import parse, render, solve  # noqa: E402
from explainer.deriving.solve import Solution  # noqa: E402
from explainer.reading.bank import example  # noqa: E402

TARGET = 1000  # layer derivations per second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="timed runs of each workload")
    parser.add_argument("--format", default="markdown", help="output format")
    options = parser.parse_args()

    vgg = example("vgg-16")
    fmt = _usable_format(solve(parse(vgg.spec).with_input(vgg.input_shape)), options.format)
    print(f"Python {sys.version.split()[0]}, format {fmt}, medians of {options.runs} runs")
    _vgg16(vgg.spec, vgg.input_shape, fmt, options.runs)
    _varied(fmt, max(3, options.runs // 5))


def _vgg16(spec: str, shape: tuple[int, ...], fmt: str, runs: int) -> None:
    """The same network again and again: what a warm server or a notebook sees."""
    solution = solve(parse(spec).with_input(shape))
    layers = len(solution.layers)
    parse_s = _median(lambda: parse(spec).with_input(shape), runs)
    architecture = parse(spec).with_input(shape)
    solve_s = _median(lambda: solve(architecture), runs)
    render_s = _median(lambda: render(solution, fmt), runs)
    total_s = _median(lambda: render(solve(parse(spec).with_input(shape)), fmt), runs)
    plain_s = _plain_time(solution)
    parts = f"parse {parse_s * 1e3:.1f}, solve {solve_s * 1e3:.1f}, render {render_s * 1e3:.1f}"
    print(f"VGG-16 ({layers} layers) to {fmt}: {total_s * 1e3:.1f} ms ({parts})")
    _report("VGG-16", layers, total_s, plain_s)


def _varied(fmt: str, runs: int) -> None:
    """Many small CNNs with different numbers: no two steps substitute the same values."""
    specs = [_small_cnn(i) for i in range(60)]
    for text in specs:  # compile the templates and parse the formulas once, untimed
        render(solve(parse(text)), fmt)
    solutions = [solve(parse(text)) for text in specs]
    layers = sum(len(s.layers) for s in solutions)
    total_s = _median(lambda: [render(solve(parse(text)), fmt) for text in specs], runs)
    plain_s = sum(_plain_time(s, loops=200) for s in solutions)
    print(f"60 different small CNNs ({layers} layers) to {fmt}: {total_s * 1e3:.1f} ms")
    _report("varied CNNs", layers, total_s, plain_s)


def _small_cnn(i: int) -> str:
    channels, size, filters, kernel = 1 + i % 3, 24 + i, 4 + i, 3 + 2 * (i % 3)
    return (
        f"input({channels}, {size}, {size}) "
        f"-> Conv2d({channels}, {filters}, {kernel}, padding={i % 2}) -> ReLU -> MaxPool2d(2) "
        f"-> Conv2d({filters}, {2 * filters}, 3, stride={1 + i % 2}) -> ReLU "
        f"-> Flatten -> Linear({32 + i}) -> ReLU -> Dropout(0.5) -> Linear({2 + i % 9})"
    )


def _report(name: str, layers: int, total_s: float, plain_s: float) -> None:
    rate = layers / total_s
    verdict = "met" if rate >= TARGET else "MISSED"
    print(
        f"  {name}: {rate:,.0f} layer derivations/s with rendering "
        f"= {rate / TARGET:.1f}x the target of {TARGET:,}/s ({verdict})"
    )
    per_layer = f"{plain_s / layers * 1e6:.2f} us/layer plain, {total_s / layers * 1e6:.0f} us"
    print(f"  {name}: {total_s / plain_s:,.0f}x the time of plain-int arithmetic ({per_layer})")


# -- the plain-integer reference --------------------------------------------------------------


def _plain_time(solution: Solution, loops: int = 2000) -> float:
    """Seconds per call of the plain function on the solution's layers, checked against it."""
    layers = [(layer.type, layer.args) for layer in solution.layers]
    outcome = plain(solution.input_shape, layers)
    expected = [(layer.output_shape, layer.params) for layer in solution.layers]
    if outcome != expected:
        sys.exit(f"the plain-int reference disagrees with explainer: {outcome} != {expected}")
    return _median(lambda: [plain(solution.input_shape, layers) for _ in range(loops)], 5) / loops


Shape = tuple[int, ...]


def plain(shape: Shape, layers: list[tuple[str, dict[str, Any]]]) -> list[tuple[Shape, int]]:
    """Output shape and parameter count of each layer with Python ints: no steps, no text."""
    out = []
    for kind, args in layers:
        shape, params = _PLAIN[kind](shape, args)
        out.append((shape, params))
    return out


def _pair(value: Any) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else tuple(value)


def _window(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def _conv2d(shape: tuple[int, ...], a: dict[str, Any]) -> tuple[tuple[int, ...], int]:
    k, s, p, d = (_pair(a[n]) for n in ("kernel_size", "stride", "padding", "dilation"))
    sizes = tuple(_window(shape[i + 1], k[i], s[i], p[i], d[i]) for i in range(2))
    weights = k[0] * k[1] * (a["in_channels"] // a["groups"]) * a["out_channels"]
    return (a["out_channels"], *sizes), weights + (a["out_channels"] if a["bias"] else 0)


def _maxpool2d(shape: tuple[int, ...], a: dict[str, Any]) -> tuple[tuple[int, ...], int]:
    k, p, d = (_pair(a[n]) for n in ("kernel_size", "padding", "dilation"))
    s = k if a["stride"] is None else _pair(a["stride"])
    sizes = tuple(_window(shape[i - 2], k[i], s[i], p[i], d[i]) for i in range(2))
    return (*shape[:-2], *sizes), 0


def _linear(shape: tuple[int, ...], a: dict[str, Any]) -> tuple[tuple[int, ...], int]:
    params = a["in_features"] * a["out_features"] + (a["out_features"] if a["bias"] else 0)
    return (*shape[:-1], a["out_features"]), params


def _flatten(shape: tuple[int, ...], a: dict[str, Any]) -> tuple[tuple[int, ...], int]:
    size = 1
    for n in shape:
        size *= n
    return (size,), 0


def _same(shape: tuple[int, ...], a: dict[str, Any]) -> tuple[tuple[int, ...], int]:
    return shape, 0


_PLAIN: dict[str, Callable[[tuple[int, ...], dict[str, Any]], tuple[tuple[int, ...], int]]] = {
    "Conv2d": _conv2d,
    "MaxPool2d": _maxpool2d,
    "Linear": _linear,
    "Flatten": _flatten,
    "ReLU": _same,
    "Dropout": _same,
}


# -- helpers ----------------------------------------------------------------------------------


def _usable_format(solution: Solution, fmt: str) -> str:
    try:
        render(solution, fmt)
    except jinja2.TemplateNotFound:  # the markdown template may not exist yet
        print(f"note: no {fmt} template yet; measuring text instead")
        return "text"
    return fmt


def _median(work: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


if __name__ == "__main__":
    main()
