"""The match index: every manuscript's word n-grams in one sorted array, built once, saved, searched.

A query hashes each n-gram of the output and binary-searches the sorted array, whatever the size of
the back list; the seeds it finds go to core.match.align. The index and the manuscripts' texts can be
saved to an .npz (numpy arrays and one JSON record, no pickle) and loaded for the next match.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from core.atomic import atomic_path
from core.ingest import Document, Location
from core.match.align import search_manuscript
from core.match.results import MatchSettings, MatchSpan
from core.match.words import IdArray, Vocabulary, WordOffsets, gram_hashes, word_spans

INDEX_SCHEMA = "verbatim.match-index/1"
"""The index cache: numpy arrays and one JSON record in an .npz (no pickle, so a cache file runs no code)."""


class MatchIndex:
    """Every manuscript's word n-grams in one sorted array; build once, query with any output."""

    def __init__(self, documents: Sequence[Document], settings: MatchSettings | None = None) -> None:
        self.settings = settings or MatchSettings()
        self.settings.validate()
        started = time.perf_counter()
        self.documents = tuple(documents)
        self._vocab = Vocabulary()
        self._ids: list[IdArray] = [self._vocab.encode(d.text) for d in self.documents]
        n = self.settings.ngram_words
        starts = np.zeros(len(self._ids) + 1, dtype=np.int64)
        np.cumsum([len(x) for x in self._ids], out=starts[1:])
        self._doc_starts = starts
        hashes = [gram_hashes(x, n) for x in self._ids]
        all_h = np.concatenate(hashes) if hashes else np.zeros(0, dtype=np.uint64)
        # Where each n-gram starts, counted over all manuscripts; 32 bits while that fits (half the memory).
        kind = np.int32 if starts[-1] < 2**31 else np.int64
        all_p = np.concatenate(
            [np.arange(int(starts[i]), int(starts[i]) + len(h), dtype=kind) for i, h in enumerate(hashes)]
            or [np.zeros(0, dtype=kind)]
        )
        order = np.argsort(all_h, kind="stable")
        self._hashes = all_h[order]
        self._positions = all_p[order]
        self._ids = [x.astype(np.uint32) if len(self._vocab.ids) < 2**32 else x for x in self._ids]
        self._spans_cache: dict[int, WordOffsets] = {}
        self.build_s = time.perf_counter() - started

    @property
    def words(self) -> int:
        """Words indexed, over all manuscripts."""
        return int(self._doc_starts[-1])

    def words_of(self, doc: int) -> int:
        """Words of one manuscript."""
        return len(self._ids[doc])

    def save(self, path: str | Path, skipped: Sequence[tuple[str, str, str]] = ()) -> None:
        """Write the index and the manuscripts' texts to `path` (atomically) for the next match.

        `skipped`: (path, file SHA-256, reason) of files that could not be read, so they count as known.
        """
        meta = {
            "schema": INDEX_SCHEMA,
            "ngram_words": self.settings.ngram_words,
            "vocabulary": self._vocab.ids,
            "documents": [_document_dict(d) for d in self.documents],
            "skipped": [list(x) for x in skipped],
        }
        ids = np.concatenate(self._ids) if self._ids else np.zeros(0, dtype=np.uint64)
        with atomic_path(path) as tmp, open(tmp, "wb") as f:
            np.savez(
                f,
                hashes=self._hashes,
                positions=self._positions,
                doc_starts=self._doc_starts,
                ids=ids,
                meta=np.frombuffer(json.dumps(meta, ensure_ascii=False).encode("utf-8"), dtype=np.uint8),
            )

    @classmethod
    def load(cls, path: str | Path, settings: MatchSettings | None = None) -> tuple[MatchIndex, dict[str, Any]]:
        """An index saved by `save`, and its record.

        ValueError when the file is not one or was built with another n-gram length.
        """
        settings = settings or MatchSettings()
        try:
            with np.load(path, allow_pickle=False) as z:
                arrays = {k: z[k] for k in ("hashes", "positions", "doc_starts", "ids", "meta")}
            meta = json.loads(arrays["meta"].tobytes().decode("utf-8"))
        except (OSError, ValueError, KeyError) as exc:
            raise ValueError(f"{Path(path).name} is not a Verbatim match index.") from exc
        if not isinstance(meta, dict) or meta.get("schema") != INDEX_SCHEMA:
            raise ValueError(f"{Path(path).name} is not a Verbatim match index.")
        if meta.get("ngram_words") != settings.ngram_words:
            raise ValueError(f"{Path(path).name} was built with another n-gram length.")
        index = cls.__new__(cls)
        index.settings = settings
        index.documents = tuple(_document_from(d) for d in meta["documents"])
        index._vocab = Vocabulary()
        index._vocab.ids = {str(k): int(v) for k, v in meta["vocabulary"].items()}
        starts = arrays["doc_starts"].astype(np.int64)
        all_ids = arrays["ids"]
        index._ids = [all_ids[starts[i] : starts[i + 1]] for i in range(len(starts) - 1)]
        index._doc_starts = starts
        index._hashes = arrays["hashes"].astype(np.uint64)
        index._positions = arrays["positions"]
        index._spans_cache = {}
        index.build_s = 0.0
        if len(index._ids) != len(index.documents):
            raise ValueError(f"{Path(path).name} is not a Verbatim match index.")
        return index, meta

    def _doc_spans(self, doc: int) -> WordOffsets:
        spans = self._spans_cache.get(doc)
        if spans is None:
            spans = self._spans_cache[doc] = word_spans(self.documents[doc].text)
        return spans

    def seeds(self, out_ids: IdArray) -> dict[int, list[tuple[int, int]]]:
        """Per manuscript, (output word, manuscript word) where an n-gram starts in both."""
        q = gram_hashes(out_ids, self.settings.ngram_words)
        lo = np.searchsorted(self._hashes, q, side="left")
        hi = np.searchsorted(self._hashes, q, side="right")
        counts = hi - lo
        keep = np.nonzero((counts > 0) & (counts <= self.settings.max_seed_hits))[0]
        if len(keep) == 0:
            return {}
        reps = counts[keep]
        js = np.repeat(keep, reps)
        # index into the sorted arrays: lo[j] + 0..count-1 for each kept j
        offsets = np.arange(int(reps.sum())) - np.repeat(np.cumsum(reps) - reps, reps)
        gpos = self._positions[np.repeat(lo[keep], reps) + offsets].astype(np.int64)
        docs = np.searchsorted(self._doc_starts, gpos, side="right") - 1
        ms = gpos - self._doc_starts[docs]
        out: dict[int, list[tuple[int, int]]] = {}
        for d, j, m in zip(docs.tolist(), js.tolist(), ms.tolist(), strict=True):
            out.setdefault(d, []).append((j, m))
        return out

    def match(self, text: str) -> tuple[MatchSpan, ...]:
        """Every span of `text` that replicates a manuscript, in output order."""
        s = self.settings
        out_ids = self._vocab.encode(text, grow=False)
        if len(out_ids) < s.min_words:
            return ()
        out_words = word_spans(text)
        found: list[MatchSpan] = []
        for doc, seeds in sorted(self.seeds(out_ids).items()):
            found += search_manuscript(
                seeds, s, text=text, out_ids=out_ids, out_words=out_words, document=self.documents[doc],
                doc_ids=self._ids[doc], doc_words=functools.partial(self._doc_spans, doc),
            )
        return tuple(sorted(found, key=lambda x: (x.output_start, -x.similarity, x.manuscript)))


def _document_dict(doc: Document) -> dict[str, Any]:
    data = dataclasses.asdict(doc)
    data["normalizations"] = list(doc.normalizations)
    data["locations"] = [[x.start_char, x.end_char, x.label] for x in doc.locations]
    return data


def _document_from(data: dict[str, Any]) -> Document:
    data = dict(data)
    data["normalizations"] = tuple(data.get("normalizations", ()))
    data["locations"] = tuple(Location(int(a), int(b), str(c)) for a, b, c in data.get("locations", ()))
    return Document(**data)
