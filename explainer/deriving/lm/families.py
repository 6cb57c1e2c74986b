"""Transformer families: which keys of a configuration they read, and the blocks they build.

One small class per family (GPT-2, BERT, RoBERTa, LLaMA, Mistral, Qwen2, T5, ViT) and an
explicit registry at the end, keyed by the configuration's ``model_type``. A family turns a
configuration into a :class:`Plan`: its sizes (with the transformers defaults for absent
keys), the sizes worked out from others (head size, MLP size, patches), and its parts, each a
list of blocks with their formulas as text in the sizes' symbols. Pure data: nothing is
evaluated here (explainer.deriving.lm.solve does that).

The counts are those of one transformers model class per family (``counted_as``): the causal
language model with its head for decoders, the base model (with its pooler) for encoders.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from ...errors import ArgumentError, UnknownLayerError
from ...records import record
from .config import HFConfig


@record
class Size:
    """A size read from the configuration: ``d = 768`` (hidden size, ``n_embd``)."""

    symbol: str
    meaning: str
    key: str
    value: int
    default: bool  # not in the file: the transformers default


@record
class Derived:
    """A size worked out from others: the head size ``h = ⌊d/H⌋`` when no ``head_dim``."""

    symbol: str
    meaning: str
    formula: str
    why: str


@record
class Block:
    """One module's parameters: ``key`` is stable (tests and JSON), ``quantity`` is read."""

    key: str
    quantity: str
    formula: str
    why: str


@record
class Part:
    """Blocks counted together; ``repeat`` names the symbol of the layer count if repeated."""

    title: str
    blocks: tuple[Block, ...]
    repeat: str | None = None


@record
class Plan:
    family: str
    counted_as: str
    sizes: tuple[Size, ...]
    derived: tuple[Derived, ...]
    parts: tuple[Part, ...]
    notes: tuple[str, ...] = ()


def linear(i: str, o: str, bias: bool) -> str:
    """``d*(H*h) + H*h``: i inputs to o outputs, the bias one per output."""
    weights = f"{_factor(i)}*{_factor(o)}"
    return f"{weights} + {o}" if bias else weights


def _factor(text: str) -> str:
    return f"({text})" if "*" in text or "+" in text else text


class Sizes:
    """Reads sizes off a configuration, remembering each with its symbol and meaning."""

    def __init__(self, config: HFConfig) -> None:
        self.config = config
        self.read: list[Size] = []

    def __call__(self, symbol: str, key: str, meaning: str, default: int | None) -> int:
        value = self.config.integer(key, default)
        self.read.append(Size(symbol, meaning, key, value, not self.config.has(key)))
        return value

    def values(self) -> Mapping[str, int]:
        return {size.symbol: size.value for size in self.read}


def _divisible(config: HFConfig, key: str, value: int, by_key: str, by: int) -> None:
    if value % by:
        raise ArgumentError(
            f'{config.source}: "{key}" = {value} is not a multiple of "{by_key}" = {by}'
        )


def _padding(config: HFConfig, default: int | None, size: int, *keys: str) -> None:
    """An embedding with ``padding_idx=pad_token_id``: torch refuses an index outside it."""
    pad = config.values.get("pad_token_id", default)
    if pad is None:
        return
    if type(pad) is not int:
        raise ArgumentError(f'{config.source}: "pad_token_id" must be an integer, got {pad!r}')
    if not -size <= pad < size:
        raise ArgumentError(
            f'{config.source}: "pad_token_id" = {pad} is outside the {size} rows of '
            f"{' and '.join(keys)}: transformers cannot build the embedding"
        )


def _refuse_true(config: HFConfig, *keys: str) -> None:
    for key in keys:
        if config.flag(key, False):
            raise ArgumentError(
                f'{config.source}: "{key}": true adds cross-attention, which is not counted here'
            )


def _head(tied: bool, family: str) -> tuple[tuple[Part, ...], tuple[str, ...]]:
    """The output head: its own V·d matrix, or the token embeddings again (tied)."""
    if tied:
        note = (
            f"tie_word_embeddings is true: the {family} output head reuses the token embedding "
            "matrix, so it adds no parameters (counted once, as transformers does)"
        )
        return (), (note,)
    block = Block(
        "head",
        "output head (lm_head)",
        "V*d",
        "one d-vector of weights per token of the vocabulary, no bias; not tied to the embeddings",
    )
    return (Part("Output head", (block,)),), ()


