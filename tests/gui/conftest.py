"""GUI fixtures: isolated QSettings, a window wired to FakeBackend, and a guard against leaked threads."""

from __future__ import annotations

import traceback
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QSettings, QThread

from core.model.fake import FakeBackend
from core.settings import ScanSettings
from tests.helpers.results import SAMPLE_TEXT

# The fake model "trained" on the second chapter: a scan must find it and nothing else.
MEMORIZED = SAMPLE_TEXT[SAMPLE_TEXT.index("Chapter Two") :]


@pytest.fixture(scope="session", autouse=True)
def _widgets_application(qapp):  # type: ignore[no-untyped-def]
    """A QApplication before any test runs: gui.report_pdf would otherwise create a bare
    QGuiApplication for itself, and every QWidget after it aborts the process."""
    return qapp


@pytest.fixture(scope="session", autouse=True)
def _collect_on_the_gui_thread(qapp):  # type: ignore[no-untyped-def]
    """As in the app (gui/gc_main_thread.py): a worker thread must never destroy Qt objects by collecting
    the cycles a finished test left behind."""
    from gui.gc_main_thread import MainThreadCollector

    collector = MainThreadCollector(qapp)
    yield collector
    collector.stop()


@pytest.fixture(autouse=True)
def _collect_after_each_test() -> Iterator[None]:
    """Free each test's Qt garbage on the GUI thread before the next test's worker threads start."""
    import gc

    yield
    gc.collect()


@pytest.fixture(autouse=True)
def _no_dangling_qthreads(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail any test that leaves a QThread running (napari's conftest does the same)."""
    started: weakref.WeakKeyDictionary[QThread, str] = weakref.WeakKeyDictionary()
    original = QThread.start

    def start(self: QThread, *args: object) -> None:
        started[self] = "".join(traceback.format_stack(limit=6)[:-1])
        original(self, *args)

    monkeypatch.setattr(QThread, "start", start)
    yield
    running = []
    for thread, where in list(started.items()):
        try:
            if thread.isRunning():
                running.append(where)
        except RuntimeError:  # the C++ object is gone: certainly not running
            continue
    if running:
        pytest.fail("test left QThread(s) running, started at:\n" + "\n".join(running))


@pytest.fixture(scope="session", autouse=True)
def _isolated_control_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Bundled-control results are cached per model; tests cache under a temp folder, never the home."""
    mp = pytest.MonkeyPatch()
    mp.setenv("VERBATIM_CACHE", str(tmp_path_factory.mktemp("control-cache")))
    yield
    mp.undo()


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Default-constructed QSettings write under a temp folder, never the real home."""
    root = str(tmp_path_factory.mktemp("qsettings"))
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, root)
        QSettings.setPath(fmt, QSettings.Scope.SystemScope, root)
    QCoreApplication.setOrganizationName("VerbatimTests")
    QCoreApplication.setApplicationName("VerbatimTests")


@pytest.fixture
def qsettings(tmp_path: Path) -> QSettings:
    """An ini file of this test's own."""
    return QSettings(str(tmp_path / "verbatim.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def manuscript(tmp_path: Path) -> Path:
    """The sample manuscript as a .txt file."""
    path = tmp_path / "salt-road.txt"
    path.write_text(SAMPLE_TEXT, encoding="utf-8")
    return path


@pytest.fixture
def long_manuscript(tmp_path: Path) -> Path:
    """Eight copies of the sample: long enough that a slowed fake scan can be cancelled midway."""
    path = tmp_path / "long.txt"
    path.write_text("\n\n".join([SAMPLE_TEXT] * 8), encoding="utf-8")
    return path


def _refuse_questions(title: str, question: str) -> bool:
    """Answer No to every question (a modal box would block a headless test)."""
    return False


def fake_factory(delay_s: float = 0.0) -> Callable[[str | None, ScanSettings], FakeBackend]:
    """A backend factory as the window expects, building the FakeBackend that memorized chapter two."""

    def factory(spec: str | None, settings: ScanSettings) -> FakeBackend:
        return FakeBackend(memorized=(MEMORIZED,), delay_s=delay_s)

    return factory


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """The app's per-user data folder (checkpoints, comparisons) for this test."""
    return tmp_path / "app-data"


@pytest.fixture
def make_window(qtbot, qsettings: QSettings, data_dir: Path):  # type: ignore[no-untyped-def]
    """Build a MainWindow with a fake backend; closed (and its threads joined) after the test.

    Controls are off unless `controls=True`: most tests are about the scan itself.
    """
    from gui.app import create_main_window

    windows = []

    def make(  # type: ignore[no-untyped-def]
        delay_s: float = 0.0, discover=None, small_chunks: bool = False, controls: bool = False, factory=None
    ):
        window = create_main_window(
            factory or fake_factory(delay_s),
            settings=qsettings,
            discover=discover or (lambda: []),
            data_dir=str(data_dir),
        )
        qtbot.addWidget(window)
        window.controls_options.enabled.setChecked(controls)
        window.ask = _refuse_questions
        if small_chunks:
            window.scan_settings = ScanSettings(chunk_tokens=48, overlap_tokens=16, batch_size=1)
        windows.append(window)
        qtbot.waitUntil(lambda: not window.picker.is_discovering(), timeout=5000)
        return window

    yield make
    for window in windows:
        window.close()
