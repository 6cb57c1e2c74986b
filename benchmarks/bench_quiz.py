"""Quizzes: problems with complete worked keys per second, growth with the count, peak memory,
and a 200-student roster.

Targets: 1,000 problems with their sheet and complete worked key in at most 10 s on one core;
time growing linearly from 100 to 1,000 to 10,000 problems; a 200-student roster (10 problems
each, the default count) in under 30 s. Each size runs in a fresh process pinned to one core,
which reports its own peak memory (``ru_maxrss``). The run is the library path of
``explainer quiz`` (generate, render every file in memory, write them into a directory); the
roster is the command itself. Every time is also given as a ratio to a baseline measured in the
same run: the plain-Python loop that computes the same problems' shapes and counts with ints
(no steps, no sympy, no text), i.e. the price of a worked key over a bare answer.

    python benchmarks/bench_quiz.py [--format markdown] [--sizes 100,1000,10000] [--students 200]

A count above 1,000 (the generator's limit per quiz) is made of quizzes of 1,000 with
consecutive seeds, each written and dropped before the next: memory stays that of one quiz.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = Path(__file__).resolve().parent
for folder in (ROOT, BENCHMARKS):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from bench_warm import _conv2d, _flatten, _linear, _maxpool2d, _same  # noqa: E402

TARGET_S = 10.0  # 1,000 problems with worked keys
ROSTER_TARGET_S = 30.0  # 200 students
CHUNK = 1000  # the generator's largest quiz
SEED = 20240


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--format", default="markdown", help="quiz format (default markdown)")
    parser.add_argument("--sizes", default="100,1000,10000", help="problem counts to time")
    parser.add_argument("--students", type=int, default=200, help="roster size (0: skip)")
    parser.add_argument("--child", nargs=2, metavar=("COUNT", "FORMAT"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        print(json.dumps(_child(int(options.child[0]), options.child[1])))
        return
    cpu = _one_core()
    print(
        f"Python {sys.version.split()[0]}, format {options.format}, one core (CPU {cpu}), "
        "each size in a fresh process"
    )
    sizes = [int(size) for size in options.sizes.split(",")]
    results = {size: _in_child(size, options.format) for size in sizes}
    _table(results)
    _growth(results)
    if 1000 in results:
        seconds = results[1000]["seconds"]
        verdict = "met" if seconds <= TARGET_S else "MISSED"
        print(
            f"1,000 problems with worked keys: {seconds:.1f} s = {seconds / TARGET_S:.2f}x "
            f"the {TARGET_S:.0f} s budget ({verdict})"
        )
    if options.students:
        _roster(options.students, options.format, results)


# -- one size, in its own process ---------------------------------------------------------


def _in_child(count: int, fmt: str) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", str(count), fmt]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    if done.returncode != 0:
        sys.exit(f"{count} problems failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def _child(count: int, fmt: str) -> dict[str, Any]:
    _one_core()
    from explainer.rendering.files import write_tree
    from explainer.teaching.quizzes import make

    _quiz_files(make, write_tree, SEED - 1, 6, fmt, Path(tempfile.mkdtemp()))  # warm: templates
    start_rss = _rss_mb()
    folder = Path(tempfile.mkdtemp(prefix="bench-quiz."))
    generate_s = render_s = write_s = 0.0
    size = 0
    plain_s = 0.0
    try:
        for chunk, seed in _chunks(count):
            target = folder / str(seed)
            times, written, made = _quiz_files(make, write_tree, seed, chunk, fmt, target)
            generate_s += times[0]
            render_s += times[1]
            write_s += times[2]
            size += sum(len(data) for data in written.values())
            plain_s += _plain_seconds(made)
            shutil.rmtree(folder / str(seed))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {
        "count": count,
        "seconds": generate_s + render_s + write_s,
        "generate": generate_s,
        "render": render_s,
        "write": write_s,
        "bytes": size,
        "plain": plain_s,
        "start_mb": start_rss,
        "peak_mb": _rss_mb(),
    }


def _chunks(count: int) -> list[tuple[int, int]]:
    return [
        (min(CHUNK, count - done), SEED + index)
        for index, done in enumerate(range(0, count, CHUNK))
    ]


def _quiz_files(make: Any, write_tree: Any, seed: int, count: int, fmt: str, folder: Path) -> Any:
    start = time.perf_counter()
    chosen = make.settings(seed, count, "cnn", "easy")
    made = make.variants(chosen)
    generated = time.perf_counter()
    written = make.files(chosen, made, fmt)
    rendered = time.perf_counter()
    write_tree(written, folder)
    done = time.perf_counter()
    return (generated - start, rendered - generated, done - rendered), written, made


# -- the baseline: the same answers with plain ints ---------------------------------------


def _plain_seconds(made: Any) -> float:
    """Seconds for the plain-int loop over every problem's stack (median of 5), checked."""
    kinds = {
        "Conv2d": _conv2d,
        "MaxPool2d": _maxpool2d,
        "Linear": _linear,
        "Flatten": _flatten,
        "MaxPool1d": _maxpool1d,
        "AvgPool2d": _avgpool2d,
    }
    stacks = []
    for variant in made:
        for problem in variant.quiz.problems:
            solution = problem.solution
            layers = [(kinds.get(layer.type, _same), layer.args) for layer in solution.layers]
            expected = [(layer.output_shape, layer.params) for layer in solution.layers]
            if _plain(solution.input_shape, layers) != expected:
                sys.exit(f"the plain-int reference disagrees with explainer on {problem.id}")
            stacks.append((solution.input_shape, layers))
    times = []
    for _ in range(5):
        start = time.perf_counter()
        for shape, layers in stacks:
            _plain(shape, layers)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _plain(shape: tuple[int, ...], layers: list[tuple[Any, dict[str, Any]]]) -> list[Any]:
    out = []
    for kind, args in layers:
        shape, params = kind(shape, args)
        out.append((shape, params))
    return out


