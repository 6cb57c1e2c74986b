"""A spec in the course notation keeps the course's names (issue 10, part 9).

The summary table, the pictures (SVG and TikZ) and the quiz keys of a course-notation spec name
its layers as the student wrote them (FCwB-1, Maxpool-5, tanh-4), never Linear-1 or
MaxPool1d-5; the PyTorch equivalent of each course name is said once per solution and short
(only the arguments the name fixes), and no layer prints its full PyTorch call
(return_indices=False, ceil_mode=False). JSON keeps every existing field's meaning ("type" stays
"Linear") and adds "label" per layer and "pytorch_equivalents". Each equivalent is checked by
reading it back: written with the layer's own numbers, it parses to the very layer the course
name stands for. Other notations are unchanged (Conv2d-1).
"""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explainer.api import solve_example, solve_spec
from explainer.rendering.render import equivalents, render
from explainer.teaching.quizzes import make, selfstudy

FORMATS = ("text", "markdown", "latex", "html")
COURSE_LABELS = ("FCwB-1", "Dropout-2", "FC-3", "tanh-4", "Maxpool-5", "FC-6")


@pytest.fixture(scope="module")
def mlp() -> dict[str, str]:
    solution = solve_example("handout-mlp")
    return {fmt: render(solution, fmt) for fmt in (*FORMATS, "json")}


@pytest.mark.parametrize("fmt", FORMATS)
def test_course_names_in_summary_and_pictures(mlp: dict[str, str], fmt: str) -> None:
    page = mlp[fmt]
    for label in COURSE_LABELS:
        assert label in page, (fmt, label)
    for pytorch in ("Linear-1", "Linear-3", "Tanh-4", "MaxPool1d-5", "Linear-6"):
        assert pytorch not in page, (fmt, pytorch)
    assert "return_indices" not in page and "ceil_mode" not in page
    assert "in_features=1024" not in page  # no layer restates its full call


@pytest.mark.parametrize("fmt", ("markdown", "html", "latex"))
def test_pictures_label_layers_by_course_name(mlp: dict[str, str], fmt: str) -> None:
    if fmt == "latex":
        labels = re.findall(r"\\node\[[^]]*\] at \([^)]*\) \{([^}]*)\};", mlp[fmt])
    else:
        labels = re.findall(r"<text[^>]*>([^<]*)</text>", mlp[fmt])
    assert {"FCwB-1", "FC-3", "Maxpool-5", "FC-6"} <= set(labels)


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_pytorch_equivalent_is_said_once(mlp: dict[str, str], fmt: str) -> None:
    page = mlp[fmt].replace("\\_", "_")  # LaTeX writes in\_features
    for short in ("Linear(in_features, x, bias=True)", "Linear(in_features, x, bias=False)"):
        assert page.count(short) == 1, (fmt, short)
    assert page.count("MaxPool1d(x, stride=x)") == 1


def test_json_adds_fields_and_keeps_the_old_ones(mlp: dict[str, str]) -> None:
    data = json.loads(mlp["json"])
    assert [layer["label"] for layer in data["layers"]] == list(COURSE_LABELS)
    first, pool = data["layers"][0], data["layers"][4]
    assert (first["name"], first["type"], first["written"]) == ("FCwB", "Linear", "FCwB(256)")
    assert first["args"] == {"in_features": 1024, "out_features": 256, "bias": True}
    assert pool["type"] == "MaxPool1d" and pool["args"]["ceil_mode"] is False
    assert data["pytorch_equivalents"] == [
        {
            "name": "FCwB",
            "written": "FCwB(x)",
            "pytorch": "Linear(in_features, x, bias=True)",
            "meaning": "fully connected layer of x neurons with bias",
        },
        {
            "name": "FC",
            "written": "FC(x)",
            "pytorch": "Linear(in_features, x, bias=False)",
            "meaning": "fully connected layer of x neurons without bias",
        },
        {
            "name": "Maxpool",
            "written": "Maxpool(x)",
            "pytorch": "MaxPool1d(x, stride=x)",
            "meaning": "flat max pooling, window = stride = x",
        },
    ]


def test_other_notations_keep_pytorch_names() -> None:
    solution = solve_example("handout-cnn")
    text = render(solution, "text")
    assert "Conv2d-1" in text and "MaxPool2d-4" in text
    data = json.loads(render(solution, "json"))
    assert data["layers"][0]["label"] == "Conv2d-1" and data["pytorch_equivalents"] == []
    chain = render(solve_spec("input(8) -> relu -> Linear(8, 2)"), "text")
    assert "ReLU-1" in chain and "(means ReLU(inplace=False))" in chain  # as before


@settings(max_examples=60, deadline=None)
@given(
    size=st.integers(1, 4096),
    neurons=st.integers(1, 512),
    window=st.integers(1, 8),
    written=st.sampled_from(["FCwB", "fcwb", "FC", "Fc"]),
)
def test_an_equivalent_read_back_is_the_same_layer(
    size: int, neurons: int, window: int, written: str
) -> None:
    """The equivalent with the layer's own numbers in place of x and in_features parses to a
    layer with exactly the course layer's PyTorch arguments; so does the short call."""
    spec = f"input({size * window}) -> Maxpool({window}) -> {written}({neurons})"
    course = solve_spec(spec)
    by_name = {e.name.lower(): e for e in equivalents(course)}
    assert set(by_name) == {"maxpool", written.lower()}
    for layer in course.layers:
        pytorch = by_name[layer.spec.call.lower()].pytorch
        letter = layer.spec.args[0]
        filled = re.sub(r"\bx\b", str(letter), pytorch).replace(
            "in_features", str(layer.input_shape[-1])
        )
        again = solve_spec(f"input({', '.join(map(str, layer.input_shape))}) -> {filled}")
        assert again.layers[0].type == layer.type
        assert again.layers[0].args == layer.args, (filled, layer.args)


@pytest.fixture(scope="module")
def course_quiz() -> dict[str, bytes]:
    chosen = make.settings(3, 6, "course", "hard")
    made = make.variants(chosen)
    written = make.files(chosen, made, "markdown") | make.files(chosen, made, "html")
    page = selfstudy.quiz_page(made[0])  # its solutions are sealed until revealed: unsealed here
    sealed = re.findall(r'data-sealed="([^"]*)"', page)
    written["selfstudy.html"] = "\n".join([page, *map(selfstudy.unseal, sealed)]).encode()
    return written


def test_quiz_keys_and_selfstudy_use_course_names(course_quiz: dict[str, bytes]) -> None:
    for name, data in course_quiz.items():
        text = data.decode()
        assert not re.search(r"\b(Linear|MaxPool1d)-\d", text), name
        assert "return_indices" not in text, name
    keyed = [course_quiz[name].decode() for name in ("key.md", "key.html", "selfstudy.html")]
    for text in keyed:
        assert re.search(r"\bFCwB-\d", text) and re.search(r"\bMaxpool-\d", text)
