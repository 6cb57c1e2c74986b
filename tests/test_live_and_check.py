"""Live PyTorch models (forward hooks) and `explainer check` (our numbers beside torch's)."""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Failed to initialize NumPy", category=UserWarning)
    torch = pytest.importorskip("torch")

from explainer import api
from explainer.cli import main
from explainer.reading.bank import examples
from explainer.reading.check import check
from explainer.teaching.generate import generate

nn = torch.nn


class BasicBlock(nn.Module):  # type: ignore[misc]
    """torchvision's ResNet basic block, written out (torchvision does not install here)."""

    def __init__(self, cin: int, cout: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)) + identity)


class ResNet18(nn.Module):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        widths = [(64, 64, 1), (64, 128, 2), (128, 256, 2), (256, 512, 2)]
        stages = [nn.Sequential(BasicBlock(a, b, s), BasicBlock(b, b)) for a, b, s in widths]
        self.layers = nn.Sequential(*stages)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(512, 1000)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        return self.fc(self.flatten(self.avgpool(self.layers(x))))


def test_resnet18_through_the_live_path() -> None:
    model = ResNet18()
    solution = api.solve_model(model, (3, 224, 224))
    assert solution.total_params == 11_689_512 == sum(p.numel() for p in model.parameters())
    downsample = next(layer for layer in solution.layers if layer.name.endswith("downsample.0"))
    assert downsample.input_shape == (
        64,
        56,
        56,
    )  # the block's input, not the previous layer's output
    assert solution.layers[-1].output_shape == (1000,)
    assert all(row.agrees for row in check(solution))


MODEL = """
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)
        self.act = nn.ReLU()
        self.fc = nn.Linear(4 * 26 * 26, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.act(self.conv(x)), 1))
"""


def test_cli_reads_a_model_file(tmp_path: Path) -> None:
    path = tmp_path / "model.py"
    path.write_text(MODEL)
    result = CliRunner().invoke(
        main, ["solve", "--torch", f"{path}:Net", "--input", "1,28,28", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert '"total_params": 27090' in result.stdout


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("nowhere.py:Net", "no file"),
        ("MODEL:Missing", "defines no Missing"),
        ("MODEL", "path/to/model.py:ClassName"),
    ],
)
def test_cli_live_model_errors(tmp_path: Path, target: str, message: str) -> None:
    path = tmp_path / "model.py"
    path.write_text(MODEL)
    target = target.replace("MODEL", str(path))
    result = CliRunner().invoke(main, ["solve", "--torch", target, "--input", "1,28,28"])
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_unknown_module_is_counted_by_pytorch_and_named() -> None:
    class Odd(nn.Module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.shuffle = nn.PixelShuffle(2)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.shuffle(x)

    solution = api.solve_model(Odd(), (4, 8, 8))
    (layer,) = solution.layers
    assert (layer.type, layer.params, layer.output_shape) == ("PixelShuffle", 0, (1, 16, 16))
    assert "explainer has no formula for PixelShuffle" in " ".join(solution.notes)


# VGG-16 (138 million weights drawn in torch: seconds) is CI's; the developer loop checks the rest.
@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.slow) if n == "vgg-16" else n
        for n in sorted(n for n, e in examples().items() if e.framework == "pytorch")
    ],
)
def test_check_agrees_on_every_bundled_example(name: str) -> None:
    rows = check(api.solve_example(name))
    assert rows and all(row.agrees for row in rows)


@pytest.mark.slow  # 210 generated networks built in torch: 14 s of CPU
@pytest.mark.parametrize("topic", ["cnn", "mlp", "course"])
def test_check_agrees_on_generated_stacks(topic: str) -> None:
    quiz = generate(seed=2026, count=70, topic=topic, difficulty="hard", kinds=("table",))
    for problem in quiz.problems:
        rows = check(problem.solution)
        assert all(row.agrees for row in rows), problem.id


def test_check_reports_a_difference_and_exits_1(monkeypatch: pytest.MonkeyPatch) -> None:
    solution = api.solve_example("handout-mlp")
    wrong = dataclasses.replace(solution.layers[0], params=262144)  # the bias forgotten
    broken = dataclasses.replace(solution, layers=(wrong, *solution.layers[1:]))
    rows = check(broken)
    assert [row.agrees for row in rows] == [False] + [True] * 5
    monkeypatch.setattr(api, "solve_example", lambda name, shape=None, framework=None: broken)
    result = CliRunner().invoke(main, ["check", "--example", "handout-mlp"])
    assert result.exit_code == 1
    assert "DIFFERENT" in result.stdout
    assert "1 of 6 layers differ from PyTorch" in result.stdout
