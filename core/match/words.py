"""Words as the match compares them: where they are, their normalized form, ids, and n-gram hashes.

A word is a run of letters and digits; words are compared NFKC-normalized and casefolded, so
punctuation, capitals and spacing never decide a match. Word ids come from one vocabulary per index;
n-grams of ids are hashed to 64 bits so an index is one sorted numpy array.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import numpy as np
import numpy.typing as npt

WORD = re.compile(r"[^\W_]+")
"""A word: a run of letters and digits. Punctuation, underscores and spacing separate words."""

_MUL = np.uint64(0x9E3779B97F4A7C15)
"""Odd 64-bit multiplier of the polynomial n-gram hash (arithmetic wraps modulo 2**64)."""

IdArray = npt.NDArray[np.unsignedinteger[Any]]
WordOffsets = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]
"""Start and end character offsets of each word of a text."""


def word_spans(text: str) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Start and end character offsets of every word of `text`."""
    found = [(m.start(), m.end()) for m in WORD.finditer(text)]
    arr = np.array(found, dtype=np.int64).reshape(-1, 2)
    return arr[:, 0], arr[:, 1]


def normalize_word(word: str) -> str:
    """The form words are compared in: NFKC, casefolded."""
    return unicodedata.normalize("NFKC", word).casefold()


class Vocabulary:
    """Normalized word -> id (from 1), with a cache of raw spellings so each is normalized once."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self._raw: dict[str, int] = {}

    def encode(self, text: str, *, grow: bool = True) -> IdArray:
        """Word ids of `text`; with grow=False a word no manuscript has gets an id no index entry carries."""
        words = WORD.findall(text)
        raw, ids = self._raw, self.ids
        extra: dict[str, int] = {}
        unseen: dict[str, int] = {}
        for w in set(words).difference(raw):  # each new spelling is normalized once, in C-speed set code
            norm = normalize_word(w)
            i = ids.get(norm)
            if i is None and grow:
                i = ids[norm] = len(ids) + 1
            if i is not None:
                raw[w] = i
            else:
                extra[w] = unseen.setdefault(norm, 2**40 + len(unseen))
        if extra:
            return np.array([raw.get(w) or extra[w] for w in words], dtype=np.uint64)
        return np.fromiter(map(raw.__getitem__, words), dtype=np.uint64, count=len(words))


def gram_hashes(ids: IdArray, n: int) -> IdArray:
    """Polynomial hash of every run of `n` consecutive word ids (modulo 2**64)."""
    count = len(ids) - n + 1
    if count <= 0:
        return np.zeros(0, dtype=np.uint64)
    ids = ids.astype(np.uint64, copy=False)
    h = np.zeros(count, dtype=np.uint64)
    for k in range(n):
        h = h * _MUL + ids[k : k + count]
    return h
