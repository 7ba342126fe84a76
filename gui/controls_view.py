"""Controls in the GUI: the options (bundled controls on/off, the user's own texts) and the results panel.

The panel shows each control with its verdict and longest run, the false-positive rate with its sample
size, the one-sided test and AUC, and the membership scores beside the controls' distribution: a
membership score is weak alone, so it is never shown without the controls it is read against.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QSettings, Qt, Signal
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.report import glossary
from core.results import ControlResult, ScanResult
from gui import style
from gui.figure_help import FigureHelpButton
from gui.models import OBJECT_ROLE, SORT_ROLE, AnyIndex, format_probability
from gui.results_view import VERDICT_WORDS

CONTROLS_KEY = "controls/enabled"
USER_CONTROLS_KEY = "controls/user"
OWN_CONTROLS_KEY = "controls/own"
KIND_ROLE = OBJECT_ROLE + 1
"""Item data: "own" for the author's own unpublished writing, "user" for other control texts."""


class ControlsOptions(QWidget):
    """"Compare with control texts" and the user's own control texts.

    Signals:
        changed(): the checkbox or the list of the user's controls changed.
    """

    changed = Signal()

    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self.enabled = QCheckBox("Compare with &control texts")
        self.enabled.setToolTip(
            "After the scan, run the same scan on texts this model cannot have seen, to measure how often "
            "the method reports memorization by chance."
        )
        self.enabled.setChecked(bool(settings.value(CONTROLS_KEY, True, type=bool)))
        self.user_list = QListWidget()
        self.user_list.setAccessibleName("Your control texts")
        self.user_list.setToolTip("Your own unpublished texts, or texts published after the model was trained.")
        self.user_list.setMaximumHeight(72)
        self.own_button = QPushButton("Your &writing…")
        self.own_button.setToolTip(
            "Your own writing that was never published (drafts, later chapters, letters): the strongest "
            "control, same style and subject as the manuscript. It is used first for the chance model."
        )
        self.own_button.setAccessibleName("Add your unpublished writing")
        self.add_button = QPushButton("&Add control…")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        buttons.addWidget(self.own_button, 1)
        buttons.addWidget(self.add_button, 1)
        buttons.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.enabled)
        layout.addWidget(self.user_list)
        layout.addLayout(buttons)
        for key, kind in ((OWN_CONTROLS_KEY, "own"), (USER_CONTROLS_KEY, "user")):
            stored = settings.value(key, [])
            # QSettings gives one stored path back as a string, several as a list.
            paths = [stored] if isinstance(stored, str) and stored else stored if isinstance(stored, list) else []
            self._add_items([str(x) for x in paths], kind)
        self.user_list.setVisible(self.user_list.count() > 0)
        self.enabled.toggled.connect(self._on_enabled_toggled)
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.own_button.clicked.connect(self._on_own_button_clicked)
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        self.user_list.currentRowChanged.connect(lambda row: self.remove_button.setEnabled(row >= 0))

    @staticmethod
    def _item_text(path: str, kind: str = "user") -> str:
        return f"{Path(path).name} — your unpublished writing" if kind == "own" else Path(path).name

    def _paths(self, kind: str) -> tuple[str, ...]:
        items = [self.user_list.item(i) for i in range(self.user_list.count())]
        return tuple(str(it.data(OBJECT_ROLE)) for it in items if it.data(KIND_ROLE) == kind)

    def user_controls(self) -> tuple[str, ...]:
        """Paths of the user's other control texts, in the order added."""
        return self._paths("user")

    def own_unpublished(self) -> tuple[str, ...]:
        """Paths of the author's own unpublished writing, in the order added."""
        return self._paths("own")

    def _add_items(self, paths: Sequence[str], kind: str) -> None:
        known = set(self.user_controls()) | set(self.own_unpublished())
        for path in paths:
            if path not in known:
                self.user_list.addItem(self._item_text(path, kind))
                item = self.user_list.item(self.user_list.count() - 1)
                item.setData(OBJECT_ROLE, path)
                item.setData(KIND_ROLE, kind)
                item.setToolTip(path)
                known.add(path)

    def add_paths(self, paths: Sequence[str], own: bool = False) -> None:
        """Add control texts, or the author's own unpublished writing (listed ones are skipped); remember them."""
        self._add_items(paths, "own" if own else "user")
        self._store()

    def _store(self) -> None:
        self._settings.setValue(USER_CONTROLS_KEY, list(self.user_controls()))
        self._settings.setValue(OWN_CONTROLS_KEY, list(self.own_unpublished()))
        self.user_list.setVisible(self.user_list.count() > 0)
        self.changed.emit()

    def _on_enabled_toggled(self, on: bool) -> None:
        self._settings.setValue(CONTROLS_KEY, on)
        self.changed.emit()

    def _on_add_button_clicked(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, "Add control texts the model cannot have seen", "",
            "Texts (*.txt *.md *.docx *.pdf *.epub *.odt *.rtf *.html *.htm);;All files (*)",
        )
        if paths:
            self.add_paths(paths)

    def _on_own_button_clicked(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, "Add your own writing that was never published", "",
            "Texts (*.txt *.md *.docx *.pdf *.epub *.odt *.rtf *.html *.htm);;All files (*)",
        )
        if paths:
            self.add_paths(paths, own=True)

    def _on_remove_button_clicked(self) -> None:
        row = self.user_list.currentRow()
        if row >= 0:
            self.user_list.takeItem(row)
            self._store()