LAYER_NORM_WHY = "layer norm: a scale and a shift per feature"
RMS_NORM_WHY = "RMS norm: a scale per feature, no shift"


class Family:
    """Base class: a subclass reads its keys and lays out its parts."""

    title: ClassVar[str]
    counted_as: ClassVar[str]

    def plan(self, config: HFConfig) -> Plan:
        raise NotImplementedError


class GPT2(Family):
    title = "GPT-2"
    counted_as = "GPT2LMHeadModel"

    def plan(self, config: HFConfig) -> Plan:
        _refuse_true(config, "add_cross_attention")
        size = Sizes(config)
        size("V", "vocab_size", "vocabulary size", 50257)
        size("P", "n_positions", "positions", 1024)
        d = size("d", "n_embd", "hidden size", 768)
        size("L", "n_layer", "layers", 12)
        heads = size("H", "n_head", "attention heads", 12)
        _divisible(config, "n_embd", d, "n_head", heads)
        derived: tuple[Derived, ...] = ()
        if config.has("n_inner"):
            size("f", "n_inner", "MLP inner size", None)
        else:
            why = "n_inner is null: the MLP is four times as wide as the hidden size"
            derived = (Derived("f", "MLP inner size", "4*d", why),)
        layer = (
            Block("ln_1", "layer norm before attention (ln_1)", "2*d", LAYER_NORM_WHY),
            Block(
                "attn.c_attn",
                "query, key and value in one matrix (attn.c_attn)",
                "d*3*d + 3*d",
                "d inputs to 3d outputs (the query, the key and the value), with a bias each",
            ),
            Block(
                "attn.c_proj",
                "attention output (attn.c_proj)",
                linear("d", "d", True),
                "the heads' outputs, joined, back to d features",
            ),
            Block("ln_2", "layer norm before the MLP (ln_2)", "2*d", LAYER_NORM_WHY),
            Block("mlp.c_fc", "MLP up (mlp.c_fc)", linear("d", "f", True), "d to f, with biases"),
            Block("mlp.c_proj", "MLP down (mlp.c_proj)", linear("f", "d", True), "f back to d"),
        )
        embeddings = (
            Block("wte", "token embeddings (wte)", "V*d", "one d-vector per token"),
            Block("wpe", "position embeddings (wpe)", "P*d", "one d-vector per position"),
        )
        head, notes = _head(config.flag("tie_word_embeddings", True), self.title)
        parts = (
            Part("Embeddings", embeddings),
            Part("Transformer layers", layer, repeat="L"),
            Part(
                "Final layer norm",
                (Block("ln_f", "final layer norm (ln_f)", "2*d", LAYER_NORM_WHY),),
            ),
            *head,
        )
        return Plan(self.title, self.counted_as, tuple(size.read), derived, parts, notes)


