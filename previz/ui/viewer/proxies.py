"""Viewer proxies: short-GOP, at most 540-line copies of large takes (``previz.media.proxy``), made on a
background thread into the project's ``cache/proxies``. Frame ``i`` of a proxy is frame ``i`` of its take,
so the viewer shows the proxy in place of the take and stays frame-accurate while jumps and playback get
cheap."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThread, QThreadPool, Signal, Slot

PROXY_HEIGHT = 540


class _Make(QRunnable):
    def __init__(self, owner: ProxyCache, digest: str, source: Path, target: Path) -> None:
        super().__init__()
        self.owner, self.digest, self.source, self.target = owner, digest, source, target

    def run(self) -> None:
        QThread.currentThread().setPriority(QThread.Priority.LowPriority)
        ok = False
        try:
            from previz.media.proxy import make_proxy

            make_proxy(self.source, self.target, max_height=self.owner.height, cancel=self.owner.cancel)
            ok = True
        except Exception:  # noqa: BLE001 - without a proxy the viewer simply shows the take itself
            ok = False
        self.owner._deliver(self.digest, ok)


class ProxyCache(QObject):
    """``path(digest, source, height)`` is the proxy to show (when made), else None and one is made."""

    ready = Signal()

    def __init__(self, cache_dir: Path, parent: QObject | None = None, *, height: int = PROXY_HEIGHT) -> None:
        super().__init__(parent)
        from previz.core.jobs import CancelToken

        self.folder = Path(cache_dir) / "proxies"
        self.height = height
        self.cancel = CancelToken()
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._lock = threading.Lock()
        self._pending: set[str] = set()
        self._failed: set[str] = set()
        self._done = False

    def target(self, digest: str) -> Path:
        return self.folder / f"{digest[:32]}_{self.height}.mp4"

    def path(self, digest: str, source: Path, source_height: int | None) -> Path | None:
        if source_height is not None and source_height <= self.height:
            return None  # small enough to show as it is
        target = self.target(digest)
        if target.is_file():
            return target
        with self._lock:
            if digest in self._pending or digest in self._failed or not Path(source).is_file():
                return None
            self._pending.add(digest)
        self.pool.start(_Make(self, digest, Path(source), target))
        return None

    def _deliver(self, digest: str, ok: bool) -> None:  # on the pool thread
        with self._lock:
            self._pending.discard(digest)
            if not ok:
                self._failed.add(digest)
        if ok:
            self.ready.emit()

    @Slot()
    def wait(self, msecs: int = 60000) -> bool:
        return self.pool.waitForDone(msecs)

    def shutdown(self) -> None:
        self.cancel.cancel()
        self.pool.clear()
        self.pool.waitForDone(30000)
