"""``previz project copy SRC DST``: a project copied between its two homes — a bundle folder and a PostgreSQL
database with a media root — with every row (history and undo steps included, same ids) and every media
file, then checked row by row against the source.

The source is opened read-only and read in one snapshot (a SQLite read transaction; PostgreSQL's
``REPEATABLE READ``), so writers may carry on while it is copied and the copy is one consistent moment of it.
The destination gets its schema from the Alembic migrations and all rows in one transaction that commits
only after the check passed: a bundle is built in a hidden sibling folder and renamed into place at the
end; a PostgreSQL database is rolled back and the media root made for it removed. A failure leaves no
half-made project.

Ids keep their values, and each table's id high-water mark (SQLite's ``sqlite_sequence``, PostgreSQL's id
sequences) is carried over too: a redo re-inserts the id its undo removed, so no new row may take it.
"""

from __future__ import annotations

import math
import shutil
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Integer, Table, func, inspect, select

from previz.core import bundle, database, media_root, schema
from previz.core.edits import TABLES
from previz.core.errors import ProjectError, ValidationError
from previz.core.jobs import ProgressFn, no_progress
from previz.core.mediastore import MediaStore
from previz.core.models import Base

#: Rows inserted (and compared) per round trip.
CHUNK = 1000
#: Every table in an order that inserts rows after the rows they refer to.
ORDER = [t.name for t in Base.metadata.sorted_tables]


class CopyCheckError(ProjectError):
    """The copy differs from its source (names the table, the row's key and the column); nothing was kept."""


@dataclass
class CopyReport:
    source: str
    destination: str
    revision: str
    rows: dict[str, int] = field(default_factory=dict)
    media_files: int = 0
    media_bytes: int = 0
    seconds: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    def to_dict(self) -> dict[str, Any]:
        return dict(asdict(self), total_rows=self.total_rows)


def copy_project(
    src: str | Path, dst: str | Path, *, media: str | Path | None = None, progress: ProgressFn = no_progress
) -> CopyReport:
    """Copy the project at ``src`` (a bundle or a PostgreSQL URL) to ``dst``: a bundle path that does not
    exist yet, or an empty PostgreSQL database with ``media`` its new media root. ``src`` is never
    changed. Returns what was copied; raises a ProjectError (a MediaError for a damaged source file) and
    leaves no destination behind when anything fails."""
    from previz.core.session import ProjectSession

    started = time.perf_counter()
    to_server = database.is_server_url(dst)
    if to_server and media is None:
        raise ValidationError(
            "media",
            f"{database.display_url(dst)}: a PostgreSQL project needs a media root every machine mounts "
            "(--media DIR)",
        )
    if not to_server and media is not None:
        raise ValidationError("media", "a bundle keeps its media inside itself; --media is for PostgreSQL")
    source = ProjectSession.open(src, readonly=True)
    try:
        _begin_snapshot(source.conn)
        if to_server:
            report = _to_server(source, str(dst), Path(media), progress)
        else:
            report = _to_bundle(source, dst, progress)
    finally:
        source.close()
    report.seconds = time.perf_counter() - started
    return report


def _begin_snapshot(conn: Connection) -> None:
    """Read everything that follows in one snapshot of the source (the session's connection is idle)."""
    if conn.in_transaction():
        conn.commit()
    if conn.dialect.name == "postgresql":
        conn.execution_options(isolation_level="REPEATABLE READ")


# ---------------------------------------------------------------------------- destinations


def _to_bundle(source, dst: str | Path, progress: ProgressFn) -> CopyReport:
    paths = bundle.resolve_new(dst)
    return bundle.build(
        paths,
        lambda conn, building: _fill(source, conn, MediaStore(building.media), "", str(paths.root), progress),
    )


