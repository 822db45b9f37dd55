"""``previz doctor``: check a bundle and, when its database is damaged, salvage what is readable into a
recovery copy beside it. The original ``project.sqlite`` is only ever opened read-only.

Checks: SQLite's ``integrity_check`` and ``foreign_key_check``; media files no row refers to, media rows
whose file is missing; temporary files that killed processes left behind.

Recovery is done here in Python, not with the ``sqlite3`` shell's ``.recover``: the shell is not part of
Python nor of the desktop bundle, so it cannot be relied on. The copy gets the newest schema (made by the
same migrations as a new project), then every table is read in rowid order; where a damaged page stops a
read, the reader seeks past it (rowid ranges doubling in width) and carries on, so one bad page costs the
rows on that page, not the table. Rows the schema refuses (a NOT NULL or UNIQUE broken by the damage) are
counted and left out.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy.exc import DBAPIError

from previz.core import bundle, partials, schema
from previz.core.edits import TABLES
from previz.core.errors import ProjectError
from previz.core.gc import referenced_hashes
from previz.core.mediastore import MediaStore

_CHUNK = 500
_MAX_ROWID = 1 << 62
#: Show at most this many integrity messages.
_MESSAGES = 20


@dataclass(frozen=True)
class TableRecovery:
    table: str
    rows: int
    #: Rowid ranges (first, last) that could not be read because of damaged pages.
    unreadable: list[tuple[int, int]] = field(default_factory=list)
    #: Rows read but refused by the schema (a broken NOT NULL, UNIQUE or CHECK).
    refused: int = 0
    #: Why nothing at all could be read, when that is the case.
    error: str | None = None


@dataclass(frozen=True)
class Recovery:
    path: str
    tables: list[TableRecovery]
    integrity: list[str]
    foreign_keys: list[str]


@dataclass
class DoctorReport:
    project: str
    integrity: list[str] = field(default_factory=list)
    foreign_keys: list[str] = field(default_factory=list)
    recovery: Recovery | None = None
    recovery_error: str | None = None
    orphaned_media: list[str] = field(default_factory=list)
    missing_media: list[str] = field(default_factory=list)
    stale_temp_files: list[str] = field(default_factory=list)
    live_temp_files: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def database_ok(self) -> bool:
        return self.integrity == ["ok"] and not self.foreign_keys

    @property
    def problems(self) -> int:
        return (
            (not self.database_ok)
            + len(self.orphaned_media)
            + len(self.missing_media)
            + len(self.stale_temp_files)
            + (len(self.skipped) if self.database_ok else 0)  # else the damage is why they were skipped
        )

    def to_dict(self) -> dict:
        out = asdict(self)
        out["database_ok"] = self.database_ok
        out["problems"] = self.problems
        return out

    def lines(self) -> list[str]:
        out = [self.project]
        if self.database_ok:
            out.append("  database: ok (integrity_check, foreign_key_check)")
        else:
            damaged = self.integrity != ["ok"]
            out.append(
                "  database: "
                + (f"damaged ({len(self.integrity)} integrity problems)" if damaged else "intact")
                + (f", {len(self.foreign_keys)} rows refer to missing rows" if self.foreign_keys else "")
            )
            shown = [m for m in self.integrity if m != "ok"] + self.foreign_keys
            out += [f"    {m}" for m in shown[:_MESSAGES]]
            if len(shown) > _MESSAGES:
                out.append(f"    … and {len(shown) - _MESSAGES} more")
        if self.recovery is not None:
            rec = self.recovery
            out.append(f"  recovery copy: {rec.path}")
            for t in rec.tables:
                detail = f"{t.rows} rows"
                if t.error:
                    detail += f", unreadable ({t.error})"
                if t.unreadable:
                    ranges = ", ".join(f"{a}-{b}" for a, b in t.unreadable[:5])
                    detail += f", rowids {ranges} lost to damaged pages"
                if t.refused:
                    detail += f", {t.refused} refused by the schema"
                out.append(f"    {t.table}: {detail}")
            state = "ok" if rec.integrity == ["ok"] else "; ".join(rec.integrity[:3])
            out.append(
                f"    the copy's integrity_check: {state}; {len(rec.foreign_keys)} rows refer to lost rows"
            )
            out.append(
                "    to use it: close Previz, move project.sqlite out of the bundle, rename the copy to "
                "project.sqlite, then open the project and check it"
            )
        if self.recovery_error:
            out.append(f"  recovery copy: not written ({self.recovery_error})")
        for label, items, hint in (
            ("orphaned media (no row refers to them)", self.orphaned_media, "remove them with `previz gc`"),
            ("missing media (rows whose file is gone)", self.missing_media, "restore them from a backup"),
            (
                "temporary files left by processes that died",
                self.stale_temp_files,
                "`previz gc` removes them",
            ),
            ("temporary files of running processes", self.live_temp_files, "left alone"),
        ):
            if items:
                out.append(f"  {label}: {len(items)}; {hint}")
                out += [f"    {i}" for i in items[:10]]
                if len(items) > 10:
                    out.append(f"    … and {len(items) - 10} more")
        out += [f"  skipped: {s}" for s in self.skipped]
        out.append("no problems found" if not self.problems else f"problems found: {self.problems}")
        return out


def examine(path: str | Path, *, recover: bool = True) -> DoctorReport:
    """Check the bundle at ``path``; when its database is damaged and ``recover``, write a recovery copy."""
    paths = bundle.resolve_existing(path, header=False)
    report = DoctorReport(str(paths.root))
    with open(paths.db, "rb") as fh:
        header_ok = fh.read(len(bundle.SQLITE_MAGIC)) == bundle.SQLITE_MAGIC
    with tempfile.TemporaryDirectory(prefix="previz-doctor-") as scratch:
        if header_ok:
            src = sqlite3.connect(bundle.readonly_uri(paths), uri=True)
        else:
            src = _with_header(paths.db, Path(scratch) / bundle.DB_NAME)
        header = [] if header_ok else ["the file's header is not a SQLite header"]
        _examine_database(src, paths, report, header, recover=recover)
    _check_media(paths, report)
    _check_temp_files(paths, report)
    return report


_PAGE_SIZES = (4096, 1024, 2048, 8192, 16384, 32768, 65536)


def _with_header(db: Path, copy: Path) -> sqlite3.Connection:
    """A read-only connection to a copy of ``db`` whose overwritten header is written again: the magic
    string, then the page size that makes the schema readable and the fixed fields (rollback journal mode,
    so the copy needs no -wal). The rest of the file stays as damaged as it is."""
    shutil.copyfile(db, copy)
    for size in _PAGE_SIZES:
        fields = (1 if size == 65536 else size).to_bytes(2, "big") + bytes([1, 1, 0, 64, 32, 32])
        with open(copy, "r+b") as fh:
            fh.write(bundle.SQLITE_MAGIC + fields)
        con = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
        try:
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return con
        except sqlite3.DatabaseError:
            con.close()
    return sqlite3.connect(f"file:{copy}?mode=ro", uri=True)


def _examine_database(
    src: sqlite3.Connection,
    paths: bundle.BundlePaths,
    report: DoctorReport,
    header: list[str],
    *,
    recover: bool,
) -> None:
    try:
        report.integrity, report.foreign_keys = check(src)
        if report.integrity == ["ok"] and not _has_table(src, "alembic_version"):
            raise ProjectError(f"{paths.db}: not a Previz project (it has no schema version)")
        if header:
            report.integrity = header + [m for m in report.integrity if m != "ok"]
        if report.integrity != ["ok"] and recover:
            try:
                report.recovery = salvage(src, recovery_path(paths))
            except ProjectError as exc:
                report.recovery_error = exc.one_line()
    finally:
        src.close()


def check(con: sqlite3.Connection) -> tuple[list[str], list[str]]:
    """(integrity_check messages, ``["ok"]`` when intact; foreign_key_check findings)."""
    try:
        integrity = [r[0] for r in con.execute("PRAGMA integrity_check(100)").fetchall()]
    except sqlite3.DatabaseError as exc:
        integrity = [f"integrity_check could not run: {exc}"]
    integrity = integrity or ["ok"]
    try:
        rows = con.execute("PRAGMA foreign_key_check").fetchall()
        fks = [f"{table} row {rowid} refers to a missing {parent} row" for table, rowid, parent, _ in rows]
    except sqlite3.DatabaseError as exc:
        fks = []
        if integrity == ["ok"]:
            integrity = []
        integrity.append(f"foreign_key_check could not run: {exc}")
    return integrity, fks


def _has_table(con: sqlite3.Connection, name: str) -> bool:
    query = "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?"
    return con.execute(query, (name,)).fetchone() is not None


def recovery_path(paths: bundle.BundlePaths) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    target = paths.root / f"project.recovered-{stamp}.sqlite"
    n = 1
    while target.exists():
        n += 1
        target = paths.root / f"project.recovered-{stamp}-{n}.sqlite"
    return target


def salvage(src: sqlite3.Connection, target: Path) -> Recovery:
    """Copy every readable row of ``src`` into a new database at ``target`` with the newest schema."""
    if not bundle.writable_folder(bundle.BundlePaths(target.parent)):
        raise bundle.read_only(target.parent, "the recovery copy goes beside project.sqlite")
    try:
        engine = create_engine(f"sqlite:///{target}")
        try:
            with engine.connect() as conn:
                schema.upgrade(conn)
                conn.commit()
        finally:
            engine.dispose()
        dst = sqlite3.connect(target)
    except (OSError, DBAPIError) as exc:
        target.unlink(missing_ok=True)
        raise _write_error(target, exc) from None
    try:
        dst.execute("PRAGMA foreign_keys=OFF")
        tables = [
            r[0]
            for r in dst.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
                "AND name != 'alembic_version' ORDER BY name"
            )
        ]
        results = [_copy_table(src, dst, t) for t in tables]
        dst.commit()
        integrity, fks = check(dst)
    finally:
        dst.close()
    if not any(t.rows for t in results):
        target.unlink(missing_ok=True)
        reason = next((t.error for t in results if t.error), "no rows")
        raise ProjectError(
            f"nothing in {target.parent / bundle.DB_NAME} could be read ({reason}); restore from a backup"
        )
    return Recovery(str(target), results, integrity, fks)


def _write_error(target: Path, exc: BaseException) -> ProjectError:
    cause = getattr(exc, "orig", None) or exc
    mapped = None
    if isinstance(cause, OSError):
        mapped = bundle.os_error(target.parent, cause)
    elif isinstance(cause, sqlite3.Error):
        mapped = bundle.database_error(cause, bundle.BundlePaths(target.parent))
    return mapped or ProjectError(f"{target}: the recovery copy could not be written ({cause})")


def _columns(con: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in con.execute(f'PRAGMA table_info("{table}")')]


def _copy_table(src: sqlite3.Connection, dst: sqlite3.Connection, table: str) -> TableRecovery:
    wanted = _columns(dst, table)
    try:
        have = set(_columns(src, table))
    except sqlite3.DatabaseError as exc:
        return TableRecovery(table, 0, error=str(exc))
    cols = [c for c in wanted if c in have]
    if not cols:
        return TableRecovery(table, 0, error="not in the damaged database")
    names = ", ".join(f'"{c}"' for c in cols)
    read = f'SELECT rowid, {names} FROM "{table}" WHERE rowid >= ? ORDER BY rowid LIMIT ?'
    insert = f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" * len(cols))})'
    copied = refused = 0
    unreadable: list[tuple[int, int]] = []
    start = -_MAX_ROWID  # the next rowid to read
    limit = _CHUNK
    while True:
        try:
            rows = src.execute(read, (start, limit)).fetchall()
        except sqlite3.DatabaseError as exc:
            if limit > 1:  # find the exact row where reading stops
                limit = 1
                continue
            resumed = _skip_damage(src, table, start)
            if resumed is None:
                if copied == 0 and not unreadable:
                    return TableRecovery(table, 0, error=str(exc))
                unreadable.append((start, _MAX_ROWID))
                break
            unreadable.append((start, resumed - 1))
            start = resumed
            continue
        if not rows:
            break
        for row in rows:
            try:
                dst.execute(insert, row[1:])
                copied += 1
            except sqlite3.IntegrityError:
                refused += 1
        start = rows[-1][0] + 1
        limit = _CHUNK
    return TableRecovery(table, copied, unreadable, refused)


def _skip_damage(src: sqlite3.Connection, table: str, start: int) -> int | None:
    """The first readable rowid beyond the damaged stretch that begins at ``start``, or None: seek ever
    further (1, 2, 4 … rowids on) until a seek works, then halve back to the nearest start that works.
    Seeks are ``rowid >= N``: a seek for ``> N`` descends to the page holding N, which may be the bad one."""
    query = f'SELECT rowid FROM "{table}" WHERE rowid >= ? ORDER BY rowid LIMIT 1'

    def first_after(offset: int) -> tuple[bool, int | None]:
        try:
            row = src.execute(query, (start + offset,)).fetchone()
        except sqlite3.DatabaseError:
            return False, None
        return True, None if row is None else row[0]

    step = 1
    while True:
        if start + step >= _MAX_ROWID:
            return None
        works, found = first_after(step)
        if works:
            break
        step *= 2
    low, high = step // 2, step  # a seek from `low` failed (or is the start), from `high` works
    while high - low > 1:
        mid = (low + high) // 2
        works, at = first_after(mid)
        if works:
            high, found = mid, at
        else:
            low = mid
    return found


def _check_media(paths: bundle.BundlePaths, report: DoctorReport) -> None:
    if report.integrity != ["ok"]:
        report.skipped.append("media check: the database is damaged (check the recovery copy's media)")
        return
    store = MediaStore(paths.media)
    engine = bundle.make_engine(paths, readonly=True)
    try:
        with engine.connect() as conn:
            refs = referenced_hashes(conn)
            media = TABLES["media"]
            rows = conn.execute(select(media.c.hash, media.c.ext)).all()
    except ProjectError as exc:
        report.skipped.append(f"media check: {exc.one_line()}")
        return
    except DBAPIError as exc:  # tables missing: a database Previz did not make
        report.skipped.append(f"media check: {exc.orig}")
        return
    finally:
        engine.dispose()
    known = refs | {r.hash for r in rows}
    on_disk = store.all_files()
    report.orphaned_media = sorted(str(p) for digest, p in on_disk if digest not in known)
    expected = [store.path(r.hash, r.ext) for r in rows]
    report.missing_media = sorted(str(p) for p in expected if not p.exists())


def _check_temp_files(paths: bundle.BundlePaths, report: DoctorReport) -> None:
    store = MediaStore(paths.media)
    stale = set(store.stale_tmp()) | set(partials.stale(paths.root))
    found = list(stale)
    if store.tmp.is_dir():
        for f in store.tmp.iterdir():
            if f in stale:
                continue
            pid = partials.owner_pid(f.name, partials.MEDIA_TEMP)
            if pid is None:
                stale.add(f)  # a name without a pid: made before names carried one, nobody is writing it
            found.append(f)
    report.stale_temp_files = sorted(str(p) for p in stale)
    report.live_temp_files = sorted(str(p) for p in found if p not in stale)
