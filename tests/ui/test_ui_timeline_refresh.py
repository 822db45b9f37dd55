"""The timeline brings its clips in line with an edit in place (only touched shots re-read, clips kept
for shots that stay); whatever it did, it must show exactly what a timeline built afresh shows."""

from ui.paint_support import on_screen, painted_whole, settle, stale_pixels

from previz.ui import authoring
from previz.ui.browser.shot_models import CodeRole
from previz.ui.timeline.timeline import Timeline


def _picture(timeline):
    """Everything the timeline shows: clips in order (entry, tooltip, place), markers, transitions."""
    clips = [
        (code, clip.entry, clip.toolTip(), clip.rect().getRect(), clip.scene() is timeline.scene_)
        for code, clip in timeline.clips.items()
    ]
    markers = sorted(
        (m.data(0), m.toolTip(), m.polygon().boundingRect().getRect())
        for m in timeline.markers
        if m.isVisible()
    )
    transitions = sorted((t.data(0), t.toolTip()) for t in timeline.transitions)
    return timeline.order, clips, markers, transitions, timeline.scene_.sceneRect().getRect()


def _fresh(controller, zoom):
    timeline = Timeline(controller)
    timeline.set_zoom(zoom)
    return timeline


def test_add_split_undo_redo_show_what_a_fresh_timeline_shows(qtbot, controller):
    session = controller.session
    session.add_note("002_0010", 3, "darker")
    controller.edit(lambda: session.set_shot("002_0010", transition="dissolve", transition_frames=6))
    timeline = Timeline(controller)
    qtbot.addWidget(timeline)
    timeline.set_zoom(3.0)
    kept = timeline.clips["002_0020"]
    steps = [
        lambda: authoring.add_shot(controller, "001_0020"),
        lambda: authoring.split_at(controller, "001_0010", 5),
        lambda: controller.edit(lambda: session.set_shot("001_0030", duration_frames=40, size="CU")),
        lambda: authoring.omit(controller, ["002_0010"]),
        controller.undo_stack.undo,
        # zoomed out and back, and a trim previewed then let go: clips laid out for another zoom or a
        # preview are laid out again by the next edit (only unmoved clips keep their rects)
        lambda: (timeline.set_zoom(1.0), controller.undo_stack.undo(), timeline.set_zoom(3.0)),
        lambda: (
            timeline.preview_durations({"001_0010": 80}),
            timeline.preview_durations({}),
            controller.undo_stack.undo(),
        ),
        controller.undo_stack.redo,
    ]
    for step in steps:
        before = len(timeline.order)
        step()
        fresh = _fresh(controller, 3.0)
        qtbot.addWidget(fresh)
        assert timeline.cut == session.cut()  # the shared cut, read afresh from the database
        assert _picture(timeline) == _picture(fresh)
        assert len(timeline.scene_.items()) == len(fresh.scene_.items())
        assert before != len(timeline.order) or step is not steps[0]
    # the clip of a shot no edit touched is the same item throughout: moved, not rebuilt
    assert timeline.clips["002_0020"] is kept
    assert len(timeline.order) == len(session.cut().entries) == 7


def test_the_timeline_and_viewer_show_one_cut_kept_by_the_controller(qtbot, controller):
    """The timeline and the viewer read the controller's one live cut (read once per edit, not once per
    view): after every edit both show that very cut, and it equals the cut read afresh."""
    from previz.ui.viewer.viewer import Viewer

    session = controller.session
    timeline = Timeline(controller)
    qtbot.addWidget(timeline)
    viewer = Viewer(controller)
    qtbot.addWidget(viewer)
    steps = [
        lambda: authoring.add_shot(controller, "001_0020"),
        lambda: authoring.split_at(controller, "001_0010", 5),
        lambda: authoring.omit(controller, ["002_0010"]),
        controller.undo_stack.undo,
        controller.undo_stack.undo,
        controller.undo_stack.redo,
    ]
    try:
        for step in steps:
            before = controller.live_cut().cut
            step()
            shared = controller.live_cut().cut
            assert shared is not before and shared == session.cut()
            assert timeline.cut is shared and viewer.source.cut is shared
            assert timeline.order == [e.code for e in session.cut().entries]
    finally:
        viewer.shutdown()