def _to_server(source, url: str, media: Path, progress: ProgressFn) -> CopyReport:
    shown = database.display_url(url)
    root = media.expanduser()
    existed = root.exists()
    prepared = False
    engine = database.server_engine(url)
    try:
        with engine.connect() as conn, database.migration_lock(conn):
            try:
                _refuse_tables(conn, shown)
                uuid = source.conn.execute(select(TABLES["project"].c.uuid)).scalar_one()
                paths = media_root.prepare(root, uuid, shown)
                prepared = True
                schema.upgrade(conn)
                report = _fill(source, conn, MediaStore(paths.media), str(paths.root), shown, progress)
                conn.commit()
            except BaseException:
                conn.rollback()
                raise
    except BaseException:
        if prepared:
            _unprepare(root, existed)
        raise
    finally:
        engine.dispose()
    return report


def _refuse_tables(conn: Connection, shown: str) -> None:
    tables = inspect(conn).get_table_names()
    if tables:
        what = "a Previz project" if "project" in tables else f"{len(tables)} tables of something else"
        raise ProjectError(
            f"{shown}: the database already holds {what}; nothing was copied or changed; copy into an "
            "empty database"
        )


def _unprepare(root: Path, existed: bool) -> None:
    """Remove the media root this copy made (or, when it was an empty folder before, what it put in it)."""
    if not existed:
        shutil.rmtree(root, ignore_errors=True)
        return
    for entry in list(root.iterdir()):
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


# ---------------------------------------------------------------------------- rows and media


def _fill(
    source, conn: Connection, store: MediaStore, root_value: str, shown: str, progress: ProgressFn
) -> CopyReport:
    """Copy rows, id marks and media from ``source`` into ``conn`` (schema at head, transaction open; the
    caller commits), then check the copy. ``root_value`` is the project row's ``media_root`` here."""
    src = source.conn
    revision = schema.current_revision(src) or ""
    if schema.current_revision(conn) != revision:
        raise ProjectError(
            f"{shown}: the migrations made schema {schema.current_revision(conn)}, the source is at "
            f"{revision}; open the source for writing once to migrate it, then copy again"
        )
    _refuse_unknown_tables(src, source.location)
    counts = {
        name: src.execute(select(func.count()).select_from(TABLES[name])).scalar_one() for name in ORDER
    }
    m = TABLES["media"]
    files = src.execute(select(m.c.hash, m.c.ext).order_by(m.c.hash)).all()
    total = 2 * (sum(counts.values()) + len(files))
    done = 0
    for name in ORDER:
        table = TABLES[name]
        for chunk in _chunks(_ordered_rows(src, table)):
            rows = [dict(r._mapping) for r in chunk]
            if name == "project":
                rows = [dict(r, media_root=root_value) for r in rows]
            conn.execute(table.insert(), rows)
            done += len(rows)
            progress(done, total, f"copying {name} rows")
    database.set_id_marks(conn, database.id_marks(src))
    size = 0
    for i, (digest, ext) in enumerate(files, 1):
        size += store.copy_from(source.media, digest, ext).stat().st_size
        done += 1
        progress(done, total, f"copying media {i}/{len(files)}")

    def checked(table: str, n: int) -> None:
        nonlocal done
        done += n
        progress(done, total, f"checking {table} rows")

    rows = compare_projects(src, conn, media_root=root_value, on_rows=checked)
    for i, (digest, ext) in enumerate(files, 1):
        store.verify(digest, ext)
        done += 1
        progress(done, total, f"checking media {i}/{len(files)}")
    return CopyReport(source.location, shown, revision, rows, len(files), size)


def _refuse_unknown_tables(conn: Connection, shown: str) -> None:
    unknown = set(inspect(conn).get_table_names()) - set(ORDER) - {"alembic_version"}
    if unknown:
        raise ProjectError(
            f"{shown}: holds tables this version of Previz does not know ({', '.join(sorted(unknown))}); "
            "copy it with the Previz that made them"
        )


def _int_key(table: Table) -> bool:
    return all(isinstance(c.type, Integer) for c in table.primary_key.columns)


