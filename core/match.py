"""The other direction: find where a text a model produced replicates one of the author's manuscripts.

A word n-gram index over every manuscript finds seeds fast; seeds on nearly the same diagonal are
chained into candidate spans, extended word by word while the words agree, and each candidate is
aligned word by word with rapidfuzz (Levenshtein opcodes, Indel similarity). Words are compared
normalized: NFKC, casefolded, punctuation and spacing ignored, so "Let there be light:" and
"let there be light" are the same four words. A span is kept when it is long enough and similar enough
(see MatchSettings); its edit operations say exactly which words differ, for the GUI and the PDF.

Plain Python and numpy: the index is one sorted array of 64-bit n-gram hashes, so a query is a
binary search per n-gram of the output, whatever the size of the back list.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import platform
import re
import sys
import time
import unicodedata
from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz.distance import Indel, Levenshtein

import core
from core.ingest import Document, IngestError, Location, load_document
from core.paths import MANUSCRIPT_SUFFIXES
from core.report.atomic import atomic_path

SCHEMA = "verbatim.match/1"
INDEX_SCHEMA = "verbatim.match-index/1"
"""The index cache: numpy arrays and one JSON record in an .npz (no pickle, so a cache file runs no code)."""

SUFFIXES = frozenset(MANUSCRIPT_SUFFIXES)
"""Files a folder given with --against contributes (the formats core.ingest reads)."""

_WORD = re.compile(r"[^\W_]+")
"""A word: a run of letters and digits. Punctuation, underscores and spacing separate words."""

_MUL = np.uint64(0x9E3779B97F4A7C15)
"""Odd 64-bit multiplier of the polynomial n-gram hash (arithmetic wraps modulo 2**64)."""

IdArray = npt.NDArray[np.unsignedinteger[Any]]


@dataclass(frozen=True)
class MatchSettings:
    """How output text is matched against manuscripts. Every field is written into the JSON."""

    ngram_words: int = 5
    """Seed length: a shared run of this many normalized words marks a place worth aligning. Five words
    rarely repeat by chance outside stock phrases, and one changed word only hides the five seeds that
    contain it, so near-verbatim copies still seed."""

    min_words: int = 20
    """A span must cover at least this many words of the output. Twenty words is about two sentences
    (about 26 tokens), between the scan's inconclusive (16) and memorized (32 tokens) thresholds, and
    twice the longest span unrelated texts share: every Shakespeare scene against the whole KJV gives
    1,691 spans of 5 or more words, 3 of 8 or more, 1 of 10 and none longer (bench/bench_match.py)."""

    min_similarity: float = 90.0
    """A span's words must agree at least this much (0-100, normalized Indel similarity of the two word
    sequences): 90 allows about one changed word in ten."""

    max_gap_words: int = 12
    """Seeds at most this many words apart in the output are chained into one span; a changed word
    leaves a gap of n-gram length + 1, so 12 bridges two nearby changes."""

    max_shift_words: int = 3
    """Chained seeds may shift by at most this many words between output and manuscript (words added
    or left out)."""

    edge_words: int = 2
    """At a span's ends, a changed word is taken in when at least this many agreeing words follow it:
    seeds of n words cannot reach a change fewer than n words from an end. The span's similarity must
    still hold."""

    max_seed_hits: int = 1000
    """An n-gram found more often than this across all manuscripts is too common to seed a span (stock
    phrases); its neighbours still do."""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready mapping of every setting."""
        return dataclasses.asdict(self)

    def validate(self) -> None:
        """Raise ValueError with one sentence when settings cannot work together."""
        if self.ngram_words < 1:
            raise ValueError("ngram_words must be at least 1.")
        if self.min_words < self.ngram_words:
            raise ValueError("min_words must be at least ngram_words.")
        if not 0.0 <= self.min_similarity <= 100.0:
            raise ValueError("min_similarity must be between 0 and 100.")
        if self.max_gap_words < 1 or self.max_shift_words < 0 or self.max_seed_hits < 1 or self.edge_words < 1:
            raise ValueError(
                "max_gap_words, max_seed_hits and edge_words must be at least 1, max_shift_words at least 0."
            )


@dataclass(frozen=True)
class EditOp:
    """One difference inside a span. Offsets are characters of the output and of the manuscript text."""

    kind: str
    """"replace" (words changed), "output_only" (words the output added) or "manuscript_only" (words of
    the manuscript the output left out). An empty range marks where the missing words would go."""
    output_start: int
    output_end: int
    manuscript_start: int
    manuscript_end: int


