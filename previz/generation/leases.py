"""Who holds a running job, and when a job left running is no longer held.

A job marked running records its holder (``JobHolder``: host, pid, process start) and a lease that the
running process renews with every progress write. The next process that runs the queue looks at every
running job: one whose holder on this machine is gone (killed, crashed, power cut), one that names no
holder (left by an older Previz), or one whose lease expired (a holder on another machine that stopped
renewing) is no longer held, and is queued again with its attempt counted, or failed with the reason
after ``MAX_ATTEMPTS``. A holder on this machine that is alive keeps its job whatever its lease says (a
long model load writes no progress); the lease decides only for holders the pid cannot tell about.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from previz.core.jobs import JobHolder
from previz.core.snapshots import JobInfo

#: Seconds a lease holds without renewal.
LEASE_S = 120.0
#: Runs a job gets before an interruption fails it instead of queueing it again.
MAX_ATTEMPTS = 3


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(timezone.utc)


def lease_until(now: datetime | None = None) -> str:
    """The ``lease_expires_at`` value for a lease taken or renewed at ``now``."""
    return (_now(now) + timedelta(seconds=LEASE_S)).isoformat(timespec="seconds")


def take_lease(now: datetime | None = None) -> dict[str, str]:
    """The job fields that say this process holds the job."""
    return {"holder": str(JobHolder.this_process()), "lease_expires_at": lease_until(now)}


def _expired(job: JobInfo, now: datetime) -> bool:
    if not job.lease_expires_at:
        return True
    try:
        until = datetime.fromisoformat(job.lease_expires_at)
    except ValueError:
        return True
    if until.tzinfo is None:
        until = until.replace(tzinfo=timezone.utc)
    return until <= now


def why_not_held(job: JobInfo, now: datetime | None = None) -> str | None:
    """Why the running ``job`` is no longer held (a one-line reason), or None while its holder may still
    run it."""
    holder = JobHolder.parse(job.holder)
    if holder is None:
        return "no process holds it"
    alive = holder.alive()
    if alive is True:
        return None
    if alive is False:
        return f"{holder.describe()} that ran it is gone"
    if _expired(job, _now(now)):
        return f"the lease of {holder.describe()} expired at {job.lease_expires_at}"
    return None


def progress_note(job: JobInfo) -> str:
    """Where an interrupted job had got to, for its message ("at 29/84"), or ""."""
    return f" at {job.progress_done}/{job.progress_total}" if job.progress_total else ""
