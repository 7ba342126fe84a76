"""The heatmap keeps what was reproduced but not counted visibly apart (issue 15 item 7), on a real scan.

A never-published story with a refrain sung three times, scanned with the embedded Gemma through
llama.cpp: the model copies the repeats from its context, so the scan confirms it, counts none of it as
evidence, and records it as a context copy. The app's strip and the PDF's strip both draw it in the
set-aside hatching, from the same JSON field, and say so in a legend.
"""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from dataclasses import replace

import pytest
from PySide6.QtGui import QColor

from core.report.jsonio import result_from_json, result_to_json
from core.scan.engine import run_scan
from core.scan.heat import COMMON_PHRASE, CONTEXT_COPY
from core.settings import ScanSettings
from gui import style
from gui.heatmap import HeatmapLegend, HeatmapStrip
from gui.report_pdf import heatmap_image
from tests.helpers import texts
from tests.helpers.docs import document
from tests.helpers.results import make_result

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chorus_scan():
    pytest.importorskip("llama_cpp")
    from core.model.loader import load_backend

    story = texts.UNPUBLISHED_STORY.read_text(encoding="utf-8")
    paragraphs = story.split("\n\n")
    # A refrain sung three times, each within the 50-token prompt of the next: generation copies it.
    refrain = "Keep the lamp lit, keep the log true, and write down the weather for whoever comes after."
    text = "\n\n".join(paragraphs[:2] + [" ".join([refrain] * 3)] + paragraphs[2:3])
    backend = load_backend(None, ScanSettings(device="cpu"), backend="llama.cpp")
    return text, run_scan(document(text, "chorus.txt"), backend, ScanSettings(device="cpu"))


def _reddish(c: QColor) -> bool:
    return c.red() > c.blue() + 40


def test_a_repeated_paragraph_is_drawn_as_a_context_copy_not_as_evidence(chorus_scan, qtbot):
    text, result = chorus_scan
    copies = [i for i, c in enumerate(result.heatmap_set_aside) if c == CONTEXT_COPY]
    assert copies, "the repeated paragraph is confirmed and set aside as a context copy"
    # It lies in the repeat (after the fifth paragraph), and none of it is coloured as evidence.
    bins = len(result.heatmap)
    second = text.index("Keep the lamp lit", text.index("Keep the lamp lit") + 1)
    assert min(copies) / bins >= second / len(text) - 0.01
    # A bin where the repeat begins may hold its first, uncopied tokens (evidence, red); the rest is grey.
    grey = [i for i in copies if result.heatmap[i] == 0]
    assert len(grey) >= 0.8 * len(copies)
    # The JSON carries it and reads back the same.
    again = result_from_json(result_to_json(result))
    assert again.heatmap_set_aside == result.heatmap_set_aside

    # The app's strip: hatched grey where the copy is, and the legend is shown.
    strip, legend = HeatmapStrip(), HeatmapLegend()
    qtbot.addWidget(strip)
    qtbot.addWidget(legend)
    strip.resize(800, 24)
    strip.set_heatmap(again.heatmap, len(text), again.heatmap_set_aside)
    legend.show_for(again.heatmap_set_aside)
    assert not legend.isHidden()
    image = strip.grab().toImage()
    mid = grey[len(grey) // 2]
    xs = range(int(mid * 800 / bins) - 1, int((mid + 1) * 800 / bins) + 2)
    colours = {image.pixelColor(x, y).name() for x in xs for y in range(4, 20)}
    assert {style.SET_ASIDE.name(), style.SET_ASIDE_GROUND.name()} <= colours, colours

    # The PDF's strip: the same bins in the same two colours.
    pdf = heatmap_image(again, 1600, [])
    x0, x1 = int(mid * 1600 / bins), int((mid + 1) * 1600 / bins)
    pdf_colours = {pdf.pixelColor(x, y).name() for x in range(x0, x1) for y in range(5, 60)}
    assert {style.SET_ASIDE.name(), style.SET_ASIDE_GROUND.name()} <= pdf_colours, pdf_colours


def test_a_common_phrase_bin_is_solid_grey_and_evidence_stays_red(qtbot):
    """Drawing logic on a made-up result: a common phrase beside a counted passage, and an old report."""
    result = make_result()
    n = len(result.heatmap)
    codes = [0] * n
    common = next(i for i, v in enumerate(result.heatmap) if v == 0)
    codes[common] = COMMON_PHRASE
    hot = max(range(n), key=lambda i: result.heatmap[i])
    codes[hot] = CONTEXT_COPY  # heat wins where a bin holds both
    shown = replace(result, heatmap_set_aside=tuple(codes))
    pdf = heatmap_image(shown, n * 4, [])
    assert pdf.pixelColor(common * 4 + 2, 10).name() == style.SET_ASIDE.name()
    assert _reddish(pdf.pixelColor(hot * 4 + 2, 10))
    # An old report without the field draws no grey and no second legend row.
    old = heatmap_image(replace(result, heatmap_set_aside=()), n * 4, [])
    assert old.height() < pdf.height()
    assert old.pixelColor(common * 4 + 2, 10).name() == style.HEAT_LOW.name()
