"""A live ResNet-50: explainer's worked solution against ``torchinfo.summary`` of the same model.

Target: ``explainer solve --torch benchmarks/resnet50.py:ResNet50 --input 3,224,224`` takes at
most 1.2x the time of a script that imports torch and torchinfo, builds the same model and
prints ``torchinfo.summary(model, input_size=(1, 3, 224, 224))``. Both are fresh processes, so
both include importing torch and building the model (its weights initialised, as a user's
model is); they run interleaved, and the figure is the ratio of the two medians.

    python benchmarks/bench_live.py [--runs 7] [--format text]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 1.2
MODEL = ROOT / "benchmarks" / "resnet50.py"
TORCHINFO = f"""
import sys
sys.path.insert(0, {str(MODEL.parent)!r})
import torch, torchinfo
from resnet50 import ResNet50
print(torchinfo.summary(ResNet50(), input_size=(1, 3, 224, 224), verbose=0))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each command")
    parser.add_argument("--format", default="text", help="output format of the worked solution")
    options = parser.parse_args()
    commands = {
        "explainer": [
            sys.executable, "-m", "explainer", "solve", "--torch", f"{MODEL}:ResNet50",
            "--input", "3,224,224", "--format", options.format,
        ],
        "torchinfo": [sys.executable, "-c", TORCHINFO],
        "torch": [sys.executable, "-c", "import torch"],
    }  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for command in commands.values():  # warm the file cache; a failure stops here
        subprocess.run(command, env=env, check=True, capture_output=True)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(options.runs):
        for name, command in commands.items():
            start = time.perf_counter()
            subprocess.run(command, env=env, check=True, capture_output=True)
            times[name].append(time.perf_counter() - start)
    median = {name: statistics.median(values) for name, values in times.items()}
    print(f"interpreter: {sys.executable}; {options.runs} interleaved runs of each, medians")
    rows = {
        f"explainer solve --torch resnet50.py:ResNet50 --format {options.format}": "explainer",
        "torchinfo.summary of the same model (baseline)": "torchinfo",
        "python -c 'import torch'": "torch",
    }
    for label, name in rows.items():
        print(f"  {label:66} {median[name] * 1000:8.0f} ms")
    ratio = median["explainer"] / median["torchinfo"]
    verdict = "met" if ratio <= TARGET else "NOT met"
    print(f"  explainer / torchinfo = {ratio:.2f}x  (target <= {TARGET}x: {verdict})")


if __name__ == "__main__":
    main()