def test_an_edit_rereads_its_shots_once_for_the_browser_and_the_timeline(qtbot, controller, monkeypatch):
    """The shots an edit names are read once (``controller.changed_shots``) for the browser's tree and
    grid and the timeline, and each view still shows what it shows when built afresh."""
    from previz.ui.browser.browser import ShotBrowser
    from previz.ui.thumbnails import ThumbnailCache

    session = controller.session
    timeline = Timeline(controller)
    qtbot.addWidget(timeline)
    browser = ShotBrowser(controller, ThumbnailCache(session))
    qtbot.addWidget(browser)
    reads = []
    real = session.shots_by_id
    monkeypatch.setattr(session, "shots_by_id", lambda ids: reads.append(set(ids)) or real(ids))
    authoring.add_shot(controller, "001_0020")
    new = controller.current_shot
    assert len(reads) == 1 and session.shot(new).id in reads[0]
    fresh = _fresh(controller, 1.0)
    qtbot.addWidget(fresh)
    timeline.set_zoom(1.0)
    assert _picture(timeline) == _picture(fresh)
    assert [timeline.framing_of(e) for e in timeline.cut.entries] == [
        fresh.framing_of(e) for e in fresh.cut.entries
    ]
    browser.grid_model.catch_up()  # behind its tab the grid follows edits only when shown or read
    rows = [browser.grid_model.index(i).data(CodeRole) for i in range(browser.grid_model.rowCount())]
    assert rows == [s.code for s in session.shots()]


def test_what_the_timeline_repaints_after_edits_equals_a_full_repaint(qtbot, controller):
    """Edits, zooms, scrolls and selection changes repaint only what changed (not the whole view); the
    pixels on screen (the window's backing store, painted piece by piece) must still be exactly what
    painting the whole timeline afresh gives: nothing stale is left behind."""

    session = controller.session
    timeline = Timeline(controller)
    qtbot.addWidget(timeline)
    timeline.resize(900, 200)
    timeline.show()
    qtbot.waitExposed(timeline)

    def on_screen_matches_a_fresh_paint(what: str) -> None:
        settle()
        stale = stale_pixels(on_screen(timeline), painted_whole(timeline))
        assert not stale, f"after {what}: {len(stale)} stale pixels, e.g. {stale[:3]}"

    on_screen_matches_a_fresh_paint("the first paint")
    steps = [
        lambda: authoring.add_shot(controller, "001_0010"),
        lambda: authoring.split_at(controller, "002_0010", 10),
        lambda: controller.set_current_shot("001_0030"),
        lambda: controller.set_selection(["001_0020", "002_0020"]),
        lambda: authoring.omit(controller, ["001_0020"]),
        controller.undo_stack.undo,
        lambda: timeline.set_zoom(8.0),
        lambda: timeline.horizontalScrollBar().setValue(timeline.horizontalScrollBar().maximum()),
        lambda: controller.edit(lambda: session.set_shot("002_0020", duration_frames=12)),
        lambda: timeline.set_zoom(2.0),
        lambda: timeline.preview_durations({"001_0010": 60}),  # a trim being dragged
        lambda: timeline.preview_durations({}),
        lambda: timeline.lift(["002_0010"]),
        lambda: timeline.lift([]),
        # a transition, then an edit before it that moves it, one that takes it away, and a zoom
        lambda: controller.edit(
            lambda: session.set_shot("002_0010", transition="dissolve", transition_frames=8)
        ),
        lambda: authoring.add_shot(controller, "001_0010"),
        lambda: authoring.split_at(controller, "001_0020", 4),
        lambda: timeline.set_zoom(5.0),
        lambda: controller.edit(lambda: session.set_shot("002_0010", transition="cut", transition_frames=0)),
    ]
    for i, step in enumerate(steps):
        step()
        on_screen_matches_a_fresh_paint(f"step {i}")