@dataclass(frozen=True)
class MatchSpan:
    """A stretch of the output that replicates a stretch of one manuscript."""

    manuscript: str
    """Path of the manuscript, as given."""
    manuscript_sha256: str
    output_start: int
    """Character offsets of the span in the output text."""
    output_end: int
    manuscript_start: int
    """Character offsets of the span in the manuscript's normalized text (as `verbatim extract` prints)."""
    manuscript_end: int
    location: str
    """Where in the manuscript ("chapter 2", "page 3"), when its format records it; else ""."""
    words: int
    """Words of the output in the span."""
    manuscript_words: int
    verbatim_words: int
    """The longest run of words the output reproduces exactly (normalized)."""
    similarity: float
    """Normalized Indel similarity of the two word sequences, 0-100."""
    output_text: str
    manuscript_text: str
    edits: tuple[EditOp, ...] = ()
    """Every difference, in order; none for a verbatim span."""


@dataclass(frozen=True)
class ManuscriptRecord:
    """A manuscript searched, with the hashes that identify it."""

    path: str
    sha256: str
    """SHA-256 of the file as read from disk."""
    size_bytes: int
    format: str
    text_sha256: str
    """SHA-256 of the normalized text (UTF-8) that was searched."""
    characters: int
    words: int


@dataclass(frozen=True)
class OutputRecord:
    """The text the model produced, as checked."""

    source: str
    """The file it was read from, "-" for standard input, or "pasted"."""
    sha256: str
    """SHA-256 of the file's bytes (of the text's UTF-8 when it was not read from a file)."""
    text_sha256: str
    characters: int
    words: int
    text: str


@dataclass(frozen=True)
class MatchResult:
    """Everything a match produced: the inputs, the spans, and how."""

    output: OutputRecord
    manuscripts: tuple[ManuscriptRecord, ...]
    spans: tuple[MatchSpan, ...]
    settings: MatchSettings
    skipped: tuple[tuple[str, str], ...] = ()
    """Files in a folder that could not be read: (path, the reason in one sentence)."""
    provenance: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, schema "verbatim.match/1"."""
        return {
            "schema": SCHEMA,
            "output": dataclasses.asdict(self.output),
            "manuscripts": [dataclasses.asdict(m) for m in self.manuscripts],
            "skipped": [{"path": p, "reason": r} for p, r in self.skipped],
            "spans": [dataclasses.asdict(s) for s in self.spans],
            "summary": self.summary(),
            "settings": self.settings.to_dict(),
            "provenance": dict(self.provenance),
        }

    def summary(self) -> dict[str, Any]:
        """Counts a reader wants first: spans, manuscripts hit, output words covered."""
        covered = _covered([(s.output_start, s.output_end) for s in self.spans])
        return {
            "spans": len(self.spans),
            "manuscripts_matched": len({s.manuscript for s in self.spans}),
            "longest_span_words": max((s.words for s in self.spans), default=0),
            "longest_verbatim_words": max((s.verbatim_words for s in self.spans), default=0),
            "output_characters_covered": covered,
            "output_share_covered": covered / self.output.characters if self.output.characters else 0.0,
        }


def _covered(ranges: Iterable[tuple[int, int]]) -> int:
    total, end = 0, -1
    for a, b in sorted(ranges):
        if b > end:
            total += b - max(a, end)
            end = b
    return total


# --- words ------------------------------------------------------------------------------------------


def word_spans(text: str) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Start and end character offsets of every word of `text`."""
    found = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    arr = np.array(found, dtype=np.int64).reshape(-1, 2)
    return arr[:, 0], arr[:, 1]


def normalize_word(word: str) -> str:
    """The form words are compared in: NFKC, casefolded."""
    return unicodedata.normalize("NFKC", word).casefold()


