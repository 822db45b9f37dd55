"""The project's first reads when the main window opens it: the boards' media rows in one read for the
viewer and the timeline's thumbnails together (it was one read per board, twice), and the change feed's
polling started at the event loop's first turn, after the window is built (its first poll fell due during
the first paint)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from ui.ui_review_support import CODES, build_review_project

from previz.ui.main_window import MainWindow


@pytest.fixture
def root(tmp_path, monkeypatch):
    monkeypatch.setenv("PREVIZ_SETTINGS_DIR", str(tmp_path / "settings"))
    session = build_review_project(tmp_path / "film")
    for code in ("001_0030", "001_0040", "001_0050"):  # shots showing their boards (no take)
        session.add_shot("1", code=code, board_hash=session.shot(CODES[0]).board_hash)
    root = session.root
    session.close()
    return root


def test_the_boards_are_read_once_and_the_feed_starts_after_the_window(root, qtbot):
    ui = threading.get_ident()
    reads: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if threading.get_ident() == ui:
            reads.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        window = MainWindow()
        qtbot.addWidget(window)
        window.show()
        assert window.open_project(root)
        assert not window.controller.feed_timer.isActive()  # not due during the first paint
        qtbot.waitUntil(window.controller.feed_timer.isActive)  # from the event loop's first turn
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    assert len([s for s in reads if "FROM media" in s]) == 1
    viewer = window.widgets["viewer"]
    entries = viewer.source.cut.entries
    assert [e.code for e in entries[-3:]] == ["001_0030", "001_0040", "001_0050"]
    board = window.session.media_path(window.session.shot(CODES[0]).board_hash)
    for e in entries[-3:]:
        viewer.seek(e.record_in)
        assert viewer.wait_displayed(e.record_in)
        assert (viewer.displayed_spec.kind, viewer.displayed_spec.path) == ("image", str(board))
    window.close()
