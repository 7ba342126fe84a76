"""The "Chat probes" tab: the shown result's chat probes, or how to ask for them."""

from core.chatprobe.probes import ChatRequest, run_chat_probes
from core.model.chat import ChatTemplate
from core.model.fake import FakeBackend
from core.scan.engine import run_scan
from core.settings import ScanSettings
from gui.chat_panel import NONE_TEXT, ChatPanel
from gui.results_pane import ResultsPane
from tests.helpers.docs import document
from tests.helpers.generators import drain

SMALL = ScanSettings(chunk_tokens=24, overlap_tokens=6, prefix_tokens=8, suffix_tokens=8, batch_size=2)
FRESH = "Morning fog lifted over the harbour while gulls argued about nothing in particular today. "
MEMORIZED = ("It was a bright cold day in April and the clocks were striking thirteen while the wind "
             "carried dust and paper along the empty street past the old glass doors of the mansions")


def chat_result():
    backend = FakeBackend(memorized=(MEMORIZED,))
    result = run_scan(document(FRESH * 3 + MEMORIZED + " " + FRESH * 2), backend, SMALL)
    template = ChatTemplate(source="test", text="{{ messages[-1]['content'] }}")
    return result, drain(run_chat_probes(result, backend, SMALL, ChatRequest(title="Fog", author="A. Writer"),
                                         template=template))[1]


def test_the_tab_shows_each_probe_or_says_how_to_ask_for_them(qtbot):
    plain, probed = chat_result()
    pane = ResultsPane()
    qtbot.addWidget(pane)
    tabs = [pane.result_tabs.tabText(i) for i in range(pane.result_tabs.count())]
    assert "Chat probes" in tabs
    panel: ChatPanel = pane.chat_panel
    pane.show_result(plain)
    assert panel.summary_label.text() == NONE_TEXT and panel.browser.isHidden()
    pane.show_result(probed)
    n = len(probed.chat["probes"])
    assert panel.summary_label.text().startswith(f"{n} chat probes") and "do not change the verdict" in panel.summary_label.text()
    shown = panel.browser.toPlainText()
    assert "Recite the opening of Fog by A. Writer" in shown
    assert probed.chat["probes"][0]["matched"].strip()[:40] in shown
    assert shown.count("Probe ") == n
    pane.clear("Nothing", "here")
    assert panel.summary_label.text() == NONE_TEXT


def test_chat_options_ask_for_probes_and_title_prompts_only_when_filled_in(qtbot, make_window):
    window = make_window()
    options = window.queue_pane.chat_options
    assert options.request() is None and options.isHidden()
    options.enabled.setChecked(True)
    assert not options.isHidden() and not options.title.isHidden()
    assert options.request() == ChatRequest()
    options.title.setText("Fog")
    assert options.request() == ChatRequest()  # a title alone asks no title prompt
    options.author.setText("A. Writer")
    assert options.request() == ChatRequest(title="Fog", author="A. Writer")
    assert options.enabled in window.tab_chain and options.author in window.tab_chain
