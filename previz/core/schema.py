"""Schema versions: create a new project at the newest schema, migrate an older one after backing it up,
refuse one made by a newer Previz.

The revision a project is at lives in Alembic's ``alembic_version`` table. Opening a project at the
current revision reads that one row and never imports Alembic (opening must stay fast).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Connection, text

from previz.core.errors import ProjectError

#: The newest schema revision this version of Previz writes. Equal to Alembic's head (a test checks).
HEAD_REVISION = "0002"
MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def current_revision(conn: Connection) -> str | None:
    has_table = conn.execute(
        text("SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'")
    ).first()
    if not has_table:
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


def check_or_migrate(conn: Connection, db_path: Path, *, writable: bool) -> None:
    """Bring an existing project to ``HEAD_REVISION`` or raise a ProjectError saying why it cannot."""
    revision = current_revision(conn)
    if revision == HEAD_REVISION:
        return
    if revision is None:
        raise ProjectError(f"{db_path}: not a Previz project (it has no schema version)")
    if revision not in known_revisions():
        raise ProjectError(
            f"{db_path}: made by a newer version of Previz (schema {revision}; this version knows up to "
            f"{HEAD_REVISION}); upgrade Previz to open it"
        )
    if not writable:
        raise ProjectError(
            f"{db_path}: schema {revision} is older than {HEAD_REVISION}; open it for writing once to "
            "migrate it (from a read-only folder, copy it somewhere writable first)"
        )
    conn.commit()  # end the read transaction before copying and changing the file
    backup(db_path, revision)
    try:
        upgrade(conn)
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
