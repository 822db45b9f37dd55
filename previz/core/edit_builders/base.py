"""What every edit builder shares: the ``writes`` wrapper (one write transaction per edit), row helpers and
the small functions that make row operations."""

from __future__ import annotations

import functools
import re
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import bindparam, select

from previz.core.edits import TABLES, Op
from previz.core.errors import ConflictError, NotFoundError, ServerUnreachableError, ValidationError
from previz.core.timecode import seconds_to_frames

T = TABLES
DEFAULT_SHOT_SECONDS = 3.0


def writes(method):
    """Mark an edit builder: what it reads and what it writes run in one write transaction (a ``batch``),
    so no other writer can change a row between the read and the write."""

    @functools.wraps(method)
    def run(self, *args, **kwargs):
        if self.in_batch:
            return method(self, *args, **kwargs)
        try:
            with self.batch():
                return method(self, *args, **kwargs)
        except ServerUnreachableError:
            # The connection was lost (a server restart) and nothing was committed: reconnect and make the
            # edit once more, so the user's change is not lost. A second failure is the user's to see.
            self.recover()
            with self.batch():
                return method(self, *args, **kwargs)

    return run


def utcnow() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def defaults_of(table_name: str) -> dict[str, Any]:
    """Column defaults of a table as a plain dict (JSON columns get an empty list)."""
    out: dict[str, Any] = {}
    for col in T[table_name].columns:
        if col.default is not None:
            out[col.name] = [] if callable(col.default.arg) else col.default.arg
        elif col.nullable:
            out[col.name] = None
    return out


def shot_code_for(scene_number: str, shot_number: int) -> str:
    """``12A`` + 10 → ``012A_0010``: the scene's digits padded to 3, the shot number to 4."""
    m = re.match(r"^(\d+)(.*)$", scene_number)
    scene_part = f"{int(m.group(1)):03d}{m.group(2)}" if m else scene_number
    return f"{scene_part}_{shot_number:04d}"


def update_op(table: str, key: Any, row: dict[str, Any], new: dict[str, Any]) -> Op | None:
    """An update op for the values of ``new`` that differ from ``row``; None when nothing changes."""
    after = {k: v for k, v in new.items() if row[k] != v}
    if not after:
        return None
    return Op("update", table, key, {k: row[k] for k in after}, after)


def reorder_ops(table: str, rows: list[dict[str, Any]]) -> list[Op]:
    """Update ops that give ``rows`` (in their new order) the positions 0..n-1."""
    ops = []
    for position, row in enumerate(rows):
        op = update_op(table, row["id"], row, {"position": position})
        if op:
            ops.append(op)
    return ops


_ROW_QUERIES: dict[str, Any] = {}


def _row_query(table: str):
    """``SELECT * FROM table WHERE pk = :key``, built once per table (an edit reads several rows by key;
    building a statement costs several times running a built one)."""
    query = _ROW_QUERIES.get(table)
    if query is None:
        tbl = T[table]
        pk = list(tbl.primary_key.columns)[0]
        query = _ROW_QUERIES[table] = select(tbl).where(pk == bindparam("key"))
    return query


class EditBase:
    """Row reading helpers the edit builders share (they run inside the builder's write transaction)."""

    def _row(self, table: str, key: Any) -> dict[str, Any]:
        row = self.conn.execute(_row_query(table), {"key": key}).first()
        if row is None:
            raise NotFoundError(f"{table} {key!r} not found")
        return dict(row._mapping)

    def _rows(self, table: str, where) -> list[dict[str, Any]]:
        tbl = T[table]
        order = [tbl.c.position, tbl.c.id] if "position" in tbl.c else [tbl.c.id]
        return [dict(r._mapping) for r in self.conn.execute(select(tbl).where(where).order_by(*order))]

    def _check_expected(self, table: str, row: dict[str, Any], expect: dict[str, Any] | None) -> None:
        """ConflictError when a value the user saw (``expect``) is no longer the row's."""
        for name, seen in (expect or {}).items():
            if name not in row:  # a misspelt field would silently turn the check off
                raise ValidationError(name, f"a {table} has no such field to expect a value of")
            if row[name] != seen:
                from previz.core.conflicts import describe_stale

                raise ConflictError(describe_stale(self, table, row["id"], name, row[name]))

    def _default_duration(self) -> int:
        return seconds_to_frames(DEFAULT_SHOT_SECONDS, self.rate)


class RowView:
    """Lets a plain dict pass where a SQLAlchemy row is expected (``row._mapping``): a snapshot of a row an
    edit has just written, without reading it back."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._mapping = data
