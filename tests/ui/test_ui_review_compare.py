"""Take compare: two different takes in sync, side by side and wiped; circling and selecting a take."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from ui.ui_review_support import CODES, at, build_review_project, pixels

from previz.ui.controller import ProjectController
from previz.ui.review.compare import CompareView


@pytest.fixture
def compare(tmp_path, qtbot, monkeypatch):
    monkeypatch.setenv("PREVIZ_SETTINGS_DIR", str(tmp_path / "settings"))
    session = build_review_project(tmp_path / "film")
    controller = ProjectController(session)
    view = CompareView(controller, CODES[0])
    qtbot.addWidget(view)
    view.resize(1000, 420)
    view.show()
    view.activateWindow()
    view.setFocus()  # the keys are the view's shortcuts: they need the keyboard
    qtbot.waitUntil(lambda: view.isActiveWindow() and view.hasFocus(), timeout=5000)
    assert view.player.wait_displayed(0)
    yield view
    view.shutdown()
    session.close()


def shown_in(canvas, rect) -> np.ndarray:
    """What the canvas shows in ``rect``, at the takes' 320×180."""
    grab = canvas.grab()
    dpr = grab.devicePixelRatio()
    r = [round(v * dpr) for v in (rect.x(), rect.y(), rect.width(), rect.height())]
    shown = pixels(grab.toImage())[r[1] : r[1] + r[3], r[0] : r[0] + r[2]]
    return cv2.resize(shown, (320, 180), interpolation=cv2.INTER_AREA).astype(int)


def test_two_takes_play_in_sync_side_by_side_and_wiped(compare, qtbot):
    session = compare.session
    assert compare.take_numbers() == (1, 2)
    a, b = (pixels(img).astype(int) for img in compare.player.images)
    assert a.shape == b.shape == (180, 320, 3)
    assert np.abs(a - b).mean() > 2  # two different takes (push in, pull out), not the same file twice
    paths = [spec.path for spec in compare.player.specs]
    takes = {t.number: t for t in session.takes(CODES[0])}
    assert paths == [str(session.media.path(takes[n].media_hash, takes[n].ext)) for n in (1, 2)]

    # one position drives both: stepping and playing keep the two lanes on the same frame
    QTest.keyClick(compare, Qt.Key.Key_Right)
    assert compare.player.wait_displayed(1)
    assert [s.frame for s in compare.player.specs] == [1, 1]
    compare.player.play()
    qtbot.waitUntil(lambda: compare.player.displayed_position not in (None, 1), timeout=3000)
    compare.player.pause()
    shown = compare.player.displayed_position
    assert [s.frame for s in compare.player.specs] == [shown, shown]
    assert compare.slider.value() == shown

    # side by side, each picture is its take's frame up to its top row: the captions are written above the
    # pictures (written over them, they hid the takes' own burn-ins)
    canvas = compare.canvas
    a, b = (pixels(img).astype(int) for img in compare.player.images)
    top = (slice(0, 20), slice(None))
    for rect, image in zip(canvas.picture_rects(), (a, b)):
        assert np.abs(shown_in(canvas, rect)[top] - image[top]).mean() < 12

    # the A/B wipe: the divider follows a drag; left of it is take A's picture, right of it take B's
    compare.set_mode("wipe")
    rect = canvas.picture_rects()[0]
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(rect, 0.5, 0.5))
    QTest.mouseMove(canvas, at(rect, 0.3, 0.5))
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(rect, 0.3, 0.5))
    assert canvas.wipe == pytest.approx(0.3, abs=0.01)
    shown = shown_in(canvas, rect)
    a, b = (pixels(img).astype(int) for img in compare.player.images)
    rows = slice(0, 180)  # all of them: the labels are above the picture
    left, right = (rows, slice(0, 86)), (rows, slice(106, 320))  # either side of the divider at x = 96

    def error(part, image):
        return np.abs(shown[part] - image[part]).mean()

    assert error(left, a) < error(left, b) and error(left, a) < 12
    assert error(right, b) < error(right, a) and error(right, b) < 12


def test_a_lane_with_its_frame_at_hand_waits_for_the_other_lane(compare, monkeypatch):
    """Take A's next frame is in its decoder's cache, take B's is still being decoded: neither picture
    moves until both have arrived (a lane a frame ahead of the other is a compare that lies)."""
    player = compare.player
    player.seek(1)
    assert player.wait_displayed(1)
    pictures = list(player.images)
    fast, slow = player.decoders
    asked = []
    monkeypatch.setattr(fast, "cached", lambda spec: pictures[0])  # A's answer is at hand at once
    monkeypatch.setattr(slow, "request", lambda *args: asked.append(args))  # B's decoder is busy
    player.seek(5)
    assert asked and player.displayed_position == 1
    assert [s.frame for s in player.specs] == [1, 1] and player.images == pictures
    monkeypatch.undo()
    slow.request(*asked[-1])  # B's decode now happens; its frame arrives
    assert player.wait_displayed(5)
    assert [s.frame for s in player.specs] == [5, 5]


def test_choose_the_circled_take_and_the_take_in_the_cut(compare):
    session = compare.session

    def circled():
        return {t.number for t in session.takes(CODES[0]) if t.circled}

    compare.circle_buttons[1].click()
    assert circled() == {2}
    assert "● circled" in compare.canvas.labels[1] and not compare.circle_buttons[1].isEnabled()
    compare.circle_buttons[0].click()
    assert circled() == {1}  # A circled, B un-circled, in one step
    compare.controller.undo_stack.undo()
    assert circled() == {2}
    compare.controller.undo_stack.undo()
    assert circled() == set()
    compare.circle_buttons[1].click()

    assert session.shot(CODES[0]).selected_take_id == session.takes(CODES[0])[0].id
    compare.select_buttons[1].click()
    take2 = next(t for t in session.takes(CODES[0]) if t.number == 2)
    assert session.shot(CODES[0]).selected_take_id == take2.id
    assert session.cut().entries[0].take_number == 2
    assert "in cut" in compare.canvas.labels[1] and not compare.select_buttons[1].isEnabled()
    assert circled() == {2}


def test_compare_needs_two_takes(tmp_path, qtbot, monkeypatch):
    from previz.core.errors import ValidationError

    monkeypatch.setenv("PREVIZ_SETTINGS_DIR", str(tmp_path / "settings"))
    session = build_review_project(tmp_path / "film")
    with pytest.raises(ValidationError, match="001_0020 has 1 take"):
        CompareView(ProjectController(session), CODES[1])
    session.close()


def test_compare_keys_are_the_viewers_jkl_and_ctrl_l_loops(compare):
    assert compare.player.loop  # compare loops the takes by default
    QTest.keyClick(compare, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert not compare.player.loop and not compare.loop_button.isChecked()
    assert compare.status.text() == "Loop off"
    QTest.keyClick(compare, Qt.Key.Key_L)
    QTest.keyClick(compare, Qt.Key.Key_L)
    assert compare.player.speed == 2 and compare.status.text() == "Shuttle 2× forward"
    QTest.keyClick(compare, Qt.Key.Key_J)
    assert compare.player.speed == -1
    QTest.keyClick(compare, Qt.Key.Key_K)
    assert compare.player.speed == 0 and compare.status.text() == "Stopped"
    QTest.keyClick(compare, Qt.Key.Key_End)
    assert compare.player.wait_displayed(compare.player.last)
    QTest.keyClick(compare, Qt.Key.Key_W)
    assert compare.canvas.mode == "wipe"
