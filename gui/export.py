"""Save a ScanResult as PDF, JSON or a CSV of passages; the writer is chosen by the file's suffix.

PDF and JSON come from their owners (gui.report_pdf, core.report.jsonio) and are imported when used,
so a build without them says so in one sentence instead of failing at start-up.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from core.ingest.document import Location
from core.results import ScanResult

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from core.catalogue import PairResult

CSV_FIELDS = (
    "start_char",
    "end_char",
    "start_token",
    "end_token",
    "verbatim_tokens",
    "near_verbatim_tokens",
    "near_verbatim_edits",
    "similarity",
    "longest_common_chars",
    "p_extract",
    "p_extract_untruncated",
    "matched_suffix_tokens",
    "exact_suffix_match",
    "fragile_positions",
    "common_phrase",
    "common_phrase_reason",
    "prompt",
    "original",
    "generated",
)
FILTERS = "PDF report (*.pdf);;JSON data (*.json);;Passages as CSV (*.csv)"


class ExportUnavailable(RuntimeError):
    """The build lacks the writer for the requested format; the message is for the user."""


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write to a temp file in the same folder, fsync, rename: an existing file is never half-written."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def passages_csv(result: ScanResult) -> str:
    """The passages as CSV text, one row each, with a header."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for p in result.passages:
        writer.writerow([getattr(p, name) for name in CSV_FIELDS])
    return buf.getvalue()


def write_passages_csv(result: ScanResult, path: str | Path) -> None:
    """Write the passages CSV atomically (UTF-8 with BOM so spreadsheet programs read accents right)."""
    atomic_write_bytes(path, passages_csv(result).encode("utf-8-sig"))


def export_result(
    result: ScanResult,
    path: str | Path,
    comparisons: Sequence[ScanResult] = (),
    locations: Sequence[Location] = (),
    provisional: bool = False,
) -> str:
    """Write `result` to `path` in the format its suffix names; returns "pdf", "json" or "csv".

    `comparisons`: the same manuscript scanned with other models, for the PDF's "Several models" section.
    `locations`: the manuscript Document's, so the PDF cites passages by page or chapter as the app does.
    `provisional`: the controls are still running; the PDF names the verdict provisional.
    """
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        write_passages_csv(result, path)
        return "csv"
    if suffix == ".json":
        try:
            from core.report.jsonio import write_json
        except ImportError as exc:
            raise ExportUnavailable("JSON export is not available in this build.") from exc
        write_json(result, path)
        return "json"
    if suffix == ".pdf":
        try:
            from gui.report_pdf import export_report
        except ImportError as exc:
            raise ExportUnavailable("PDF export is not available in this build.") from exc
        export_report(result, path, comparisons=comparisons, locations=locations, provisional=provisional)
        return "pdf"
    raise ExportUnavailable(f"Cannot export to '{suffix or Path(path).name}': choose .pdf, .json or .csv.")


def save_result(
    result: ScanResult,
    path: str,
    *,
    comparisons: Sequence[ScanResult],
    locations: Sequence[Location],
    provisional: bool = False,
) -> str:
    """Export `result` to `path` (format by suffix); "" when saved, else why not in one sentence."""
    from gui.worker import describe_error

    try:
        export_result(result, path, comparisons=comparisons, locations=locations, provisional=provisional)
    except ExportUnavailable as exc:
        return str(exc)
    except Exception as exc:  # noqa: BLE001 - disk full, permissions: one sentence, window stays
        return f"Could not save {Path(path).name}: {describe_error(exc)}"
    return ""


def comparisons_for(rows: Iterable[PairResult], result: ScanResult) -> list[ScanResult]:
    """The results among a several-model run's `rows` for the same manuscript (for the PDF's section).

    Rows without a result file, and files that cannot be read, are left out.
    """
    from core.report.jsonio import ResultFormatError, read_json

    out = []
    for row in rows:
        if not row.json_path:
            continue
        try:
            other = read_json(row.json_path)
        except (OSError, ResultFormatError):
            continue
        if other.manuscript.sha256 == result.manuscript.sha256:
            out.append(other)
    return out


def export_path(parent: QWidget, result: ScanResult) -> str | None:
    """Ask where to save `result`; the chosen filter's suffix is added when the name has none."""
    from PySide6.QtWidgets import QFileDialog

    stem = Path(result.manuscript.path).stem or "verbatim-report"
    path, selected = QFileDialog.getSaveFileName(parent, "Export result", f"{stem}-verbatim.pdf", FILTERS)
    if not path:
        return None
    if not Path(path).suffix:
        path += ".json" if "json" in selected.lower() else ".csv" if "csv" in selected.lower() else ".pdf"
    return path