class Bert(Family):
    title = "BERT"
    counted_as = "BertModel (with the pooler)"
    vocab = 30522
    pad = 0  # the default pad_token_id: the padding row of the word embeddings
    padded_positions = False  # whether the position embeddings have a padding row too

    def plan(self, config: HFConfig) -> Plan:
        _refuse_true(config, "add_cross_attention", "is_decoder")
        kind = config.text("position_embedding_type", "absolute")
        if kind != "absolute":
            raise ArgumentError(
                f'{config.source}: "position_embedding_type" {kind!r} is not counted here, '
                'only "absolute"'
            )
        size = Sizes(config)
        vocab = size("V", "vocab_size", "vocabulary size", self.vocab)
        positions = size("P", "max_position_embeddings", "positions", 512)
        _padding(config, self.pad, vocab, "vocab_size")
        if self.padded_positions:
            _padding(config, self.pad, positions, "max_position_embeddings")
        size("T", "type_vocab_size", "token types", 2)
        d = size("d", "hidden_size", "hidden size", 768)
        size("L", "num_hidden_layers", "layers", 12)
        heads = size("H", "num_attention_heads", "attention heads", 12)
        _divisible(config, "hidden_size", d, "num_attention_heads", heads)
        size("f", "intermediate_size", "MLP inner size", 3072)
        embeddings = (
            Block("word", "word embeddings", "V*d", "one d-vector per token"),
            Block("position", "position embeddings", "P*d", "one d-vector per position"),
            Block("token_type", "token type embeddings", "T*d", "one d-vector per segment type"),
            Block("embeddings.LayerNorm", "embedding layer norm", "2*d", LAYER_NORM_WHY),
        )
        qkv = "d to d (all heads together), with a bias each"
        layer = (
            Block("query", "query", linear("d", "d", True), qkv),
            Block("key", "key", linear("d", "d", True), qkv),
            Block("value", "value", linear("d", "d", True), qkv),
            Block("attention.output", "attention output", linear("d", "d", True), qkv),
            Block("attention.LayerNorm", "attention layer norm", "2*d", LAYER_NORM_WHY),
            Block("intermediate", "intermediate (MLP up)", linear("d", "f", True), "d to f"),
            Block("output", "output (MLP down)", linear("f", "d", True), "f back to d"),
            Block("output.LayerNorm", "output layer norm", "2*d", LAYER_NORM_WHY),
        )
        pooler = Block(
            "pooler", "pooler", linear("d", "d", True), "the first token's vector, d to d"
        )
        parts = (
            Part("Embeddings", embeddings),
            Part("Encoder layers", layer, repeat="L"),
            Part("Pooler", (pooler,)),
        )
        note = f"{self.counted_as.split()[0]} has no output head: nothing tied to count"
        return Plan(self.title, self.counted_as, tuple(size.read), (), parts, (note,))


class Roberta(Bert):
    title = "RoBERTa"
    counted_as = "RobertaModel (with the pooler)"
    vocab = 50265
    pad = 1
    padded_positions = True


