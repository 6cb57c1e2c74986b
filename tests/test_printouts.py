"""Pasted print-outs as users paste them: ``print(model)`` of a real torch module and the real
source of its ``forward`` (and of its block classes), read as a graph and checked against the
model itself: the total, and the output shape of a forward pass."""

from __future__ import annotations

import inspect
import json
import textwrap
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torchvision_models import torchvision_models

from explainer.api import solve_spec
from explainer.rendering.render import render

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Failed to initialize NumPy", UserWarning)
    torch = pytest.importorskip("torch")
nn = torch.nn
F = torch.nn.functional

FIXTURES = Path(__file__).parent / "fixtures"


def paste(model: Any, *blocks: type) -> str:
    """What a user pastes: the print-out, the model's forward, each block class's forward."""
    parts = [str(model), textwrap.dedent(inspect.getsource(type(model).forward))]
    for block in blocks:
        method = textwrap.indent(textwrap.dedent(inspect.getsource(block.forward)), "    ")
        parts.append(f"class {block.__name__}(nn.Module):\n{method}")
    return "\n".join(parts)


def check(model: Any, shape: tuple[int, ...], *blocks: type, dtype: Any = None) -> Any:
    """The worked total is torch's; the last output shape is the forward pass's."""
    solution = solve_spec(paste(model, *blocks), shape)
    assert solution.total_params == sum(p.numel() for p in model.parameters())
    model.eval()
    with torch.no_grad():
        x = torch.zeros(2, *shape, dtype=dtype or torch.float32)
        out = model(x)
    assert solution.layers[-1].output_shape == tuple(out.shape[1:])
    return solution


# -- the refusals listed in the issue ---------------------------------------------------------


class MnistNet(nn.Module):  # pytorch/examples mnist/main.py
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):  # type: ignore[no-untyped-def]
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


class MnistHogwild(nn.Module):  # pytorch/examples mnist_hogwild/model.py
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
        self.conv2_drop = nn.Dropout2d()
        self.fc1 = nn.Linear(320, 50)
        self.fc2 = nn.Linear(50, 10)

    def forward(self, x):  # type: ignore[no-untyped-def]
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2_drop(self.conv2(x)), 2))
        x = x.view(-1, 320)
        x = F.relu(self.fc1(x))
        x = F.dropout(x, training=self.training)
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)


def test_both_mnist_examples_of_pytorch_examples() -> None:
    check(MnistNet(), (1, 28, 28))
    check(MnistHogwild(), (1, 28, 28))


