"""Asking for a reconstruction from the app: the "Reconstruct" box under the queue, through a real scan job."""

from __future__ import annotations

from core.reconstruct import ReconstructOptions
from tests.gui.test_window import open_and_wait


def test_reconstruct_box_asks_the_scan_for_a_reconstruction(qtbot, make_window, manuscript) -> None:
    window = make_window()
    choice = window.queue_pane.reconstruct_choice
    assert choice.request(0.1) is None and choice.isHidden()
    assert choice.enabled in window.tab_chain and choice.assisted in window.tab_chain
    choice.enabled.setChecked(True)
    assert not choice.isHidden()
    assert choice.request(0.1) == ReconstructOptions(assisted=False, tolerance=0.1)
    choice.assisted.setChecked(True)
    assert choice.request(0.2) == ReconstructOptions(assisted=True, tolerance=0.2)

    open_and_wait(qtbot, window, manuscript)
    with qtbot.waitSignal(window.controller.finished, timeout=60_000) as blocker:
        window.start_scan()
    result = blocker.args[0]
    record = result.reconstruction
    assert record["mode"] == "assisted" and record["tolerance"] == window.scan_settings.near_verbatim_tolerance
    assert record["chapters"] and record["generated_tokens"] > 0
    # The fake model memorized chapter two: assisted reconstruction writes some of it out verbatim.
    assert record["verbatim_share"] > 0
    assert window.results.result is result