class Llama(Family):
    """LLaMA and the families built like it: RMS norms, grouped-query attention, SwiGLU."""

    title = "LLaMA"
    counted_as = "LlamaForCausalLM"
    kv_default: int | None = None  # None: as many key/value heads as query heads
    defaults: ClassVar[tuple[int, int, int]] = (32000, 4096, 11008)  # V, d, f
    # What transformers' configuration refuses: a hidden size that the heads do not divide
    # (LLaMA only), an odd head size above 4 under RoPE (a worked-out one too, except in Qwen2,
    # whose configuration has no head size of its own), an explicit "head_dim": null (Qwen2).
    divisible_heads = True
    rope_checks_worked_out = True
    null_head_dim = True

    def biases(self, config: HFConfig) -> tuple[bool, bool, bool]:
        """(query/key/value bias, output bias, MLP bias)."""
        attention = config.flag("attention_bias", False)
        return attention, attention, config.flag("mlp_bias", False)

    def plan(self, config: HFConfig) -> Plan:
        size = Sizes(config)
        vocab, hidden, inner = self.defaults
        _padding(config, None, size("V", "vocab_size", "vocabulary size", vocab), "vocab_size")
        size("d", "hidden_size", "hidden size", hidden)
        size("L", "num_hidden_layers", "layers", 32)
        heads = size("H", "num_attention_heads", "attention heads", 32)
        if self.divisible_heads:
            _divisible(config, "hidden_size", size.values()["d"], "num_attention_heads", heads)
        kv = size("K", "num_key_value_heads", "key/value heads", self.kv_default or heads)
        _divisible(config, "num_attention_heads", heads, "num_key_value_heads", kv)
        derived = self._head_size(config, size)
        size("f", "intermediate_size", "MLP inner size", inner)
        qkv_bias, o_bias, mlp_bias = self.biases(config)
        layer = (
            Block(
                "input_layernorm", "RMS norm before attention (input_layernorm)", "d", RMS_NORM_WHY
            ),
            *self._attention(qkv_bias, o_bias),
            Block(
                "post_attention_layernorm",
                "RMS norm before the MLP (post_attention_layernorm)",
                "d",
                RMS_NORM_WHY,
            ),
            *self._mlp(mlp_bias),
        )
        head, notes = _head(config.flag("tie_word_embeddings", False), self.title)
        parts = (
            Part(
                "Embeddings",
                (
                    Block(
                        "embed_tokens",
                        "token embeddings (embed_tokens)",
                        "V*d",
                        "one d-vector per token",
                    ),
                ),
            ),
            Part("Decoder layers", layer, repeat="L"),
            Part("Final norm", (Block("norm", "final RMS norm (norm)", "d", RMS_NORM_WHY),)),
            *head,
        )
        return Plan(self.title, self.counted_as, tuple(size.read), derived, parts, notes)

    def _head_size(self, config: HFConfig, size: Sizes) -> tuple[Derived, ...]:
        if ("head_dim" in config.values and not self.null_head_dim) or config.has("head_dim"):
            head = size("h", "head_dim", "head size", None)
        else:
            values = size.values()
            head = values["d"] // values["H"]
            if not self.rope_checks_worked_out:
                head = 0
        if head > 4 and head % 2:
            raise ArgumentError(
                f"{config.source}: the head size is {head}: rotary position embeddings (RoPE) "
                "need an even head size (transformers refuses an odd one above 4)"
            )
        if config.has("head_dim") or ("head_dim" in config.values and not self.null_head_dim):
            return ()
        why = "head_dim is not given: the hidden size shared among the heads"
        return (Derived("h", "head size", "floor(d/H)", why),)

    def _attention(self, qkv_bias: bool, o_bias: bool) -> tuple[Block, ...]:
        kv_why = (
            "d to K·h: the K key/value heads are shared by groups of H/K query heads "
            "(grouped-query attention when K < H)"
        )
        return (
            Block(
                "q_proj",
                "query (q_proj)",
                linear("d", "H*h", qkv_bias),
                "d to H·h: a query of size h per head",
            ),
            Block("k_proj", "key (k_proj)", linear("d", "K*h", qkv_bias), kv_why),
            Block("v_proj", "value (v_proj)", linear("d", "K*h", qkv_bias), kv_why),
            Block(
                "o_proj",
                "attention output (o_proj)",
                linear("H*h", "d", o_bias),
                "the H heads' outputs, joined, back to d",
            ),
        )

    def _mlp(self, bias: bool) -> tuple[Block, ...]:
        gate_why = "SwiGLU: silu(gate(x)) times up(x), so two d-to-f matrices"
        return (
            Block("gate_proj", "MLP gate (gate_proj)", linear("d", "f", bias), gate_why),
            Block("up_proj", "MLP up (up_proj)", linear("d", "f", bias), gate_why),
            Block("down_proj", "MLP down (down_proj)", linear("f", "d", bias), "f back to d"),
        )


class Mistral(Llama):
    title = "Mistral"
    counted_as = "MistralForCausalLM"
    kv_default = 8
    defaults = (32000, 4096, 14336)
    divisible_heads = False

    def biases(self, config: HFConfig) -> tuple[bool, bool, bool]:
        return False, False, False  # transformers' Mistral has no bias options


class Qwen2(Llama):
    title = "Qwen2"
    counted_as = "Qwen2ForCausalLM"
    kv_default = 32
    defaults = (151936, 4096, 22016)
    divisible_heads = False
    rope_checks_worked_out = False
    null_head_dim = False

    def biases(self, config: HFConfig) -> tuple[bool, bool, bool]:
        return True, False, False  # query, key and value always have biases; nothing else


