"""Result widgets: the verdict badge with key figures, and the side-by-side passage detail."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from core.report import glossary, wording
from core.results import KEY_COVERAGE_TAU, Passage, ScanResult
from core.scan.sweep import is_generate_only, limitation
from core.settings import ScanSettings
from gui import style
from gui.figure_help import FigureHelpButton
from gui.help import show_help
from gui.models import NOT_MEASURED_TIP
from gui.text_pane import TextPane

VERDICT_WORDS = glossary.VERDICT_NAMES
"""The verdicts' names, shared with Help and the PDF (core.report.glossary)."""

NBSP = "\u00a0"

KEY_FIGURES = (("longest", "longest_run"), ("share", "share"), ("confirmed", "confirmed"), ("coverage", "coverage"))
"""The badge's key figures and the glossary terms that name and define them."""


def verdict_words(result: ScanResult, provisional: bool = False) -> str:
    """The verdict as the app shows it ("No evidence of memorization", never the internal "no-evidence")."""
    return glossary.verdict_name(result.summary.verdict, complete=result.complete, provisional=provisional)


def as_sentence(text: str) -> str:
    """`text` with a capital first letter and a full stop: a clause shown on its own reads as a sentence."""
    text = text.strip()
    if not text:
        return ""
    return text[0].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")


# An attention box inside the verdict card: amber, as a caveat rather than an error (the message bar is red).
NOTICE_SHEET = (
    "QLabel#notice { background: #fff8e1; border: 1px solid #e0b252; border-radius: 4px; "
    "padding: 6px 8px; color: #1f2328; }"
)


def generate_only_notice(result: ScanResult) -> str:
    """The limitation of a generate-only scan, in its own settings' numbers (defaults if unreadable)."""
    try:
        settings = ScanSettings.from_dict(result.settings)
    except (TypeError, ValueError):  # a result written by another version: the paragraph is still right
        settings = ScanSettings()
    return limitation(settings)


