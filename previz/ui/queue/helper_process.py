"""A helper process for CPU-heavy work started from the app (exports, animatic generation).

Python threads share one interpreter lock with the UI thread, and work that holds it for tens of
milliseconds makes the UI stutter. So this work runs in one long-lived, spawned helper process; tasks go
in by a queue, progress and results come back by another, polled on the UI thread every 15 ms. Each task
gets a cancel flag the task's code polls through a ``CancelToken``. If the helper dies (a crash, a kill),
the running task fails with a message and the next task starts a fresh helper.
"""

from __future__ import annotations

import itertools
import multiprocessing as mp
import queue as queue_module
import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

# -------------------------------------------------------------------- in the helper process


class _EventToken:
    """A ``CancelToken`` look-alike over a multiprocessing Event."""

    def __init__(self, event) -> None:
        self.event = event

    def cancel(self) -> None:
        self.event.set()

    @property
    def cancelled(self) -> bool:
        return self.event.is_set()

    def raise_if_cancelled(self) -> None:
        if self.event.is_set():
            from previz.core.errors import CancelledError

            raise CancelledError("cancelled by the user")


def run_export(args: dict, progress, cancel) -> dict:
    from previz.core.session import ProjectSession
    from previz.export.api import export_project
    from previz.export.reel import EncodeOptions
    from previz.export.render import RenderOptions

    opts = args["options"]
    with ProjectSession.open(args["project"], readonly=True) as session:
        result = export_project(
            session,
            args["out"],
            args["fmt"],
            scenes=opts["scenes"],
            options=RenderOptions(**opts["render"]),
            encode=EncodeOptions(**opts["encode"]),
            progress=progress,
            cancel=cancel,
        )
    return result.to_dict()


def run_generation(args: dict, progress, cancel) -> dict:
    """The clip (``result``, a ``GenerationResult``), its ``probe`` (``video``) and its digest
    (``hashed``), made here so that storing the take neither opens nor reads the video on the app's UI
    thread."""
    from previz.generation.execute import execute
    from previz.generation.request import GenerationRequest

    request = GenerationRequest.from_dict(args["request"])
    result = execute(request, args["images"], args["out"], progress, cancel)
    return {"result": result, "video": probe_clip(result.path), "hashed": hash_clip(result.path)}


def probe_clip(path):
    """``probe`` of a finished clip, or None when it cannot be read (storing the take then probes it
    again and records the job failed with the reason)."""
    from previz.core.errors import PrevizError
    from previz.media.video import probe

    try:
        return probe(path)
    except PrevizError:
        return None


def hash_clip(path):
    """The finished clip's ``mediastore.FileDigest``, or None when it cannot be read (storing the take
    then hashes it itself)."""
    from previz.core.errors import PrevizError
    from previz.core.mediastore import FileDigest

    try:
        return FileDigest.of(path)
    except PrevizError:
        return None


TASKS: dict[str, Callable[[dict, Any, Any], Any]] = {"export": run_export, "generate": run_generation}


def _serve(tasks, events, cancel_event) -> None:  # pragma: no cover - runs in the helper process
    from previz.core.errors import CancelledError, PrevizError

    token = _EventToken(cancel_event)
    while True:
        item = tasks.get()
        if item is None:
            return
        task_id, kind, args = item

        def progress(done, total, message="", _id=task_id):
            events.put(("progress", _id, int(done), int(total), str(message)))

        try:
            result = TASKS[kind](args, progress, token)
        except CancelledError as exc:
            events.put(("cancelled", task_id, str(exc)))
        except PrevizError as exc:
            events.put(("error", task_id, exc.one_line()))
        except BaseException as exc:  # noqa: BLE001 - reported to the app, which carries on
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            events.put(("error", task_id, f"internal error: {detail}"))
        else:
            events.put(("done", task_id, result))


# -------------------------------------------------------------------- in the app


