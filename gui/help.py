"""The Help menu: the method, its limits, what a verdict and each figure mean in plain words, and About.

Each topic is a short HTML page shown in one read-only dialog; `install_help` fills the window's Help
menu, and the welcome view opens the method page through `show_help`. The verdicts' names and the
figures' definitions come from core.report.glossary, as in the badge and the PDF.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from importlib import metadata

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMenu, QTextBrowser, QVBoxLayout, QWidget

from core.report.glossary import VERDICT_NAMES, Term, advanced_terms, plain_terms

HELP_WIDTH, HELP_HEIGHT = 640, 560


@dataclass(frozen=True, kw_only=True)
class Topic:
    """One help page: the menu text, the dialog title and the page itself."""

    menu_text: str
    title: str
    html: str


METHOD = Topic(
    menu_text="How Verbatim &works",
    title="How Verbatim works",
    html="""
<h2>How Verbatim works</h2>
<p><b>Verbatim gives the model the text before each passage of your manuscript and checks whether the
model continues with your own words.</b> A model that memorized a text during training can recite it
when prompted with what comes just before; a model that did not will write something else.</p>
<ol>
<li><b>Reading.</b> Your file is turned into the text a reader reads (no page numbers, running heads or
markup). <i>verbatim extract</i> prints exactly that text.</li>
<li><b>Finding.</b> One pass of the model over the whole manuscript marks every word where the model's
most likely next word is yours. Long unbroken runs of such words are candidates.</li>
<li><b>Proving.</b> Every candidate is regenerated for real: the model writes on from the 50 tokens
before it, and only what it actually wrote counts. The report shows your text and the model's side by
side, with the identical stretches highlighted.</li>
<li><b>Discounting common phrases.</b> A short passage the model also produces after unrelated text
(a legal formula, an idiom, a famous quotation) is shown greyed and kept out of the verdict. If you
choose a <i>Reference model</i> (one you believe was not trained on your work, for example an older
one), any passage it reproduces too from the same prompt is set aside the same way, and the report names
it.</li>
<li><b>Comparing with controls.</b> The same scan runs on texts written for Verbatim and never
published, so you can see how much a model reproduces of text it cannot have seen.</li>
<li><b>Reporting.</b> The result is saved as JSON and as a PDF with the JSON inside, the SHA-256 of
every input and model file, and the settings, so another expert can replay it with
<i>verbatim verify</i>.</li>
</ol>
<p>Nothing leaves your computer: the model runs locally, unless you connect to a server.</p>
<h3>Scanning a model on a server</h3>
<p><i>Browse… &gt; Connect to a server…</i> takes the address of an OpenAI-compatible inference server
(for example <tt>http://127.0.0.1:8080</tt>); your manuscript's text is sent to it. vLLM and
llama-cpp-python's server return the probabilities Verbatim needs, so they get the full scan. Ollama and
llama.cpp's own server (<tt>llama-server</tt>) only generate text, so Verbatim uses the
generate-and-compare probe instead: it finds every verbatim run of 15 tokens or more, but measures no
probabilities (no extraction probability, coverage or membership scores), and the result says so.</p>
""",
)

LIMITATIONS = Topic(
    menu_text="&Limitations",
    title="Limitations",
    html="""
<h2>Limitations</h2>
<ul>
<li><b>A small model memorizes little.</b> A clean result on the built-in 270-million-parameter model
says nothing about a 70-billion-parameter one. Scan the model you care about.</li>
<li><b>One way of asking.</b> Verbatim prompts with your own preceding text and takes the model's most
likely words. A model may reproduce text under other prompts (chat instructions, random sampling,
longer context); the extraction probability in the report estimates the sampling side.</li>
<li><b>Word for word only.</b> Paraphrase, translation or summary is not detected.</li>
<li><b>Tokens, not words.</b> Thresholds count tokens; 32 tokens are about 24 English words.</li>
<li><b>Near ties.</b> Where the model hesitates between two words, a result can differ between
computers; such positions are counted in the report as fragile.</li>
<li><b>Common phrases.</b> A short quotation you really wrote may be discounted if it is also widely
quoted; passages of 32 tokens or more are never discounted.</li>
<li><b>Not legal advice.</b> The report is a measurement an expert can check, not a legal opinion.</li>
</ul>
""",
)

def _verdict_html() -> str:
    """The verdict page, with the verdicts named exactly as the badge and the PDF name them."""
    n = {key: html.escape(name) for key, name in VERDICT_NAMES.items()}
    return f"""
<h2>What a verdict means (and does not)</h2>
<p><b>{n["memorized"]}</b>: the model, prompted with your own preceding text, wrote your words exactly
where the same model, scanned the same way on never-published text, does not: one passage of 32 tokens or
more (about 24 words) that chance does not explain, or many shorter passages, or a share of your text
significantly above what it reproduces of the controls. Each passage was regenerated and is shown in the
report.</p>
<p><b>{n["inconclusive"]}</b>: a passage of 16 tokens or more that chance does not readily explain, but not
enough to conclude; or long passages that a model you declared never saw your work reproduced too; or
passages of 16 tokens or more when no control texts were scanned, so chance could not be measured.</p>
<p><b>{n["no-evidence"]}</b>: nothing beyond what chance, common phrases and repetitions within your own
text explain. <b>A “{n["no-evidence"]}” verdict does not prove that your text was absent from the
model's training data</b>: models see far more than they can recite, and a small model recites little.</p>
<p><b>{n["not-determined"]}</b>: the text is too short to judge (under 100 tokens), or the scan was cancelled
before anything was confirmed; the reason is given beside it.</p>
<p>A verdict marked <i>(provisional)</i> is shown while the control texts are still being scanned and may
change when they finish; one marked <i>(incomplete)</i> covers only the part of the text scanned before a
cancel.</p>
<p>A verdict is about <i>this model</i>, <i>this file</i> and <i>these settings</i>. It is not a
finding about a company, a training set or another model, and it is not legal advice. The thresholds
that produced it are printed beside it in the report, with the false-alarm rate over the control
texts. <i>Help › What the figures mean</i> defines every figure.</p>
"""


VERDICT = Topic(
    menu_text="What a &verdict means (and does not)",
    title="What a verdict means (and does not)",
    html=_verdict_html(),
)


def _figures_html() -> str:
    """Every figure's definition from core.report.glossary: the same words as the "?" buttons and the PDF."""

    def rows(terms: tuple[Term, ...]) -> str:
        return "".join(f"<dt><b>{html.escape(t.name)}</b></dt><dd>{html.escape(t.definition)}</dd>" for t in terms)

    return (
        "<h2>What the figures mean</h2><p>The same definitions appear under the “?” beside each figure "
        "and in the PDF report.</p><dl>" + rows(plain_terms()) + "</dl>"
        "<h3>Advanced: research figures</h3><p>Shown under <i>Controls › Advanced figures</i> and in the "
        "report's Advanced section. None of them decides the verdict on its own.</p><dl>"
        + rows(advanced_terms()) + "</dl>"
    )


FIGURES = Topic(menu_text="What the &figures mean", title="What the figures mean", html=_figures_html())

TOPICS = {"method": METHOD, "limitations": LIMITATIONS, "verdict": VERDICT, "figures": FIGURES}


def app_version() -> str:
    """Verbatim's installed version, or "development build" when its package metadata is absent."""
    try:
        return metadata.version("verbatim")
    except metadata.PackageNotFoundError:
        return "development build"


def about_topic() -> Topic:
    """The About page (built on demand: it names the installed version)."""
    return Topic(
        menu_text="&About Verbatim",
        title="About Verbatim",
        html=f"""
<h2>Verbatim {app_version()}</h2>
<p>Verbatim checks whether a local language model memorized a manuscript, and shows the passages it
reproduces, with evidence another expert can replay.</p>
<h3>Licences</h3>
<ul>
<li><b>Verbatim</b>: Apache License 2.0.</li>
<li><b>Default model, Gemma 3 270M</b> (Q4_K_M GGUF): provided by Google under the
<a href="https://ai.google.dev/gemma/terms">Gemma Terms of Use</a> and its prohibited use policy;
shipped unmodified.</li>
<li><b>SmolLM2-135M-Instruct</b> (optional second model): Apache License 2.0, Hugging Face.</li>
<li><b>DejaVu fonts</b> (used on screen and in reports): the Bitstream Vera licence and public-domain
changes; see assets/fonts/LICENSE.</li>
<li>Built on Qt and PySide6 (LGPL 3), PyTorch (BSD), Hugging Face transformers (Apache 2.0),
llama.cpp (MIT), rapidfuzz (MIT), pypdf (BSD).</li>
</ul>
""",
    )


class HelpDialog(QDialog):
    """A read-only page of help; links open in the system browser. Signals: none of its own."""

    def __init__(self, topic: Topic, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(topic.title)
        self.resize(HELP_WIDTH, HELP_HEIGHT)
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        self.browser.setHtml(topic.html)
        self.browser.setAccessibleName(topic.title)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)

    def text(self) -> str:
        """The page as plain text (for tests and screen readers)."""
        return self.browser.toPlainText()


def show_help(parent: QWidget, key: str) -> HelpDialog:
    """Open one help page ("method", "limitations", "verdict", "figures" or "about") without blocking."""
    topic = about_topic() if key == "about" else TOPICS[key]
    dialog = HelpDialog(topic, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog


def install_help(window: QWidget, menu: QMenu) -> dict[str, QAction]:
    """Fill the Help menu with the method, limitations, verdict, figures and About pages; return the actions."""
    actions: dict[str, QAction] = {}
    for key in ("method", "limitations", "verdict", "figures", "about"):
        text = about_topic().menu_text if key == "about" else TOPICS[key].menu_text
        if key == "about":
            menu.addSeparator()
        action = menu.addAction(text)
        action.setObjectName(f"help_{key}")
        if key == "method":  # F1 everywhere, and the platform's own help key where it differs
            f1 = QKeySequence("F1")
            native = QKeySequence.keyBindings(QKeySequence.StandardKey.HelpContents)
            action.setShortcuts([f1, *(k for k in native if k != f1)])
        action.triggered.connect(lambda _checked=False, k=key: show_help(window, k))
        actions[key] = action
    return actions