def _maxpool1d(shape: tuple[int, ...], a: dict[str, Any]) -> tuple[tuple[int, ...], int]:
    stride = a["kernel_size"] if a["stride"] is None else a["stride"]
    size = (shape[-1] + 2 * a["padding"] - a["dilation"] * (a["kernel_size"] - 1) - 1) // stride
    return (*shape[:-1], size + 1), 0


def _avgpool2d(shape: tuple[int, ...], a: dict[str, Any]) -> tuple[tuple[int, ...], int]:
    return _maxpool2d(shape, a | {"dilation": 1})  # the same windows (ceil_mode is not generated)


# -- the roster: the command itself ----------------------------------------------------------


def _roster(students: int, fmt: str, results: dict[int, dict[str, Any]]) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-roster."))
    try:
        roster = folder / "roster.csv"
        roster.write_text("id,name\n" + "".join(f"s{i:04d},Student {i}\n" for i in range(students)))
        command = [
            sys.executable,
            "-m",
            "explainer",
            "quiz",
            "--seed",
            str(SEED),
            "--format",
            fmt,
            "--students",
            str(roster),
            "-o",
            str(folder / "out"),
        ]
        start = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.DEVNULL, preexec_fn=_one_core
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        if status != 0:
            sys.exit(f"the roster run failed (status {status})")
        files = sum(1 for path in (folder / "out").rglob("*") if path.is_file())
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    problems = students * 10
    verdict = "met" if seconds < ROSTER_TARGET_S else "MISSED"
    print(
        f"roster: {students} students x 10 problems ({problems:,} problems, {files:,} files), "
        f"the CLI in a fresh process: {seconds:.1f} s = {seconds / ROSTER_TARGET_S:.2f}x the "
        f"{ROSTER_TARGET_S:.0f} s budget ({verdict}); peak RSS {usage.ru_maxrss / 1024:.0f} MB"
    )
    if 1000 in results:
        single = results[1000]["seconds"] / 1000
        each = seconds / problems
        print(
            f"  per problem {each * 1e3:.2f} ms = {each / single:.2f}x a single quiz's "
            "(start-up, a key per student and the grader's key included)"
        )


# -- report -----------------------------------------------------------------------------------


def _table(results: dict[int, dict[str, Any]]) -> None:
    print(
        f"{'problems':>9} {'seconds':>8} {'generate':>9} {'render':>7} {'write':>6} "
        f"{'ms/problem':>11} {'x plain':>8} {'output':>9} {'peak RSS':>9}"
    )
    for count, r in results.items():
        per_problem = r["seconds"] / count
        print(
            f"{count:>9,} {r['seconds']:>8.2f} {r['generate']:>9.2f} {r['render']:>7.2f} "
            f"{r['write']:>6.2f} {per_problem * 1e3:>11.2f} {r['seconds'] / r['plain']:>8,.0f} "
            f"{r['bytes'] / 1e6:>7.1f}MB {r['peak_mb']:>7.0f}MB"
            f"  (+{r['peak_mb'] - r['start_mb']:.0f} MB over the warm start)"
        )
    some = next(iter(results.values()))
    print(
        f"  plain-int baseline: {some['plain'] / some['count'] * 1e6:.1f} us/problem; "
        "x plain = time of the quiz / time of the plain loop over the same problems"
    )


def _growth(results: dict[int, dict[str, Any]]) -> None:
    counts = sorted(results)
    ratios = [
        f"{bigger:,}/{smaller:,}: "
        f"{(results[bigger]['seconds'] / bigger) / (results[smaller]['seconds'] / smaller):.2f}"
        for smaller, bigger in itertools.pairwise(counts)
    ]
    if ratios:
        print(f"growth: time-per-problem ratios {', '.join(ratios)} (1.00 = linear)")


def _one_core() -> int:
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return cpu


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


if __name__ == "__main__":
    main()
