import sqlite3
import subprocess
import threading
import time

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, make_url, select, text

from previz.core import database, schema
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


# ------------------------------------------------------------------ one schema, two dialects


def build(request, tmp_path, how: str):
    """An engine on a fresh database of the test's dialect, its schema made by ``how``."""
    if request.param == "postgresql":
        server = request.getfixturevalue("pg_server")
        url = server.create_database()
        request.addfinalizer(lambda: server.drop_database(make_url(url).database))
        engine = database.server_engine(url)
    else:
        engine = create_engine(f"sqlite:///{tmp_path / f'{how}.sqlite'}")
    request.addfinalizer(engine.dispose)
    with engine.connect() as conn:
        if how == "migrations":
            schema.upgrade(conn)
        else:
            Base.metadata.create_all(conn)
        conn.commit()
    return engine


def describe(engine) -> dict:
    with engine.connect() as conn:
        insp = inspect(conn)
        tables = sorted(t for t in insp.get_table_names() if t != "alembic_version")
        return {
            t: {
                "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in insp.get_columns(t)],
                "pk": insp.get_pk_constraint(t)["constrained_columns"],
                "fks": sorted(
                    (
                        fk["name"],
                        tuple(fk["constrained_columns"]),
                        fk["referred_table"],
                        fk["options"].get("ondelete"),
                    )
                    for fk in insp.get_foreign_keys(t)
                ),
                "indexes": sorted(
                    (i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in insp.get_indexes(t)
                ),
                "unique": sorted(
                    (u["name"], tuple(u["column_names"])) for u in insp.get_unique_constraints(t)
                ),
            }
            for t in tables
        }


@pytest.fixture(params=["sqlite", "postgresql"])
def dialect(request):
    return request


def test_migrations_and_the_models_make_the_same_schema_on_both_dialects(dialect, tmp_path):
    migrated = build(dialect, tmp_path, "migrations")
    modelled = build(dialect, tmp_path, "models")
    assert describe(migrated) == describe(modelled)
    assert set(describe(migrated)) == set(Base.metadata.tables)
    with migrated.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        assert schema.current_revision(conn) == schema.HEAD_REVISION


def test_postgresql_stores_json_as_jsonb_and_filters_booleans(pg_url):
    engine = database.server_engine(pg_url)
    with engine.connect() as conn:
        schema.upgrade(conn)
        columns = {
            (t, c["name"]): str(c["type"])
            for t in ("shot", "take", "job", "note")
            for c in inspect(conn).get_columns(t)
        }
        json_columns = {k for k, v in columns.items() if "JSON" in v}
        assert json_columns == {
            ("shot", "characters"),
            ("take", "request"),
            ("take", "provenance"),
            ("job", "request"),
            ("note", "strokes"),
        }
        assert {columns[k] for k in json_columns} == {"JSONB"}
        job = T["job"]
        conn.execute(
            job.insert(),
            {
                "id": 1,
                "kind": "generate",
                "request": {"seed": 4294967295, "prompt": "fog"},
                "created_at": "t",
            },
        )
        assert conn.execute(text("SELECT request->>'prompt' FROM job")).scalar_one() == "fog"
        assert conn.execute(select(job.c.request)).scalar_one() == {"seed": 4294967295, "prompt": "fog"}
        history = T["history"]
        conn.execute(
            history.insert(),
            [
                {"id": 1, "name": "a", "ops": "[]", "undone": True, "created_at": "t"},
                {"id": 2, "name": "b", "ops": "[]", "undone": False, "created_at": "t"},
            ],
        )
        assert conn.execute(select(history.c.name).where(history.c.undone.is_(False))).scalars().all() == [
            "b"
        ]
        conn.rollback()
    engine.dispose()


def upgrade_to(conn, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(schema.MIGRATIONS_DIR))
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, revision)
    conn.commit()


def test_a_server_schema_newer_than_this_client_is_refused_and_left_alone(pg_url):
    engine = database.server_engine(pg_url)
    shown = database.display_url(pg_url)
    with engine.connect() as conn:
        schema.upgrade(conn)
        conn.execute(text("UPDATE alembic_version SET version_num = '0042'"))
        conn.commit()
        with pytest.raises(ProjectError) as info:
            schema.check_or_migrate(conn, shown, writable=True)
        assert str(info.value) == (
            f"{shown}: made by a newer version of Previz (schema 0042; this version knows up to "
            f"{schema.HEAD_REVISION}); upgrade Previz to open it"
        )
        conn.rollback()
        assert schema.current_revision(conn) == "0042"
    engine.dispose()


