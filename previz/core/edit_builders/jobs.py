"""Jobs: queued work; its changes are results, never undo steps.

Mixed into ``ProjectSession``; each public method is one edit (``writes``)."""

from __future__ import annotations

from typing import Any

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
