"""Audio clips on the timeline: placed at their start frame with their length, drawn with a waveform from
the cache, dragged along the lane as one undo step."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest

from previz.media.audio import RATE, write_audio_file
from previz.media.library import import_media_file
from previz.ui.timeline.audio_lane import AudioClipItem
from previz.ui.timeline.timeline import AUDIO_Y, Timeline


def _tone_clip(session, tmp_path, seconds=2.0, start=12):
    t = np.arange(int(seconds * RATE)) / RATE
    level = np.where(t < seconds / 2, 0.8, 0.1).astype(np.float32)  # loud first half, quiet second
    mono = (level * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    info = import_media_file(session, write_audio_file(tmp_path / "tone.wav", np.stack([mono, mono])))
    return session.add_audio_clip(info.hash, start_frame=start, name="tone")


def test_audio_clip_on_its_lane_with_waveform_then_drag_and_undo(qtbot, controller, tmp_path):
    steps = controller.undo_stack.count()  # the project's history at open
    session = controller.session
    clip = _tone_clip(session, tmp_path)
    timeline = Timeline(controller)
    qtbot.addWidget(timeline)
    timeline.resize(900, 220)
    timeline.show()
    timeline.set_zoom(3.0)
    timeline.horizontalScrollBar().setValue(0)
    (item,) = timeline.audio_items
    assert isinstance(item, AudioClipItem)
    r = item.rect()
    assert r.left() == timeline.x_of(12)
    assert r.width() == 48 * 3.0  # 2 s at 24 fps
    assert r.top() == AUDIO_Y  # track 1: the first audio lane

    assert timeline.waveforms.wait(10)
    peaks = timeline.waveforms.peaks(clip.media_hash)
    assert peaks is not None and len(peaks) == 200  # one bucket per 480 samples
    assert peaks[:100, 1].max() > 0.7 and peaks[100:, 1].max() < 0.2
    assert timeline.waveforms.file_for(clip.media_hash).is_file()  # cached in the project's cache/
    image = timeline.viewport().grab().toImage()
    mid = timeline.mapFromScene(0, r.center().y() + 2).y()

    def wave_rows(scene_x):
        x = timeline.mapFromScene(scene_x, 0).x()
        return sum(
            1
            for y in range(int(mid - r.height() / 2) + 2, int(mid + r.height() / 2) - 2)
            if QColor(image.pixel(x, y)).green() > 150
        )

    loud, quiet = wave_rows(r.left() + r.width() * 0.25), wave_rows(r.left() + r.width() * 0.75)
    assert loud > quiet * 3 and quiet >= 1  # the waveform is drawn, tall where the tone is loud

    start = timeline.mapFromScene(r.center().x(), r.center().y())
    end = QPoint(start.x() + 30, start.y())  # 30 px = 10 frames at 3 px/frame
    vp = timeline.viewport()
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(vp, QPoint(start.x() + 15, start.y()))
    QTest.mouseMove(vp, end)
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    assert session.audio_clips()[0].start_frame == 22
    assert controller.undo_stack.count() == steps + 1
    assert timeline.audio_items[0].rect().left() == timeline.x_of(22)
    assert [e.code for e in session.cut().entries][0] == "001_0010"  # the shots did not move
    controller.undo_stack.undo()
    assert session.audio_clips()[0].start_frame == 12
    assert timeline.audio_items[0].rect().left() == timeline.x_of(12)
    controller.undo_stack.redo()
    assert session.audio_clips()[0].start_frame == 22


def test_waveform_cache_survives_a_new_timeline(qtbot, controller, tmp_path):
    clip = _tone_clip(controller.session, tmp_path, seconds=0.5, start=0)
    first = Timeline(controller)
    qtbot.addWidget(first)
    first.waveforms.peaks(clip.media_hash)
    assert first.waveforms.wait(10)
    cached = first.waveforms.file_for(clip.media_hash)
    stamp = cached.stat().st_mtime_ns
    second = Timeline(controller)
    qtbot.addWidget(second)
    second.waveforms.peaks(clip.media_hash)
    assert second.waveforms.wait(10)
    assert cached.stat().st_mtime_ns == stamp  # read back, not computed again
    np.testing.assert_array_equal(
        second.waveforms.peaks(clip.media_hash), first.waveforms.peaks(clip.media_hash)
    )
