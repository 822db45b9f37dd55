"""The one playback transport of the app: the viewer, review mode and take compare all play through it.

A :class:`Transport` holds a position over one or more *lanes*. Each lane is a source from
:mod:`previz.ui.viewer.frames` (``CutSource`` or ``TakeSource``) with its own
:class:`~previz.ui.viewer.frames.FrameDecoder`; :attr:`Transport.frameShown` fires once every lane has the
frame asked for, so the pictures on screen (and the timecode or overlay drawn from the position) always
belong to the same frame.

One clock, one tick: while playing, a timer ticks at four times the frame rate and the frame to show is
``origin + frames played since the clock (re)started``. The frames played come from :attr:`Transport.follow`
when it answers (the viewer's audio device clock), else from :attr:`Transport.clock` (wall time by default;
a :class:`ManualClock` makes playback advance only when told, for tests). Playback skips frames rather than
drift. Transport verbs: play / pause / toggle, J/K/L :meth:`~Transport.shuttle` (1, 2, 4, 8×), step, seek,
in / out and loop; without loop, playback stops at the range's end.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QImage

from previz.ui.viewer.frames import FrameDecoder


class MonotonicClock:
    """Wall time since the last ``restart`` (the default playback clock)."""

    def __init__(self) -> None:
        self._start = time.monotonic()

    def restart(self) -> None:
        self._start = time.monotonic()

    def elapsed_ms(self) -> float:
        return (time.monotonic() - self._start) * 1000.0


class ManualClock:
    """A playback clock that moves only when :meth:`advance` is called (tests drive playback with it)."""

    def __init__(self) -> None:
        self.now_ms = 0.0
        self._start = 0.0

    def restart(self) -> None:
        self._start = self.now_ms

    def elapsed_ms(self) -> float:
        return self.now_ms - self._start

    def advance(self, ms: float) -> None:
        self.now_ms += float(ms)


class Transport(QObject):
    frameShown = Signal(int)  # the position every lane now shows
    playingChanged = Signal(bool)
    speedChanged = Signal(int)  # 0 when stopped; negative backwards
    restarted = Signal()  # playback goes on from ``origin`` (play, shuttle, seek while playing, loop wrap)

    AHEAD = 12  # frames decoded ahead while playing
    SPEEDS = (1, 2, 4, 8)
    TICKS_PER_FRAME = 4  # a tick is at most a quarter of a frame late

    def __init__(self, sources=(), parent: QObject | None = None, *, clock=None) -> None:
        super().__init__(parent)
        self.sources: list = []
        self.decoders: list[FrameDecoder] = []
        self.images: list[QImage | None] = []
        self.specs: list = []
        self._pending: list[bool] = []
        self._wanted: list = []  # per lane: the spec asked for (a picture of the old cut is not it)
        #: per lane: the (picture, spec) of the frame asked for, held until every lane has its own, so
        #: that ``images`` never shows one lane a frame ahead of another
        self._arrived: list = []
        self.position = 0  # the frame asked for
        self.displayed_position: int | None = None  # the frame every lane shows
        self.speed = 0
        self.origin = 0  # the frame playback (re)started from
        self.loop = False
        self.in_point: int | None = None
        self.out_point: int | None = None
        self.frames_shown = 0
        self.frames_dropped = 0  # frames skipped to keep up with the clock while playing
        self.clock = clock if clock is not None else MonotonicClock()
        #: ``follow(elapsed_ms)`` → frames played since ``origin`` by an outside clock (the sound), or None
        self.follow: Callable[[float], float | None] | None = None
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self.tick)
        self.set_sources(list(sources))

    # -------------------------------------------------------------- lanes
    def set_sources(self, sources: list) -> None:
        """Replace the lanes (keeps the position and in / out, clamped to the new duration)."""
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
        self._wanted = [None] * len(sources)
        self._arrived = [None] * len(sources)
        self.displayed_position = None
        if self.in_point is not None:
            self.in_point = min(self.in_point, self.last)
        if self.out_point is not None:
            self.out_point = min(self.out_point, self.last)
        self._request(min(self.position, self.last))

    @property
    def duration(self) -> int:
        return max((s.duration for s in self.sources), default=0)

    @property
    def last(self) -> int:
        return max(0, self.duration - 1)

    @property
    def rate(self):
        return self.sources[0].rate if self.sources else None

    @property
    def empty(self) -> bool:
        return not self.sources or self.duration == 0

    # -------------------------------------------------------------- frames
    def seek(self, frame: int) -> None:
        """Show ``frame`` (clamped); while playing, playback goes on from there."""
        self._request(frame)
        if self.speed:
            self.restart()

    def _request(self, frame: int) -> None:
        """Ask every lane for ``frame``; the pictures arrive from the decoder threads (or the cache)."""
        if self.empty:
            self.displayed_position = None
            return
        frame = max(0, min(int(frame), self.last))
        self.position = frame
        step = -1 if self.speed < 0 else 1
        for i, (source, decoder) in enumerate(zip(self.sources, self.decoders)):
            spec = source.spec_at(min(frame, max(0, source.duration - 1)))
            cached = decoder.cached(spec)
            if cached is not None:
                self._arrived[i], self._pending[i] = (cached, spec), False
                continue
            self._pending[i], self._wanted[i], self._arrived[i] = True, spec, None
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
                # else a newer frame was asked for, or this one of a source replaced since (an edit)
                if position == self.position and self._pending[i] and spec == self._wanted[i]:
                    self._arrived[i], self._pending[i] = (image, spec), False
        self._maybe_shown()

    def _maybe_shown(self) -> None:
        if not self.sources or any(self._pending):
            return
        for i, arrived in enumerate(self._arrived):  # every lane moves to the new frame at once
            if arrived is not None:
                self.images[i], self.specs[i] = arrived
                self._arrived[i] = None
        shown = self.displayed_position
        if shown is not None and self.speed and self.position != shown:
            self.frames_dropped += max(0, abs(self.position - shown) - 1)
        self.displayed_position = self.position
        self.frames_shown += 1
        self.frameShown.emit(self.position)

    def wait_displayed(self, frame: int, timeout: float = 5.0) -> bool:
        """Process events until ``frame`` is on screen in every lane (tests, benchmarks, screenshots)."""
        from PySide6.QtWidgets import QApplication

        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.displayed_position == frame and not any(self._pending):
                return True
            QApplication.processEvents()
            time.sleep(0.001)
        return self.displayed_position == frame

    # -------------------------------------------------------------- range and loop
    def range(self) -> tuple[int, int]:
        """The frames playback stays in: in..out when marked, else the whole duration."""
        lo = self.in_point if self.in_point is not None else 0
        hi = self.out_point if self.out_point is not None else self.last
        return lo, max(lo, hi)

    @property
    def loop_range(self) -> tuple[int, int] | None:
        return self.range() if self.loop else None

    def set_range(self, lo: int | None, hi: int | None) -> None:
        """Mark in and out (``None`` clears one); clamped to the duration."""
        self.in_point = None if lo is None else max(0, min(int(lo), self.last))
        self.out_point = None if hi is None else max(0, min(int(hi), self.last))

    def mark_in(self) -> None:
        self.in_point = self.position

    def mark_out(self) -> None:
        self.out_point = self.position

    def clear_range(self) -> None:
        self.in_point = self.out_point = None

    def set_loop(self, on: bool) -> None:
        self.loop = bool(on)

    # -------------------------------------------------------------- transport
    @property
    def playing(self) -> bool:
        return self.speed != 0

    def play(self, speed: int = 1) -> None:
        if self.empty or speed == 0:
            return
        lo, hi = self.range()
        if speed > 0 and (self.position >= hi or self.position < lo):
            self._request(lo)
        was = self.speed
        self.speed = int(speed)
        self.restart()
        fps = float(self.rate.fraction)
        self._timer.start(max(1, int(1000 / (fps * self.TICKS_PER_FRAME))))
        if was != self.speed:
            self.speedChanged.emit(self.speed)
        if not was:
            self.playingChanged.emit(True)

    def pause(self) -> None:
        was = self.speed
        self.speed = 0
        self._timer.stop()
        if was:
            self.speedChanged.emit(0)
            self.playingChanged.emit(False)

    def toggle(self) -> None:
        if self.speed:
            self.pause()
        else:
            self.play(1)

    def shuttle(self, direction: int) -> None:
        """J (-1), K (0), L (+1): K stops; L plays forward and, pressed again, faster (1, 2, 4, 8×); J the
        same backwards; the other direction starts again at 1×."""
        if direction == 0:
            self.pause()
            return
        sign = 1 if direction > 0 else -1
        if self.speed and (self.speed > 0) == (sign > 0):
            now = abs(self.speed)
            i = self.SPEEDS.index(now) if now in self.SPEEDS else 0
            self.play(sign * self.SPEEDS[min(i + 1, len(self.SPEEDS) - 1)])
        else:
            self.play(sign)

    def step(self, frames: int) -> None:
        self.pause()
        self.seek(self.position + frames)

    def restart(self) -> None:
        """Play on from ``position``: the clock restarts there (and ``restarted`` lets the sound follow)."""
        self.rebase()
        self.restarted.emit()

    def rebase(self) -> None:
        """Count frames played from ``position`` on, silently (the outside clock went away)."""
        self.origin = self.position
        self.clock.restart()

    def tick(self) -> None:
        """Show the frame the clock has reached (the timer calls this while playing)."""
        if not self.speed or self.empty:
            return
        fps = float(self.rate.fraction)
        elapsed = self.clock.elapsed_ms()
        played = self.follow(elapsed) if self.follow is not None else None
        if played is None:
            played = elapsed / 1000.0 * fps * self.speed
        target = self.origin + int(played + (1e-6 if played >= 0 else -1e-6))  # whole frames played
        lo, hi = self.range()
        if target > hi or target < lo:
            if self.loop:
                target = lo + (target - lo) % (hi - lo + 1)
                self._request(target)
                self.restart()
                return
            self._request(max(lo, min(target, hi)))
            self.pause()
            return
        if target != self.position:
            self._request(target)

    def shutdown(self) -> None:
        """Stop playing and the decoder threads; no frame arrives after this."""
        self.pause()
        for decoder in self.decoders:
            try:
                decoder.frameReady.disconnect(self._on_frame)
            except (RuntimeError, TypeError):
                pass
            decoder.stop()
        self.decoders = []
        self.sources = []
        self._pending = []
        self._arrived = []
