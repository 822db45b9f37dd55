"""Viewer proxies: short-GOP, at most 540-line copies of large takes (``previz.media.proxy``), made into
the project's ``cache/proxies``. Frame ``i`` of a proxy is frame ``i`` of its take, so the viewer shows the
proxy in place of the take and stays frame-accurate while jumps and playback get cheap.

A proxy is made in a worker process of the app's own (``worker_tasks.app_worker``: a lower CPU priority),
one at a time, asked and waited for on a pool thread here. Made on that thread itself, its decode, scaling
and encode held this interpreter's lock for ~0.3 s of CPU per 12-frame 1080p take, in turns the UI thread
waited for (the longest event-loop gaps while a take arrived). The worker starts with the first proxy and
stops when the cache closes.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThread, QThreadPool, Signal, Slot

PROXY_HEIGHT = 540
#: What the worker runs to make one (``"module:function"``, imported there).
PROXY_TASK = "previz.media.proxy:run_proxy_task"


class _Make(QRunnable):
    def __init__(self, owner: ProxyCache, digest: str, source: Path, target: Path) -> None:
        super().__init__()
        # what the thread needs, held here: the cache may be deleted while a proxy is being made
        self.state = owner._state
        self.digest, self.source, self.target, self.height = digest, source, target, owner.height

    def run(self) -> None:
        QThread.currentThread().setPriority(QThread.Priority.LowPriority)
        state, ok = self.state, False
        args = {"source": str(self.source), "target": str(self.target), "max_height": self.height}
        try:
            state.worker().call(PROXY_TASK, args, cancel=state.cancel)
            ok = True
        except Exception:  # noqa: BLE001 - without a proxy the viewer simply shows the take itself
            ok = False
        state.deliver(self.digest, ok)
        if state.closed:
            state.stop_worker()  # closed while it was made (on this thread: stopping waits for the worker)


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
        self._worker = None  # the worker process's client, made with the first proxy

    def worker(self):
        """The worker that makes the proxies (on a pool thread: started there by its first task)."""
        with self.lock:
            if self._worker is None:
                from previz.ui.queue.worker_tasks import app_worker

                self._worker = app_worker()
            return self._worker

    def stop_worker(self) -> None:
        with self.lock:
            worker, self._worker = self._worker, None
        if worker is not None:
            worker.stop()

    def close(self) -> bool:
        """Cancel the proxy being made and announce nothing more; True when none is being made."""
        self.cancel.cancel()
        with self.lock:
            self.closed = True
            return not self.pending

    def destroyed(self, *_args) -> None:
        """The cache was deleted (with its window) without :meth:`ProxyCache.shutdown`: the pool thread stops
        the worker after the proxy it is making; none being made, a thread of its own does."""
        if self.close() and self._worker is not None:
            threading.Thread(target=self.stop_worker, name="previz-proxy-stop", daemon=True).start()

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
        self.destroyed.connect(self._state.destroyed)  # deleted with its parent, shutdown or not
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
        self._state.stop_worker()