class _Vocabulary:
    """Normalized word -> id (from 1), with a cache of raw spellings so each is normalized once."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self._raw: dict[str, int] = {}

    def encode(self, text: str, *, grow: bool = True) -> IdArray:
        """Word ids of `text`; with grow=False a word no manuscript has gets an id no index entry carries."""
        words = _WORD.findall(text)
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


# --- the index ----------------------------------------------------------------------------------------


@dataclass
class _Chain:
    j0: int
    m0: int
    j1: int
    m1: int
    seeds: list[tuple[int, int]]


class MatchIndex:
    """Every manuscript's word n-grams in one sorted array; build once, query with any output."""

    def __init__(self, documents: Sequence[Document], settings: MatchSettings | None = None) -> None:
        self.settings = settings or MatchSettings()
        self.settings.validate()
        started = time.perf_counter()
        self.documents = tuple(documents)
        self._vocab = _Vocabulary()
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
        self._spans_cache: dict[int, tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]] = {}
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
        index._vocab = _Vocabulary()
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

    def _doc_spans(self, doc: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
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

    def _chains(self, seeds: list[tuple[int, int]]) -> list[_Chain]:
        gap, shift = self.settings.max_gap_words, self.settings.max_shift_words
        chains: list[_Chain] = []
        active: dict[int, list[_Chain]] = {}
        for j, m in sorted(seeds):
            d = m - j
            best: _Chain | None = None
            for dd in sorted(range(d - shift, d + shift + 1), key=lambda x: abs(x - d)):
                for c in active.get(dd, ()):
                    if 0 < j - c.j1 <= gap and m > c.m1:
                        best = c
                        break
                if best is not None:
                    active[dd].remove(best)
                    break
            if best is None:
                best = _Chain(j, m, j, m, [])
                chains.append(best)
            best.j1, best.m1 = j, m
            best.seeds.append((j, m))
            active.setdefault(d, []).append(best)
        return chains

    def match(self, text: str) -> tuple[MatchSpan, ...]:
        """Every span of `text` that replicates a manuscript, in output order."""
        s = self.settings
        out_ids = self._vocab.encode(text, grow=False)
        if len(out_ids) < s.min_words:
            return ()
        o_starts, o_ends = word_spans(text)
        found: list[MatchSpan] = []
        for doc, seeds in sorted(self.seeds(out_ids).items()):
            spans: list[MatchSpan] = []
            pending = [c.seeds for c in self._chains(seeds)]
            while pending:
                chain = pending.pop()
                span = self._align(doc, chain, text, out_ids, o_starts, o_ends)
                if span is not None:
                    spans.append(span)
                elif len(chain) > 1 and chain[-1][0] - chain[0][0] + s.ngram_words >= s.min_words:
                    # Too dissimilar as a whole: split at the widest gap between seeds and try each side.
                    gaps = [b[0] - a[0] for a, b in zip(chain, chain[1:], strict=False)]
                    cut = gaps.index(max(gaps)) + 1
                    pending += [chain[:cut], chain[cut:]]
            found += _best_per_region(spans)
        return tuple(sorted(found, key=lambda x: (x.output_start, -x.similarity, x.manuscript)))

    def _align(
        self,
        doc: int,
        chain: list[tuple[int, int]],
        text: str,
        out_ids: IdArray,
        o_starts: npt.NDArray[np.int64],
        o_ends: npt.NDArray[np.int64],
    ) -> MatchSpan | None:
        s = self.settings
        n = s.ngram_words
        ids = self._ids[doc]
        j0, m0 = chain[0]
        j1, m1 = chain[-1][0] + n, chain[-1][1] + n
        j0, m0 = _extend(out_ids, ids, j0, m0, -1, s.edge_words)
        j1, m1 = _extend(out_ids, ids, j1, m1, 1, s.edge_words)
        if j1 - j0 < s.min_words:
            return None
        a, b = out_ids[j0:j1].tolist(), ids[m0:m1].tolist()
        similarity = 100.0 * Indel.normalized_similarity(a, b)
        if similarity < s.min_similarity:
            return None
        d_starts, d_ends = self._doc_spans(doc)
        edits: list[EditOp] = []
        longest = 0
        for op in Levenshtein.opcodes(a, b):
            if op.tag == "equal":
                longest = max(longest, op.src_end - op.src_start)
                continue
            kind = {"replace": "replace", "delete": "output_only", "insert": "manuscript_only"}[op.tag]
            edits.append(
                EditOp(
                    kind,
                    *_char_range(o_starts, o_ends, j0 + op.src_start, j0 + op.src_end),
                    *_char_range(d_starts, d_ends, m0 + op.dest_start, m0 + op.dest_end),
                )
            )
        document = self.documents[doc]
        o_a, o_b = int(o_starts[j0]), int(o_ends[j1 - 1])
        m_a, m_b = int(d_starts[m0]), int(d_ends[m1 - 1])
        return MatchSpan(
            manuscript=document.path,
            manuscript_sha256=document.sha256,
            output_start=o_a,
            output_end=o_b,
            manuscript_start=m_a,
            manuscript_end=m_b,
            location=_location(document, m_a),
            words=j1 - j0,
            manuscript_words=m1 - m0,
            verbatim_words=longest,
            similarity=round(similarity, 2),
            output_text=text[o_a:o_b],
            manuscript_text=document.text[m_a:m_b],
            edits=tuple(edits),
        )


def _extend(a: IdArray, b: IdArray, i: int, j: int, step: int, after: int) -> tuple[int, int]:
    """Move a span's edge outwards while words agree, and past a changed word `after` agreeing words follow.

    (i, j) is the edge in `a` and `b`: going forward (step 1) the first words outside are a[i] and b[j],
    going back (step -1) a[i-1] and b[j-1].
    """
    la, lb = len(a), len(b)

    def agree(k0: int, k1: int) -> bool:
        for k in range(k0, k1):
            x, y = (i + k, j + k) if step > 0 else (i - 1 - k, j - 1 - k)
            if not (0 <= x < la and 0 <= y < lb) or a[x] != b[y]:
                return False
        return True

    while True:
        if agree(0, 1):
            i, j = i + step, j + step
        elif agree(1, 1 + after):
            i, j = i + step * (1 + after), j + step * (1 + after)
        else:
            return i, j


def _char_range(
    starts: npt.NDArray[np.int64], ends: npt.NDArray[np.int64], w0: int, w1: int
) -> tuple[int, int]:
    """Characters of words w0..w1-1; for no words, the point where they would be (a gap's start)."""
    if w1 > w0:
        return int(starts[w0]), int(ends[w1 - 1])
    point = int(ends[w0 - 1]) if w0 > 0 else int(starts[0])
    return point, point


def _best_per_region(spans: list[MatchSpan]) -> list[MatchSpan]:
    """Within one manuscript, drop a span whose output stretch mostly lies inside a stronger span's."""
    kept: list[MatchSpan] = []
    for sp in sorted(spans, key=lambda x: (-x.words * x.similarity, x.output_start, x.manuscript_start)):
        length = sp.output_end - sp.output_start
        if all(
            min(sp.output_end, k.output_end) - max(sp.output_start, k.output_start) < length / 2 for k in kept
        ):
            kept.append(sp)
    return kept


def _location(doc: Document, offset: int) -> str:
    for loc in doc.locations:
        if loc.start_char <= offset < loc.end_char:
            return loc.label
    return ""


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


# --- inputs -----------------------------------------------------------------------------------------


def manuscripts_in(paths: Iterable[str | Path]) -> list[tuple[Path, bool]]:
    """Each named file, and the supported files inside each named folder (recursively, hidden skipped).

    The flag is True for files found in a folder: one of those that cannot be read is skipped with a
    note, while a file named on its own that cannot be read is an error.
    """
    out: list[tuple[Path, bool]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not found:
                raise ValueError(f"{path} contains no manuscripts ({', '.join(sorted(SUFFIXES))}).")
            out += [(p, True) for p in found]
        elif path.exists():
            out.append((path, False))
        else:
            raise FileNotFoundError(2, "No such file", str(path))
    if not out:
        raise ValueError("no manuscripts were given.")
    return out


def load_manuscripts(
    paths: Iterable[str | Path],
) -> Generator[str, None, tuple[list[Document], list[tuple[str, str]]]]:
    """Read every manuscript (yielding its name first); returns the documents and the skipped files."""
    docs: list[Document] = []
    skipped: list[tuple[str, str]] = []
    for path, in_folder in manuscripts_in(paths):
        yield path.name
        try:
            docs.append(load_document(path))
        except IngestError as exc:
            if not in_folder:
                raise
            skipped.append((str(path), str(exc)))
    if not docs:
        raise ValueError("none of the manuscripts could be read.")
    return docs, skipped


def output_record(text: str, source: str = "pasted", raw: bytes | None = None) -> OutputRecord:
    """Describe the output text; `raw` is the file's bytes when it was read from one."""
    if not text.strip():
        raise ValueError("the output text is empty.")
    encoded = text.encode("utf-8")
    return OutputRecord(
        source=source,
        sha256=hashlib.sha256(raw if raw is not None else encoded).hexdigest(),
        text_sha256=hashlib.sha256(encoded).hexdigest(),
        characters=len(text),
        words=len(_WORD.findall(text)),
        text=text,
    )


def read_output(path: str | Path) -> OutputRecord:
    """Read the output text from a file in any format core.ingest reads; IngestError on bad input."""
    return output_from_document(load_document(path), str(path))


def output_from_document(doc: Document, source: str) -> OutputRecord:
    """The output as read from a file by ingest (in this process or an isolated worker)."""
    return OutputRecord(
        source=source,
        sha256=doc.sha256,
        text_sha256=doc.text_sha256,
        characters=len(doc.text),
        words=len(_WORD.findall(doc.text)),
        text=doc.text,
    )


def _manuscript_record(doc: Document, words: int) -> ManuscriptRecord:
    return ManuscriptRecord(
        path=doc.path,
        sha256=doc.sha256,
        size_bytes=doc.size_bytes,
        format=doc.format,
        text_sha256=doc.text_sha256,
        characters=len(doc.text),
        words=words,
    )


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def provenance(**timings: float) -> dict[str, Any]:
    """Tool and component versions, platform, the UTC time, and the timings given."""
    from core.scan.provenance import git_commit

    return {
        "tool": "verbatim",
        "tool_version": core.__version__,
        "tool_commit": git_commit(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "machine": platform.machine(),
        "components": {d: v for d in ("numpy", "rapidfuzz") if (v := _version(d))},
        "matched_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "timings": {k: round(v, 4) for k, v in timings.items()},
    }


def match_with_index(
    index: MatchIndex,
    output: OutputRecord,
    skipped: Sequence[tuple[str, str]] = (),
    read_s: float = 0.0,
) -> MatchResult:
    """Match an output against a built index and record everything as a MatchResult."""
    started = time.perf_counter()
    spans = index.match(output.text)
    match_s = time.perf_counter() - started
    return MatchResult(
        output=output,
        manuscripts=tuple(
            _manuscript_record(d, index.words_of(i)) for i, d in enumerate(index.documents)
        ),
        spans=spans,
        settings=index.settings,
        skipped=tuple(skipped),
        provenance=provenance(read_s=read_s, index_s=index.build_s, match_s=match_s),
    )


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def cached_index(
    against: Sequence[str | Path], settings: MatchSettings, cache: str | Path
) -> tuple[MatchIndex, tuple[tuple[str, str], ...]] | None:
    """The index saved in `cache` when it holds exactly these files, unchanged (by SHA-256); else None.

    A file at `cache` that is not a match index is an error (it is never overwritten).
    """
    if not Path(cache).exists():
        return None
    try:
        index, meta = MatchIndex.load(cache, settings)
    except ValueError as exc:
        if "n-gram length" in str(exc):
            return None
        raise ValueError(f"{cache} exists and is not a Verbatim match index; name another file.") from exc
    have = {d.path: d.sha256 for d in index.documents}
    skipped = {str(p): (str(sha), str(reason)) for p, sha, reason in meta.get("skipped", [])}
    have.update({p: sha for p, (sha, _) in skipped.items()})
    want = {}
    for path, _ in manuscripts_in(against):
        try:
            want[str(path.resolve())] = _file_sha256(path)
        except OSError:
            return None
    if want != have:
        return None
    return index, tuple((p, reason) for p, (_, reason) in skipped.items())


def run_match(
    output: OutputRecord,
    against: Sequence[str | Path],
    settings: MatchSettings | None = None,
    cache: str | Path | None = None,
) -> Generator[str, None, MatchResult]:
    """Read the manuscripts, index them and match: yields what it is doing, returns the result.

    With `cache`, an index saved there for the same files (same SHA-256) is used instead of reading
    and indexing them, and a fresh index is saved there otherwise.
    """
    settings = settings or MatchSettings()
    settings.validate()
    started = time.perf_counter()
    found = cached_index(against, settings, cache) if cache is not None else None
    if found is not None:
        index, skipped = found
        read_s = time.perf_counter() - started
    else:
        docs, skipped_list = yield from load_manuscripts(against)
        skipped = tuple(skipped_list)
        read_s = time.perf_counter() - started
        yield f"Indexing {len(docs)} manuscripts"
        index = MatchIndex(docs, settings)
        if cache is not None:
            index.save(cache, [(p, _file_sha256(Path(p)), r) for p, r in skipped])
    yield "Matching"
    result = match_with_index(index, output, skipped, read_s)
    if cache is not None:
        result.provenance["index_cache"] = {"path": str(cache), "reused": found is not None}
    return result


def difference_ranges(span: MatchSpan) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The words that differ, as character ranges inside `output_text` and inside `manuscript_text`."""
    out = [(e.output_start - span.output_start, e.output_end - span.output_start)
           for e in span.edits if e.output_end > e.output_start]
    ms = [(e.manuscript_start - span.manuscript_start, e.manuscript_end - span.manuscript_start)
          for e in span.edits if e.manuscript_end > e.manuscript_start]
    return out, ms
