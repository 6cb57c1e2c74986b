"""Transformers from their config.json: every block's count against transformers' own model.

Each family is built in transformers from the same configuration (small random ones drawn by
hypothesis, and full-size ones on PyTorch's ``meta`` device, which allocates nothing); every
parameter of the model is assigned to one of our blocks by its name, layer by layer, and the
sums must agree block for block, as must the totals. A parameter that no block claims fails
the test: nothing may go uncounted.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import warnings
from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explainer.deriving.lm import FAMILIES, LMSolution, solve_config
from explainer.errors import ExplainerError
from explainer.reading.bank import hf_examples
from explainer.reading.hf import read_config


def _define_torchvision_operators() -> None:
    """transformers imports torchvision when it is installed; PyPI's torchvision wheel
    expects CUDA libraries beside torch's CPU build, and its two C++ operator schemas are
    needed only to import it: define them, once, if they are missing (see issue 8)."""
    if importlib.util.find_spec("torchvision") is None:
        return
    for name in ("nms", "qnms"):
        try:
            getattr(torch.ops.torchvision, name)
        except (AttributeError, RuntimeError):
            schema = "(Tensor dets, Tensor scores, float iou_threshold) -> Tensor"
            torch.library.define(f"torchvision::{name}", schema)


try:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import torch

        _define_torchvision_operators()
        import transformers
except ImportError:  # pragma: no cover - depends on the machine
    if os.environ.get("CI"):
        raise
    torch = transformers = None  # type: ignore[assignment]

# What transformers (and torch under it) raise for a configuration they cannot build.
REFUSALS: tuple[type[BaseException], ...] = (
    ValueError,
    AssertionError,
    RuntimeError,
    IndexError,
    TypeError,
)
if transformers is not None:
    from huggingface_hub.errors import StrictDataclassError

    REFUSALS = (*REFUSALS, StrictDataclassError)

needs_transformers = pytest.mark.skipif(
    transformers is None, reason="transformers is not installed (pip install transformers)"
)

# The model class each family is counted as (LMSolution.counted_as says the same in words).
MODELS = {
    "gpt2": "GPT2LMHeadModel",
    "bert": "BertModel",
    "roberta": "RobertaModel",
    "llama": "LlamaForCausalLM",
    "mistral": "MistralForCausalLM",
    "qwen2": "Qwen2ForCausalLM",
    "t5": "T5ForConditionalGeneration",
    "vit": "ViTModel",
}

_LLAMA = [
    (r"model\.embed_tokens\.", "Embeddings", "embed_tokens"),
    (r"model\.layers\.(\d+)\.self_attn\.(\w+)\.", "Decoder layers", None),
    (r"model\.layers\.(\d+)\.mlp\.(\w+)\.", "Decoder layers", None),
    (r"model\.layers\.(\d+)\.(\w+)\.", "Decoder layers", None),
    (r"model\.norm\.", "Final norm", "norm"),
    (r"lm_head\.", "Output head", "head"),
]
_BERT = [
    (r"embeddings\.word_embeddings\.", "Embeddings", "word"),
    (r"embeddings\.position_embeddings\.", "Embeddings", "position"),
    (r"embeddings\.token_type_embeddings\.", "Embeddings", "token_type"),
    (r"embeddings\.LayerNorm\.", "Embeddings", "embeddings.LayerNorm"),
    (r"encoder\.layer\.(\d+)\.attention\.self\.(\w+)\.", "Encoder layers", None),
    (r"encoder\.layer\.(\d+)\.attention\.output\.dense\.", "Encoder layers", "attention.output"),
    (
        r"encoder\.layer\.(\d+)\.attention\.output\.LayerNorm\.",
        "Encoder layers",
        "attention.LayerNorm",
    ),
    (r"encoder\.layer\.(\d+)\.intermediate\.dense\.", "Encoder layers", "intermediate"),
    (r"encoder\.layer\.(\d+)\.output\.dense\.", "Encoder layers", "output"),
    (r"encoder\.layer\.(\d+)\.output\.LayerNorm\.", "Encoder layers", "output.LayerNorm"),
    (r"pooler\.dense\.", "Pooler", "pooler"),
]


def _t5_stack(stack: str, title: str) -> list[tuple[str, str, str | None]]:
    return [
        (rf"{stack}\.block\.0\.layer\.0\.SelfAttention\.relative_attention_bias\.",
         f"{title} relative position bias", "relative_attention_bias"),
        (rf"{stack}\.block\.(\d+)\.layer\.\d+\.(\w+\.\w+)\.", f"{title} layers", None),
        (rf"{stack}\.block\.(\d+)\.layer\.(\d+)\.layer_norm\.", f"{title} layers", "layer_norm.{}"),
        (rf"{stack}\.final_layer_norm\.", f"{title} final norm", "final_layer_norm"),
    ]  # fmt: skip


# How transformers names each parameter -> (our part, our block key); a (\d+) group is the
# layer index; a key of None is the name's last group; "{}" in a key takes the last group.
NAMES: dict[str, list[tuple[str, str, str | None]]] = {
    "gpt2": [
        (r"transformer\.wte\.", "Embeddings", "wte"),
        (r"transformer\.wpe\.", "Embeddings", "wpe"),
        (r"transformer\.h\.(\d+)\.(ln_1|ln_2|attn\.c_attn|attn\.c_proj|mlp\.c_fc|mlp\.c_proj)\.",
         "Transformer layers", None),
        (r"transformer\.ln_f\.", "Final layer norm", "ln_f"),
        (r"lm_head\.", "Output head", "head"),
    ],
    "bert": _BERT,
    "roberta": _BERT,
    "llama": _LLAMA,
    "mistral": _LLAMA,
    "qwen2": _LLAMA,
    "t5": [
        (r"shared\.", "Shared token embeddings", "shared"),
        *_t5_stack("encoder", "Encoder"),
        *_t5_stack("decoder", "Decoder"),
    ],
    "vit": [
        (r"embeddings\.cls_token", "Embeddings", "cls_token"),
        (r"embeddings\.position_embeddings", "Embeddings", "position_embeddings"),
        (r"embeddings\.patch_embeddings\.", "Embeddings", "patch_embeddings"),
        (r"(?:encoder\.)?layers?\.(\d+)\.attention\.(\w+)\.", "Encoder layers", None),
        (r"(?:encoder\.)?layers?\.(\d+)\.mlp\.(\w+)\.", "Encoder layers", None),
        (r"(?:encoder\.)?layers?\.(\d+)\.(\w+)\.", "Encoder layers", None),
        (r"layernorm\.", "Final layer norm", "layernorm"),
        (r"pooler\.dense\.", "Pooler", "pooler"),
    ],
}  # fmt: skip


def classify(model_type: str, name: str) -> tuple[str, str, int | None]:
    for pattern, part, key in NAMES[model_type]:
        match = re.match(pattern, name)
        if match is None:
            continue
        groups = match.groups()
        layer = int(groups[0]) if groups and part.endswith("layers") else None
        if key is None:
            key = groups[-1]
        elif "{}" in key:
            key = key.format(groups[-1])
        return part, key, layer
    raise AssertionError(f"{model_type}: no block of ours claims the parameter {name}")


def ours(solution: LMSolution) -> Counter[tuple[str, str, int | None]]:
    """Our count of every block: a repeated part's blocks once per layer."""
    counts: Counter[tuple[str, str, int | None]] = Counter()
    for part in solution.parts:
        layers = range(part.repeat_count) if part.repeat_count else [None]
        for layer in layers:
            for block in part.blocks:
                counts[part.title, block.key, layer] += block.params
    return +counts


