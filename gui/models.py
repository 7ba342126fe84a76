"""Thin Qt item models over core's frozen dataclasses (checked with pytest-qt's qtmodeltester).

Each model stores the dataclasses as they are and only decides how a cell looks; sorting uses the
raw value under SORT_ROLE, and the row's object is available under OBJECT_ROLE.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush

from core.ingest.document import Document, Location
from core.report import glossary
from core.report.cite import cite, passage_numbers
from core.results import Passage, ScanResult
from gui import style

SORT_ROLE = Qt.ItemDataRole.UserRole
OBJECT_ROLE = Qt.ItemDataRole.UserRole + 1

NOT_MEASURED = "—"
"""A figure the scan did not measure (a generate-only scan measures no probabilities)."""
NOT_MEASURED_TIP = "not measured: generate-only scan"
NOT_MEASURED_WHY = "Not measured in this scan: the model's server returns no log-probabilities of given text."

AnyIndex = QModelIndex | QPersistentModelIndex


def human_size(n: int | None) -> str:
    """Bytes as a short human size ("253 MB")."""
    if not n:
        return "—"
    size = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{size:.0f} {unit}" if unit in ("B", "KB", "MB") else f"{size:.1f} {unit}"
        size /= 1000
    return f"{n} B"  # pragma: no cover - loop always returns


def human_count(n: int | None) -> str:
    """A parameter count as 135M / 2.7B."""
    if not n:
        return "—"
    if n >= 1e9:
        return f"{n / 1e9:.1f}B"
    if n >= 1e6:
        return f"{n / 1e6:.0f}M"
    if n >= 1e3:
        return f"{n / 1e3:.0f}K"
    return str(n)


def format_probability(p: float) -> str:
    """A probability for display: plain for large values, scientific for tiny ones (as in the PDF)."""
    return glossary.probability(p)


NEVER_BY_SAMPLING = "never (top-40)"
"""A p_extract of 0 in the passage table: short for glossary.NOT_EXTRACTABLE, which its tooltip spells out."""


def _caption(key: str) -> str:
    t = glossary.term(key)
    return f"{t.caption[:1].upper()}{t.caption[1:]}."


class PassageTableModel(QAbstractTableModel):
    """Rows are core.results.Passage objects of one ScanResult; read-only."""

    COLUMNS = ("No.", "Where", "Tokens", "Similarity", "p_extract", "Common")
    TOOLTIPS = (
        "The passage's number, 1 for the strongest: the PDF report uses the same numbers.",
        "Where the passage starts, as you would cite it: page (PDF), chapter (EPUB) and paragraph.",
        _caption("verbatim_tokens"),
        _caption("similarity"),
        f"{glossary.term('p_extract').name}: {glossary.term('p_extract').caption}.",
        _caption("common_phrase"),
    )
    """Each column's caption, from core.report.glossary (the Help page and the PDF define them in full)."""

    NUMBER, WHERE, TOKENS, SIMILARITY, P_EXTRACT, COMMON = range(6)
    """Column indexes; P_EXTRACT is the one a generate-only scan does not measure."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._passages: tuple[Passage, ...] = ()
        self._numbers: dict[tuple[int, int], int] = {}
        self._places: tuple[str, ...] = ()
        self._text_length = 1
        self._measured = True

    def set_passages(
        self,
        passages: Sequence[Passage],
        text_length: int,
        *,
        measured: bool = True,
        text: str = "",
        locations: Sequence[Location] = (),
    ) -> None:
        """Replace all rows (a new result).

        `measured` False: the scan measured no probabilities (generate-only), so p_extract, which holds 0,
        shows as not measured. `text` and `locations` (the Document's) cite each passage by page, chapter
        or paragraph; without the text, the character offset is shown.
        """
        self.beginResetModel()
        self._passages = tuple(passages)
        self._numbers = passage_numbers(self._passages)
        self._places = tuple(
            cite(p.start_char, text, locations) if text else f"character {p.start_char:,}" for p in self._passages
        )
        self._text_length = max(1, text_length)
        self._measured = measured
        self.endResetModel()

    def number(self, row: int) -> int:
        """The number of the passage in `row`, as in the PDF report."""
        p = self._passages[row]
        return self._numbers[(p.start_char, p.end_char)]

    def place(self, row: int) -> str:
        """Where the passage in `row` starts, as cited ("p. 12, para. 3")."""
        return self._places[row]

    @property
    def measured(self) -> bool:
        """Whether the shown passages' p_extract was measured (False for a generate-only scan)."""
        return self._measured

    def passage(self, row: int) -> Passage:
        """The Passage shown in `row`."""
        return self._passages[row]

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        """Number of rows (a flat model: children have none)."""
        return 0 if parent.isValid() else len(self._passages)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Number of columns."""
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column titles and their tooltips; row numbers."""
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return self.COLUMNS[section]
            if role == Qt.ItemDataRole.ToolTipRole:
                unmeasured = section == self.P_EXTRACT and not self._measured
                return self.TOOLTIPS[section] + (f"\n{NOT_MEASURED_WHY}" if unmeasured else "")
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return section + 1
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell text, sort value, object, colour."""
        if not index.isValid() or not (0 <= index.row() < len(self._passages)):
            return None
        p = self._passages[index.row()]
        col = index.column()
        unmeasured = col == self.P_EXTRACT and not self._measured
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.NUMBER:
                return str(self.number(index.row()))
            if col == self.WHERE:
                return self._places[index.row()]
            if col == self.TOKENS:
                return f"{p.verbatim_tokens:,}"
            if col == self.SIMILARITY:
                return glossary.similarity(p.similarity)
            if col == self.P_EXTRACT:
                if unmeasured:
                    return NOT_MEASURED
                return NEVER_BY_SAMPLING if p.p_extract <= 0 else format_probability(p.p_extract)
            return "yes" if p.common_phrase else ""
        if role == SORT_ROLE:
            # Unmeasured p_extract is 0.0 in every row: sorting on it keeps the rows' order (a stable sort).
            return (
                self.number(index.row()), p.start_char, p.verbatim_tokens, p.similarity, p.p_extract,
                int(p.common_phrase),
            )[col]
        if role == OBJECT_ROLE:
            return p
        if role == Qt.ItemDataRole.ForegroundRole and (p.common_phrase or unmeasured):
            return QBrush(style.MUTED)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            align = Qt.AlignmentFlag.AlignLeft if col in (self.WHERE, self.COMMON) else Qt.AlignmentFlag.AlignRight
            return int(align | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and col == self.WHERE:
            return f"Character {p.start_char:,} of the scanned text ({100 * p.start_char / self._text_length:.0f} % in)"
        if role == Qt.ItemDataRole.ToolTipRole and unmeasured:
            return NOT_MEASURED_TIP
        if role == Qt.ItemDataRole.ToolTipRole and col == self.P_EXTRACT:
            return (f"Extraction chance per attempt: {glossary.extraction_chance(p.p_extract)}; "
                    f"attempts for 50 % odds: {glossary.attempts(p.queries_for_half)}.")
        if role == Qt.ItemDataRole.ToolTipRole and p.common_phrase:
            return p.common_phrase_reason or "Common phrase: kept out of the verdict."
        return None


class PassageFilterProxy(QSortFilterProxyModel):
    """Sorts passages on raw values and can hide common phrases."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self._hide_common = False

    def set_hide_common(self, hide: bool) -> None:
        """Show or hide passages flagged as common phrases."""
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.10 deprecates invalidateRowsFilter
            self.beginFilterChange()
            self._hide_common = hide
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self._hide_common = hide
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        """Hide common phrases when asked."""
        if not self._hide_common:
            return True
        index = self.sourceModel().index(source_row, 0, source_parent)
        passage = self.sourceModel().data(index, OBJECT_ROLE)
        return not (passage is not None and passage.common_phrase)


@dataclass(frozen=True, kw_only=True)
class ModelChoice:
    """One entry of the model picker: what to pass to load_backend, and what to show."""

    spec: str | None
    """Path, name or server URL for load_backend; None is the embedded default model."""
    name: str
    format: str = ""
    """File format ("gguf", "safetensors", "folder"), or "server" for an inference server's URL."""
    size_bytes: int | None = None
    parameters: int | None = None
    quantization: str | None = None
    source: str = ""

    @classmethod
    def from_entry(cls, entry: Any) -> ModelChoice:
        """Adapt a core.model.discovery.ModelEntry (read by attribute, so the GUI does not pin its type)."""
        return cls(
            spec=str(entry.path),
            name=str(entry.name),
            format=str(getattr(entry, "format", "") or ""),
            size_bytes=getattr(entry, "size_bytes", None),
            parameters=getattr(entry, "parameters", None),
            quantization=getattr(entry, "quantization", None),
            source=str(getattr(entry, "source", "") or ""),
        )

    @property
    def is_server(self) -> bool:
        """Whether this entry is an inference server reached over HTTP (its model is named on loading)."""
        return self.format == "server"

    def label(self) -> str:
        """One line: name, format, size, parameters (a server: its name and "remote")."""
        if self.is_server:
            return f"{self.name}  —  remote"
        parts = [self.name]
        details = [d for d in (self.format.upper(), self.quantization or "") if d]
        if self.size_bytes:
            details.append(human_size(self.size_bytes))
        if self.parameters:
            details.append(f"{human_count(self.parameters)} params")
        if details:
            parts.append(" · ".join(details))
        return "  —  ".join(parts)


EMBEDDED_DEFAULT = ModelChoice(
    spec=None, name="Embedded default (Gemma 3 270M)", format="gguf", quantization="Q4_K_M", source="built in"
)


class ModelListModel(QAbstractListModel):
    """The picker's rows: the embedded default first, then recent, browsed and discovered models."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._choices: list[ModelChoice] = [EMBEDDED_DEFAULT]

    def set_choices(self, choices: Sequence[ModelChoice]) -> None:
        """Replace the rows after the embedded default; duplicates by spec are dropped."""
        seen: set[str | None] = {None}
        rows = [EMBEDDED_DEFAULT]
        for c in choices:
            if c.spec not in seen:
                seen.add(c.spec)
                rows.append(c)
        self.beginResetModel()
        self._choices = rows
        self.endResetModel()

    def choices(self) -> tuple[ModelChoice, ...]:
        """All rows, embedded default first."""
        return tuple(self._choices)

    def row_of(self, spec: str | None) -> int:
        """Row of the choice with this spec, or -1."""
        return next((i for i, c in enumerate(self._choices) if c.spec == spec), -1)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Number of rows (a flat model: children have none)."""
        return 0 if parent.isValid() else len(self._choices)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell text, sort value, object, colour."""
        if not index.isValid() or not (0 <= index.row() < len(self._choices)):
            return None
        c = self._choices[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return c.label()
        if role == Qt.ItemDataRole.ToolTipRole:
            if c.is_server:
                parts = urlsplit(c.spec or "")
                shown = parts._replace(netloc=parts.netloc.rsplit("@", 1)[-1]).geturl()  # no credentials
                return f"{c.name}\n{shown}\nAn OpenAI-compatible inference server: the manuscript is sent to it."
            where = c.spec or "installed with Verbatim"
            return f"{c.name}\n{where}" + (f"\nfound in: {c.source}" if c.source else "")
        if role in (OBJECT_ROLE, SORT_ROLE):
            return c
        return None


QueueStatus = Literal["loading", "ready", "failed", "scanning", "scanned", "partial"]
"""Where a queued manuscript stands (QueueEntry.status)."""


@dataclass(frozen=True, kw_only=True)
class QueueEntry:
    """A manuscript in the queue: its path, and once known its Document, error or ScanResult."""

    path: str
    document: Document | None = None
    """The manuscript's text and record, once loaded."""
    error: str = ""
    result: ScanResult | None = None
    """Its scan's result, once scanned (provisional while the controls run)."""
    scanning: bool = False

    @property
    def status(self) -> QueueStatus:
        """A word for the queue: loading, ready, failed, scanning, scanned, partial."""
        if self.error:
            return "failed"
        if self.scanning:
            return "scanning"
        if self.result is not None:
            return "scanned" if self.result.complete else "partial"
        return "ready" if self.document is not None else "loading"


class QueueModel(QAbstractListModel):
    """The manuscripts dropped or opened, in order."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._entries: list[QueueEntry] = []

    def entries(self) -> tuple[QueueEntry, ...]:
        """All entries in queue order."""
        return tuple(self._entries)

    def entry(self, row: int) -> QueueEntry:
        """The entry in `row`."""
        return self._entries[row]

    def row_of(self, path: str) -> int:
        """Row of `path`, or -1."""
        return next((i for i, e in enumerate(self._entries) if e.path == path), -1)

    def add(self, path: str) -> int:
        """Append `path` unless queued already; returns its row."""
        row = self.row_of(path)
        if row >= 0:
            return row
        row = len(self._entries)
        self.beginInsertRows(QModelIndex(), row, row)
        self._entries.append(QueueEntry(path=path))
        self.endInsertRows()
        return row

    def update(self, path: str, **changes: Any) -> None:
        """Replace fields of the entry for `path` (entries are frozen: a new one is stored)."""
        row = self.row_of(path)
        if row < 0:
            return
        old = self._entries[row]
        self._entries[row] = QueueEntry(**{**old.__dict__, **changes})
        idx = self.index(row, 0)
        self.dataChanged.emit(idx, idx)

    def remove(self, path: str) -> None:
        """Take `path` out of the queue (nothing happens when it is not queued)."""
        row = self.row_of(path)
        if row < 0:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._entries[row]
        self.endRemoveRows()

    def clear(self) -> None:
        """Remove every entry."""
        self.beginResetModel()
        self._entries.clear()
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Number of rows (a flat model: children have none)."""
        return 0 if parent.isValid() else len(self._entries)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell text, sort value, object, colour."""
        if not index.isValid() or not (0 <= index.row() < len(self._entries)):
            return None
        e = self._entries[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            name = e.path.replace("\\", "/").rsplit("/", 1)[-1]
            return f"{name}   ·   {e.status}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return e.error or e.path
        if role == Qt.ItemDataRole.ForegroundRole and e.error:
            return QBrush(style.VERDICT_COLOURS["memorized"])
        if role in (OBJECT_ROLE, SORT_ROLE):
            return e
        return None
