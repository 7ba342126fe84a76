"""transformers backend: safetensors folders, and GGUF files dequantized once and cached.

Loading never unpickles (safetensors only, `use_safetensors=True`) and never runs repository code
(`trust_remote_code=False`; core.model.safety refuses `auto_map` and *.py before we get here).
The output head (the final projection to the vocabulary) and every statistic are computed in fp32, even
when the weights are bf16 on a GPU. Generation is an explicit argmax loop over the KV cache: the model's
own generation_config (repetition penalty, n-gram bans, sampling defaults) is never applied, and an exact
tie goes to the lowest token id, as in the teacher-forced pass.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from core.model.backend import BaseBackend, IntArray, Tokens, WindowScores, added_prefix
from core.model.batching import RowBudget, rows_that_fit
from core.model.convert import convert_gguf, default_cache_dir
from core.model.logits import LOGIT_ELEMENTS, blocked_stats, fp32_product, streamed_stats, to_window_scores
from core.results import ModelFile, ModelInfo

_TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model")


def pick_device(device: str) -> str:
    """"auto" means CUDA when available, else CPU."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def pick_dtype(dtype: str, device: str) -> torch.dtype:
    """fp32 on CPU (bf16 is slower there), bf16 weights on CUDA, unless asked otherwise."""
    if dtype == "auto":
        return torch.bfloat16 if device.startswith("cuda") else torch.float32
    return {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[dtype]


def _hash_files(paths: list[Path]) -> tuple[ModelFile, ...]:
    from core.model.safety import sha256_file

    return tuple(ModelFile(str(p), sha256_file(p), p.stat().st_size) for p in paths)


class TransformersBackend(BaseBackend):
    """A causal LM loaded with transformers, scoring with sliced fp32 log-softmax."""

    def __init__(self, model: Any, tokenizer: Any, info: ModelInfo, load_seconds: float,
                 adds_bos: bool | None = None) -> None:
        """Wrap a loaded model and its tokenizer.

        `adds_bos`: whether a BOS goes before a text (a GGUF's tokenizer.ggml.add_bos_token); None asks
        the tokenizer itself, as `tokenizer(text)` does it.
        """
        self.model = model
        self.tokenizer = tokenizer
        self.info = info
        self.load_seconds = load_seconds
        self.device = next(model.parameters()).device
        self._bos = tokenizer_bos(tokenizer, adds_bos)
        self._stops = stop_ids(tokenizer, model)
        self._sliced = self._sliced_head_matches()
        self._measured: dict[int, int] = {}
        self._rows = RowBudget(out_of_memory=_is_out_of_memory, on_shrink=self._release_memory)

    def _release_memory(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.empty_cache()

    @property
    def bos_id(self) -> int | None:
        return self._bos

    @property
    def decoding(self) -> dict[str, Any]:
        """The effective decoding, as a report states it (provenance["decoding"])."""
        return {
            "method": "argmax loop over the KV cache",
            "ties": "lowest token id",
            "output_head": "float32" if self._sliced else f"{self.info.dtype} (the model's own forward)",
            "stop_token_ids": sorted(self._stops),
            "bos_token_id": self._bos,
            "model_generation_config_not_applied": ignored_generation_config(self.model),
        }

    # -- tokens --------------------------------------------------------------------------------
    def tokenize(self, text: str) -> Tokens:
        enc = self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        ids = np.asarray(enc["input_ids"], dtype=np.int64)
        offsets = np.asarray(enc["offset_mapping"], dtype=np.int64).reshape(-1, 2)
        return Tokens(ids=ids, offsets=_contiguous_offsets(offsets, len(text)))

    def decode(self, ids: IntArray | list[int]) -> str:
        return str(self.tokenizer.decode([int(i) for i in ids], skip_special_tokens=False))

    def tokenize_chat(self, text: str) -> list[int]:
        """A prompt rendered by the chat template: its special tokens become their ids; no BOS is added."""
        return [int(t) for t in self.tokenizer(text, add_special_tokens=False)["input_ids"]]

    def special_token_text(self) -> dict[str, str]:
        """The BOS and EOS tokens' text, as chat templates write them ("" when undefined)."""
        return {"bos_token": str(self.tokenizer.bos_token or ""), "eos_token": str(self.tokenizer.eos_token or "")}

    # -- scoring -------------------------------------------------------------------------------
    def _hidden(self, ids: torch.Tensor) -> torch.Tensor:
        base = getattr(self.model, self.model.base_model_prefix)
        out = base(input_ids=ids, attention_mask=torch.ones_like(ids), use_cache=False)
        hidden: torch.Tensor = out.last_hidden_state
        return hidden

    def _head(self, hidden: torch.Tensor) -> torch.Tensor:
        """fp32 logits from hidden states: the output head runs in fp32 whatever the weights' dtype."""
        head = self.model.get_output_embeddings()
        if isinstance(head, torch.nn.Linear):
            logits = fp32_product(hidden.reshape(-1, hidden.shape[-1]), head.weight).reshape(*hidden.shape[:-1], -1)
            if head.bias is not None:
                logits += head.bias.float()
        else:
            logits = head(hidden).float()
        cap = getattr(self.model.config, "final_logit_softcapping", None)
        if cap:
            logits = torch.tanh(logits / cap) * cap
        return logits

    @torch.inference_mode()
    def _sliced_head_matches(self) -> bool:
        """Check once that hidden states + output head reproduce the model's own logits.

        Some architectures scale logits in forward(); for those we fall back to full forward passes.
        """
        probe = torch.arange(1, 9, device=self.device).unsqueeze(0) % max(2, len(self.tokenizer))
        try:
            ref = self.model(input_ids=probe, use_cache=False).logits.float()
            got = self._head(self._hidden(probe)).float()
        except (AttributeError, TypeError):
            return False
        # The model's own logits are rounded to its dtype (bf16 keeps 8 significant bits) and ours are
        # fp32; a logit scale the head leaves out differs by far more than that rounding.
        tol = 1e-3 if next(self.model.parameters()).dtype == torch.float32 else 2e-2
        return bool(torch.allclose(ref, got, atol=tol, rtol=tol))

    def score(self, windows: IntArray, top_k: int, first: int = 0) -> WindowScores:
        parts = self._rows.run(windows, lambda rows: self._score_rows(rows, top_k, first))
        return WindowScores.concat(parts)

    def generate(self, prompts: IntArray, max_new_tokens: int) -> IntArray:
        length = prompts.shape[1] + max_new_tokens
        parts = self._rows.run(prompts, lambda rows: self._generate_rows(rows, max_new_tokens), length)
        return np.concatenate(parts, axis=0)

    def suggest_batch_size(self, row_tokens: int) -> int | None:
        """Rows of `row_tokens` tokens that fit in free GPU memory, or None on a CPU (no limit to fit)."""
        if self.device.type != "cuda":
            return None
        free, _total = torch.cuda.mem_get_info(self.device)
        return rows_that_fit(free, self._row_bytes(row_tokens))

    def _row_bytes(self, row_tokens: int) -> int:
        """Peak GPU memory of scoring one row of this length, measured once per length."""
        if row_tokens not in self._measured:
            torch.cuda.synchronize(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)
            before = torch.cuda.memory_allocated(self.device)
            probe = np.full((1, row_tokens), self._bos if self._bos is not None else 0, dtype=np.int64)
            self._score_rows(probe, 40, 0)
            torch.cuda.synchronize(self.device)
            self._measured[row_tokens] = max(1, torch.cuda.max_memory_allocated(self.device) - before)
        return self._measured[row_tokens]

    @torch.inference_mode()
    def _score_rows(self, windows: IntArray, top_k: int, first: int) -> WindowScores:
        ids = torch.from_numpy(np.ascontiguousarray(windows)).to(self.device)
        b, t = ids.shape
        targets = ids[:, 1 + first :]
        head = self.model.get_output_embeddings()
        if self._sliced and isinstance(head, torch.nn.Linear):
            # Stream over the vocabulary: the head's weights are read once and no full logits exist.
            hidden = self._hidden(ids)[:, first:-1]
            cap = getattr(self.model.config, "final_logit_softcapping", None)
            # Vocabulary blocks as wide as memory allows (fewer, larger matrix products run faster).
            cols = max(1, b * (t - 1 - first))
            block = max(4096, min(65536, LOGIT_ELEMENTS * 4 // cols))
            stats = streamed_stats(hidden, head.weight, head.bias, targets, top_k, softcap=cap, vocab_block=block)
            cat = {k: v.cpu().numpy() for k, v in stats.items()}
            return to_window_scores(cat)
        if self._sliced:
            hidden = self._hidden(ids)[:, first:-1]
        else:
            full = self.model(input_ids=ids, use_cache=False).logits[:, first:-1]

        def logits_of(s: int, e: int) -> torch.Tensor:
            return self._head(hidden[:, s:e]) if self._sliced else full[:, s:e]
        vocab = int(head.weight.shape[0])
        step = max(1, LOGIT_ELEMENTS // max(1, b * vocab))
        width = t - 1 - first
        parts: list[dict[str, torch.Tensor]] = []
        for s in range(0, width, step):
            e = min(width, s + step)
            parts.append(blocked_stats(logits_of(s, e).float(), targets[:, s:e], top_k))
        cat = {k: torch.cat([p[k] for p in parts], dim=1).cpu().numpy() for k in parts[0]}
        return to_window_scores(cat)

    # -- generation ----------------------------------------------------------------------------
    def _next_logits(self, ids: torch.Tensor, past: Any) -> tuple[torch.Tensor, Any]:
        """fp32 logits of the token after `ids` (B, V), given the cache of what came before, and the new cache."""
        mask = torch.ones((ids.shape[0], ids.shape[1] + _cached(past)), dtype=torch.long, device=self.device)
        module = getattr(self.model, self.model.base_model_prefix) if self._sliced else self.model
        cached = {} if past is None else {_cache_argument(module): past}
        out = module(input_ids=ids, attention_mask=mask, use_cache=True, **cached)
        new = getattr(out, "cache", None) or getattr(out, "past_key_values", None)
        if new is None:
            raise RuntimeError("The model returned no KV cache to generate with.")
        if self._sliced:
            return self._head(out.last_hidden_state[:, -1]), new
        return out.logits[:, -1].float(), new

    @torch.inference_mode()
    def _generate_rows(self, prompts: IntArray, max_new_tokens: int) -> IntArray:
        """Greedy decoding as an explicit loop over the KV cache.

        Each token is the argmax of the fp32 logits (the first maximum: the lowest token id on an exact
        tie). No logits processor of the model's generation_config runs, so the tokens are exactly the
        argmax continuation teacher forcing predicts.
        """
        result = np.full((prompts.shape[0], max_new_tokens), -1, dtype=np.int64)
        if max_new_tokens <= 0:
            return result
        ids = torch.from_numpy(np.ascontiguousarray(prompts)).to(self.device)
        stops = torch.tensor(sorted(self._stops), dtype=torch.long, device=self.device)
        done = torch.zeros(ids.shape[0], dtype=torch.bool, device=self.device)
        past: Any = None
        step = ids
        for j in range(max_new_tokens):
            logits, past = self._next_logits(step, past)
            tok = torch.argmax(logits, dim=-1)
            done |= torch.isin(tok, stops)
            result[:, j] = torch.where(done, torch.full_like(tok, -1), tok).cpu().numpy()
            if bool(done.all()):
                break
            step = tok.unsqueeze(1)
        return result


def _cache_argument(module: Any) -> str:
    """The name forward() takes the KV cache by: `cache` in recent transformers, `past_key_values` before."""
    import inspect

    return "cache" if "cache" in inspect.signature(module.forward).parameters else "past_key_values"


def _cached(past: Any) -> int:
    """Tokens already in a KV cache (0 for none)."""
    if past is None:
        return 0
    return int(past.get_seq_length())


def tokenizer_bos(tokenizer: Any, adds_bos: bool | None = None) -> int | None:
    """The BOS the tokenizer puts before a text, or None when it puts none (whatever BOS the model defines).

    `adds_bos` overrides the tokenizer's own behaviour (a GGUF's flag, which llama.cpp follows); None
    compares `tokenizer(text)` with and without special tokens.
    """
    bos = tokenizer.bos_token_id
    if adds_bos is None and not callable(tokenizer):  # a stand-in that only names its ids (bench/bench_gpu.py)
        adds_bos = True
    if adds_bos is not None:
        return int(bos) if adds_bos and bos is not None else None
    with_special = [int(t) for t in tokenizer("a", add_special_tokens=True)["input_ids"]]
    plain = [int(t) for t in tokenizer("a", add_special_tokens=False)["input_ids"]]
    return added_prefix(with_special, plain)


def stop_ids(tokenizer: Any, model: Any) -> set[int]:
    """End-of-sequence ids: the tokenizer's, and those the model's generation_config names.

    Gemma names its end-of-turn there. Stopping never changes a token; it only ends the text shown.
    """
    out: set[int] = set()
    config = getattr(model, "generation_config", None)
    for eos in (tokenizer.eos_token_id, getattr(config, "eos_token_id", None)):
        if isinstance(eos, int):
            out.add(eos)
        elif isinstance(eos, list | tuple):
            out.update(int(e) for e in eos)
    return out


_DECODING_FIELDS = ("do_sample", "temperature", "top_k", "top_p", "min_p", "typical_p", "repetition_penalty",
                    "encoder_repetition_penalty", "no_repeat_ngram_size", "bad_words_ids", "suppress_tokens",
                    "begin_suppress_tokens", "forced_bos_token_id", "forced_eos_token_id", "min_length",
                    "min_new_tokens", "length_penalty", "num_beams", "sequence_bias", "epsilon_cutoff",
                    "eta_cutoff", "exponential_decay_length_penalty", "renormalize_logits", "guidance_scale")


def ignored_generation_config(model: Any) -> dict[str, Any]:
    """The decoding fields of the model's generation_config.json that differ from plain decoding.

    What transformers' generate() would have applied and Verbatim's argmax loop does not.
    """
    config = getattr(model, "generation_config", None)
    if config is None:
        return {}
    try:
        diff = config.to_diff_dict()
    except Exception:  # noqa: BLE001 - informative only
        return {}
    return {k: diff[k] for k in _DECODING_FIELDS if diff.get(k) is not None}


def _is_out_of_memory(error: BaseException) -> bool:
    return isinstance(error, torch.OutOfMemoryError)


def _contiguous_offsets(offsets: IntArray, n_chars: int) -> IntArray:
    """Make token spans tile the text: each token starts where the previous one ended.

    Tokenizers report spans that skip the whitespace they merge into a token (SentencePiece's
    "▁"); stretching each start back to the previous end keeps every character inside some token.
    """
    out = offsets.copy()
    if out.shape[0] == 0:
        return out
    out[0, 0] = 0
    out[1:, 0] = out[:-1, 1]
    out[:, 0] = np.minimum(out[:, 0], out[:, 1])
    out[-1, 1] = max(int(out[-1, 1]), min(n_chars, int(out[-1, 1])))
    return out


def load_transformers(
    path: Path, device: str = "auto", dtype: str = "auto", name: str | None = None
) -> TransformersBackend:
    """Load a safetensors folder or a GGUF file (converted once, then cached) for scoring."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from core.model.safety import check_memory, check_model_path, sha256_file

    t0 = time.perf_counter()
    path = Path(path)
    check_model_path(path)
    dev = pick_device(device)
    if dev == "cpu":
        # GGUF is dequantized to fp32 (about 8x a 4-bit file): refuse before loading, with the estimate.
        check_memory(path)
    torch_dtype = pick_dtype(dtype, dev)
    quant = None
    adds_bos: bool | None = None
    files: tuple[ModelFile, ...]
    if path.is_file() and path.suffix.lower() == ".gguf" or _is_gguf(path):
        sha = sha256_file(path)
        folder = convert_gguf(path, sha, default_cache_dir())
        files = (ModelFile(str(path), sha, path.stat().st_size),)
        fmt = "gguf"
        quant = _gguf_quantization(path)
        adds_bos = _gguf_adds_bos(path)  # the file's flag, as llama.cpp reads it: the same ids on both backends
    else:
        folder = path
        weights = sorted(path.glob("*.safetensors"))
        files = _hash_files(weights + [path / "config.json"])
        fmt = "safetensors"
    tok = AutoTokenizer.from_pretrained(str(folder), trust_remote_code=False)
    if not getattr(tok, "is_fast", False):
        raise ValueError(f"The tokenizer in {folder} cannot report character offsets (no fast tokenizer).")
    model = AutoModelForCausalLM.from_pretrained(
        str(folder), dtype=torch_dtype, use_safetensors=True, trust_remote_code=False
    )
    model = model.to(dev)  # type: ignore[arg-type]
    model.eval()
    name = name or (path.stem if fmt == "gguf" else path.name)
    info = ModelInfo(
        name=name,
        path=str(path),
        format=fmt,
        backend="transformers",
        parameters=int(sum(p.numel() for p in model.parameters())),
        quantization=quant,
        files=files,
        device=dev,
        dtype=str(torch_dtype).removeprefix("torch."),
        tokenizer=type(tok).__name__,
    )
    return TransformersBackend(model, tok, info, time.perf_counter() - t0, adds_bos=adds_bos)


def _is_gguf(path: Path) -> bool:
    """GGUF by content (Ollama blobs have no extension)."""
    if not path.is_file():
        return False
    with path.open("rb") as f:
        return f.read(4) == b"GGUF"


def _gguf_adds_bos(path: Path) -> bool | None:
    from core.model.gguf import read_gguf_header

    return read_gguf_header(path).adds_bos


def _gguf_quantization(path: Path) -> str | None:
    try:
        from core.model.gguf import read_gguf_header

        return read_gguf_header(path).quantization
    except Exception:  # noqa: BLE001 - the name is informative only; loading already succeeded
        return None
