"""The generation queue: jobs persisted in the project, run one at a time, each finished run a new take.

``enqueue`` turns shots into queued jobs (an identical request reuses the existing take instead);
``run_queue`` runs queued jobs by priority, then age: each is claimed (``claim_next``), run by the
executor the backend table chooses (``executors``: the animatic in-process, a diffusers model in the worker
process) and its events applied by the one job loop (``executors.JobLoop``), which stores the clip in the
media store and adds the take with its full request and provenance. A running job records its holder and a
lease (``leases``) the loop renews; a job left running by a process that died is queued again, its attempt
counted, by the next process that queues or runs jobs (``recover``), and failed with the reason after the
last attempt; an identical request already queued is that job, not a second one. Several runners may
share a project (apps, render nodes): each claims the first job of its order that no other has taken, in
one short transaction (``ProjectSession.claim_job``: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, an
immediate write transaction on SQLite), so exactly one runs each job. A cancel from another process
arrives through a request file in the project's ``cache/`` that the job loop polls.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from previz.core.edit_builders.base import utcnow
from previz.core.enums import JobState, ShotStatus
from previz.core.errors import (
    CancelledError,
    GenerationError,
    JobTakenError,
    NotFoundError,
    PrevizError,
    ValidationError,
)
from previz.core.jobs import CancelToken, JobHolder
from previz.core.session import ProjectSession
from previz.core.snapshots import JobInfo, ShotInfo, TakeInfo
from previz.generation import leases
from previz.generation.executors import Executors, JobLoop, gpu_done
from previz.generation.request import GenerationRequest
from previz.generation.shot_request import conditioning_images, request_for_shot

JOB_KIND = "generate"
#: Shot statuses the queue may move along; a director's decision (approved, needs changes, omitted) stays.
_WORK_STATUSES = (
    ShotStatus.draft.value,
    ShotStatus.queued.value,
    ShotStatus.generating.value,
    ShotStatus.ready.value,
)


@dataclass(frozen=True)
class Enqueued:
    shot: str
    job: JobInfo | None  # None when an identical take already existed
    reused: TakeInfo | None
    #: True when ``job`` is an identical request that was already queued or running (not queued twice).
    already: bool = False


def cancel_flag(session: ProjectSession, job_id: int) -> Path:
    return session.paths.cache / "jobs" / f"cancel-{job_id}"


def _set_status(session: ProjectSession, shot: ShotInfo | int, status: ShotStatus) -> None:
    """Move the shot's work status along (read afresh here: callers pass the shot or its id)."""
    current = session.shot(shot if isinstance(shot, int) else shot.id)
    if current.status in _WORK_STATUSES and current.status != status.value:
        session.set_shot(current.code, status=status.value, record=False)


def enqueue(
    session: ProjectSession,
    shots: list[str],
    *,
    backend: str | None = None,
    model: str | None = None,
    takes: int = 1,
    seed: int | None = None,
    priority: int = 0,
    model_folders=None,
    preset: str | None = None,
    speed: dict | None = None,
) -> list[Enqueued]:
    """Queue ``takes`` new takes of each shot (seeds seed, seed+1, …), at ``preset`` (else the shot's or
    the project's) with ``speed`` overrides. Every request is built and validated before anything is
    queued, so a bad shot leaves the queue as it was."""
    planned = plan_requests(
        session,
        shots,
        backend=backend,
        model=model,
        takes=takes,
        seed=seed,
        model_folders=model_folders,
        preset=preset,
        speed=speed,
    )
    return enqueue_planned(session, planned, priority=priority)


def plan_requests(
    session: ProjectSession,
    shots: list[str],
    *,
    backend: str | None = None,
    model: str | None = None,
    takes: int = 1,
    seed: int | None = None,
    model_folders=None,
    preset: str | None = None,
    speed: dict | None = None,
) -> list[tuple[ShotInfo, GenerationRequest]]:
    """``enqueue``'s first half, reads only (a read-only session will do, on any thread): each shot with
    each of its requests, built and validated."""
    from previz.generation.execute import validate

    if takes < 1:
        raise ValidationError("takes", f"{takes} is not a number of takes; give 1 or more")
    planned: list[tuple[ShotInfo, GenerationRequest]] = []
    for code in shots:
        shot = session.shot(code)
        base = shot.seed if seed is None else seed
        for i in range(takes):
            request = request_for_shot(
                session,
                shot,
                backend=backend,
                model=model,
                seed=base + i,
                model_folders=model_folders,
                preset=preset,
                speed=speed,
            )
            validate(request, model_folders=model_folders)
            planned.append((shot, request))
    return planned