class VerdictBadge(QFrame):
    """The verdict, the rule that fired, the key figures, and what a generate-only scan did not measure.

    Signals: none.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._result: ScanResult | None = None
        self.setObjectName("card")
        self.setAccessibleName("Verdict")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(14, 10, 14, 10)
        outer.setSpacing(4)
        top = QHBoxLayout()
        top.setSpacing(12)
        self.verdict_label = QLabel("No scan yet")
        font = self.verdict_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.verdict_label.setFont(font)
        self.verdict_label.setWordWrap(True)  # "No evidence (incomplete)" wraps in a narrow window
        # Room for the longest single word, which cannot wrap ("Inconclusive", "Memorized").
        metrics = self.verdict_label.fontMetrics()
        words = [w for title in (*VERDICT_WORDS.values(), "Scanning…", "(incomplete)", "(provisional)")
                 for w in title.split()]
        self.verdict_label.setMinimumWidth(max(metrics.horizontalAdvance(w) for w in words) + 8)
        top.addWidget(self.verdict_label, 1, Qt.AlignmentFlag.AlignVCenter)
        self._figures = QGridLayout()
        self._figures.setHorizontalSpacing(12)
        self._figures.setVerticalSpacing(0)
        self._values: dict[str, QLabel] = {}
        self.help_buttons: list[FigureHelpButton] = []
        """The "?" beside each key figure, in reading order (the window's Tab order includes them)."""
        for col, (key, term_key) in enumerate(KEY_FIGURES):
            t = glossary.term(term_key)
            if key == "coverage":  # its long name, broken where it reads well
                first, rest = t.name.split(" ", 1)
                tau = KEY_COVERAGE_TAU.replace("%", NBSP + "%")
                cap = QLabel(f"{first}\n{rest} @{NBSP}{tau}")  # "@ 1 %" never broken
            else:
                cap = QLabel(t.name)
            cap.setWordWrap(True)  # two lines rather than a window too wide for a small screen
            cap.setObjectName("muted")
            cap.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            cap.setToolTip(t.caption[:1].upper() + t.caption[1:] + ".")
            help_button = FigureHelpButton(term_key)
            self.help_buttons.append(help_button)
            caption_row = QHBoxLayout()
            caption_row.setSpacing(2)
            caption_row.addWidget(cap, 1)
            caption_row.addWidget(help_button, 0, Qt.AlignmentFlag.AlignTop)
            val = QLabel("—")
            val.setWordWrap(True)  # "12 of 1,234 (+3 common)" may take two lines in a narrow window
            vfont = val.font()
            vfont.setPointSizeF(vfont.pointSizeF() * 1.25)
            vfont.setBold(True)
            val.setFont(vfont)
            self._figures.setColumnStretch(col, 1)  # equal columns: no caption squeezed to three lines
            self._figures.addWidget(val, 0, col)
            self._figures.addLayout(caption_row, 1, col)
            self._values[key] = val
        top.addLayout(self._figures)
        self.reason_label = QLabel("Open a manuscript, pick a model and press Scan (Ctrl+R).")
        self.reason_label.setObjectName("muted")
        self.reason_label.setWordWrap(True)
        self.notice_label = QLabel()
        self.notice_label.setObjectName("notice")
        self.notice_label.setStyleSheet(NOTICE_SHEET)
        self.notice_label.setWordWrap(True)
        self.notice_label.setTextFormat(Qt.TextFormat.RichText)
        self.notice_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice_label.hide()
        self.pending_label = QLabel()
        self.pending_label.setObjectName("muted")
        self.pending_label.setWordWrap(True)
        self.pending_label.hide()
        outer.addLayout(top)
        outer.addWidget(self.reason_label)
        outer.addWidget(self.pending_label)
        outer.addSpacing(4)
        outer.addWidget(self.notice_label)

    def figure(self, key: str) -> str:
        """The text of one key figure ("longest", "share", "confirmed", "coverage")."""
        return self._values[key].text()

    def notice(self) -> str:
        """The notice shown under the verdict as plain text, or "" when there is none."""
        return self.notice_label.accessibleDescription() if not self.notice_label.isHidden() else ""

    def set_pending(self, text: str) -> None:
        """A line under the reason about work still running (the controls), or none for "".

        While it shows, the verdict is named provisional, as the PDF names it.
        """
        self.pending_label.setText(text)
        self.pending_label.setVisible(bool(text))
        if self._result is not None:
            self.verdict_label.setText(verdict_words(self._result, provisional=bool(text)))

    def pending(self) -> str:
        """The line about work still running, or ""."""
        return self.pending_label.text() if not self.pending_label.isHidden() else ""

    def clear(self, message: str = "No scan yet", detail: str = "") -> None:
        """Back to the empty state with a message."""
        self._result = None
        self.set_pending("")
        self.verdict_label.setText(message)
        self.verdict_label.setStyleSheet("")
        self.reason_label.setText(detail)
        for val in self._values.values():
            val.setText("—")
            val.setStyleSheet("")
            val.setToolTip("")
        self._set_notice("")

    def _set_notice(self, text: str) -> None:
        self.notice_label.setText(f"<b>Generate-only scan.</b> {html.escape(text)}" if text else "")
        self.notice_label.setAccessibleDescription(text)
        self.notice_label.setVisible(bool(text))

    def show_result(self, result: ScanResult) -> None:
        """Fill in the verdict and figures; an incomplete result says so first."""
        self._result = result
        self.set_pending("")
        s = result.summary
        word = verdict_words(result)
        colour = style.VERDICT_COLOURS.get(s.verdict, style.TEXT)
        reason = as_sentence(s.reason)
        if not result.complete:
            share = result.positions_scored / result.positions_total if result.positions_total else 0.0
            colour = style.INCOMPLETE
            reason = f"Cancelled: covers {share:.0%} of the text. " + reason
        self.verdict_label.setText(word)
        self.verdict_label.setStyleSheet(f"color: {colour.name()};")
        self.verdict_label.setToolTip(verdict_tooltip(result))
        self.reason_label.setText(reason)
        self._values["longest"].setText(f"{s.longest_verbatim_tokens:,} tokens")
        self._values["share"].setText(wording.percent(s.verbatim_token_share))  # as in the PDF
        common = f"  (+{s.common_phrases} common)" if s.common_phrases else ""
        # A candidate limit that left some untested: "of 400 tested", the whole sentence in the tooltip.
        tested = wording.candidates_tested(result)
        of = f"{tested:,} tested" if tested < s.candidates else f"{s.candidates:,}"
        self._values["confirmed"].setText(f"{s.confirmed:,} of {of}{common}")
        self._values["confirmed"].setToolTip(
            f"{s.candidates:,} candidates{wording.untested_candidates(result)}" if tested < s.candidates else "")
        coverage = self._values["coverage"]
        if is_generate_only(result):
            # The sweep measures no probabilities: an empty coverage is "not measured", not "none".
            coverage.setText("not measured")
            coverage.setStyleSheet(f"color: {style.MUTED.name()}; font-weight: normal;")  # not a figure
            coverage.setToolTip("Coverage needs log-probabilities of the author's text, which this server "
                                "does not return.")
            self._set_notice(generate_only_notice(result))
        else:
            cov = s.key_coverage  # the PDF's key figure shows the same τ
            coverage.setText("—" if cov is None else wording.percent(cov))
            coverage.setStyleSheet("")
            coverage.setToolTip(f"{glossary.term('coverage').name} @ {KEY_COVERAGE_TAU}: {glossary.term('coverage').caption}.")
            self._set_notice("")


def _pane(title: str, accessible: str) -> TextPane:
    # A low minimum window (200 % scaling): the panes scroll.
    return TextPane(title, accessible, mark=style.VERBATIM, spacing=4, min_height=40)


class PassageDetail(QWidget):
    """Prompt | author's text | model's output for one passage, verbatim spans in the same colour."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.summary_label = QLabel("Select a passage to compare the author's text with the model's output.")
        self.summary_label.setAccessibleName("Passage figures")
        self.summary_label.setObjectName("muted")
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextFormat(Qt.TextFormat.RichText)
        # The passage's figures are many: their "?" opens Help's page that defines every one of them.
        self.figures_help = QToolButton()
        self.figures_help.setText("?")
        self.figures_help.setAutoRaise(True)
        self.figures_help.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.figures_help.setAccessibleName("What do these figures mean?")
        self.figures_help.setToolTip("What these figures mean: opens Help › What the figures mean.")
        self.figures_help.clicked.connect(self._on_figures_help_clicked)
        head = QHBoxLayout()
        head.setSpacing(4)
        head.addWidget(self.summary_label, 1)
        head.addWidget(self.figures_help, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(head)
        row = QHBoxLayout()
        row.setSpacing(10)
        self.prompt = _pane("Prompt given to the model", "Prompt")
        self.original = _pane("Author's text", "Author's text")
        self.generated = _pane("Model's output", "Model's output")
        for pane in (self.prompt, self.original, self.generated):
            row.addWidget(pane, 1)
        layout.addLayout(row, 1)
        self._passage: Passage | None = None
        self._measured = True

    def _on_figures_help_clicked(self) -> None:
        show_help(self.window(), "figures")

    def set_measured(self, measured: bool) -> None:
        """Whether the result's probabilities were measured; applies to the passage shown too.

        False for a generate-only scan: p_extract and the near-tie positions, which hold 0, show as not measured.
        """
        self._measured = measured
        self.show_passage(self._passage)

    @property
    def passage(self) -> Passage | None:
        """The passage shown, if any."""
        return self._passage

    def show_passage(self, p: Passage | None) -> None:
        """Show `p` side by side, or clear the panes for None."""
        self._passage = p
        if p is None:
            for pane in (self.prompt, self.original, self.generated):
                pane.set_content("")
            self.summary_label.setText(
                "Select a passage to compare the author's text with the model's output."
            )
            self.summary_label.setToolTip("")
            return
        mark = style.COMMON if p.common_phrase else style.VERBATIM
        self.prompt.set_content(p.prompt)
        self.original.set_content(p.original, p.original_spans, mark)
        self.generated.set_content(p.generated, p.generated_spans, mark)
        figures = [
            f"<b>{p.verbatim_tokens}</b> tokens verbatim",
            *([f"<b>{p.near_verbatim_tokens}</b> near-verbatim ({p.near_verbatim_edits} token"
               f"{'s differ' if p.near_verbatim_edits != 1 else ' differs'}; not counted toward the verdict)"]
              if p.near_verbatim_tokens > p.verbatim_tokens else []),
            f"similarity <b>{glossary.similarity(p.similarity)}</b>",
            f"longest common stretch <b>{p.longest_common_chars}</b> characters",
        ]
        shown = ["verbatim_tokens", "similarity", "longest_common"]
        if p.near_verbatim_tokens > p.verbatim_tokens:
            shown.insert(1, "near_verbatim_tokens")
        if not self._measured:  # 0 in the result would read as measured
            figures.append("p_extract <i>not measured</i> (generate-only scan)")
        else:
            figures.append(f"extraction chance per attempt <b>{glossary.extraction_chance(p.p_extract)}</b>"
                           + (f" ({p.clipped_window}; not a 50+50 window)" if p.clipped_window else ""))
            figures.append(f"attempts for 50 % odds <b>{html.escape(glossary.attempts(p.queries_for_half))}</b>")
            shown += ["p_extract", "attempts"]
        if p.fragile_positions and self._measured:
            figures.append(f"{p.fragile_positions} near-tie positions")
            shown.append("near_ties")
        text = " · ".join(figures).replace(" %", "&nbsp;%")  # "84.7 %", "50 % odds" never split at the sign
        if p.common_phrase:
            reason = html.escape(p.common_phrase_reason or "reproduced without this work's context")
            text += f"<br><i>Common phrase, kept out of the verdict: {reason}</i>"
        self.summary_label.setText(text)
        # Hovering the figures gives each one's definition (the glossary's, as in Help and the PDF).
        tip = "\n\n".join(f"{glossary.term(k).name}: {glossary.term(k).definition}" for k in shown)
        self.summary_label.setToolTip(tip if self._measured else f"p_extract {NOT_MEASURED_TIP}\n\n{tip}")


def verdict_tooltip(result: ScanResult) -> str:
    """The rule behind the verdict, its alpha and the chance model, in plain words (the badge's tooltip)."""
    try:
        settings = ScanSettings.from_dict(result.settings)
    except (TypeError, ValueError):  # settings of another version: say what is known
        return wording.chance_sentence(result) if result.null_model is not None else ""
    return f"{wording.verdict_rule(settings)}\n\n{wording.chance_sentence(result)}"
