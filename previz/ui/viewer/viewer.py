"""The viewer: plays the cut or one take, frame-accurately.

Frames are decoded on :class:`~previz.ui.viewer.frames.FrameDecoder`'s thread. The timecode and shot label are
updated together with the picture, from the position the picture was decoded for, so the frame shown is
always the frame the timecode says. Keys: space play/pause, J/K/L shuttle, ←/→ step, ↑/↓ previous/next shot,
I/O in/out, L-loop via the loop button.

In cut mode at 1x the project's audio clips play through
:class:`~previz.ui.viewer.audio_playback.AudioOutput`, started at the playhead, and the picture
follows the audio clock (samples the device has played); the sound stops on pause, restarts on a
seek and is muted while shuttling faster than 1x or backwards. Without an audio device the viewer
plays silently on its own clock.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QElapsedTimer, QRect, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QSlider, QVBoxLayout, QWidget

from previz.ui.viewer.audio_playback import RATE, AudioLoader, AudioOutput, sample_at
from previz.ui.viewer.frames import CutSource, FrameDecoder, TakeSource, letterbox
from previz.ui.viewer.proxies import ProxyCache

PLAY_TIP = "Play / pause (Space); J/K/L shuttle; ←/→ step; ↑/↓ shot"


class FrameCanvas(QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.image: QImage | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 180)
        self.aspect = 16 / 9

    def set_image(self, image: QImage | None) -> None:
        self.image = image
        self.update()

    def picture_rect(self) -> QRect:
        return letterbox(self.rect(), self.aspect)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#0c0d0f"))
        if self.image is not None:
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            p.drawImage(self.picture_rect(), self.image)
        p.end()


class Viewer(QWidget):
    positionChanged = Signal(int)  # the frame now shown
    shotChanged = Signal(str)  # code of the shot under the playhead (cut mode)

    SPEEDS = (1, 2, 4, 8)

    def __init__(self, controller, parent=None, *, use_proxies: bool = True) -> None:
        super().__init__(parent)
        self.setObjectName("Viewer")
        self.controller = controller
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.decoder = FrameDecoder(self)
        self.decoder.frameReady.connect(self._on_frame)
        self.proxies = ProxyCache(controller.session.paths.cache, self) if use_proxies else None
        if self.proxies is not None:
            self.proxies.ready.connect(self._on_proxy)
        self.source = None
        self.mode = "cut"
        self.position = 0  # the frame asked for
        self.displayed_position: int | None = None  # the frame now on screen
        self.displayed_spec = None
        self.speed = 0
        self.loop = False
        self.in_point: int | None = None
        self.out_point: int | None = None
        self.frames_shown = 0
        self.frames_dropped = 0
        self._last_shot = ""
        self._proxy_pending = False
        self._clock = QElapsedTimer()
        self._play_origin = 0
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        self.audio_out = AudioOutput(self)
        self.audio_out.failed.connect(self._on_audio_failed)
        self.audio_loader = AudioLoader(self)
        self.audio_loader.ready.connect(self._on_audio_ready)
        self._audio_stale = True
        self._audio_seen: tuple[int, int] = (-1, 0)  # (samples played, clock ms) when they last moved
        self.audio_sync_max = 0.0  # largest |audio clock - frame shown| seen while sound played (frames)
        self.audio_ticks = 0  # ticks driven by the audio clock
        self.audio_status = ""  # why there is no sound, when there is none

        self.canvas = FrameCanvas()
        self.timecode_label = QLabel("00:00:00:00", objectName="timecode")
        self.shot_label = QLabel("", objectName="dim")
        self.mode_button = QPushButton("Cut")
        self.mode_button.setCheckable(True)
        self.mode_button.setToolTip("Play the whole cut, or only the current shot's take")
        self.mode_button.toggled.connect(lambda on: self.set_mode("take" if on else "cut"))
        self.play_button = QPushButton("▶")
        self.play_button.setToolTip(PLAY_TIP)
        self.play_button.clicked.connect(self.toggle_play)
        self.loop_button = QPushButton("Loop")
        self.loop_button.setCheckable(True)
        self.loop_button.toggled.connect(lambda on: setattr(self, "loop", on))
        self.inout_label = QLabel("", objectName="dim")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.valueChanged.connect(self._on_slider)
        for b in (self.mode_button, self.play_button, self.loop_button):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        bar = QHBoxLayout()
        bar.addWidget(self.mode_button)
        bar.addWidget(self.play_button)
        bar.addWidget(self.loop_button)
        bar.addWidget(self.timecode_label)
        bar.addWidget(self.shot_label, 1)
        bar.addWidget(self.inout_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.slider)
        layout.addLayout(bar)

        controller.changed.connect(self._on_changed)
        controller.currentShotChanged.connect(self._on_current_shot)
        self.reload()

    # -------------------------------------------------------------- sources
    def _on_changed(self, changes) -> None:
        if changes.audio or changes.project:
            self.audio_loader.invalidate()
            self._audio_stale = True
            if self.speed:
                self._restart_clock()
        if changes.timeline or changes.takes or changes.shots or changes.project:
            self.reload()

    def _on_current_shot(self, code) -> None:
        if self.mode == "take":
            self.reload()
        elif code and self.speed == 0 and code != self._last_shot:
            self.jump_to_shot(code)

    @Slot()
    def _on_proxy(self) -> None:
        """A proxy was made: show it from now on (same frames, cheaper to decode)."""
        if self.speed == 0:
            self.reload()
        else:
            self._proxy_pending = True

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self.mode_button.setText("Take" if mode == "take" else "Cut")
        self.mode_button.setChecked(mode == "take")
        self.position = 0
        self.reload()

    def reload(self) -> None:
        session = self.controller.session
        if self.mode == "take":
            shot = self.controller.current_shot_info()
            if shot is None:
                self.source = None
            else:
                take = session.take(shot.selected_take_id) if shot.selected_take_id else None
                self.source = TakeSource(session, shot, take, self.proxies)
        else:
            self.source = CutSource(session, session.cut(), self.proxies)
        if self.source is not None:
            w, h = self.source.size
            self.canvas.aspect = w / h
        duration = self.duration
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, duration - 1))
        self.slider.blockSignals(False)
        self.displayed_spec = None
        self.seek(min(self.position, max(0, duration - 1)))

    @property
    def duration(self) -> int:
        return self.source.duration if self.source is not None else 0

    # -------------------------------------------------------------- frames
    def seek(self, frame: int) -> None:
        """Show ``frame`` (clamped to the source); while playing, playback (and sound) go on from there."""
        self._seek(frame)
        if self.speed:
            self._restart_clock()

    def _seek(self, frame: int) -> None:
        """Ask for ``frame`` (clamped). The picture arrives from the decoder thread."""
        if self.source is None or self.duration == 0:
            self.canvas.set_image(None)
            self.timecode_label.setText("--:--:--:--")
            self.shot_label.setText("nothing to play" if self.source is not None else "no shot selected")
            self.displayed_position = None
            return
        frame = max(0, min(int(frame), self.duration - 1))
        self.position = frame
        spec = self.source.spec_at(frame)
        cached = self.decoder.cached(spec)
        if cached is not None:
            self._show(frame, spec, cached)
            return
        step = -1 if self.speed < 0 else 1
        ahead = []
        if self.speed != 0:
            ahead = [
                self.source.spec_at(f)
                for f in range(frame + step, frame + step * 13, step)
                if 0 <= f < self.duration
            ]
        self.decoder.request(frame, spec, ahead, self.source.size)

    @Slot()
    def _on_frame(self) -> None:
        for position, spec, image in self.decoder.take_results():
            if self.source is not None and position == self.position:  # else a newer frame was asked for
                self._show(position, spec, image)

    def _show(self, position: int, spec, image) -> None:
        if self.displayed_position is not None and self.speed and position != self.displayed_position:
            self.frames_dropped += max(0, abs(position - self.displayed_position) - 1)
        self.displayed_position = position
        self.displayed_spec = spec
        self.frames_shown += 1
        self.canvas.set_image(image)
        self.timecode_label.setText(self.source.timecode(position))
        self.shot_label.setText(self.source.label(position))
        self.slider.blockSignals(True)
        self.slider.setValue(position)
        self.slider.blockSignals(False)
        self.positionChanged.emit(position)
        if isinstance(self.source, CutSource):
            entry = self.source.entry_at(position)
            if entry is not None and entry.code != self._last_shot:
                self._last_shot = entry.code
                self.shotChanged.emit(entry.code)

    def wait_displayed(self, frame: int, timeout: float = 5.0) -> bool:
        """Process events until ``frame`` is on screen (for tests and benchmarks)."""
        from PySide6.QtWidgets import QApplication

        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.displayed_position == frame:
                return True
            QApplication.processEvents()
            time.sleep(0.001)
        return self.displayed_position == frame

    def _on_slider(self, value: int) -> None:
        self.pause()
        self.seek(value)

    # -------------------------------------------------------------- transport
    def play(self, speed: int = 1) -> None:
        if self.source is None or self.duration == 0:
            return
        self.speed = speed
        lo, hi = self._range()
        if speed > 0 and self.position >= hi:
            self.position = lo
        self._restart_clock()
        fps = float(self.source.rate.fraction)
        self._timer.start(max(1, int(1000 / (fps * 4))))  # ticks at 4x the frame rate: <1/4 frame late
        self.play_button.setText("❚❚")

    def pause(self) -> None:
        self.speed = 0
        self._timer.stop()
        self.audio_out.stop()
        self.play_button.setText("▶")
        if self._proxy_pending:
            self._proxy_pending = False
            self.reload()

    def toggle_play(self) -> None:
        if self.speed:
            self.pause()
        else:
            self.play(1)

    def _range(self) -> tuple[int, int]:
        lo = self.in_point if self.in_point is not None else 0
        hi = self.out_point if self.out_point is not None else self.duration - 1
        return lo, max(lo, hi)

    # -------------------------------------------------------------- sound and clock
    def _restart_clock(self) -> None:
        """Play on from ``position``: the picture clock restarts there, and the sound with it."""
        self._play_origin = self.position
        self._clock.start()
        self._start_audio()

    def _start_audio(self) -> None:
        self.audio_out.stop()
        if self.speed != 1 or self.mode != "cut" or self.source is None:
            return  # muted: paused, shuttling faster than 1x or backwards, or playing a single take
        if self._audio_stale:
            self._audio_stale = False
            self.audio_loader.request(self.controller.session)  # _on_audio_ready starts the sound
            return
        audio = self.audio_loader.audio
        if audio is None or audio.empty:
            return
        if not self.audio_out.available:
            self._on_audio_failed(self.audio_out.reason)
            return
        self._audio_seen = (-1, 0)
        self.audio_out.start(audio, sample_at(self._play_origin, self.source.rate.fraction))

    @Slot()
    def _on_audio_ready(self) -> None:
        if self.speed == 1 and self.mode == "cut":
            self._restart_clock()

    @Slot(str)
    def _on_audio_failed(self, reason: str) -> None:
        self.audio_status = reason
        self.play_button.setToolTip(f"{PLAY_TIP}\n{reason}")
        if self.speed:
            self._play_origin = self.position  # on the picture's own clock from here
            self._clock.start()

    def _clock_frames(self, fps: float) -> float:
        """Frames played since the clock started: the audio device's clock while sound plays, else
        the elapsed time. Sound that stops moving for half a second is dropped (silent from there)."""
        elapsed_ms = self._clock.elapsed()
        played = self.audio_out.played_samples() if self.audio_out.playing else None
        if played is None:
            return elapsed_ms / 1000.0 * fps * self.speed
        if played != self._audio_seen[0]:
            self._audio_seen = (played, elapsed_ms)
        elif elapsed_ms - self._audio_seen[1] > 500:
            self.audio_out.give_up("no sound: the audio device stopped playing")
            return 0.0
        frames = played * fps / RATE
        if self.displayed_position is not None:
            drift = abs(self._play_origin + frames - self.displayed_position)
            self.audio_sync_max = max(self.audio_sync_max, drift) if self.audio_ticks > 2 else 0.0
        self.audio_ticks += 1
        return frames

    def _tick(self) -> None:
        fps = float(self.source.rate.fraction)
        target = self._play_origin + int(self._clock_frames(fps))
        lo, hi = self._range()
        if target > hi or target < lo:
            if self.loop:
                span = hi - lo + 1
                target = lo + (target - lo) % span
                self._seek(target)
                self._restart_clock()
                return
            target = max(lo, min(target, hi))
            self._seek(target)
            self.pause()
            return
        if target != self.position:
            self._seek(target)

    def shuttle(self, key: str) -> None:
        """J/K/L: K stops; L plays forward (again: faster); J plays backward (again: faster)."""
        if key == "k":
            self.pause()
            return
        sign = 1 if key == "l" else -1
        if self.speed and (self.speed > 0) == (sign > 0):
            i = self.SPEEDS.index(abs(self.speed)) if abs(self.speed) in self.SPEEDS else 0
            self.play(sign * self.SPEEDS[min(i + 1, len(self.SPEEDS) - 1)])
        else:
            self.play(sign)

    def step(self, frames: int) -> None:
        self.pause()
        self.seek(self.position + frames)

    def shot_step(self, direction: int) -> None:
        if self.source is None:
            return
        self.pause()
        starts = self.source.shot_starts()
        if direction > 0:
            later = [s for s in starts if s > self.position]
            if later:
                self.seek(later[0])
        else:
            earlier = [s for s in starts if s < self.position]
            if earlier:  # the start of this shot, or of the one before when already there
                self.seek(earlier[-1])

    def jump_to_shot(self, code: str) -> None:
        if isinstance(self.source, CutSource):
            for entry in self.source.cut.entries:
                if entry.code == code:
                    self._last_shot = code
                    self.seek(entry.record_in)
                    return

    def mark_in(self) -> None:
        self.in_point = self.position
        self._show_inout()

    def mark_out(self) -> None:
        self.out_point = self.position
        self._show_inout()

    def clear_inout(self) -> None:
        self.in_point = self.out_point = None
        self._show_inout()

    def _show_inout(self) -> None:
        if self.source is None or (self.in_point is None and self.out_point is None):
            self.inout_label.setText("")
            return
        lo, hi = self._range()
        self.inout_label.setText(f"in {self.source.timecode(lo)}  out {self.source.timecode(hi)}")

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt API
        key = event.key()
        k = Qt.Key
        actions = {
            k.Key_Space: self.toggle_play,
            k.Key_J: lambda: self.shuttle("j"),
            k.Key_K: lambda: self.shuttle("k"),
            k.Key_L: lambda: self.shuttle("l"),
            k.Key_Left: lambda: self.step(-1),
            k.Key_Right: lambda: self.step(1),
            k.Key_Up: lambda: self.shot_step(-1),
            k.Key_Down: lambda: self.shot_step(1),
            k.Key_I: self.mark_in,
            k.Key_O: self.mark_out,
            k.Key_Home: lambda: self.seek(0),
            k.Key_End: lambda: self.seek(self.duration - 1),
        }
        if key in actions:
            actions[key]()
            event.accept()
        else:
            super().keyPressEvent(event)

    def shutdown(self) -> None:
        self.pause()
        self.audio_loader.invalidate()
        self.decoder.stop()
        if self.proxies is not None:
            self.proxies.shutdown()
