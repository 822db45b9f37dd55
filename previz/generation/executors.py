"""The one job seam: an executor runs a job and answers with a stream of events; one loop consumes them.

An executor's ``submit(spec, cancel)`` returns an iterator of events, the last of which ends the job:

* ``Started(pid)`` — the job began in process ``pid``;
* ``Progress(done, total, message)``;
* ``Waiting()`` — nothing new yet (at least every ``TICK_S``, so the consumer can look for a cancel from
  another process and renew the job's lease during a long model load that reports no progress);
* ``Finished(result, video, hashed)`` — the ``GenerationResult``, and the clip's probe and digest made
  where the clip was made (so storing the take neither opens nor reads it again);
* ``Failed(reason, error)`` — the one-line reason (``error``: the exception, when it crossed no process);
* ``Cancelled(reason)``.

Executors: ``InProcessExecutor`` (a thread of this process: the animatic for the CLI), and
``WorkerProcessExecutor`` (the generation worker process of ``worker.py``: diffusers models kept warm, and
the app's animatics, off its UI interpreter's lock). ``farm.RayExecutor`` runs a job on a farm actor.
``Executors`` chooses one per job from the backend table (``execute.BACKENDS``), never from a backend's name.

``JobLoop`` is the only code that turns events into database writes (progress, lease renewal, the take or
the failure): the CLI and the farm drain it on their thread (``JobLoop.drain``), the app feeds it events on
its UI thread as they arrive from a thread that reads the stream. There is one cancel token per job, a
``CancelToken``: the loop sets it when another process asks for a cancel (``queue.cancel_flag``).
"""

from __future__ import annotations

import os
import queue as queue_module
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from previz.core.errors import CancelledError, GenerationError, PrevizError
from previz.core.jobs import CancelToken

#: Longest silence of an event stream: a ``Waiting`` event comes at least this often.
TICK_S = 0.25
#: Seconds between two lease renewals of a job that reports no progress.
RENEW_S = 10.0


# -- events --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Started:
    pid: int | None = None


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    message: str = ""


@dataclass(frozen=True)
class Waiting:
    pass


@dataclass(frozen=True)
class Finished:
    result: Any  # GenerationResult
    video: Any = None  # the clip's probe, or None (then it is probed where the take is stored)
    hashed: Any = None  # its mediastore.FileDigest, or None


@dataclass(frozen=True)
class Failed:
    reason: str
    error: BaseException | None = field(default=None, compare=False)

    def exception(self) -> BaseException:
        return self.error if self.error is not None else GenerationError(self.reason)


@dataclass(frozen=True)
class Cancelled:
    reason: str = "cancelled by the user"


Event = Started | Progress | Waiting | Finished | Failed | Cancelled
ENDS = (Finished, Failed, Cancelled)


def gpu_done(event: Event) -> bool:
    """Whether ``event`` reports a job's last step (done == total): what follows is its CPU tail — the
    clip's encode, probe and hash, the take's commit — which a farm worker runs beside its next job."""
    return isinstance(event, Progress) and 0 < event.total <= event.done


@dataclass(frozen=True)
class JobSpec:
    """What an executor runs: a generation request, its conditioning image files and where the clip goes."""

    request: Any  # GenerationRequest
    images: dict[str, Path]
    out_path: Path


class Executor(Protocol):
    name: str

    def submit(self, spec: JobSpec, cancel: CancelToken) -> Iterator[Event]: ...

    def close(self) -> None: ...


def failure(exc: BaseException) -> Failed | Cancelled:
    """The event that ends a job with ``exc``."""
    if isinstance(exc, CancelledError):
        return Cancelled(str(exc) or "cancelled by the user")
    if isinstance(exc, PrevizError):
        return Failed(exc.one_line(), exc)
    return Failed(f"internal error: {type(exc).__name__}: {exc}".splitlines()[0], exc)


def describe_clip(result) -> Finished:
    """``Finished`` with the clip's probe and digest (None each when the clip cannot be read: storing the
    take then tries again and records the failure)."""
    from previz.core.mediastore import FileDigest
    from previz.media.video import probe

    try:
        video = probe(result.path)
    except PrevizError:
        video = None
    try:
        hashed = FileDigest.of(result.path)
    except PrevizError:
        hashed = None
    return Finished(result, video, hashed)


def outcome(events: Iterator[Event], progress=None):
    """Drain ``events``: the result of ``Finished``, or the failure raised. ``progress(done, total, msg)``
    hears every ``Progress``."""
    for event in events:
        if isinstance(event, Progress):
            if progress is not None:
                progress(event.done, event.total, event.message)
        elif isinstance(event, Finished):
            return event.result
        elif isinstance(event, Cancelled):
            raise CancelledError(event.reason)
        elif isinstance(event, Failed):
            raise event.exception()
    raise GenerationError("the job ended without a result")


