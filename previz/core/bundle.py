"""The project bundle ``NAME.previz/``: ``project.sqlite`` (WAL, foreign keys on), ``media/``, ``cache/``,
and ``project.lock``.

Any number of processes write a bundle at once: each edit is one short IMMEDIATE transaction (SQLite's
one writer at a time, others wait up to the busy timeout). ``project.lock`` is an advisory ``flock`` every
writer holds shared; schema migrations and ``previz gc`` hold it exclusively. The OS releases it when its
holder dies, so a killed process never leaves the project locked.

Every engine made here turns SQLite's errors about the file itself (damaged pages, a read-only file or
folder, a full disk) into a one-line ``ProjectError`` wherever a query raises them (``database_error``), so
no command has to catch them one by one. A bundle in a folder this process cannot write is read through
SQLite's ``immutable=1``: WAL mode would otherwise need to create ``project.sqlite-shm`` beside it.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Connection, Engine, create_engine, event

from previz.core.errors import (
    DiskFullError,
    ProjectDamagedError,
    ProjectError,
    ProjectLockedError,
    ProjectReadOnlyError,
)

T = TypeVar("T")

DB_NAME = "project.sqlite"
LOCK_NAME = "project.lock"
SUFFIX = ".previz"


@dataclass(frozen=True)
class BundlePaths:
    root: Path

    @property
    def db(self) -> Path:
        return self.root / DB_NAME

    @property
    def media(self) -> Path:
        return self.root / "media"

    @property
    def cache(self) -> Path:
        return self.root / "cache"

    @property
    def lock(self) -> Path:
        return self.root / LOCK_NAME

    @property
    def wal(self) -> Path:
        return self.root / f"{DB_NAME}-wal"


#: Below this many free bytes, SQLite's vague "disk I/O error" is reported as a full disk.
LOW_SPACE = 1 << 20


def free_bytes(folder: Path) -> int | None:
    """Free bytes for unprivileged writes on the file system holding ``folder`` (or its nearest parent)."""
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent
    try:
        st = os.statvfs(folder)
    except (OSError, AttributeError):  # AttributeError: Windows
        return None
    return st.f_bavail * st.f_frsize


def damaged(db: Path, reason: str) -> ProjectDamagedError:
    return ProjectDamagedError(
        f"{db} is damaged: {reason}; restore from a backup; `previz doctor {db.parent}` can try to recover "
        "what is readable"
    )


def read_only(folder: Path, reason: str) -> ProjectReadOnlyError:
    return ProjectReadOnlyError(
        f"read-only: {folder} cannot be written ({reason}); commands that only read still work; copy the "
        "project somewhere you can write, or ask for write access"
    )


def disk_full(path: Path, reason: str) -> DiskFullError:
    return DiskFullError(
        f"{path}: the disk is full ({reason}); nothing was saved; free some space, then try again"
    )


def os_error(path: Path, exc: OSError) -> ProjectError | None:
    """The ProjectError for an OS error writing inside a bundle: read-only or disk full; None otherwise."""
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return read_only(path, reason)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return disk_full(path, reason)
    return None


def database_error(exc: BaseException, paths: BundlePaths) -> ProjectError | None:
    """The one-line ProjectError for a SQLite error about the database file itself, or None for any other
    error (a constraint, a programming error), which stays what it is."""
    if not isinstance(exc, sqlite3.DatabaseError):
        return None
    name = getattr(exc, "sqlite_errorname", "") or ""
    message = str(exc)
    lower = message.lower()
    if name.startswith("SQLITE_FULL") or "database or disk is full" in lower:
        return disk_full(paths.db, message)
    if name.startswith("SQLITE_READONLY") or "readonly database" in lower:
        return read_only(paths.root, message)
    if (
        name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB"))
        or "malformed" in lower
        or "not a database" in lower
    ):
        return damaged(paths.db, message)
    if name.startswith("SQLITE_IOERR") or "disk i/o error" in lower:
        free = free_bytes(paths.root)
        if free is not None and free < LOW_SPACE:
            return disk_full(paths.db, f"{message}, {free // 1024} KiB free")
        return damaged(paths.db, message)
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "database is locked" in lower:
        return ProjectLockedError(
            f"{paths.root}: another process has been writing to the project for longer than "
            f"{BUSY_TIMEOUT_MS // 1000} s (a big import?); nothing was changed: try again when it has "
            "finished"
        )
    if name.startswith("SQLITE_CANTOPEN") or "unable to open database file" in lower:
        return ProjectError(
            f"{paths.db}: cannot be opened ({message}); check that it exists and that you may read its folder"
        )
    return None


SQLITE_MAGIC = b"SQLite format 3\x00"


def resolve_existing(path: str | os.PathLike, *, header: bool = True) -> BundlePaths:
    """The bundle at ``path`` (the folder, or its project.sqlite); a clear error when it is not one.
    ``header=False`` accepts a database whose first bytes are not SQLite's (for ``previz doctor``)."""
    p = Path(path).expanduser()
    if p.name == DB_NAME and p.is_file():
        p = p.parent
    if not p.exists():
        raise ProjectError(f"{p}: no such project (create one with `previz new {p}`)")
    if not p.is_dir() or not (p / DB_NAME).is_file():
        raise ProjectError(f"{p}: not a Previz project (no {DB_NAME} in it)")
    if _header(p / DB_NAME) != SQLITE_MAGIC and header:
        if p.suffix == SUFFIX:  # a bundle's own database whose header was overwritten
            raise damaged(p / DB_NAME, "its header is not a SQLite header")
        raise ProjectError(f"{p / DB_NAME}: not a Previz project (not a SQLite database)")
    return BundlePaths(p.resolve())


