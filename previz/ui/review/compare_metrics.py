"""PSNR and SSIM between the two takes of the compare view, measured on a pool thread (decoding both takes
is far too slow for the UI thread), the same figures as ``previz compare-takes``. A newer pair cancels the
measurement of the older one; only the newest result is shown."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from previz.core.errors import CancelledError, PrevizError
from previz.core.jobs import CancelToken


class _Signals(QObject):
    done = Signal()  # the result waits in TakeMetrics._outcome (no Python objects cross threads)


class _Measure(QRunnable):
    def __init__(self, owner: TakeMetrics, generation: int, paths, labels, cancel: CancelToken) -> None:
        super().__init__()
        self.owner, self.generation, self.paths, self.labels, self.cancel = (
            owner,
            generation,
            paths,
            labels,
            cancel,
        )

    def run(self) -> None:
        from previz.media.compare import compare_videos

        try:
            outcome = compare_videos(*self.paths, labels=self.labels, cancel=self.cancel)
        except CancelledError:
            return
        except PrevizError as exc:
            outcome = exc.one_line()
        except Exception as exc:  # noqa: BLE001 - shown in the view, never raised on a pool thread
            outcome = f"cannot measure the takes ({exc})"
        self.owner._deliver(self.generation, outcome)


class TakeMetrics(QObject):
    """``measure(session, code, a, b)`` starts; ``measured`` is emitted on the UI thread when the newest
    pair's figures (``comparison``, a ``previz.media.compare.Comparison``) or its ``error`` are in."""

    measured = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.comparison = None
        self.error = ""
        self.pair: tuple[int, int] | None = None
        self.busy = False
        self._generation = 0
        self._cancel: CancelToken | None = None
        self._lock = threading.Lock()
        self._outcome: tuple[int, object] | None = None
        self._signals = _Signals()
        self._signals.done.connect(self._on_done)

    def measure(self, session, code: str, a: int, b: int) -> None:
        from previz.media.compare import take_video_path

        self.stop()
        self._generation += 1
        self.pair = (a, b)
        self.comparison, self.error = None, ""
        try:  # the database is read here, on the UI thread; only the files are read on the pool thread
            paths = take_video_path(session, code, a), take_video_path(session, code, b)
        except PrevizError as exc:
            self.error = exc.one_line()
            self.busy = False
            self.measured.emit()
            return
        self.busy = True
        self._cancel = CancelToken()
        job = _Measure(self, self._generation, paths, (f"take {a}", f"take {b}"), self._cancel)
        self.pool.start(job)

    def _deliver(self, generation: int, outcome) -> None:  # on the pool thread
        with self._lock:
            self._outcome = (generation, outcome)
        self._signals.done.emit()

    @Slot()
    def _on_done(self) -> None:
        with self._lock:
            outcome, self._outcome = self._outcome, None
        if outcome is None or outcome[0] != self._generation:
            return  # an older pair's figures
        self.busy = False
        if isinstance(outcome[1], str):
            self.error = outcome[1]
        else:
            self.comparison = outcome[1]
        self.measured.emit()

    def stop(self) -> None:
        if self._cancel is not None:
            self._cancel.cancel()

    def shutdown(self) -> None:
        self.stop()
        self.pool.waitForDone(10_000)

    # -------------------------------------------------------------- text
    def summary(self) -> str:
        """One line for the view: the clip's figures, and what was adjusted to compare."""
        from previz.media.compare import format_psnr

        if self.busy:
            return "Measuring PSNR / SSIM…"
        if self.error:
            return f"PSNR / SSIM: {self.error}"
        c = self.comparison
        if c is None:
            return ""
        text = (
            f"A vs B over {len(c.scores)} frames: PSNR {format_psnr(c.psnr_mean)} dB "
            f"(worst {format_psnr(c.psnr_min)}) · SSIM {c.ssim_mean:.4f} (worst {c.ssim_min:.4f})"
        )
        return text + "".join(f" — {note}" for note in c.notes)

    def frame_text(self, frame: int) -> str:
        """The figures of one frame (empty until measured, or past the common frames)."""
        from previz.media.compare import format_psnr

        c = self.comparison
        if c is None or not 0 <= frame < len(c.scores):
            return ""
        s = c.scores[frame]
        return f"frame {frame + 1}: PSNR {format_psnr(s.psnr)} dB · SSIM {s.ssim:.4f}"
