"""Creating and opening a project that lives in a PostgreSQL database, with its media root on shared
storage (``previz new postgresql://user@host/film --media /mnt/previz/film``)."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import inspect, select

from previz.core import database, media_root, schema
from previz.core.edits import TABLES
from previz.core.errors import DatabaseMissingError, ProjectError, ValidationError

if TYPE_CHECKING:
    from previz.core.session import ProjectSession


def create_on_server(
    cls: type[ProjectSession], url: str, *, media: str | Path | None, row: dict[str, Any], author: str | None
) -> ProjectSession:
    """Make the empty database at ``url`` a project (schema at head, the project row) with a new media root
    ``media``, then open it. A database that already holds tables is refused: nothing of it is touched."""
    shown = database.display_url(url)
    if media is None:
        raise ValidationError(
            "media", f"{shown}: a PostgreSQL project needs a media root every machine mounts (--media DIR)"
        )
    engine = database.server_engine(url)
    made_root: Path | None = None
    try:
        try:
            conn = engine.connect()
        except DatabaseMissingError:
            database.create_database(url)
            conn = engine.connect()
        with conn:
            _refuse_non_empty(conn, shown)
            conn.commit()
            root = Path(media).expanduser()
            made_root = None if root.exists() else root
            paths = media_root.prepare(root, row["uuid"], shown)
            with database.migration_lock(conn):
                _refuse_non_empty(conn, shown)  # another `previz new` may have made it while this one waited
                try:
                    schema.upgrade(conn)
                    conn.execute(TABLES["project"].insert(), dict(row, media_root=str(paths.root)))
                    conn.commit()
                except BaseException:
                    conn.rollback()
                    raise
    except BaseException:
        if made_root is not None:
            shutil.rmtree(made_root, ignore_errors=True)
        raise
    finally:
        engine.dispose()
    return open_on_server(cls, url, readonly=False, author=author, media=paths.root)


def _refuse_non_empty(conn, shown: str) -> None:
    tables = inspect(conn).get_table_names()
    if tables:
        what = "a Previz project" if "project" in tables else f"{len(tables)} tables of something else"
        raise ProjectError(f"{shown}: the database already holds {what}; create the project in an empty one")


def open_on_server(
    cls: type[ProjectSession], url: str, *, readonly: bool, author: str | None, media: str | Path | None
) -> ProjectSession:
    """Open the project in the PostgreSQL database at ``url``: schema checked (and upgraded under the
    migration lock), media root found and checked to be this project's."""
    shown = database.display_url(url)
    engine = database.server_engine(url, readonly=readonly)
    try:
        conn = engine.connect()
        try:
            schema.check_or_migrate(conn, shown, writable=not readonly)
            project = conn.execute(select(TABLES["project"])).first()
            conn.commit()
        except BaseException:
            conn.close()
            raise
    except BaseException:
        engine.dispose()
        raise
    if project is None:
        conn.close()
        engine.dispose()
        raise ProjectError(f"{shown}: not a Previz project (no project row)")
    try:
        root = media_root.chosen(project.media_root, media)
        paths = media_root.check(root, project.uuid, shown, writable=not readonly)
    except BaseException:
        conn.close()
        engine.dispose()
        raise
    self = cls(paths, readonly=readonly, author=author, location=shown)
    self.engine, self.conn = engine, conn
    server_now = datetime.fromisoformat(database.now_text(conn) or "")
    conn.commit()
    self.clock_offset = server_now - datetime.now(timezone.utc)
    self._lock = database.ServerLock(engine, shown)
    try:
        if not readonly:
            self._lock.acquire()
            self.media.clear_stale_tmp()
    except BaseException:
        self.close()
        raise
    return self