#: Kept open: descriptors of databases whose header was read while this process had them open already.
#: Closing any descriptor of a file drops every POSIX lock this process holds on it, its SQLite connections'
#: too (sqlite.org/howtocorrupt.html, 2.2): another process closing the project then finds it unused,
#: checkpoints and deletes the WAL, and this process's later commits go to the deleted file, lost. So a
#: second open of a project in one process (a farm worker's tail session, a read-only session on a thread)
#: must not close one; each is closed once nothing else here has its file open (no lock left to drop).
_HEADER_FDS: dict[tuple[int, int], int] = {}
_HEADER_LOCK = threading.Lock()


def _open_here(key: tuple[int, int], skip: int) -> bool:
    """Whether a descriptor of this process other than ``skip`` has the file ``key`` (device, inode) open;
    True when it cannot tell (no /proc/self/fd or /dev/fd)."""
    for folder in ("/proc/self/fd", "/dev/fd"):
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            try:
                fd = int(name)
                if fd != skip:
                    st = os.fstat(fd)
                    if (st.st_dev, st.st_ino) == key:
                        return True
            except (OSError, ValueError):
                continue
        return False
    return True


def _header(db: Path) -> bytes:
    """The first 16 bytes of ``db``, read without dropping this process's locks on it (``_HEADER_FDS``)."""
    if os.name == "nt":  # Windows: its locks are not POSIX locks
        with open(db, "rb") as fh:
            return fh.read(16)
    st = os.stat(db)
    key = (st.st_dev, st.st_ino)
    with _HEADER_LOCK:
        for kept, fd in list(_HEADER_FDS.items()):  # those nothing here has open any more: no lock to drop
            if not _open_here(kept, fd):
                os.close(fd)
                del _HEADER_FDS[kept]
        fd = _HEADER_FDS.get(key)
        if fd is not None:
            return os.pread(fd, 16, 0)
        fd = os.open(db, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        try:
            return os.pread(fd, 16, 0)
        finally:
            if _open_here(key, fd):
                _HEADER_FDS[key] = fd
            else:
                os.close(fd)


def resolve_new(path: str | os.PathLike) -> BundlePaths:
    """Where a new project goes: ``path`` gets the ``.previz`` suffix unless it already has it."""
    p = Path(path).expanduser()
    if p.suffix != SUFFIX:
        p = p.with_name(p.name + SUFFIX)
    if p.exists() and any(p.iterdir()):
        raise ProjectError(f"{p}: already exists and is not empty; choose another path")
    parent = p.parent if p.parent != Path("") else Path(".")
    if not parent.is_dir():
        raise ProjectError(f"{parent}: no such folder to create the project in")
    if not os.access(parent, os.W_OK):
        raise ProjectError(f"{parent}: permission denied; choose a folder you can write to")
    return BundlePaths(p.resolve())


def build(paths: BundlePaths, fill: Callable[[Connection, BundlePaths], T]) -> T:
    """Make the new bundle ``paths`` at the newest schema, with ``fill(conn, building)`` writing its rows (and
    media into ``building.media``) in the same transaction; returns what ``fill`` returns.

    The bundle is built in a hidden sibling folder and renamed into place when complete, so a full disk,
    an error or a crash never leaves a half-made project under the name (what a killed build left is
    removed by the next one)."""
    from previz.core import partials

    prefix = f".{paths.root.name}.partial-"
    partials.remove([p for p in partials.stale(paths.root.parent) if p.name.startswith(prefix)])
    building = BundlePaths(paths.root.with_name(f"{prefix}{os.getpid()}"))
    shutil.rmtree(building.root, ignore_errors=True)
    try:
        try:
            for folder in (building.root, building.media, building.cache):
                folder.mkdir()
        except OSError as exc:
            raise (os_error(paths.root, exc) or exc) from None
        engine = make_engine(building, readonly=False, shown_as=paths)
        try:
            with engine.connect() as conn:
                _upgrade_new(conn, paths)
                result = fill(conn, building)
                conn.commit()
        finally:
            engine.dispose()
        try:
            os.replace(building.root, paths.root)
        except OSError as exc:
            raise (os_error(paths.root, exc) or exc) from None
    except BaseException:
        shutil.rmtree(building.root, ignore_errors=True)
        raise
    return result


def _upgrade_new(conn: Connection, paths: BundlePaths) -> None:
    """The schema of the new bundle ``paths``; an installation whose migrations are missing or broken (a
    desktop bundle that left out ``env.py``) is a one-line ProjectError naming the project and the folder."""
    from alembic.util import CommandError

    from previz.core import schema

    try:
        schema.upgrade(conn)
    except (CommandError, ImportError, OSError) as exc:
        raise ProjectError(
            f"{paths.root}: not created: the schema migrations in {schema.MIGRATIONS_DIR} cannot run "
            f"({exc}); this Previz installation is incomplete: reinstall it"
        ) from None


#: How long a writer waits for another process's write transaction before SQLite reports it busy.
BUSY_TIMEOUT_MS = 30_000


def _on_connect(dbapi_conn, _record) -> None:
    # SQLAlchemy, not the sqlite3 module, begins transactions (``_on_begin``): the module's own implicit
    # BEGIN would start every write transaction as a deferred one.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.close()


def _on_begin(conn) -> None:
    """Reads begin a deferred transaction (a snapshot, no lock); a write transaction
    (``begin_write``) begins IMMEDIATE: it takes the write lock first, waiting up to the busy timeout, so
    what it reads inside is what it writes over and two writers never deadlock upgrading their locks."""
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.pop("previz_write", False) else "BEGIN")