def test_clips_moved_far_off_screen_are_placed_when_the_view_gets_to_them(qtbot, controller):
    """An add moves every later clip; those far off screen before and after are placed only when the view
    scrolls, resizes or is shown. What is seen, and every clip's place once seen, is what a timeline built
    afresh shows."""

    session = controller.session
    for i in range(30):
        session.add_shot("2", action=f"beat {i}", duration_frames=24 + i)
    timeline = Timeline(controller)
    qtbot.addWidget(timeline)
    timeline.resize(700, 200)
    timeline.show()
    qtbot.waitExposed(timeline)
    timeline.set_zoom(12.0)
    timeline.horizontalScrollBar().setValue(0)

    def seen_matches_a_fresh_paint() -> None:
        """The pixels on screen are what a timeline built afresh shows at the same size and scroll."""
        settle()
        shown = on_screen(timeline)
        fresh = _fresh(controller, 12.0)
        qtbot.addWidget(fresh)
        fresh.resize(timeline.size())
        fresh.show()
        qtbot.waitExposed(fresh)
        fresh.horizontalScrollBar().setValue(timeline.horizontalScrollBar().value())
        assert fresh.horizontalScrollBar().value() == timeline.horizontalScrollBar().value()
        assert shown == painted_whole(fresh)
        fresh.close()

    authoring.add_shot(controller, "001_0010")  # every clip after it moves
    assert timeline._deferred  # the far ones wait
    seen_matches_a_fresh_paint()
    bar = timeline.horizontalScrollBar()
    for value in (bar.maximum() // 2, bar.maximum(), 0):
        bar.setValue(value)
        seen_matches_a_fresh_paint()
    authoring.split_at(controller, "001_0010", 5)
    timeline.resize(900, 200)  # a wider view shows more: they are placed first
    seen_matches_a_fresh_paint()
    fresh = _fresh(controller, 12.0)
    qtbot.addWidget(fresh)
    assert _picture(timeline) == _picture(fresh)


def test_edits_before_the_part_shown_move_what_is_seen_as_a_fresh_timeline_shows(qtbot, controller):
    """The view shows the middle of a long cut, zoomed in; edits before it move every clip seen (an add or
    a split to the right, an undo or an omit back to the left). The clips moved into view, out of it and
    within it are found at C speed (``clip_span``): the screen must be what a timeline built afresh shows
    at the same scroll, without any scrolling to place them."""

    session = controller.session
    for i in range(40):
        session.add_shot("2", action=f"beat {i}", duration_frames=20 + (i * 7) % 30)
    timeline = Timeline(controller)
    qtbot.addWidget(timeline)
    timeline.resize(700, 200)
    timeline.show()
    qtbot.waitExposed(timeline)
    timeline.set_zoom(6.0)
    bar = timeline.horizontalScrollBar()
    bar.setValue(bar.maximum() // 2)

    def seen_matches_a_fresh_paint(what: str) -> None:
        settle()
        shown = on_screen(timeline)
        fresh = _fresh(controller, 6.0)
        qtbot.addWidget(fresh)
        fresh.resize(timeline.size())
        fresh.show()
        qtbot.waitExposed(fresh)
        fresh.horizontalScrollBar().setValue(bar.value())
        assert fresh.horizontalScrollBar().value() == bar.value(), what
        assert shown == painted_whole(fresh), what
        fresh.close()

    seen_matches_a_fresh_paint("the first paint")
    steps = [
        ("an add before the view", lambda: authoring.add_shot(controller, "001_0010")),
        (
            "a long add before it: clips leave the view by more than a screen",
            lambda: controller.edit(lambda: session.add_shot("1", duration_frames=300)),
        ),
        ("a split before it", lambda: authoring.split_at(controller, "001_0020", 7)),
        ("an undo", controller.undo_stack.undo),
        ("an omit before it", lambda: authoring.omit(controller, ["001_0010"])),
        ("a status and a trim in view", lambda: controller.set_shot("002_0020", status="approved")),
    ]
    for what, step in steps:
        step()
        seen_matches_a_fresh_paint(what)
    bar.setValue(0)  # the clips far off screen are placed: every one where a fresh timeline puts it
    assert _picture(timeline) == _picture(_fresh(controller, 6.0))
