"""The project bundle ``NAME.previz/``: ``project.sqlite`` (WAL, foreign keys on), ``media/``, ``cache/``,
and ``project.lock`` while a process has the project open for writing.

The lock is an advisory ``flock`` on the lock file, which also holds the owner's pid: the OS releases it
when the owner dies, so a stale lock from a dead process is simply taken over.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, event

from previz.core.errors import ProjectError, ProjectLockedError

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


def resolve_existing(path: str | os.PathLike) -> BundlePaths:
    """The bundle at ``path`` (the folder, or its project.sqlite); a clear error when it is not one."""
    p = Path(path).expanduser()
    if p.name == DB_NAME and p.is_file():
        p = p.parent
    if not p.exists():
        raise ProjectError(f"{p}: no such project (create one with `previz new {p}`)")
    if not p.is_dir() or not (p / DB_NAME).is_file():
        raise ProjectError(f"{p}: not a Previz project (no {DB_NAME} in it)")
    with open(p / DB_NAME, "rb") as fh:
        if fh.read(16) != b"SQLite format 3\x00":
            raise ProjectError(f"{p / DB_NAME}: not a Previz project (not a SQLite database)")
    return BundlePaths(p.resolve())


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


def _on_connect(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


def make_engine(paths: BundlePaths, *, readonly: bool) -> Engine:
    if readonly:
        url = f"sqlite:///file:{paths.db}?mode=ro&uri=true"
    else:
        url = f"sqlite:///{paths.db}"
    engine = create_engine(url)
    event.listen(engine, "connect", _on_connect)
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
    """An exclusive writer lock on a bundle; ``acquire`` raises ProjectLockedError naming the owner pid."""

    def __init__(self, paths: BundlePaths) -> None:
        self.path = paths.lock
        self._fd: int | None = None

    def acquire(self) -> None:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            fcntl = None
        for _ in range(5):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except PermissionError:
                raise ProjectError(
                    f"{self.path.parent}: permission denied; the project folder is not writable "
                    "(open it read-only, or ask for write access)"
                ) from None
            try:
                if fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                else:  # pragma: no cover - Windows
                    import msvcrt

                    msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            except OSError:
                owner = _read_pid(fd)
                os.close(fd)
                raise ProjectLockedError(
                    f"{self.path.parent}: open in another process (pid {owner or 'unknown'}); "
                    "close it there first"
                ) from None
            # The file may have been removed by the previous owner between our open and our lock.
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
                self._fd = fd
                return
            os.close(fd)
        raise ProjectLockedError(f"{self.path.parent}: could not take the project lock; try again")

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            self.path.unlink(missing_ok=True)
        finally:
            os.close(self._fd)  # closing releases the flock
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None


def _read_pid(fd: int) -> int | None:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return int(os.read(fd, 32).decode().strip() or 0) or None
    except (OSError, ValueError):
        return None
