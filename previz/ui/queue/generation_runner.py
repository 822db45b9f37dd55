"""Runs the project's generation queue (``previz.generation.queue``) from the app, through the job seam.

The runner's database work runs off the UI thread, over a session of the bundle of its own
(``desk.QueueDesk``): a Generate's requests made and its jobs written, the next job claimed and its inputs
read, the jobs a dead process left running taken back. The claimed job is handed to its executor when the
claim's answer arrives. The work itself runs in the app's generation worker process
(``WorkerProcessExecutor``: animatics too, off this interpreter's lock, and models), and its event stream is
read on a ``QThread`` (``EventPump``); the clip is probed and hashed in the worker. The job loop
(``executors.JobLoop``) applies each event there, over a session of the project of its own as well
(``_JobWriter``): the throttled progress writes and the job's end (the clip stored as a take, or the
failure recorded). So the UI thread never waits for the project's write lock while another process (a
render node, the CLI, another app on a PostgreSQL project) holds it. A failure (also a crash of the
worker) marks the job failed and the app carries on.

Every write of the runner reaches the views on a later turn of the event loop, merged
(``ProjectController.views_later``), and the next job is claimed ``NEXT_JOB_DELAY_MS`` after one ends.

The queue is under the user's control: jobs found queued when the project opens (queued by the CLI's
``generate --queue-only``, or left by an earlier session) wait, paused, until the user presses Run;
Pause lets the running job finish and takes no new one.

Opening a project does not import the generation layer (~0.1 s of CPU before the first paint): whether
jobs wait is read from the jobs table, the queue's run order is :func:`run_order`, and
``previz.generation.queue`` is imported on the warm-up thread once the window is shown; then jobs a dead
process left running are taken back. Anything that needs the queue sooner (a Generate in the first moment)
imports it there and then.
"""

from __future__ import annotations

import time
from contextlib import nullcontext
from dataclasses import dataclass
from functools import partial
from typing import NamedTuple

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
#: that commit (on the next turn) and the window repaints first, not in the same pause as the next start.
NEXT_JOB_DELAY_MS = 30


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
                from previz.ui.queue.desk import open_beside

                self.other = open_beside(self.session, self.heard.append)
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


class Claimed(NamedTuple):
    """A claim's answer: the job, now running under this process's lease, and what it runs (None: it could
    not start and was recorded failed)."""

    job: object
    started: object


