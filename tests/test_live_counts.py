"""Live models count exactly what PyTorch counts: shared modules and tied weights once, tensors
held by a module as rows of their own, trainable as requires_grad says, modules without a
formula counted by PyTorch and said to be; where the worked solution cannot be shown to equal
PyTorch's count it is refused (solve: exit 2) or shown as different (check: exit 1)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Failed to initialize NumPy", category=UserWarning)
    torch = pytest.importorskip("torch")

from explainer import api
from explainer.cli import main
from explainer.deriving.solve import Solution
from explainer.reading.live import LiveModelError

nn = torch.nn


def torch_counts(model: object) -> tuple[int, int]:
    params = list(model.parameters())  # type: ignore[attr-defined]
    return sum(p.numel() for p in params), sum(p.numel() for p in params if p.requires_grad)


def assert_counts_like_torch(solution: Solution, model: object) -> None:
    assert (solution.total_params, solution.trainable_params) == torch_counts(model)
    assert sum(layer.params for layer in solution.layers) == solution.total_params


# -- the models of the issue, in one file that the CLI imports --------------------------------

MODELS = '''
import torch
from torch import nn


class Twice(nn.Module):
    """A hidden layer applied twice: its 4,160 weights are one set, counted once."""

    def __init__(self):
        super().__init__()
        self.inp = nn.Linear(10, 64)
        self.hidden = nn.Linear(64, 64)
        self.out = nn.Linear(64, 2)

    def forward(self, x):
        x = torch.relu(self.inp(x))
        x = torch.relu(self.hidden(x))
        x = torch.relu(self.hidden(x))
        return self.out(x)


class LayerScale(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * self.gamma


class Tokens(nn.Module):
    """A class token held by the model, an identity shortcut, a module without a formula."""

    def __init__(self):
        super().__init__()
        self.class_token = nn.Parameter(torch.zeros(1, 1, 16))
        self.embed = nn.Linear(8, 16)
        self.scale = LayerScale(16)
        self.shortcut = nn.Sequential()
        self.shuffle = nn.ChannelShuffle(2)
        self.head = nn.Linear(16, 3)

    def forward(self, x):
        x = self.embed(x)
        x = torch.cat([self.class_token.expand(x.shape[0], -1, -1), x], dim=1)
        x = self.shortcut(self.scale(x)) + x
        x = self.shuffle(x.transpose(1, 2).unsqueeze(-1)).squeeze(-1).transpose(1, 2)
        return self.head(x[:, 0])


class Tied(nn.Module):
    """A language model whose output layer reuses the embedding's weights."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(100, 16)
        self.lin = nn.Linear(16, 100)
        self.lin.weight = self.emb.weight

    def forward(self, x):
        return self.lin(self.emb(x))


class ValueDependent(nn.Module):
    """A forward that needs real values (.item()): read on the CPU, not on the meta device."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        if x.sum().item() >= 0:
            return self.fc(x)
        return x


class SharedParameter(nn.Module):
    """One tensor registered on two modules: one tensor still, on the meta device too."""

    def __init__(self):
        super().__init__()
        self.a = nn.Linear(4, 4)
        self.b = nn.Linear(4, 4)
        shared = nn.Parameter(torch.zeros(4))
        self.a.bias = shared
        self.b.bias = shared

    def forward(self, x):
        return self.b(self.a(x))


class Extra(nn.Module):
    """A Linear with a tensor of its own added: no formula of Linear's counts it."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)
        self.fc.extra = nn.Parameter(torch.zeros(3))

    def forward(self, x):
        return self.fc(x)
