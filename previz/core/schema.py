"""Schema versions: create a new project at the newest schema, migrate an older one (after backing it up,
for a bundle), refuse one made by a newer Previz.

The revision a project is at lives in Alembic's ``alembic_version`` table. Opening a project at the
current revision reads that one row and never imports Alembic (opening must stay fast).

On PostgreSQL several clients may open an old project at once: migrations run under
``database.migration_lock``, and a client that waited for it finds the project migrated and does nothing.
No file backup is taken there (the server's own backups, or ``pg_dump``, cover a database).
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Connection, inspect, text

from previz.core import database
from previz.core.errors import ProjectError

log = logging.getLogger(__name__)

#: The newest schema revision this version of Previz writes. Equal to Alembic's head (a test checks).
HEAD_REVISION = "0004"
MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def current_revision(conn: Connection) -> str | None:
    """The schema revision of the project on ``conn`` (either dialect); None when it has none."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    return row[0] if row else None


def _alembic_config(conn: Connection):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = conn
    return cfg


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {rev.revision for rev in ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions()}


def alembic_head() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def upgrade(conn: Connection) -> None:
    """Run every migration up to the head on ``conn`` (inside the caller's transaction)."""
    from alembic import command

    command.upgrade(_alembic_config(conn), "head")


def backup(db_path: Path, revision: str) -> Path:
    """Copy the database (consistently, through SQLite's backup API) into ``backups/`` beside it."""
    folder = db_path.parent / "backups"
    folder.mkdir(exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    target = folder / f"project-schema{revision}-{stamp}.sqlite"
    src = sqlite3.connect(str(db_path))
    try:
        dst = sqlite3.connect(str(target))
        try:
            with dst:
                src.backup(dst)
        finally:
            dst.close()
    except sqlite3.Error as exc:  # a full disk or a damaged source: no half-written backup, one line
        target.unlink(missing_ok=True)
        from previz.core.bundle import BundlePaths, database_error

        raise database_error(exc, BundlePaths(db_path.parent)) or exc from None
    finally:
        src.close()
    return target


def check_or_migrate(conn: Connection, where: Path | str, *, writable: bool) -> None:
    """Bring an existing project to ``HEAD_REVISION`` or raise a ProjectError saying why it cannot.

    ``where`` names the project in messages: a bundle's database file (SQLite; it is backed up beside
    itself before a migration) or the project's ``database.display_url`` (PostgreSQL)."""
    revision = current_revision(conn)
    if revision == HEAD_REVISION:
        return
    server = conn.dialect.name != "sqlite"
    _refuse_unopenable(revision, where, writable=writable, server=server)
    conn.commit()  # end the read transaction before copying and changing the database
    if not server:
        backup(Path(where), revision)
        _upgrade_and_commit(conn)
        return
    with database.migration_lock(conn):
        revision = current_revision(conn)  # another client may have migrated it while this one waited
        if revision == HEAD_REVISION:
            conn.commit()
            return
        _refuse_unopenable(revision, where, writable=writable, server=server)
        log.warning(
            "%s: migrating schema %s to %s; no file backup is taken of a PostgreSQL project "
            "(the server's backups or pg_dump cover it)",
            where,
            revision,
            HEAD_REVISION,
        )
        _upgrade_and_commit(conn)


def _refuse_unopenable(revision: str | None, where: Path | str, *, writable: bool, server: bool) -> None:
    if revision is None:
        raise ProjectError(f"{where}: not a Previz project (it has no schema version)")
    if revision not in known_revisions():
        if not revision.isdigit():  # Alembic's own revision ids are hex: another application's database
            raise ProjectError(
                f"{where}: not a Previz project (its schema version {revision!r} is not Previz's)"
            )
        raise ProjectError(
            f"{where}: made by a newer version of Previz (schema {revision}; this version knows up to "
            f"{HEAD_REVISION}); upgrade Previz to open it"
        )
    if not writable:
        hint = "" if server else " (from a read-only folder, copy it somewhere writable first)"
        raise ProjectError(
            f"{where}: schema {revision} is older than {HEAD_REVISION}; open it for writing once to "
            f"migrate it{hint}"
        )


def _upgrade_and_commit(conn: Connection) -> None:
    try:
        upgrade(conn)
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