def _words(exc: Exception) -> str:
    return f"{exc.__class__.__name__}: {exc}"


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
    startFailed = Signal(str)  # why the next job could not be claimed (the queue is paused)
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
        self._desk = None  # the database work off the UI thread (desk.QueueDesk), made on first use
        # Jobs are written; the first one is claimed a moment later, so the writes' refresh of the views and
        # the job's start are two short pauses, not one long.
        self._start_soon = QTimer(self)
        self._start_soon.setSingleShot(True)
        self._start_soon.setInterval(NEXT_JOB_DELAY_MS)
        self._start_soon.timeout.connect(self.start)
        self._claiming = False  # a claim is asked of the desk and not answered yet
        self._start_again = False  # start() was called during that claim (a job retried, Run pressed)
        self._cancels: set[int] = set()  # jobs the user cancelled while a claim was on its way
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

    @property
    def desk(self):
        """Where the runner's database work runs (``desk.QueueDesk``), made on first use."""
        if self._desk is None:
            from previz.ui.queue.desk import QueueDesk

            self._desk = QueueDesk(self.session, self)
            self._desk.answered.connect(self._on_answer)
        return self._desk

    def _ask(self, task, reply, failure) -> None:
        """Run ``task(session)`` on the desk; ``reply(answer)`` takes its answer on the UI thread, after
        the views were given its changes. ``failure(exc)``: an unexpected error's one line."""
        self.desk.submit(task, failure, reply)

    def _on_answer(self, ticket: int, answer) -> None:
        if self._stopping:
            return  # left for shutdown (a claimed job ends cancelled)
        reply = self._desk.take(ticket)
        if reply is None:
            return
        if self.views is not None:
            for changes in answer.changes:
                self.views.heard_elsewhere(changes)  # the views refresh on the next turn
        reply(answer)

    def _recover_once(self, session) -> list:
        """On the desk: take back, once, the jobs a dead process left running (``queue.recover``; if it
        fails, the next claim tries again and says why)."""
        if self._recovered:
            return []
        back = self.queue.recover(session)
        self._recovered = True
        return back

    def _loaded(self) -> None:
        """The queue is imported (warm-up thread): take back the dead jobs; queued again, they wait for Run
        like the jobs found queued at open."""
        if self._stopping or self.session.closed or self.queue is None:
            return
        self._ask(self._recover_once, self._on_recovered, _words)

    def _on_recovered(self, answer) -> None:
        back = [j for j in answer.result or () if j.state == JobState.queued.value]  # none on an error
        if back and self.loop is None:
            self.pause()

    @property
    def reason(self) -> str:
        if not self.available:
            return "Generation is not available in this build (previz.generation.queue is missing)."
        return ""

    @property
    def running(self) -> bool:
        return self.loop is not None or self._claiming

    @property
    def executors(self):
        """Every job in a worker process (``worker_tasks.app_executors``), made on first use."""
        if self._executors is None:
            self._executors = app_executors()
        return self._executors

    # -------------------------------------------------------------- queueing
    def enqueue_later(self, codes: list[str], takes: int = 1) -> None:
        """Queue ``codes`` (``takes`` each) off the UI thread: the requests are built and validated and the
        jobs written on the desk (an identical take is reused, an identical job queued or running is that
        job); then ``enqueued`` (or ``enqueueFailed``, nothing queued) is emitted."""
        if not self.available:
            raise PrevizError(self.reason)
        task = partial(self._plan_and_queue, list(codes), takes)
        self._ask(task, self._on_queued, lambda exc: f"cannot queue {', '.join(codes)}: {_words(exc)}")

    def _plan_and_queue(self, codes: list[str], takes: int, session) -> list:
        """On the desk: ``queue.enqueue``'s two halves, the duplicate check's reads between them."""
        q = self.queue
        planned = q.plan_requests(session, codes, takes=takes)
        self._recovered = True  # enqueue_planned takes back the dead jobs itself
        return q.enqueue_planned(session, planned, known=q.read_known(session, planned))

    def _on_queued(self, answer) -> None:
        if answer.error:
            self.enqueueFailed.emit(answer.error)
            return
        self._start_soon.start()
        self.enqueued.emit(answer.result)

    @property
    def planning(self) -> bool:
        """A Generate's jobs are being made (:meth:`enqueue_later`), or a claim is on its way."""
        return self._desk is not None and bool(self._desk.pending)

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
        if self.job is not None and job_id == self.job.id and self.loop is not None:
            self.loop.cancel.cancel()  # the worker stops at its next step; the loop records it
            return
        if self._claiming:  # the claim on its way may have taken it: then it ends instead of starting
            self._cancels.add(job_id)
        self.queue.cancel_queued(self.session, job_id)

    # -------------------------------------------------------------- run / pause
    def run(self) -> bool:
        """Take queued jobs from now on (the Run button); True when the next one is being claimed."""
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
        """Have the next queued job claimed (on the desk) unless one runs, a claim is on its way or the
        queue is paused; False then. The job is handed to its executor when the claim's answer arrives
        (:meth:`_on_claimed`)."""
        if self._claiming:
            self._start_again = True  # a job retried or queued meanwhile: looked for once this claim ends
        if self.queue is None or self.running or self._stopping or self.paused:
            return False
        self._claiming = True
        self._ask(self._claim, self._on_claimed, lambda exc: f"cannot start the next job: {_words(exc)}")
        return True

    def _claim(self, session) -> Claimed | None:
        """On the desk: claim the next queued job and read what it runs; None when none is left to claim
        (other apps or render nodes took them: the feed shows it)."""
        q = self.queue
        self._recover_once(session)
        while order := q.queued_order(session, self._queued):  # one light look: ids, requests kept
            job = q.claim_next(session, order)
            if job is not None:
                break
        else:
            return None
        try:
            return Claimed(job, q.start_claimed(session, job))
        except PrevizError:  # its shot was removed, an image is missing: recorded failed
            return Claimed(job, None)

    def _on_claimed(self, answer) -> None:
        self._claiming = False
        again, self._start_again = self._start_again, False
        cancels, self._cancels = self._cancels, set()
        if answer.error:  # the project's write lock held past the busy timeout, the bundle unreadable
            self.pause()
            self.startFailed.emit(f"{answer.error}; the queue is paused: press Run to try again")
            return
        claimed = answer.result
        if claimed is None:
            if again:
                self.start()
            return
        job, started = claimed
        if started is None or job.id in cancels:  # it could not start, or the user cancelled it meanwhile
            state = JobState.failed if started is None else JobState.cancelled
            self.jobFinished.emit(job.id, state.value)
            self._start_soon.start()
            return
        self._launch(started)

    def _launch(self, started) -> None:
        """Hand a claimed job to its executor, whose events are read off the UI thread."""
        from previz.generation.executors import JobLoop

        self.job = started.job
        loop = self.loop = JobLoop(self.session, started)
        self.jobStarted.emit(started.job.id)
        try:
            events = self.executors.for_request(started.request).submit(loop.spec, loop.cancel)
        except Exception as exc:  # noqa: BLE001 - recorded on the job
            with self._views_later():
                loop.fail(exc)
            self._ended(loop)
            return
        self.pump = EventPump(events, self, handle=self._writer(loop))
        self.pump.event.connect(self._on_event)
        self.pump.start()

    def _writer(self, loop):
        """What applies ``loop``'s events on its event thread (``_JobWriter``); None where that cannot be (no
        views to hand the changes to): applied here then."""
        if self.views is None:
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
        if self._desk is not None:
            for answer in self._desk.shutdown():  # a job claimed as the app closes ends as cancelled
                if isinstance(answer.result, Claimed) and answer.result.started is not None:
                    job_id = answer.result.job.id
                    self.queue.finish_job(self.session, job_id, error=CancelledError("the app closed"))
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