def theirs(model_type: str, config: dict[str, Any]) -> tuple[Counter[Any], int]:
    """transformers' count of every block, built on the meta device (nothing allocated)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        built = transformers.AutoConfig.for_model(**config)
        with torch.device("meta"):
            model = getattr(transformers, MODELS[model_type])(built)
    counts: Counter[tuple[str, str, int | None]] = Counter()
    for name, parameter in model.named_parameters():
        counts[classify(model_type, name)] += parameter.numel()
    return +counts, sum(p.numel() for p in model.parameters())


def agree(config: dict[str, Any]) -> LMSolution | None:
    """Our blocks and total are transformers'; what we refuse, transformers cannot build."""
    try:
        solution = solve_config(read_config(json.dumps(config)))
    except ExplainerError:
        with pytest.raises(REFUSALS):
            theirs(config["model_type"], config)
        return None
    blocks, total = theirs(config["model_type"], config)
    assert ours(solution) == blocks
    assert solution.total_params == total == sum(blocks.values())
    return solution


# -- the bundled configurations and every family's defaults --------------------------------


@pytest.mark.parametrize("name", list(hf_examples()))
def test_bundled_configuration_gives_the_stated_total(name: str) -> None:
    example = hf_examples()[name]
    solution = solve_config(read_config(example.config, f"{name}.json"))
    assert solution.total_params == example.total_params


