"""Transactions, the history and the change feed of ``ProjectSession``.

Every change runs in one write transaction (``batch``): what it reads inside is what it writes over, and one
writer at a time commits (SQLite's IMMEDIATE transaction, PostgreSQL's advisory write lock). Each commit
appends one row to the history table: the undo step of its author (``edit``), an ``undo``/``redo``, or a
``result`` that is not an edit (a take, a job's progress). Other clients read those rows as their change
feed; ``last_commit`` says what the latest commit of this session recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, func, select

from previz.core import database
from previz.core.edit_builders.base import utcnow
from previz.core.edits import TABLES, Changes, Conflict, Edit, Op, conflicts, run_ops
from previz.core.errors import ConflictError, ProjectError
from previz.core.snapshots import HistoryInfo

T = TABLES
#: Keep this many undo steps per author; older ones are dropped.
HISTORY_LIMIT = 500
#: Keep this many of the newest change-feed rows that are not undo steps (results, undos, redos).
FEED_KEEP = 20_000
#: Prune the history whenever a row id is a multiple of this.
PRUNE_EVERY = 200


_H = T["history"]
#: The statements every commit runs, built once (building one costs several times running it).
_MARK_UNDONE = _H.update().where(_H.c.id == bindparam("row_id")).values(undone=bindparam("undone"))


def _next_step_query(undone: bool):
    order = _H.c.id.asc() if undone else _H.c.id.desc()
    mine = select(_H).where(_H.c.kind == "edit", _H.c.author == bindparam("author"), _H.c.undone.is_(undone))
    return mine.order_by(order).limit(1)


_FIRST_ID = select(func.min(_H.c.id))
_LAST_ID = select(func.max(_H.c.id))
#: The change feed after ``:last_id`` (every client polls it).
_FEED_AFTER = (
    select(
        _H.c.id,
        _H.c.kind,
        _H.c.name,
        _H.c.author,
        _H.c.client,
        _H.c.created_at,
        _H.c.changes,
        _H.c.undone,
        _H.c.ref_id,
    )
    .where(_H.c.id > bindparam("last_id"))
    .order_by(_H.c.id)
    .limit(bindparam("limit"))
)
#: This author's next undo step (``False``: the newest applied) or redo step (``True``).
_NEXT_STEP = {undone: _next_step_query(undone) for undone in (False, True)}


@dataclass(frozen=True)
class Commit:
    """What one commit recorded: its ``Changes``, whether it became an undo step of this author, under
    which name, and its row in the change feed (0 when it changed nothing)."""

    changes: Changes
    undo_step: bool
    name: str
    history_id: int = 0


class SessionHistory:
    #: What the latest commit of this session recorded (None before the first).
    last_commit: Commit | None = None
    #: The largest id ``_next_id`` handed out per table (its sequence is past it).
    _ids_handed: dict[str, int]

    def subscribe(self, listener: Callable[[Changes], None]) -> None:
        self._listeners.append(listener)

    def _notify(self, changes: Changes) -> None:
        if changes:
            for listener in list(self._listeners):
                listener(changes)

    def _writable(self) -> Connection:
        if self.readonly:
            raise ProjectError(f"{self.location}: opened read-only; open it for writing to change it")
        return self.conn

    def _end_read(self) -> None:
        if self._batch is None and not self.closed and self.conn.in_transaction():
            self.conn.commit()

    def _begin_write(self) -> Connection:
        """Begin a write transaction: one writer at a time per project (SQLite's IMMEDIATE transaction), so
        what an edit reads inside it is what it writes over, and history ids commit in order."""
        conn = self._writable()
        self.recover()
        database.begin_write(conn)
        return conn

    def recover(self) -> None:
        """After the database connection was lost (a server restart), make the next statement reconnect
        (SQLAlchemy waits for the dead transaction to be rolled back first). The feed poll calls it, so an
        open app is back within one poll of the server."""
        if not self.closed and (self.conn.invalidated or self._needs_rollback()):
            self.conn.rollback()

    def _needs_rollback(self) -> bool:
        tx = self.conn.get_transaction()
        return tx is not None and not tx.is_valid

    @property
    def in_batch(self) -> bool:
        """Whether a batch (one write transaction, one undo step) is open."""
        return self._batch is not None

    @contextmanager
    def batch(self, name: str | None = None) -> Iterator[None]:
        """Group every change made inside into one edit: one undo step, committed all or nothing, in one
        write transaction (reads inside see what the edit writes over). Without a name the undo step takes
        the name of the first change made inside."""
        if self._batch is not None:  # nested: the outer batch owns the transaction
            if name and not self._batch.name:  # an edit builder's own batch inside its ``writes`` wrapper
                self._batch.name = name
            yield
            return
        conn = self._begin_write()
        self._batch = Edit(name or "")
        self._batch_changes = Changes()
        self._batch_results = Changes()
        try:
            yield
            edit, changes = self._batch, self._batch_changes | self._batch_results
            row_id = 0
            if edit.ops:
                row_id = self._append_history("edit", edit.name, changes, ops=edit.ops_json())
            elif changes:
                row_id = self._append_history("result", self._batch_results_name or edit.name, changes)
            conn.commit()
            self.last_commit = Commit(
                changes, bool(edit.ops), edit.name if edit.ops else self._batch_results_name, row_id
            )
        except BaseException:
            conn.rollback()
            raise
        finally:
            self._batch = None
            self._batch_results_name = ""
        self._notify(changes)

    def _commit(self, name: str, ops: list[Op], *, record: bool = True) -> Changes:
        """Run ``ops`` in the current batch (one is opened when there is none). ``record=False`` marks a
        result that is not an edit (a take, a job's progress): it reaches the change feed but no undo step."""
        self._writable()
        if not ops:
            return Changes()
        if self._batch is None:
            with self.batch():
                return self._commit(name, ops, record=record)
        changes = run_ops(self.conn, ops)
        inserted: dict[str, int] = {}
        for op in ops:
            if op.kind == "insert" and isinstance(op.key, int):
                inserted[op.table] = max(inserted.get(op.table, 0), op.key)
        # ids from ``_next_id`` are already past their sequence; only ids counted on from one need claiming
        handed = self._ids_handed
        database.claim_ids(self.conn, {t: top for t, top in inserted.items() if top > handed.get(t, 0)})
        if record:
            self._batch.ops.extend(ops)
            self._batch.name = self._batch.name or name
            self._batch_changes |= changes
        else:
            self._batch_results |= changes
            self._batch_results_name = self._batch_results_name or name
        return changes

    def _append_history(self, kind: str, name: str, changes: Changes, *, ops: str = "[]", ref_id=None) -> int:
        """Add a row to the change feed (inside the current write transaction); an ``edit`` also starts this
        author's redo list afresh."""
        row = {
            "name": name[:255],
            "ops": ops,
            "undone": False,
            "author": self.author,
            "client": self.client,
            "kind": kind,
            "changes": changes.to_json(),
            "ref_id": ref_id,
        }
        # with this author's redo list dropped (an edit), stamped with the server's clock and announced to
        # the other clients: one statement on PostgreSQL
        drop = self.author if kind == "edit" else None
        row_id = database.append_feed_row(self.conn, row, utcnow(), drop_redo_of=drop)
        if row_id % PRUNE_EVERY == 0:
            self._prune_history(row_id)
        return row_id

    def _prune_history(self, newest: int) -> None:
        """Keep the history bounded without losing the feed: each author's undo steps beyond
        ``HISTORY_LIMIT`` stop being undo steps (kind ``expired``, operations dropped) but stay in the feed;
        rows that are not undo steps go once they are ``FEED_KEEP`` ids old (a watcher that far behind
        reloads everything: ``FeedWatcher.poll``)."""
        h = T["history"]
        self.conn.execute(h.delete().where(h.c.kind != "edit", h.c.id <= newest - FEED_KEEP))
        authors = self.conn.execute(select(h.c.author).where(h.c.kind == "edit").distinct()).scalars().all()
        for author in authors:
            mine = select(h.c.id).where(h.c.kind == "edit", h.c.author == author).order_by(h.c.id.desc())
            cutoff = self.conn.execute(mine.offset(HISTORY_LIMIT).limit(1)).scalar()
            if cutoff is not None:
                old = (h.c.kind == "edit", h.c.author == author, h.c.id <= cutoff)
                self.conn.execute(h.delete().where(*old, h.c.undone.is_(True)))  # redone by undo rows
                self.conn.execute(h.update().where(*old).values(kind="expired", ops="[]"))

    def first_history_id(self) -> int:
        """The oldest row still in the change feed (0 for none)."""
        first = self.conn.execute(_FIRST_ID).scalar()
        self._end_read()
        return first or 0

    def _history_row(self, undone: bool):
        """This author's next undo step (``undone=False``: the newest applied) or redo step."""
        return self.conn.execute(_NEXT_STEP[undone], {"author": self.author}).first()

    def undo_name(self) -> str | None:
        row = self._history_row(False)
        self._end_read()
        return row.name if row else None

    def redo_name(self) -> str | None:
        row = self._history_row(True)
        self._end_read()
        return row.name if row else None

    def history_names(self) -> tuple[list[str], list[str]]:
        """The names of this author's undo steps (oldest first) and redo steps (the next one first)."""
        h = T["history"]
        mine = select(h.c.name, h.c.undone).where(h.c.kind == "edit", h.c.author == self.author)
        rows = self.conn.execute(mine.order_by(h.c.id)).all()
        self._end_read()
        return [r.name for r in rows if not r.undone], [r.name for r in rows if r.undone]

    def last_history_id(self) -> int:
        """The newest row of the change feed (0 for none); ``history_after`` it reads what comes next."""
        self.recover()
        top = self.conn.execute(_LAST_ID).scalar()
        self._end_read()
        return top or 0

    def history_after(
        self, last_id: int, limit: int = 1000, *, skip_changes_of: str = ""
    ) -> list[HistoryInfo]:
        """The change feed: every committed change after ``last_id``, oldest first, with who made it. Rows of
        client ``skip_changes_of`` come with empty ``Changes`` (not parsed: a watcher skips its own rows,
        whose changes it heard when they were made, and an add's run to ~2 KB of JSON)."""
        self.recover()
        rows = self.conn.execute(_FEED_AFTER, {"last_id": last_id, "limit": limit}).all()
        self._end_read()
        skip, none = skip_changes_of or None, Changes()
        return [
            HistoryInfo.from_row(r, changes=none if r.client == skip else Changes.from_json(r.changes))
            for r in rows
        ]

    def undo(self) -> tuple[str, Changes]:
        """Undo this author's last edit; ConflictError (nothing changed) when someone has changed the same
        rows since, or when undoing would delete work made since (a take of an added shot)."""
        return self._step(undo=True)

    def redo(self) -> tuple[str, Changes]:
        return self._step(undo=False)

    def _step(self, *, undo: bool) -> tuple[str, Changes]:
        if self._batch is not None:
            raise ProjectError("cannot undo or redo inside a batch of edits")
        conn = self._begin_write()
        try:
            row = self._history_row(not undo)
            if row is None:
                verb = "undo" if undo else "redo"
                raise ProjectError(
                    f"nothing to {verb} for {self.author} (undo and redo take back your own edits; other "
                    "people's are theirs to undo)"
                )
            edit = Edit.from_json(row.name, row.ops)
            ops = [op.inverse() for op in reversed(edit.ops)] if undo else edit.ops
            found = conflicts(conn, ops)
            if found:
                raise ConflictError(self._conflict_message(row, undo, found[0]))
            changes = run_ops(conn, ops)
            conn.execute(_MARK_UNDONE, {"row_id": row.id, "undone": undo})
            verb = "Undo" if undo else "Redo"
            row_id = self._append_history(verb.lower(), f"{verb} {row.name}", changes, ref_id=row.id)
            conn.commit()
            self.last_commit = Commit(changes, False, f"{verb} {row.name}", row_id)
        except BaseException:
            conn.rollback()
            raise
        self._notify(changes)
        return row.name, changes

    def _conflict_message(self, row, undo: bool, conflict: Conflict) -> str:
        from previz.core.conflicts import describe

        return describe(self, row, undo, conflict)

    def who_changed(self, table: str, key: Any, after_id: int) -> HistoryInfo | None:
        """The newest feed row after ``after_id`` that changed row ``key`` of ``table`` (None if none is
        left in the feed)."""
        from previz.core.conflicts import who_changed

        return who_changed(self, table, key, after_id)

    def _next_id(self, table: str) -> int:
        new = database.next_ids(self.conn, table, 1)[0]
        # A sequence never goes back: an insert with this id (or a lower one) need not move it past it.
        self._ids_handed[table] = max(self._ids_handed.get(table, 0), new)
        return new
