"""install_review on the main window: the Review menu, review mode from F5, drawing a note on the main
viewer's frame (shown when the viewer comes back to it, and marked on the timeline), compare takes."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from ui.ui_review_support import CODES, build_review_project, drag

from previz.ui.main_window import MainWindow
from previz.ui.review.actions import install_review
from previz.ui.review.viewer_notes import ViewerNotes


@pytest.fixture
def window(tmp_path, qtbot, monkeypatch):
    monkeypatch.setenv("PREVIZ_SETTINGS_DIR", str(tmp_path / "settings"))
    session = build_review_project(tmp_path / "film")
    root = session.root
    session.close()
    window = MainWindow()
    qtbot.addWidget(window)
    actions = install_review(window)
    assert install_review(window) is actions  # installing twice changes nothing
    window.show()
    assert window.open_project(root)
    yield window
    window.close()


def test_review_menu_review_mode_and_drawing_on_the_viewer(window, qtbot):
    actions = window.review_actions
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles.index("&Review") == titles.index("&Help") - 1
    assert [a.text() for a in actions.menu.actions()] == [
        "Enter &Review Mode",
        "&Compare Takes…",
        "&Draw on Frame",
    ]
    assert actions.enter_action.shortcut().toString() == "F5"
    viewer = window.widgets["viewer"]
    qtbot.waitUntil(lambda: viewer.findChild(ViewerNotes) is not None)  # laid over it once shown

    # review mode from the menu: approve with A, leave with Esc; the main undo stack has the step
    viewer.seek(14)
    assert viewer.wait_displayed(14)
    actions.enter_action.trigger()
    review = actions.review_window
    assert review is not None and review.isVisible()
    assert review.player.wait_displayed(14)
    QTest.keyClick(review, Qt.Key.Key_A)
    assert window.session.shot(CODES[1]).status == "approved"
    assert window.undo_action.text() == f"Undo Change status of {CODES[1]}"
    QTest.keyClick(review, Qt.Key.Key_Right)
    assert review.player.wait_displayed(15)
    QTest.keyClick(review, Qt.Key.Key_Escape)
    assert actions.review_window is None
    assert viewer.wait_displayed(15)  # the viewer is on the frame the review ended on
    window.undo_action.trigger()
    assert window.session.shot(CODES[1]).status != "approved"

    # draw on the viewer's frame: the note lands on the shot and frame under the playhead
    viewer.seek(3)
    assert viewer.wait_displayed(3)
    assert actions.draw_on_frame()
    notes = actions.viewer_notes()
    rect = viewer.canvas.picture_rect()
    notes.editor.toolbar.tool_buttons["arrow"].click()
    drag(notes.overlay, rect, [(0.2, 0.2), (0.6, 0.5)])
    QTest.keyClicks(notes.editor.text, "Hold the wide longer")
    QTest.keyClick(notes.editor.text, Qt.Key.Key_Return)
    (note,) = window.session.notes()
    assert (window.session.shot(note.shot_id).code, note.frame, note.text) == (
        CODES[0],
        3,
        "Hold the wide longer",
    )
    assert note.strokes[0]["kind"] == "arrow"
    assert notes.overlay.shown == note.strokes  # shown on its frame …
    viewer.seek(4)
    assert viewer.wait_displayed(4)
    assert notes.overlay.shown == []  # … and not on the next one
    viewer.seek(3)
    assert viewer.wait_displayed(3)
    assert notes.overlay.shown == note.strokes
    timeline = window.widgets["timeline"]
    qtbot.waitUntil(lambda: len(timeline.markers) == 1, timeout=2000)
    assert timeline.markers[0].data(0) == 3
    notes_panel = window.widgets["notes"]
    assert notes_panel.tree.topLevelItemCount() == 1

    # compare takes of the current shot
    window.controller.set_current_shot(CODES[0])
    dialog = actions.compare_takes()
    assert dialog is not None and dialog.view.take_numbers() == (1, 2)
    assert dialog.view.player.wait_displayed(0)
    dialog.view.circle_buttons[1].click()
    assert [t.circled for t in window.session.takes(CODES[0])] == [False, True]
    dialog.close()
    window.controller.set_current_shot(CODES[1])
    assert actions.compare_takes() is None  # one take only: said in the status bar
    assert "has 1 take" in window.statusBar().currentMessage()


def test_closing_while_the_warm_up_is_still_importing_the_viewer_notes(window):
    """A window closed just after it opened: the warm-up thread is half-way through importing the notes
    module (in sys.modules, no ViewerNotes yet); shutting review down must not trip over it."""
    import sys
    import types

    from previz.ui.review.actions import VIEWER_NOTES

    real = sys.modules[VIEWER_NOTES]
    sys.modules[VIEWER_NOTES] = types.ModuleType(VIEWER_NOTES)
    try:
        window.review_actions.shutdown()  # raised AttributeError: module has no attribute 'ViewerNotes'
    finally:
        sys.modules[VIEWER_NOTES] = real
