"""A frame-accurate player for review mode and take compare: one position driving one or more sources.

Each *lane* is a source from :mod:`previz.ui.viewer.frames` (``CutSource`` or ``TakeSource``) with its own
:class:`~previz.ui.viewer.frames.FrameDecoder`. :attr:`FramePlayer.frameShown` fires once every lane has
decoded the frame asked for, so the pictures on screen (and any overlay drawn from the position) always
belong to the same frame. Playback follows a clock and skips frames rather than drift; a loop range keeps
it inside one shot.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QElapsedTimer, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QImage

from previz.ui.viewer.frames import FrameDecoder


class FramePlayer(QObject):
    frameShown = Signal(int)  # the position every lane now shows
    playingChanged = Signal(bool)

    AHEAD = 12

    def __init__(self, sources: list, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.sources: list = []
        self.decoders: list[FrameDecoder] = []
        self.images: list[QImage | None] = []
        self.specs: list = []
        self._pending: list[bool] = []
        self.position = 0
        self.displayed_position: int | None = None
        self.speed = 0
        self.loop_range: tuple[int, int] | None = None
        self._clock = QElapsedTimer()
        self._origin = 0
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        self.set_sources(sources)

    # -------------------------------------------------------------- sources
    def set_sources(self, sources: list) -> None:
        """Replace the lanes (keeps the position, clamped)."""
        while len(self.decoders) < len(sources):
            decoder = FrameDecoder(self)
            decoder.frameReady.connect(self._on_frame)
            self.decoders.append(decoder)
        while len(self.decoders) > len(sources):
            self.decoders.pop().stop()
        self.sources = list(sources)
        self.images = [None] * len(sources)
        self.specs = [None] * len(sources)
        self._pending = [False] * len(sources)
        self.displayed_position = None
        if self.loop_range is not None:
            self.loop_range = (min(self.loop_range[0], self.last), min(self.loop_range[1], self.last))
        self.seek(min(self.position, self.last))

    @property
    def duration(self) -> int:
        return max((s.duration for s in self.sources), default=0)

    @property
    def last(self) -> int:
        return max(0, self.duration - 1)

    @property
    def rate(self):
        return self.sources[0].rate if self.sources else None

    # -------------------------------------------------------------- frames
    def seek(self, frame: int) -> None:
        if not self.sources or self.duration == 0:
            self.displayed_position = None
            return
        frame = max(0, min(int(frame), self.last))
        self.position = frame
        step = -1 if self.speed < 0 else 1
        for i, (source, decoder) in enumerate(zip(self.sources, self.decoders)):
            spec = source.spec_at(min(frame, max(0, source.duration - 1)))
            cached = decoder.cached(spec)
            if cached is not None:
                self.images[i], self.specs[i], self._pending[i] = cached, spec, False
                continue
            self._pending[i] = True
            ahead = []
            if self.speed:
                ahead = [
                    source.spec_at(f)
                    for f in range(frame + step, frame + step * (self.AHEAD + 1), step)
                    if 0 <= f < source.duration
                ]
            decoder.request(frame, spec, ahead, source.size)
        self._maybe_shown()

    @Slot()
    def _on_frame(self) -> None:
        for i, decoder in enumerate(self.decoders):
            for position, spec, image in decoder.take_results():
                if position == self.position and self._pending[i]:
                    self.images[i], self.specs[i], self._pending[i] = image, spec, False
        self._maybe_shown()

    def _maybe_shown(self) -> None:
        if not self.sources or any(self._pending):
            return
        self.displayed_position = self.position
        self.frameShown.emit(self.position)

    def wait_displayed(self, frame: int, timeout: float = 5.0) -> bool:
        """Process events until ``frame`` is on screen in every lane (tests, screenshots)."""
        from PySide6.QtWidgets import QApplication

        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.displayed_position == frame and not any(self._pending):
                return True
            QApplication.processEvents()
            time.sleep(0.002)
        return self.displayed_position == frame

    # -------------------------------------------------------------- transport
    def _range(self) -> tuple[int, int]:
        if self.loop_range is not None:
            return self.loop_range
        return 0, self.last

    def play(self, speed: int = 1) -> None:
        if not self.sources or self.duration == 0:
            return
        lo, hi = self._range()
        if speed > 0 and (self.position >= hi or self.position < lo):
            self.position = lo
        self.speed = speed
        self._origin = self.position
        self._clock.start()
        fps = float(self.rate.fraction)
        self._timer.start(max(1, int(1000 / (fps * 2))))
        self.playingChanged.emit(True)

    def pause(self) -> None:
        was = self.speed != 0
        self.speed = 0
        self._timer.stop()
        if was:
            self.playingChanged.emit(False)

    def toggle(self) -> None:
        if self.speed:
            self.pause()
        else:
            self.play(1)

    @property
    def playing(self) -> bool:
        return self.speed != 0

    def step(self, frames: int) -> None:
        self.pause()
        self.seek(self.position + frames)

    def set_loop(self, lo: int | None, hi: int | None = None) -> None:
        """Loop ``lo..hi`` (inclusive) while playing; ``None`` plays to the end and stops."""
        if lo is None:
            self.loop_range = None
        else:
            lo = max(0, min(int(lo), self.last))
            self.loop_range = (lo, max(lo, min(int(hi if hi is not None else self.last), self.last)))

    def _tick(self) -> None:
        fps = float(self.rate.fraction)
        target = self._origin + int(self._clock.elapsed() / 1000.0 * fps * self.speed)
        lo, hi = self._range()
        if target > hi or target < lo:
            if self.loop_range is not None:
                target = lo + (target - lo) % (hi - lo + 1)
                self._origin = target
                self._clock.start()
            else:
                self.seek(max(lo, min(target, hi)))
                self.pause()
                return
        if target != self.position:
            self.seek(target)

    def shutdown(self) -> None:
        self.pause()
        for decoder in self.decoders:
            decoder.stop()
        self.decoders = []
        self.sources = []
