"""previz.core.database on a real PostgreSQL server (the suite's ``pg_url``) and on SQLite."""

import socket
import threading
import time

import pytest
from sqlalchemy import create_engine, make_url, select, text
from sqlalchemy.exc import ProgrammingError

from previz.core import database, schema
from previz.core.errors import ProjectError, ProjectReadOnlyError, ServerAuthError, ServerUnreachableError
from previz.core.models import Base

T = Base.metadata.tables
WAIT_S = 60  # generous limit for conditions that hold within milliseconds


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.02)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def pg(pg_url):
    engine = database.server_engine(pg_url)
    with engine.connect() as conn:
        schema.upgrade(conn)
        conn.commit()
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_engine(request, tmp_path):
    if request.param == "postgresql":
        yield request.getfixturevalue("pg")
        return
    engine = create_engine(f"sqlite:///{tmp_path / 'project.sqlite'}")
    with engine.connect() as conn:
        schema.upgrade(conn)
        conn.commit()
    yield engine
    engine.dispose()


def insert_scenes(conn, ids: list[int]) -> None:
    rows = [dict(id=i, position=i, number=f"S{i}", heading=f"INT. ROOM {i} - DAY") for i in ids]
    conn.execute(T["scene"].insert(), [dict(r, int_ext="", location="", time_of_day="") for r in rows])


def waiting_advisory_locks(pg_url) -> int:
    with database.server_engine(pg_url).connect() as conn:
        return conn.execute(
            text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        ).scalar_one()


# ------------------------------------------------------------------ URLs


def test_server_urls_are_told_from_bundle_paths():
    assert database.is_server_url("postgresql://ana@db.studio:5432/film")
    assert database.is_server_url("postgres://ana@db/film")
    assert database.is_server_url("postgresql+psycopg://ana@db/film")
    assert not database.is_server_url("film.previz")
    assert not database.is_server_url("/projects/postgresql/film.previz")


def test_display_url_never_shows_a_password():
    shown = database.display_url(
        "postgresql+psycopg://ana:s3cret@db.studio:5433/film?password=x&sslmode=require"
    )
    assert shown == "postgresql://ana@db.studio:5433/film?sslmode=require"


@pytest.mark.parametrize(
    "url",
    ["postgresql://ana:s3cret@127.0.0.1:5432/film", "postgresql://ana@127.0.0.1:5432/film?password=s3cret"],
)
def test_a_password_in_the_url_is_refused_and_not_repeated(url):
    with pytest.raises(ProjectError, match=r"holds a password.*~/\.pgpass or the PGPASSWORD") as info:
        database.server_engine(url)
    assert "s3cret" not in str(info.value)
    assert str(info.value).startswith("postgresql://ana@127.0.0.1:5432/film:")


# ------------------------------------------------------------------ connection errors


def test_an_unreachable_server_is_named_with_host_and_port():
    port = closed_port()
    engine = database.server_engine(f"postgresql://ana@127.0.0.1:{port}/film")
    with pytest.raises(ServerUnreachableError) as info:
        engine.connect()
    assert str(info.value) == (
        f"cannot reach the PostgreSQL server at 127.0.0.1:{port} (connection refused); is it running, and "
        "is the address right?"
    )


def test_a_missing_database_says_how_to_create_the_project(pg_url):
    url = pg_url.rsplit("/", 1)[0] + "/no_such_film"
    engine = database.server_engine(url)
    with pytest.raises(ProjectError) as info:
        engine.connect()
    shown = database.display_url(url)
    address = database.server_address(url)
    assert str(info.value) == (
        f"{shown}: no database 'no_such_film' on the PostgreSQL server at {address}; create the project "
        f"with `previz new {shown} --media DIR`, or check the name"
    )


def test_a_login_the_server_refuses_is_an_auth_error(pg_url):
    # The test server trusts every role it knows, so an unknown role is the login it refuses.
    url = make_url(pg_url).set(username="nobody_here").render_as_string(hide_password=False)
    assert database.display_url(url).startswith("postgresql://nobody_here@")
    with pytest.raises(ServerAuthError) as info:
        database.server_engine(url).connect()
    message = str(info.value)
    address = database.server_address(url)
    assert f"the PostgreSQL server at {address} refused the login" in message
    assert 'role "nobody_here" does not exist' in message
    assert message.endswith("check the user name, and the password in ~/.pgpass or PGPASSWORD")