def _ordered_rows(conn: Connection, table: Table) -> Iterable:
    """Every row of ``table`` in primary-key order: streamed for integer keys; text keys (media hashes)
    sorted here, since the two databases' collations may order text differently."""
    key = list(table.primary_key.columns)
    if _int_key(table):
        return conn.execute(select(table).order_by(*key).execution_options(yield_per=CHUNK))
    rows = conn.execute(select(table)).all()
    return sorted(rows, key=lambda r: tuple(r._mapping[c.name] for c in key))


def _chunks(rows: Iterable) -> Iterator[list]:
    chunk: list = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# ---------------------------------------------------------------------------- the check


def compare_projects(
    src: Connection, dst: Connection, *, media_root: str | None = None, on_rows=None
) -> dict[str, int]:
    """Compare every row of every table of two projects, in primary-key order, value by value (JSON as
    parsed values, booleans as booleans, floats exactly); the schema revision, and that ``dst``'s id
    high-water marks are at least ``src``'s. ``media_root``: the value ``dst``'s project row must have
    (None: the same as ``src``'s). Returns rows per table; CopyCheckError names the first difference."""
    src_rev, dst_rev = schema.current_revision(src), schema.current_revision(dst)
    if src_rev != dst_rev:
        raise CopyCheckError(
            f"copy check failed: schema revision {dst_rev} in the copy, {src_rev} in the source"
        )
    counts: dict[str, int] = {}
    for name in ORDER:
        table = TABLES[name]
        override = {"media_root": media_root} if name == "project" and media_root is not None else {}
        counts[name] = _compare_table(table, _ordered_rows(src, table), _ordered_rows(dst, table), override)
        if on_rows is not None:
            on_rows(name, counts[name])
    src_marks, dst_marks = database.id_marks(src), database.id_marks(dst)
    for name, mark in src_marks.items():
        if dst_marks.get(name, 0) < mark:
            raise CopyCheckError(
                f"copy check failed: table {name}: ids up to {mark} were handed out in the source, only "
                f"up to {dst_marks.get(name, 0)} in the copy (a redo could collide with a new row)"
            )
    return counts


def _compare_table(table: Table, src_rows: Iterable, dst_rows: Iterable, override: dict[str, Any]) -> int:
    """Walk both key-ordered row streams together; the number of rows, or CopyCheckError at the first
    difference. ``override``: values the copy's rows must have in place of the source's."""
    key_cols = [c.name for c in table.primary_key.columns]
    where = f"copy check failed: table {table.name}, row"
    n = 0
    a_rows, b_rows = iter(src_rows), iter(dst_rows)
    while True:
        a, b = next(a_rows, None), next(b_rows, None)
        if a is None and b is None:
            return n
        a_map = None if a is None else dict(a._mapping, **override)
        b_map = None if b is None else dict(b._mapping)
        a_key = None if a_map is None else tuple(a_map[c] for c in key_cols)
        b_key = None if b_map is None else tuple(b_map[c] for c in key_cols)
        if a_key != b_key:
            if b_key is None or (a_key is not None and a_key < b_key):
                raise CopyCheckError(f"{where} {_key_text(key_cols, a_key)}: missing from the copy")
            raise CopyCheckError(f"{where} {_key_text(key_cols, b_key)}: in the copy only")
        for column in table.c.keys():
            if not same_value(a_map[column], b_map[column]):
                raise CopyCheckError(
                    f"{where} {_key_text(key_cols, a_key)}, column {column}: {_short(b_map[column])} in the "
                    f"copy, {_short(a_map[column])} in the source"
                )
        n += 1


def same_value(a: Any, b: Any) -> bool:
    """Whether two column values are the same: booleans only equal booleans, numbers compare exactly (a
    NaN equals a NaN), JSON documents compare as parsed values (key order aside), anything else by type
    and value."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
            return True
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def _key_text(columns: list[str], key: tuple | None) -> str:
    return ", ".join(f"{c}={v!r}" for c, v in zip(columns, key or ()))


def _short(value: Any, limit: int = 80) -> str:
    shown = repr(value)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"
