"""First run: the welcome page, the sample button, and the Help menu's pages."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from gui.assets import asset_path
from gui.help import HelpDialog
from gui.welcome import SEEN_KEY

SAMPLE = asset_path("samples", "genesis-1-3-kjv.txt")


def _open_help_dialogs() -> list[HelpDialog]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, HelpDialog) and w.isVisible()]


@pytest.fixture(autouse=True)
def _close_help_dialogs():  # type: ignore[no-untyped-def]
    yield
    for dialog in _open_help_dialogs():
        dialog.close()


def test_welcome_is_shown_on_first_start(make_window) -> None:
    window = make_window()
    assert window.welcome is not None and window.welcome.is_showing()
    view = window.welcome.view
    assert "memorized your manuscript" in view.intro.text()
    assert view.sample_button.text() == "Try the sample manuscript"
    assert view.open_button.text() == "Open a manuscript…"


def test_sample_button_loads_the_sample_with_the_default_model(make_window, qtbot) -> None:
    window = make_window()
    qtbot.mouseClick(window.welcome.view.sample_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "In the beginning God created" in window.manuscript.toPlainText(), timeout=30000)
    assert window.current_entry().path == str(SAMPLE)
    assert window.picker.current_spec() is None  # the embedded default model
    assert not window.welcome.is_showing()
    assert window.centralWidget().currentWidget() is not window.welcome.view


def test_welcome_is_not_shown_once_a_manuscript_was_opened(make_window, manuscript, qsettings) -> None:
    first = make_window()
    first.open_paths([str(manuscript)])
    assert not first.welcome.is_showing()
    assert qsettings.value(SEEN_KEY, False, type=bool)
    assert make_window().welcome is None


def test_open_button_asks_for_a_file(make_window, monkeypatch) -> None:
    window = make_window()
    asked: list[bool] = []
    monkeypatch.setattr(window, "_on_open_action_triggered", lambda: asked.append(True))
    window.open_action.triggered.disconnect()
    window.open_action.triggered.connect(window._on_open_action_triggered)
    window.welcome.view.open_button.click()
    assert asked == [True]


def test_how_it_works_link_opens_the_method(make_window, qtbot) -> None:
    window = make_window()
    window.welcome.view.help_link.linkActivated.emit("help:method")
    qtbot.waitUntil(lambda: bool(_open_help_dialogs()))
    (dialog,) = _open_help_dialogs()
    assert dialog.windowTitle() == "How Verbatim works"
    assert "continues with your own words" in dialog.text()


@pytest.mark.parametrize(
    ("key", "title", "sentence"),
    [
        ("method", "How Verbatim works", "only what it actually wrote counts"),
        ("method", "How Verbatim works", "any passage it reproduces too from the same prompt is set aside"),
        ("limitations", "Limitations", "A small model memorizes little."),
        (
            "verdict",
            "What a verdict means (and does not)",
            "A “No evidence of memorization” verdict does not prove that your text was absent from the model's "
            "training data",
        ),
        ("figures", "What the figures mean", "Attempts for 50 % odds"),
        ("about", "About Verbatim", "Gemma Terms of Use"),
    ],
)
def test_help_menu_pages_open_with_their_key_sentences(make_window, qtbot, key, title, sentence) -> None:
    window = make_window()
    window.help_actions[key].trigger()
    qtbot.waitUntil(lambda: bool(_open_help_dialogs()))
    (dialog,) = _open_help_dialogs()
    assert dialog.windowTitle() == title
    assert sentence in " ".join(dialog.text().split())


def test_about_names_every_licence(make_window, qtbot) -> None:
    window = make_window()
    window.help_actions["about"].trigger()
    qtbot.waitUntil(lambda: bool(_open_help_dialogs()))
    text = " ".join(_open_help_dialogs()[0].text().split())
    for needle in ("Apache License 2.0", "SmolLM2", "DejaVu", "Gemma Terms of Use"):
        assert needle in text


def test_window_has_the_verbatim_icon(make_window) -> None:
    make_window()
    icon = QApplication.windowIcon()
    assert not icon.isNull() and 256 in [s.width() for s in icon.availableSizes()]