class HelperProcess(QObject):
    """Runs tasks one at a time in the helper; signals arrive on the UI thread.

    The helper starts when the first task comes (:meth:`prestart` starts it earlier), on a short-lived
    thread: building its queues and spawning it take ~0.1 s of a busy interpreter, which the UI thread
    must not spend. Tasks wait in order meanwhile. Closing while it is still starting stops it as soon
    as it has started (by the starting thread itself, when the close did not wait for it)."""

    progressed = Signal(int, int, int, str)  # task id, done, total, message
    succeeded = Signal(int)  # task id; the result is in ``results``
    failed = Signal(int, str, bool)  # task id, message, cancelled

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ctx = mp.get_context("spawn")
        self._lock = threading.Lock()  # guards what the starting thread hands over
        self.shutdowns = 0  # counted by shutdown: a start begun before one stops what it started
        self._proc = None  # a started helper (only ever set once started)
        self._tasks = self._events = self._cancel = None
        self._start_error: str | None = None
        self._starter: threading.Thread | None = None
        self._ids = itertools.count(1)
        self._queue: list[tuple[int, str, dict]] = []
        self.current: int | None = None
        self.results: dict[int, Any] = {}
        self._timer = QTimer(self)
        self._timer.setInterval(15)
        self._timer.timeout.connect(self._poll)

    # ---------------------------------------------------------------- starting
    def prestart(self) -> None:
        """Start the helper now (off the UI thread) so the first task does not wait for it."""
        if not self._running():
            self._ensure()

    def _running(self) -> bool:
        return self._starter is None and self._proc is not None and self._proc.is_alive()

    def _ensure(self) -> None:
        """Start the helper on a thread unless it runs or is starting."""
        if self._starter is not None or self._running():
            return
        self._proc = self._tasks = self._events = self._cancel = None
        self._start_error = None
        generation = self.shutdowns
        self._starter = threading.Thread(
            target=self.start_blocking, args=(generation,), name="previz-helper-start", daemon=True
        )
        self._starter.start()

    def start_blocking(self, generation: int) -> None:
        """On the starting thread: build the helper's queues and spawn it; hand it over unless the helper
        was shut down since ``generation`` (the count of shutdowns when the start began): then stop it."""
        try:
            tasks, events, cancel = self._ctx.Queue(), self._ctx.Queue(), self._ctx.Event()
            proc = self._ctx.Process(
                target=_serve, args=(tasks, events, cancel), name="previz-helper", daemon=True
            )
            proc.start()
        except BaseException as exc:  # noqa: BLE001 - reported as the waiting task's failure
            with self._lock:
                self._start_error = f"the helper process could not start: {exc}"
            return
        with self._lock:
            if generation == self.shutdowns:
                self._proc, self._tasks, self._events, self._cancel = proc, tasks, events, cancel
                return
        _stop(proc, tasks, cancel)  # closed while starting: nothing may outlive the close

    def _started(self) -> bool:
        """True once no start is in progress (reports a start that failed to the waiting task)."""
        if self._starter is not None:
            if self._starter.is_alive():
                return False
            self._starter = None
            if self._start_error is not None and self._queue:
                task_id = self._queue.pop(0)[0]
                self.failed.emit(task_id, self._start_error, False)
        return True

    # ---------------------------------------------------------------- tasks
    def submit(self, kind: str, args: dict) -> int:
        task_id = next(self._ids)
        self._queue.append((task_id, kind, args))
        self._next()
        return task_id

    def _next(self) -> None:
        if self.current is not None or not self._queue:
            return
        self._timer.start()
        if not self._running():  # the next poll after it has started sends the task
            self._ensure()
            return
        task_id, kind, args = self._queue.pop(0)
        self._cancel.clear()
        self.current = task_id
        self._tasks.put((task_id, kind, args))

    def cancel(self, task_id: int) -> None:
        if task_id == self.current and self._cancel is not None:
            self._cancel.set()
        else:
            before = len(self._queue)
            self._queue = [t for t in self._queue if t[0] != task_id]
            if len(self._queue) != before:
                self.failed.emit(task_id, "cancelled", True)

    def _poll(self) -> None:
        if not self._started():
            return
        while self._events is not None:
            try:
                event = self._events.get_nowait()
            except queue_module.Empty:
                break
            except (EOFError, OSError):
                break
            kind, task_id = event[0], event[1]
            if kind == "progress":
                self.progressed.emit(task_id, event[2], event[3], event[4])
                continue
            self.current = None
            if kind == "done":
                self.results[task_id] = event[2]
                self.succeeded.emit(task_id)
            else:
                self.failed.emit(task_id, event[2], kind == "cancelled")
        if self.current is not None and not self._running():
            task_id, self.current = self.current, None
            code = self._proc.exitcode if self._proc is not None else None
            self.failed.emit(task_id, f"the helper process stopped (exit code {code})", False)
        self._next()
        if self.current is None and not self._queue:
            self._timer.stop()

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
        """Stop the helper (also one still starting) and drop the waiting tasks."""
        self._timer.stop()
        self._queue.clear()
        with self._lock:
            self.shutdowns += 1  # a start still in progress stops its helper itself
            proc, tasks, cancel = self._proc, self._tasks, self._cancel
            self._proc = self._tasks = self._events = self._cancel = None
        if self._starter is not None:
            self._starter.join(10)
            self._starter = None
        if proc is not None:
            _stop(proc, tasks, cancel)
        self.current = None


def _stop(proc, tasks, cancel) -> None:
    """Ask a started helper to end (cancelling its task), killing it if it does not within 10 s."""
    cancel.set()
    try:
        tasks.put(None)
    except (OSError, ValueError):
        pass
    proc.join(10)
    if proc.is_alive():
        proc.kill()
        proc.join(5)
