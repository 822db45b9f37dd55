"""Jobs: queued work; its changes are results, never undo steps.

Mixed into ``ProjectSession``; each public method is one edit (``writes``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import select

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
            op = update_op("job", got, row, {**fields, "attempts": row["attempts"] + 1})
            self._commit("Claim job", [op] if op else [], record=False)
            claimed = self.job(got)
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