@dataclass(frozen=True)
class Known:
    """What ``enqueue_planned`` checks its requests against, read beside ``plan_requests`` (in the app, on
    the generation runner's desk thread): the takes and the queued or running jobs with the planned requests'
    keys, the ids of all queued or running jobs then, and whether a running job had lost its holder."""

    takes: dict[str, TakeInfo]
    jobs: dict[str, JobInfo]
    job_ids: frozenset[int]
    orphans: bool


def read_known(session: ProjectSession, planned: list[tuple[ShotInfo, GenerationRequest]]) -> Known:
    """The reads of ``enqueue_planned``'s duplicate check for ``planned`` (reads only: any session, any
    thread), so the writing side reads only what changed since (:func:`enqueue_planned` ``known=``)."""
    keys = {request.cache_key() for _shot, request in planned}
    active = session.jobs((JobState.queued.value, JobState.running.value))
    orphans = any(leases.why_not_held(j) is not None for j in active if j.state == JobState.running.value)
    takes = {}
    for shot_id in {shot.id for shot, _request in planned}:
        takes.update((t.request_key, t) for t in session.takes(shot_id) if t.request_key in keys)
    jobs = {j.request.get("key"): j for j in active if j.request.get("key") in keys}
    return Known(takes, jobs, frozenset(j.id for j in active), orphans)


def _pending_now(session: ProjectSession, known: Known) -> tuple[dict[str, TakeInfo], dict[str, JobInfo]]:
    """``known`` brought up to date with one light look at the queue: jobs queued since are read; a job
    ``known`` had that has ended since no longer counts (its take, when it made one, is read)."""
    existing = dict(known.takes)
    new = [i for i in session.queued_job_ids() if i not in known.job_ids]
    seen = {j.id: key for key, j in known.jobs.items()}
    pending = {}
    for job in session.jobs_by_id([*seen, *new]):
        if job.state in (JobState.queued.value, JobState.running.value):
            pending[job.request.get("key")] = job
        elif job.id in seen and job.take_id is not None and seen[job.id] not in existing:
            take = session.take(job.take_id)
            if take.request_key == seen[job.id]:
                existing[take.request_key] = take
    return existing, pending


def enqueue_planned(
    session: ProjectSession,
    planned: list[tuple[ShotInfo, GenerationRequest]],
    *,
    priority: int = 0,
    known: Known | None = None,
) -> list[Enqueued]:
    """``enqueue``'s second half: queue the requests ``plan_requests`` made (an identical take is reused,
    an identical job already queued or running is that job), in one commit. ``known``: the duplicate
    check's reads made beside the plan (:func:`read_known`); only what changed since is read here."""
    if known is None or known.orphans:
        recover(session)  # a job a dead process left running must not pass for one being made
        existing = {t.request_key: t for t in session.takes()}
        active = session.jobs((JobState.queued.value, JobState.running.value))
        pending = {j.request.get("key"): j for j in active}
    else:
        existing, pending = _pending_now(session, known)
    out = []
    with session.batch():
        for shot, request in planned:
            key = request.cache_key()
            if key in existing and existing[key].shot_id == shot.id:
                take = existing[key]
                if shot.selected_take_id is None:
                    session.select_take(shot.code, take.number)
                out.append(Enqueued(shot.code, None, take))
                continue
            if key in pending:  # the same request is already queued or running: that job makes it
                out.append(Enqueued(shot.code, pending[key], None, already=True))
                continue
            job = session.add_job(
                JOB_KIND, {"key": key, "request": request.to_dict()}, shot=shot.code, priority=priority
            )
            pending[key] = job
            _set_status(session, shot, ShotStatus.queued)
            out.append(Enqueued(shot.code, job, None))
    return out