'''


@pytest.fixture
def models(tmp_path: Path) -> Path:
    path = tmp_path / "models.py"
    path.write_text(MODELS)
    return path


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def solve_json(path: Path, name: str, shape: str, *extra: str) -> dict[str, object]:
    import json

    result = run("solve", "--torch", f"{path}:{name}", "--input", shape, "--format", "json", *extra)
    assert result.exit_code == 0, result.output
    loaded: dict[str, object] = json.loads(result.stdout)
    return loaded


def test_a_module_called_twice_counts_once(models: Path) -> None:
    data = solve_json(models, "Twice", "10")
    assert data["total_params"] == 704 + 4160 + 130 == 4994
    layers = data["layers"]
    assert isinstance(layers, list)
    assert [layer["params"] for layer in layers] == [704, 4160, 0, 130]
    text = run("solve", "--torch", f"{models}:Twice", "--input", "10").stdout
    assert text.count("Parameters = i·o + o") == 3  # the hidden layer's step once
    assert "the same weights as layer 2 (hidden), counted there" in text


def test_a_held_parameter_is_a_step_of_its_own(models: Path) -> None:
    text = run("solve", "--torch", f"{models}:Tokens", "--input", "5,8").stdout
    assert "(class_token): nn.Parameter of size 1×1×16" in text
    assert "= 1·1·16 = 16" in text
    assert "Total params: 227" in text  # 16 + 144 + 16 + 51


def test_unknown_kinds_are_counted_by_pytorch_and_named_in_one_note(models: Path) -> None:
    text = run("solve", "--torch", f"{models}:Tokens", "--input", "5,8").stdout
    assert (
        "Note: counted by PyTorch, not derived: explainer has no formula for ChannelShuffle, "
        "LayerScale" in text
    )
    assert "(means" not in text  # a counted module has no call to spell out
    assert "Sequential" not in text  # the empty shortcut is an identity: no row


def test_tied_weights_count_once(models: Path) -> None:
    data = solve_json(models, "Tied", "7")  # long ids inferred from the embedding
    assert data["total_params"] == 1600 + 100
    text = run("solve", "--torch", f"{models}:Tied", "--input", "7").stdout
    assert "= 1700 − 1600 = 100" in text.replace(",", "")  # p − s: the tied weight taken off


def test_token_ids_by_option(models: Path) -> None:
    assert solve_json(models, "Tied", "7", "--input-dtype", "long")["total_params"] == 1700
    result = run("solve", "--torch", f"{models}:Tied", "--input", "7", "--input-dtype", "float")
    assert result.exit_code == 2
    assert "forward pass failed on [7]" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_input_dtype_needs_torch() -> None:
    result = run("solve", "input(3) -> Linear(2)", "--input-dtype", "long")
    assert result.exit_code == 2 and "--input-dtype goes with --torch" in result.stderr


def test_a_miscount_is_refused_by_solve_and_shown_by_check(models: Path) -> None:
    result = run("solve", "--torch", f"{models}:Extra", "--input", "4")
    assert result.exit_code == 2 and result.stdout == ""
    assert "layer 1 (fc, Linear): explainer derives 10 parameters, PyTorch counts 13" in (
        result.stderr
    )
    checked = run("check", "--torch", f"{models}:Extra", "--input", "4")
    assert checked.exit_code == 1
    assert "DIFFERENT" in checked.stdout
    assert "Total: ours 10 (10 trainable), PyTorch 13 (13 trainable): DIFFERENT." in (
        checked.stdout
    )


def test_a_forward_that_needs_values_is_run_for_real(models: Path) -> None:
    assert solve_json(models, "ValueDependent", "4")["total_params"] == 10


def test_a_tensor_on_two_modules_counts_once(models: Path) -> None:
    assert solve_json(models, "SharedParameter", "4")["total_params"] == 20 + 20 - 4


@pytest.mark.parametrize(("name", "shape"), [("Twice", "10"), ("Tokens", "5,8"), ("Tied", "7")])
def test_check_torch_agrees(models: Path, name: str, shape: str) -> None:
    result = run("check", "--torch", f"{models}:{name}", "--input", shape)
    assert result.exit_code == 0, result.output
    assert "agree with PyTorch" in result.stdout and ": agree." in result.stdout


def test_frozen_backbone_is_not_trainable() -> None:
    from test_live_and_check import ResNet18

    model = ResNet18()
    for p in model.parameters():
        p.requires_grad = False
    model.fc = nn.Linear(512, 10)
    solution = api.solve_model(model, (3, 64, 64))
    assert solution.trainable_params == 5130
    assert solution.total_params == 11_181_642
    assert_counts_like_torch(solution, model)


class Cifar(nn.Module):  # type: ignore[misc]
    """The usual CIFAR ResNet block: an empty nn.Sequential() as the identity shortcut."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(16, 16, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(16, bias=False)
        self.shortcut = nn.Sequential()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.bn(self.conv(x)) + self.shortcut(x))


def test_empty_sequential_shortcut() -> None:
    model = Cifar()
    solution = api.solve_model(model, (16, 8, 8))
    assert [layer.type for layer in solution.layers] == ["Conv2d", "BatchNorm2d"]
    assert solution.total_params == 16 * 16 * 9 + 16 == 2320
    assert_counts_like_torch(solution, model)


# -- the invariant over random models ---------------------------------------------------------


class Random(nn.Module):  # type: ignore[misc]
    """Linear layers of random widths, called in a random order (some more than once), some
    frozen, some with a tensor of their own beside them, some weights tied."""

    def __init__(self, widths: list[int], order: list[int], plan: list[tuple[bool, bool]]) -> None:
        super().__init__()
        self.width = widths[0]
        self.layers = nn.ModuleList(nn.Linear(self.width, self.width) for _ in widths)
        self.scales = nn.ParameterList()
        for layer, (frozen, scaled) in zip(self.layers, plan, strict=False):
            layer.requires_grad_(not frozen)
            if scaled:
                self.scales.append(nn.Parameter(torch.ones(self.width)))
        if len(self.layers) > 2 and plan[0][1]:
            self.layers[-1].weight = self.layers[0].weight  # tied
        self.order = order

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for index in self.order:
            x = torch.tanh(self.layers[index % len(self.layers)](x))
        for scale in self.scales:
            x = x * scale
        return x


@settings(max_examples=40, deadline=None)
@given(
    width=st.integers(1, 6),
    count=st.integers(1, 4),
    order=st.lists(st.integers(0, 7), min_size=1, max_size=6),
    plan=st.lists(st.tuples(st.booleans(), st.booleans()), min_size=4, max_size=4),
)
def test_live_counts_equal_pytorchs(
    width: int, count: int, order: list[int], plan: list[tuple[bool, bool]]
) -> None:
    model = Random([width] * count, order, plan)
    solution = api.solve_model(model, (width,))
    assert_counts_like_torch(solution, model)


# -- loader errors: one line, exit 2, never a traceback ---------------------------------------

BROKEN = {
    "not_a_class": (
        "def Net():\n    return 1\n",
        "Net",
        "Net is a function, not a torch.nn.Module",
    ),
    "not_a_module": ("class Net:\n    pass\n", "Net", "not a torch.nn.Module class"),
    "arguments": (
        "from torch import nn\nclass Net(nn.Module):\n    def __init__(self, classes):\n"
        "        super().__init__()\n",
        "Net",
        "Net() cannot be built without arguments: __init__ needs classes",
    ),
    "syntax": ("import torch\n\nclass Net(:\n", "Net", "syntax.py, line 3:"),
    "import": ("import not_a_module_anywhere\n", "Net", "No module named 'not_a_module_anywhere'"),
    "init_raises": (
        "from torch import nn\nclass Net(nn.Module):\n    def __init__(self):\n"
        "        raise ValueError('no weights here\\nsecond line')\n",
        "Net",
        "building Net() failed: ValueError: no weights here",
    ),
    "forward_raises": (
        "from torch import nn\nclass Net(nn.Module):\n    def __init__(self):\n"
        "        super().__init__()\n        self.fc = nn.Linear(5, 2)\n"
        "    def forward(self, x):\n        return self.fc(x)\n",
        "Net",
        "the model's forward pass failed on [4]: RuntimeError: mat1 and mat2 shapes cannot be "
        "multiplied",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_loader_errors_are_one_line(tmp_path: Path, case: str) -> None:
    source, name, message = BROKEN[case]
    path = tmp_path / f"{case}.py"
    path.write_text(source)
    result = run("solve", "--torch", f"{path}:{name}", "--input", "4")
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output and result.stdout == ""


def test_a_model_may_import_a_file_next_to_it(tmp_path: Path) -> None:
    (tmp_path / "blocks_for_explainer_test.py").write_text(
        "from torch import nn\n\ndef block():\n    return nn.Linear(4, 3)\n"
    )
    (tmp_path / "net.py").write_text(
        "from torch import nn\nfrom blocks_for_explainer_test import block\n\n"
        "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.fc = block()\n\n    def forward(self, x):\n        return self.fc(x)\n"
    )
    result = run("solve", "--torch", f"{tmp_path / 'net.py'}:Net", "--input", "4")
    assert result.exit_code == 0, result.output
    assert "Total params: 15" in result.stdout


def test_a_model_without_parameters_or_layers_is_refused() -> None:
    class Nothing(nn.Module):  # type: ignore[misc]
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x * 2

    with pytest.raises(LiveModelError, match="no layers"):
        api.solve_model(Nothing(), (3,))


def test_the_issues_shared_layer_model() -> None:
    """The issue's example: a Linear(64, 64) applied twice, then Linear(64, 10): 4,810, not
    the 8,970 of counting the shared layer at both calls."""

    class Issue(nn.Module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.shared = nn.Linear(64, 64)
            self.out = nn.Linear(64, 10)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.out(torch.relu(self.shared(torch.relu(self.shared(x)))))

    model = Issue()
    solution = api.solve_model(model, (64,))
    assert [layer.params for layer in solution.layers] == [4160, 0, 650]
    assert solution.total_params == 4810
    assert_counts_like_torch(solution, model)


def test_a_layer_forward_never_calls_still_counts() -> None:
    """A student's unused layer: PyTorch counts it, so the worked total does too, derived on
    the one input its own arguments give; the training-mode pass that looked for it leaves the
    model's running statistics and the random sequence as they were."""

    class Unused(nn.Module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.fc1 = nn.Linear(8, 4)
            self.bn = nn.BatchNorm1d(4)
            self.drop = nn.Dropout(0.5)
            self.fc2 = nn.Linear(4, 3)  # never called

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.drop(self.bn(self.fc1(x)))

    model = Unused()
    torch.manual_seed(0)
    expected_draw = torch.rand(3)
    torch.manual_seed(0)
    statistics = model.bn.running_mean.clone()
    solution = api.solve_model(model, (8,))
    assert torch.equal(torch.rand(3), expected_draw)
    assert torch.equal(model.bn.running_mean, statistics)
    fc2 = solution.layers[-1]
    assert (fc2.name, fc2.params, fc2.input_shape) == ("fc2", 15, (4,))
    assert any("forward never calls these modules: fc2 (unused" in note for note in solution.notes)
    assert_counts_like_torch(solution, model)
