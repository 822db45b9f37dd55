"""Runs the project's generation queue (``previz.generation.queue``) from the app, through the job seam.

The job is claimed on the UI thread (``queue.claim_next``) and started on the next turn of the event loop
(its inputs read, the work handed to the worker). The work itself runs in the app's generation worker
process (``WorkerProcessExecutor``: animatics too, off this interpreter's lock, and models), and its event
stream is read on a ``QThread`` (``EventPump``); the clip is probed and hashed in the worker. The job loop
(``executors.JobLoop``) applies each event there, over a session of the bundle of its own (``_JobWriter``):
the throttled progress writes and the job's end (the clip stored as a take, or the failure recorded). The
UI thread never waits there for the project's write lock while another process (a render node, the CLI)
holds it. A PostgreSQL project applies them on the UI thread. A failure (also a crash of the worker)
marks the job failed and the app carries on.

Every write of the runner reaches the views on a later turn of the event loop, merged
(``ProjectController.views_later``): a claim, a progress write, a take or a Generate's jobs is one short
pause, the views' refresh another, and the next job is claimed ``NEXT_JOB_DELAY_MS`` after one ends.

The queue is under the user's control: jobs found queued when the project opens (queued by the CLI's
``generate --queue-only``, or left by an earlier session) wait, paused, until the user presses Run;
Pause lets the running job finish and takes no new one.

Opening a project does not import the generation layer (~0.1 s of CPU before the first paint): whether
jobs wait is read from the jobs table, the queue's run order is :func:`run_order`, and
``previz.generation.queue`` is imported on the warm-up thread once the window is shown; then jobs a dead
process left running are taken back (``queue.recover``) on the UI thread. Anything that needs the queue
sooner (a Generate in the first moment) imports it there and then.
"""

from __future__ import annotations

import time
from contextlib import nullcontext
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Signal

from previz.core.enums import JobState
from previz.core.errors import CancelledError, PrevizError
from previz.ui.queue.worker_tasks import EventPump, app_executors

QUEUE_MODULE = "previz.generation.queue"
#: The kind of the jobs the queue runs (``previz.generation.queue.JOB_KIND``; a test checks they agree).
JOB_KIND = "generate"
#: After the window is shown, the queue is imported off the UI thread and the dead jobs taken back.
LOAD_DELAY_MS = 300
#: The next job is claimed this long after a job ends or a Generate's jobs are written: the views refresh on
#: that commit (on the next turn) and the window repaints first, not in the same pause as the claim.
NEXT_JOB_DELAY_MS = 30
#: A claimed job is started (its inputs read, the work sent to the worker) this long after its claim: the
#: views refresh on the claim first (the shot's status), then the start is a pause of its own.
LAUNCH_DELAY_MS = 15


@dataclass(frozen=True)
class Stored:
    """An event of a job, applied on its event thread over a session of its own (``_JobWriter``): the
    event, the job as it ended (None before its end), and the ``Changes`` of the commits, for the views."""

    event: object
    ended: object
    changes: list


class _JobWriter:
    """Applies a job's events (``JobLoop.handle``) on its event thread, over a session of the project's
    bundle opened there under the UI session's client (the feed skips its rows: their ``Changes`` go back
    with each event). The loop holds that session only while it applies an event, the UI session
    otherwise. An event that wrote nothing and did not end the job is not handed over. If the session cannot
    be opened, or an event cannot be applied there, that event and every later one go to the UI thread raw,
    as before (its reason recorded there)."""

    def __init__(self, loop, session) -> None:
        self.loop, self.session = loop, session
        self.other = None
        self.broken = False
        self.heard: list = []

    def __call__(self, event):  # on the event thread
        if self.broken:
            return event
        loop = self.loop
        try:
            if self.other is None:
                from previz.core.session import ProjectSession

                s = self.session
                self.other = ProjectSession.open(s.root, author=s.author)
                self.other.client = s.client
                self.other.subscribe(self.heard.append)
            loop.session = self.other
            ended = loop.handle(event)
        except Exception:  # noqa: BLE001 - the UI thread applies it instead
            self.broken = True
            return event
        finally:
            loop.session = self.session
        if not self.heard and ended is None:
            return None  # nothing for the UI thread (a progress event between two progress writes)
        heard, self.heard[:] = list(self.heard), []
        return Stored(event, ended, heard)

    def close(self) -> None:  # on the event thread, once the stream has ended
        if self.other is not None:
            self.other.close()
            self.other = None