def recover(session: ProjectSession, *, now=None) -> list[JobInfo]:
    """Take back the running jobs no process holds any more (``leases.why_not_held``): each is queued
    again with its attempt counted and the reason in its message, or, after ``leases.MAX_ATTEMPTS``
    attempts, failed with the reason. Returns those jobs as they now are."""
    out = []
    for job in session.jobs((JobState.running.value,)):
        reason = leases.why_not_held(job, now)
        if reason is None:
            continue
        where = leases.progress_note(job)
        if cancel_flag(session, job.id).exists():  # cancelled while its process was dying: done with
            out.append(finish_job(session, job.id, error=CancelledError("cancelled by the user")))
            continue
        if job.attempts >= leases.MAX_ATTEMPTS:
            code = session.shot(job.shot_id).code if job.shot_id is not None else "its shot"
            error = GenerationError(
                f"job {job.id}: interrupted {job.attempts} times, the last{where}: {reason}; "
                f"queue it again with `previz generate PROJECT {code}`"
            )
            out.append(finish_job(session, job.id, error=error))
            continue
        session.update_job(
            job.id,
            state=JobState.queued.value,
            holder="",
            lease_expires_at=None,
            progress_done=0,
            progress_total=0,
            message=f"interrupted{where} ({reason}); queued again for attempt {job.attempts + 1} "
            f"of {leases.MAX_ATTEMPTS}",
        )
        if job.shot_id is not None:
            _set_status(session, job.shot_id, ShotStatus.queued)
        out.append(session.job(job.id))
    return out


def next_job(session: ProjectSession, job_ids: list[int] | None = None) -> JobInfo | None:
    """The queued job to run next: highest priority first, then oldest."""
    queued = [
        j
        for j in session.jobs((JobState.queued.value,))
        if j.kind == JOB_KIND and (job_ids is None or j.id in job_ids)
    ]
    return min(queued, key=lambda j: (-j.priority, j.id), default=None)


def queued_order(session: ProjectSession, known: dict[int, JobInfo] | None = None) -> list[JobInfo]:
    """The queued generation jobs in the order the queue will run them (``next_job`` first).

    ``known``: a runner's jobs read before, by id, which this keeps up to date: only the jobs not in it are
    read (a look at a long queue is then one light query of ids, not every request decoded again). The
    jobs come as first read — a queued job's request, kind and shot never change — in today's order; a
    claim (``claim_next``) reads the one it takes afresh."""
    if known is None:
        queued = [j for j in session.jobs((JobState.queued.value,)) if j.kind == JOB_KIND]
        return sorted(queued, key=lambda j: (-j.priority, j.id))
    ids = session.queued_job_ids(JOB_KIND)
    missing = [i for i in ids if i not in known]
    if missing:
        known.update((j.id, j) for j in session.jobs_by_id(missing))
    for gone in set(known) - set(ids):
        del known[gone]
    return [known[i] for i in ids if i in known]


def set_priority(session: ProjectSession, job_id: int, priority: int) -> JobInfo:
    """Give a queued job ``priority`` (higher runs sooner; equal priorities run oldest first)."""
    job = session.job(job_id)
    if job.state != JobState.queued.value:
        raise ValidationError("job", f"job {job_id} is {job.state}; only queued jobs can be reprioritised")
    session.update_job(job_id, priority=int(priority))
    return session.job(job_id)


def move_job(session: ProjectSession, job_id: int, index: int) -> list[JobInfo]:
    """Move a queued job to ``index`` of the run order (0 runs next; clamped), by renumbering the
    priorities of the queued jobs so that ``next_job`` picks them in the new order. Returns that order."""
    order = queued_order(session)
    ids = [j.id for j in order]
    if job_id not in ids:
        state = session.job(job_id).state
        raise ValidationError("job", f"job {job_id} is {state}; only queued jobs can be moved")
    ids.remove(job_id)
    ids.insert(max(0, min(int(index), len(ids))), job_id)
    by_id = {j.id: j for j in order}
    with session.batch():
        for rank, jid in enumerate(ids):
            priority = len(ids) - rank  # new jobs (priority 0) queue after the ordered ones
            if by_id[jid].priority != priority:
                session.update_job(jid, priority=priority)
    return queued_order(session)