class ControlTableModel(QAbstractTableModel):
    """Rows are core.results.ControlResult objects of one ScanResult; read-only."""

    COLUMNS = ("Control text", "Source", "Tokens", "Longest run", "Verdict")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._controls: tuple[ControlResult, ...] = ()

    def set_controls(self, controls: Sequence[ControlResult]) -> None:
        """Replace all rows (a new result)."""
        self.beginResetModel()
        self._controls = tuple(controls)
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        """Number of rows (a flat model: children have none)."""
        return 0 if parent.isValid() else len(self._controls)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Number of columns."""
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column titles; row numbers."""
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.COLUMNS):
            return self.COLUMNS[section]
        if orientation == Qt.Orientation.Vertical:
            return section + 1
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell text, sort value, object, colour."""
        if not index.isValid() or not (0 <= index.row() < len(self._controls)):
            return None
        c = self._controls[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                c.name,
                {"own-unpublished": "your unpublished writing", "user": "yours"}.get(c.kind, "bundled"),
                f"{c.tokens:,}",
                f"{c.longest_verbatim_tokens:,} tokens",
                VERDICT_WORDS.get(c.verdict, c.verdict),
            )[col]
        if role == SORT_ROLE:
            return (c.name, c.bundled, c.tokens, c.longest_verbatim_tokens, c.verdict)[col]
        if role == OBJECT_ROLE:
            return c
        if role == Qt.ItemDataRole.ForegroundRole and col == 4 and c.verdict != "no-evidence":
            return QBrush(style.VERDICT_COLOURS.get(c.verdict, style.TEXT))
        if role == Qt.ItemDataRole.TextAlignmentRole:
            align = Qt.AlignmentFlag.AlignRight if col in (2, 3) else Qt.AlignmentFlag.AlignLeft
            return int(align | Qt.AlignmentFlag.AlignVCenter)
        return None


def _num(v: Any, fmt: str = ".3g") -> str:
    return "—" if v is None else format(float(v), fmt)


def control_figures(result: ScanResult) -> dict[str, str]:
    """The panel's key figures as text: false-positive rate with its interval, block test p, effect."""
    st = result.statistics
    n = int(st.get("controls", len(result.controls)))
    fp = len(st.get("false_positives", [])) if "false_positives" in st else None
    rate, interval = st.get("false_positive_rate"), st.get("false_positive_interval") or {}
    if rate is None or fp is None:
        fpr = "—"
    else:
        fpr = f"{fp} of {n} control{'s' if n != 1 else ''} ({rate:.0%})"
        if "high" in interval:
            fpr += f", 95 % up to {interval['high']:.0%}"
    p = st.get("p_value")
    test = st.get("membership_test") or {}
    effect = "—"
    if "difference" in test:
        effect = f"{test['difference']:+.2f} [{test['difference_low']:+.2f}, {test['difference_high']:+.2f}]"
    return {
        "fpr": fpr,
        "p": (("not tested (needs your own unpublished writing as controls)" if test.get("note") else "not computed")
              if p is None else format_probability(float(p))),
        "effect": effect,
    }


def membership_text(result: ScanResult) -> str:
    """The membership scores beside the controls' distribution (rich text), or why they are not shown."""
    st, mem = result.statistics, result.membership
    if not result.controls or mem is None:
        return (
            "Membership scores are not shown: on their own they are close to chance. "
            "Scan with control texts to read them against texts the model cannot have seen."
        )
    lines = []
    if "manuscript_window_median" in st and "control_window_median" in st:
        lines.append(
            "Min-K%++ per 50-token window (higher = more familiar to the model): "
            f"this manuscript, median <b>{st['manuscript_window_median']:.3g}</b> "
            f"({st.get('manuscript_windows', 0):,} windows) · control texts, median "
            f"<b>{st['control_window_median']:.3g}</b>, 90 % between {st['control_window_p05']:.3g} "
            f"and {st['control_window_p95']:.3g} ({st.get('control_windows', 0):,} windows)."
        )
    lines.append(
        f"Whole-work scores: loss {mem.loss:.3g} nats · zlib ratio {mem.zlib_ratio:.3g} · "
        f"Min-K% {mem.min_k:.3g} · Min-K%++ {mem.min_k_pp:.3g}. "
        "Weak evidence alone; read them only against the controls."
    )
    return "<br>".join(lines)


