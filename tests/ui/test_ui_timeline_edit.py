"""Editing on the timeline as an editor does it: drops that show where clips go and which scene they join,
ripple and roll trims with their readout, snapping to the playhead, multi-select moves; each one undo step
that returns the database rows exactly."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from ui import test_ui_authoring as authoring_tests

from helpers import dump
from previz.ui.authoring import add_shot
from previz.ui.dialogs.authoring_dialogs import SceneDialog
from previz.ui.timeline.timeline import VIDEO_Y, Timeline

ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
MID = VIDEO_Y + 30  # a y inside the video lane


def _timeline(qtbot, controller, ppf: float = 4.0) -> Timeline:
    timeline = Timeline(controller)
    qtbot.addWidget(timeline)
    timeline.resize(900, 220)
    timeline.show()
    timeline.set_zoom(ppf)
    return timeline


def _at(timeline, frame: float) -> QPointF:
    return QPointF(timeline.x_of(frame), MID)


def _durations(session) -> dict[str, int]:
    return {s.code: s.duration_frames for s in session.shots()}


# the fixture's cut: scene 1 = 001_0010 (24f), 001_0020 (25f), 001_0030 (26f);
# scene 2 = 002_0010 (24f), 002_0020 (25f)
# record frames: 0 | 24 | 49 | 75 (scene boundary) | 99 | 124


def test_drop_right_of_a_scene_boundary_moves_the_shot_into_that_scene_and_says_so(qtbot, controller):
    session = controller.session
    before = dump(session, history=False)
    timeline = _timeline(qtbot, controller)
    steps = controller.undo_stack.count()
    timeline.begin_drag(_at(timeline, 12))
    timeline.drag_to(_at(timeline, 73))  # left of the boundary (frame 75): stays in scene 1, at its end
    overlay = timeline.overlay
    assert overlay.label.text == "001_0010 · scene 1" and overlay.ghost.isVisible()
    timeline.drag_to(_at(timeline, 78))  # right of it: joins scene 2 at its start
    shown = overlay.visible()
    assert shown["ghost"] and shown["marker"] and shown["label"]
    assert overlay.label.text == "001_0010 → scene 2"
    assert overlay.marker.line().x1() == timeline.x_of(75)  # the cut point between the scenes
    assert overlay.ghost.rect().left() == timeline.x_of(75) and overlay.ghost.rect().width() == 24 * 4.0
    assert timeline.end_drag(_at(timeline, 78))
    assert not any(overlay.visible().values())
    assert session.shot("001_0010").scene_number == "2"
    assert [s.code for s in session.shots("2")] == ["001_0010", "002_0010", "002_0020"]
    assert [s.code for s in session.shots("1")] == ["001_0020", "001_0030"]
    assert controller.undo_stack.count() == steps + 1
    assert controller.undo_stack.undoText() == "Move 001_0010 to scene 2"
    controller.undo_stack.undo()
    assert dump(session, history=False) == before


def test_drop_left_of_the_boundary_keeps_the_shot_in_its_scene(qtbot, controller):
    session = controller.session
    timeline = _timeline(qtbot, controller)
    timeline.begin_drag(_at(timeline, 60))  # the last shot of scene 1, nudged right: it stays where it is
    timeline.drag_to(_at(timeline, 70))
    assert timeline.overlay.marker.line().x1() == timeline.x_of(49)
    assert timeline.overlay.label.text == "001_0030 · scene 1"
    assert not timeline.end_drag(_at(timeline, 70))
    timeline.begin_drag(_at(timeline, 12))
    assert timeline.end_drag(_at(timeline, 73))
    assert [s.code for s in session.shots("1")] == ["001_0020", "001_0030", "001_0010"]
    assert controller.undo_stack.undoText() == "Move 001_0010"


def test_ripple_trim_changes_the_duration_shifts_later_clips_and_undoes_exactly(qtbot, controller):
    session = controller.session
    before = dump(session, history=False)
    timeline = _timeline(qtbot, controller)
    timeline.begin_drag(_at(timeline, 49 - 0.5))  # the right edge of 001_0020
    timeline.drag_to(_at(timeline, 59 - 0.5), ALT)
    assert timeline.overlay.readout.text == ("ripple 001_0020  +10f (+00:00:00:10)  25f → 35f (00:00:01:11)")
    assert timeline.clips["002_0010"].rect().left() == timeline.x_of(75 + 10)  # later clips follow
    assert timeline.end_drag(_at(timeline, 59 - 0.5), ALT)
    assert session.shot("001_0020").duration_frames == 35
    starts = {e.code: e.record_in for e in session.cut().entries}
    assert starts == {"001_0010": 0, "001_0020": 24, "001_0030": 59, "002_0010": 85, "002_0020": 109}
    controller.undo_stack.undo()
    assert dump(session, history=False) == before


def test_roll_trim_changes_two_durations_and_keeps_the_total(qtbot, controller):
    session = controller.session
    before = dump(session, history=False)
    total = session.cut().duration
    timeline = _timeline(qtbot, controller)
    timeline.begin_drag(_at(timeline, 49 - 0.5), SHIFT)
    timeline.drag_to(_at(timeline, 44 - 0.5), SHIFT | ALT)
    assert timeline.overlay.readout.text == (
        "roll 001_0020  -5f (-00:00:00:05)  25f → 20f (00:00:00:20)  ·  001_0030 26f → 31f"
    )
    assert timeline.end_drag(_at(timeline, 44 - 0.5), SHIFT | ALT)
    durations = _durations(session)
    assert (durations["001_0020"], durations["001_0030"]) == (20, 31)
    assert session.cut().duration == total
    assert {e.code: e.record_in for e in session.cut().entries}["002_0010"] == 75
    assert controller.undo_stack.undoText() == "Roll 001_0020/001_0030 -5f"
    controller.undo_stack.undo()
    assert dump(session, history=False) == before


def test_trim_snaps_to_the_playhead_unless_alt_is_held(qtbot, controller):
    session = controller.session
    timeline = _timeline(qtbot, controller)
    timeline.set_playhead(53)
    timeline.begin_drag(_at(timeline, 49 - 0.5))
    timeline.drag_to(_at(timeline, 52))  # a frame short of the playhead: within the snap distance
    assert timeline.overlay.snap.isVisible() and timeline.overlay.snap_label.text == "snap: playhead"
    assert timeline.overlay.snap.line().x1() == timeline.x_of(53)
    assert timeline.end_drag(_at(timeline, 52))
    assert {e.code: e.record_out for e in session.cut().entries}["001_0020"] == 53
    controller.undo_stack.undo()
    timeline.begin_drag(_at(timeline, 49 - 0.5))
    timeline.drag_to(_at(timeline, 52 - 0.5), ALT)
    assert not timeline.overlay.snap.isVisible()
    assert timeline.end_drag(_at(timeline, 52 - 0.5), ALT)
    assert {e.code: e.record_out for e in session.cut().entries}["001_0020"] == 52


def test_ctrl_click_selects_several_and_they_move_together_in_order(qtbot, controller):
    session = controller.session
    before = dump(session, history=False)
    timeline = _timeline(qtbot, controller)
    steps = controller.undo_stack.count()
    for frame, mods in ((12, Qt.KeyboardModifier.NoModifier), (60, CTRL)):
        timeline.begin_drag(_at(timeline, frame), mods)
        assert not timeline.end_drag(_at(timeline, frame), mods)
    assert controller.selection == ["001_0010", "001_0030"]
    timeline.begin_drag(_at(timeline, 60))  # drag one of them: both go
    timeline.drag_to(_at(timeline, 120))
    assert timeline.overlay.label.text == "2 shots → scene 2"
    assert timeline.lifted == {"001_0010", "001_0030"}
    assert timeline.end_drag(_at(timeline, 120))
    assert [e.code for e in session.cut().entries] == [
        "001_0020",
        "002_0010",
        "002_0020",
        "001_0010",
        "001_0030",
    ]
    assert controller.undo_stack.count() == steps + 1
    assert controller.undo_stack.undoText() == "Move 2 shots to scene 2"
    controller.undo_stack.undo()
    assert dump(session, history=False) == before


def test_shift_click_and_rubber_band_select_ranges(qtbot, controller):
    timeline = _timeline(qtbot, controller)
    timeline.begin_drag(_at(timeline, 30))
    timeline.end_drag(_at(timeline, 30))
    timeline.begin_drag(_at(timeline, 90), SHIFT)
    timeline.end_drag(_at(timeline, 90), SHIFT)
    assert controller.selection == ["001_0020", "001_0030", "002_0010"]
    end = timeline.cut.duration
    timeline.begin_drag(_at(timeline, end + 5))  # the empty lane after the last clip
    timeline.drag_to(QPointF(timeline.x_of(80), VIDEO_Y + 50))
    assert timeline.overlay.band.isVisible()
    timeline.end_drag(QPointF(timeline.x_of(80), VIDEO_Y + 50))
    assert controller.selection == ["002_0010", "002_0020"]


def test_context_menu_offers_the_windows_authoring_actions(qtbot, project):
    project.close()
    window = authoring_tests._window(qtbot, project.root)
    timeline = window.widgets["timeline"]
    menu = timeline.build_context_menu(QPointF(timeline.x_of(30), MID))
    assert window.controller.selection == ["001_0020"]
    acts = window.authoring.actions
    assert (
        menu.actions() == [acts[n] for n in ("add_shot", "duplicate", "split", "merge")] + menu.actions()[4:]
    )
    assert acts["delete"] in menu.actions() and acts["omit"] in menu.actions()
    menu.actions()[1].trigger()  # Duplicate, on the clip that was right-clicked
    assert [s.code for s in window.session.shots("1")][:3] == ["001_0010", "001_0020", "001_0025"]
    window.close()


def test_empty_project_to_a_cross_scene_drag_and_undo_all_back_to_empty(qtbot, tmp_path):
    window = authoring_tests._window(qtbot, authoring_tests._empty_project(tmp_path))
    session, controller, acts = window.session, window.controller, window.authoring.actions
    empty = dump(session, history=False)
    for heading in ("EXT. LIGHTHOUSE - NIGHT", "INT. LANTERN ROOM - CONTINUOUS"):
        dialog = SceneDialog(controller, window)
        dialog.heading.setText(heading)
        assert dialog.try_apply()
    controller.set_selection([])
    controller.set_current_shot(None)
    for _ in range(3):
        window.authoring.add_shot_to_scene("1")
    add_shot(controller, scene="2")
    assert [s.code for s in session.shots()] == ["001_0010", "001_0020", "001_0030", "002_0010"]
    viewer = window.widgets["viewer"]
    viewer.seek(72 + 30)  # 30 frames into 001_0020 (3 s shots at 24 fps)
    qtbot.waitUntil(lambda: viewer.position == 102, timeout=10000)
    acts["split"].trigger()
    assert [s.code for s in session.shots("1")] == ["001_0010", "001_0020", "001_0025", "001_0030"]
    timeline = window.widgets["timeline"]
    qtbot.waitUntil(lambda: timeline.order[-1] == "002_0010", timeout=5000)
    boundary = next(e.record_in for e in timeline.cut.entries if e.code == "002_0010")
    timeline.begin_drag(_at(timeline, 10))
    timeline.drag_to(_at(timeline, boundary + 3))
    assert timeline.overlay.label.text == "001_0010 → scene 2"
    assert timeline.end_drag(_at(timeline, boundary + 3))
    assert [s.code for s in session.shots("2")] == ["001_0010", "002_0010"]
    while controller.undo_stack.canUndo():
        window.undo_action.trigger()
    assert dump(session, history=False) == empty
    window.close()


def test_status_and_duration_changes_update_clips_in_place(qtbot, controller):
    session = controller.session
    timeline = _timeline(qtbot, controller)
    clip = timeline.clips["002_0010"]
    session.set_shot("002_0010", status="generating", record=False)  # what a running job does
    assert timeline.clips["002_0010"] is clip and clip.entry.status == "generating"
    controller.edit(lambda: session.set_shot("002_0010", transition="dissolve", transition_frames=6))
    assert timeline.clips["002_0010"] is clip and len(timeline.transitions) == 1
    controller.edit(lambda: session.set_shot("001_0010", duration_frames=30))
    # a longer shot before it moves the clip; the item stays (1,000 clips are not rebuilt per edit)
    assert timeline.clips["002_0010"] is clip
    assert clip.rect().left() == timeline.x_of(81) and clip.entry.record_in == 81


def test_repainting_the_timeline_with_boards_reads_nothing_from_the_database(qtbot, controller):
    from PySide6.QtGui import QColor, QImage
    from sqlalchemy import event

    from previz.ui.authoring import attach_board_image
    from previz.ui.thumbnails import ThumbnailCache

    session = controller.session
    image = QImage(64, 36, QImage.Format.Format_RGB32)
    image.fill(QColor("#336699"))
    attach_board_image(controller, "001_0010", image)
    thumbs = ThumbnailCache(session)
    timeline = Timeline(controller, thumbs)
    qtbot.addWidget(timeline)
    timeline.resize(900, 220)
    timeline.show()
    timeline.set_zoom(4.0)
    board = session.shot("001_0010")
    timeline.viewport().repaint()
    qtbot.waitUntil(lambda: thumbs.image_for(board) is not None, timeout=20000)
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731 - (conn, cursor, statement, …)
    event.listen(session.engine, "before_cursor_execute", listener)
    try:
        for _ in range(3):
            timeline.viewport().repaint()
    finally:
        event.remove(session.engine, "before_cursor_execute", listener)
    assert statements == []


def test_a_trim_snaps_to_where_the_music_ends(qtbot, controller, tmp_path):
    from ui.test_ui_audio_timeline import _tone_clip

    session = controller.session
    controller.edit(lambda: _tone_clip(session, tmp_path, seconds=2.0, start=12))  # frames 12 to 60
    timeline = _timeline(qtbot, controller)
    timeline.begin_drag(_at(timeline, 49 - 0.5))
    timeline.drag_to(_at(timeline, 58.5))
    assert timeline.overlay.snap_label.text == "snap: tone end"
    assert timeline.end_drag(_at(timeline, 58.5))
    assert session.shot("001_0020").duration_frames == 60 - 24
