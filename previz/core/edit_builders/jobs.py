"""Jobs: queued work; its changes are results, never undo steps.

Mixed into ``ProjectSession``; each public method is one edit (``writes``)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import func, select

from previz.core.edit_builders.base import (
    EditBase,
    defaults_of,
    update_op,
    utcnow,
    writes,
)
from previz.core.edits import TABLES, Changes, Op
from previz.core.enums import JobState
from previz.core.errors import ValidationError
from previz.core.snapshots import (
    JobInfo,
)

T = TABLES

try:
    import fcntl
except ImportError:  # Windows: writers wait in SQLite's busy handler
    fcntl = None


class JobEdits(EditBase):
    @writes
    def add_job(
        self, kind: str, request: dict[str, Any], *, shot: str | int | None = None, priority: int = 0
    ) -> JobInfo:
        shot_id = self.shot(shot).id if shot is not None else None
        job = dict(
            defaults_of("job"),
            id=self._next_id("job"),
            kind=kind,
            shot_id=shot_id,
            request=request,
            state=JobState.queued.value,
            priority=int(priority),
            created_at=utcnow(),
        )
        self._commit(f"Queue {kind}", [Op("insert", "job", job["id"], None, job)], record=False)
        return self.job(job["id"])

    @writes
    def update_job(self, job_id: int, /, **fields: Any) -> Changes:
        row = self._row("job", int(job_id))
        unknown = set(fields) - set(row)
        if unknown:
            raise ValidationError(sorted(unknown)[0], "a job has no such field")
        op = update_op("job", row["id"], row, fields)
        return self._commit(f"Update job {job_id}", [op] if op else [], record=False)

    @writes
    def remove_jobs(self, job_ids: list[int]) -> Changes:
        ops = [Op("delete", "job", r["id"], r, None) for r in self._rows("job", T["job"].c.id.in_(job_ids))]
        return self._commit("Clear jobs", ops, record=False)

    def queued_job_ids(self, kind: str | None = None) -> list[int]:
        """The ids of the queued jobs (of ``kind``) in run order — highest priority first, then oldest —
        without reading their requests: a runner that has read a job's request keeps it (a queued job's
        request, kind and shot never change), so a look at the queue costs one light query."""
        job = T["job"]
        query = select(job.c.id).where(job.c.state == JobState.queued.value)
        if kind is not None:
            query = query.where(job.c.kind == kind)
        ids = list(self.conn.execute(query.order_by(job.c.priority.desc(), job.c.id)).scalars())
        self._end_read()
        return ids

    def jobs_by_id(self, job_ids: Sequence[int]) -> list[JobInfo]:
        """The jobs ``job_ids`` as they are now, in id order (those that are gone are left out)."""
        ids = [int(i) for i in job_ids]
        if not ids:
            return []
        job = T["job"]
        rows = self.conn.execute(select(job).where(job.c.id.in_(ids)).order_by(job.c.id)).all()
        self._end_read()
        return [JobInfo.from_row(r) for r in rows]

    def count_jobs(self, states: Sequence[str]) -> int:
        """How many jobs are in ``states`` (a light look: nothing is decoded)."""
        job = T["job"]
        query = select(func.count()).select_from(job).where(job.c.state.in_(list(states)))
        count = int(self.conn.execute(query).scalar_one())
        self._end_read()
        return count

    @contextmanager
    def job_write_turn(self) -> Iterator[None]:
        """A write transaction of a job runner (a claim, a take), in turn: on a SQLite bundle its runners
        first queue on an OS file lock (``cache/jobs/write.lock``), which wakes the next one as soon as the
        last one committed. Otherwise they would wait in SQLite's busy handler, which sleeps 1 to 100 ms
        between tries whatever happens meanwhile — with 16 farm workers the bundle's one writer then sat
        idle between transactions while every waiter slept, and a newcomer overtook those that had
        waited longest (claims waited 2 s at p95). PostgreSQL queues waiters on its write lock itself."""
        fd = self._job_turn_fd()
        if fd is None:
            yield
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # released by the close, also when this process dies
            yield
        finally:
            os.close(fd)

    def _job_turn_fd(self) -> int | None:
        """The turn's lock file, opened; None without one: no ``fcntl`` (Windows), not a writable bundle,
        or inside a batch (which may hold the database's write lock already: waiting for the turn then
        could wait on a runner that waits for this one)."""
        if fcntl is None or self.readonly or self.in_batch:
            return None
        if self._writable().dialect.name != "sqlite":
            return None
        folder = self.paths.cache / "jobs"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            return os.open(folder / "write.lock", os.O_RDWR | os.O_CREAT, 0o666)
        except OSError:
            return None  # a cache that cannot be written: SQLite's busy handler then

    def claim_job(
        self,
        candidates: Sequence[int],
        fields: dict[str, Any],
        *,
        announce: Callable[[JobInfo], None] | None = None,
    ) -> JobInfo | None:
        """Take the first of ``candidates`` (job ids, in the order wanted) that is still queued: set
        ``fields`` on it and count an attempt; returns it, or None when every one was taken or is gone.
        ``announce(job)`` makes the claim's other changes (the shot's status) in the commit that announces
        the claim on the change feed.

        SQLite (no row locks; SQLAlchemy drops ``skip_locked`` there): all of it is one immediate write
        transaction — one commit a job, which matters because a bundle has one writer at a time.
        PostgreSQL: the row is locked ``FOR UPDATE SKIP LOCKED`` in a short transaction without the
        project's write lock, so concurrent claimers neither wait on one another nor take the same job;
        that claim writes no history row (the feed's ids commit in order only under the write lock), so a
        second commit, under it, announces the claim — after checking nobody changed the job in between
        (a cancel that had read it queued): None then."""
        ids = [int(i) for i in candidates]
        if not ids:
            return None
        if self._writable().dialect.name != "postgresql":
            with self.job_write_turn():
                return self._claim_in_one_commit(ids, fields, announce)
        got = self._claim_row_locked(ids, fields)
        if got is None:
            return None
        with self.batch():
            row = self._row("job", got)
            if row["state"] != fields.get("state") or row["holder"] != fields.get("holder"):
                return None
            op = update_op("job", got, row, {"message": fields.get("message", "")})
            self._commit("Claim job", [op] if op else [], record=False)
            if announce is not None:
                announce(self.job(got))
        return self.job(got)

    def _claim_in_one_commit(
        self, ids: list[int], fields: dict[str, Any], announce: Callable[[JobInfo], None] | None
    ) -> JobInfo | None:
        job = T["job"]
        with self.batch():  # BEGIN IMMEDIATE: no other writer between the read and the claim
            free = set(
                self.conn.execute(
                    select(job.c.id).where(job.c.id.in_(ids), job.c.state == JobState.queued.value)
                ).scalars()
            )
            got = next((jid for jid in ids if jid in free), None)
            if got is None:
                return None
            row = self._row("job", got)
            values = {**fields, "attempts": row["attempts"] + 1}
            op = update_op("job", got, row, values)
            self._commit("Claim job", [op] if op else [], record=False)
            claimed = JobInfo.from_row({**row, **values})  # what was written: no read under the lock
            if announce is not None:
                announce(claimed)
        return claimed

    def _claim_row_locked(self, ids: list[int], fields: dict[str, Any]) -> int | None:
        """PostgreSQL: lock the first still-queued row of ``ids`` that no other transaction holds
        (``SKIP LOCKED``, one row at a time: the others stay free for other claimers) and claim it, message
        "claimed", without the project's write lock; returns its id."""
        conn = self.conn
        self.recover()
        job = T["job"]
        if conn.in_transaction():
            conn.commit()
        conn.begin()
        try:
            got = None
            for jid in ids:
                query = select(job.c.id).where(job.c.id == jid, job.c.state == JobState.queued.value)
                if conn.execute(query.with_for_update(skip_locked=True)).first() is not None:
                    got = jid
                    break
            if got is not None:
                values = {**fields, "message": "claimed"}
                conn.execute(
                    job.update().where(job.c.id == got).values(**values, attempts=job.c.attempts + 1)
                )
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        return got
