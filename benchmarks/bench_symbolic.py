"""Named sizes: VGG-16 with its input size left as W, solved and rendered warm.

Target: the worked solution in W (parse -> solve -> render) in under 2 s once warm. The
baseline, measured in the same run, is the same network with the number 224 in place of W;
the figure is the ratio of the two medians, with the absolute time beside it. The first
fully connected layer's in_features is left to the shape (Linear(4096)), so that the count
really is a formula in W; the bundled spec's Linear(512 * 7 * 7, 4096) would pin W to
224..255 (an assumption of the solution) and make the count a number.

    python benchmarks/bench_symbolic.py [--runs 15] [--format markdown]
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

TARGET_S = 2.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs of each workload")
    parser.add_argument("--format", default="markdown", help="output format")
    options = parser.parse_args()
    spec = example("vgg-16").spec.replace("Linear(512 * 7 * 7, 4096)", "Linear(4096)")
    assert "Linear(4096)" in spec, "the bundled VGG-16 spec changed: update this benchmark"
    named = "input(3, W, W)\n" + spec
    plain = "input(3, 224, 224)\n" + spec
    solution = solve(parse(named))
    print(f"Python {sys.version.split()[0]}, format {options.format}, medians of {options.runs}")
    print(f"VGG-16 in W: total parameters = {solution.total_params}")
    render(solve(parse(named)), options.format)  # warm: templates compiled, caches filled
    render(solve(parse(plain)), options.format)
    named_s = _median(lambda: render(solve(parse(named)), options.format), options.runs)
    plain_s = _median(lambda: render(solve(parse(plain)), options.format), options.runs)
    verdict = "met" if named_s < TARGET_S else "NOT met"
    target = f"target < {TARGET_S:.0f} s: {verdict}"
    print(f"  in W (named size)        {named_s * 1e3:8.1f} ms  ({target})")
    print(f"  with 224 (baseline)      {plain_s * 1e3:8.1f} ms")
    print(f"  named / baseline = {named_s / plain_s:.2f}x")


def _median(work: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


if __name__ == "__main__":
    main()