def begin_write(conn) -> None:
    """Begin a write transaction on a bundle's connection (the caller commits or rolls back)."""
    if conn.in_transaction():
        conn.commit()
    conn.info["previz_write"] = True
    conn.begin()


def writable_folder(paths: BundlePaths) -> bool:
    """Whether this process may create files in the bundle (False on a read-only mount, even for root)."""
    return os.access(paths.root, os.W_OK)


def readonly_uri(paths: BundlePaths) -> str:
    """The SQLite URI that reads the bundle's database and can never change it.

    WAL needs project.sqlite-shm beside the database; in a folder we cannot write, SQLite can create none
    and refuses to open. Nobody can be writing there either, so the file is read as immutable (unless a -wal
    file holds commits not yet in the database: then mode=ro reads them through it)."""
    immutable = not writable_folder(paths) and not paths.wal.exists()
    return f"file:{paths.db}?mode=ro{'&immutable=1' if immutable else ''}"


def make_engine(paths: BundlePaths, *, readonly: bool, shown_as: BundlePaths | None = None) -> Engine:
    """An engine on the bundle's database; its errors name ``shown_as`` (default: ``paths``), the bundle
    the user asked for when ``paths`` is the hidden folder a new one is built in."""
    url = f"sqlite:///{readonly_uri(paths)}&uri=true" if readonly else f"sqlite:///{paths.db}"
    engine = create_engine(url)
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)

    def _project_error(context) -> None:
        mapped = database_error(context.original_exception, shown_as or paths)
        if mapped is not None:
            raise mapped

    event.listen(engine, "handle_error", _project_error)
    if not readonly:

        def _wal(dbapi_conn, _record) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            # WAL with synchronous=NORMAL: every commit is atomic and consistent after a crash; only a
            # power loss may drop the last commits, never corrupt the file.
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        event.listen(engine, "connect", _wal)
    return engine


