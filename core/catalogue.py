"""Catalogues: every manuscript against every model, one result per pair, resumable, with a matrix.

Results are written as JSON per pair into an output folder as they finish; a rerun skips a pair whose
JSON exists for the same manuscript, model and settings, so an interrupted catalogue continues.
Models are the outer loop, so each model is loaded once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from pathlib import Path

from core.ingest import load_document
from core.model.backend import Backend
from core.report.jsonio import ResultFormatError, read_json, write_json
from core.results import ScanResult
from core.scan.engine import scan
from core.scan.progress import CancelToken, ScanProgress
from core.settings import ScanSettings

SUFFIXES = {".txt", ".md", ".markdown", ".docx", ".pdf", ".epub", ".odt", ".rtf", ".html", ".htm"}


@dataclass(frozen=True)
class PairResult:
    """One manuscript x model cell of the matrix."""

    manuscript: str
    model: str
    verdict: str
    longest_verbatim_tokens: int
    verbatim_token_share: float
    coverage_1pct: float
    json_path: str
    reused: bool
    """True when an earlier run's result was reused (resume)."""
    error: str = ""


def manuscripts_in(path: Path) -> list[Path]:
    """A file, or the supported files directly inside a folder (sorted, hidden files skipped)."""
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES
                       and not p.name.startswith("."))
        if not found:
            raise ValueError(f"{path} contains no manuscripts ({', '.join(sorted(SUFFIXES))}).")
        return found
    if not path.exists():
        raise FileNotFoundError(2, "No such file", str(path))
    return [path]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:80] or "model"


def _reusable(path: Path, manuscript_sha: str, backend: Backend, settings: ScanSettings) -> ScanResult | None:
    if not path.is_file():
        return None
    try:
        old = read_json(path)
    except (OSError, ResultFormatError):
        return None
    same = (
        old.complete
        and old.manuscript.sha256 == manuscript_sha
        and old.model.sha256 == backend.info.sha256
        and old.settings == settings.to_dict()
    )
    return old if same else None


def _row(result: ScanResult, model_name: str, path: Path, reused: bool) -> PairResult:
    s = result.summary
    return PairResult(
        manuscript=Path(result.manuscript.path).name,
        model=model_name,
        verdict=s.verdict,
        longest_verbatim_tokens=s.longest_verbatim_tokens,
        verbatim_token_share=s.verbatim_token_share,
        coverage_1pct=s.coverage.get("1%", 0.0),
        json_path=str(path),
        reused=reused,
    )


def run_catalogue(
    manuscripts: Sequence[Path],
    models: Sequence[str | None],
    load: Callable[[str | None], Backend],
    out_dir: Path,
    settings: ScanSettings | None = None,
    cancel: CancelToken | None = None,
) -> Generator[ScanProgress | str, None, list[PairResult]]:
    """Scan each manuscript with each model; yields progress and status lines, returns the matrix rows."""
    settings = settings or ScanSettings()
    out_dir.mkdir(parents=True, exist_ok=True)
    rows: list[PairResult] = []
    for spec in models:
        if cancel is not None and cancel.cancelled:
            break
        backend = load(spec)
        model_name = backend.info.name
        for path in manuscripts:
            if cancel is not None and cancel.cancelled:
                break
            target = out_dir / f"{_slug(path.stem)}--{_slug(model_name)}.json"
            try:
                doc = load_document(path)
            except ValueError as exc:
                rows.append(PairResult(path.name, model_name, "error", 0, 0.0, 0.0, "", False, str(exc)))
                yield f"{path.name}: {exc}"
                continue
            old = _reusable(target, doc.sha256, backend, settings)
            if old is not None:
                rows.append(_row(old, model_name, target, reused=True))
                yield f"{path.name} x {model_name}: already done, reusing {target.name}"
                continue
            yield f"{path.name} x {model_name}: scanning"
            result = yield from scan(doc, backend, settings, cancel)
            if result.complete:
                write_json(result, target)
            rows.append(_row(result, model_name, target if result.complete else Path(""), reused=False))
    return rows


def format_matrix(rows: Sequence[PairResult]) -> str:
    """Manuscripts down, models across; each cell: verdict (longest run in tokens, coverage@1%)."""
    models = list(dict.fromkeys(r.model for r in rows))
    works = list(dict.fromkeys(r.manuscript for r in rows))
    cell = {(r.manuscript, r.model): r for r in rows}

    def show(r: PairResult | None) -> str:
        if r is None:
            return "-"
        if r.verdict == "error":
            return "error"
        return f"{r.verdict} ({r.longest_verbatim_tokens} tok, {r.coverage_1pct:.0%})"

    table = [["manuscript", *models]] + [[w, *(show(cell.get((w, m))) for m in models)] for w in works]
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in table)
