"""The test suite's own PostgreSQL server (tests/pg_server.py, fixtures pg_server and pg_url)."""

import os
import pwd
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from pg_server import PgServer, PgServerError

TESTS = Path(__file__).resolve().parent


def test_table_round_trip_through_sqlalchemy(pg_url):
    assert pg_url.startswith("postgresql+psycopg://previz@127.0.0.1:")
    engine = sa.create_engine(pg_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE shot (id serial PRIMARY KEY, name text NOT NULL)"))
            conn.execute(sa.text("INSERT INTO shot (name) VALUES ('001_0010'), ('001_0020')"))
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT id, name FROM shot ORDER BY id")).all()
    finally:
        engine.dispose()
    assert [tuple(r) for r in rows] == [(1, "001_0010"), (2, "001_0020")]


def test_two_databases_are_isolated(pg_server, pg_url):
    other_url = pg_server.create_database()
    a, b = sa.create_engine(pg_url), sa.create_engine(other_url)
    try:
        with a.begin() as conn:
            conn.execute(sa.text("CREATE TABLE scene (name text)"))
            conn.execute(sa.text("INSERT INTO scene VALUES ('EXT. LIGHTHOUSE')"))
        with b.begin() as conn:
            conn.execute(sa.text("CREATE TABLE scene (name text)"))
        with b.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM scene")).scalar_one() == 0
        with a.connect() as conn:
            assert conn.execute(sa.text("SELECT name FROM scene")).scalars().all() == ["EXT. LIGHTHOUSE"]
    finally:
        a.dispose()
        b.dispose()
        pg_server.drop_database(other_url.rsplit("/", 1)[1])


def test_restart_keeps_data_and_accepts_new_connections(pg_server, pg_url):
    port = pg_server.port
    engine = sa.create_engine(pg_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE take (n int)"))
            conn.execute(sa.text("INSERT INTO take VALUES (7)"))
        open_conn = psycopg.connect(pg_server.conninfo(pg_url.rsplit("/", 1)[1]))
        pg_server.restart()
        # a connection open across the restart is cut, as a client of a restarted server sees it
        with pytest.raises(psycopg.OperationalError):
            open_conn.execute("SELECT 1")
        open_conn.close()
        engine.dispose()  # the pool's connections died with the old server
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT n FROM take")).scalars().all() == [7]
    finally:
        engine.dispose()
    assert pg_server.port == port
    assert pg_server.url("x") == f"postgresql+psycopg://previz@127.0.0.1:{port}/x"


def test_listen_notify_between_two_connections(pg_server, pg_url):
    dbname = pg_url.rsplit("/", 1)[1]
    with (
        psycopg.connect(pg_server.conninfo(dbname), autocommit=True) as listener,
        psycopg.connect(pg_server.conninfo(dbname), autocommit=True) as notifier,
    ):
        listener.execute("LISTEN previz_changes")
        notifier.execute("SELECT pg_notify('previz_changes', 'shot 001_0010')")
        got = [(n.channel, n.payload) for n in listener.notifies(timeout=10, stop_after=1)]
    assert got == [("previz_changes", "shot 001_0010")]


def test_unix_socket_connection(pg_server, pg_url):
    dbname = pg_url.rsplit("/", 1)[1]
    sock = str(pg_server.socket_dir)
    with psycopg.connect(host=sock, port=pg_server.port, user="previz", dbname=dbname) as c:
        assert c.execute("SELECT current_database()").fetchone() == (dbname,)


def test_drop_database_cuts_open_connections(pg_server):
    url = pg_server.create_database("t_drop_me")
    conn = psycopg.connect(pg_server.conninfo("t_drop_me"))
    pg_server.drop_database("t_drop_me")
    with pytest.raises(psycopg.OperationalError):
        conn.execute("SELECT 1")
    conn.close()
    with psycopg.connect(pg_server.conninfo("postgres")) as admin:
        names = [r[0] for r in admin.execute("SELECT datname FROM pg_database")]
    assert "t_drop_me" not in names
    assert url.endswith("/t_drop_me")


def test_server_files_belong_to_an_unprivileged_user(pg_server):
    owner = pg_server.data_dir.stat().st_uid
    if os.geteuid() == 0:
        assert pg_server.run_as in ("postgres", "nobody")
        assert owner == pwd.getpwnam(pg_server.run_as).pw_uid != 0
    else:
        assert pg_server.run_as is None
        assert owner == os.geteuid()


def test_bad_database_name_is_refused(pg_server):
    with pytest.raises(PgServerError, match="database name 'Robert\"; DROP'"):
        pg_server.create_database('Robert"; DROP')


def test_folder_without_server_binaries_says_how_to_install(tmp_path):
    expected = r"does not hold initdb, pg_ctl, postgres.*apt-get install postgresql"
    with pytest.raises(PgServerError, match=expected):
        PgServer(bindir=tmp_path).start()


def _child(code: str) -> list[str]:
    """Run a Python child that starts a PgServer; returns what it printed."""
    head = f"import os, sys, signal\nsys.path.insert(0, {str(TESTS)!r})\nfrom pg_server import PgServer\n"
    prog = head + code
    out = subprocess.run([sys.executable, "-c", prog], capture_output=True, text=True, timeout=120)
    return out.stdout.split()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_server_is_stopped_and_removed_when_python_exits_without_closing():
    root, pid = _child("s = PgServer().start(); print(s.root, s.postmaster_pid)")
    assert not Path(root).exists()
    assert not _alive(int(pid))


def test_cluster_of_a_killed_run_is_reaped_by_the_next_start():
    root, pid = _child(
        "s = PgServer().start(); print(s.root, s.postmaster_pid, flush=True); "
        "os.kill(os.getpid(), signal.SIGKILL)"
    )
    assert _alive(int(pid)), "the killed run left its server running"
    with PgServer() as fresh:
        assert fresh.running
    assert not Path(root).exists()
    assert not _alive(int(pid))
