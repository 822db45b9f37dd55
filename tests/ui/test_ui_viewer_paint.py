"""The viewer repaints only what an edit changed: the picture is not repainted when the playhead's frame is
the same picture again, and the position slider repaints only the strips its handle left and moved to (or
nothing when it stays put). What the screen shows must still be exactly what painting the viewer whole
gives, with the app's theme, after edits, seeks, a resize and a long cut's small handle moves."""

import pytest
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication
from ui.paint_support import on_screen, painted_whole, settle, stale_pixels

from previz.ui import authoring
from previz.ui.viewer.viewer import Viewer


class _Paints(QObject):
    """Counts paint events per watched widget."""

    def __init__(self, *widgets) -> None:
        super().__init__()
        self.count = dict.fromkeys(widgets, 0)
        for w in widgets:
            w.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.Paint:
            self.count[obj] += 1
        return False


def _settle(viewer) -> None:
    assert viewer.wait_displayed(viewer.position)
    settle()


def _assert_screen_is_a_fresh_paint(viewer, what: str) -> None:
    _settle(viewer)
    stale = stale_pixels(on_screen(viewer), painted_whole(viewer))
    assert not stale, f"after {what}: {len(stale)} stale pixels, e.g. {stale[:3]}"


def test_what_the_viewer_repaints_after_edits_equals_a_full_repaint(qtbot, controller, themed):
    session = controller.session
    viewer = Viewer(controller)
    qtbot.addWidget(viewer)
    viewer.resize(700, 420)
    viewer.show()
    qtbot.waitExposed(viewer)
    _assert_screen_is_a_fresh_paint(viewer, "the first paint")
    steps = [
        lambda: authoring.add_shot(controller, "001_0010"),
        lambda: viewer.seek(viewer.duration - 3),
        lambda: authoring.split_at(controller, "001_0020", 10),  # before the playhead: the handle moves
        lambda: viewer.seek(2),
        lambda: controller.edit(lambda: session.set_shot("002_0010", duration_frames=4000)),  # a long cut
        lambda: viewer.seek(1),  # the handle stays put
        lambda: viewer.seek(viewer.position + 40),  # the handle moves a few pixels
        lambda: controller.edit(lambda: session.set_shot("002_0010", duration_frames=4020)),
        lambda: viewer.resize(640, 400),
        lambda: viewer.seek(viewer.duration - 1),
        controller.undo_stack.undo,
        lambda: authoring.add_shot(controller, "002_0010"),
    ]
    for i, step in enumerate(steps):
        step()
        _assert_screen_is_a_fresh_paint(viewer, f"step {i}")
    viewer.shutdown()


def test_the_same_picture_and_a_still_handle_are_not_repainted(qtbot, controller, themed):
    session = controller.session
    controller.edit(lambda: session.set_shot("002_0010", duration_frames=20000))  # a frame is < 1 pixel
    viewer = Viewer(controller)
    qtbot.addWidget(viewer)
    viewer.resize(700, 420)
    viewer.show()
    qtbot.waitExposed(viewer)
    entry = next(e for e in session.cut().entries if e.code == "002_0010")
    viewer.seek(entry.record_in + 100)
    _settle(viewer)
    paints = _Paints(viewer.canvas, viewer.slider)
    # a frame longer after the playhead: the same picture at the playhead, the handle where it was
    controller.edit(lambda: session.set_shot("002_0010", duration_frames=20001))
    _settle(viewer)
    assert paints.count == {viewer.canvas: 0, viewer.slider: 0}
    viewer.seek(entry.record_in + 101)  # the same card, a frame on: the handle stays put
    _settle(viewer)
    assert paints.count == {viewer.canvas: 0, viewer.slider: 0}
    viewer.seek(entry.record_in - 1)  # the shot before: another card, the handle a pixel or so on
    _settle(viewer)
    assert paints.count[viewer.canvas] == 1
    assert paints.count[viewer.slider] == 1
    _assert_screen_is_a_fresh_paint(viewer, "the edit and the seek")
    viewer.shutdown()


@pytest.mark.parametrize("vertical", [False, True])
def test_a_scroll_bar_repainted_where_its_handle_moves_shows_a_full_repaint(qtbot, themed, vertical):
    """The timeline's and the shot tree's scroll bars (``HandleScrollBar``): ranges and values changed by
    less than a pixel, by a few and by a lot, the range taken away and given back."""
    from PySide6.QtCore import Qt

    from previz.ui.viewer.slider import HandleScrollBar

    bar = HandleScrollBar(Qt.Orientation.Vertical if vertical else Qt.Orientation.Horizontal)
    qtbot.addWidget(bar)
    bar.resize(*((12, 300) if vertical else (300, 12)))
    bar.setRange(0, 70000)
    bar.setPageStep(900)
    bar.show()
    qtbot.waitExposed(bar)
    paints = _Paints(bar)
    seen = 0  # paints counted after the last step's grab
    steps = [
        lambda: bar.setValue(30000),
        lambda: bar.setMaximum(70072),  # less than a pixel: not repainted
        lambda: bar.setValue(30050),
        lambda: bar.setMaximum(90000),  # the handle shrinks and moves
        lambda: bar.setValue(500),
        lambda: bar.setMaximum(0),  # no range
        lambda: bar.setMaximum(2000),
        lambda: bar.setValue(2000),
    ]
    for i, step in enumerate(steps):
        step()
        for _ in range(3):
            QApplication.processEvents()
        if i == 1:
            assert paints.count[bar] == seen  # not repainted
        assert on_screen(bar) == painted_whole(bar), f"step {i}"
        seen = paints.count[bar]  # grab() paints too


def test_a_letterboxed_picture_shows_dark_bars_around_it_and_nothing_beneath(qtbot, themed):
    """The canvas paints only the bars and the picture (it is opaque: nothing of the window shows through):
    a 16:9 picture in a square canvas has dark bars above and below, the picture between; with no picture
    the whole canvas is dark. A resize paints the new bars too."""
    from PySide6.QtGui import QColor, QImage

    from previz.ui.viewer.viewer import FrameCanvas

    canvas = FrameCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(400, 400)
    canvas.show()
    qtbot.waitExposed(canvas)
    picture = QImage(160, 90, QImage.Format.Format_RGB32)
    picture.fill(QColor("#c03030"))
    canvas.set_image(picture)
    settle()
    bars = QColor("#0c0d0f").rgb()
    shown = canvas.grab().toImage()
    assert {shown.pixel(200, 5), shown.pixel(200, 394), shown.pixel(5, 5)} == {bars}
    assert shown.pixel(200, 200) == QColor("#c03030").rgb()
    canvas.resize(400, 600)
    settle()
    shown = canvas.grab().toImage()
    assert shown.pixel(200, 5) == bars and shown.pixel(200, 300) == QColor("#c03030").rgb()
    assert stale_pixels(on_screen(canvas), painted_whole(canvas)) == []
    canvas.set_image(None)
    settle()
    shown = canvas.grab().toImage()
    assert {shown.pixel(200, 300), shown.pixel(5, 5)} == {bars}
