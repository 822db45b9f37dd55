"""The notes' drawings over the main viewer follow the edits: an add or a move of shots puts another shot
under the playhead without reading the notes again; a split, a delete and their undo (which write note rows)
show the drawings where the notes now are."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from ui.ui_review_support import CODES, build_review_project

from previz.ui import authoring
from previz.ui.main_window import MainWindow
from previz.ui.review.actions import install_review
from previz.ui.review.viewer_notes import ViewerNotes

STROKES = [{"kind": "arrow", "colour": "#ff3b30", "width": 3, "points": [[0.2, 0.2], [0.6, 0.5]]}]


@pytest.fixture
def window(tmp_path, qtbot, monkeypatch):
    monkeypatch.setenv("PREVIZ_SETTINGS_DIR", str(tmp_path / "settings"))
    session = build_review_project(tmp_path / "film")
    session.add_note(CODES[1], 5, "Longer", strokes=STROKES)
    root = session.root
    session.close()
    window = MainWindow()
    qtbot.addWidget(window)
    install_review(window)
    window.show()
    assert window.open_project(root)
    yield window
    window.close()


def _show(viewer, code: str, frame: int) -> None:
    entry = next(e for e in viewer.source.cut.entries if e.code == code)
    viewer.seek(entry.record_in + frame)
    assert viewer.wait_displayed(entry.record_in + frame)


def test_drawings_follow_adds_splits_deletes_and_undo(window, qtbot):
    viewer, controller = window.widgets["viewer"], window.controller
    qtbot.waitUntil(lambda: viewer.findChild(ViewerNotes) is not None)
    notes = viewer.findChild(ViewerNotes)
    _show(viewer, CODES[1], 5)
    assert notes.overlay.shown == STROKES

    reads = []

    def read(*args):
        reads.append(args[2])

    event.listen(controller.session.engine, "before_cursor_execute", read)
    added = authoring.add_shot(controller, CODES[0])  # before the noted shot: it moves later in the cut
    assert not [s for s in reads if "FROM note" in s]  # the notes were not read again
    _show(viewer, added.code, 5)
    assert notes.overlay.shown == []
    _show(viewer, CODES[1], 5)
    assert notes.overlay.shown == STROKES
    event.remove(controller.session.engine, "before_cursor_execute", read)

    # a split at frame 3 moves the note to the second half, frame 2: same place in the cut
    entry = next(e for e in viewer.source.cut.entries if e.code == CODES[1])
    first, second = authoring.split_at(controller, CODES[1], 3)
    viewer.seek(entry.record_in + 5)
    assert viewer.wait_displayed(entry.record_in + 5)
    assert notes.overlay.shown == STROKES
    _show(viewer, second.code, 2)
    assert notes.overlay.shown == STROKES

    authoring.delete(controller, [second.code])  # its note goes with it
    assert all(e.code != second.code for e in viewer.source.cut.entries)
    for e in viewer.source.cut.entries:
        for frame in range(e.duration):
            viewer.seek(e.record_in + frame)
            assert viewer.wait_displayed(e.record_in + frame)
            assert notes.overlay.shown == []
    window.undo_action.trigger()  # the shot and its note are back
    _show(viewer, second.code, 2)
    assert notes.overlay.shown == STROKES