class T5(Family):
    title = "T5"
    counted_as = "T5ForConditionalGeneration"

    def plan(self, config: HFConfig) -> Plan:
        size = Sizes(config)
        size("V", "vocab_size", "vocabulary size", 32128)
        size("d", "d_model", "hidden size", 512)
        size("k", "d_kv", "head size", 64)
        size("f", "d_ff", "MLP inner size", 2048)
        layers = size("L", "num_layers", "encoder layers", 6)
        size("M", "num_decoder_layers", "decoder layers", layers)
        size("H", "num_heads", "attention heads", 8)
        size("B", "relative_attention_num_buckets", "relative position buckets", 32)
        mlp = self._mlp(config)
        encoder = (
            *self._attention("SelfAttention", "self-attention"),
            self._norm("layer_norm.0"),
            *mlp,
            self._norm("layer_norm.1"),
        )
        decoder = (
            *self._attention("SelfAttention", "self-attention"),
            self._norm("layer_norm.0"),
            *self._attention("EncDecAttention", "cross-attention"),
            self._norm("layer_norm.1"),
            *mlp,
            self._norm("layer_norm.2"),
        )
        relative = Block(
            "relative_attention_bias",
            "relative position bias (first layer only)",
            "B*H",
            "one learnt bias per bucket of distances and per head, shared by all the layers",
        )
        final = Block("final_layer_norm", "final RMS norm", "d", RMS_NORM_WHY)
        config.flag("tie_word_embeddings", True)  # read for its type; T5 ties whatever it says
        notes = (
            "transformers ties T5's output head to the shared token embeddings whatever "
            "tie_word_embeddings says (false only stops the decoder's output scaling, as T5 "
            "v1.1 wants): the head adds no parameters",
        )
        parts = (
            Part(
                "Shared token embeddings",
                (
                    Block(
                        "shared",
                        "token embeddings (shared)",
                        "V*d",
                        "one d-vector per token, for the encoder and the decoder",
                    ),
                ),
            ),
            Part("Encoder layers", encoder, repeat="L"),
            Part("Encoder relative position bias", (relative,)),
            Part("Encoder final norm", (final,)),
            Part("Decoder layers", decoder, repeat="M"),
            Part("Decoder relative position bias", (relative,)),
            Part("Decoder final norm", (final,)),
        )
        return Plan(self.title, self.counted_as, tuple(size.read), (), parts, notes)

    def _attention(self, module: str, what: str) -> tuple[Block, ...]:
        why = f"{what}: d to H·k, no bias"
        return (
            Block(f"{module}.q", f"{what} query ({module}.q)", linear("d", "H*k", False), why),
            Block(f"{module}.k", f"{what} key ({module}.k)", linear("d", "H*k", False), why),
            Block(f"{module}.v", f"{what} value ({module}.v)", linear("d", "H*k", False), why),
            Block(
                f"{module}.o",
                f"{what} output ({module}.o)",
                linear("H*k", "d", False),
                "the heads back to d, no bias",
            ),
        )

    def _norm(self, key: str) -> Block:
        return Block(key, "RMS norm (layer_norm)", "d", RMS_NORM_WHY)

    def _mlp(self, config: HFConfig) -> tuple[Block, ...]:
        proj = config.text("feed_forward_proj", "relu")
        words = proj.split("-")
        if len(words) > 2 or (len(words) == 2 and words[0] != "gated"):
            raise ArgumentError(
                f'{config.source}: "feed_forward_proj" {proj!r} is neither "gated-ACT" nor "ACT"'
            )
        down = Block(
            "DenseReluDense.wo", "MLP down (wo)", linear("f", "d", False), "f back to d, no bias"
        )
        if proj.startswith("gated-"):
            why = f"{proj}: act(wi_0(x)) times wi_1(x), two d-to-f matrices, no bias"
            return (
                Block("DenseReluDense.wi_0", "MLP gate (wi_0)", linear("d", "f", False), why),
                Block("DenseReluDense.wi_1", "MLP up (wi_1)", linear("d", "f", False), why),
                down,
            )
        return (
            Block("DenseReluDense.wi", "MLP up (wi)", linear("d", "f", False), "d to f, no bias"),
            down,
        )