class Sequence(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(1000, 32)
        self.lstm = nn.LSTM(32, 48, batch_first=True)
        self.fc = nn.Linear(48, 5)

    def forward(self, x):  # type: ignore[no-untyped-def]
        output, (_h, _c) = self.lstm(self.embed(x))
        last = output[:, -1, :]
        return self.fc(last)


class MeanPool(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(500, 16)
        self.conv = nn.Conv1d(16, 24, 3)
        self.fc = nn.Linear(24, 3)

    def forward(self, x):  # type: ignore[no-untyped-def]
        x = self.embed(x).permute(0, 2, 1)
        x = F.relu(self.conv(x))
        x = F.avg_pool1d(x, x.shape[-1])
        x = x.view(x.size(0), -1)
        return self.fc(x)


class TwoTowers(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Linear(10, 6)
        self.b = nn.Linear(10, 4)
        self.heads = nn.ModuleList([nn.Linear(10, 10) for _ in range(3)])
        self.out = nn.Linear(10, 2)

    def forward(self, x):  # type: ignore[no-untyped-def]
        y = torch.cat((self.a(x), self.b(x)), dim=1)
        for head in self.heads:
            y = head(y)
        return self.out(y)


class Attention(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.attn = nn.MultiheadAttention(64, 4, batch_first=True)
        self.norm = nn.LayerNorm(64)

    def forward(self, x):  # type: ignore[no-untyped-def]
        a, _ = self.attn(x, x, x)
        x = self.norm(x + a)
        return x.mean(dim=1)


class Volume(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv3d(2, 8, 3)
        self.bn = nn.BatchNorm3d(8)
        self.pool = nn.AdaptiveAvgPool3d(1)
        self.fc = nn.Linear(8, 3)

    def forward(self, x):  # type: ignore[no-untyped-def]
        x = self.pool(F.relu(self.bn(self.conv(x))))
        x = torch.flatten(x, 1)
        return self.fc(x)


def test_indexing_a_sequence_output() -> None:
    check(Sequence(), (12,), dtype=torch.long)


def test_permute_shape_argument_and_view() -> None:
    check(MeanPool(), (20,), dtype=torch.long)


def test_attention_print_out_with_its_out_proj_and_a_mean() -> None:
    model = Attention()
    assert "NonDynamicallyQuantizableLinear" in str(model)
    check(model, (7, 64))


def test_volumes() -> None:
    check(Volume(), (2, 6, 6, 6))


def test_modulelist_repeat_as_torch_prints_it() -> None:
    model = TwoTowers()
    assert "(0-2): 3 x Linear(" in str(model)
    solution = solve_spec(paste(model), (10,))
    assert solution.total_params == sum(p.numel() for p in model.parameters())
    concat = solution.layers[2]
    assert (concat.type, concat.inputs, concat.output_shape) == ("Concat", (1, 2), (10,))
    assert [layer.name for layer in solution.layers[3:6]] == ["heads.0", "heads.1", "heads.2"]


# -- a print-out alone: GPT-2 as Hugging Face transformers prints it -----------------------------


GPT2 = (FIXTURES / "gpt2-printout.txt").read_text(encoding="utf-8")


def gpt2_like() -> Any:
    """The parameters of GPT-2 in stock torch modules (HF's Conv1D(nf, nx) holds a weight
    nx×nf and a bias nf, as Linear(nx, nf) does), on the meta device: no memory."""
    with torch.device("meta"):
        block = [nn.LayerNorm(768), nn.Linear(768, 2304), nn.Linear(768, 768), nn.LayerNorm(768),
                 nn.Linear(768, 3072), nn.Linear(3072, 768)]  # fmt: skip
        blocks = [nn.Sequential(*[type(m)(*_args(m)) for m in block]) for _ in range(12)]
        return nn.ModuleList(
            [nn.Embedding(50257, 768), nn.Embedding(1024, 768), *blocks, nn.LayerNorm(768)]
        )


def _args(module: Any) -> tuple[Any, ...]:
    if isinstance(module, nn.LayerNorm):
        return (module.normalized_shape,)
    return (module.in_features, module.out_features)


def test_gpt2_printout_alone_gives_the_exact_total() -> None:
    solution = solve_spec(GPT2)
    assert solution.total_params == sum(p.numel() for p in gpt2_like().parameters())
    assert solution.total_params == 124_439_808  # transformers 5.24: GPT2Model(GPT2Config())
    assert not solution.placed
    text = render(solution)
    assert "shapes need the forward" in text
    assert "= 12·7,087,872 = 85,054,464" in text
    assert "Trainable params: 124,439,808" in text


def test_gpt2_json_blocks_and_copies() -> None:
    data = json.loads(render(solve_spec(GPT2), "json"))
    block = next(b for b in data["blocks"] if b["path"] == "h.0-11")
    assert (block["type"], block["times"], block["params"]) == ("GPT2Block", 12, 85_054_464)
    assert all(layer["output_shape"] is None for layer in data["layers"])
    total = sum(layer["params"] * layer["copies"] for layer in data["layers"])
    assert total == data["total_params"]


@pytest.mark.parametrize("depth", [1, 2, 3, 4])
def test_depth_rows_add_up_to_the_total(depth: int) -> None:
    from dataclasses import replace

    from explainer.rendering.render import summary_rows

    solution = replace(solve_spec(GPT2), summary_depth=depth)
    rows = summary_rows(solution)
    assert sum(row.params for row in rows) == solution.total_params
    assert len(rows) == {1: 5, 2: 5, 3: 8, 4: 14}[depth]
    assert rows[3].label == {1: "ModuleList h", 2: "GPT2Block h.0-11 ×12"}.get(
        depth, "LayerNorm-4 ×12"
    )


class HFConv1D(nn.Module):
    """Hugging Face's Conv1D as transformers/pytorch_utils.py defines it: weight nx×nf."""

    def __init__(self, nf: int, nx: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(nx, nf))
        self.bias = nn.Parameter(torch.zeros(nf))

    def forward(self, x: Any) -> Any:
        return x @ self.weight + self.bias


@pytest.mark.parametrize(
    ("nf", "nx", "shape"), [(2304, 768, (5, 768)), (3, 4, (4,)), (7, 2, (3, 2, 2))]
)
def test_hugging_face_conv1d(nf: int, nx: int, shape: tuple[int, ...]) -> None:
    module = HFConv1D(nf, nx)
    solution = solve_spec(f"input{shape} -> Conv1D(nf={nf}, nx={nx}) -> NewGELUActivation()")
    assert solution.total_params == sum(p.numel() for p in module.parameters())
    assert solution.layers[-1].output_shape == tuple(module(torch.zeros(2, *shape)).shape[1:])


def test_hugging_face_conv1d_is_keyword_only() -> None:
    from explainer.errors import ArgumentError

    with pytest.raises(ArgumentError, match="keyword only"):
        solve_spec("input(10, 3) -> Conv1D(32, 3)")  # Keras's Conv1D without --framework keras


# -- torchvision's print-outs with the forwards of their block classes -------------------------


def source(function: Any) -> str:
    return textwrap.dedent(inspect.getsource(function))


def torchvision_paste(name: str) -> tuple[Any, str]:
    models = torchvision_models()  # a skip where torchvision is absent, a failure in CI
    mobilenetv2, resnet, vgg = models.mobilenetv2, models.resnet, models.vgg
    model = getattr(models, name)()
    if name == "resnet18":
        code = [resnet.ResNet.forward, resnet.ResNet._forward_impl]
        blocks: list[type] = [resnet.BasicBlock]
    elif name == "vgg11_bn":
        code, blocks = [vgg.VGG.forward], []
    else:
        code = [mobilenetv2.MobileNetV2.forward, mobilenetv2.MobileNetV2._forward_impl]
        blocks = [mobilenetv2.InvertedResidual]
    parts = [str(model), *(source(f) for f in code)]
    for block in blocks:
        method = textwrap.indent(source(block.forward), "    ")
        parts.append(f"class {block.__name__}(nn.Module):\n{method}")
    return model, "\n".join(parts)


@pytest.mark.parametrize("name", ["resnet18", "vgg11_bn", "mobilenet_v2"])
def test_torchvision_printouts_with_their_forwards(name: str) -> None:
    model, text = torchvision_paste(name)
    assert "bias=True" in text  # torch 2.13 prints the norms' bias
    solution = solve_spec(text, (3, 224, 224))
    assert solution.total_params == sum(p.numel() for p in model.parameters())
    assert solution.layers[-1].output_shape == (1000,)
    residuals = [
        layer
        for layer in solution.layers
        if layer.type == "Add" and layer.input_shapes[0] == layer.input_shapes[-1]
    ]
    assert len(residuals) == {"resnet18": 8, "vgg11_bn": 0, "mobilenet_v2": 10}[name]


def test_torchvision_printout_alone_counts_every_module() -> None:
    model, _ = torchvision_paste("resnet18")
    alone = str(model)
    solution = solve_spec(alone)
    assert solution.total_params == sum(p.numel() for p in model.parameters())
    assert not solution.placed


PRINT = "Net(\n  (a): Linear(in_features=4, out_features=4, bias=True)\n)\n"


def test_a_flag_the_print_out_does_not_show_is_refused_not_guessed() -> None:
    from explainer.errors import SpecSyntaxError

    text = (
        PRINT + "def forward(self, x):\n    if self.skip:\n        return x\n    return self.a(x)"
    )
    with pytest.raises(SpecSyntaxError, match=r"line 5, col 8: .*cannot decide 'self.skip'"):
        solve_spec(text, (4,))


def test_a_return_inside_an_if_ends_the_forward() -> None:
    text = (
        "Net(\n  (a): Linear(in_features=4, out_features=4, bias=True)\n"
        "  (down): Linear(in_features=4, out_features=2, bias=True)\n)\n"
        "def forward(self, x):\n    if self.down is not None:\n        return self.down(x)\n"
        "    return self.a(x)"
    )
    solution = solve_spec(text, (4,))
    assert [layer.name for layer in solution.layers] == ["down"]
    assert solution.layers[-1].output_shape == (2,)


class Heads(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.heads = nn.ModuleDict({"left": nn.Linear(6, 3), "right": nn.Linear(6, 5)})

    def forward(self, x):  # type: ignore[no-untyped-def]
        return torch.cat([self.heads["left"](x), self.heads["right"](x)], dim=1)


def test_module_dict() -> None:
    solution = check(Heads(), (6,))
    assert [layer.name for layer in solution.layers[:2]] == ["heads.left", "heads.right"]


@pytest.mark.parametrize(
    "option", [["--show", "macs"], ["--show", "memory"], ["--compare-frameworks"]]
)
def test_options_that_need_shapes_refuse_a_print_out_alone(option: list[str]) -> None:
    from click.testing import CliRunner

    from explainer.cli import main

    result = CliRunner().invoke(main, ["solve", GPT2, *option])
    assert result.exit_code == 2
    assert "paste the forward below it" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_parameter_chart_counts_every_copy() -> None:
    from explainer.rendering.pictures import bar_chart

    chart = bar_chart(solve_spec(GPT2))
    assert chart is not None
    assert sum(bar.params for bar in chart.bars) == 124_439_808
    assert sum(bar.share for bar in chart.bars) == 1
    assert "LayerNorm-4 ×12" in [bar.label for bar in chart.bars]


# -- the oracle for pasted forwards: random programs, run by torch, read by explainer -----------


@st.composite
def programs(draw: Any) -> tuple[list[tuple[str, Any]], str, tuple[int, int, int]]:
    """Modules to register (name, module), the text of a forward using them, the input."""
    channels, size = draw(st.integers(1, 4)), draw(st.integers(4, 9))
    shape = (channels, size, size)
    modules: list[tuple[str, Any]] = []
    lines = ["def forward(self, x):"]

    def conv(c_in: int, c_out: int) -> str:
        kernel = draw(st.sampled_from([1, 3]))
        name = f"conv{len(modules)}"
        modules.append((name, nn.Conv2d(c_in, c_out, kernel, padding=kernel // 2)))
        return name

    for _ in range(draw(st.integers(1, 4))):
        step = draw(st.sampled_from(["conv", "relu", "residual", "augmented", "concat", "pool"]))
        if step == "conv":
            width = draw(st.integers(1, 5))
            lines.append(f"    x = self.{conv(channels, width)}(x)")
            channels = width
        elif step == "relu":
            lines.append("    x = F.relu(x)")
        elif step in ("residual", "augmented"):
            lines.append(f"    y = self.{conv(channels, channels)}(x)")
            lines.append("    x = x + y" if step == "residual" else "    x += y")
        elif step == "concat":
            a, b = draw(st.integers(1, 4)), draw(st.integers(1, 4))
            left, right = conv(channels, a), conv(channels, b)
            lines.append(f"    x = torch.cat((self.{left}(x), self.{right}(x)), dim=1)")
            channels = a + b
        elif size >= 2:
            lines.append("    x = F.max_pool2d(x, 2)")
            size //= 2
    ending = draw(st.sampled_from(["    x = x.mean(dim=(2, 3))", "    x = torch.flatten(x, 1)",
                                   "    x = x.view(x.size(0), -1)"]))  # fmt: skip
    lines.append(ending)
    features = channels if "mean" in ending else channels * size * size
    modules.append(("fc", nn.Linear(features, 3)))
    lines += ["    x = self.fc(x)", "    return F.log_softmax(x, dim=1)"]
    return modules, "\n".join(lines), shape


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_random_forwards_agree_with_torch(
    case: tuple[list[tuple[str, Any]], str, tuple[int, int, int]],
) -> None:
    modules, forward_text, shape = case

    class Net(nn.Module):
        pass

    model = Net()
    for name, module in modules:
        model.add_module(name, module)
    scope: dict[str, Any] = {"torch": torch, "F": F}
    exec(forward_text, scope)  # the test's own generated code: torch runs it as the oracle
    Net.forward = scope["forward"]  # type: ignore[attr-defined]
    seen: dict[str, tuple[int, ...]] = {}

    def record(name: str) -> Any:
        def hook(module: Any, inputs: Any, output: Any) -> None:
            seen.setdefault(name, tuple(output.shape[1:]))

        return hook

    for name, module in model.named_children():
        module.register_forward_hook(record(name))
    with torch.no_grad():
        out = model(torch.zeros(2, *shape))
    solution = solve_spec(str(model) + "\n" + forward_text, shape)
    assert solution.total_params == sum(p.numel() for p in model.parameters())
    assert solution.layers[-1].output_shape == tuple(out.shape[1:])
    for layer in solution.layers:
        if layer.name in seen:
            assert layer.output_shape == seen[layer.name], (layer.name, forward_text)


class Functional(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.proj = nn.Conv2d(3, 8, 1)
        self.fc = nn.Linear(8, 4)

    def forward(self, x):  # type: ignore[no-untyped-def]
        x = torch.add(self.conv(x), self.proj(x))
        x = F.adaptive_avg_pool2d(x, (5, 5))
        x = F.dropout(x, p=0.1, training=self.training)
        x = x.sum(dim=2)
        x = x.transpose(1, 2)
        x = self.fc(x)
        return x.permute(0, 2, 1).reshape(x.size(0), -1)


def test_torch_add_sum_transpose_permute_reshape() -> None:
    solution = check(Functional(), (3, 9, 9))
    assert [layer.type for layer in solution.layers] == [
        "Conv2d", "Conv2d", "Add", "AdaptiveAvgPool2d", "Dropout", "Sum", "Transpose",
        "Linear", "Permute", "Flatten",
    ]  # fmt: skip


def test_a_printed_attention_says_what_it_assumes() -> None:
    solution = solve_spec(paste(Attention()), (7, 64))
    assert any("kdim = vdim = embed_dim" in note for note in solution.notes)
