"""Issue 19, item 2 in the app: every key figure has a caption and a "?", figures read as in the PDF.

The result shown is the real Gemma 3 270M scan of the bundled sample that the README's pictures come
from (docs/screenshots/sample-scan.json): its passages include a p_extract of 0 and attempts in the
hundreds of trillions, the two cases a lay reader misread.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWhatsThis

from core.report import glossary
from core.report.jsonio import read_json
from core.results import ScanResult
from gui.help import HelpDialog, show_help
from gui.models import OBJECT_ROLE, PassageTableModel
from tests.gui.test_window import show_active

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "sample-scan.json"


@pytest.fixture(scope="module")
def real_result() -> ScanResult:
    result = read_json(SAMPLE)
    assert result.model.backend != "fake" and result.passages
    return result


@pytest.fixture(autouse=True)
def _close_popups():  # type: ignore[no-untyped-def]
    yield
    QWhatsThis.hideText()
    for w in QApplication.topLevelWidgets():
        if isinstance(w, HelpDialog):
            w.close()


def shown(qtbot, make_window, result: ScanResult):  # type: ignore[no-untyped-def]
    window = make_window()
    if window.welcome is not None:
        window.welcome.stack.setCurrentIndex(1)
    show_active(qtbot, window)
    window.show_result(result)
    return window


def test_each_key_figure_has_a_caption_and_a_keyboard_reachable_definition(qtbot, make_window, real_result) -> None:
    window = shown(qtbot, make_window, real_result)
    buttons = window.badge.help_buttons
    assert [b.term.key for b in buttons] == ["longest_run", "share", "confirmed", "coverage"]
    for button in buttons:
        assert button.isVisible() and button.focusPolicy() & Qt.FocusPolicy.TabFocus
        assert button in window.tab_chain
        assert button.accessibleName() == f"What is {button.term.name}?"
        assert button.definition() == glossary.term(button.term.key).definition
    # Keyboard: focus the "?" of the text-reproduced figure and press Space: its definition pops up.
    share = buttons[1]
    share.setFocus()
    qtbot.waitUntil(share.hasFocus)
    QTest.keyClick(share, Qt.Key.Key_Space)
    popup = [w for w in QApplication.topLevelWidgets() if w.metaObject().className() == "QWhatsThat"]
    assert popup and popup[0].isVisible()
    assert glossary.term("share").definition in share.whatsThis()


def test_table_and_detail_read_probabilities_as_what_they_mean(qtbot, make_window, real_result) -> None:
    window = shown(qtbot, make_window, real_result)
    proxy = window.passage_proxy
    rows = {proxy.index(r, 0).data(OBJECT_ROLE).start_char: r for r in range(proxy.rowCount())}
    zero = next(p for p in real_result.passages if p.p_extract == 0)
    huge = next(p for p in real_result.passages if (p.queries_for_half or 0) > glossary.PRACTICALLY_NEVER)
    assert proxy.index(rows[zero.start_char], PassageTableModel.P_EXTRACT).data() == "never (top-40)"
    tip = proxy.index(rows[zero.start_char], PassageTableModel.P_EXTRACT).data(Qt.ItemDataRole.ToolTipRole)
    assert "not extractable by top-40 sampling" in tip
    window.table.selectRow(rows[zero.start_char])
    assert "extraction chance per attempt <b>not extractable by top-40 sampling</b>" in window.detail.summary_label.text()
    window.table.selectRow(rows[huge.start_char])
    text = window.detail.summary_label.text()
    assert "practically never by sampling (over 1,000,000,000 attempts)" in text
    assert f"{huge.queries_for_half:,}" not in text
    # Similarity: one format, with its per-cent sign, in the table, the detail and the PDF.
    cell = proxy.index(rows[huge.start_char], PassageTableModel.SIMILARITY).data()
    assert cell == glossary.similarity(huge.similarity) and cell.endswith(" %")
    assert f"similarity <b>{cell.replace(' %', '&nbsp;%')}</b>" in text  # kept on one line
    assert glossary.term("similarity").definition in window.detail.summary_label.toolTip()


def test_research_figures_are_collapsed_under_advanced(qtbot, make_window, real_result) -> None:
    window = shown(qtbot, make_window, real_result)
    panel = window.controls_panel
    window.result_tabs.setCurrentIndex(1)
    assert panel.figure("fpr").startswith("0 of 7 controls") and panel.fpr_help.isVisible()
    assert not panel.advanced.isVisible() and "Min-K%++" in panel.membership_label.text()
    panel.advanced_button.click()
    assert panel.advanced.isVisible() and panel.membership_label.isVisible()
    p = real_result.statistics["p_value"]  # withheld against the bundled controls (other genres)
    assert panel.figure("p") == (glossary.probability(p) if p is not None else
                                 "not tested (needs your own unpublished writing as controls)")
    panel.advanced_button.click()
    assert not panel.advanced.isVisible()


def test_help_defines_every_figure_and_names_verdicts_as_the_badge_does(qtbot, make_window, real_result) -> None:
    figures = show_help(None, "figures")  # type: ignore[arg-type]
    text = " ".join(figures.text().split())
    for t in glossary.TERMS:
        assert " ".join(t.definition.split()) in text, t.key
    verdict_page = " ".join(show_help(None, "verdict").text().split())  # type: ignore[arg-type]
    window = shown(qtbot, make_window, real_result)
    assert window.badge.verdict_label.text() == "Memorized" == glossary.VERDICT_NAMES["memorized"]
    for name in glossary.VERDICT_NAMES.values():
        assert f"{name}:" in verdict_page, name
    assert "no-evidence" not in verdict_page and "not-determined" not in verdict_page
    # While the controls run, the badge names the verdict provisional, as the PDF does.
    window.badge.set_pending("The control texts are still being scanned.")
    assert window.badge.verdict_label.text() == glossary.verdict_name("memorized", provisional=True)
    window.badge.set_pending("")
    assert window.badge.verdict_label.text() == "Memorized"


def test_the_passage_figures_question_mark_opens_their_definitions(qtbot, make_window, real_result) -> None:
    window = shown(qtbot, make_window, real_result)
    button = window.detail.figures_help
    assert button in window.tab_chain and button.accessibleName() == "What do these figures mean?"
    button.setFocus()
    qtbot.waitUntil(button.hasFocus)
    QTest.keyClick(button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: any(isinstance(w, HelpDialog) and w.isVisible() for w in QApplication.topLevelWidgets()))
    (dialog,) = [w for w in QApplication.topLevelWidgets() if isinstance(w, HelpDialog) and w.isVisible()]
    assert dialog.windowTitle() == "What the figures mean"
    assert " ".join(glossary.term("attempts").definition.split()) in " ".join(dialog.text().split())
