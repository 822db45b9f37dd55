from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from previz.ui.timeline.timeline import VIDEO_Y, Timeline


def _view_point(timeline, scene_x, scene_y):
    return timeline.mapFromScene(scene_x, scene_y)


def test_clips_follow_the_cut(qtbot, controller):
    session = controller.session
    timeline = Timeline(controller)
    qtbot.addWidget(timeline)
    assert timeline.order == ["001_0010", "001_0020", "001_0030", "002_0010", "002_0020"]
    timeline.set_zoom(3.0)
    for entry in session.cut().entries:
        r = timeline.clips[entry.code].rect()
        assert r.left() == timeline.x_of(entry.record_in)
        assert r.width() == entry.duration * 3.0
    controller.edit(lambda: session.set_shot("001_0020", status="omitted"))
    assert len(timeline.clips) == 4
    session.add_note("002_0010", 3, "darker")
    assert len(timeline.markers) == 1
    controller.edit(lambda: session.set_shot("002_0010", transition="dissolve", transition_frames=6))
    assert len(timeline.transitions) == 1


def test_drag_clip_to_new_place_then_undo_redo(qtbot, controller):
    steps = controller.undo_stack.count()  # the project's history at open
    session = controller.session
    timeline = Timeline(controller)
    qtbot.addWidget(timeline)
    timeline.resize(900, 200)
    timeline.show()
    timeline.set_zoom(4.0)
    timeline.horizontalScrollBar().setValue(0)
    src = timeline.clips["001_0010"].rect()
    dst = timeline.clips["002_0020"].rect()
    start = _view_point(timeline, src.center().x(), src.center().y())
    end = _view_point(timeline, dst.right() - 12, dst.center().y())
    vp = timeline.viewport()
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(vp, QPoint((start.x() + end.x()) // 2, start.y()))
    QTest.mouseMove(vp, end)
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    order = ["001_0020", "001_0030", "002_0010", "002_0020", "001_0010"]
    assert [e.code for e in session.cut().entries] == order
    assert timeline.order == order
    assert session.shot("001_0010").scene_number == "2"
    assert controller.undo_stack.count() == steps + 1
    controller.undo_stack.undo()
    assert timeline.order[0] == "001_0010"
    assert session.shot("001_0010").scene_number == "1"
    controller.undo_stack.redo()
    assert timeline.order == order


def test_trim_drag_is_one_undo_step(qtbot, controller):
    steps = controller.undo_stack.count()  # the project's history at open
    session = controller.session
    timeline = Timeline(controller)
    qtbot.addWidget(timeline)
    timeline.resize(900, 200)
    timeline.show()
    timeline.set_zoom(4.0)
    timeline.horizontalScrollBar().setValue(0)
    r = timeline.clips["001_0020"].rect()
    start = _view_point(timeline, r.right() - 2, r.center().y())
    vp = timeline.viewport()
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for dx in (8, 16, 24, 40):
        QTest.mouseMove(vp, QPoint(start.x() + dx, start.y()))
    assert timeline.clips["001_0020"].preview_frames == 25 + 10
    QTest.mouseRelease(
        vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(start.x() + 40, start.y())
    )
    assert session.shot("001_0020").duration_frames == 35
    assert controller.undo_stack.count() == steps + 1
    assert controller.undo_stack.undoText() == "Change duration of 001_0020"
    assert timeline.clips["001_0020"].rect().width() == 35 * 4.0
    controller.undo_stack.undo()
    assert session.shot("001_0020").duration_frames == 25


def test_scrub_zoom_and_click_select(qtbot, controller):
    timeline = Timeline(controller)
    qtbot.addWidget(timeline)
    timeline.resize(900, 200)
    timeline.show()
    timeline.zoom_to_fit()
    assert timeline.x_of(timeline.cut.duration) <= timeline.viewport().width()
    frames = []
    timeline.scrubbed.connect(frames.append)
    p = _view_point(timeline, timeline.x_of(30), 10)
    QTest.mouseClick(timeline.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, p)
    assert frames and abs(frames[-1] - 30) <= 1
    assert timeline.playhead.line().x1() == timeline.x_of(frames[-1])
    r = timeline.clips["002_0010"].rect()
    p = _view_point(timeline, r.center().x(), VIDEO_Y + 10)
    QTest.mouseClick(timeline.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, p)
    assert controller.current_shot == "002_0010"
    before = timeline.ppf
    timeline.set_zoom(before * 2, anchor_view_x=100)
    assert timeline.ppf == before * 2