def test_a_wrong_password_is_an_auth_error_and_the_right_one_comes_from_pgpass(
    pg_server, pg_url, tmp_path, monkeypatch
):
    role = "previz_pw_test"
    with database.server_engine(pg_url).connect() as admin:
        admin.execute(text(f"DROP ROLE IF EXISTS {role}"))
        admin.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD 'right-one'"))
        admin.commit()
    hba = pg_server.data_dir / "pg_hba.conf"
    before = hba.read_text()
    with open(hba, "w") as f:  # rewritten in place: the server's user keeps owning it
        f.write(f"host all {role} 127.0.0.1/32 scram-sha-256\n{before}")
    reload_conf(pg_url)
    try:
        url = make_url(pg_url).set(username=role).render_as_string(hide_password=False)
        address = database.server_address(url)
        monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-pgpass"))
        monkeypatch.setenv("PGPASSWORD", "wrong-one")
        with pytest.raises(ServerAuthError) as info:
            database.server_engine(url).connect()
        assert str(info.value) == (
            f"{database.display_url(url)}: the PostgreSQL server at {address} refused the login (password "
            f'authentication failed for user "{role}"); check the user name, and the password in ~/.pgpass '
            "or PGPASSWORD"
        )
        monkeypatch.delenv("PGPASSWORD")
        pgpass = tmp_path / "pgpass"
        pgpass.write_text(f"*:*:*:{role}:right-one\n")
        pgpass.chmod(0o600)
        monkeypatch.setenv("PGPASSFILE", str(pgpass))
        engine = database.server_engine(url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT current_user")).scalar_one() == role
        engine.dispose()
    finally:
        with open(hba, "w") as f:
            f.write(before)
        reload_conf(pg_url)
        with database.server_engine(pg_url).connect() as admin:
            admin.execute(text(f"DROP ROLE IF EXISTS {role}"))
            admin.commit()


def reload_conf(pg_url) -> None:
    engine = database.server_engine(pg_url)
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_reload_conf()"))
        conn.commit()
    engine.dispose()


def test_the_engine_reconnects_after_the_server_restarts(pg_server, pg, pg_url):
    with pg.connect() as conn:
        insert_scenes(conn, database.next_ids(conn, "scene", 1))
        conn.commit()
    held = pg.connect()
    assert held.execute(select(T["scene"].c.id)).scalars().all() == [1]
    held.commit()
    address = database.server_address(pg_url)
    pg_server.stop("fast")
    try:
        with pytest.raises(ServerUnreachableError) as info:
            held.execute(text("SELECT 1"))
        assert str(info.value).startswith(f"lost the connection to the PostgreSQL server at {address} (")
        held.rollback()
        with pytest.raises(ServerUnreachableError) as info:  # still down: reconnecting fails, and says so
            held.execute(text("SELECT 1"))
        assert str(info.value).startswith(f"cannot reach the PostgreSQL server at {address} (")
        held.rollback()
    finally:
        pg_server.start()
    with pg.connect() as conn:  # a pooled connection is checked before use and replaced
        assert conn.execute(select(T["scene"].c.id)).scalars().all() == [1]
    assert held.execute(select(T["scene"].c.id)).scalars().all() == [1]  # the held one reconnects too
    held.close()


def test_a_server_that_never_answers_is_given_up_on():
    with socket.socket() as silent:  # accepts the connection (backlog) and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        with pytest.raises(ServerUnreachableError) as info:
            database.server_engine(f"postgresql://ana@127.0.0.1:{port}/film").connect()
    assert str(info.value) == (
        f"cannot reach the PostgreSQL server at 127.0.0.1:{port} (timed out); is it running, and is the "
        "address right?"
    )


def test_a_readonly_engine_refuses_writes_with_a_project_error(pg, pg_url):
    engine = database.server_engine(pg_url, readonly=True)
    with engine.connect() as conn:
        assert conn.execute(select(T["scene"].c.id)).all() == []
        with pytest.raises(ProjectReadOnlyError, match=r"was opened for reading only"):
            insert_scenes(conn, [1])
    engine.dispose()
    with pg.connect() as conn:
        assert conn.execute(select(T["scene"].c.id)).all() == []


# ------------------------------------------------------------------ ids


def test_next_ids_are_never_reused_after_deletes(any_engine):
    with any_engine.connect() as conn:
        first = database.next_ids(conn, "scene", 3)
        assert first == sorted(first) and len(set(first)) == 3
        insert_scenes(conn, first)
        conn.commit()
        conn.execute(T["scene"].delete().where(T["scene"].c.id >= first[1]))  # the newest rows go
        conn.commit()
        again = database.next_ids(conn, "scene", 2)
        assert min(again) > max(first)
        insert_scenes(conn, again)
        conn.commit()
        assert conn.execute(select(T["scene"].c.id).order_by(T["scene"].c.id)).scalars().all() == [
            first[0],
            *again,
        ]
        assert database.next_ids(conn, "scene", 0) == []


def test_sequences_move_past_rows_copied_in_with_their_ids(pg):
    with pg.connect() as conn:
        insert_scenes(conn, [1, 2, 7])  # as a project copied from a bundle arrives
        database.set_id_marks(conn, database.id_marks(conn))
        conn.commit()
        assert database.next_ids(conn, "scene", 2) == [8, 9]
        assert database.next_ids(conn, "shot", 1) == [1]  # an empty table starts at 1


def test_next_ids_refuses_a_table_outside_the_schema(any_engine):
    with any_engine.connect() as conn, pytest.raises(ValueError, match="no table 'scene; drop'"):
        database.next_ids(conn, "scene; drop", 1)


# ------------------------------------------------------------------ locks


def test_write_lock_makes_a_second_writer_wait_for_the_first_to_commit(pg, pg_url):
    got_it = threading.Event()
    errors: list[BaseException] = []

    def second_writer():
        try:
            with pg.connect() as conn:
                database.write_lock(conn)
                got_it.set()
                insert_scenes(conn, database.next_ids(conn, "scene", 1))
                conn.commit()
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
            got_it.set()

    with pg.connect() as first:
        database.write_lock(first)
        insert_scenes(first, database.next_ids(first, "scene", 1))
        thread = threading.Thread(target=second_writer)
        thread.start()
        wait_for(lambda: waiting_advisory_locks(pg_url) == 1, "the second writer to wait on the lock")
        assert not got_it.is_set()
        first.commit()  # ends the transaction, and the lock with it
    thread.join(WAIT_S)
    assert not errors
    assert got_it.is_set()
    with pg.connect() as conn:
        assert len(conn.execute(select(T["scene"].c.id)).all()) == 2


def test_locks_do_nothing_on_sqlite(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'project.sqlite'}")
    with engine.connect() as a, engine.connect() as b:
        database.write_lock(a)
        database.write_lock(b)
        with database.migration_lock(a), database.migration_lock(b):
            pass
    engine.dispose()


def test_a_migration_lock_is_released_even_when_the_block_fails(pg, pg_url):
    with pg.connect() as conn:
        with pytest.raises(ProgrammingError, match="no_such_table"), database.migration_lock(conn):
            conn.execute(text("SELECT * FROM no_such_table"))  # leaves the transaction failed
        held = conn.execute(
            text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
        ).scalar_one()
        assert held == 0


# ------------------------------------------------------------------ change feed wake-ups


def test_a_listener_wakes_on_committed_changes_only(pg, pg_url):
    listener = database.FeedListener(pg_url)
    try:
        assert listener.wait(0) == []  # connected and listening; nothing happened yet
        with pg.connect() as conn:
            database.begin_write(conn)
            database.notify_feed(conn, 8)
            conn.rollback()  # a change that was not committed wakes nobody
            database.begin_write(conn)
            database.notify_feed(conn, 9)
            conn.commit()
        assert listener.wait(WAIT_S) == [9]
    finally:
        listener.close()


def test_a_listener_says_when_the_server_cannot_be_reached():
    port = closed_port()
    listener = database.FeedListener(f"postgresql://ana@127.0.0.1:{port}/film")
    with pytest.raises(
        ServerUnreachableError, match=rf"^cannot reach the PostgreSQL server at 127.0.0.1:{port} "
    ):
        listener.wait(0)
