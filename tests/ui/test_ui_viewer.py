import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication
from ui.conftest import read_index, write_index_video

from previz.ui.viewer.player import ManualClock
from previz.ui.viewer.viewer import Viewer


def _pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    ptr = image.constBits()
    arr = np.frombuffer(ptr, np.uint8, image.bytesPerLine() * image.height())
    return arr.reshape(image.height(), image.bytesPerLine())[:, : image.width() * 3].reshape(
        image.height(), image.width(), 3
    )


def test_cut_is_frame_accurate(qtbot, controller, video_take, frame_index):
    session = controller.session
    video_take(session, "001_0020", 40)
    controller.edit(lambda: session.set_shot("001_0020", trim_in=5))
    viewer = Viewer(controller)
    qtbot.addWidget(viewer)
    entry = next(e for e in session.cut().entries if e.code == "001_0020")
    for offset in (0, 1, 13, 24):  # record frames inside 001_0020 (25 frames long)
        record = entry.record_in + offset
        viewer.seek(record)
        assert viewer.wait_displayed(record)
        source = frame_index(_pixels(viewer.canvas.image))
        assert source == 5 + offset  # the take's frame under the playhead, after the trim in
        assert viewer.timecode_label.text() == session.cut().timecode(record)
        assert viewer.shot_label.text().startswith("001_0020 · take 1")
    # a jump backwards and a step forwards stay exact
    viewer.seek(entry.record_in + 20)
    assert viewer.wait_displayed(entry.record_in + 20)
    viewer.step(-7)
    assert viewer.wait_displayed(entry.record_in + 13)
    assert frame_index(_pixels(viewer.canvas.image)) == 18
    viewer.shutdown()


def test_shot_without_take_shows_board_or_slug_and_missing_media_placeholder(qtbot, controller, video_take):
    session = controller.session
    video_take(session, "001_0010", 30)
    take = session.takes("001_0010")[0]
    session.media.path(take.media_hash, take.ext).unlink()  # the file went missing
    viewer = Viewer(controller)
    qtbot.addWidget(viewer)
    viewer.seek(3)
    assert viewer.wait_displayed(3)
    assert viewer.displayed_spec.kind == "card" and viewer.displayed_spec.warning
    assert "media missing" in viewer.displayed_spec.title
    assert viewer.canvas.image is not None and not viewer.canvas.image.isNull()
    second = session.cut().entries[1]
    viewer.seek(second.record_in)
    assert viewer.wait_displayed(second.record_in)
    assert viewer.displayed_spec.kind == "card" and viewer.displayed_spec.title == second.code
    viewer.shutdown()


def focus(qtbot, widget) -> None:
    """Give ``widget`` the keyboard (shortcuts fire only in the active window's focus widget)."""
    widget.show()
    widget.activateWindow()
    widget.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget, timeout=5000)