def test_the_four_totals_of_the_issue() -> None:
    """GPT-2 124,439,808; BERT-base 109,482,240; LLaMA-2-7B 6,738,415,616; Mistral 7,241,732,096."""
    stated = {name: example.total_params for name, example in hf_examples().items()}
    assert stated == {
        "gpt2": 124_439_808,
        "bert-base-uncased": 109_482_240,
        "llama-2-7b": 6_738_415_616,
        "mistral-7b": 7_241_732_096,
    }


@needs_transformers
@pytest.mark.parametrize("name", list(hf_examples()))
def test_bundled_configuration_agrees_with_transformers_block_by_block(name: str) -> None:
    agree(json.loads(hf_examples()[name].config))


@needs_transformers
@pytest.mark.parametrize("model_type", list(FAMILIES))
def test_family_defaults_agree_with_transformers(model_type: str) -> None:
    """A configuration with only its model_type: every absent key takes transformers' default."""
    agree({"model_type": model_type})


# -- random small configurations -----------------------------------------------------------

small = st.integers(1, 12)


@st.composite
def heads_and_size(draw: st.DrawFn, divisible: bool = True) -> tuple[int, int]:
    heads = draw(st.integers(1, 4))
    size = heads * draw(st.integers(1, 6)) if divisible else draw(st.integers(heads, 24))
    return heads, size


@st.composite
def configs(draw: st.DrawFn) -> dict[str, Any]:
    model_type = draw(st.sampled_from(list(FAMILIES)))
    return {"model_type": model_type, **draw(SMALL[model_type]())}


@st.composite
def gpt2(draw: st.DrawFn) -> dict[str, Any]:
    heads, d = draw(heads_and_size())
    return {
        "vocab_size": draw(small), "n_positions": draw(small), "n_embd": d, "n_head": heads,
        "n_layer": draw(st.integers(1, 3)), "n_inner": draw(st.none() | small),
        "tie_word_embeddings": draw(st.booleans()),
    }  # fmt: skip


@st.composite
def bert(draw: st.DrawFn) -> dict[str, Any]:
    heads, d = draw(heads_and_size())
    return {
        "vocab_size": draw(small), "max_position_embeddings": draw(small),
        "type_vocab_size": draw(small), "hidden_size": d, "num_attention_heads": heads,
        "num_hidden_layers": draw(st.integers(1, 3)), "intermediate_size": draw(small),
    }  # fmt: skip


@st.composite
def llama(draw: st.DrawFn) -> dict[str, Any]:
    heads, d = draw(heads_and_size(divisible=False))
    kv = draw(st.sampled_from([k for k in range(1, heads + 1) if heads % k == 0]))
    config = {
        "vocab_size": draw(small), "hidden_size": d, "num_attention_heads": heads,
        "num_key_value_heads": kv, "num_hidden_layers": draw(st.integers(1, 3)),
        "intermediate_size": draw(small), "tie_word_embeddings": draw(st.booleans()),
        "attention_bias": draw(st.booleans()), "mlp_bias": draw(st.booleans()),
    }  # fmt: skip
    head_dim = draw(st.sampled_from(["absent", "null", "given"]))
    if head_dim != "absent":  # absent or null: transformers takes hidden_size // heads
        config["head_dim"] = draw(st.integers(1, 8)) if head_dim == "given" else None
    return config


