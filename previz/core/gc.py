"""Media garbage collection: remove stored media that no row refers to, and nothing else.

A media file is kept when a shot (board, keyframes), take, audio clip or character refers to it, or when
an entry of the undo history does (so undoing a removal never finds its media gone).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from previz.core.edits import TABLES as T

_HASH = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class GcReport:
    removed_files: int
    removed_bytes: int
    kept_files: int
    temp_files: int


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


def collect_garbage(session) -> GcReport:
    conn = session._writable()
    refs = referenced_hashes(conn)
    media = T["media"]
    rows = conn.execute(select(media.c.hash)).scalars().all()
    unreferenced_rows = [h for h in rows if h not in refs]
    for i in range(0, len(unreferenced_rows), 500):
        conn.execute(media.delete().where(media.c.hash.in_(unreferenced_rows[i : i + 500])))
    conn.commit()
    removed = removed_bytes = kept = 0
    for digest, path in session.media.all_files():
        if digest in refs:
            kept += 1
            continue
        removed_bytes += path.stat().st_size
        path.unlink()
        removed += 1
        try:
            path.parent.rmdir()
        except OSError:
            pass
    temp = session.media.clear_tmp()
    return GcReport(removed, removed_bytes, kept, temp)