# -- executors --------------------------------------------------------------------------------
def threaded_events(work: Callable[[Callable, CancelToken], Any], cancel: CancelToken) -> Iterator[Event]:
    """Run ``work(progress, cancel)`` on a thread of this process; its progress and end as events."""
    events: queue_module.Queue = queue_module.Queue()

    def progress(done: int, total: int, message: str = "") -> None:
        events.put(Progress(int(done), int(total), str(message)))

    def body() -> None:
        try:
            result = work(progress, cancel)
            events.put(result if isinstance(result, Finished) else Finished(result))
        except BaseException as exc:  # noqa: BLE001 - the job's end, handed to the consumer
            events.put(failure(exc))

    thread = threading.Thread(target=body, name="previz-job", daemon=True)
    yield Started(os.getpid())
    thread.start()
    try:
        while True:
            try:
                event = events.get(timeout=TICK_S)
            except queue_module.Empty:
                yield Waiting()
                continue
            yield event
            if isinstance(event, ENDS):
                return
    finally:  # the consumer stopped listening: stop the work, it would write a file for nobody
        if thread.is_alive():
            cancel.cancel()
            thread.join()


class InProcessExecutor:
    """Runs a job on a thread of this process (backends that need no model: the animatic)."""

    name = "in-process"

    def submit(self, spec: JobSpec, cancel: CancelToken) -> Iterator[Event]:
        from previz.generation.execute import run_here

        def work(progress, token):
            return describe_clip(run_here(spec.request, spec.images, spec.out_path, progress, token))

        return threaded_events(work, cancel)

    def close(self) -> None:
        pass


class WorkerProcessExecutor:
    """Runs a job in a generation worker process (``worker.WorkerClient``): a crash there fails the job
    only; the worker keeps its pipeline loaded between jobs."""

    name = "worker process"

    def __init__(self, client=None, *, model_folders=None, include_hf_cache: bool = True) -> None:
        self._client = client
        self.model_folders = model_folders
        self.include_hf_cache = include_hf_cache

    @property
    def client(self):
        if self._client is None:
            from previz.generation.execute import default_worker

            self._client = default_worker()
        return self._client

    def submit(self, spec: JobSpec, cancel: CancelToken) -> Iterator[Event]:
        """The job's events; nothing runs (not even the request's validation, which reads the model
        catalog) until the first is asked for, so a UI can hand the stream to a thread at once."""
        from previz.generation.execute import validate

        try:  # before any process starts or model loads
            info = validate(
                spec.request, model_folders=self.model_folders, include_hf_cache=self.include_hf_cache
            )
        except PrevizError as exc:
            yield failure(exc)
            return
        args = {
            "request": spec.request.to_json(),
            "info": info,
            "images": {k: str(v) for k, v in spec.images.items()},
            "out": str(spec.out_path),
        }
        yield from self.client.events("previz.generation.execute:run_task", args, cancel)

    def close(self) -> None:
        if self._client is not None:
            self._client.stop()


class Executors:
    """Which executor runs a job, by the backend table's ``in_worker``: a model in the worker process
    (``worker``: its ``WorkerClient``), the rest in ``here`` (default: a thread of this process; the app
    gives a worker process of its own interpreter, so that nothing heavy runs on its UI's lock)."""

    def __init__(
        self,
        *,
        worker=None,
        here: Executor | None = None,
        model_folders=None,
        include_hf_cache: bool = True,
    ) -> None:
        self.here = here if here is not None else InProcessExecutor()
        self.worker = WorkerProcessExecutor(
            worker, model_folders=model_folders, include_hf_cache=include_hf_cache
        )

    def for_request(self, request) -> Executor:
        from previz.generation.execute import backend_kind

        return self.worker if backend_kind(request).in_worker else self.here

    def close(self) -> None:
        self.here.close()
        self.worker.close()


# -- the job loop --------------------------------------------------------------------------------
#: Seconds between two progress writes to the job (each also renews its lease).
PROGRESS_WRITE_INTERVAL_S = 0.25
#: On the farm no progress is written in a job's first second (``JobLoop(first_write_s=…)``): the claim
#: has just written the job and its lease, and a job that ends sooner goes from "starting" to its take in
#: two write transactions — the farm's many short jobs share the project's one writer (a SQLite bundle's).
#: The worker's state file still hears every step; the take's commit writes the last progress seen.
FARM_FIRST_WRITE_S = 1.0


