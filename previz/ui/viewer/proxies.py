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
        # what the thread needs, held here: the cache may be deleted while a proxy is being made
        self.state = owner._state
        self.digest, self.source, self.target, self.height = digest, source, target, owner.height

    def run(self) -> None:
        QThread.currentThread().setPriority(QThread.Priority.LowPriority)
        ok = False
        try:
            from previz.media.proxy import make_proxy

            make_proxy(self.source, self.target, max_height=self.height, cancel=self.state.cancel)
            ok = True
        except Exception:  # noqa: BLE001 - without a proxy the viewer simply shows the take itself
            ok = False
        self.state.deliver(self.digest, ok)


class _Bridge(QObject):
    """Emits a made proxy's news from the pool thread. It has no parent and the threads hold it, so it is
    alive whenever they emit, even when the cache was deleted with its window while a proxy was being made
    and the app quits ("Signal source has been deleted" when the cache emitted itself); Qt drops its
    connection to a deleted cache, and the news with it."""

    ready = Signal(str)  # the digest of the take whose proxy was made


class _State:
    """The cache's bookkeeping, shared with its threads. ``close`` (at :meth:`ProxyCache.shutdown`, or
    when the cache is destroyed: ``destroyed``) cancels the proxy being made; nothing is announced after
    it."""

    def __init__(self) -> None:
        from previz.core.jobs import CancelToken

        self.bridge = _Bridge()
        self.cancel = CancelToken()
        self.lock = threading.Lock()
        self.pending: set[str] = set()
        self.failed: set[str] = set()
        self.closed = False

    def close(self, *_args) -> None:
        self.cancel.cancel()
        with self.lock:
            self.closed = True

    def deliver(self, digest: str, ok: bool) -> None:  # on the pool thread
        with self.lock:
            self.pending.discard(digest)
            if not ok:
                self.failed.add(digest)
            announce = ok and not self.closed
        if announce:
            self.bridge.ready.emit(digest)  # queued to the cache's ``ready`` on the UI thread


class ProxyCache(QObject):
    """``path(digest, source, height)`` is the proxy to show (when made), else None and one is made;
    ``ready`` names the take (its media digest) whose proxy was just made."""

    ready = Signal(str)

    def __init__(self, cache_dir: Path, parent: QObject | None = None, *, height: int | None = None) -> None:
        super().__init__(parent)
        self.folder = Path(cache_dir) / "proxies"
        self.height = PROXY_HEIGHT if height is None else height
        self._state = _State()
        self.cancel = self._state.cancel
        self._state.bridge.ready.connect(self.ready)
        self.destroyed.connect(self._state.close)  # deleted with its parent, shutdown or not
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)

    def target(self, digest: str) -> Path:
        return self.folder / f"{digest[:32]}_{self.height}.mp4"

    def path(self, digest: str, source: Path, source_height: int | None) -> Path | None:
        if source_height is not None and source_height <= self.height:
            return None  # small enough to show as it is
        target = self.target(digest)
        if target.is_file():
            return target
        state = self._state
        with state.lock:
            if state.closed or digest in state.pending or digest in state.failed:
                return None
            if not Path(source).is_file():
                return None
            state.pending.add(digest)
        self.pool.start(_Make(self, digest, Path(source), target))
        return None

    @Slot()
    def wait(self, msecs: int = 60000) -> bool:
        return self.pool.waitForDone(msecs)

    def shutdown(self) -> None:
        self._state.close()
        self.pool.clear()
        self.pool.waitForDone(30000)
