"""The ``explainer`` command: the ways of giving a spec, formats, -o, the JSON contract, --help."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from explainer.api import bank_examples
from explainer.cli import main

ROOT = Path(__file__).resolve().parent.parent
NO_INPUT = "Conv2d(1, 16, 5, padding=2) -> ReLU -> MaxPool2d(2) -> Flatten -> Linear(10)"
SMALL = "input(1,28,28) -> " + NO_INPUT
FORMATS = ("text", "markdown", "latex", "html", "json")
EXTENSIONS = {".txt": "text", ".md": "markdown", ".tex": "latex", ".html": "html", ".json": "json"}
EXAMPLE_NAMES = sorted(path.stem for path in (ROOT / "exercises").glob("*.toml"))
# The JSON contract's `type` + `args` build torch.nn layers for these (keras.layers for the rest).
TORCH_EXAMPLES = [e.name for e in bank_examples() if e.framework == "pytorch"]


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input, prog_name="explainer")


def ok(*args: str, input: str | None = None) -> str:
    result = run(*args, input=input)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert (result.exit_code, result.stderr) == (0, ""), result.stderr
    return result.stdout


def as_json(*args: str, input: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(ok(*args, "--format", "json", input=input))
    return data


# -- where the spec comes from -------------------------------------------------------------


def test_solve_string_spec() -> None:
    out = ok("solve", SMALL)
    assert out.startswith("Worked solution")
    assert "Total params: 31,786" in out  # conv (5·5·1+1)·16 = 416, linear 3136·10 + 10 = 31,370
    assert as_json("solve", SMALL)["total_params"] == 416 + 16 * 14 * 14 * 10 + 10


def test_solve_file_path(tmp_path: Path) -> None:
    spec = tmp_path / "model.txt"
    spec.write_text(SMALL + "\n", encoding="utf-8")
    assert ok("solve", str(spec)) == ok("solve", SMALL)


def test_solve_stdin() -> None:
    assert ok("solve", "-", input=SMALL) == ok("solve", SMALL)


def test_solve_stdin_printout_with_forward() -> None:
    bank = {example.name: example for example in bank_examples()}
    printout = bank["handout-cnn"].spec
    from_stdin = as_json("solve", "-", "--input", "1,28,28", input=printout)
    assert from_stdin == as_json("solve", "--example", "handout-cnn")


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_solve_every_example(name: str) -> None:
    data = as_json("solve", "--example", name)
    bank = {example.name: example for example in bank_examples()}
    assert data["total_params"] == bank[name].total_params
    assert ok("solve", "--example", name).startswith("Worked solution")


@pytest.mark.parametrize("shape", ["1,28,28", "1x28x28", "(1, 28, 28)", "[1, 28, 28]", "1 28 28"])
def test_input_shape_forms(shape: str) -> None:
    data = as_json("solve", NO_INPUT, "--input", shape)
    assert data["input_shape"] == [1, 28, 28]
    assert ok("solve", NO_INPUT, "--input", shape) == ok("solve", SMALL)


def test_input_option_overrides_the_spec() -> None:
    data = as_json("solve", "input(1,28,28) -> Conv2d(16, 5) -> Flatten", "--input", "3,32,32")
    assert data["input_shape"] == [3, 32, 32]
    assert data["layers"][0]["args"]["in_channels"] == 3
    assert data["layers"][-1]["output_shape"] == [16 * 28 * 28]


def test_digits() -> None:
    course = "input→FCwB(256)→Dropout(0.1)→FC(128)→tanh→Maxpool(3)→FC(3)→output"
    assert "Total params: 2,95,294" in ok("solve", course, "--input", "1024", "--digits", "indian")
    assert "Total params: 295,294" in ok("solve", course, "--input", "1024")
    assert "Total params: 295294" in ok("solve", course, "--input", "1024", "--digits", "plain")


# -- the JSON contract ---------------------------------------------------------------------

TOP_KEYS = {
    "input_shape", "framework", "layers",
    "total_params", "trainable_params", "non_trainable_params",
}  # fmt: skip
LAYER_KEYS = {
    "index", "name", "type", "args", "output_shape", "params", "trainable_params",
    "non_trainable_params", "steps",
}  # fmt: skip
STEP_KEYS = {"quantity", "formula", "substituted", "value"}


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_json_contract(name: str) -> None:
    data = as_json("solve", "--example", name)
    assert set(data) >= TOP_KEYS
    assert data["framework"] == ("pytorch" if name in TORCH_EXAMPLES else "keras")
    shape = data["input_shape"]
    for number, layer in enumerate(data["layers"], 1):
        assert set(layer) >= LAYER_KEYS
        assert layer["index"] == number
        assert isinstance(layer["name"], str) and isinstance(layer["type"], str)
        assert isinstance(layer["args"], dict)
        assert layer["params"] == layer["trainable_params"] + layer["non_trainable_params"]
        for step in layer["steps"]:
            assert set(step) >= STEP_KEYS
            assert isinstance(step["value"], int)
            assert all(isinstance(step[key], str) for key in ("quantity", "formula", "substituted"))
        shape = layer["output_shape"]
        assert all(isinstance(size, int) and size > 0 for size in shape)
    assert data["layers"][-1]["output_shape"] == shape
    assert data["total_params"] == sum(layer["params"] for layer in data["layers"])
    assert data["trainable_params"] == sum(layer["trainable_params"] for layer in data["layers"])
    assert data["total_params"] == data["trainable_params"] + data["non_trainable_params"]


def test_json_shapes_exclude_the_batch() -> None:
    data = as_json("solve", "--example", "handout-cnn")
    assert data["input_shape"] == [1, 28, 28]
    assert [layer["output_shape"] for layer in data["layers"][:1]] == [[16, 28, 28]]
    assert data["layers"][8]["output_shape"] == [1568]
    assert data["layers"][-1]["output_shape"] == [10]


def test_json_parameter_step_shows_its_work() -> None:
    conv = as_json("solve", "--example", "handout-cnn")["layers"][0]
    params = [step for step in conv["steps"] if step["quantity"] == "parameters"]
    assert len(params) == 1
    assert params[0]["value"] == conv["params"] == 416
    assert "5" in params[0]["substituted"] and "16" in params[0]["substituted"]


def test_json_type_and_args_rebuild_every_layer_in_torch() -> None:
    with warnings.catch_warnings():
        # torch's CPU wheel warns at import time when NumPy is absent; NumPy is not needed here.
        warnings.filterwarnings("ignore", "Failed to initialize NumPy", UserWarning)
        torch = pytest.importorskip("torch")
    for name in TORCH_EXAMPLES:
        data = as_json("solve", "--example", name)
        total = 0
        for layer in data["layers"]:
            module = getattr(torch.nn, layer["type"])(**layer["args"])
            count = sum(p.numel() for p in module.parameters())
            assert count == layer["params"], (name, layer["index"], layer["type"])
            total += count
        assert total == data["total_params"], name


# -- -o and the format taken from the extension --------------------------------------------


@pytest.mark.parametrize(("suffix", "fmt"), sorted(EXTENSIONS.items()))
def test_output_file_format_from_extension(tmp_path: Path, suffix: str, fmt: str) -> None:
    target = tmp_path / f"solution{suffix}"
    result = run("solve", "--example", "handout-mlp", "-o", str(target))
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert target.read_text(encoding="utf-8") == ok(
        "solve", "--example", "handout-mlp", "--format", fmt
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]  # no temp file left


def test_output_format_option_beats_the_extension(tmp_path: Path) -> None:
    target = tmp_path / "solution.txt"
    ok("solve", "--example", "handout-mlp", "--format", "json", "-o", str(target))
    assert json.loads(target.read_text(encoding="utf-8"))["total_params"] == 295294


def test_output_unknown_extension_is_text(tmp_path: Path) -> None:
    target = tmp_path / "solution.out"
    ok("solve", "--example", "handout-mlp", "--output", str(target))
    assert target.read_text(encoding="utf-8") == ok("solve", "--example", "handout-mlp")


def test_output_replaces_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "solution.json"
    target.write_text("old", encoding="utf-8")
    ok("solve", "--example", "handout-mlp", "-o", str(target))
    assert json.loads(target.read_text(encoding="utf-8"))["total_params"] == 295294


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders(fmt: str) -> None:
    out = ok("solve", "--example", "handout-cnn", "--format", fmt)
    assert out.endswith("\n")
    assert "883" in out


# -- examples and help ---------------------------------------------------------------------


def test_examples_lists_every_bank_entry() -> None:
    lines = [line for line in ok("examples").splitlines() if "(--hf)" not in line]
    assert [line.split()[0] for line in lines] == EXAMPLE_NAMES
    assert [example.name for example in bank_examples()] == EXAMPLE_NAMES
    by_name = {line.split()[0]: line for line in lines}
    for example in bank_examples():
        assert f"{example.total_params:,}" in by_name[example.name]
        assert example.title in by_name[example.name]


def _commands() -> list[list[str]]:
    assert isinstance(main, click.Group)
    return [[], *([name] for name in sorted(main.commands))]


@pytest.mark.parametrize("command", _commands(), ids=lambda c: " ".join(c) or "explainer")
def test_every_help_ends_with_an_example(command: list[str]) -> None:
    out = ok(*command, "--help")
    last = [line for line in out.splitlines() if line.strip()][-1]
    assert last.startswith("    explainer"), last
    assert ok(*command, "-h") == out


def test_version() -> None:
    try:
        version = importlib.metadata.version("explainer")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("--version reads the installed metadata: pip install . first")
    assert ok("--version") == f"explainer, version {version}\n"


def test_python_dash_m() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "explainer", "--help"],
        capture_output=True, text=True, cwd=ROOT, check=False, timeout=120,
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("Usage: explainer ")
    assert "solve" in done.stdout and "examples" in done.stdout
