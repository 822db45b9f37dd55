"""The viewer after shot edits: it updates its cut in place (re-reading only the shots an edit names) and
must then show exactly what a viewer built from scratch shows — the same cut, the same picture at every
frame and at the playhead — and keep the playhead on the same picture when the edit is elsewhere."""

from ui.ui_review_support import pixels

from previz.ui import authoring
from previz.ui.viewer.viewer import Viewer


def _takes(session, video_take):
    video_take(session, "001_0010", 30)
    video_take(session, "001_0020", 40)
    video_take(session, "002_0010", 30)


def assert_same_as_fresh(qtbot, controller, viewer) -> None:
    """``viewer`` shows what a viewer opened now on the project shows."""
    session = controller.session
    fresh = Viewer(controller)
    qtbot.addWidget(fresh)
    try:
        assert viewer.source.cut == session.cut() == fresh.source.cut  # entries, record in / out
        frames = range(viewer.duration)
        assert [viewer.source.spec_at(f) for f in frames] == [fresh.source.spec_at(f) for f in frames]
        assert viewer.slider.maximum() == fresh.slider.maximum() == viewer.duration - 1
        position = viewer.position
        assert viewer.wait_displayed(position)
        fresh.seek(position)
        assert fresh.wait_displayed(position)
        assert viewer.displayed_spec == fresh.displayed_spec
        assert viewer.canvas.image == fresh.canvas.image
        assert viewer.timecode_label.text() == fresh.timecode_label.text()
        assert viewer.shot_label.text() == fresh.shot_label.text()
    finally:
        fresh.shutdown()


def test_after_add_split_undo_redo_the_viewer_shows_what_a_fresh_one_shows(qtbot, controller, video_take):
    session = controller.session
    _takes(session, video_take)
    viewer = Viewer(controller)
    qtbot.addWidget(viewer)
    viewer.show()
    last = session.cut().entries[-2]  # 002_0010, with a take
    viewer.seek(last.record_in + 5)
    assert viewer.wait_displayed(last.record_in + 5)

    authoring.add_shot(controller, "001_0010")  # the new shot becomes current: the viewer goes to it
    assert_same_as_fresh(qtbot, controller, viewer)
    assert viewer.displayed_spec.title == controller.current_shot  # its slug card
    viewer.seek(viewer.duration - 20)
    authoring.split_at(controller, "001_0020", 10)  # the second half gets a copy of the take
    assert_same_as_fresh(qtbot, controller, viewer)
    controller.set_shot("001_0030", duration_frames=60, action="a longer beat")
    assert_same_as_fresh(qtbot, controller, viewer)
    for _ in range(3):
        controller.undo_stack.undo()
        assert_same_as_fresh(qtbot, controller, viewer)
    for _ in range(3):
        controller.undo_stack.redo()
        assert_same_as_fresh(qtbot, controller, viewer)
    authoring.omit(controller, ["002_0010"])
    assert_same_as_fresh(qtbot, controller, viewer)
    viewer.shutdown()


def test_playhead_keeps_its_picture_when_a_shot_is_added_or_split_after_it(
    qtbot, controller, video_take, frame_index
):
    session = controller.session
    _takes(session, video_take)
    viewer = Viewer(controller)
    qtbot.addWidget(viewer)
    entry = next(e for e in session.cut().entries if e.code == "001_0020")
    viewer.seek(entry.record_in + 7)
    assert viewer.wait_displayed(entry.record_in + 7)
    assert frame_index(pixels(viewer.canvas.image)) == 7
    spec = viewer.displayed_spec

    controller.edit(lambda: session.add_shot_after("001_0030", duration_frames=12))
    controller.edit(lambda: session.split_shot("002_0010", 10))
    assert viewer.position == entry.record_in + 7
    assert viewer.wait_displayed(entry.record_in + 7)
    assert viewer.displayed_spec == spec
    assert frame_index(pixels(viewer.canvas.image)) == 7
    assert viewer.shot_label.text().startswith("001_0020 · take 1 · 8/")
    assert viewer.duration == session.cut().duration
    viewer.shutdown()


def test_a_slug_card_shows_the_action_as_it_is_now(qtbot, controller):
    session = controller.session
    viewer = Viewer(controller)
    qtbot.addWidget(viewer)
    entry = next(e for e in session.cut().entries if e.code == "001_0030")
    viewer.seek(entry.record_in)
    assert viewer.wait_displayed(entry.record_in)
    assert viewer.displayed_spec.text == "beat 2 of scene 1"
    controller.set_shot("001_0030", action="the lamp goes out")
    qtbot.waitUntil(lambda: getattr(viewer.displayed_spec, "text", "") == "the lamp goes out", timeout=10000)
    viewer.shutdown()


