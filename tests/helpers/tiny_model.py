"""A tiny random causal LM saved to a folder, to exercise the real transformers loading code offline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

CORPUS = [
    "In the beginning the committee met to review the figures for the depots.",
    "The quick brown fox jumps over the lazy dog while the farmer sleeps.",
    "Marguerite sorted the buttons by colour and then by the number of holes.",
]


def build_tiny_model(folder: Path, vocab_size: int = 300, seed: int = 0, adds_bos: bool = True,
                     generation_config: dict[str, Any] | None = None, words: bool = False) -> Path:
    """Train a byte-level BPE tokenizer on a small corpus and save a random Llama with it.

    The tokenizer puts its BOS `<s>` before a text as Llama's does, unless `adds_bos` is False (it then
    defines `<s>` and adds nothing, as Qwen's does). `generation_config` is saved as the model's
    generation_config.json (decoding defaults transformers' generate() would apply). With `words`, the
    tokenizer is one token per word or punctuation mark of the corpus instead, so that any sequence of
    ids the model generates decodes to a text that tokenizes back to the same ids.
    """
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    if words:
        tok = Tokenizer(models.WordLevel(unk_token="<unk>"))
        tok.pre_tokenizer = pre_tokenizers.Whitespace()
        tok.train_from_iterator(CORPUS, trainers.WordLevelTrainer(special_tokens=["<s>", "</s>", "<unk>"]))
    else:
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tok.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(
            vocab_size=vocab_size, special_tokens=["<s>", "</s>"],
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        )
        tok.train_from_iterator(CORPUS * 4, trainer)
    if adds_bos:
        tok.post_processor = processors.TemplateProcessing(
            single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", tok.token_to_id("<s>"))]
        )
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>")
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(fast), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
        bos_token_id=fast.bos_token_id, eos_token_id=fast.eos_token_id, tie_word_embeddings=False,
    )
    model = LlamaForCausalLM(config)
    if generation_config is not None:
        model.generation_config = GenerationConfig(  # type: ignore[no-untyped-call]
            bos_token_id=fast.bos_token_id, eos_token_id=fast.eos_token_id, **generation_config
        )
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(folder), safe_serialization=True)
    fast.save_pretrained(str(folder))
    return folder
