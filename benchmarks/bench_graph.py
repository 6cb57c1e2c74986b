"""Graphs, warm: the pasted GPT-2 print-out (Hugging Face's, without its forward), parse ->
solve -> render, once the templates are compiled.

Target: the GPT-2 print-out solved in under 1 s warm. Each figure is also given as a ratio to
a baseline measured in the same run: the bundled VGG-16 chain's worked solution, the same
work on a network written as a chain.

    python benchmarks/bench_graph.py [--runs 20] [--format text]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from explainer import parse, render, solve  # noqa: E402
from explainer.reading.bank import example  # noqa: E402

GPT2 = ROOT / "tests" / "fixtures" / "gpt2-printout.txt"
TARGET_S = 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="timed runs of each workload")
    parser.add_argument("--format", default="text", help="output format")
    options = parser.parse_args()
    fmt, runs = options.format, options.runs

    vgg = example("vgg-16")
    baseline = _median(
        lambda: render(solve(parse(vgg.spec).with_input(vgg.input_shape)), fmt), runs
    )
    text = GPT2.read_text(encoding="utf-8")
    gpt2 = _median(lambda: render(solve(parse(text)), fmt), runs)
    total = solve(parse(text)).total_params

    print(f"Python {sys.version.split()[0]}, format {fmt}, medians of {runs} warm runs")
    gpt2_label = f"GPT-2 print-out alone, {total:,} parameters"
    print(f"  {'VGG-16 chain, 38 layers (baseline)':50}{baseline * 1e3:8.1f} ms")
    print(f"  {gpt2_label:50}{gpt2 * 1e3:8.1f} ms")
    verdict = "met" if gpt2 < TARGET_S else "NOT met"
    print(f"  GPT-2 / VGG-16 = {gpt2 / baseline:.2f}x; absolute {gpt2:.3f} s "
          f"(target < {TARGET_S:.0f} s warm: {verdict})")  # fmt: skip


def _median(work: Callable[[], object], runs: int) -> float:
    work()  # warm: templates compiled, formulas parsed
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


if __name__ == "__main__":
    main()
