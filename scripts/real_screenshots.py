"""The README's pictures, from a real scan: the window showing its result and the PDF's first page.

    verbatim scan assets/samples/genesis-1-3-kjv.txt --json docs/screenshots/sample-scan.json
    QT_QPA_PLATFORM=offscreen python scripts/real_screenshots.py docs/screenshots/sample-scan.json

Writes gui-empty.png (the sample queued, before a scan), gui-results.png, gui-detail.png (the strongest passage selected) and report-page-1.png into
docs/screenshots/ (or --out). A result with chat probes or a reconstruction (`--chat`, `--reconstruct`)
also gives gui-chat.png and gui-figures.png (those tabs shown) and report-chat.png and
report-reconstruction.png (the PDF pages whose sections start with them). The JSON must come from a real model: a result of the test-only fake backend is
refused, so no picture a user sees shows a finding no model produced. The JSON is judged again with the
current verdict rule first (core.evidence.controls.rejudge: the chance model it holds, no rescanning),
and written back, so the pictures and the JSON beside them agree.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("result", type=Path, help="a scan result JSON written by `verbatim scan --json`")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from core.evidence.controls import rejudge
    from core.ingest import load_document
    from core.report.jsonio import read_json, write_json
    from core.settings import ScanSettings

    result = read_json(args.result)
    if result.model.backend == "fake" or result.model.format == "fake":
        print("This result comes from the test-only fake backend; the README shows real scans only.",
              file=sys.stderr)
        return 2
    result = rejudge(result, ScanSettings.from_dict(result.settings).thresholds)
    write_json(result, args.result)
    doc = load_document(result.manuscript.path)
    if doc.text_sha256 != result.manuscript.text_sha256:
        print(f"{result.manuscript.path} is not the text that was scanned.", file=sys.stderr)
        return 2
    result = dataclasses.replace(result, text=doc.text)

    from PySide6.QtCore import QSettings
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from gui.app import create_main_window
    from gui.report_pdf import export_report
    from gui.style import apply_style

    app = QApplication(sys.argv[:1])
    apply_style(app)
    tmp = Path(tempfile.mkdtemp())
    settings = QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("welcome/seen", True)
    window = create_main_window(None, settings=settings, discover=lambda: [], data_dir=str(tmp / "data"))
    window.resize(1280, 820)
    window.show()
    from core.model.discovery import embedded_gemma_path

    if result.model.path and Path(result.model.path).exists() and Path(result.model.path) != embedded_gemma_path():
        window.picker.choose_path(result.model.path)  # the picker names the model the result came from
    window.open_paths([result.manuscript.path])
    for _ in range(400):
        entry = window.current_entry()
        if entry is not None and entry.status == "ready":
            break
        QTest.qWait(50)
    QTest.qWait(300)
    args.out.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(args.out / "gui-empty.png"))  # the sample queued, before its scan
    window.queue_model.update(result.manuscript.path, result=result)
    window.show_result(result)
    window.statusBar().clearMessage()
    QTest.qWait(400)
    args.out.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(args.out / "gui-results.png"))
    window.table.selectRow(0)
    QTest.qWait(300)
    window.grab().save(str(args.out / "gui-detail.png"))
    tabs = window.result_tabs
    titles = [tabs.tabText(i).replace("&", "") for i in range(tabs.count())]
    if result.chat:
        tabs.setCurrentIndex(titles.index("Chat probes"))
        QTest.qWait(300)
        window.grab().save(str(args.out / "gui-chat.png"))
    if result.chat or result.reconstruction:
        tabs.setCurrentIndex(titles.index("Figures"))
        QTest.qWait(300)
        window.results.figures_panel.grab().save(str(args.out / "gui-figures.png"))  # all three, unscrolled
    window.close()

    pdf = tmp / "report.pdf"
    export_report(result, pdf, locations=doc.locations)
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                        str(args.out / "report-page-1")], check=True, timeout=120)
        for heading, name in (("Chat probes", "report-chat"), ("How much of the work comes out", "report-reconstruction")):
            page = _page_starting(pdf, heading) if (result.chat or result.reconstruction) else None
            if page is not None:
                subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", str(page), "-l", str(page), "-singlefile",
                                str(pdf), str(args.out / name)], check=True, timeout=120)
    print(f"{result.summary.verdict}: {result.summary.reason}")
    app.quit()
    return 0


def _page_starting(pdf: Path, heading: str) -> int | None:
    """The first page (from 1) holding a line that is exactly `heading`, or None."""
    from pypdf import PdfReader

    for number, page in enumerate(PdfReader(pdf).pages, 1):
        if any(" ".join(line.split()) == heading for line in page.extract_text().splitlines()):
            return number
    return None


if __name__ == "__main__":
    raise SystemExit(main())
