import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from previz.core import schema
from previz.core.errors import ProjectError
from previz.core.models import Base
from previz.core.session import ProjectSession


def test_head_revision_constant_is_alembics_head():
    assert schema.alembic_head() == schema.HEAD_REVISION


def test_migrations_build_exactly_the_orm_schema(session):
    ctx = MigrationContext.configure(session.conn)
    assert compare_metadata(ctx, Base.metadata) == []
    assert schema.current_revision(session.conn) == schema.HEAD_REVISION


def test_a_project_from_a_newer_version_is_refused_and_left_alone(tmp_path):
    ProjectSession.create(tmp_path / "film").close()
    db = tmp_path / "film.previz" / "project.sqlite"
    con = sqlite3.connect(db)
    con.execute("UPDATE alembic_version SET version_num = '0042'")
    con.commit()
    con.close()
    before = db.read_bytes()
    with pytest.raises(
        ProjectError, match=r"made by a newer version of Previz \(schema 0042.*upgrade Previz"
    ):
        ProjectSession.open(tmp_path / "film.previz")
    assert db.read_bytes() == before
    assert not (tmp_path / "film.previz" / "backups").exists()


def test_an_older_project_is_backed_up_before_it_is_migrated(tmp_path, monkeypatch):
    with ProjectSession.create(tmp_path / "film") as s:
        s.add_scene("INT. ROOM - DAY", number="1")
    root = tmp_path / "film.previz"
    # Pretend this build knows a newer schema than the real head, whose migration adds a table.
    head = schema.HEAD_REVISION
    newer = f"{int(head) + 1:04d}"
    monkeypatch.setattr(schema, "HEAD_REVISION", newer)
    monkeypatch.setattr(schema, "known_revisions", lambda: {head, newer})

    def upgrade(conn):
        conn.exec_driver_sql("CREATE TABLE added_in_next (id INTEGER PRIMARY KEY)")
        conn.exec_driver_sql(f"UPDATE alembic_version SET version_num = '{newer}'")

    monkeypatch.setattr(schema, "upgrade", upgrade)
    with ProjectSession.open(root) as s:
        assert schema.current_revision(s.conn) == newer
    backups = list((root / "backups").glob(f"project-schema{head}-*.sqlite"))
    assert len(backups) == 1
    con = sqlite3.connect(backups[0])
    assert con.execute("SELECT version_num FROM alembic_version").fetchone() == (head,)
    assert con.execute("SELECT heading FROM scene").fetchall() == [("INT. ROOM - DAY",)]
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    con.close()


def test_a_schema_0001_project_gains_the_job_lease_columns_and_keeps_its_jobs(tmp_path):
    from alembic import command
    from alembic.config import Config

    with ProjectSession.create(tmp_path / "film") as s:
        s.add_scene("INT. ROOM - DAY", number="1")
        s.add_shot("1", duration_frames=12)
        s.add_job("generate", {"key": "k"}, shot="001_0010")
        cfg = Config()
        cfg.set_main_option("script_location", str(schema.MIGRATIONS_DIR))
        cfg.attributes["connection"] = s.conn
        command.downgrade(cfg, "0001")  # the project as Previz with schema 0001 left it
        s.conn.commit()
        columns = s.conn.exec_driver_sql("PRAGMA table_info(job)").mappings()
        assert "holder" not in {c["name"] for c in columns}
    root = tmp_path / "film.previz"
    with ProjectSession.open(root) as s:
        assert schema.current_revision(s.conn) == schema.HEAD_REVISION
        job = s.jobs()[0]
        assert (job.state, job.holder, job.lease_expires_at) == ("queued", "", None)
    assert len(list((root / "backups").glob("project-schema0001-*.sqlite"))) == 1
