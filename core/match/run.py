"""A whole match: read (or reuse a cached index), index, match, and record how as a MatchResult.

`run_match` is a generator that yields what it is doing and returns the result, so the CLI and the
GUI's worker drive it alike; `cached_index` reuses an index saved for exactly the same files.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Generator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.ingest import Document
from core.match.index import MatchIndex
from core.match.inputs import load_manuscripts, manuscripts_in
from core.match.results import ManuscriptRecord, MatchResult, MatchSettings, OutputRecord
from core.tool_info import tool_info


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


def provenance(**timings: float) -> dict[str, Any]:
    """Tool and component versions, platform, the UTC time, and the timings given."""
    return {
        **tool_info(("numpy", "rapidfuzz")),
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
