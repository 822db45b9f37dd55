"""Thumbnails of shots (the selected take's first frame, else the board) made off the UI thread.

Files are cached in the project's ``cache/thumbs`` folder by ``previz.media.images.cached_thumbnail``; the
decoded ``QImage``s are kept in memory. ``ready`` is emitted (on the UI thread) when one arrives.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot
from PySide6.QtGui import QImage

from previz.core.snapshots import ShotInfo

THUMB_SIDE = 192


class _Signals(QObject):
    done = Signal()  # results wait in ThumbnailCache._results (no Python objects cross threads in events)


class _Job(QRunnable):
    def __init__(self, key: str, source: Path, cache_dir: Path, media_key: str, frame: int | None, owner):
        super().__init__()
        self.key, self.source, self.cache_dir = key, source, cache_dir
        self.media_key, self.frame, self.owner = media_key, frame, owner

    def run(self) -> None:
        image = None
        try:
            from previz.media.images import cached_thumbnail

            path = cached_thumbnail(
                self.source, self.cache_dir, THUMB_SIDE, key=self.media_key, frame=self.frame
            )
            loaded = QImage(str(path))
            image = None if loaded.isNull() else loaded
        except Exception:  # a missing or unreadable file shows no thumbnail, never an error dialog
            image = None
        self.owner._deliver(self.key, image)


class ThumbnailCache(QObject):
    ready = Signal(str)

    def __init__(self, session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.cache_dir = Path(session.paths.cache) / "thumbs"
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)
        self._images: dict[str, QImage | None] = {}
        self._pending: set[str] = set()
        self._signals = _Signals()
        self._signals.done.connect(self._on_done)
        self._lock = threading.Lock()
        self._results: list[tuple[str, QImage | None]] = []
        self._take_media: dict[int, tuple[str, str]] = {}
        self._board_paths: dict[str, Path] = {}  # board hash -> file (no database read per paint)

    def _deliver(self, key: str, image: QImage | None) -> None:  # on a pool thread
        with self._lock:
            self._results.append((key, image))
        self._signals.done.emit()

    @Slot()
    def _on_done(self) -> None:
        with self._lock:
            results, self._results = self._results, []
        for key, image in results:
            self._pending.discard(key)
            self._images[key] = image
            self.ready.emit(key)

    def source_of(self, shot: ShotInfo) -> tuple[str, Path, int | None] | None:
        """(key, file, frame) of what represents ``shot``: its selected take's first frame or its board."""
        if shot.selected_take_id is not None:
            media = self._take_media.get(shot.selected_take_id)
            if media is None:
                try:
                    take = self.session.take(shot.selected_take_id)
                    media = (take.media_hash, take.ext)
                except Exception:
                    media = None
                if media is not None:
                    self._take_media[shot.selected_take_id] = media
            if media is not None:
                return f"{media[0]}:0", self.session.media.path(media[0], media[1]), 0
        if shot.board_hash:
            path = self._board_paths.get(shot.board_hash)
            if path is None:  # media are content-addressed: a hash's file never moves, so read it once
                try:
                    path = self.session.media_path(shot.board_hash)
                except Exception:
                    return None
                self._board_paths[shot.board_hash] = path
            return shot.board_hash, path, None
        return None

    def image_for(self, shot: ShotInfo) -> QImage | None:
        """The thumbnail now, or None (and one is being made; ``ready`` says when)."""
        source = self.source_of(shot)
        if source is None:
            return None
        return self.image(*source)

    def image(self, key: str, path: Path, frame: int | None = None) -> QImage | None:
        if key in self._images:
            return self._images[key]
        if key not in self._pending:
            self._pending.add(key)
            media_key = key.split(":")[0]
            self.pool.start(_Job(key, Path(path), self.cache_dir, media_key, frame, self))
        return None

    def wait(self, msecs: int = 5000) -> bool:
        return self.pool.waitForDone(msecs)