JobProgress = Callable[[JobInfo, int, int, str], None]


@dataclass(frozen=True)
class StartedJob:
    """A job marked running: what to run and where its clip goes (``media/tmp``, not yet in the store)."""

    job: JobInfo
    request: GenerationRequest
    images: dict[str, Path]
    out_path: Path


def begin_job(session: ProjectSession, job: JobInfo) -> StartedJob:
    """Claim ``job`` (``JobTakenError`` when another runner has it) and start it (``start_claimed``)."""
    claimed = claim_next(session, [job])
    if claimed is None:
        current = session.job(job.id)
        holder = JobHolder.parse(current.holder)
        by = f" by {holder.describe()}" if holder else ""
        raise JobTakenError(f"job {job.id} is {current.state}{by}; another runner took it")
    return start_claimed(session, claimed)


def claim_next(session: ProjectSession, order: list[JobInfo]) -> JobInfo | None:
    """Claim the first job of ``order`` that no other runner has taken (``session.claim_job``: an
    immediate write transaction on SQLite, a row lock the others skip on PostgreSQL) and mark its shot
    generating in the commit that announces the claim to other clients (on SQLite the claim's own: one
    write transaction a job). Returns the job, now running under this process's lease, or None when
    every one was taken."""
    running = {
        "state": JobState.running.value,
        "started_at": utcnow(),
        "progress_done": 0,
        "progress_total": 0,
        "message": "starting",
        "error": "",
        **leases.take_lease(),
    }

    def generating(job: JobInfo) -> None:
        if job.shot_id is not None:
            try:
                _set_status(session, job.shot_id, ShotStatus.generating)
            except NotFoundError:
                pass  # start_claimed fails the job

    return session.claim_job([j.id for j in order], running, announce=generating)


def start_claimed(session: ProjectSession, job: JobInfo) -> StartedJob:
    """What a claimed job runs and where its clip goes. A job that cannot start (its shot was removed, an
    image is missing) is recorded as failed and the PrevizError raised."""
    try:
        if job.shot_id is None:
            raise NotFoundError(f"job {job.id}: its shot was removed")
        session.shot(job.shot_id)
        request = GenerationRequest.from_dict(job.request["request"])
        images = conditioning_images(session, request)
    except PrevizError as exc:
        finish_job(session, job.id, error=exc)
        raise
    out_path = session.media.new_temp_path("mp4")
    out_path.unlink()
    return StartedJob(job, request, images, out_path)


