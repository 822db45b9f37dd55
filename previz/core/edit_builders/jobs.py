"""Jobs: queued work; its changes are results, never undo steps.

Mixed into ``ProjectSession``; each public method is one edit (``writes``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from previz.core import database
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

    def claim_job(self, candidates: Sequence[int], fields: dict[str, Any]) -> JobInfo | None:
        """Take the first of ``candidates`` (job ids, in the order wanted) that is still queued: set
        ``fields`` on it and count an attempt, in one short transaction; returns it, or None when every one
        was taken or is gone. PostgreSQL locks the row ``FOR UPDATE SKIP LOCKED``, without the project's
        write lock: concurrent claimers neither wait on one another nor take the same job. SQLite (which
        has no row locks; SQLAlchemy drops ``skip_locked`` there) claims in one immediate write
        transaction. The claim writes no history row: the caller's next edit announces it (the feed's ids
        commit in order only under the write lock)."""
        conn = self._writable()
        self.recover()
        job = T["job"]
        ids = [int(i) for i in candidates]
        if not ids:
            return None
        if conn.dialect.name == "postgresql":
            if conn.in_transaction():
                conn.commit()
            conn.begin()
        else:
            database.begin_write(conn)
        try:
            got = None
            if conn.dialect.name == "postgresql":
                for jid in ids:  # one row at a time: the others stay free for other claimers
                    query = select(job.c.id).where(job.c.id == jid, job.c.state == JobState.queued.value)
                    if conn.execute(query.with_for_update(skip_locked=True)).first() is not None:
                        got = jid
                        break
            else:
                free = set(
                    conn.execute(
                        select(job.c.id).where(job.c.id.in_(ids), job.c.state == JobState.queued.value)
                    ).scalars()
                )
                got = next((jid for jid in ids if jid in free), None)
            if got is not None:
                conn.execute(
                    job.update().where(job.c.id == got).values(**fields, attempts=job.c.attempts + 1)
                )
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        return self.job(got) if got is not None else None
