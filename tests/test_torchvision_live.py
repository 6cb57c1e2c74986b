"""Every classification model of torchvision 0.28, through the live path: the worked total is
``sum(p.numel() for p in model.parameters())`` (the live solve refuses otherwise), every
shape is the one PyTorch gave in the forward pass, and every layer is derived from a formula
(none counted by PyTorch for want of one).

The models are built on the meta device (tests/torchvision_models.py): their sizes without
memory, so that even vit_h_14 and regnet_y_128gf cost only their shapes. One model of each
family is the developer loop (about half a second of CPU each); the other 60 are marked slow, and
CI runs them all.
"""

from __future__ import annotations

import pytest
from torchvision_models import build, torchvision_models

from explainer import api
from explainer.deriving.solve import solve
from explainer.reading.check import check_live
from explainer.reading.live import read

models = torchvision_models()
NAMES = sorted(models.list_models(module=models))
# Sizes that differ from 3×224×224: Inception v3 wants 299×299.
INPUTS = {"inception_v3": (3, 299, 299)}
# One of each family, the cheapest: the developer loop (`pytest -m "not slow"`).
QUICK = {
    "resnet18", "resnext50_32x4d", "wide_resnet50_2", "vgg11", "alexnet", "squeezenet1_1",
    "densenet121", "googlenet", "inception_v3", "mobilenet_v2", "mobilenet_v3_small",
    "mnasnet0_5", "shufflenet_v2_x0_5", "efficientnet_b0", "efficientnet_v2_s",
    "regnet_x_400mf", "convnext_tiny", "vit_b_32", "swin_t", "maxvit_t",
}  # fmt: skip

FAMILIES = (
    "resnet", "resnext", "wide_resnet", "vgg", "alexnet", "squeezenet", "densenet",
    "googlenet", "inception_v3", "mobilenet_v2", "mobilenet_v3", "mnasnet", "shufflenet_v2",
    "efficientnet_b", "efficientnet_v2", "regnet", "convnext", "vit_", "swin_", "maxvit_t",
)  # fmt: skip


def test_the_list_is_the_issues() -> None:
    """Every family the issue names is there, and nothing else is (a new family: look at it)."""
    assert all(any(name.startswith(family) for name in NAMES) for family in FAMILIES)
    assert all(any(name.startswith(family) for family in FAMILIES) for name in NAMES)
    assert len(NAMES) == 80
    assert all(any(name.startswith(family) for name in QUICK) for family in FAMILIES)
    assert set(NAMES) >= QUICK


@pytest.mark.parametrize(
    "name", [n if n in QUICK else pytest.param(n, marks=pytest.mark.slow) for n in NAMES]
)
def test_torchvision_model_counts_exactly(name: str) -> None:
    model = build(name)
    reading = read(model, INPUTS.get(name, (3, 224, 224)))
    solution = solve(reading.architecture)
    rows, total = check_live(solution, reading)
    params = list(model.parameters())
    assert solution.total_params == sum(p.numel() for p in params) == total.real
    assert solution.trainable_params == sum(p.numel() for p in params if p.requires_grad)
    different = [row for row in rows if not row.agrees]
    assert not different, different[:3]  # shapes too: each as PyTorch gave it
    counted = {layer.type for layer in solution.layers if layer.spec.call == "Counted"}
    assert not counted  # every layer derived from a formula


def test_vit_class_token_and_position_embedding() -> None:
    """The issue's ViT-B/16: 86,567,656, not 86,415,592 without the held tensors."""
    solution = api.solve_model(build("vit_b_16"), (3, 224, 224))
    held = {layer.name: layer for layer in solution.layers if layer.type == "Parameter"}
    assert set(held) == {"class_token", "encoder.pos_embedding"}
    assert held["class_token"].params == 768
    assert held["encoder.pos_embedding"].params == 197 * 768
    assert solution.total_params == 86_567_656


def test_googlenet_auxiliary_heads_are_derived() -> None:
    """Called only while training: recorded in a training-mode pass, not counted blindly."""
    solution = api.solve_model(build("googlenet"), (3, 224, 224))
    aux = [layer for layer in solution.layers if layer.name.startswith("aux1.")]
    assert aux and all(layer.spec.call != "Counted" for layer in aux)
    assert any("only in training mode" in note for note in solution.notes)
