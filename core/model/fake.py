"""A deterministic fake backend: word tokens and an n-gram memory of the texts it "trained" on.

It lets the scan, the GUI and the report be tested fast and exactly: the fake reproduces a memorized
text verbatim after `order` words of it, and predicts a filler word everywhere else. It is a real
Backend (same protocol as transformers), never a mock of one.
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
import time

import numpy as np

from core.model.backend import BaseBackend, IntArray, Tokens, WindowScores
from core.results import ModelFile, ModelInfo

_TOKEN = re.compile(r"\s*\S+|\s+")
_P_HIT = 0.9


class FakeBackend(BaseBackend):
    """Word-level model that memorized `memorized` texts (n-gram order `order`).

    With `can_score=False` it behaves like a server that returns log-probabilities only for generated
    tokens (Ollama, llama.cpp's server): `score` refuses, and the scan must generate and compare.
    """

    def __init__(self, memorized: tuple[str, ...] = (), order: int = 3, delay_s: float = 0.0,
                 can_score: bool = True) -> None:
        self.can_score = can_score
        self._vocab: dict[str, int] = {"<bos>": 0, " the": 1}
        self._words: list[str] = ["<bos>", " the"]
        self._lock = threading.Lock()
        self.order = order
        self.delay_s = delay_s
        self._table: dict[tuple[int, ...], int] = {}
        for text in memorized:
            ids = [int(i) for i in self.tokenize(text).ids]
            for i in range(order, len(ids)):
                self._table.setdefault(tuple(ids[i - order : i]), ids[i])
        digest = hashlib.sha256("\x00".join(memorized).encode()).hexdigest()
        self.info = ModelInfo(
            name=f"fake-ngram-{order}",
            path="(built in)",
            format="fake",
            backend="fake",
            backend_note="" if can_score else ", generate-only",
            parameters=len(self._table),
            files=(ModelFile(path="(memory)", sha256=digest, size_bytes=0),),
            tokenizer="whitespace words",
        )

    @property
    def bos_id(self) -> int | None:
        return 0

    def _id(self, word: str) -> int:
        with self._lock:
            if word not in self._vocab:
                self._vocab[word] = len(self._words)
                self._words.append(word)
            return self._vocab[word]

    @property
    def vocab_size(self) -> int:
        return len(self._words)

    def tokenize(self, text: str) -> Tokens:
        ids, offsets = [], []
        for m in _TOKEN.finditer(text):
            ids.append(self._id(m.group()))
            offsets.append((m.start(), m.end()))
        return Tokens(
            ids=np.asarray(ids, dtype=np.int64), offsets=np.asarray(offsets, dtype=np.int64).reshape(-1, 2)
        )

    def decode(self, ids: IntArray | list[int]) -> str:
        return "".join(self._words[int(i)] for i in ids if int(i) != 0)

    def tokenize_chat(self, text: str) -> list[int]:
        """A rendered chat prompt: the fake has no special tokens, so its words."""
        return [int(i) for i in self.tokenize(text).ids]

    def special_token_text(self) -> dict[str, str]:
        return {"bos_token": "<bos>", "eos_token": ""}

    def _predict(self, context: list[int]) -> int:
        if len(context) >= self.order:
            hit = self._table.get(tuple(context[-self.order :]))
            if hit is not None:
                return hit
        return 1

    def score(self, windows: IntArray, top_k: int, first: int = 0) -> WindowScores:
        if not self.can_score:
            raise RuntimeError("This fake model only generates; it returns no log-probabilities of given text.")
        if self.delay_s:
            time.sleep(self.delay_s)
        b, t = windows.shape
        greedy = np.empty((b, t - 1), dtype=np.int64)
        for row in range(b):
            seq = [int(x) for x in windows[row]]
            for col in range(t - 1):
                greedy[row, col] = self._predict(seq[: col + 1])
        targets = windows[:, 1:]
        hit = greedy == targets
        v = max(self.vocab_size, 2)
        p_miss = (1.0 - _P_HIT) / (v - 1)
        logp = np.where(hit, math.log(_P_HIT), math.log(p_miss)).astype(np.float32)
        k = min(top_k, v)
        top_mass = _P_HIT + (k - 1) * p_miss
        # Ties among the non-greedy words are broken by id: the k-1 lowest ids join the top-k.
        rank_ok = hit | (targets < k)
        logp_topk = np.where(rank_ok, logp - math.log(top_mass), -np.inf).astype(np.float32)
        mean = _P_HIT * math.log(_P_HIT) + (1 - _P_HIT) * math.log(p_miss)
        var = _P_HIT * math.log(_P_HIT) ** 2 + (1 - _P_HIT) * math.log(p_miss) ** 2 - mean**2
        shape = (b, t - 1)
        return WindowScores(
            greedy=greedy,
            logp=logp,
            logp_topk=logp_topk,
            gap=np.full(shape, math.log(_P_HIT / p_miss), dtype=np.float32),
            mean_logp=np.full(shape, mean, dtype=np.float32),
            std_logp=np.full(shape, math.sqrt(max(var, 0.0)), dtype=np.float32),
        ).columns_from(first)

    def generate(self, prompts: IntArray, max_new_tokens: int) -> IntArray:
        if self.delay_s:
            time.sleep(self.delay_s)
        out = np.empty((prompts.shape[0], max_new_tokens), dtype=np.int64)
        for row in range(prompts.shape[0]):
            seq = [int(x) for x in prompts[row]]
            for j in range(max_new_tokens):
                nxt = self._predict(seq)
                out[row, j] = nxt
                seq.append(nxt)
        return out
