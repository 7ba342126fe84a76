"""llama.cpp backend: GGUF files scored at their native quantization through llama-cpp-python.

Loads in about a second where transformers first dequantizes the whole GGUF. Every window is
evaluated with `logits_all`, and the statistics (core.model.logits.numpy_stats) are computed from an fp32
log-softmax over llama.cpp's logits in bounded numpy slices. Generation is an explicit argmax loop,
so it is exactly the greedy decoding that teacher forcing predicts (up to llama.cpp's numerics); both
take the first maximum of the raw logits, the lowest token id on an exact tie. A BOS goes before a text
only when the GGUF's tokenizer adds one (`llama_vocab_get_add_bos`, from tokenizer.ggml.add_bos_token),
as the transformers backend decides from the same file.
Memory: llama-cpp-python keeps an (n_ctx, vocab) fp32 logits array, so n_ctx is kept to what the
scan needs (about 2 GB for Gemma's 262k vocabulary at n_ctx 2048; 0.4 GB for SmolLM2).
"""

from __future__ import annotations

import ctypes
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from core.model.backend import BaseBackend, IntArray, Tokens, WindowScores
from core.model.logits import LOGIT_ELEMENTS, numpy_stats, to_window_scores
from core.results import ModelFile, ModelInfo

DEFAULT_N_CTX = 2048


