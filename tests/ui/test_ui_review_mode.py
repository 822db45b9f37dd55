"""Review mode: overlay, status keys with undo, a note with a drawing, leaving, and the report."""

from __future__ import annotations

import csv
import re

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from ui.ui_review_support import CODES, build_review_project, drag, pixels

from previz.export.review_report import write_review_report
from previz.ui import settings
from previz.ui.controller import ProjectController
from previz.ui.review.mode import ReviewWindow
from previz.ui.review.widgets import note_author


@pytest.fixture
def review(tmp_path, qtbot, monkeypatch):
    monkeypatch.setenv("PREVIZ_SETTINGS_DIR", str(tmp_path / "settings"))
    session = build_review_project(tmp_path / "film")
    controller = ProjectController(session)
    window = ReviewWindow(controller, start_frame=0)
    qtbot.addWidget(window)
    window.resize(960, 540)
    window.show_review(full_screen=False)
    assert window.player.wait_displayed(0)
    yield window
    window.close()
    session.close()


def key(widget, k, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    QTest.keyClick(widget, k, modifiers)


def test_overlay_status_keys_undo_and_shot_navigation(review):
    session = review.session
    cut = session.cut()
    assert review.canvas.hud["shot"].startswith("001_0010  ·  take 1")
    assert review.canvas.hud["timecode"] == cut.timecode(0)
    assert review.canvas.image is not None and not review.canvas.image.isNull()
    key(review, Qt.Key.Key_T)
    assert not review.canvas.hud_visible
    key(review, Qt.Key.Key_T)
    assert review.canvas.hud_visible

    key(review, Qt.Key.Key_A)
    assert session.shot(CODES[0]).status == "approved"
    assert review.canvas.hud["status"] == "approved"
    assert review.status_bar.currentMessage() == f"Approved {CODES[0]}"
    key(review, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert session.shot(CODES[0]).status == "ready"
    key(review, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert session.shot(CODES[0]).status == "approved"

    key(review, Qt.Key.Key_Down)  # next shot
    assert review.player.wait_displayed(12)
    assert review.canvas.hud["shot"].startswith("001_0020")
    key(review, Qt.Key.Key_N)
    assert session.shot(CODES[1]).status == "needs_changes"
    key(review, Qt.Key.Key_Right)
    assert review.player.wait_displayed(13)
    assert review.canvas.hud["timecode"] == cut.timecode(13)
    key(review, Qt.Key.Key_Up)  # start of this shot, then the shot before
    assert review.player.wait_displayed(12)
    key(review, Qt.Key.Key_Up)
    assert review.player.wait_displayed(0)

    key(review, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)  # loop the first shot: frames 0..11
    assert review.player.loop_range == (0, 11)
    assert review.status_bar.currentMessage() == "Loop on"
    key(review, Qt.Key.Key_L)  # L shuttles, as in the viewer and take compare
    assert review.player.speed == 1 and review.status_bar.currentMessage() == "Shuttle 1× forward"
    key(review, Qt.Key.Key_L)
    assert review.player.speed == 2 and review.status_bar.currentMessage() == "Shuttle 2× forward"
    key(review, Qt.Key.Key_K)
    assert review.player.speed == 0 and review.status_bar.currentMessage() == "Stopped"
    review.player.seek(0)
    assert review.player.wait_displayed(0)
    key(review, Qt.Key.Key_O)  # omitted: out of the cut, the second shot is now at frame 0
    assert session.shot(CODES[0]).status == "omitted"
    assert [e.code for e in review.source.cut.entries] == [CODES[1]]
    key(review, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert session.shot(CODES[0]).status == "approved"
    assert len(review.source.cut.entries) == 2

    closed = []
    review.closed.connect(closed.append)
    key(review, Qt.Key.Key_Right)
    assert review.player.wait_displayed(1)
    key(review, Qt.Key.Key_Escape)
    assert closed == [1]  # the frame the review ended on, for the main viewer to show
    assert not review.isVisible()


def test_note_with_drawing_is_saved_shown_undone_and_reported(review, tmp_path, qtbot):
    settings.put("review/author", "Dee Rector")
    assert note_author() == "Dee Rector"
    session = review.session
    for _ in range(4):
        key(review, Qt.Key.Key_Right)
    assert review.player.wait_displayed(4)
    key(review, Qt.Key.Key_M)
    assert review.editor.isVisible() and review.drawing.editing
    rect = review.canvas.picture_rect()
    toolbar = review.editor.toolbar
    toolbar.tool_buttons["rect"].click()
    toolbar.colour_buttons["yellow"].click()
    drag(review.drawing, rect, [(0.25, 0.25), (0.5, 0.4), (0.75, 0.6)])
    toolbar.tool_buttons["pen"].click()
    toolbar.colour_buttons["red"].click()
    drag(review.drawing, rect, [(0.1, 0.8), (0.15, 0.75), (0.2, 0.8), (0.3, 0.7)])
    toolbar.tool_buttons["arrow"].click()
    drag(review.drawing, rect, [(0.9, 0.9), (0.8, 0.7)])
    toolbar.tool_buttons["ellipse"].click()
    drag(review.drawing, rect, [(0.4, 0.1), (0.45, 0.2)])
    review.drawing.undo_stroke()  # the ellipse was a mistake
    toolbar.tool_buttons["text"].click()
    drag(review.drawing, rect, [(0.3, 0.3)])
    QTest.keyClicks(review.drawing._text_edit, "darker")
    key(review.drawing._text_edit, Qt.Key.Key_Return)
    assert [s["kind"] for s in review.drawing.strokes] == ["rect", "pen", "arrow", "text"]
    review.editor.text.setFocus()
    QTest.keyClicks(review.editor.text, "Sky too bright, push the lamp")
    key(review.editor.text, Qt.Key.Key_Return)
    assert not review.editor.isVisible(), review.editor.error.text()

    (note,) = session.notes()
    assert (session.shot(note.shot_id).code, note.frame, note.author) == (CODES[0], 4, "Dee Rector")
    assert note.text == "Sky too bright, push the lamp"
    assert note.take_id == session.shot(CODES[0]).selected_take_id
    kinds = [s["kind"] for s in note.strokes]
    assert kinds == ["rect", "pen", "arrow", "text"]
    box = note.strokes[0]
    assert box["colour"] == "yellow"
    assert np.allclose(box["points"], [[0.25, 0.25], [0.75, 0.6]], atol=0.01)
    assert len(note.strokes[1]["points"]) >= 4
    assert np.allclose(note.strokes[2]["points"], [[0.9, 0.9], [0.8, 0.7]], atol=0.01)
    assert note.strokes[3]["text"] == "darker"
    assert all(0 <= v <= 1 for s in note.strokes for p in s["points"] for v in p)

    # the drawing is painted at its frame, and only there
    assert review.drawing.shown == note.strokes
    dpr = review.canvas.grab().devicePixelRatio()
    x, y = (round(v * dpr) for v in (rect.x() + 0.5 * rect.width(), rect.y() + 0.25 * rect.height()))

    def top_edge():  # the saved note changed the cut: the frame is shown again once it is decoded anew
        picture = pixels(review.canvas.grab().toImage())
        return tuple(picture[y - 2 : y + 3, x].astype(int).max(axis=0))

    # the yellow top edge of the rectangle
    qtbot.waitUntil(lambda: (lambda r, g, b: r > 200 and g > 170 and b < 120)(*top_edge()), timeout=20000)
    key(review, Qt.Key.Key_Right)
    assert review.player.wait_displayed(5)
    assert review.drawing.shown == []
    key(review, Qt.Key.Key_Left)
    assert review.player.wait_displayed(4)
    assert len(review.drawing.shown) == 4 and "Sky too bright" in review.canvas.hud["notes"]

    # one undo step removes the note, redo brings it back with its drawing
    key(review, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert session.notes() == [] and review.drawing.shown == []
    key(review, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert [n.strokes for n in session.notes()] == [note.strokes]

    # edit the note's drawing: set_note, one more undo step
    key(review, Qt.Key.Key_E)
    assert review.drawing.strokes == note.strokes
    review.drawing.undo_stroke()
    key(review.editor.text, Qt.Key.Key_Return)
    assert [s["kind"] for s in session.notes()[0].strokes] == ["rect", "pen", "arrow"]

    key(review, Qt.Key.Key_Escape)
    assert not review.isVisible()

    report = write_review_report(session, tmp_path / "review.pdf")
    data = (tmp_path / "review.pdf").read_bytes()
    assert data.startswith(b"%PDF") and report.pages >= 2  # a title page and the shots' pages
    assert len(re.findall(rb"/Type\s*/Page\b", data)) == report.pages
    table = write_review_report(session, tmp_path / "notes.csv")
    with open(tmp_path / "notes.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert table.rows == 1 and len(rows) == 2
    assert "Sky too bright, push the lamp" in rows[1] and "Dee Rector" in rows[1]


def test_a_damaged_drawing_shows_what_survives(review, qtbot):
    session = review.session
    good = {"kind": "rect", "colour": "green", "width": 8, "points": [[0.2, 0.2], [0.8, 0.8]]}
    note = session.add_note(CODES[0], 2, "check the framing", strokes=[good])
    damaged = '[{"kind": "rect", "colour": "green", "width": 8, "points": [[0.2, 0.2], [0.8, 0.8]]}, '
    damaged += '{"kind": "blob"}, {"kind": "pen", "points": [[2, 0]]}]'
    session.conn.exec_driver_sql("UPDATE note SET strokes = ? WHERE id = ?", (damaged, note.id))
    session.conn.commit()
    review._index_notes()
    review.player.seek(2)
    assert review.player.wait_displayed(2)
    assert [s["kind"] for s in review.drawing.shown] == ["rect"]
    assert "check the framing" in review.canvas.hud["notes"]
    qtbot.waitUntil(lambda: not review.canvas.flash, timeout=10000)  # the welcome banner crosses the edge
    picture = pixels(review.canvas.grab().toImage())
    rect = review.canvas.picture_rect()
    dpr = review.canvas.grab().devicePixelRatio()
    x, y = (round(v * dpr) for v in (rect.x() + 0.2 * rect.width(), rect.y() + 0.5 * rect.height()))
    r, g, b = picture[y, x - 3 : x + 4].astype(int).max(axis=0)
    assert g > 150 and r < 120 and b < 150, (r, g, b)  # the green left edge of the rectangle
