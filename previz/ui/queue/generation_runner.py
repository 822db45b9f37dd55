"""Runs the project's generation queue (``previz.generation.queue``) from the app.

The session is single-threaded, so the runner uses the queue's own steps: ``queue.begin_job`` and
``queue.finish_job`` run on the UI thread (the job marked running, its clip stored as a take or its failure
recorded); only ``execute`` runs elsewhere — an animatic in
the app's helper process (CPU work that would otherwise hold the interpreter lock the UI needs), a diffusers
model on a ``QThread`` that waits on the generation worker process; progress comes back by signals and is
written to the job on the UI thread; the finished clip becomes a take there too (probed where it was made,
so no video is opened on the UI thread). A failure (also a crash of
either process) marks the job failed and the app carries on.

The queue is under the user's control: jobs found queued when the project opens (queued by the CLI's
``generate --queue-only``, or left by an earlier session) wait, paused, until the user presses Run;
Pause lets the running job finish and takes no new one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from previz.core.enums import JobState
from previz.core.errors import CancelledError, JobTakenError, PrevizError
from previz.ui.queue.helper_process import HelperProcess, hash_clip, probe_clip


def load_queue():
    """``previz.generation.queue`` or None where generation is not part of this build."""
    try:
        from previz.generation import queue
    except ImportError:
        return None
    return queue


class _Execute(QThread):
    progressed = Signal(int, int, str)

    def __init__(self, request, images, out_path, token, parent=None) -> None:
        super().__init__(parent)
        self.request, self.images, self.out_path, self.token = request, images, out_path, token
        self.result = None
        self.video = None  # the clip's probe
        self.hashed = None  # its mediastore.FileDigest
        self.error: BaseException | None = None

    def run(self) -> None:
        from previz.generation.execute import execute

        try:
            self.result = execute(self.request, self.images, self.out_path, self._progress, self.token)
            self.video = probe_clip(self.result.path)  # here, not on the UI thread when the take is stored
            self.hashed = hash_clip(self.result.path)  # likewise its hash (a read of the whole file)
        except BaseException as exc:  # noqa: BLE001 - handed to the UI thread, which records it in the job
            self.error = exc

    def _progress(self, done: int, total: int, message: str = "") -> None:
        self.progressed.emit(int(done), int(total), str(message))


@dataclass
class _Active:
    """The job being run (a ``queue.StartedJob``), how to cancel it, and how it ended."""

    started: object
    cancel: Callable[[], None]
    task: int | None = None  # helper process task
    thread: _Execute | None = None
    result: object = None
    video: object = None  # the clip's probe, made where the clip was
    hashed: object = None  # its mediastore.FileDigest, made there too
    error: BaseException | None = None


class GenerationRunner(QObject):
    """Queues shots and runs queued jobs one at a time without blocking the UI."""

    jobStarted = Signal(int)
    jobFinished = Signal(int, str)  # job id, final state
    pausedChanged = Signal(bool)

    PROGRESS_INTERVAL = 0.15  # seconds between progress writes to the project

    def __init__(self, session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.queue = load_queue()
        if self.queue is not None:  # imported off the UI thread before the first Generate needs it
            from previz.ui.warmup import warm_up_when_idle

            warm_up_when_idle(self)
        self.job = None
        self.active: _Active | None = None  # the job's execute(), in the helper process or a thread
        self.helper = HelperProcess(self)
        self.helper.progressed.connect(self._on_helper_progress)
        self.helper.succeeded.connect(self._on_helper_done)
        self.helper.failed.connect(self._on_helper_failed)
        self._last_write = 0.0
        self._pending_progress: tuple[int, int, str] | None = None
        self._stopping = False
        # The Generate click queues; the first job starts on the next turn of the event loop, so the click's
        # writes (and every view's refresh on them) and the job's start are two short pauses, not one long.
        self._start_soon = QTimer(self)
        self._start_soon.setSingleShot(True)
        self._start_soon.setInterval(0)
        self._start_soon.timeout.connect(self.start)
        self.paused = False
        if self.queue is not None:
            self.queue.recover(session)
            # jobs queued before the app opened run only when the user says so
            self.paused = self.queue.next_job(session) is not None

    @property
    def available(self) -> bool:
        return self.queue is not None

    @property
    def reason(self) -> str:
        if self.queue is None:
            return "Generation is not available in this build (previz.generation.queue is missing)."
        return ""

    @property
    def running(self) -> bool:
        return self.active is not None

    # -------------------------------------------------------------- queueing
    def enqueue(self, codes: list[str], takes: int = 1) -> list:
        if self.queue is None:
            raise PrevizError(self.reason)
        queued = self.queue.enqueue(self.session, codes, takes=takes)
        self._start_soon.start()
        return queued

    def retry(self, job_id: int) -> None:
        self.queue.retry_job(self.session, job_id)
        self.start()

    def cancel(self, job_id: int) -> None:
        if self.job is not None and job_id == self.job.id and self.active is not None:
            self.active.cancel()
            return
        self.queue.cancel_queued(self.session, job_id)

    # -------------------------------------------------------------- run / pause
    def run(self) -> bool:
        """Take queued jobs from now on (the Run button); True when one started."""
        if self.paused:
            self.paused = False
            self.pausedChanged.emit(False)
        return self.start()

    def pause(self) -> None:
        """Take no new job; the running one finishes (the Pause button)."""
        if not self.paused:
            self.paused = True
            self.pausedChanged.emit(True)

    def waiting(self) -> int:
        """How many jobs are queued."""
        return len(self.queue.queued_order(self.session)) if self.queue is not None else 0

    # -------------------------------------------------------------- running
    def start(self) -> bool:
        """Start the next queued job unless one is running or the queue is paused; False when none started."""
        if self.queue is None or self.active is not None or self._stopping or self.paused:
            return False
        q, s = self.queue, self.session
        while (job := q.next_job(s)) is not None:
            try:
                started = q.begin_job(s, job)  # a job that cannot start is recorded failed
            except JobTakenError:  # another app or render node claimed it first: the feed shows it
                continue
            except PrevizError:
                self.jobFinished.emit(job.id, JobState.failed.value)
                continue
            break
        else:
            return False
        self.job = started.job
        request = started.request
        if request.backend == "animatic":  # CPU work: in the helper process, off this interpreter's lock
            args = {"request": request.to_dict(), "images": started.images, "out": started.out_path}
            task = self.helper.submit("generate", args)
            self.active = _Active(started, lambda: self.helper.cancel(task), task=task)
        else:  # diffusers: the model runs in the generation worker process; this thread waits on it
            token = q.FileCancelToken(q.cancel_flag(s, job.id))
            thread = _Execute(request, started.images, started.out_path, token, self)
            thread.progressed.connect(self._on_progress)
            thread.finished.connect(self._on_thread_done)
            self.active = _Active(started, token.cancel, thread=thread)
            thread.start()
        self.jobStarted.emit(job.id)
        return True

    def _on_helper_progress(self, task: int, done: int, total: int, message: str) -> None:
        if self.active is not None and self.active.task == task:
            self._on_progress(done, total, message)

    def _on_helper_done(self, task: int) -> None:
        if self.active is not None and self.active.task == task:
            made = self.helper.results.pop(task)
            self.active.result, self.active.video = made["result"], made["video"]
            self.active.hashed = made.get("hashed")
            self._on_done()

    def _on_helper_failed(self, task: int, message: str, cancelled: bool) -> None:
        if self.active is not None and self.active.task == task:
            self.active.error = CancelledError(message) if cancelled else PrevizError(message)
            self._on_done()

    @Slot()
    def _on_thread_done(self) -> None:
        active = self.active
        if active is None or active.thread is None:
            return
        active.result, active.error = active.thread.result, active.thread.error
        active.video, active.hashed = active.thread.video, active.thread.hashed
        active.thread.deleteLater()
        self._on_done()

    @Slot(int, int, str)
    def _on_progress(self, done: int, total: int, message: str) -> None:
        now = time.monotonic()
        if now - self._last_write >= self.PROGRESS_INTERVAL or done >= total:
            self._last_write = now
            self.session.update_job(self.job.id, progress_done=done, progress_total=total, message=message)

    def _on_done(self) -> None:
        active, job = self.active, self.job
        if active is None:
            return
        self.active = None
        self.job = None
        ended = self.queue.finish_job(
            self.session,
            job.id,
            started=active.started,
            result=active.result,
            error=active.error,
            video=active.video,
            hashed=active.hashed,
        )
        self.jobFinished.emit(job.id, ended.state)
        self._start_soon.start()  # the next job on the next loop turn: the take's arrival is a pause alone

    def wait(self, msecs: int = 60000) -> bool:
        """Process events until no job runs and none will start (tests, benchmarks, closing)."""
        from PySide6.QtWidgets import QApplication

        end = time.monotonic() + msecs / 1000
        while time.monotonic() < end:
            QApplication.processEvents()
            idle = self.queue is None or self.paused or self.queue.next_job(self.session) is None
            if self.active is None and idle:
                return True
            time.sleep(0.005)
        return False

    def shutdown(self) -> None:
        """Cancel the running job and wait for it (the job is recorded as cancelled)."""
        self._stopping = True
        self._start_soon.stop()
        active = self.active
        if active is not None:
            active.cancel()
            if active.thread is not None:
                active.thread.finished.disconnect(self._on_thread_done)
                active.thread.wait(30000)
                active.result, active.error = active.thread.result, active.thread.error
                active.video, active.hashed = active.thread.video, active.thread.hashed
            else:
                self.helper.wait(30000)
            self._on_done()
        self.helper.shutdown()