class LlamaCppBackend(BaseBackend):
    """A GGUF model run by llama.cpp on the CPU, one window at a time."""

    def __init__(self, llm: Any, info: ModelInfo, load_seconds: float) -> None:
        self.llm = llm
        self.info = info
        self.load_seconds = load_seconds
        self._vocab = llm._model.vocab  # llama_vocab pointer; the wrapper's token_to_piece pads with NULs
        bos = int(llm.token_bos())
        # The BOS the tokenizer puts before a text: defined (>= 0) and added (llama_vocab_get_add_bos).
        self._bos = bos if bos >= 0 and self.adds_bos else None
        self._n_vocab = int(llm.n_vocab())
        self._pieces: dict[tuple[int, bool], bytes] = {}

    @property
    def bos_id(self) -> int | None:
        return self._bos

    @property
    def adds_bos(self) -> bool:
        """Whether the model's own tokenizer puts BOS before a text (llama.cpp servers and Ollama then do)."""
        return bool(self.llm._model.add_bos_token())

    @property
    def decoding(self) -> dict[str, Any]:
        """The effective decoding, as a report states it (provenance["decoding"])."""
        return {
            "method": "argmax loop (llama.cpp, fp32 KV cache)",
            "ties": "lowest token id",
            "output_head": f"llama.cpp ({self.info.quantization or 'native'} weights, fp32 logits)",
            "stop_token_ids": "end-of-generation tokens (llama_vocab_is_eog)",
            "bos_token_id": self._bos,
        }

    @property
    def n_ctx(self) -> int:
        """Longest window (prompt plus generated tokens) this context holds."""
        return int(self.llm.n_ctx())

    # -- tokens --------------------------------------------------------------------------------
    def piece(self, token: int, special: bool = False) -> bytes:
        """The bytes one token stands for (special tokens render as b"" unless `special`)."""
        key = (int(token), special)
        cached = self._pieces.get(key)
        if cached is not None:
            return cached
        import llama_cpp

        size = 64
        while True:
            buf = ctypes.create_string_buffer(size)
            n = int(llama_cpp.llama_token_to_piece(self._vocab, int(token), buf, size, 0, special))
            if n >= 0:
                break
            size = -n
        out = buf.raw[:n]
        self._pieces[key] = out
        return out

    def tokenize(self, text: str) -> Tokens:
        data = text.encode("utf-8")
        ids = np.asarray(self.llm.tokenize(data, add_bos=False, special=False), dtype=np.int64)
        pieces = [self.piece(int(t)) for t in ids]
        return Tokens(ids=ids, offsets=offsets_from_pieces(pieces, text))

    def decode(self, ids: IntArray | list[int]) -> str:
        return b"".join(self.piece(int(i)) for i in ids).decode("utf-8", errors="replace")

    def tokenize_chat(self, text: str) -> list[int]:
        """A prompt rendered by the chat template: its special tokens become their ids; no BOS is added."""
        return [int(t) for t in self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)]

    def special_token_text(self) -> dict[str, str]:
        """The BOS and EOS tokens' text, as chat templates write them ("" when undefined)."""
        out = {}
        for key, token in (("bos_token", int(self.llm.token_bos())), ("eos_token", int(self.llm.token_eos()))):
            out[key] = self.piece(token, special=True).decode("utf-8", errors="replace") if token >= 0 else ""
        return out

    def decode_special(self, ids: IntArray | list[int]) -> str:
        """Like decode, with special tokens (BOS, ...) written as their text, for servers taking text prompts."""
        return b"".join(self.piece(int(i), special=True) for i in ids).decode("utf-8", errors="replace")

    # -- scoring -------------------------------------------------------------------------------
    def _eval(self, ids: IntArray) -> None:
        if ids.shape[0] > self.n_ctx:
            raise ValueError(f"A window of {ids.shape[0]} tokens exceeds the llama.cpp context of {self.n_ctx}; "
                             "use a smaller --chunk.")
        self.llm.reset()
        self.llm.eval([int(t) for t in ids])

    def score(self, windows: IntArray, top_k: int, first: int = 0) -> WindowScores:
        b, t = windows.shape
        step = max(1, LOGIT_ELEMENTS // max(1, self._n_vocab))
        rows: list[dict[str, npt.NDArray[Any]]] = []
        for row in range(b):
            self._eval(windows[row])
            logits = self.llm.scores  # (n_ctx, V); row c predicts token c+1
            parts = [
                numpy_stats(np.asarray(logits[s : min(t - 1, s + step)], dtype=np.float32),
                            windows[row, s + 1 : min(t, s + 1 + step)], top_k)
                for s in range(first, t - 1, step)
            ]
            rows.append({k: np.concatenate([p[k] for p in parts]) for k in parts[0]})
        cat = {k: np.stack([r[k] for r in rows]) for k in rows[0]}
        return to_window_scores(cat)

    # -- generation ----------------------------------------------------------------------------
    def generate(self, prompts: IntArray, max_new_tokens: int) -> IntArray:
        import llama_cpp

        result = np.full((prompts.shape[0], max_new_tokens), -1, dtype=np.int64)
        if max_new_tokens <= 0:
            return result
        if prompts.shape[1] + max_new_tokens > self.n_ctx:
            raise ValueError(f"A prompt of {prompts.shape[1]} tokens plus {max_new_tokens} new ones exceeds the "
                             f"llama.cpp context of {self.n_ctx}.")
        for row in range(prompts.shape[0]):
            self._eval(prompts[row])
            for j in range(max_new_tokens):
                tok = greedy_token(self.llm.scores[self.llm.n_tokens - 1])
                if llama_cpp.llama_vocab_is_eog(self._vocab, tok):
                    break
                result[row, j] = tok
                if j + 1 < max_new_tokens:
                    self.llm.eval([tok])
        return result


def greedy_token(logits: npt.NDArray[np.float32]) -> int:
    """The greedy choice from one position's raw logits: the first maximum.

    So the lowest id on an exact tie (numpy's argmax), as in the teacher-forced statistics and the
    transformers backend.
    """
    return int(np.argmax(logits))


# -- offsets (pure functions, tested with plain strings) --------------------------------------------

def offsets_from_pieces(pieces: list[bytes], text: str) -> IntArray:
    """Character [start, end) of each token from the bytes each token stands for; spans tile the text.

    A token holding only part of a multi-byte character (byte-fallback tokens) owns the character when
    it holds its first byte; the tokens holding the rest get empty spans. When the pieces do not spell
    the text (a tokenizer that normalizes), the spans come from a tolerant alignment instead.
    """
    data = text.encode("utf-8")
    joined = b"".join(pieces)
    lengths = np.fromiter((len(p) for p in pieces), dtype=np.int64, count=len(pieces))
    skip = 0
    if joined != data and joined == b" " + data:  # SentencePiece's added space prefix
        skip = 1
    elif joined != data:
        return align_pieces([p.decode("utf-8", errors="ignore") for p in pieces], text)
    ends = np.cumsum(lengths) - skip
    starts = ends - lengths
    bounds = np.clip(np.stack([starts, ends], axis=1), 0, len(data))
    return _tile(byte_to_char(bounds, text), len(text))


def byte_to_char(byte_offsets: IntArray, text: str) -> IntArray:
    """Map UTF-8 byte offsets into `text` to character offsets; a boundary inside a character rounds up."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    widths = 1 + (codes >= 0x80).astype(np.int64) + (codes >= 0x800) + (codes >= 0x10000)
    char_starts = np.concatenate([[0], np.cumsum(widths)[:-1]]) if codes.size else np.zeros(0, dtype=np.int64)
    return np.searchsorted(char_starts, byte_offsets, side="left").astype(np.int64)


def align_pieces(pieces: list[str], text: str, lookahead: int = 32) -> IntArray:
    """Spans for token strings that may not spell the text exactly (lost bytes, stripped spaces).

    Each piece is matched at the current position, else searched a little ahead (the skipped
    characters go to the previous token); a piece that cannot be found gets an empty span.
    """
    out = np.zeros((len(pieces), 2), dtype=np.int64)
    pos = 0
    for i, piece in enumerate(pieces):
        start = pos
        if piece and not text.startswith(piece, pos):
            found = text.find(piece, pos, pos + lookahead + len(piece))
            stripped = piece.lstrip()
            if found < 0 and stripped:
                found = text.find(stripped, pos, pos + lookahead + len(stripped))
                piece = stripped
            if found < 0:
                out[i] = (pos, pos)
                continue
            if i > 0:
                out[i - 1, 1] = found
            start = found
        pos = start + len(piece)
        out[i] = (start, pos)
    return _tile(out, len(text))


def _tile(offsets: IntArray, n_chars: int) -> IntArray:
    """Each token starts where the previous ended, the last one ends at the end of the text."""
    out = offsets.copy()
    if out.shape[0] == 0:
        return out
    out[:, 1] = np.maximum.accumulate(np.minimum(out[:, 1], n_chars))
    out[0, 0] = 0
    out[1:, 0] = out[:-1, 1]
    out[-1, 1] = n_chars
    return out


# -- loading ---------------------------------------------------------------------------------------

def llama_cpp_available() -> bool:
    """Whether llama-cpp-python is installed (without importing it: its import loads a shared library)."""
    import importlib.util

    return importlib.util.find_spec("llama_cpp") is not None


def load_llamacpp(path: Path, n_ctx: int = DEFAULT_N_CTX, name: str | None = None,
                  n_threads: int | None = None) -> LlamaCppBackend:
    """Load a GGUF with llama.cpp at its native quantization (checked for safety and hashed first)."""
    from core.model.gguf import read_gguf_header
    from core.model.safety import check_model_path, sha256_file

    t0 = time.perf_counter()
    path = Path(path)
    check_model_path(path)
    header = read_gguf_header(path)
    try:
        from llama_cpp import Llama
    except ImportError as e:
        raise ValueError("llama-cpp-python is not installed; install Verbatim's `native` extra "
                         "or choose --backend transformers.") from e
    arch = header.architecture or ""
    train_ctx = header.metadata.get(f"{arch}.context_length")
    if isinstance(train_ctx, int) and not isinstance(train_ctx, bool) and train_ctx > 0:
        n_ctx = min(n_ctx, train_ctx)
    threads = n_threads or max(1, min(8, os.cpu_count() or 1))
    # An fp32 KV cache (type 0) keeps batch scoring and one-token generation within ~0.08 nats of each
    # other on SmolLM2; llama.cpp's default f16 cache let them differ by 0.26 and flip a greedy token.
    llm = Llama(model_path=str(path), logits_all=True, n_ctx=n_ctx, n_batch=512, verbose=False, seed=0,
                n_threads=threads, n_threads_batch=threads, type_k=0, type_v=0)
    sha = sha256_file(path)
    tok_model = header.metadata.get("tokenizer.ggml.model")
    info = ModelInfo(
        name=name or path.stem,
        path=str(path),
        format="gguf",
        backend="llama.cpp",
        parameters=header.parameter_count,
        quantization=header.quantization,
        files=(ModelFile(str(path), sha, path.stat().st_size),),
        device="cpu",
        dtype=header.quantization or "gguf",
        tokenizer=f"llama.cpp ({tok_model})" if isinstance(tok_model, str) else "llama.cpp",
    )
    return LlamaCppBackend(llm, info, time.perf_counter() - t0)


class _VocabOnly:
    """The part of llama_cpp.Llama that tokenizing needs, over a model loaded without its weights."""

    def __init__(self, model: Any) -> None:
        self._model = model

    def tokenize(self, text: bytes, add_bos: bool = False, special: bool = False) -> list[int]:
        return list(self._model.tokenize(text, add_bos, special))

    def token_bos(self) -> int:
        return int(self._model.token_bos())

    def n_vocab(self) -> int:
        return int(self._model.n_vocab())


def load_vocab(path: Path) -> LlamaCppBackend:
    """A tokenize/decode-only backend from a GGUF's vocabulary (no weights loaded; score and generate fail)."""
    import llama_cpp
    from llama_cpp._internals import LlamaModel

    from core.model.safety import check_model_path

    check_model_path(path)
    params = llama_cpp.llama_model_default_params()
    params.vocab_only = True
    model = LlamaModel(path_model=str(path), params=params, verbose=False)
    info = ModelInfo(name=Path(path).stem, path=str(path), format="gguf", backend="llama.cpp",
                     backend_note=" (vocabulary only)")
    return LlamaCppBackend(_VocabOnly(model), info, 0.0)