def _caption(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("muted")
    return label


class ControlsPanel(QWidget):
    """Controls of the shown result: false-alarm rate, one row per control, research figures collapsed.

    The block test and the membership scores (beside the controls) sit under "Advanced figures", closed
    until asked for. Signals: none.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(8)
        self.summary_label = QLabel()
        self.summary_label.setObjectName("muted")
        self.summary_label.setWordWrap(True)
        layout.addWidget(self.summary_label)
        self._values: dict[str, QLabel] = {}
        self.fpr_help = FigureHelpButton("false_alarm_rate")
        fpr_box = QVBoxLayout()
        fpr_box.setSpacing(0)
        fpr_box.addWidget(self._figure("fpr"))
        fpr_caption = QHBoxLayout()
        fpr_caption.setSpacing(2)
        fpr_caption.addWidget(_caption(glossary.term("false_alarm_rate").name + " among the controls"))
        fpr_caption.addWidget(self.fpr_help)
        fpr_caption.addStretch(1)
        fpr_box.addLayout(fpr_caption)
        plain = QHBoxLayout()
        plain.addLayout(fpr_box, 1)
        # Research figures stay out of the way until asked for (issue 19: a lay reader's panel first).
        self.advanced_button = QToolButton()
        self.advanced_button.setText("Advanced figures")
        self.advanced_button.setToolTip("Research figures: the block permutation test and the Min-K%++ "
                                        "membership scores, beside the controls.")
        self.advanced_button.setCheckable(True)
        self.advanced_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.advanced_button.setArrowType(Qt.ArrowType.RightArrow)
        self.advanced_button.setAutoRaise(True)
        self.advanced_button.setAccessibleName("Show advanced figures")
        self.advanced = QWidget()
        advanced_layout = QVBoxLayout(self.advanced)
        advanced_layout.setContentsMargins(16, 0, 0, 0)
        grid = QGridLayout()
        grid.setHorizontalSpacing(28)
        grid.setVerticalSpacing(0)
        captions = (
            ("p", "Block permutation test p-value", "block_test"),
            ("effect", "Min-K%++ difference per block (95 %)", "min_k_pp"),
        )
        self.advanced_help: list[FigureHelpButton] = []
        for col, (key, caption, term_key) in enumerate(captions):
            grid.addWidget(self._figure(key), 0, 2 * col)
            grid.addWidget(_caption(caption), 1, 2 * col)
            button = FigureHelpButton(term_key)
            self.advanced_help.append(button)
            grid.addWidget(button, 1, 2 * col + 1)
        grid.setColumnStretch(2 * len(captions), 1)
        advanced_layout.addLayout(grid)
        self.advanced.setVisible(False)
        self.advanced_button.toggled.connect(self._on_advanced_button_toggled)
        plain.addWidget(self.advanced_button, 0, Qt.AlignmentFlag.AlignBottom)
        layout.addLayout(plain)
        layout.addWidget(self.advanced)
        self.model = ControlTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Control texts")
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        self.membership_label = QLabel()
        self.membership_label.setWordWrap(True)
        self.membership_label.setTextFormat(Qt.TextFormat.RichText)
        advanced_layout.addWidget(self.membership_label)
        self.show_result(None)

    def _figure(self, key: str) -> QLabel:
        value = QLabel("—")
        font = value.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        value.setFont(font)
        self._values[key] = value
        return value

    def tab_chain(self) -> list[QWidget]:
        """The panel's own keyboard stops, in reading order."""
        return [self.fpr_help, self.advanced_button, *self.advanced_help, self.table]

    def _on_advanced_button_toggled(self, shown: bool) -> None:
        self.advanced.setVisible(shown)
        self.advanced_button.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        self.advanced_button.setAccessibleName("Hide advanced figures" if shown else "Show advanced figures")

    def figure(self, key: str) -> str:
        """The text of one figure ("fpr", "p", "effect")."""
        return self._values[key].text()

    def show_result(self, result: ScanResult | None) -> None:
        """Fill the panel from `result` (None or a result without controls: say so plainly)."""
        controls = result.controls if result is not None else ()
        self.model.set_controls(controls)
        has = bool(controls)
        self.table.setVisible(has)
        if result is None:
            self.summary_label.setText("Controls appear here after a scan with “Compare with control texts” on.")
            for v in self._values.values():
                v.setText("—")
            self.membership_label.setText("")
            return
        if not has:
            self.summary_label.setText(
                "No control texts were scanned, so how often this method reports memorization by chance "
                "was not measured for this result."
            )
        else:
            st = result.statistics
            user = sum(not c.bundled for c in controls)
            incomplete = f" Cancelled early: {st['incomplete']}." if st.get("incomplete") else ""
            self.summary_label.setText(
                f"The same scan on {len(controls)} texts this model cannot have seen "
                f"({len(controls) - user} bundled, {user} yours): what they show is what the method "
                "reports by chance. Under Advanced figures, a test asks whether this manuscript looks more "
                f"familiar to the model than the controls.{incomplete}"
            )
        figures = control_figures(result) if has else {"fpr": "—", "p": "—", "effect": "—"}
        for key, text in figures.items():
            self._values[key].setText(text)
        self.membership_label.setText(membership_text(result))
