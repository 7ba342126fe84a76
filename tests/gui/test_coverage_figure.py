"""One coverage figure, one name, one τ: the app's key figure, the PDF's and the CLI's agree (issue 15 item 6,
issue 19 item 2). The figure is the in-context coverage (the scan's context, not Cooper et al.'s exact
50-token prefix: bench/RESULTS-scan.md measures the difference), and is never called plain "coverage@τ"."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import re

from cli.summary import format_summary
from core.report import wording
from core.report.content import report_html
from core.report.style import Layout
from core.results import KEY_COVERAGE_TAU
from gui.results_view import VerdictBadge
from tests.helpers.results import make_result


def test_the_app_the_pdf_and_the_cli_show_the_same_named_coverage_figure(qtbot):
    result = make_result()  # coverage 41 % / 33 % / 27 % / 19 % at 0.1 % / 1 % / 10 % / 50 %
    assert KEY_COVERAGE_TAU == "1%" and result.summary.coverage[KEY_COVERAGE_TAU] == 0.33
    badge = VerdictBadge()
    qtbot.addWidget(badge)
    badge.show_result(result)
    assert badge.figure("coverage") == wording.percent(0.33)
    assert "In-context coverage @ 1 %" in {" ".join(lbl.text().split())
                                           for lbl in badge.findChildren(type(badge.verdict_label))}
    html = report_html(result, Layout(px_per_pt=96 / 72))
    key = re.search(r'<span class="figure">([^<]*)</span><br/><span class="caption">([^<]*in-context coverage[^<]*)',
                    html)
    assert key is not None, "the PDF's key figures name the coverage figure"
    assert key.group(1) == wording.percent(0.33) and "@ 1%" in key.group(2)
    lines = format_summary(result).splitlines()
    (line,) = [ln for ln in lines if "coverage" in ln.lower()]
    assert line.startswith("In-context coverage") and "1%: 33.0%" in line
