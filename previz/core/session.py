"""``ProjectSession``: the one facade through which the UI and the CLI read and change a project, wherever
it lives (a bundle folder, or a PostgreSQL database with a media root).

This module opens, creates and closes projects. The facade is assembled from three parts: the reader of
snapshots (``session_reads``), the edit builders, one module per aggregate (``edit_builders``), and the
transactions, history and change feed (``session_history``): every change is an ``Edit`` committed in one
short write transaction with its row in the history, ``batch()`` groups several into one undo step, and
``last_commit`` says what a commit recorded. Listeners registered with ``subscribe`` receive the ``Changes``
of this session's own edits, undos and redos; other clients' arrive through the change feed.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from previz import __version__
from previz.core import bundle, database, schema
from previz.core.authors import default_author
from previz.core.edit_builders import EditBuilders
from previz.core.edit_builders.base import defaults_of, utcnow
from previz.core.edits import TABLES, Changes, Edit
from previz.core.errors import ProjectClosedError, ProjectError, ValidationError
from previz.core.mediastore import MediaStore
from previz.core.session_history import SessionHistory
from previz.core.session_reads import SnapshotReader
from previz.core.snapshots import (
    MediaInfo,
)
from previz.core.timecode import FrameRate, timecode_to_frames
from previz.core.validate import PROJECT_FIELDS, clean, frame_size

T = TABLES


class ClosedConnection:
    """Stands in for the connection of a closed session: any use raises ``ProjectClosedError``."""

    def __init__(self, location: str) -> None:
        self._root = location

    def __bool__(self) -> bool:
        return False

    def __getattr__(self, name: str):
        raise ProjectClosedError(f"{self._root}: the project is closed; open it again to read or change it")


class ProjectSession(SessionHistory, SnapshotReader, EditBuilders):
    def __init__(
        self, paths: bundle.BundlePaths, *, readonly: bool, author: str | None = None, location: str = ""
    ) -> None:
        #: The bundle folder, or (PostgreSQL) the media root: ``media/`` and ``cache/`` are in it.
        self.paths = paths
        #: Where the project's rows live, as messages name it: the bundle folder or the database URL.
        self.location = location or str(paths.root)
        self.readonly = readonly
        #: Who this session's edits, notes and takes are recorded as.
        self.author = (author or "").strip() or default_author()
        #: This open session among all clients of the project (its own rows in the change feed).
        self.client = uuid.uuid4().hex[:16]
        self._lock = bundle.ProjectLock(paths)
        self._listeners: list[Callable[[Changes], None]] = []
        self._batch: Edit | None = None
        self._batch_changes = Changes()
        self._batch_results = Changes()
        self._batch_results_name = ""
        self._ids_handed: dict[str, int] = {}
        #: The database server's clock minus this machine's (zero for a bundle), measured at open.
        self.clock_offset = timedelta(0)
        self.media = MediaStore(paths.media)
        #: Each media's file by hash, as looked up (``media_path``, ``media_paths``): content-addressed, so
        #: a hash's file never moves.
        self._media_file_paths: dict[str, Path] = {}
        self.engine = None
        self.conn: Connection | ClosedConnection = ClosedConnection(self.location)

    # ------------------------------------------------------------------ lifecycle
    @classmethod
    def create(
        cls,
        path: str | Path,
        *,
        name: str | None = None,
        fps: str = "24",
        size: str = "1280x720",
        drop_frame: bool | None = None,
        author: str | None = None,
        media: str | Path | None = None,
        **settings: Any,
    ) -> ProjectSession:
        """Create ``PATH.previz/`` at the newest schema and open it for writing. ``settings`` are other
        project fields (``start_timecode``, ``style_prompt``, ``default_backend``, ``default_model`` …),
        validated like ``set_project``'s before anything is written.

        The bundle is built in a hidden sibling folder and renamed into place when complete, so a full disk
        or a crash never leaves a half-made project under the name (what a killed ``create`` left is
        removed by the next one)."""
        if database.is_server_url(path):
            from previz.core.server_project import create_on_server

            shown = database.display_url(path)
            row = cls._new_project_row(shown.rsplit("/", 1)[-1], name, fps, size, drop_frame, settings)
            return create_on_server(cls, str(path), media=media, row=row, author=author)
        if media is not None:
            raise ValidationError(
                "media", "a bundle keeps its media inside itself; --media is for PostgreSQL"
            )
        paths = bundle.resolve_new(path)
        row = cls._new_project_row(paths.root.stem, name, fps, size, drop_frame, settings)
        bundle.build(paths, lambda conn, _building: conn.execute(T["project"].insert(), row))
        try:
            return cls.open(paths.root, author=author)
        except BaseException:
            shutil.rmtree(paths.root, ignore_errors=True)  # made just now: nothing of the user's in it
            raise

    @staticmethod
    def _new_project_row(default_name, name, fps, size, drop_frame, settings) -> dict[str, Any]:
        """The project row of a new project, every field validated before anything is written."""
        rate = FrameRate.parse(fps, drop_frame)
        width, height = frame_size(size)
        project_name = PROJECT_FIELDS["name"](name if name is not None else default_name)
        settable = {k: v for k, v in PROJECT_FIELDS.items() if k not in ("name", "width", "height")}
        extra = clean(settable, settings, "the project")
        if "start_timecode" in extra:
            try:
                timecode_to_frames(extra["start_timecode"], rate)
            except ValidationError as exc:
                raise ValidationError("start_timecode", str(exc).removeprefix(f"{exc.field}: ")) from None
        return dict(
            defaults_of("project"),
            id=1,
            name=project_name,
            fps=rate.label,
            drop_frame=rate.drop_frame,
            width=width,
            height=height,
            created_at=utcnow(),
            created_with=__version__,
            uuid=str(uuid.uuid4()),
            **extra,
        )

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        readonly: bool = False,
        author: str | None = None,
        media: str | Path | None = None,
    ) -> ProjectSession:
        """Open a bundle (its folder or its project.sqlite). Any number of processes may have it open for
        writing; each holds the project lock shared, and an older schema is upgraded with the lock held
        alone. ``author`` is who this session's changes are recorded as (default: ``PREVIZ_USER``, else
        the OS user). A bundle in a read-only folder opens for reading.

        ``path`` may also be a PostgreSQL URL (``postgresql://user@host/film``); ``media`` then overrides the
        media root the project records (as ``PREVIZ_MEDIA_ROOT`` does)."""
        if database.is_server_url(path):
            from previz.core.server_project import open_on_server

            return open_on_server(cls, str(path), readonly=readonly, author=author, media=media)
        if media is not None:
            raise ValidationError(
                "media", "a bundle keeps its media inside itself; --media is for PostgreSQL"
            )
        paths = bundle.resolve_existing(path)
        self = cls(paths, readonly=readonly, author=author)
        if not readonly:
            self._lock.acquire()
            if not os.access(paths.db, os.W_OK):  # SQLite would open it read-only and fail on the first write
                self._lock.release()
                raise bundle.read_only(paths.root, f"{bundle.DB_NAME} is not writable")
        try:
            self.engine = bundle.make_engine(paths, readonly=readonly)
            self.conn = self.engine.connect()
            try:
                if readonly or schema.current_revision(self.conn) == schema.HEAD_REVISION:
                    schema.check_or_migrate(self.conn, paths.db, writable=not readonly)
                else:
                    self.conn.commit()
                    with self._lock.exclusive("upgrading the project's schema"):
                        schema.check_or_migrate(self.conn, paths.db, writable=True)
                has_project = self.conn.execute(select(T["project"].c.id)).first()
            except ProjectError:
                raise
            except Exception as exc:  # a foreign SQLite file
                raise ProjectError(
                    f"{paths.db}: not a readable Previz project ({exc.__class__.__name__})"
                ) from None
            if not has_project:
                raise ProjectError(f"{paths.db}: not a Previz project (no project row)")
            self.conn.commit()
            if not readonly:
                self.media.clear_stale_tmp()
        except BaseException:
            self.close()
            raise
        return self

    @contextmanager
    def exclusive(self, purpose: str) -> Iterator[None]:
        """Hold the project alone for ``purpose`` (``previz gc``); ProjectLockedError naming what to close
        when another process has it open."""
        self._writable()
        with self._lock.exclusive(purpose):
            yield

    @property
    def closed(self) -> bool:
        return isinstance(self.conn, ClosedConnection)

    def close(self) -> None:
        """Close the connection and release the lock. Closing a closed session does nothing; reading or
        changing it afterwards raises ``ProjectClosedError``."""
        if not self.closed:
            self.conn.close()
            self.conn = ClosedConnection(self.location)
        self._lock.release()
        if self.engine is not None:
            self.engine.dispose()
            self.engine = None

    def __enter__(self) -> ProjectSession:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def now(self) -> datetime:
        """The time on the database's clock (history rows of a PostgreSQL project carry the server's time, so
        "2 minutes ago" stays right on a machine whose clock is wrong)."""
        return datetime.now(timezone.utc) + self.clock_offset

    @property
    def database_file(self) -> Path | None:
        """The bundle's ``project.sqlite``; None for a project in PostgreSQL."""
        return None if isinstance(self._lock, database.ServerLock) else self.paths.db

    @property
    def root(self) -> Path:
        return self.paths.root

    def collect_garbage(self, *, grace_seconds: float | None = None, verify: bool = False):
        """Remove media no row refers to (``previz gc``), with the project to this process alone (no other
        writer could be storing a file whose row is not committed yet); returns a ``GcReport``."""
        from previz.core.gc import DEFAULT_GRACE_SECONDS, collect_garbage

        grace = DEFAULT_GRACE_SECONDS if grace_seconds is None else grace_seconds
        with self.exclusive("previz gc"):
            return collect_garbage(self, grace_seconds=grace, verify=verify)

    # ------------------------------------------------------------------ media registry
    def register_media(
        self,
        digest: str,
        ext: str,
        kind: str,
        size_bytes: int,
        *,
        width: int | None = None,
        height: int | None = None,
        frames: int | None = None,
        fps: str | None = None,
        original_name: str = "",
    ) -> MediaInfo:
        """Record a stored file in the media table (idempotent; part of the current batch if any)."""
        m = T["media"]
        with self.batch():
            exists = self.conn.execute(select(m.c.hash).where(m.c.hash == digest)).first()
            if exists:
                return self.media_info(digest)
            self.conn.execute(
                m.insert(),
                {
                    "hash": digest,
                    "ext": ext.lstrip(".").lower(),
                    "kind": kind,
                    "size_bytes": size_bytes,
                    "width": width,
                    "height": height,
                    "frames": frames,
                    "fps": fps,
                    "original_name": original_name[:255],
                    "created_at": utcnow(),
                },
            )
        return self.media_info(digest)
