import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import dataclasses
import shutil
import subprocess

import pytest
from pypdf import PdfReader
from PySide6.QtGui import QColor, QImage

from core.ingest.document import Location
from core.stats.extraction import discoverable
from gui import plots
from gui.figures_panel import FiguresPanel
from gui.report_pdf import export_report
from tests.helpers.reconstruction import genesis_1, kjv_reconstruction
from tests.helpers.results import make_result


def test_log_axis_puts_decades_evenly():
    assert plots.log_fraction(1) == 0.0
    assert plots.log_fraction(100) == pytest.approx(0.5)
    assert plots.log_fraction(10_000) == 1.0
    assert plots.log_fraction(0) == 0.0 and plots.log_fraction(1e9) == 1.0


def test_curves_are_discoverable_at_whole_numbers_of_queries():
    samples = plots.curve_samples(0.01, points=5)
    assert [round(n) for n, _ in samples] == [1, 10, 100, 1000, 10000]
    for n, v in samples:
        assert v == pytest.approx(discoverable(0.01, round(n)))
    assert [v for _, v in samples] == sorted(v for _, v in samples)


def test_bar_spans_scale_stretches_and_keep_tiny_ones_visible():
    spans = plots.bar_spans([[0, 500, "verbatim"], [999, 1000, "near-verbatim"], [250, 251, "verbatim"]], 1000, 200)
    assert spans[0] == (0.0, 100.0, "verbatim")
    assert spans[1] == (pytest.approx(199.8), 200.0, "near-verbatim")
    assert spans[2] == (50.0, 51.0, "verbatim")  # one character: still a pixel wide
    assert plots.bar_spans([[0, 1, "verbatim"]], 0, 100) == []


def test_chapter_cells_cover_the_chapter_with_its_bins():
    heat = [0.0, 0.5, 1.0, 0.25]  # 4 bins of 25 characters
    cells = plots.chapter_cells(heat, 100, 10, 60)
    assert [v for _, _, v in cells] == [0.0, 0.5, 1.0]
    assert cells[0][0] == 0.0 and cells[-1][1] == pytest.approx(1.0)
    assert cells[0][1] == pytest.approx(15 / 50) and cells[1][1] == pytest.approx(40 / 50)
    assert plots.chapter_cells(heat, 100, 60, 60) == []


def test_extraction_curves_number_passages_as_the_report_does():
    result = make_result()
    curves = plots.extraction_curves(result)
    assert [c.label.split(" (")[0] for c in curves] == ["passage 1", "passage 3", "passage 2"]  # by p_z
    with_work = dataclasses.replace(result, extraction={"share": {"1": 0.1, "10": 0.4, "100": 0.9}})
    work = plots.extraction_curves(with_work)[0]
    assert work.work and work.points == ((1.0, 0.1), (10.0, 0.4), (100.0, 0.9))


def _colour_pixels(img: QImage, colour: str, tolerance: int = 30) -> int:
    want = QColor(colour)
    n = 0
    for y in range(0, img.height()):
        for x in range(0, img.width()):
            c = img.pixelColor(x, y)
            if abs(c.red() - want.red()) + abs(c.green() - want.green()) + abs(c.blue() - want.blue()) < tolerance:
                n += 1
    return n


def _images(page) -> int:
    xobjects = page["/Resources"].get("/XObject")
    xobjects = xobjects.get_object() if xobjects else {}
    return sum(xobjects[k].get_object().get("/Subtype") == "/Image" for k in xobjects)


@pytest.fixture(scope="module")
def genesis_result():
    pytest.importorskip("llama_cpp")
    return dataclasses.replace(make_result(text=genesis_1()), reconstruction=kjv_reconstruction())


@pytest.mark.slow
def test_panel_paints_the_real_reconstruction(qtbot, genesis_result):
    panel = FiguresPanel()
    qtbot.addWidget(panel)
    panel.resize(900, 700)
    panel.show_result(genesis_result)
    panel.show()
    qtbot.waitExposed(panel)
    view = panel.views["reconstruction"]
    assert view.height() >= view.sizeHint().height() - 1
    img = view.grab().toImage()
    assert _colour_pixels(img, plots.VERBATIM) > 0  # Gemma's exact stretch after the seed
    assert _colour_pixels(img, plots.SEED) > 0
    panel.show_result(None)
    assert _colour_pixels(view.grab().toImage(), plots.VERBATIM) == 0


def test_panel_tab_in_the_results_pane(qtbot):
    from gui.results_pane import ResultsPane

    pane = ResultsPane()
    qtbot.addWidget(pane)
    titles = [pane.result_tabs.tabText(i) for i in range(pane.result_tabs.count())]
    assert "Fig&ures" in titles
    pane.show_result(make_result(), [Location(0, 900, "One"), Location(900, 2000, "Two")])
    assert pane.figures_panel.views["chapters"].sizeHint().height() > plots.figure_height("chapters", 1.0, 1)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs pdftoppm (poppler-utils)")
def test_pdf_shows_the_reconstruction_as_vector_figure(tmp_path, genesis_result):
    path = tmp_path / "genesis.pdf"
    export_report(genesis_result, path)
    reader = PdfReader(path)
    texts = [" ".join(p.extract_text().split()) for p in reader.pages]
    (page,) = [i for i, t in enumerate(texts) if "How much of the work comes out" in t]
    rec = genesis_result.reconstruction
    assert "Unassisted" in texts[page] and f"{rec['work_tokens']:,} tokens" in texts[page]
    assert "given to the model (seed)" in texts[page]  # the figure's legend is text in the PDF
    # Painted as vector graphics: the only picture in the whole report is the older heatmap strip.
    assert sum(_images(p) for p in reader.pages) == 1
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", str(page + 1), "-l", str(page + 1), str(path),
                    str(tmp_path / "p")], check=True, timeout=60)
    img = QImage(str(next(tmp_path.glob("p*.png"))))
    assert _colour_pixels(img, plots.SEED) > 20 and _colour_pixels(img, plots.VERBATIM) > 0
