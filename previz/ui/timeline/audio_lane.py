"""Audio clips on the timeline: a clip item drawn at its start frame with its length, its name and its
waveform, and the waveform cache that computes peaks off the UI thread.

Peaks are one (min, max) pair per ``PEAK_SAMPLES`` samples (100 a second at 48 kHz), computed with
``previz.media.audio.waveform_peaks`` on a thread and kept in the project's ``cache/waveforms`` folder per
media hash, so a project opens with its waveforms at once the second time.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QLineF, QObject, QRectF, Qt, Signal, Slot
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem

from previz.core.errors import PrevizError

if TYPE_CHECKING:  # numpy loads when audio is first drawn or mixed, not at launch (~0.1 s)
    import numpy as np

PEAK_SAMPLES = 480
WAVE_VERSION = 1


class WaveformCache(QObject):
    """Peaks of audio media per hash; ``ready(hash)`` is emitted on the UI thread when some arrive."""

    ready = Signal(str)
    _done = Signal()

    def __init__(self, session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.folder = Path(session.paths.cache) / "waveforms"
        self._peaks: dict[str, np.ndarray | None] = {}
        self._pending: set[str] = set()
        self._lock = threading.Lock()
        self._results: list[tuple[str, np.ndarray | None]] = []
        self._done.connect(self._on_done)

    def file_for(self, digest: str) -> Path:
        return self.folder / f"{digest}-v{WAVE_VERSION}-{PEAK_SAMPLES}.npy"

    def peaks(self, digest: str) -> np.ndarray | None:
        """The peaks of ``digest`` when known; else None, and they are computed in the background."""
        if digest in self._peaks:
            return self._peaks[digest]
        if digest not in self._pending:
            self._pending.add(digest)
            try:
                path = self.session.media_path(digest)
            except PrevizError:
                self._peaks[digest] = None
                return None
            threading.Thread(
                target=self._work, args=(digest, path), name="previz-waveform", daemon=True
            ).start()
        return None

    def _work(self, digest: str, path: Path) -> None:
        import numpy as np

        peaks = None
        cached = self.file_for(digest)
        try:
            if cached.is_file():
                peaks = np.load(cached)
            else:
                from previz.media.audio import decode_audio, waveform_peaks

                samples = decode_audio(path)
                peaks = waveform_peaks(samples, max(1, -(-samples.shape[1] // PEAK_SAMPLES)))
                self.folder.mkdir(parents=True, exist_ok=True)
                temp = cached.with_suffix(".tmp.npy")
                np.save(temp, peaks)
                temp.replace(cached)
        except (PrevizError, OSError, ValueError):
            peaks = None  # an unreadable file is drawn as a plain clip
        with self._lock:
            self._results.append((digest, peaks))
        try:
            self._done.emit()
        except RuntimeError:  # the owner was closed meanwhile
            pass

    @Slot()
    def _on_done(self) -> None:
        with self._lock:
            results, self._results = self._results, []
        for digest, peaks in results:
            self._pending.discard(digest)
            self._peaks[digest] = peaks
            self.ready.emit(digest)

    def wait(self, timeout: float = 10.0) -> bool:
        """Process events until no peaks are being computed (tests, screenshots)."""
        import time

        from PySide6.QtWidgets import QApplication

        end = time.monotonic() + timeout
        while self._pending and time.monotonic() < end:
            QApplication.processEvents()
            time.sleep(0.005)
        return not self._pending


class AudioClipItem(QGraphicsRectItem):
    """One audio clip on an audio lane: its length, name and waveform."""

    def __init__(self, timeline, clip, frames: int) -> None:
        super().__init__()
        self.timeline = timeline
        self.clip = clip
        self.frames = max(1, frames)
        self.preview_start: int | None = None  # start frame while it is dragged
        self.setZValue(2)
        self.setToolTip(f"{clip.name or 'audio'} · starts at frame {clip.start_frame} · {self.frames}f")
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)

    @property
    def start(self) -> int:
        return self.preview_start if self.preview_start is not None else self.clip.start_frame

    @property
    def lane(self) -> int:
        return max(0, self.clip.track - 1)

    def paint(self, p: QPainter, option, widget=None) -> None:
        r = self.rect()
        p.setPen(QPen(QColor("#ffd166") if self.preview_start is not None else QColor("#2e7d5b"), 1))
        p.setBrush(QColor("#173a2c"))
        p.drawRoundedRect(r.adjusted(0.5, 0.5, -0.5, -0.5), 3, 3)
        peaks = self.timeline.waveforms.peaks(self.clip.media_hash) if self.timeline.waveforms else None
        exposed = option.exposedRect.intersected(r)
        if peaks is not None and len(peaks) and exposed.width() > 0:
            self._draw_wave(p, r, exposed, peaks)
        if r.width() > 30:
            font = QFont()
            font.setPixelSize(10)
            p.setFont(font)
            p.setPen(QColor("#d7f5e6"))
            left = r.left() + 4
            label = self.clip.name or self.clip.media_hash[:8]
            width = min(p.fontMetrics().horizontalAdvance(label) + 6, r.right() - left)
            p.fillRect(QRectF(left - 2, r.top() + 1, width, 12), QColor(23, 58, 44, 200))
            p.drawText(
                QRectF(left, r.top() + 1, r.right() - left - 2, 12),
                Qt.AlignmentFlag.AlignLeft,
                label,
            )

    def _draw_wave(self, p: QPainter, r: QRectF, exposed: QRectF, peaks: np.ndarray) -> None:
        import numpy as np  # loaded already: the peaks were made with it

        """One vertical line per pixel column: the min..max of the peaks under it."""
        mid, half = r.center().y() + 2, r.height() / 2 - 3
        per_px = len(peaks) / max(r.width(), 1.0)  # peak buckets under one pixel
        x0, x1 = int(exposed.left()), int(exposed.right()) + 1
        cols = np.arange(max(x0, int(r.left())), min(x1, int(r.right())))
        if not len(cols):
            return
        lo = np.clip(((cols - r.left()) * per_px).astype(np.int64), 0, len(peaks) - 1)
        end = int(min(len(peaks), max(lo[-1] + 1, np.ceil((cols[-1] + 1 - r.left()) * per_px))))
        top = np.maximum.reduceat(peaks[:end, 1], lo)  # lo never decreases: one span per column
        bottom = np.minimum.reduceat(peaks[:end, 0], lo)
        p.setPen(QPen(QColor("#5ad19a"), 1))
        p.drawLines(
            [
                QLineF(x + 0.5, mid - t * half, x + 0.5, mid - b * half + 0.5)
                for x, t, b in zip(cols.tolist(), top.tolist(), bottom.tolist(), strict=True)
            ]
        )