def finish_job(
    session: ProjectSession,
    job_id: int,
    *,
    started: StartedJob | None = None,
    result=None,
    error: BaseException | None = None,
    video=None,
    hashed=None,
    progress: tuple[int, int] | None = None,
) -> JobInfo:
    """End a job: with ``result`` (a ``GenerationResult``) its clip becomes a new take of the shot; with
    ``error`` the job is cancelled (CancelledError) or failed with the reason. Cleans up either way.
    ``video``: the clip's ``probe`` when the caller made it already (the app makes it off its UI thread);
    ``hashed``: likewise its ``mediastore.FileDigest`` (the store checks the file is unchanged since);
    ``progress``: the last (done, total) the job reported, written with the take (a throttled job loop may
    not have written it)."""
    from previz.generation.execute import backend_kind
    from previz.media.library import register_encoded
    from previz.media.video import probe

    job = session.job(job_id)
    try:
        if error is None and result is not None and started is not None:
            try:
                # into the store (flushed to disk, renamed) before the write turn: other runners wait on it
                video = video if video is not None else probe(result.path)
                adopted = session.media.adopt(result.path, "mp4", hashed)
                with session.job_write_turn(), session.batch():
                    media = register_encoded(session, result.path, "mp4", info=video, adopted=adopted)
                    take = session.add_take(
                        job.shot_id,
                        kind=backend_kind(started.request).take_kind,
                        media_hash=media.hash,
                        request=started.request.to_dict(),
                        request_key=job.request["key"],
                        provenance=result.provenance,
                        finalizes_take_id=job.finalizes_take_id,  # a final replaces its draft in the cut
                    )
                    reached = {}
                    if progress is not None:
                        reached = {"progress_done": progress[0], "progress_total": progress[1]}
                    session.update_job(
                        job.id,
                        state=JobState.done.value,
                        take_id=take.id,
                        finished_at=utcnow(),
                        message=f"take {take.number} ready",
                        **reached,
                    )
                    # in the same commit: the views refresh once for the take, the job and the status
                    _set_status(session, job.shot_id, ShotStatus.ready)
                return session.job(job.id)
            except PrevizError as exc:  # storing the take failed (e.g. the encoded file is unreadable)
                error = exc
        if isinstance(error, CancelledError):
            session.update_job(
                job.id, state=JobState.cancelled.value, finished_at=utcnow(), message="cancelled"
            )
        elif isinstance(error, PrevizError):
            session.update_job(
                job.id,
                state=JobState.failed.value,
                finished_at=utcnow(),
                error=error.one_line(),
                message="failed",
            )
        else:  # a bug must not take the queue down; the job records it
            detail = (
                "".join(traceback.format_exception_only(type(error), error)).strip() if error else "no result"
            )
            session.update_job(
                job.id,
                state=JobState.failed.value,
                finished_at=utcnow(),
                error=f"internal error: {detail}",
                message="failed",
            )
        _settle_status(session, job.shot_id)
        return session.job(job.id)
    finally:
        if started is not None:
            started.out_path.unlink(missing_ok=True)
        cancel_flag(session, job.id).unlink(missing_ok=True)


def run_job(
    session: ProjectSession,
    job: JobInfo,
    *,
    progress: JobProgress | None = None,
    cancel: CancelToken | None = None,
    worker=None,
    model_folders=None,
    provenance_extra: dict | None = None,
    executors=None,
) -> JobInfo | None:
    """Claim one queued job and run it (``run_claimed``); None when another runner claimed it first."""
    claimed = claim_next(session, [job])
    if claimed is None:
        return None
    return run_claimed(
        session,
        claimed,
        progress=progress,
        cancel=cancel,
        provenance_extra=provenance_extra,
        executors=executors or Executors(worker=worker, model_folders=model_folders),
    )


def run_claimed(
    session: ProjectSession,
    job: JobInfo,
    *,
    executors: Executors,
    progress: JobProgress | None = None,
    cancel: CancelToken | None = None,
    provenance_extra: dict | None = None,
    first_write_s: float = 0.0,
    tail: Callable[[Callable[[ProjectSession], JobInfo]], None] | None = None,
) -> JobInfo | None:
    """Run a claimed job to done, failed or cancelled through its executor (chosen by ``executors`` from
    the backend table), its events applied by the ``JobLoop``; returns the job as it ended.
    ``provenance_extra`` goes into the take's provenance (a farm worker names itself: host, pid, GPU),
    in the same commit as the take; ``first_write_s``: the loop writes no progress before then (the farm).

    ``tail`` (the farm's pipeline): once the job reports its last step (``executors.gpu_done``), this
    returns None after calling ``tail(rest)``: ``rest(session)`` consumes the rest of the job's events
    with ``session`` (the clip's encode, probe and hash, the take's commit; on another thread, with a
    session of its own) and returns the job as it ended. A job that ends before is returned as without."""
    try:
        started = start_claimed(session, job)
    except PrevizError:
        return session.job(job.id)
    loop = JobLoop(
        session,
        started,
        cancel,
        progress=progress,
        provenance_extra=provenance_extra,
        first_write_s=first_write_s,
    )
    try:
        events = executors.for_request(started.request).submit(loop.spec, loop.cancel)
    except Exception as exc:  # recorded on the job
        return loop.fail(exc)
    if tail is None:
        return loop.drain(events)
    ended = loop.drain(events, until=gpu_done)
    if ended is not None:
        return ended

    def rest(other: ProjectSession) -> JobInfo:
        loop.session = other
        return loop.drain(events)

    tail(rest)
    return None