class ProjectLock:
    """The bundle's process lock: every writer holds it shared, so any number of processes write at once;
    schema migrations and ``previz gc`` hold it ``exclusive``, with nobody else in the project.

    An advisory ``flock`` on ``project.lock``: the OS releases it when its holder dies, so a killed process
    never leaves the project locked. The file stays in place (removing it would give later openers a new
    file, and so a lock apart from the holders of the old one)."""

    #: How long opening waits for a migration or gc in another process to finish.
    WAIT_S = 30.0

    def __init__(self, paths: BundlePaths) -> None:
        self.path = paths.lock
        self._fd: int | None = None

    def _open(self) -> int:
        try:
            return os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise (os_error(self.path.parent, exc) or exc) from None

    def acquire(self) -> None:
        """Take the lock shared; waits (up to ``WAIT_S``) while another process migrates or collects."""
        import time

        fd = self._open()
        deadline = time.monotonic() + self.WAIT_S
        while not _flock(fd, exclusive=False):
            if time.monotonic() > deadline:
                owner = _read_pid(fd)
                os.close(fd)
                raise ProjectLockedError(
                    f"{self.path.parent}: another process (pid {owner or 'unknown'}) has the project to "
                    "itself (a schema upgrade or `previz gc`); try again when it has finished"
                )
            time.sleep(0.05)
        self._fd = fd

    @contextmanager
    def exclusive(self, purpose: str) -> Iterator[None]:
        """Hold the lock alone for ``purpose`` (e.g. "previz gc"); ProjectLockedError when another process
        has the project open. Goes back to shared afterwards if it was held shared before."""
        had = self._fd is not None
        fd = self._fd if had else self._open()
        if not _flock(fd, exclusive=True):
            if not had:
                os.close(fd)
            raise ProjectLockedError(
                f"{self.path.parent}: open in another process; {purpose} needs the project to itself: close "
                "the app and stop other commands and workers on it first"
            )
        try:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        except OSError:
            pass  # the pid is only for the message of whoever waits
        try:
            yield
        finally:
            if had:
                _flock(fd, exclusive=False)
            else:
                os.close(fd)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing releases the flock
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None


def _flock(fd: int, *, exclusive: bool) -> bool:
    """Take (or convert to) a shared or exclusive lock without blocking; False when another holder is in
    the way."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _read_pid(fd: int) -> int | None:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return int(os.read(fd, 32).decode().strip() or 0) or None
    except (OSError, ValueError):
        return None
