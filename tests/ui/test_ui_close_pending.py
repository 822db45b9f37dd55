"""Closing the main window while work for the open project is still pending (a refresh, a decode, a
proxy, a thumbnail) never reaches the closed session: nothing is raised into the event loop."""

from __future__ import annotations

import sys
from fractions import Fraction

import numpy as np
from PySide6.QtWidgets import QApplication

from previz.ui.main_window import MainWindow


def add_720p_take(session, code: str, frames: int = 48) -> None:
    """A take taller than the viewer's proxies (540 lines): opening the cut starts making its proxy."""
    from previz.media.library import register_encoded
    from previz.media.video import VideoWriter

    temp = session.media.new_temp_path("mp4")
    rng = np.random.default_rng(7)
    with VideoWriter(temp, 1280, 720, Fraction(24), preset="ultrafast", crf=30, gop=12) as w:
        for _ in range(frames):
            w.write(rng.integers(0, 255, (720, 1280, 3), np.uint8))
    session.add_take(code, kind="imported", media_hash=register_encoded(session, temp).hash)


def test_close_with_a_refresh_pending_raises_nothing(qtbot, project, video_take, monkeypatch):
    add_720p_take(project, "001_0010")
    for code in ("001_0020", "001_0020", "002_0010"):  # 001_0020 has two takes to compare
        video_take(project, code, 30)
    root = project.root
    project.close()
    raised = []
    monkeypatch.setattr(sys, "excepthook", lambda *exc: raised.append(exc))
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    assert window.open_project(root)
    viewer = window.widgets["viewer"]
    assert viewer.proxies.wait(120000)  # the proxy is made; its "ready" (a viewer refresh) is still queued
    review = window.review_actions.enter_review(full_screen=False)
    review.player.play()
    compare = window.review_actions.compare_takes("001_0020")
    compare.view.player.play()
    viewer.play()  # decodes in flight, playback ticking
    viewer.seek(40)
    window.controller.edit(lambda: window.session.set_shot("001_0010", action="a refresh for every view"))
    window.close()  # with the thumbnails, decodes and refreshes above still pending
    for _ in range(50):
        QApplication.processEvents()
        QApplication.sendPostedEvents()
    qtbot.wait(300)
    assert window.session is None
    assert raised == []
    assert window.review_actions.review_window is None and not review.player.decoders
    assert not compare.view.player.decoders and not viewer.transport.decoders