def test_a_database_that_is_not_a_previz_project_is_refused(pg_url):
    engine = database.server_engine(pg_url)
    shown = database.display_url(pg_url)
    with engine.connect() as conn:
        with pytest.raises(ProjectError, match=r"not a Previz project \(it has no schema version\)$") as info:
            schema.check_or_migrate(conn, shown, writable=True)
        assert str(info.value).startswith(f"{shown}: ")
        conn.rollback()
        # another application's Alembic history: its revision ids are not Previz's
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
        conn.execute(text("INSERT INTO alembic_version VALUES ('ae1027a6acf')"))
        conn.commit()
        with pytest.raises(
            ProjectError, match=r"not a Previz project \(its schema version 'ae1027a6acf' is not"
        ):
            schema.check_or_migrate(conn, shown, writable=True)
        conn.rollback()
        assert inspect(conn).get_table_names() == ["alembic_version"]  # nothing was created
    engine.dispose()


def test_an_old_server_schema_is_not_migrated_by_a_reader(pg_url):
    engine = database.server_engine(pg_url)
    shown = database.display_url(pg_url)
    with engine.connect() as conn:
        upgrade_to(conn, "0001")
        with pytest.raises(ProjectError) as info:
            schema.check_or_migrate(conn, shown, writable=False)
        assert str(info.value) == (
            f"{shown}: schema 0001 is older than {schema.HEAD_REVISION}; open it for writing once to "
            "migrate it"
        )
        conn.rollback()
        assert schema.current_revision(conn) == "0001"
    engine.dispose()


def test_an_old_server_schema_is_migrated_in_place_keeping_its_rows(pg_url, caplog):
    engine = database.server_engine(pg_url)
    shown = database.display_url(pg_url)
    with engine.connect() as conn:
        upgrade_to(conn, "0001")
        conn.execute(
            text(
                "INSERT INTO job (id, kind, request, state, priority, progress_done, progress_total, "
                "message, error, attempts, created_at) VALUES (1, 'generate', '{\"key\": \"k\"}', "
                "'queued', 0, 0, 0, '', '', 0, 't')"
            )
        )
        conn.commit()
        with caplog.at_level("WARNING", logger="previz.core.schema"):
            schema.check_or_migrate(conn, shown, writable=True)
        assert schema.current_revision(conn) == schema.HEAD_REVISION
        job = conn.execute(select(T["job"])).mappings().one()
        assert (job["request"], job["holder"], job["lease_expires_at"]) == ({"key": "k"}, "", None)
    engine.dispose()
    assert f"{shown}: migrating schema 0001 to {schema.HEAD_REVISION}; no file backup is taken" in caplog.text


def test_two_clients_migrating_one_server_at_once_both_end_at_head(pg_url):
    """The second waits on the advisory lock, then finds the schema at head and does nothing (were it to
    run the migrations again, adding the columns twice would fail)."""
    engine = database.server_engine(pg_url)
    shown = database.display_url(pg_url)
    with engine.connect() as conn:
        upgrade_to(conn, "0001")
    errors: list[BaseException] = []
    done = threading.Event()

    def second_client():
        try:
            with engine.connect() as conn:
                schema.check_or_migrate(conn, shown, writable=True)
                assert schema.current_revision(conn) == schema.HEAD_REVISION
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            done.set()

    with engine.connect() as first:
        with database.migration_lock(first):  # the first client is migrating
            thread = threading.Thread(target=second_client)
            thread.start()
            wait_for(lambda: waiting_advisory_locks(engine) == 1, "the second client to wait on the lock")
            assert not done.is_set()
            schema.check_or_migrate(first, shown, writable=True)  # PostgreSQL locks are reentrant
            assert not done.is_set()
        thread.join(WAIT_S)
        assert done.is_set() and not errors, errors
        assert schema.current_revision(first) == schema.HEAD_REVISION
        assert compare_metadata(MigrationContext.configure(first), Base.metadata) == []
    engine.dispose()


def test_opening_a_project_at_head_does_not_import_alembic(pg_url, tmp_path, python):
    urls = [pg_url, f"sqlite:///{tmp_path / 'project.sqlite'}"]
    for url in urls:
        engine = database.server_engine(url) if database.is_server_url(url) else create_engine(url)
        with engine.connect() as conn:
            schema.upgrade(conn)
            conn.commit()
        engine.dispose()
    script = (
        "import sys\n"
        "from sqlalchemy import create_engine\n"
        "from previz.core import database, schema\n"
        f"for url in {urls!r}:\n"
        "    engine = database.server_engine(url) if database.is_server_url(url) else create_engine(url)\n"
        "    with engine.connect() as conn:\n"
        "        schema.check_or_migrate(conn, url, writable=True)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))\n"
    )
    out = subprocess.run([python, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "[]"


WAIT_S = 60  # generous limit for conditions that hold within milliseconds
T = Base.metadata.tables


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.02)


def waiting_advisory_locks(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        ).scalar_one()