class JobLoop:
    """Turns the events of one claimed job (a ``queue.StartedJob``) into the job's rows: throttled
    progress with the lease renewed, the take or the failure at the end. ``progress(job, done, total,
    message)`` hears every progress event; ``provenance_extra`` goes into the take's provenance;
    ``first_write_s``: no progress write before the job has run that long (``FARM_FIRST_WRITE_S``)."""

    def __init__(
        self,
        session,
        started,
        cancel: CancelToken | None = None,
        *,
        progress=None,
        provenance_extra: dict | None = None,
        first_write_s: float = 0.0,
    ) -> None:
        from previz.generation import queue

        self.session = session
        self.started = started
        #: This job's token, which its executor watches; set by ``cancel``, by the caller's token
        #: (``outer``: a whole queue run's), or by a cancel from another process.
        self.cancel = CancelToken()
        self.outer = cancel
        self.progress = progress
        self.provenance_extra = provenance_extra or {}
        self._flag = queue.cancel_flag(session, started.job.id)
        # The claim has just written the job and its lease: the first progress write waits its turn too
        # (a short job then costs one write transaction fewer), and at least ``first_write_s``.
        self._last_write = self._last_renew = time.monotonic()
        self._first_write = self._last_write + first_write_s
        self._seen: tuple[int, int] | None = None  # the last progress (done, total) heard
        self.ended = None  # the job as it ended (a JobInfo)

    @property
    def spec(self) -> JobSpec:
        return JobSpec(self.started.request, self.started.images, self.started.out_path)

    def poll_cancel(self) -> None:
        """A cancel of the caller's token, or asked by another process (``queue.cancel_job``), sets this
        job's token."""
        if self.cancel.cancelled:
            return
        if (self.outer is not None and self.outer.cancelled) or self._flag.exists():
            self.cancel.cancel()

    def handle(self, event: Event):
        """Apply one event; returns the ended job (``JobInfo``) on the last one, else None."""
        from previz.generation import leases, queue

        if self.ended is not None:
            return self.ended
        self.poll_cancel()
        job_id = self.started.job.id
        if isinstance(event, Progress):
            self._seen = (event.done, event.total)
            now = time.monotonic()
            due = now - self._last_write >= PROGRESS_WRITE_INTERVAL_S or event.done >= event.total
            if due and now >= self._first_write:
                self._last_write = self._last_renew = now
                self.session.update_job(
                    job_id,
                    progress_done=event.done,
                    progress_total=event.total,
                    message=event.message,
                    lease_expires_at=leases.lease_until(),
                )
            if self.progress is not None:
                job = replace(
                    self.started.job,
                    progress_done=event.done,
                    progress_total=event.total,
                    message=event.message,
                )
                self.progress(job, event.done, event.total, event.message)
        elif isinstance(event, (Started, Waiting)):
            if time.monotonic() - self._last_renew >= RENEW_S:  # a long load: the job is still held
                self._last_renew = time.monotonic()
                self.session.update_job(job_id, lease_expires_at=leases.lease_until())
        elif isinstance(event, Finished):
            result = event.result
            if self.provenance_extra:
                result = replace(result, provenance={**result.provenance, **self.provenance_extra})
            self.ended = queue.finish_job(
                self.session,
                job_id,
                started=self.started,
                result=result,
                video=event.video,
                hashed=event.hashed,
                progress=self._seen,
            )
        elif isinstance(event, Cancelled):
            self.ended = queue.finish_job(
                self.session, job_id, started=self.started, error=CancelledError(event.reason)
            )
        elif isinstance(event, Failed):
            self.ended = queue.finish_job(self.session, job_id, started=self.started, error=event.exception())
        return self.ended

    def fail(self, exc: BaseException):
        """End the job with ``exc`` (the event stream itself broke)."""
        return self.handle(failure(exc))

    def drain(self, events: Iterator[Event], until: Callable[[Event], bool] | None = None):
        """Consume ``events`` here until the job ends; returns the ended job. With ``until``: stop after
        the first event it holds true of, the job not ended, and return None with the stream left open —
        ``drain(events)`` again, on any thread, consumes the rest (the farm's pipelined tail)."""
        handed = False
        try:
            for event in events:
                if self.handle(event) is not None:
                    break
                if until is not None and until(event):
                    handed = True
                    return None
        except Exception as exc:  # noqa: BLE001 - a broken executor fails the job, not the runner
            self.fail(exc)
        finally:
            close = getattr(events, "close", None)
            if close is not None and not handed:
                close()
        if self.ended is None:
            self.fail(GenerationError("the executor ended without saying how the job ended"))
        return self.ended