@st.composite
def t5(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "vocab_size": draw(small), "d_model": draw(small), "d_kv": draw(small),
        "d_ff": draw(small), "num_layers": draw(st.integers(1, 3)),
        "num_decoder_layers": draw(st.none() | st.integers(1, 3)), "num_heads": draw(small),
        "relative_attention_num_buckets": draw(small),
        "feed_forward_proj": draw(
            st.sampled_from(["relu", "gelu", "gated-gelu", "gated-silu", "gated-gelu-x", "x-gelu"])
        ),
        "tie_word_embeddings": draw(st.booleans()),
    }  # fmt: skip


@st.composite
def vit(draw: st.DrawFn) -> dict[str, Any]:
    heads, d = draw(heads_and_size())
    patch = draw(st.integers(1, 4) | st.lists(st.integers(1, 4), min_size=2, max_size=2))
    image = draw(st.integers(4, 12) | st.lists(st.integers(4, 12), min_size=2, max_size=2))
    config = {
        "hidden_size": d, "num_attention_heads": heads,
        "num_hidden_layers": draw(st.integers(1, 3)),
        "intermediate_size": draw(small), "num_channels": draw(st.integers(1, 4)),
        "image_size": image, "patch_size": patch, "qkv_bias": draw(st.booleans()),
    }  # fmt: skip
    if draw(st.booleans()):
        config["pooler_output_size"] = draw(small)
    return config


SMALL = {
    "gpt2": gpt2, "bert": bert, "roberta": bert, "llama": llama, "mistral": llama,
    "qwen2": llama, "t5": t5, "vit": vit,
}  # fmt: skip


@needs_transformers
@settings(max_examples=150, deadline=None)
@given(configs())
def test_random_small_configurations_agree_with_transformers_block_by_block(
    config: dict[str, Any],
) -> None:
    agree(config)


# -- the command line: every format, and refusals --------------------------------------------

from click.testing import CliRunner  # noqa: E402
from conftest import GOLDEN_DIR, Golden  # noqa: E402

from explainer.cli import main  # noqa: E402
from explainer.rendering.options import EXTENSIONS, FORMATS  # noqa: E402


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", ["gpt2", "mistral-7b"])
def test_every_format_matches_its_golden_file(
    name: str, fmt: str, request: pytest.FixtureRequest
) -> None:
    result = CliRunner().invoke(main, ["solve", "--hf", name, "--format", fmt])
    assert (result.exit_code, result.stderr) == (0, "")
    update = bool(request.config.getoption("--update-golden"))
    Golden(GOLDEN_DIR.parent / "golden_lm", update).check(fmt, name, result.stdout)


