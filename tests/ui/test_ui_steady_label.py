"""The viewer's timecode and shot labels change with every frame played and every shot added without laying
the main window out again (issue 12, speed: ~0.8 ms of every added shot was the window's relayout of its
docks), and a text too long for its room is elided, whole in its tooltip."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject

from previz.ui import authoring
from previz.ui.main_window import MainWindow
from previz.ui.steady_label import SteadyLabel


class LayoutRequests(QObject):
    """Counts the layout requests ``widget`` receives."""

    def __init__(self, widget) -> None:
        super().__init__()
        self.count = 0
        widget.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.LayoutRequest:
            self.count += 1
        return False


def test_adding_shots_and_playing_frames_lays_out_no_window(qtbot, project, themed):
    root = project.root
    project.close()
    window = MainWindow(root)
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    qtbot.wait(50)
    controller, viewer = window.controller, window.widgets["viewer"]
    requests = LayoutRequests(window)
    shown = []
    for after in ("001_0010", "001_0020", "002_0010"):
        new = authoring.add_shot(controller, after)
        qtbot.wait(10)
        shown.append((viewer.timecode_label.text(), viewer.shot_label.text()))
        assert new.code in viewer.shot_label.text()
    for frame in (3, 30, 61):
        viewer.seek(frame)
        assert viewer.wait_displayed(frame)
        qtbot.wait(10)
        shown.append((viewer.timecode_label.text(), viewer.shot_label.text()))
        assert viewer.timecode_label.text() == window.session.cut().timecode(frame)
    assert len(set(shown)) == len(shown)  # every step showed new text
    assert requests.count == 0
    # what the labels show is the whole text: the timecode has the room of its widest text
    assert viewer.timecode_label.label.text() == viewer.timecode_label.text()
    assert viewer.shot_label.label.text() == viewer.shot_label.text()
    window.close()


def test_a_text_too_long_for_its_room_is_elided_and_whole_in_the_tooltip(qtbot, themed):
    strip = SteadyLabel("", object_name="dim")
    qtbot.addWidget(strip)
    strip.resize(120, strip.sizeHint().height())
    strip.show()
    long = "005_0510 · take 12 · 48/96 · a very long description of what the shot shows"
    strip.setText(long)
    assert strip.text() == long
    assert strip.label.text().endswith("…") and len(strip.label.text()) < len(long)
    assert strip.label.toolTip() == long
    strip.resize(2000, strip.height())  # room enough: the whole text, no tooltip
    assert strip.label.text() == long and strip.label.toolTip() == ""
    timecode = SteadyLabel("00:00:00:00", object_name="timecode", sample="00:00:00:00")
    qtbot.addWidget(timecode)
    timecode.resize(timecode.sizeHint())
    timecode.show()
    for text in ("01:15:18:03", "00:59:59;29", "--:--:--:--"):
        timecode.setText(text)
        assert timecode.label.text() == text