def _settle_status(session: ProjectSession, shot_id: int | None) -> None:
    """After a job ends without a take: ready when the shot has takes, else back to draft."""
    if shot_id is None:
        return
    try:
        current = session.shot(shot_id)
    except NotFoundError:
        return
    active = (JobState.queued.value, JobState.running.value)
    if not [j for j in session.jobs(active) if j.shot_id == shot_id]:
        _set_status(session, current, ShotStatus.ready if session.takes(current.id) else ShotStatus.draft)


def run_queue(
    session: ProjectSession,
    *,
    job_ids: list[int] | None = None,
    progress: JobProgress | None = None,
    cancel: CancelToken | None = None,
    worker=None,
    model_folders=None,
    on_finished: Callable[[JobInfo], None] | None = None,
    limit: int | None = None,
    executors=None,
) -> list[JobInfo]:
    """Run queued jobs (only ``job_ids`` when given) until none is left, or ``limit`` jobs have run;
    returns the finished jobs. Jobs a dead process left running are taken back first (``recover``)."""
    recover(session)
    executors = executors or Executors(worker=worker, model_folders=model_folders)
    finished = []
    while limit is None or len(finished) < limit:
        if cancel is not None and cancel.cancelled:
            break
        order = [j for j in queued_order(session) if job_ids is None or j.id in job_ids]
        if not order:
            break
        claimed = claim_next(session, order)
        if claimed is None:  # other runners took them first
            continue
        ended = run_claimed(session, claimed, progress=progress, cancel=cancel, executors=executors)
        finished.append(ended)
        if on_finished is not None:
            on_finished(ended)
    return finished


def cancel_job(session_path: str | Path, job_id: int) -> str:
    """Cancel a job: a queued one at once; one another live process runs, by asking that process (it
    stops at its next step and records the cancellation itself); one whose holder is gone, at once."""
    with ProjectSession.open(session_path) as session:
        job = session.job(job_id)
        held = job.state == JobState.running.value and leases.why_not_held(job) is None
        if not held or JobHolder.parse(job.holder) == JobHolder.this_process():
            return cancel_queued(session, job_id)
        flag = cancel_flag(session, job_id)
    flag.parent.mkdir(parents=True, exist_ok=True)
    flag.write_text(str(os.getpid()))
    return f"asked the running process to cancel job {job_id}"


def cancel_queued(session: ProjectSession, job_id: int) -> str:
    """Cancel a job no process is running (queued, or left running by a dead process)."""
    job = session.job(job_id)
    if job.state not in (JobState.queued.value, JobState.running.value):
        raise ValidationError("job", f"job {job_id} is {job.state}; only queued or running jobs cancel")
    finish_job(session, job_id, error=CancelledError("cancelled by the user"))
    return f"cancelled job {job_id}"


def hand_back(session: ProjectSession, job_id: int, message: str) -> JobInfo:
    """Queue again a job its runner stopped (``farm down``, Ctrl+C) rather than lost: the attempt it was
    on is not counted (the job did nothing wrong), the ones before are kept (unlike ``retry_job``, which
    counts afresh: a job that had killed two workers is still one interruption away from failing)."""
    job = session.job(job_id)
    with session.batch():
        session.update_job(
            job_id,
            state=JobState.queued.value,
            error="",
            message=message,
            progress_done=0,
            progress_total=0,
            finished_at=None,
            attempts=max(0, job.attempts - 1),
            holder="",
            lease_expires_at=None,
        )
        if job.shot_id is not None:
            try:
                _set_status(session, job.shot_id, ShotStatus.queued)
            except NotFoundError:
                pass
    return session.job(job_id)


def retry_job(session: ProjectSession, job_id: int) -> JobInfo:
    """Queue a failed or cancelled job again, with its attempts counted afresh."""
    job = session.job(job_id)
    if job.state not in (JobState.failed.value, JobState.cancelled.value):
        raise ValidationError(
            "job", f"job {job_id} is {job.state}; only failed or cancelled jobs are retried"
        )
    session.update_job(
        job_id,
        state=JobState.queued.value,
        error="",
        message="queued again",
        progress_done=0,
        finished_at=None,
        attempts=0,
        holder="",
        lease_expires_at=None,
    )
    return session.job(job_id)