@pytest.mark.parametrize("model_type", list(FAMILIES))
def test_json_carries_every_block_and_the_total(model_type: str, tmp_path: Any) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"model_type": model_type}))
    result = CliRunner().invoke(main, ["solve", "--hf", str(config), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    parts = data["parts"]
    assert data["total_params"] == sum(part["params"] for part in parts)
    for part in parts:
        layer = sum(block["params"] for block in part["blocks"])
        assert part["params"] == layer * (part["repeat_count"] or 1)
        assert all(type(block["value"]) is int for block in part["blocks"])


def test_the_repeat_is_written_once_as_a_formula() -> None:
    text = CliRunner().invoke(main, ["solve", "--hf", "llama-2-7b"]).stdout
    assert "Parameters of the L layers = L·(d + d·(H·h) + d·(K·h) + d·(K·h) + (H·h)·d" in text
    assert "    = 32·(4096 + 4096·(32·128) + 4096·(32·128)" in text


def test_grouped_query_attention_shrinks_key_and_value() -> None:
    text = CliRunner().invoke(main, ["solve", "--hf", "mistral-7b"]).stdout
    assert "Key (k_proj) = d·(K·h)" in text
    assert "= 4096·(8·128) = 4,194,304" in text


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ('{"model_type": "gpt2", "n_embd": 0}', '"n_embd" must be a positive integer, got 0'),
        ('{"model_type": "gpt2", "n_embd": 10, "n_head": 3}', '"n_embd" = 10 is not a multiple'),
        ('{"model_type": "bloom"}', "\"model_type\" 'bloom' is not a family counted here"),
        ("{}", '"model_type" must be a string'),
        ("[1, 2]", "a configuration is a JSON object"),
        ('{"model_type": "gpt2",\n "n_embd": 7x}', "line 2, col 13: config.json: not JSON"),
        ('{"model_type": "llama", "num_key_value_heads": 5}', "not a multiple"),
        ('{"model_type": "bert", "add_cross_attention": true}', "cross-attention"),
        ('{"model_type": "t5", "feed_forward_proj": "a-b"}', "neither"),
        ('{"model_type": "roberta", "vocab_size": 1}', '"pad_token_id" = 1 is outside'),
        ('{"model_type": "vit", "image_size": [1, 2, 3]}', '"image_size" must be'),
        ('{"model_type": "llama", "tie_word_embeddings": "yes"}', "must be true or false"),
    ],
)
def test_a_bad_configuration_is_one_line_and_exit_2(
    config: str, message: str, tmp_path: Any
) -> None:
    path = tmp_path / "config.json"
    path.write_text(config)
    result = CliRunner().invoke(main, ["solve", "--hf", str(path)])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("explainer: error: ") and result.stderr.count("\n") == 1
    assert message in result.stderr


def test_hf_refuses_the_options_of_a_chain_and_a_second_source() -> None:
    runner = CliRunner()
    both = runner.invoke(main, ["solve", "Linear(3)", "--hf", "gpt2"])
    assert both.exit_code == 2 and "give only one of" in both.stderr
    shown = runner.invoke(main, ["solve", "--hf", "gpt2", "--show", "macs"])
    assert shown.exit_code == 2 and "--hf takes only" in shown.stderr
    missing = runner.invoke(main, ["solve", "--hf", "gtp2"])
    assert missing.exit_code == 2 and "did you mean 'gpt2'?" in missing.stderr


def test_output_file_is_written_whole(tmp_path: Any) -> None:
    target = tmp_path / "mistral.md"
    result = CliRunner().invoke(main, ["solve", "--hf", "mistral-7b", "-o", str(target)])
    assert result.exit_code == 0
    assert target.read_text().startswith("# Worked solution: the parameters of a transformer")


def test_examples_lists_the_bundled_configurations() -> None:
    text = CliRunner().invoke(main, ["examples"]).stdout
    for name, example in hf_examples().items():
        assert f"{name} (--hf)" in text and f"{example.total_params:,}" in text


def test_golden_lm_has_no_stale_files() -> None:
    expected = {f"{name}.{EXTENSIONS[fmt]}" for name in ("gpt2", "mistral-7b") for fmt in FORMATS}
    present = {p.name for p in (GOLDEN_DIR.parent / "golden_lm").rglob("*") if p.is_file()}
    assert present == expected


@pytest.mark.slow
@pytest.mark.parametrize("name", ["gpt2", "llama-2-7b"])
def test_latex_compiles_without_overfull_lines(pdflatex: str, name: str, tmp_path: Any) -> None:
    import subprocess

    source = CliRunner().invoke(main, ["solve", "--hf", name, "--format", "latex"]).stdout
    (tmp_path / "lm.tex").write_text(source, encoding="utf-8")
    command = [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "lm.tex"]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
    log = (tmp_path / "lm.log").read_text(encoding="utf-8", errors="replace")
    assert result.returncode == 0, log[-2000:]
    assert "Overfull \\hbox" not in log
