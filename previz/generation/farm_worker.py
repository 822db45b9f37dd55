"""A farm worker: the Ray actor's class (plain Python, so it also runs in-process; ``farm.Farm`` starts it).

It opens the project with its own author and loops: ``queue.recover`` every ``farm.RECOVER_S``, its order of
the queued jobs (``farm.pick_order``: model affinity), ``queue.claim_next``, then ``queue.run_claimed`` — the
job seam's executors and its one job loop. Two overlaps keep the GPU busy between jobs:

* **claim ahead** (``farm.PREFETCH``): when the job running has ``farm.CLAIM_AHEAD_S`` of steps left, or at
  its last-but-one step, the next job is claimed, so the claim's wait for the write turn overlaps GPU work;
* **pipelined tail** (``farm.PIPELINE``, on a SQLite bundle): once the job's last step is reported
  (``executors.gpu_done``), the rest of its events — the clip's encode, probe and hash, the take's commit
  under the write turn — are consumed by a tail thread with a session of its own, while the loop starts the
  next job. At most one job is in its tail: the next handoff waits for it (memory stays bounded). Both jobs
  stay this process's, under its lease (a killed worker leaves both to ``queue.recover``); a stop cancels
  only the job running — the one in its tail has done its GPU work and ends as it would have.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from previz.core.database import is_server_url
from previz.core.enums import JobState
from previz.core.errors import PrevizError
from previz.core.jobs import CancelToken
from previz.core.session import ProjectSession
from previz.core.snapshots import JobInfo
from previz.generation import farm, queue
from previz.generation.executors import ENDS, FARM_FIRST_WRITE_S, Executors, Failed, JobSpec
from previz.generation.farm import (
    DOWN_FILE,
    HEARTBEAT_S,
    IDLE_MAX_S,
    RECOVER_S,
    _now_iso,
    _write_json,
    farm_dir,
    model_key,
    read_workers,
)


@dataclass
class WorkerState:
    id: str
    index: int
    host: str
    pid: int
    gpu: int | None
    author: str
    started_at: str = field(default_factory=_now_iso)
    state: str = "starting"
    model: str | None = None
    job: int | None = None
    shot: int | None = None
    progress: dict[str, Any] = field(default_factory=dict)
    jobs_done: int = 0
    loads: int = 0
    last_job: dict[str, Any] = field(default_factory=dict)
    error: str = ""


class FarmWorker:
    """One farm worker: opens the project, then runs its jobs until ``stop`` or a ``farm down`` request."""

    def __init__(self, location: str, index: int, *, gpu: int | None = None, media: str | None = None):
        self.location = str(location)
        self.media = media
        host = socket.gethostname()
        self.state = WorkerState(
            id=f"{host}-{index}",
            index=index,
            host=host,
            pid=os.getpid(),
            gpu=gpu,
            author=f"farm:{host}:{index}",
        )
        self.session: ProjectSession | None = None
        #: The pipelined tail's own connection (``farm.PIPELINE``): a job's take is committed on it while
        #: this loop's session claims and starts the next job.
        self._tail_session: ProjectSession | None = None
        self._tail: threading.Thread | None = None  # the job in its tail, if any (at most one)
        self._tail_error: BaseException | None = None  # what broke a tail (raised by the loop)
        self._stop = threading.Event()
        self._stopped = threading.Event()  # set when ``run`` has ended
        self._looping = False
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._token: CancelToken | None = None
        self._executors: Executors | None = None
        self._remote: dict[str, CancelToken] = {}  # jobs a driver runs here through a RayExecutor
        self._last_beat = 0.0
        self._next_recover = 0.0  # monotonic time of the next ``queue.recover``
        self._known: dict[int, JobInfo] = {}  # the queued jobs this worker has read (``queue.queued_order``)
        self._next: JobInfo | None = None  # the job claimed ahead at the last step of the one running

    # Called by the driver: an error here is a one-line reason, since the worker refuses to start.
    def start(self, version: str | None = None) -> str | None:
        """Open the project; refuse (a one-line reason) when this node runs another Previz than the
        client's ``version`` or cannot open the project."""
        from previz import __version__

        where = f"worker {self.state.index} on {self.state.host}"
        if version is not None and version != __version__:
            return (
                f"{where} runs Previz {__version__} but this client runs Previz {version}; install the same "
                "Previz version on every node"
            )
        if self.session is not None:  # a restarted driver re-attaching to this (detached) worker
            return None
        try:
            self.session = ProjectSession.open(self.location, author=self.state.author, media=self.media)
            if farm.PIPELINE and not is_server_url(self.location):  # see ``farm.PIPELINE``
                self._tail_session = ProjectSession.open(
                    self.location, author=self.state.author, media=self.media
                )
            self._warm()
        except PrevizError as exc:
            return f"{where}: {exc.one_line()}"
        self.state.state = "idle"
        self._beat(force=True)
        return None

    def _warm(self) -> None:
        """Pay at start what the first job would: the executors and the modules a job's tail imports, and
        this worker's first look at the queue (its statements compiled, the queued jobs read once) — on a
        farm that starts many actors at once on a node, not all inside the first round of jobs."""
        import previz.generation.execute  # noqa: F401 - the backend table
        import previz.media.library  # noqa: F401 - the take's store

        _ = self.executors
        self._pick()

    def info(self) -> dict[str, Any]:
        with self._lock:
            return dict(self.state.__dict__)

    def stop(self) -> None:
        """Stop after the job in hand: it is cancelled and queued again, so it is never left running (a job
        in its tail has done its GPU work: it ends as it would have)."""
        self._stop.set()
        token = self._token
        if token is not None:
            token.cancel()

    def _down_requested(self) -> bool:
        return (farm_dir(self.session) / DOWN_FILE).exists()

    def _beat(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_beat < HEARTBEAT_S / 4:
            return
        self._last_beat = now
        with self._lock:
            data = dict(self.state.__dict__, heartbeat=_now_iso(), heartbeat_unix=time.time())
        with self._write_lock:  # the job's thread and the heartbeat thread share one temporary file name
            try:
                _write_json(farm_dir(self.session) / f"worker-{self.state.id}.json", data)
            except OSError:
                pass  # the next beat tries again; the job itself does not depend on it

    @property
    def executors(self) -> Executors:
        """This actor's executors: its animatics here, its models in a worker process it keeps warm."""
        if self._executors is None:
            from previz.generation.worker import WorkerClient

            self._executors = Executors(worker=WorkerClient())
        return self._executors

    def run(self) -> int:
        """Run jobs until stopped; returns how many this worker ran. A heartbeat thread keeps the state
        file fresh while a job is long (a model load writes no progress)."""
        with self._lock:
            attached = self._looping
            self._looping = True
        if attached:  # a restarted driver asks again: wait for the loop already running
            self._stopped.wait()
            return self.state.jobs_done
        beats = threading.Thread(target=self._heartbeats, daemon=True)
        beats.start()
        idle = 0.05
        try:
            while not self._stop.is_set():
                if self._down_requested():
                    break
                self._raise_tail_error()
                job, self._next = self._next, None
                if job is None:
                    order = self._pick()
                    if not order:
                        with self._lock:
                            self.state.state = "idle"
                        self._beat()
                        self._stop.wait(idle)
                        idle = min(idle * 2, IDLE_MAX_S)
                        continue
                    idle = 0.05
                    job = queue.claim_next(self.session, order)
                    if job is None:  # other workers took them first
                        continue
                self._run(job)
        finally:
            broken = self._wait_tail(raising=False)
            if self._next is not None:  # claimed ahead but never started: queued again, uncounted
                self._hand_back(self._next.id, "before it started")
                self._next = None
            with self._lock:
                self.state.state = "stopped"
                self.state.job = None
            self._beat(force=True)
            self._stop.set()
            beats.join(timeout=HEARTBEAT_S * 2)
            self._close()
            self._stopped.set()
        if broken is not None:
            raise broken
        return self.state.jobs_done

    def _held_elsewhere(self) -> set[str]:
        """The models the farm's other live workers have loaded (from their state files)."""
        return {
            w["model"]
            for w in read_workers(self.session)
            if w.get("id") != self.state.id and w.get("model") and w.get("state") in ("idle", "running")
        }

    def _heartbeats(self) -> None:
        while not self._stop.wait(HEARTBEAT_S):
            self._beat(force=True)

    def _pick(self) -> list[JobInfo]:
        """The queued jobs in this worker's order (``pick_order``), after taking back, every
        ``RECOVER_S``, jobs whose holder died."""
        now = time.monotonic()
        if now >= self._next_recover:
            self._next_recover = now + RECOVER_S
            queue.recover(self.session)
        return farm.pick_order(self.session, self.state.model, self._held_elsewhere, known=self._known)

    def _claim_ahead(self) -> None:
        """Near the end of a job, claim the next one (``farm.PREFETCH``, ``farm.CLAIM_AHEAD_S``): the claim —
        a write transaction, which waits its turn when many workers share a project — then runs while the
        GPU finishes the job, not between two jobs. The job is this worker's (running, under its lease)
        until it starts right after this one; a stop hands it back uncounted."""
        if self._next is not None or self._stop.is_set():
            return
        order = self._pick()
        if order:
            self._next = queue.claim_next(self.session, order)

    def _hand_back(self, job_id: int, when: str, session: ProjectSession | None = None) -> JobInfo:
        return queue.hand_back(
            session or self.session, job_id, f"queued again: {self.state.author} stopped {when}"
        )

    def _run(self, job: JobInfo) -> None:
        """Run ``job``, claimed by this worker: to its end here, or (``farm.PIPELINE``) until its last step,
        its tail then handed to a tail thread (``_hand_to_tail``) while this loop goes on to the next job."""
        key = model_key(job)
        token = CancelToken()  # set by ``stop``; the job loop also cancels on a cancel from another process
        self._token = token
        if self._stop.is_set():
            token.cancel()
        with self._lock:
            self.state.state = "running"
            self.state.job, self.state.shot, self.state.progress = job.id, job.shot_id, {}
            if key != self.state.model:  # published now, not when the job ends: while this worker loads
                self.state.loads += 1  # a model, the others leave that model's jobs to it (affinity)
                self.state.model = key
        self._beat(force=True)

        began, ahead, handed = time.monotonic(), [farm.PREFETCH], [False]

        def progress(_job, done: int, total: int, message: str) -> None:
            if handed[0]:  # in its tail (on the tail's thread): the worker's state and session are the loop's
                return
            with self._lock:
                self.state.progress = {"done": done, "total": total, "message": message}
            self._beat()
            if ahead[0] and 0 < done < total and not token.cancelled:
                left = (time.monotonic() - began) / done * (total - done)  # seconds of steps left
                if done == total - 1 or left <= farm.CLAIM_AHEAD_S:
                    ahead[0] = False  # once a job
                    self._claim_ahead()

        def tail(rest) -> None:
            handed[0] = True
            self._token = None  # a stop now cancels the next job, not this one (its GPU work is done)
            self._hand_to_tail(rest, token)

        try:
            ended = queue.run_claimed(
                self.session,
                job,
                progress=progress,
                cancel=token,
                executors=self.executors,
                provenance_extra={"worker": self.worker_info()},
                first_write_s=FARM_FIRST_WRITE_S,
                tail=tail if self._tail_session is not None else None,
            )
        finally:
            self._token = None
        if ended is not None:  # ended here, not in a tail
            self._ended(ended, token, self.session)

    def _hand_to_tail(self, rest, token: CancelToken) -> None:
        """Let a tail thread consume the rest of a job's events (``rest(session)``: its encode, probe and
        hash, the take's commit on the tail's session), after the job before has left its tail (what broke
        that one is raised once this one is in hand, so no job is left unconsumed)."""
        broken = self._wait_tail(raising=False)

        def body() -> None:
            try:
                self._ended(rest(self._tail_session), token, self._tail_session)
            except BaseException as exc:  # noqa: BLE001 - raised by the loop (``_raise_tail_error``)
                self._tail_error = exc

        self._tail = threading.Thread(target=body, name="previz-farm-tail", daemon=True)
        self._tail.start()
        if broken is not None:
            raise broken

    def _wait_tail(self, *, raising: bool = True) -> BaseException | None:
        """Wait for the job in its tail to end; what broke the tail is raised (or, ``raising`` False,
        returned)."""
        if self._tail is not None:
            self._tail.join()
            self._tail = None
        return self._raise_tail_error() if raising else self._take_tail_error()

    def _take_tail_error(self) -> BaseException | None:
        error, self._tail_error = self._tail_error, None
        return error

    def _raise_tail_error(self) -> None:
        error = self._take_tail_error()
        if error is not None:
            raise error

    def _ended(self, ended: JobInfo, token: CancelToken, session: ProjectSession) -> None:
        """Record how a job of this worker ended (on the thread and session that ended it)."""
        if ended.state == JobState.cancelled.value and token.cancelled:
            # stopped by farm down / Ctrl+C, not by a user: queued again, this attempt not counted
            ended = self._hand_back(ended.id, "before it ended", session)
        with self._lock:
            if ended.state == JobState.done.value:
                self.state.jobs_done += 1
            self.state.last_job = {"id": ended.id, "state": ended.state, "take": ended.take_id}
            if self.state.job == ended.id:  # no next job has started meanwhile
                self.state.state, self.state.job, self.state.shot, self.state.progress = (
                    "idle",
                    None,
                    None,
                    {},
                )
        self._beat()  # not forced: the next claim's beat follows at once while jobs are queued

    def execute(self, key: str, spec: JobSpec):
        """Run one job a driver sends (``RayExecutor``) with this actor's executors; its events, streamed
        back by Ray. A failure's exception stays here (its one-line reason goes)."""
        token = self._remote[key] = CancelToken()
        try:
            for event in self.executors.for_request(spec.request).submit(spec, token):
                yield Failed(event.reason) if isinstance(event, Failed) else event
                if isinstance(event, ENDS):
                    return
        finally:
            self._remote.pop(key, None)

    def cancel_remote(self, key: str) -> None:
        token = self._remote.get(key)
        if token is not None:
            token.cancel()

    def worker_info(self) -> dict[str, Any]:
        """Who ran a job: recorded with the job so the queue panel and provenance readers can tell."""
        return {
            "host": self.state.host,
            "pid": self.state.pid,
            "worker": self.state.author,
            "gpu": self.state.gpu,
        }

    def _close(self) -> None:
        if self._executors is not None:
            try:
                self._executors.close()
            except Exception:  # noqa: BLE001 - stopping a dead worker process must not hide the exit
                pass
            self._executors = None
        for session in (self.session, self._tail_session):
            if session is not None:
                session.close()
