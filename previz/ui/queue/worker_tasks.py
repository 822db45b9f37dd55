"""The app's way into the generation worker process (``previz.generation.worker``), the one spawned-process
runtime: work that would hold the UI interpreter's lock for tens of milliseconds (animatic generation,
exports) runs there, and model inference too.

``EventPump`` reads a job's event stream (``previz.generation.executors``) on a ``QThread`` and hands each
event to the UI thread by a signal, after ``handle`` (if given) has applied it there; a finished job's clip
stored on the UI thread is flushed to disk on the pump's thread first, so that store's ``fsync`` finds
nothing left to write and is not a wait on the disk. ``WorkerTasks``
runs named tasks (an export) one at a time in a worker of its own, with progress, cancel and the result by
signals; a worker that died fails its task and the next task starts a fresh one.
"""

from __future__ import annotations

import itertools
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

#: The tasks the app runs in its worker (``"module:function"``, imported there, not here).
TASKS = {"export": "previz.export.task:run_export"}


class EventPump(QThread):
    """Iterates an event stream off the UI thread; ``event`` carries each event to the UI thread.
    ``handle``: called here with each event; what it returns is handed over instead, nothing when it returns
    None (the generation runner writes a job's rows on this thread: most of an animatic's per-frame
    progress events leave the UI thread nothing to do, and each would wake it and take its interpreter's
    lock); its ``close()``, if it has one, is called when the stream ends."""

    event = Signal(object)

    def __init__(self, events, parent: QObject | None = None, *, handle=None) -> None:
        super().__init__(parent)
        self.events = events
        self.handle = handle
        self.last = None  # the event that ended the stream

    def run(self) -> None:
        from previz.generation.executors import ENDS, failure

        try:
            for event in self.events:
                if isinstance(event, ENDS):
                    self.last = event
                if self.handle is not None:
                    event = self.handle(event)  # a finished clip is stored (and flushed) here
                elif event is self.last:
                    flush_clip(event)  # stored on the UI thread: its fsync then finds nothing to write
                if event is not None:
                    self.event.emit(event)
                if self.last is not None:
                    break
        except BaseException as exc:  # noqa: BLE001 - the job's end, handed to the UI thread
            self.last = failure(exc)
            self.event.emit(self.last)
        finally:
            for close in (getattr(self.handle, "close", None), getattr(self.events, "close", None)):
                if close is not None:
                    close()


def flush_to_disk(path) -> None:
    """Write ``path``'s bytes still in the page cache to disk (best effort: the media store's own flush, on
    storing the file, still runs and reports a failure)."""
    import os

    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def flush_clip(event) -> None:
    """A finished job's clip (``Finished.result.path``) flushed to disk off the UI thread."""
    path = getattr(getattr(event, "result", None), "path", None)
    if path is not None:
        flush_to_disk(path)


#: How much lower the app's own worker process runs (``os.nice``): see ``app_worker``.
APP_WORKER_NICE = 10


def app_worker():
    """A worker process of the app's own interpreter, for work that needs no model (animatics, exports):
    diffusers is not imported there, and in a bundle it needs no managed runtime. It runs at a lower CPU
    priority (``APP_WORKER_NICE``) than the app: on a machine with as many busy threads as cores, the UI
    thread then gets a core when it wakes instead of waiting a scheduler slice behind an encoder thread (the
    longest event-loop gaps while an export runs; its throughput is the same when the UI is idle)."""
    from previz.generation.worker import WorkerClient

    return WorkerClient(warm=False, own_interpreter=True, nice=APP_WORKER_NICE)


def app_executors():
    """The app's executors: every job in a worker process, none on its UI interpreter's lock."""
    from previz.generation.executors import Executors, WorkerProcessExecutor

    return Executors(here=WorkerProcessExecutor(app_worker()))


class WorkerTasks(QObject):
    """Runs tasks one at a time in a worker process of its own; signals arrive on the UI thread."""

    progressed = Signal(int, int, int, str)  # task id, done, total, message
    succeeded = Signal(int)  # task id; the result is in ``results``
    failed = Signal(int, str, bool)  # task id, message, cancelled

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.client = app_worker()
        self._ids = itertools.count(1)
        self._queue: list[tuple[int, str, dict]] = []
        self.current: int | None = None
        self._pump: EventPump | None = None
        self._token = None
        self.results: dict[int, Any] = {}

    def submit(self, kind: str, args: dict) -> int:
        task_id = next(self._ids)
        self._queue.append((task_id, kind, args))
        self._next()
        return task_id

    def _next(self) -> None:
        from previz.core.jobs import CancelToken

        if self.current is not None or not self._queue:
            return
        task_id, kind, args = self._queue.pop(0)
        self.current, self._token = task_id, CancelToken()
        pump = self._pump = EventPump(self.client.events(TASKS[kind], args, self._token), self)
        pump.event.connect(self._on_event)  # a bound slot: delivered on this (the UI) thread
        pump.start()

    def _on_event(self, event) -> None:
        from previz.generation.executors import Cancelled, Failed, Finished, Progress

        task_id = self.current
        if task_id is None or self.sender() is not self._pump:
            return
        if isinstance(event, Progress):
            self.progressed.emit(task_id, event.done, event.total, event.message)
            return
        if not isinstance(event, (Finished, Failed, Cancelled)):
            return
        self._end()
        if isinstance(event, Finished):
            self.results[task_id] = event.result
            self.succeeded.emit(task_id)
        else:
            self.failed.emit(task_id, event.reason, isinstance(event, Cancelled))
        self._next()

    def _end(self) -> None:
        pump, self._pump, self.current = self._pump, None, None
        if pump is not None:
            pump.wait(10000)
            pump.deleteLater()

    def cancel(self, task_id: int) -> None:
        if task_id == self.current and self._token is not None:
            self._token.cancel()
            return
        before = len(self._queue)
        self._queue = [t for t in self._queue if t[0] != task_id]
        if len(self._queue) != before:
            self.failed.emit(task_id, "cancelled", True)

    @property
    def busy(self) -> bool:
        return self.current is not None or bool(self._queue)

    def wait(self, msecs: int = 60000) -> bool:
        import time

        from PySide6.QtWidgets import QApplication

        end = time.monotonic() + msecs / 1000
        while self.busy and time.monotonic() < end:
            QApplication.processEvents()
            time.sleep(0.005)
        return not self.busy

    def shutdown(self) -> None:
        """Cancel the running task, drop the waiting ones and stop the worker."""
        self._queue.clear()
        if self._token is not None:
            self._token.cancel()
        pump, self._pump, self.current = self._pump, None, None
        if pump is not None:
            pump.event.disconnect(self._on_event)
            pump.wait(30000)
            pump.deleteLater()
        self.client.stop()
