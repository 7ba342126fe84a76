"""Screenshots of the main window's states, taken offscreen with FakeBackend: for reviewing layouts only.

Their results are the test-only fake's, so they never go into docs/ or the README; the README's pictures
come from a real scan through scripts/real_screenshots.py.

    QT_QPA_PLATFORM=offscreen python scripts/screenshots.py [--out /tmp/verbatim-layout-shots] [--scale 2]

Writes, into a temporary folder by default (never docs/), layout shots named gui-empty.png,
gui-scanning.png, gui-results.png, gui-detail.png, gui-controls.png (the
Controls panel) and gui-models.png (the several-models matrix); with --scale 2: gui-results-200.png, the
200 % readability check. PNGs are palette-quantized to stay small.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(Path(tempfile.gettempdir()) / "verbatim-layout-shots"))
    parser.add_argument("--scale", type=float, default=1.0, help="QT_SCALE_FACTOR (2 = the 200 %% check)")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if args.scale != 1.0:
        os.environ["QT_SCALE_FACTOR"] = str(args.scale)

    from PySide6.QtCore import QEventLoop, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from core.model.fake import FakeBackend
    from gui.app import create_main_window
    from gui.models import OBJECT_ROLE

    out = Path(args.out)
    if (ROOT / "docs").resolve() in (out.resolve(), *out.resolve().parents):
        print("These shots show the test-only fake's results; docs/ takes real scans only "
              "(scripts/real_screenshots.py).", file=sys.stderr)
        return 2
    app = QApplication(sys.argv[:1])
    out.mkdir(parents=True, exist_ok=True)
    sample = ROOT / "assets" / "samples" / "genesis-1-3-kjv.txt"
    text = sample.read_text(encoding="utf-8")
    # The fake model "memorized" the creation of light, and a slightly different Eden (so it diverges).
    i = text.index("And God said, Let there be light")
    j = text.index("And the LORD God planted a garden")
    k = text.index("Now the serpent was more subtil")
    memorized = (
        text[i : i + 900],
        text[j : j + 700].replace("good for food", "fair to look upon"),
        text[k : k + 500],
    )
    delay = {"value": 0.0}
    # Three stand-in models for the matrix: each remembers a different amount of the text.
    models = {
        None: ("google/gemma-3-270m (embedded)", memorized),
        "smollm2": ("HuggingFaceTB/SmolLM2-135M-Instruct", memorized[2:]),
        "llama": ("meta-llama/Llama-3.2-1B", ()),
    }

    def factory(spec, settings):  # type: ignore[no-untyped-def]
        name, texts = models.get(spec, models[None])
        backend = FakeBackend(memorized=texts, delay_s=delay["value"])
        backend.info = dataclasses.replace(backend.info, name=name)
        return backend

    tmp = Path(tempfile.mkdtemp(prefix="verbatim-shots-"))
    os.environ["VERBATIM_CACHE"] = str(tmp / "cache")  # control results cached here, not in the home
    settings = QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat)
    window = create_main_window(factory, settings=settings, discover=lambda: [], data_dir=str(tmp / "data"))
    window.ask = lambda title, question: False  # the scanning shot leaves a checkpoint: start fresh, no box
    suffix = "" if args.scale == 1.0 else f"-{round(args.scale * 100)}"
    size = (1280, 820) if args.scale == 1.0 else (1100, 720)
    window.resize(*size)
    window.show()

    def wait(signal=None, ms: int = 300) -> None:  # type: ignore[no-untyped-def]
        # A script may run a local loop; the app itself never does.
        loop = QEventLoop()
        if signal is not None:
            signal.connect(loop.quit)
        QTimer.singleShot(ms if signal is None else 60_000, loop.quit)
        loop.exec()

    def shot(name: str) -> None:
        wait(ms=200)
        path = out / f"gui-{name}{suffix}.png"
        save_small(window.grab().toImage(), path)
        print(f"{path} ({path.stat().st_size // 1024} KB)")

    if args.scale == 1.0:
        shot("empty")
    window.open_paths([str(sample)])
    wait(ms=500)
    if args.scale == 1.0:
        delay["value"] = 0.15
        window.scan_settings = window.scan_settings.__class__(
            chunk_tokens=64, overlap_tokens=16, batch_size=1
        )
        window.start_scan()
        for _ in range(8):
            wait(window.controller.progress)
        shot("scanning")
        window.controller.shutdown()
        delay["value"] = 0.0
        window.scan_settings = window.scan_settings.__class__()
    window.start_scan()
    wait(window.controller.finished)
    shot("results")
    if args.scale == 1.0:
        # The detail of a passage where the model diverges: spans highlighted on both sides.
        proxy = window.passage_proxy
        rows = [(proxy.index(r, 0).data(OBJECT_ROLE), r) for r in range(proxy.rowCount())]
        diverging = [(p.similarity, r) for p, r in rows if not p.common_phrase and p.generated != p.original]
        if diverging:
            window.table.selectRow(min(diverging)[1])
        window.results_splitter.setSizes([320, 420])
        shot("detail")
        # The Controls panel: the same scan on texts the model cannot have seen.
        window.result_tabs.setCurrentWidget(window.controls_panel)
        window.results_splitter.setSizes([260, 480])
        shot("controls")
        window.result_tabs.setCurrentWidget(window.detail)
        # Several models: the matrix of manuscripts by models.
        window.compare_models([None, "smollm2", "llama"])
        dialog = window.compare_dialog
        wait(dialog.catalogueFinished)
        dialog.resize(980, 230)
        wait(ms=200)
        path = out / "gui-models.png"
        save_small(dialog.grab().toImage(), path)
        print(f"{path} ({path.stat().st_size // 1024} KB)")
        dialog.close()
    window.close()
    app.quit()
    return 0


def save_small(image, path: Path) -> None:  # type: ignore[no-untyped-def]
    """Save as a 256-colour PNG (flat UI colours survive; files stay far under 250 KB)."""
    from PySide6.QtCore import QBuffer, QIODevice

    try:
        from PIL import Image
    except ImportError:
        image.save(str(path))
        return
    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    import io

    pil = Image.open(io.BytesIO(bytes(buf.data()))).convert("RGB")
    pil.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        path, optimize=True
    )


if __name__ == "__main__":
    sys.exit(main())
