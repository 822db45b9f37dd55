"""Media garbage collection: remove stored media that nothing needs, and nothing else.

A media file is kept when

- a shot (board, keyframes), take, audio clip or character refers to it, or an entry of the undo history
  does (so undoing a removal never finds its media gone);
- a queued or running job names it (a generation request conditioned on a panel that the shot no longer
  shows: the job still reads it);
- it was written within the grace period (``grace_seconds``, a day by default): on a shared media root
  another machine may have just stored it and not yet committed the row that refers to it.

Temporary files are cleared only when nobody is writing them (``MediaStore.clear_stale_tmp``): another
machine's render in progress stays. File ages are measured on the media root's clock.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from sqlalchemy import select

from previz.core.edits import TABLES as T
from previz.core.enums import JobState
from previz.core.errors import MediaError, ProjectError

_HASH = re.compile(r"[0-9a-f]{64}")
#: Unreferenced media younger than this (seconds since the file was written) are kept.
DEFAULT_GRACE_SECONDS = 24 * 3600.0
#: Jobs whose request may still be read: their media are kept.
ACTIVE_JOB_STATES = (JobState.queued.value, JobState.running.value)


@dataclass(frozen=True)
class GcReport:
    removed_files: int
    removed_bytes: int
    #: Files kept because a row or the undo history refers to them.
    kept_files: int
    #: Temporary files nobody was writing any more, removed.
    temp_files: int
    #: Unreferenced files kept because they were written within the grace period.
    kept_recent: int = 0
    #: Unreferenced files kept because a queued or running job names them.
    kept_for_jobs: int = 0
    grace_seconds: float = DEFAULT_GRACE_SECONDS
    #: One line per referenced file found damaged (its size differs from the registered one or, with
    #: ``verify``, its content does not match its hash), naming the file. Damaged files are never removed.
    damaged: tuple[str, ...] = ()

    def summary(self) -> str:
        """What ``previz gc`` prints."""
        hours = self.grace_seconds / 3600
        text = (
            f"removed {self.removed_files} unreferenced media files ({self.removed_bytes / 1e6:.1f} MB); "
            f"kept {self.kept_files} in use, {self.kept_for_jobs} named by queued or running jobs, "
            f"{self.kept_recent} written in the last {hours:g} h; cleared {self.temp_files} temporary files"
        )
        if self.damaged:
            text += f"; {len(self.damaged)} damaged, first: {self.damaged[0]}"
        return text


def referenced_hashes(conn) -> set[str]:
    refs: set[str] = set()
    columns = [
        T["shot"].c.board_hash,
        T["shot"].c.first_frame_hash,
        T["shot"].c.last_frame_hash,
        T["take"].c.media_hash,
        T["audio_clip"].c.media_hash,
        T["character"].c.reference_hash,
    ]
    for col in columns:
        refs.update(h for h in conn.execute(select(col).where(col.is_not(None))).scalars())
    for ops in conn.execute(select(T["history"].c.ops)).scalars():
        refs.update(_HASH.findall(ops))
    return refs


def job_hashes(jobs) -> set[str]:
    """Media hashes that these jobs (``JobInfo``) name in their requests."""
    found: set[str] = set()
    for job in jobs:
        found.update(_HASH.findall(json.dumps(job.request, sort_keys=True)))
    return found


def collect_garbage(
    session, *, grace_seconds: float = DEFAULT_GRACE_SECONDS, verify: bool = False
) -> GcReport:
    """Remove media that no row, undo step or active job needs and that are older than ``grace_seconds``,
    their media rows, and the temporary files nobody is writing. Every referenced file is checked by size
    against its media row (a ``stat``); with ``verify`` its content is hashed as well (reads every file)."""
    if session.readonly:
        raise ProjectError(f"{session.root}: opened read-only; open it for writing to collect garbage")
    store = session.media
    for_jobs = job_hashes(session.jobs(ACTIVE_JOB_STATES))
    conn = session.conn
    refs = referenced_hashes(conn)
    media = T["media"]
    rows = {r.hash: r for r in conn.execute(select(media.c.hash, media.c.ext, media.c.size_bytes))}
    now = store.now()
    removable, recent, damaged = [], set(), []
    kept = kept_jobs = 0
    for digest, path in store.all_files():
        if digest in refs:
            kept += 1
            problem = _damage(store, rows.get(digest), path, verify)
            if problem:
                damaged.append(problem)
        elif digest in for_jobs:
            kept_jobs += 1
        elif now - _mtime(path) < grace_seconds:
            recent.add(digest)
        else:
            removable.append(path)
    gone_rows = [h for h in rows if h not in refs and h not in for_jobs and h not in recent]
    for i in range(0, len(gone_rows), 500):
        conn.execute(media.delete().where(media.c.hash.in_(gone_rows[i : i + 500])))
    conn.commit()
    removed = removed_bytes = 0
    for path in removable:
        try:
            size = path.stat().st_size
            path.unlink()
        except FileNotFoundError:
            continue  # removed meanwhile by another collector
        removed += 1
        removed_bytes += size
        try:
            path.parent.rmdir()
        except OSError:
            pass
    temp = len(store.clear_stale_tmp())
    return GcReport(removed, removed_bytes, kept, temp, len(recent), kept_jobs, grace_seconds, tuple(damaged))


def _mtime(path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return float("-inf")  # removed meanwhile: nothing to keep


def _damage(store, row, path, verify: bool) -> str | None:
    """Why a referenced file is damaged (one line naming it), or None."""
    if row is not None and path.stat().st_size != row.size_bytes:
        return (
            f"{path}: {path.stat().st_size} bytes where {row.size_bytes} were stored (truncated or damaged); "
            "restore it from a backup"
        )
    if verify:
        try:
            digest, ext = path.name.split(".", 1)
            store.verify(digest, ext)
        except MediaError as exc:
            return exc.one_line()
    return None
