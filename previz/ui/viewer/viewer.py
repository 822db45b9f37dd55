"""The viewer: plays the cut or one take, frame-accurately, through the app's one
:class:`~previz.ui.viewer.player.Transport`.

Frames are decoded on :class:`~previz.ui.viewer.frames.FrameDecoder`'s thread. The timecode and shot label are
updated together with the picture, from the position the picture was decoded for, so the frame shown is
always the frame the timecode says. Keys come from :mod:`previz.ui.keys` (Space, J/K/L, ←/→, ↑/↓, I/O,
Ctrl+L loop, Home/End).

In cut mode at 1x the project's audio clips play through
:class:`~previz.ui.viewer.audio_playback.AudioOutput`, started at the playhead, and the picture
follows the audio clock (samples the device has played); the sound stops on pause, restarts on a
seek and is muted while shuttling faster than 1x or backwards. Without an audio device the viewer
plays silently on the transport's own clock.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt, Signal, Slot
from PySide6.QtGui import QColor, QImage, QPainter, QRegion
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from previz.ui import keys
from previz.ui.steady_label import SteadyLabel
from previz.ui.viewer.audio_playback import RATE, AudioLoader, AudioOutput, sample_at
from previz.ui.viewer.frames import CutSource, TakeSource, letterbox
from previz.ui.viewer.player import Transport
from previz.ui.viewer.proxies import ProxyCache
from previz.ui.viewer.slider import PositionSlider

PLAY_TIP = "Play / pause (Space); J/K/L shuttle; ←/→ step; ↑/↓ shot; Ctrl+L loop; ? all keys"


_BARS = QColor("#0c0d0f")


class FrameCanvas(QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.image: QImage | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 180)
        self.aspect = 16 / 9
        self._shown: tuple[int, float] | None = None  # (picture's cacheKey, aspect) last set
        # paintEvent fills every pixel: Qt need not paint the window, the stack and the viewer beneath
        # first (each new frame shown, each shot added: ~0.5 ms of the ~0.9 ms a repaint took)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def set_image(self, image: QImage | None) -> None:
        """Show ``image``. The same picture again (an edit elsewhere in the cut asks the playhead's frame
        anew and gets it from the decoder's cache) is not repainted: scaling it smoothly costs ~1 ms."""
        shown = (image.cacheKey(), self.aspect) if image is not None else None
        if shown is not None and shown == self._shown:
            return
        self.image, self._shown = image, shown
        self.update()

    def picture_rect(self) -> QRect:
        return letterbox(self.rect(), self.aspect)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        if self.image is None:
            p.fillRect(self.rect(), _BARS)
        else:
            picture = self.picture_rect()
            # only the letterbox bars are filled: the picture covers the rest (filling the whole canvas
            # first cost ~0.4 ms of every frame shown)
            for bar in QRegion(self.rect()).subtracted(QRegion(picture)):
                p.fillRect(bar, _BARS)
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            p.drawImage(picture, self.image)
        p.end()


class Viewer(QWidget):
    positionChanged = Signal(int)  # the frame now shown
    shotChanged = Signal(str)  # code of the shot under the playhead (cut mode)
    message = Signal(str)  # what a key just did ("Loop on", "Shuttle 2× forward")

    def __init__(self, controller, parent=None, *, use_proxies: bool = True, clock=None) -> None:
        super().__init__(parent)
        self.setObjectName("Viewer")
        self.controller = controller
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.transport = Transport([], self, clock=clock)
        self.transport.frameShown.connect(self._on_frame_shown)
        self.transport.restarted.connect(self._start_audio)
        self.transport.playingChanged.connect(self._on_playing)
        self.transport.follow = self._audio_frames
        self.proxies = ProxyCache(controller.session.paths.cache, self) if use_proxies else None
        if self.proxies is not None:
            self.proxies.ready.connect(self._on_proxy)
        self.source = None
        self.mode = "cut"
        self.displayed_spec = None
        self._last_shot = ""
        self._proxy_pending: set[str] = set()  # takes whose proxy was made while playing (digests)
        self._closed = False
        self.audio_out = AudioOutput(self)
        self.audio_out.failed.connect(self._on_audio_failed)
        self.audio_loader = AudioLoader(self)
        self.audio_loader.ready.connect(self._on_audio_ready)
        self._audio_stale = True
        self._audio_seen: tuple[int, float] = (-1, 0.0)  # (samples played, clock ms) when they last moved
        self.audio_sync_max = 0.0  # largest |audio clock - frame shown| seen while sound played (frames)
        self.audio_ticks = 0  # ticks driven by the audio clock
        self.audio_status = ""  # why there is no sound, when there is none

        self.canvas = FrameCanvas()
        # they change with every frame played and every shot added: no layout runs again for them
        self.timecode_label = SteadyLabel("00:00:00:00", object_name="timecode", sample="00:00:00:00")
        self.shot_label = SteadyLabel("", object_name="dim")
        self.mode_button = QPushButton("Cut")
        self.mode_button.setCheckable(True)
        self.mode_button.setToolTip("Play the whole cut, or only the current shot's take")
        self.mode_button.toggled.connect(lambda on: self.set_mode("take" if on else "cut"))
        self.play_button = QPushButton("▶")
        self.play_button.setToolTip(PLAY_TIP)
        self.play_button.clicked.connect(self.toggle_play)
        self.loop_button = QPushButton("Loop")
        self.loop_button.setCheckable(True)
        self.loop_button.setToolTip("Loop playback inside in / out (Ctrl+L)")
        self.loop_button.toggled.connect(self.transport.set_loop)
        self.inout_label = QLabel("", objectName="dim")
        self.slider = PositionSlider(Qt.Orientation.Horizontal)
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
        self.key_actions = keys.bind(self, "viewer", self._key_handlers())

        controller.changed.connect(self._on_changed)
        controller.currentShotChanged.connect(self._on_current_shot)
        self.reload()

    def _key_handlers(self) -> dict:
        t = self.transport
        return {
            "play.toggle": self.toggle_play,
            "play.shuttle_back": lambda: self.shuttle("j"),
            "play.stop": lambda: self.shuttle("k"),
            "play.shuttle_forward": lambda: self.shuttle("l"),
            "play.step_back": lambda: self.step(-1),
            "play.step_forward": lambda: self.step(1),
            "play.first": lambda: self.seek(0),
            "play.last": lambda: self.seek(t.last),
            "play.loop": self.toggle_loop,
            "viewer.prev_shot": lambda: self.shot_step(-1),
            "viewer.next_shot": lambda: self.shot_step(1),
            "viewer.mark_in": self.mark_in,
            "viewer.mark_out": self.mark_out,
            "viewer.clear_inout": self.clear_inout,
        }

    # -------------------------------------------------------------- the transport's state
    @property
    def position(self) -> int:
        return self.transport.position

    @property
    def displayed_position(self) -> int | None:
        return self.transport.displayed_position

    @property
    def speed(self) -> int:
        return self.transport.speed

    @property
    def loop(self) -> bool:
        return self.transport.loop

    @loop.setter
    def loop(self, on: bool) -> None:
        self.loop_button.setChecked(bool(on))  # toggled → transport.set_loop

    @property
    def in_point(self) -> int | None:
        return self.transport.in_point

    @in_point.setter
    def in_point(self, frame: int | None) -> None:
        self.transport.set_range(frame, self.transport.out_point)
        self._show_inout()

    @property
    def out_point(self) -> int | None:
        return self.transport.out_point

    @out_point.setter
    def out_point(self, frame: int | None) -> None:
        self.transport.set_range(self.transport.in_point, frame)
        self._show_inout()

    @property
    def frames_shown(self) -> int:
        return self.transport.frames_shown

    @property
    def frames_dropped(self) -> int:
        return self.transport.frames_dropped

    @property
    def duration(self) -> int:
        return self.source.duration if self.source is not None else 0

    # -------------------------------------------------------------- sources
    def _on_changed(self, changes) -> None:
        if self._closed:
            return
        if changes.audio or changes.project:
            self.audio_loader.invalidate()
            self._audio_stale = True
            if self.speed:
                self.transport.restart()
        if not (changes.timeline or changes.takes or changes.shots or changes.project or changes.scenes):
            return
        if self.mode != "cut" or not isinstance(self.source, CutSource):
            self.reload()
            return
        # The controller's cut was brought up to date re-reading only the shots the edit names, and only
        # those are resolved again (files, proxies); the frame at the playhead is then asked for anew (from
        # the decoder's cache when its picture did not change), so no frame of the old cut stays on screen.
        cut, touched = self.controller.live_cut().cut, self.controller.cut_touched
        if touched is None:  # read whole (project, scenes, or an edit naming no shot)
            self._show_source(self._cut_source(cut))
        elif touched or cut is not self.source.cut:  # a move within a scene re-reads no shot
            self.source.update(cut, touched)
            if not self._same_picture():
                self._show_source(self.source)

    def _same_picture(self) -> bool:
        """After the cut source was updated in place: when paused on a frame shown, with no in / out, and the
        playhead's frame is the same picture of the same shot (an edit elsewhere in the cut), only the
        slider's range and the labels follow the new cut; the transport keeps its frame (no re-show)."""
        t, source = self.transport, self.source
        position = t.position
        if self.speed or t.in_point is not None or t.out_point is not None or self.displayed_spec is None:
            return False
        if t.displayed_position != position or position >= source.duration:
            return False
        entry = source.entry_at(position)
        if entry is None or entry.code != self._last_shot or source.spec_at(position) != self.displayed_spec:
            return False
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, source.duration - 1))
        self.slider.blockSignals(False)
        self.timecode_label.setText(source.timecode(position))
        self.shot_label.setText(source.label(position))
        return True

    def _on_current_shot(self, code) -> None:
        if self._closed:
            return
        if self.mode == "take":
            self.reload()
        elif code and self.speed == 0 and code != self._last_shot:
            self.jump_to_shot(code)

    @Slot(str)
    def _on_proxy(self, digest: str) -> None:
        """A take's proxy was made: show it from now on (same frames, cheaper to decode); while playing, once
        paused. Only the shots showing that take look for their file again (one read), not the whole cut."""
        if self._closed:
            return
        self._proxy_pending.add(digest)
        if self.speed == 0:
            self._show_proxies()

    def _show_proxies(self) -> None:
        digests, self._proxy_pending = self._proxy_pending, set()
        source = self.source
        if isinstance(source, CutSource):
            ids = [e.shot_id for e in source.cut.entries if e.media_hash in digests]
            if ids:
                source.update(source.cut, ids)
                self._show_source(source)
        elif isinstance(source, TakeSource) and source.take is not None and source.take.media_hash in digests:
            self.reload()

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self.mode_button.setText("Take" if mode == "take" else "Cut")
        self.mode_button.setChecked(mode == "take")
        self.transport.position = 0
        self.reload()

    def reload(self) -> None:
        if self._closed:
            return
        session = self.controller.session
        if self.mode == "take":
            shot = self.controller.current_shot_info()
            if shot is None:
                self.source = None
            else:
                take = session.take(shot.selected_take_id) if shot.selected_take_id else None
                self.source = TakeSource(session, shot, take, self.proxies)
        else:
            self.source = self._cut_source(self.controller.live_cut().cut)
        self._show_source(self.source)

    def _cut_source(self, cut) -> CutSource:
        """A source of ``cut`` whose slug cards take a shot just read by the views (no read of their own)."""
        c = self.controller
        return CutSource(c.session, cut, self.proxies, c.fresh_shot, c.project_info())

    def _show_source(self, source) -> None:
        """Play ``source`` from the playhead (kept, clamped to its duration)."""
        self.source = source
        if self.source is not None:
            w, h = self.source.size
            self.canvas.aspect = w / h
        duration = self.duration
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, duration - 1))
        self.slider.blockSignals(False)
        self.displayed_spec = None
        self.transport.set_sources([self.source] if self.source is not None else [])
        self._show_empty()
        self._show_inout()

    def _show_empty(self) -> None:
        if self.source is None or self.duration == 0:
            self.canvas.set_image(None)
            self.timecode_label.setText("--:--:--:--")
            self.shot_label.setText("nothing to play" if self.source is not None else "no shot selected")

    # -------------------------------------------------------------- frames
    def seek(self, frame: int) -> None:
        """Show ``frame`` (clamped to the source); while playing, playback (and sound) go on from there."""
        self.transport.seek(frame)
        self._show_empty()

    def _on_frame_shown(self, position: int) -> None:
        spec, image = self.transport.specs[0], self.transport.images[0]
        self.displayed_spec = spec
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
        return self.transport.wait_displayed(frame, timeout)

    def _on_slider(self, value: int) -> None:
        self.pause()
        self.seek(value)

    # -------------------------------------------------------------- transport
    def play(self, speed: int = 1) -> None:
        self.transport.play(speed)

    def pause(self) -> None:
        self.transport.pause()

    def toggle_play(self) -> None:
        self.transport.toggle()

    def _on_playing(self, playing: bool) -> None:
        self.play_button.setText("❚❚" if playing else "▶")
        if not playing:
            self.audio_out.stop()
            if self._proxy_pending:
                self._show_proxies()

    def shuttle(self, key) -> None:
        """J/K/L: K stops; L plays forward (again: faster); J plays backward (again: faster)."""
        direction = {"j": -1, "k": 0, "l": 1}.get(key, key) if isinstance(key, str) else key
        self.transport.shuttle(direction)
        self.message.emit(keys.shuttle_text(self.speed))

    def step(self, frames: int) -> None:
        self.transport.step(frames)

    def toggle_loop(self) -> None:
        self.loop = not self.loop
        self.message.emit("Loop on" if self.loop else "Loop off")

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
        self.transport.mark_in()
        self._show_inout()

    def mark_out(self) -> None:
        self.transport.mark_out()
        self._show_inout()

    def clear_inout(self) -> None:
        self.transport.clear_range()
        self._show_inout()

    def _show_inout(self) -> None:
        if self.source is None or (self.in_point is None and self.out_point is None):
            self.inout_label.setText("")
            return
        lo, hi = self.transport.range()
        self.inout_label.setText(f"in {self.source.timecode(lo)}  out {self.source.timecode(hi)}")

    # -------------------------------------------------------------- sound
    def _start_audio(self) -> None:
        """The transport (re)started playing from its origin: the sound starts there too (1x, cut only)."""
        self.audio_out.stop()
        if self.speed != 1 or self.mode != "cut" or self.source is None or self._closed:
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
        self._audio_seen = (-1, 0.0)
        self.audio_out.start(audio, sample_at(self.transport.origin, self.source.rate.fraction))

    @Slot()
    def _on_audio_ready(self) -> None:
        if self.speed == 1 and self.mode == "cut" and not self._closed:
            self.transport.restart()

    @Slot(str)
    def _on_audio_failed(self, reason: str) -> None:
        self.audio_status = reason
        self.play_button.setToolTip(f"{PLAY_TIP}\n{reason}")
        if self.speed:
            self.transport.rebase()  # on the picture's own clock from here

    def _audio_frames(self, elapsed_ms: float) -> float | None:
        """Frames played since the transport's origin by the audio device, or None when no sound plays
        (the transport then uses its own clock). Sound that stops moving for half a second of the
        transport's clock is dropped (silent from there)."""
        played = self.audio_out.played_samples() if self.audio_out.playing else None
        if played is None:
            return None
        if played != self._audio_seen[0]:
            self._audio_seen = (played, elapsed_ms)
        elif elapsed_ms - self._audio_seen[1] > 500:
            self.audio_out.give_up("no sound: the audio device stopped playing")
            self.transport.rebase()  # silent from the frame on screen, on the transport's clock
            return 0.0
        frames = played * float(self.source.rate.fraction) / RATE
        shown = self.displayed_position
        if shown is not None:
            drift = abs(self.transport.origin + frames - shown)
            self.audio_sync_max = max(self.audio_sync_max, drift) if self.audio_ticks > 2 else 0.0
        self.audio_ticks += 1
        return frames

    def shutdown(self) -> None:
        """Stop playback, sound, proxies and the decoder threads; nothing reaches the project after this
        (the main window calls it before closing the session)."""
        self._closed = True
        for signal, slot in (
            (self.controller.changed, self._on_changed),
            (self.controller.currentShotChanged, self._on_current_shot),
        ):
            try:
                signal.disconnect(slot)
            except (RuntimeError, TypeError):
                pass
        self.transport.shutdown()
        self.audio_out.stop()
        self.audio_loader.invalidate()
        if self.proxies is not None:
            self.proxies.shutdown()
