"""Edits: every change to a project is an ``Edit`` — a name and a list of row operations — with ``apply``
and ``revert``, each returning the ``Changes`` it made.

Row operations are plain data (``insert``/``update``/``delete`` of one row, with the values needed to undo
them), so one piece of code applies every kind of edit, and an edit serialises to JSON for the project's
persistent undo history (``previz undo`` works across processes).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from functools import cached_property
from typing import Any

from sqlalchemy import Connection, Integer, Table, bindparam, literal, select, union_all

from previz.core.models import Base

TABLES: dict[str, Table] = dict(Base.metadata.tables)

#: Shot columns whose change moves something on the timeline (record times, picture or order).
TIMELINE_SHOT_FIELDS = frozenset(
    {
        "scene_id",
        "position",
        "duration_frames",
        "trim_in",
        "selected_take_id",
        "status",
        "transition",
        "transition_frames",
        "code",
    }
)


#: The fields of ``Changes`` that are not flags.
_NOT_FLAGS = frozenset({"shot_ids", "positions", "created", "job_ids"})


@dataclass(frozen=True)
class Changes:
    """What an edit changed, so views refresh only what they show.

    ``positions`` names, among ``shot_ids``, the shots whose only change was their place in their scene
    (the renumbering an add, split, delete or move makes of every later shot), with their new position:
    a view that holds such a shot can move it without reading it again (:attr:`content` names the
    others). ``created`` names, among ``shot_ids``, the shots the edit inserted: with ``takes`` unset such a
    shot has no take yet (an inspector showing a shot just added need not read its takes). ``job_ids`` names
    the jobs written when ``jobs`` is set, if known (empty: any job may have changed; a queue panel then
    reads them all). All three are hints: ``shot_ids`` still names every shot, and equality ignores them."""

    project: bool = False
    characters: bool = False
    scenes: bool = False
    shots: bool = False
    takes: bool = False
    timeline: bool = False
    notes: bool = False
    jobs: bool = False
    audio: bool = False
    shot_ids: frozenset[int] = field(default_factory=frozenset)
    positions: tuple[tuple[int, int], ...] = field(default=(), compare=False)
    created: frozenset[int] = field(default_factory=frozenset, compare=False)
    job_ids: frozenset[int] = field(default_factory=frozenset, compare=False)

    def __or__(self, other: Changes) -> Changes:
        return Changes.merge([self, other])

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    @cached_property
    def moved(self) -> dict[int, int]:
        """Shot id -> new position, for the shots whose position alone changed."""
        return dict(self.positions)

    @cached_property
    def content(self) -> Changes:
        """These changes less the position-only shots: the shots whose rows must be read again. The same
        object each time it is asked (a read cached per ``Changes`` is shared by every view)."""
        if not self.positions:
            return self
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "positions"}
        values["shot_ids"] = self.shot_ids - self.moved.keys()
        return Changes(**values)

    @classmethod
    def everything(cls) -> Changes:
        """Every flag set: refresh every view (what changed is not known)."""
        return cls(**{f.name: True for f in fields(cls) if f.name not in _NOT_FLAGS})

    def to_json(self) -> str:
        """The change-feed form: the flags that are set, the shot ids, the position-only moves and the jobs
        written."""
        data: dict[str, Any] = {
            f.name: True for f in fields(self) if f.name not in _NOT_FLAGS and getattr(self, f.name)
        }
        if self.shot_ids:
            data["shot_ids"] = sorted(self.shot_ids)
        if self.positions:
            data["positions"] = [list(p) for p in self.positions]
        if self.job_ids:
            data["job_ids"] = sorted(self.job_ids)
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Changes:
        data = json.loads(text or "{}")
        names = {f.name for f in fields(cls)} - _NOT_FLAGS
        flags = {k: bool(v) for k, v in data.items() if k in names}
        ids = frozenset(data.get("shot_ids", ()))
        positions = tuple((int(i), int(p)) for i, p in data.get("positions", ()) if i in ids)
        jobs = frozenset(data.get("job_ids", ())) if flags.get("jobs") else frozenset()
        return cls(**flags, shot_ids=ids, positions=positions, job_ids=jobs)

    @classmethod
    def merge(cls, many: list[Changes]) -> Changes:
        """All of ``many`` in one value, in time linear in their shot ids (``a | b | …`` copies the
        growing id set at every step: quadratic for an edit of 100,000 rows). A shot stays position-only
        when no change in ``many`` names it otherwise; its last position wins. The jobs written are known
        only when every change of jobs among ``many`` names its jobs."""
        flags = {f.name: False for f in fields(cls) if f.name not in _NOT_FLAGS}
        ids: set[int] = set()
        moved: dict[int, int] = {}
        content: set[int] = set()
        for c in many:
            for name, value in flags.items():
                flags[name] = value or getattr(c, name)
            ids.update(c.shot_ids)
            if c.positions:
                moved.update(c.positions)
                if len(c.positions) != len(c.shot_ids):
                    content.update(c.shot_ids - c.moved.keys())
            else:
                content.update(c.shot_ids)
        positions = tuple((i, p) for i, p in moved.items() if i not in content)
        created = frozenset().union(*(c.created for c in many))
        of_jobs = [c.job_ids for c in many if c.jobs]
        jobs = frozenset().union(*of_jobs) if all(of_jobs) else frozenset()
        return cls(**flags, shot_ids=frozenset(ids), positions=positions, created=created, job_ids=jobs)


_TABLE_FLAG = {
    "project": "project",
    "character": "characters",
    "scene": "scenes",
    "shot": "shots",
    "take": "takes",
    "note": "notes",
    "job": "jobs",
    "audio_clip": "audio",
}


@dataclass(frozen=True)
class Op:
    """One row operation. ``key`` is the primary key value; ``before``/``after`` the column values
    (the whole row for insert/delete, only the changed columns for update)."""

    kind: str  # "insert" | "update" | "delete"
    table: str
    key: Any
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None

    def inverse(self) -> Op:
        kind = {"insert": "delete", "delete": "insert", "update": "update"}[self.kind]
        return Op(kind, self.table, self.key, self.after, self.before)

    def to_json(self) -> list:
        return [self.kind, self.table, self.key, self.before, self.after]

    @classmethod
    def from_json(cls, data: list) -> Op:
        return cls(*data)

    def changes(self) -> Changes:
        """What this one op changed (``changes_of`` for many)."""
        return changes_of([self])


def _pk(table: Table):
    return list(table.primary_key.columns)[0]


def changes_of(ops: list[Op]) -> Changes:
    """What ``ops`` changed, in one pass: no ``Changes`` per op merged (an add in a 100-shot scene
    renumbers ~50 shots: building and merging 50 values was ~1.5 ms of every such edit). A shot whose
    only change is its position is *moved* (``positions``), not content, unless another op changed it."""
    flags: set[str] = set()
    ids: set[int] = set()
    moved: dict[int, int] = {}
    content: set[int] = set()
    created: set[int] = set()
    jobs: set[int] = set()
    for op in ops:
        table = op.table
        flags.add(_TABLE_FLAG[table])
        after = op.after
        if table == "shot":
            ids.add(op.key)
            if op.kind == "update" and after is not None and after.keys() == {"position"}:
                moved[op.key] = after["position"]
            else:
                content.add(op.key)
                if op.kind == "insert":
                    created.add(op.key)
            if op.kind != "update" or not TIMELINE_SHOT_FIELDS.isdisjoint(after or ()):
                flags.add("timeline")
        elif table == "scene":
            if op.kind != "update" or not {"position", "omitted"}.isdisjoint(after or ()):
                flags.add("timeline")
        elif table == "take":
            row = after or op.before or {}
            if "shot_id" in row:
                ids.add(row["shot_id"])
                content.add(row["shot_id"])
        elif table == "audio_clip":
            flags.add("timeline")
        elif table == "job":
            jobs.add(op.key)
    positions = tuple((i, p) for i, p in moved.items() if i not in content)
    return Changes(
        **dict.fromkeys(flags, True),
        shot_ids=frozenset(ids),
        positions=positions,
        created=frozenset(created),
        job_ids=frozenset(jobs),
    )


#: Statements run_ops executes, built once per table (building a statement costs several times what
#: executing a built one does; SQLAlchemy caches the compiled form of a built statement).
_UPDATE_BY_KEY: dict[str, Any] = {}
_DELETE_BY_KEY: dict[str, Any] = {}
_INSERT: dict[str, Any] = {}
_SHIFT: dict[tuple[str, str], Any] = {}


def _update_by_key(table: Table):
    stmt = _UPDATE_BY_KEY.get(table.name)
    if stmt is None:  # the columns set are the parameters' keys (other than the key)
        stmt = _UPDATE_BY_KEY[table.name] = table.update().where(_pk(table) == bindparam("_op_key"))
    return stmt


def _delete_by_key(table: Table):
    stmt = _DELETE_BY_KEY.get(table.name)
    if stmt is None:
        stmt = _DELETE_BY_KEY[table.name] = table.delete().where(_pk(table) == bindparam("_op_key"))
    return stmt


def _insert(table: Table):
    stmt = _INSERT.get(table.name)
    if stmt is None:
        stmt = _INSERT[table.name] = table.insert()
    return stmt


def _shift(table: Table, column: str):
    """``UPDATE table SET column = column + :_op_delta WHERE id IN (:_op_keys)``."""
    stmt = _SHIFT.get((table.name, column))
    if stmt is None:
        col = table.c[column]
        stmt = (
            table.update()
            .where(_pk(table).in_(bindparam("_op_keys", expanding=True)))
            .values({column: col + bindparam("_op_delta")})
        )
        _SHIFT[(table.name, column)] = stmt
    return stmt


#: A run of at least this many updates that move one integer column by the same amount (the renumbering
#: of every later shot an add or a delete makes) goes to the database as one UPDATE … WHERE id IN (…).
SHIFT_MIN = 4
#: Keys per such UPDATE (SQLite's limit on bound parameters is far above it).
SHIFT_CHUNK = 500


def _shift_delta(ops: list[Op]) -> tuple[str, int] | None:
    """(column, delta) when every op of ``ops`` (updates of one table) changes only ``position`` from its
    ``before`` by the same ``delta``; None otherwise."""
    first = ops[0]
    if first.after.keys() != {"position"} or (first.before or {}).keys() != {"position"}:
        return None
    try:
        delta = first.after["position"] - first.before["position"]
        for op in ops:
            if op.before.keys() != {"position"} or op.after["position"] - op.before["position"] != delta:
                return None
    except (TypeError, AttributeError):
        return None
    if len({op.key for op in ops}) != len(ops):  # a row moved twice: each op must run on its own
        return None
    return ("position", delta) if isinstance(delta, int) and delta else None


def run_ops(conn: Connection, ops: list[Op]) -> Changes:
    """Execute ``ops`` in order on ``conn`` (inside the caller's transaction). Every op's ``before`` is the
    row as it is (an edit builder read it in the same write transaction; an undo or a redo checks it first
    with :func:`conflicts`), so a run of updates moving ``position`` by one amount is one statement."""
    i = 0
    while i < len(ops):
        op = ops[i]
        table = TABLES[op.table]
        if op.kind == "insert":
            # Consecutive inserts into one table go to the database as one executemany.
            j = i
            while j < len(ops) and ops[j].kind == "insert" and ops[j].table == op.table:
                j += 1
            rows = [o.after for o in ops[i:j]]
            conn.execute(_insert(table), rows if len(rows) > 1 else rows[0])
            i = j
            continue
        if op.kind == "update":
            # Consecutive updates of the same columns of one table go as one statement or one executemany.
            j = i + 1
            cols = op.after.keys()
            while j < len(ops) and ops[j].kind == "update" and ops[j].table == op.table:
                if ops[j].after.keys() != cols:
                    break
                j += 1
            run = ops[i:j]
            shift = _shift_delta(run) if len(run) >= SHIFT_MIN else None
            if shift is not None:
                column, delta = shift
                keys = [o.key for o in run]
                for k in range(0, len(keys), SHIFT_CHUNK):
                    chunk = keys[k : k + SHIFT_CHUNK]
                    conn.execute(_shift(table, column), {"_op_keys": chunk, "_op_delta": delta})
            elif len(run) == 1:
                conn.execute(_update_by_key(table), {**op.after, "_op_key": op.key})
            else:
                conn.execute(_update_by_key(table), [{**o.after, "_op_key": o.key} for o in run])
            i = j
            continue
        if op.kind == "delete":
            conn.execute(_delete_by_key(table), {"_op_key": op.key})
        else:  # pragma: no cover - guarded by construction
            raise ValueError(op.kind)
        i += 1
    return changes_of(ops)


@dataclass(frozen=True)
class Conflict:
    """Why ``ops`` cannot run on the rows as they are now: a row ``changed`` since (``field`` first found
    different), is ``missing``, ``exists`` already, or has ``dependents`` (rows of table ``field``, ids
    ``ids``) that its deletion would cascade to although the ops do not name them."""

    table: str
    key: Any
    reason: str  # "changed" | "missing" | "exists" | "dependents"
    field: str | None = None
    ids: tuple[int, ...] = ()
    #: For dependents: what the delete would do to them, "delete" or "detach".
    effect: str = ""


def _cascades() -> dict[str, list[tuple[Table, Any, str]]]:
    """For each table: the (child table, foreign-key column) pairs a delete reaches: rows it deletes with
    it (CASCADE) or detaches (SET NULL: a job queued for a shot)."""
    out: dict[str, list[tuple[Table, Any, str]]] = {}
    for child in TABLES.values():
        for fk in child.foreign_keys:
            rule = (fk.ondelete or "").upper()
            if rule in ("CASCADE", "SET NULL"):
                effect = "delete" if rule == "CASCADE" else "detach"
                out.setdefault(fk.column.table.name, []).append((child, fk.parent, effect))
    return out


_CASCADES = _cascades()


_DEPENDENTS: dict[str, Any] = {}
_ROWS: dict[str, Any] = {}


def _dependents_query(table: str) -> Any:
    """(n, id) of every row that refers to row ``:key`` of ``table`` through its ``n``-th cascade
    (``_CASCADES[table][n]``), ids ascending within each: one query for all of a delete's cascades (one
    round trip to a server instead of one per child table), built once per table."""
    query = _DEPENDENTS.get(table)
    if query is None:
        key = bindparam("key")
        parts = [
            select(literal(n, Integer).label("which"), _pk(child).label("id")).where(column == key)
            for n, (child, column, _effect) in enumerate(_CASCADES[table])
        ]
        union = union_all(*parts).subquery()
        query = _DEPENDENTS[table] = select(union.c.which, union.c.id).order_by(union.c.which, union.c.id)
    return query


def _rows_query(table: Table) -> Any:
    """The rows of ``table`` whose key is in ``:keys``, built once per table."""
    query = _ROWS.get(table.name)
    if query is None:
        query = _ROWS[table.name] = select(table).where(_pk(table).in_(bindparam("keys", expanding=True)))
    return query


def conflicts(conn: Connection, ops: list[Op]) -> list[Conflict]:
    """Check, before running ``ops``, that every row they touch is as they expect it: an update's or a
    delete's ``before`` values are the row's values now, an insert's key is free, and a delete would take
    or detach no row that the ops do not name (a take made, or a job queued, since the shot was added).
    Dependents come first: they are what a user most needs to hear about."""
    first: dict[tuple[str, Any], Op] = {}
    for op in ops:
        first.setdefault((op.table, op.key), op)
    deleted = {(op.table, op.key) for op in ops if op.kind == "delete"}
    # rows the ops move to another parent before the delete (a split's notes going back on undo)
    moved = {(op.table, op.key, col) for op in ops if op.kind == "update" for col in op.after or ()}
    found: list[Conflict] = []
    for op in first.values():
        if op.kind != "delete":
            continue
        cascades = _CASCADES.get(op.table, ())
        if not cascades:
            continue
        by_cascade: dict[int, list[int]] = {}
        for which, i in conn.execute(_dependents_query(op.table), {"key": op.key}):
            by_cascade.setdefault(which, []).append(i)
        for which, (child, column, effect) in enumerate(cascades):
            ids = by_cascade.get(which, ())
            lost = tuple(
                i for i in ids if (child.name, i) not in deleted and (child.name, i, column.name) not in moved
            )
            if lost:
                found.append(Conflict(op.table, op.key, "dependents", child.name, lost, effect))
    by_table: dict[str, list[Op]] = {}
    for op in first.values():
        by_table.setdefault(op.table, []).append(op)
    for name, table_ops in by_table.items():
        table = TABLES[name]
        pk = _pk(table)
        current: dict[Any, dict[str, Any]] = {}
        keys = [op.key for op in table_ops]
        for i in range(0, len(keys), 500):
            for row in conn.execute(_rows_query(table), {"keys": keys[i : i + 500]}):
                current[row._mapping[pk.name]] = dict(row._mapping)
        for op in table_ops:
            row = current.get(op.key)
            if op.kind == "insert":
                if row is not None:
                    found.append(Conflict(name, op.key, "exists"))
                continue
            if row is None:
                found.append(Conflict(name, op.key, "missing"))
                continue
            changed = next((col for col, value in (op.before or {}).items() if row.get(col) != value), None)
            if changed is not None:
                found.append(Conflict(name, op.key, "changed", changed))
    return found


@dataclass
class Edit:
    """A named, undoable change: ``apply`` runs its ops, ``revert`` runs their inverses backwards."""

    name: str
    ops: list[Op] = field(default_factory=list)

    def apply(self, conn: Connection) -> Changes:
        return run_ops(conn, self.ops)

    def revert(self, conn: Connection) -> Changes:
        return run_ops(conn, [op.inverse() for op in reversed(self.ops)])

    def ops_json(self) -> str:
        return json.dumps([op.to_json() for op in self.ops], separators=(",", ":"))

    @classmethod
    def from_json(cls, name: str, data: str) -> Edit:
        return cls(name, [Op.from_json(item) for item in json.loads(data)])