def test_transport_keys_step_jump_and_play(qtbot, controller, video_take):
    session = controller.session
    video_take(session, "001_0010", 24)
    clock = ManualClock()
    viewer = Viewer(controller, clock=clock)
    qtbot.addWidget(viewer)
    focus(qtbot, viewer)
    starts = [e.record_in for e in session.cut().entries]
    qtbot.keyClick(viewer, Qt.Key.Key_Down)
    assert viewer.wait_displayed(starts[1])
    qtbot.keyClick(viewer, Qt.Key.Key_Down)
    assert viewer.wait_displayed(starts[2])
    qtbot.keyClick(viewer, Qt.Key.Key_Right)
    assert viewer.wait_displayed(starts[2] + 1)
    qtbot.keyClick(viewer, Qt.Key.Key_Up)
    assert viewer.wait_displayed(starts[2])
    qtbot.keyClick(viewer, Qt.Key.Key_Up)
    assert viewer.wait_displayed(starts[1])
    viewer.seek(0)
    qtbot.keyClick(viewer, Qt.Key.Key_I)
    viewer.seek(5)
    qtbot.keyClick(viewer, Qt.Key.Key_O)
    assert (viewer.in_point, viewer.out_point) == (0, 5)
    assert viewer.inout_label.text() == f"in {session.cut().timecode(0)}  out {session.cut().timecode(5)}"
    messages = []
    viewer.message.connect(messages.append)
    qtbot.keyClick(viewer, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)  # loop: Ctrl+L
    assert viewer.loop and viewer.loop_button.isChecked() and viewer.speed == 0
    qtbot.keyClick(viewer, Qt.Key.Key_L)  # L shuttles, as everywhere
    assert viewer.speed == 1
    qtbot.keyClick(viewer, Qt.Key.Key_L)
    assert viewer.speed == 2
    assert messages == ["Loop on", "Shuttle 1× forward", "Shuttle 2× forward"]
    clock.advance(1000 * 4 / 48)  # four frames at 2x: frame 4
    viewer.transport.tick()
    assert viewer.wait_displayed(4)
    clock.advance(1000 * 3 / 48)  # three more: past the out point, looped back to the in point
    viewer.transport.tick()
    assert viewer.wait_displayed(1)  # 4 + 3 = 7 → 0 + (7 % 6)
    qtbot.keyClick(viewer, Qt.Key.Key_K)
    assert viewer.speed == 0
    qtbot.keyClick(viewer, Qt.Key.Key_J)
    assert viewer.speed == -1
    qtbot.keyClick(viewer, Qt.Key.Key_Space)
    assert viewer.speed == 0
    qtbot.keyClick(viewer, Qt.Key.Key_X, Qt.KeyboardModifier.AltModifier)
    assert viewer.in_point is None and viewer.out_point is None
    qtbot.keyClick(viewer, Qt.Key.Key_End)
    assert viewer.wait_displayed(viewer.duration - 1)
    viewer.shutdown()


def test_take_mode_and_selection_follow(qtbot, controller, video_take, frame_index):
    session = controller.session
    video_take(session, "002_0010", 30)
    viewer = Viewer(controller)
    qtbot.addWidget(viewer)
    controller.set_current_shot("002_0010")
    viewer.set_mode("take")
    assert viewer.duration == 30
    viewer.seek(29)
    assert viewer.wait_displayed(29)
    assert frame_index(_pixels(viewer.canvas.image)) == 29
    assert viewer.timecode_label.text() == "00:00:01:05"
    viewer.set_mode("cut")
    controller.set_current_shot("002_0020")
    entry = next(e for e in session.cut().entries if e.code == "002_0020")
    assert viewer.wait_displayed(entry.record_in)
    viewer.shutdown()


def test_a_jump_does_not_wait_for_a_playback_decode_in_flight(qtbot, tmp_path):
    """The playback thread is stuck decoding a frame (held until the test lets it go); a jump asked
    meanwhile is decoded and delivered by the jump thread, and the decoding ahead is dropped."""
    import threading

    from previz.media.video import VideoReader
    from previz.ui.viewer.frames import FrameDecoder, FrameSpec

    write_index_video(tmp_path / "take.mp4", 60)
    started, release = threading.Event(), threading.Event()

    class HeldReader(VideoReader):
        def frame(self, index):
            if index == 10:  # the frame playback asked for: decoding it takes until released
                started.set()
                release.wait(30)
            return super().frame(index)

    decoder = FrameDecoder(open_reader=HeldReader)
    results = []
    decoder.frameReady.connect(lambda: results.extend(decoder.take_results()))
    path = str(tmp_path / "take.mp4")
    ahead = [FrameSpec("video", path=path, frame=f) for f in range(11, 23)]
    decoder.request(10, FrameSpec("video", path=path, frame=10), ahead, (320, 192))  # playing
    assert started.wait(20)
    jump = FrameSpec("video", path=path, frame=50)
    decoder.request(50, jump, [], (320, 192))  # a click on frame 50 while frame 10 decodes
    qtbot.waitUntil(lambda: [p for p, _s, _i in results] == [50], timeout=20000)
    assert read_index(_pixels(results[0][2])) == 50
    release.set()
    qtbot.waitUntil(lambda: [p for p, _s, _i in results] == [50, 10], timeout=20000)
    assert all(decoder.cached(spec) is None for spec in ahead)  # superseded: nothing decoded ahead
    decoder.stop()
