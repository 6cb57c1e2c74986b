"""Growth with the number of layers: 10, 100 and 1,000 layers, time per layer and its ratios.

Target: linear growth, i.e. the time per layer stays flat (ratios near 1.0) from 10 to 100
to 1,000 layers. Two networks: Linear/ReLU pairs, and Conv2d/ReLU pairs whose padding keeps
the size. Each run goes parse -> solve -> render. "first" is the first run at a size (it
also parses that size's total formula p_1 + p_3 + ...); "median" is over the later runs.

    python benchmarks/bench_scaling.py [--format markdown]
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import jinja2  # noqa: E402

from explainer import parse, render, solve  # noqa: E402

SIZES = (10, 100, 1000)
NETWORKS = {
    "Linear/ReLU": ("input(64)", "Linear(64, 64) -> ReLU"),
    "Conv2d/ReLU": ("input(8, 16, 16)", "Conv2d(8, 8, 3, padding=1) -> ReLU"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--format", default="markdown", help="output format")
    parser.add_argument("--runs", type=int, default=5, help="timed runs at 1,000 layers")
    options = parser.parse_args()
    fmt = _usable_format(options.format)
    print(
        f"Python {sys.version.split()[0]}, format {fmt}; "
        "microseconds per layer, parse -> solve -> render"
    )
    for name, (head, block) in NETWORKS.items():
        _run_once(_spec(head, block, 6), fmt)  # compile templates, parse the layer formulas
        per_layer: dict[int, float] = {}
        for size in SIZES:
            spec = _spec(head, block, size)
            try:
                first = _run_once(spec, fmt)
            except RecursionError:
                print(f"  {name:12} {size:5} layers: RecursionError")
                continue
            runs = max(options.runs, options.runs * 100 // size)
            median = statistics.median(_run_once(spec, fmt) for _ in range(runs))
            per_layer[size] = median / size
            print(
                f"  {name:12} {size:5} layers: first {first / size * 1e6:6.0f}  "
                f"median {median / size * 1e6:6.0f}  ({runs} runs, {median * 1e3:.1f} ms a run)"
            )
        _ratios(name, per_layer)


def _ratios(name: str, per_layer: dict[int, float]) -> None:
    pairs = [(a, b) for a, b in itertools.pairwise(SIZES) if a in per_layer and b in per_layer]
    text = ", ".join(f"{b}/{a}: {per_layer[b] / per_layer[a]:.2f}" for a, b in pairs)
    print(f"  {name:12} time-per-layer ratios {text or 'n/a'}  (1.00 = linear)")


def _spec(head: str, block: str, layers: int) -> str:
    return " -> ".join([head, *[block] * (layers // 2)])


def _run_once(spec: str, fmt: str) -> float:
    start = time.perf_counter()
    render(solve(parse(spec)), fmt)
    return time.perf_counter() - start


def _usable_format(fmt: str) -> str:
    try:
        render(solve(parse("input(4) -> Linear(2)")), fmt)
    except jinja2.TemplateNotFound:  # the markdown template may not exist yet
        print(f"note: no {fmt} template yet; measuring text instead")
        return "text"
    return fmt


if __name__ == "__main__":
    main()