def test_a_slug_card_shows_the_underscore_of_a_shot_code_at_small_sizes(qtbot):
    from previz.ui.viewer.frames import FrameSpec, render_card

    for size in ((320, 192), (640, 384), (1920, 1080)):
        underscore = render_card(FrameSpec("card", title="_"), size)
        blank = render_card(FrameSpec("card", title=""), size)
        assert underscore != blank, size  # the "_" is drawn, not clipped under the title's line


def test_after_a_move_within_a_scene_the_viewer_shows_the_new_order(qtbot, controller, video_take):
    """Moving a shot within its scene only renumbers shots (``Changes.moved``): no shot is read again, and
    the viewer still follows the new order."""
    session = controller.session
    _takes(session, video_take)
    viewer = Viewer(controller)
    qtbot.addWidget(viewer)
    viewer.show()  # the edit comes before the first picture arrives: that picture is of the old order
    controller.edit(lambda: session.move_shot("001_0030", 0))
    assert [e.code for e in viewer.source.cut.entries][:3] == ["001_0030", "001_0010", "001_0020"]
    assert_same_as_fresh(qtbot, controller, viewer)
    controller.undo_stack.undo()
    assert_same_as_fresh(qtbot, controller, viewer)
    viewer.shutdown()


def test_a_shot_just_added_shows_its_card_from_the_views_shared_read(qtbot, controller, monkeypatch):
    """The browser reads an edit's shots once for every view (``changed_shots``): the viewer's slug card of
    the shot just added takes its text from that read instead of reading the shot again; without that read
    (no such view open) it reads the shot itself. Either way the card says the shot's action."""
    session = controller.session
    controller.changed.connect(lambda changes: controller.changed_shots(changes.content))  # as the browser
    viewer = Viewer(controller)
    qtbot.addWidget(viewer)
    viewer.show()
    looked_up = []
    real_shot = session.shot
    monkeypatch.setattr(session, "shot", lambda key: looked_up.append(key) or real_shot(key))

    new = authoring.add_shot(controller, "001_0010")  # the new shot becomes current: the viewer goes to it
    controller.set_shot(new.code, action="a pan across the room")
    assert viewer.wait_displayed(viewer.position)
    assert viewer.displayed_spec.title == new.code
    assert viewer.displayed_spec.text == "a pan across the room"
    assert new.id not in looked_up
    assert_same_as_fresh(qtbot, controller, viewer)

    controller.changed.disconnect()
    controller.changed.connect(viewer._on_changed)
    controller.set_shot(new.code, action="a slow pan")  # no shared read: the viewer reads it
    assert viewer.wait_displayed(viewer.position)
    assert viewer.displayed_spec.text == "a slow pan"
    assert new.id in looked_up


def test_an_edit_that_leaves_the_playheads_picture_keeps_the_frame_and_updates_the_labels(qtbot, controller):
    """Paused on a frame whose picture an edit does not change (an add after it, a longer shot under it), the
    viewer does not show the frame again (no decode, no repaint); the slider's range and the labels follow the
    new cut — the same as a viewer opened now."""
    session = controller.session
    viewer = Viewer(controller, use_proxies=False)  # no proxy made meanwhile shows the frame again
    qtbot.addWidget(viewer)
    viewer.show()
    entry = session.cut().entries[1]
    viewer.seek(entry.record_in + 3)
    assert viewer.wait_displayed(entry.record_in + 3)
    assert_same_as_fresh(qtbot, controller, viewer)  # (the first frames asked for have all arrived)
    shown, image = viewer.frames_shown, viewer.canvas.image
    last = session.cut().entries[-1].code
    controller.edit(lambda: session.add_shot(session.shot(last).scene_number))  # at the cut's end
    assert (viewer.frames_shown, viewer.canvas.image) == (shown, image)
    assert_same_as_fresh(qtbot, controller, viewer)
    old = viewer.shot_label.text()
    controller.set_shot(entry.code, duration_frames=entry.duration + 30)  # the shot under the playhead
    assert viewer.frames_shown == shown and viewer.shot_label.text() != old
    assert viewer.shot_label.text().endswith(f"/{entry.duration + 30}")
    assert_same_as_fresh(qtbot, controller, viewer)
    controller.set_shot(entry.code, action="another beat")  # its card changes: shown again
    assert viewer.wait_displayed(entry.record_in + 3)
    assert viewer.frames_shown > shown and viewer.displayed_spec.text == "another beat"
    assert_same_as_fresh(qtbot, controller, viewer)