def queue_present() -> bool:
    """Whether this build has the generation queue (found without importing it)."""
    from importlib.util import find_spec

    try:
        return find_spec(QUEUE_MODULE) is not None
    except (ImportError, ValueError):
        return False


def load_queue():
    """``previz.generation.queue`` or None where generation is not part of this build."""
    try:
        from previz.generation import queue
    except ImportError:
        return None
    return queue


def run_order(jobs) -> list:
    """The queued generation jobs of ``jobs`` in the order the queue runs them (highest priority, then
    oldest: ``queue.queued_order``'s order, without importing the queue or reading the jobs again)."""
    queued = [j for j in jobs if j.state == JobState.queued.value and j.kind == JOB_KIND]
    return sorted(queued, key=lambda j: (-j.priority, j.id))


class GenerationRunner(QObject):
    """Queues shots and runs queued jobs one at a time without blocking the UI."""

    enqueued = Signal(object)  # [queue.Enqueued]: what a Generate asked of enqueue_later queued
    enqueueFailed = Signal(str)  # why it queued nothing
    jobStarted = Signal(int)
    jobFinished = Signal(int, str)  # job id, final state
    pausedChanged = Signal(bool)

    def __init__(self, session, parent: QObject | None = None, *, views=None) -> None:
        super().__init__(parent)
        self.session = session
        #: The ``ProjectController`` whose views show the project: the runner's writes (a claim, progress, a
        #: take, a Generate's jobs) reach them on a later turn of the event loop (``views_later``), so each
        #: commit and the views' refresh are two pauses. None: the session's listeners hear them at once.
        self.views = views
        self._queue = None
        self._present = queue_present()
        self._recovered = False
        self.job = None
        self.loop = None  # the running job's JobLoop
        self.pump: EventPump | None = None  # reads its events off the UI thread
        self._executors = None
        self._stopping = False
        self._planner = None  # Generate's reads on a thread (planner.RequestPlanner), made on first use
        # The Generate click queues; the first job starts on the next turn of the event loop, so the click's
        # writes (and every view's refresh on them) and the job's start are two short pauses, not one long.
        self._start_soon = QTimer(self)
        self._start_soon.setSingleShot(True)
        self._start_soon.setInterval(NEXT_JOB_DELAY_MS)
        self._start_soon.timeout.connect(self.start)
        # A claimed job is started (its inputs read, the work sent to the worker) LAUNCH_DELAY_MS after its
        # claim: the claim's commit and the views' refresh on it are pauses of their own.
        self._claimed = None
        self._cancel_claimed = ""  # why the claimed job is to end before it starts ("": it starts)
        self._launch_soon = QTimer(self)
        self._launch_soon.setSingleShot(True)
        self._launch_soon.setInterval(LAUNCH_DELAY_MS)
        self._launch_soon.timeout.connect(self._launch)
        self.paused = False
        self.last_ended = None  # the last job that ran, as it ended (a JobInfo), when jobFinished is emitted
        self._queued: dict = {}  # the queued jobs read before, by id (queue.queued_order's ``known``)
        if self._present:
            # jobs queued before the app opened run only when the user says so
            self.paused = bool(run_order(session.jobs((JobState.queued.value,))))
            from previz.ui.warmup import LATER_MODULES, warm_up_when_idle

            # the queue (and what the first Generate imports) off the UI thread, then the dead jobs back
            warm_up_when_idle(self, LOAD_DELAY_MS, (QUEUE_MODULE, *LATER_MODULES), then=self._loaded)

    def _views_later(self):
        return self.views.views_later() if self.views is not None else nullcontext()

    @property
    def queue(self):
        """``previz.generation.queue`` (imported on first use), or None where the build has none."""
        if self._queue is None and self._present:
            self._queue = load_queue()
            self._present = self._queue is not None
        return self._queue

    @property
    def available(self) -> bool:
        return self._present

    def _recover(self) -> list:
        """Take back, once, the jobs a dead process left running (``queue.recover``); those jobs."""
        if self._recovered or self.queue is None:
            return []
        self._recovered = True
        return self.queue.recover(self.session)

    def _loaded(self) -> None:
        """The queue is imported (warm-up thread): take back the dead jobs; queued again, they wait for Run
        like the jobs found queued at open."""
        if self._stopping or self.session.closed:
            return
        back = [j for j in self._recover() if j.state == JobState.queued.value]
        if back and self.loop is None:
            self.pause()

    @property
    def reason(self) -> str:
        if not self.available:
            return "Generation is not available in this build (previz.generation.queue is missing)."
        return ""

    @property
    def running(self) -> bool:
        return self.loop is not None or self._claimed is not None

    @property
    def executors(self):
        """Every job in a worker process (``worker_tasks.app_executors``), made on first use."""
        if self._executors is None:
            self._executors = app_executors()
        return self._executors

    # -------------------------------------------------------------- queueing
    def enqueue(self, codes: list[str], takes: int = 1) -> list:
        if self.queue is None:
            raise PrevizError(self.reason)
        self._recovered = True  # enqueue takes back the dead jobs itself
        queued = self.queue.enqueue(self.session, codes, takes=takes)
        self._start_soon.start()
        return queued

    def enqueue_later(self, codes: list[str], takes: int = 1) -> None:
        """Queue ``codes`` as :meth:`enqueue` does, without the reads on the UI thread: the requests are
        built and validated on a thread (``planner.RequestPlanner``); the jobs are written here when they
        arrive, then ``enqueued`` (or ``enqueueFailed``, nothing queued) is emitted."""
        if not self.available:
            raise PrevizError(self.reason)
        if self._planner is None:
            from previz.ui.queue.planner import RequestPlanner

            self._planner = RequestPlanner(self.session, self)
            self._planner.planned.connect(self._on_planned)
            self._planner.failed.connect(self._on_plan_failed)
        self._planner.plan(codes, takes)

    def _on_planned(self, ticket: int, plan) -> None:
        if self._stopping or not self._planner.take(ticket):
            return
        planned, known = plan
        self._recovered = True  # enqueue_planned takes back the dead jobs itself
        try:
            with self._views_later():
                queued = self.queue.enqueue_planned(self.session, planned, known=known)
        except PrevizError as exc:  # a shot removed meanwhile
            self.enqueueFailed.emit(exc.one_line())
            return
        self._start_soon.start()
        self.enqueued.emit(queued)

    def _on_plan_failed(self, ticket: int, message: str) -> None:
        if not self._stopping and self._planner.take(ticket):
            self.enqueueFailed.emit(message)

    @property
    def planning(self) -> bool:
        """A Generate's requests are being made (:meth:`enqueue_later`)."""
        return self._planner is not None and bool(self._planner.pending)

    def enqueue_final(self, codes: list[str] | None = None, *, approved: bool = False) -> tuple[list, list]:
        """Queue the finals of ``codes``' selected drafts (none named: every shot whose selected take is a
        draft; ``approved``: of the approved shots), as ``previz generate --final`` does. Returns what was
        done per shot (``finalize.Finalizing``) and what was skipped, with the reason."""
        if self.queue is None:
            raise PrevizError(self.reason)
        from previz.generation import finalize

        plans, skipped = finalize.plan_final(self.session, codes or None, approved=approved)
        done = finalize.enqueue_final(self.session, plans) if plans else []
        if any(f.job is not None and not f.already for f in done):
            self._start_soon.start()
        return done, skipped

    def retry(self, job_id: int) -> None:
        self.queue.retry_job(self.session, job_id)
        self.start()

    def cancel(self, job_id: int) -> None:
        if self._claimed is not None and job_id == self._claimed.id:
            self._cancel_claimed = "cancelled by the user"  # ends as cancelled instead of starting
            return
        if self.job is not None and job_id == self.job.id and self.loop is not None:
            self.loop.cancel.cancel()  # the worker stops at its next step; the loop records it
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
        return len(run_order(self.session.jobs((JobState.queued.value,)))) if self.available else 0

    # -------------------------------------------------------------- running
    def start(self) -> bool:
        """Claim the next queued job unless one is running or the queue is paused; False when none was
        claimed. The claimed job starts on the next turn of the event loop (:meth:`_launch`)."""
        if self.queue is None or self.running or self._stopping or self.paused:
            return False
        q, s = self.queue, self.session
        with self._views_later():
            self._recover()
            while order := q.queued_order(s, self._queued):  # one light look: ids, requests kept
                job = q.claim_next(s, order)  # None: other apps or render nodes took them; the feed shows it
                if job is not None:
                    break
            else:
                return False
        self.job = self._claimed = job
        self._launch_soon.start()
        self.jobStarted.emit(job.id)
        return True

    def _launch(self) -> None:
        """Start the claimed job: read what it runs (a job that cannot start is recorded failed, and the
        next one is taken) and hand it to its executor, whose events are read off the UI thread."""
        with self._views_later():
            self._start_claimed()

    def _start_claimed(self) -> None:
        from previz.generation.executors import JobLoop

        job, self._claimed = self._claimed, None
        why, self._cancel_claimed = self._cancel_claimed, ""
        if job is None:
            return
        q, s = self.queue, self.session
        if why:
            self.job = None
            q.finish_job(s, job.id, error=CancelledError(why))
            self.jobFinished.emit(job.id, JobState.cancelled.value)
            self._start_soon.start()
            return
        try:
            started = q.start_claimed(s, job)
        except PrevizError:
            self.job = None
            self.jobFinished.emit(job.id, JobState.failed.value)
            self._start_soon.start()
            return
        self.job = started.job
        loop = self.loop = JobLoop(s, started)
        try:
            events = self.executors.for_request(started.request).submit(loop.spec, loop.cancel)
        except Exception as exc:  # noqa: BLE001 - recorded on the job
            loop.fail(exc)
            self._ended(loop)
            return
        self.pump = EventPump(events, self, handle=self._writer(loop))
        self.pump.event.connect(self._on_event)
        self.pump.start()

    def _writer(self, loop):
        """What applies ``loop``'s events on its event thread (``_JobWriter``); None where that cannot be (a
        project in PostgreSQL, no views to hand the changes to): applied here then."""
        if self.session.database_file is None or self.views is None:
            return None
        return _JobWriter(loop, self.session)

    def _on_event(self, event) -> None:
        from previz.generation.executors import ENDS

        loop = self.loop
        if loop is None:
            return
        if isinstance(event, Stored):  # applied on the event thread
            for changes in event.changes:
                self.views.heard_elsewhere(changes)  # the views refresh on the next turn
            if event.ended is not None:
                self._ended(loop)
            return
        if isinstance(event, ENDS):  # no job runs while its end is written (the views refresh on it)
            self.loop = self.job = None
        with self._views_later():  # the views refresh on the next turn: the take's commit is a pause alone
            ended = loop.handle(event)
        if ended is not None:
            self._ended(loop)

    def _ended(self, loop) -> None:
        self.loop = self.job = None
        pump, self.pump = self.pump, None
        if pump is not None:
            pump.wait(10000)  # it has handed over the last event: it ends at once
            pump.deleteLater()
        self.last_ended = loop.ended
        self.jobFinished.emit(loop.started.job.id, loop.ended.state)
        self._start_soon.start()  # the next job a moment later: the take's arrival, its views: pauses alone

    def wait(self, msecs: int = 60000) -> bool:
        """Process events until no job runs and none will start (tests, benchmarks, closing)."""
        from PySide6.QtWidgets import QApplication

        end = time.monotonic() + msecs / 1000
        while time.monotonic() < end:
            QApplication.processEvents()
            idle = self.queue is None or self.paused or self.queue.next_job(self.session) is None
            shown = self.views is None or not self.views.views_waiting  # the views show the last write
            if not self.running and not self.planning and idle and shown:
                return True
            time.sleep(0.005)
        return False

    def shutdown(self) -> None:
        """Cancel the running job and wait for it (the job is recorded as cancelled); stop the worker."""
        self._stopping = True
        self._start_soon.stop()
        if self._planner is not None:
            self._planner.shutdown()
        if self._claimed is not None:  # claimed, not started: ends as cancelled
            self._cancel_claimed = self._cancel_claimed or "the app closed"
            self._launch_soon.stop()
            self._launch()
        from previz.generation.executors import Cancelled

        loop, pump = self.loop, self.pump
        if loop is not None:
            loop.cancel.cancel()
            if pump is not None:
                pump.event.disconnect(self._on_event)
                pump.wait(30000)
                loop.handle(pump.last if pump.last is not None else Cancelled("the app closed"))
            self._ended(loop)
        if self._executors is not None:
            self._executors.close()