class ViT(Family):
    title = "ViT"
    counted_as = "ViTModel (with the pooler)"

    def plan(self, config: HFConfig) -> Plan:
        size = Sizes(config)
        d = size("d", "hidden_size", "hidden size", 768)
        size("L", "num_hidden_layers", "layers", 12)
        heads = size("H", "num_attention_heads", "attention heads", 12)
        _divisible(config, "hidden_size", d, "num_attention_heads", heads)
        size("f", "intermediate_size", "MLP inner size", 3072)
        size("C", "num_channels", "image channels", 3)
        patches = self._patches(config, size)
        if config.has("pooler_output_size"):
            size("o", "pooler_output_size", "pooler output size", None)
            pooler = linear("d", "o", True)
        else:
            pooler = linear("d", "d", True)
        bias = config.flag("qkv_bias", True)
        qkv = "d to d (all heads together)" + (
            ", with a bias each" if bias else ", no bias (qkv_bias is false)"
        )
        embeddings = (
            Block(
                "cls_token",
                "class token (cls_token)",
                "d",
                "one learnt d-vector put before the patches",
            ),
            Block(
                "position_embeddings",
                "position embeddings",
                "(N + 1)*d",
                "one d-vector per patch and one for the class token",
            ),
            Block(
                "patch_embeddings",
                "patch projection (a convolution)",
                patches,
                "a kernel the size of a patch from C channels to d, with a bias each",
            ),
        )
        layer = (
            Block("layernorm_before", "layer norm before attention", "2*d", LAYER_NORM_WHY),
            Block("q_proj", "query", linear("d", "d", bias), qkv),
            Block("k_proj", "key", linear("d", "d", bias), qkv),
            Block("v_proj", "value", linear("d", "d", bias), qkv),
            Block(
                "o_proj",
                "attention output",
                linear("d", "d", True),
                "the heads back to d, with biases",
            ),
            Block("layernorm_after", "layer norm before the MLP", "2*d", LAYER_NORM_WHY),
            Block("fc1", "MLP up (fc1)", linear("d", "f", True), "d to f"),
            Block("fc2", "MLP down (fc2)", linear("f", "d", True), "f back to d"),
        )
        parts = (
            Part("Embeddings", embeddings),
            Part("Encoder layers", layer, repeat="L"),
            Part(
                "Final layer norm", (Block("layernorm", "final layer norm", "2*d", LAYER_NORM_WHY),)
            ),
            Part(
                "Pooler",
                (
                    Block(
                        "pooler", "pooler", pooler, "the class token's vector through a dense layer"
                    ),
                ),
            ),
        )
        note = "ViTModel has no output head: nothing tied to count"
        return Plan(
            self.title, self.counted_as, tuple(size.read), self._derived(patches), parts, (note,)
        )

    def _patches(self, config: HFConfig, size: Sizes) -> str:
        """The patch projection's formula; reads the image and patch sizes."""
        image = config.pair("image_size", 224)
        patch = config.pair("patch_size", 16)
        if image[0] == image[1] and patch[0] == patch[1]:
            size.read.append(
                Size("I", "image size", "image_size", image[0], not config.has("image_size"))
            )
            size.read.append(
                Size("p", "patch size", "patch_size", patch[0], not config.has("patch_size"))
            )
            return "C*p*p*d + d"
        size.read.append(
            Size("I", "image height", "image_size", image[0], not config.has("image_size"))
        )
        size.read.append(
            Size("J", "image width", "image_size", image[1], not config.has("image_size"))
        )
        size.read.append(
            Size("p", "patch height", "patch_size", patch[0], not config.has("patch_size"))
        )
        size.read.append(
            Size("q", "patch width", "patch_size", patch[1], not config.has("patch_size"))
        )
        return "C*p*q*d + d"

    def _derived(self, patches: str) -> tuple[Derived, ...]:
        square = patches == "C*p*p*d + d"
        formula = "floor(I/p)*floor(I/p)" if square else "floor(I/p)*floor(J/q)"
        why = "the image is cut into whole patches; a partial patch at an edge is dropped"
        return (Derived("N", "patches", formula, why),)


FAMILIES: Mapping[str, type[Family]] = {
    "gpt2": GPT2,
    "bert": Bert,
    "roberta": Roberta,
    "llama": Llama,
    "mistral": Mistral,
    "qwen2": Qwen2,
    "t5": T5,
    "vit": ViT,
}


def plan(config: HFConfig) -> Plan:
    """The plan of ``config``'s family, by its ``model_type``."""
    model_type = config.model_type
    family = FAMILIES.get(model_type)
    if family is None:
        known = ", ".join(FAMILIES)
        raise UnknownLayerError(
            f'{config.source}: "model_type" {model_type!r} is not a family counted here '
            f"(known: {known})"
        )
    return family().plan(config)
