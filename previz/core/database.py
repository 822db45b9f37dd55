"""What differs between the two places a project's rows live: a bundle's SQLite file, a PostgreSQL database.

``server_engine`` makes the engine on a PostgreSQL project (``postgresql://user@host:5432/film``): it
connects within 5 s or says why not in one line naming the server, reconnects after a server restart
(``pool_pre_ping``), and takes passwords only from libpq's usual places (``~/.pgpass``, ``PGPASSWORD``) —
never from the URL, which the project records and shells keep in their history.

The rest works on a connection of either dialect: ids that are never reused (``next_ids``), the lock that
serialises schema migrations (``migration_lock``) and the one that serialises writers (``write_lock``).
SQLite needs neither lock here: the bundle's lock file and ``BEGIN IMMEDIATE`` do that job.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Text,
    bindparam,
    cast,
    create_engine,
    event,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy import column as sql_column
from sqlalchemy import table as sql_table
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from previz.core.errors import (
    DatabaseMissingError,
    ProjectError,
    ProjectLockedError,
    ProjectReadOnlyError,
    ServerAuthError,
    ServerUnreachableError,
)

SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")
DRIVER = "postgresql+psycopg"
DEFAULT_PORT = 5432
#: Seconds libpq waits for the server to answer: the user hears within 5 s (libpq takes 2 at least).
CONNECT_TIMEOUT = 4

#: Keys of PostgreSQL advisory locks (one number space per database): "previz" in ASCII, then 1 and 2.
MIGRATION_LOCK_KEY = 0x7072_6576_697A_0001
WRITE_LOCK_KEY = 0x7072_6576_697A_0002


def is_server_url(value: object) -> bool:
    """Whether ``value`` (a command-line argument, a path, a preference) names a PostgreSQL project."""
    return str(value).strip().lower().startswith(SCHEMES)


def parse_server_url(url: str | URL) -> URL:
    """The SQLAlchemy URL of a PostgreSQL project, on the psycopg driver; refuses a URL holding a password."""
    text_url = str(url).strip()
    if not is_server_url(text_url):
        raise ProjectError(
            f"{text_url}: not a PostgreSQL URL (expected postgresql://user@host:5432/database)"
        )
    try:
        parsed = make_url(text_url)
    except ArgumentError:
        raise ProjectError(
            f"{_strip_password_text(text_url)}: not a valid PostgreSQL URL "
            "(expected postgresql://user@host:5432/database)"
        ) from None
    if parsed.password is not None or "password" in parsed.query:
        raise ProjectError(
            f"{display_url(parsed)}: the URL holds a password; remove it and put the password in ~/.pgpass "
            "or the PGPASSWORD environment variable (a project never stores a password, and command lines "
            "end up in shell history)"
        )
    if not parsed.database:
        raise ProjectError(
            f"{display_url(parsed)}: no database named (expected postgresql://user@host/database)"
        )
    return parsed.set(drivername=DRIVER)


def _strip_password_text(text_url: str) -> str:
    """``text_url`` with any ``user:password@`` reduced to ``user@`` (for a URL SQLAlchemy cannot parse)."""
    return re.sub(r"^([a-z+]+://[^:/@]*):[^@/]*@", r"\1@", text_url, flags=re.IGNORECASE)


def display_url(url: str | URL) -> str:
    """The URL as messages show it: ``postgresql://user@host:port/db``, without any password."""
    try:
        parsed = make_url(str(url).strip()) if not isinstance(url, URL) else url
    except ArgumentError:
        return _strip_password_text(str(url).strip())
    shown = URL.create(
        "postgresql",
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query={k: v for k, v in parsed.query.items() if k != "password"},
    )
    return shown.render_as_string(hide_password=False)


def server_address(url: str | URL) -> str:
    """``host:port`` of the server a URL names (``localhost`` or a socket folder when it names no host)."""
    parsed = make_url(str(url)) if not isinstance(url, URL) else url
    host = parsed.host or parsed.query.get("host") or "localhost"
    if isinstance(host, tuple):
        host = host[0]
    return f"{host}:{parsed.port or DEFAULT_PORT}"


def server_engine(url: str | URL, *, readonly: bool = False) -> Engine:
    """An engine on the PostgreSQL project at ``url``; ``readonly`` makes every transaction read-only.

    Its connection errors are one-line ProjectErrors naming the server (see ``server_error``)."""
    parsed = parse_server_url(url)
    connect_args: dict[str, object] = {"connect_timeout": CONNECT_TIMEOUT, "application_name": "previz"}
    if readonly:
        connect_args["options"] = "-c default_transaction_read_only=on"
    engine = create_engine(parsed, pool_pre_ping=True, connect_args=connect_args)
    shown = display_url(parsed)
    address = server_address(parsed)

    def _project_error(context) -> None:
        if context.is_pre_ping:  # the pool reconnects on its own; only the retry's failure is the user's
            return
        connecting = context.connection is None  # no connection yet: the error is about making one
        mapped = server_error(
            context.original_exception, shown, address, parsed.database or "", connecting=connecting
        )
        if mapped is not None:
            raise mapped

    event.listen(engine, "handle_error", _project_error)
    return engine


_CONNECT_FAILED = ("connection failed:", "connection timeout expired", "failed to resolve host")
_LOST = (
    "server closed the connection",
    "terminating connection",
    "connection is closed",
    "connection already closed",
    "consuming input failed",
    "the connection is lost",
    "ssl syscall error",
    "could not receive data",
    "could not send data",
)
_AUTH = (
    "password authentication failed",
    "no password supplied",
    "authentication failed",
    'role "',  # role "x" does not exist
    "no pg_hba.conf entry",
    "permission denied for database",
)


def server_error(
    exc: BaseException, shown: str, address: str, database: str, *, connecting: bool
) -> ProjectError | None:
    """The one-line ProjectError for a PostgreSQL error about reaching the project (the server, the login,
    the database), or None for any other error (a constraint, a programming error), which stays itself.
    ``connecting``: the error came while connecting (else on a connection that was working)."""
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return None
    if not isinstance(exc, psycopg.Error):
        return None
    if getattr(exc, "sqlstate", None) == "55P03":  # lock_not_available: lock_timeout spent waiting
        from previz.core import bundle

        return ProjectLockedError(
            f"{shown}: another process has been writing to the project for longer than "
            f"{bundle.BUSY_TIMEOUT_MS // 1000} s (a big import?); nothing was changed: try again when it has "
            "finished"
        )
    if getattr(exc, "sqlstate", None) == "25006":  # read_only_sql_transaction
        return ProjectReadOnlyError(
            f"read-only: {shown} was opened for reading only; open it without read-only to change it"
        )
    if not isinstance(exc, psycopg.OperationalError):
        return None
    message = str(exc)
    lower = message.lower()
    reason = _reason(message)
    # psycopg's own words for a failed attempt: also when an invalidated connection reconnects on use
    connecting = connecting or lower.startswith(_CONNECT_FAILED)
    if not connecting:
        if any(s in lower for s in _LOST):
            return ServerUnreachableError(
                f"lost the connection to the PostgreSQL server at {address} ({reason}); the change in "
                "progress was not saved; it reconnects on the next try"
            )
        return None  # a deadlock, a cancelled statement: the caller's to handle
    if "does not exist" in lower and "database" in lower:
        return DatabaseMissingError(
            f"{shown}: no database {database!r} on the PostgreSQL server at {address}; create the project "
            f"with `previz new {shown} --media DIR`, or check the name"
        )
    if any(s in lower for s in _AUTH):
        return ServerAuthError(
            f"{shown}: the PostgreSQL server at {address} refused the login ({reason}); check the user name, "
            "and the password in ~/.pgpass or PGPASSWORD"
        )
    return ServerUnreachableError(
        f"cannot reach the PostgreSQL server at {address} ({reason}); is it running, and is the address "
        "right?"
    )


def _reason(message: str) -> str:
    """The useful part of libpq's message: its last clause, without FATAL: and the hint lines."""
    first = message.strip().splitlines()[0] if message.strip() else message
    first = first.rsplit(" failed: ", 1)[-1]
    first = re.sub(r"^(connection failed:\s*)", "", first)
    first = re.sub(r"^(FATAL|ERROR):\s*", "", first).strip()
    lower = first.lower()
    if "timeout" in lower or "timed out" in lower:
        return "timed out"
    if "connection refused" in lower:
        return "connection refused"
    return first.rstrip(".")


# ---------------------------------------------------------------- ids and locks, on either dialect


def _id_column(table: str):
    from previz.core.models import Base

    try:
        return Base.metadata.tables[table].c.id
    except KeyError:
        raise ValueError(f"no table {table!r} with an id column in the Previz schema") from None


_SQLITE_SEQUENCE = sql_table("sqlite_sequence", sql_column("name"), sql_column("seq"))
_HIGH_IDS: dict[str, Any] = {}


def _high_ids_query(table: str, column) -> Any:
    """``SELECT max(id), (the table's sqlite_sequence) FROM table`` in one statement, built once per table
    (every add asks it)."""
    query = _HIGH_IDS.get(table)
    if query is None:
        seq = select(_SQLITE_SEQUENCE.c.seq).where(_SQLITE_SEQUENCE.c.name == table).scalar_subquery()
        query = _HIGH_IDS[table] = select(func.max(column), seq)
    return query


def next_ids(conn: Connection, table: str, n: int) -> list[int]:
    """``n`` ids for new rows of ``table``, ascending, never given out before (not even to rows since
    deleted). Callers insert the rows with these explicit ids, in the transaction of their write lock.

    SQLite: after the largest id ever used (``sqlite_sequence``) or present. PostgreSQL: the table's id
    sequence, whose values are never handed out twice, even by transactions rolled back."""
    if n <= 0:
        return []
    column = _id_column(table)
    if conn.dialect.name == "postgresql":
        rows = conn.execute(
            text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
            {"t": table, "n": n},
        ).scalars()
        return sorted(int(v) for v in rows)
    top, seq = conn.execute(_high_ids_query(table, column)).one()
    first = max(seq or 0, top or 0) + 1
    return list(range(first, first + n))


def id_marks(conn: Connection) -> dict[str, int]:
    """Each table's id high-water mark: the largest id ever handed out, rows since deleted included
    (SQLite's ``sqlite_sequence``, PostgreSQL's id sequences), or present."""
    from previz.core.models import Base

    tables = {n: t for n, t in Base.metadata.tables.items() if "id" in t.c and t.c.id.primary_key}
    marks: dict[str, int] = {}
    for name, table in tables.items():
        top = conn.execute(select(func.max(table.c.id))).scalar()
        if top is not None:
            marks[name] = int(top)
    if conn.dialect.name == "postgresql":
        for name in tables:
            value = conn.execute(
                text("SELECT pg_sequence_last_value(pg_get_serial_sequence(:t, 'id')::regclass)"), {"t": name}
            ).scalar()
            if value is not None:
                marks[name] = max(marks.get(name, 0), int(value))
    else:
        for name, seq in conn.execute(text("SELECT name, seq FROM sqlite_sequence")).all():
            if name in tables and seq:  # 0: no id handed out yet (a table copied by a migration keeps it)
                marks[name] = max(marks.get(name, 0), int(seq))
    return marks


def set_id_marks(conn: Connection, marks: dict[str, int]) -> None:
    """Move each table's id high-water mark up to ``marks`` (never down), so ids handed out before (in the
    project a copy came from) are never handed out again."""
    if conn.dialect.name == "postgresql":
        claim_ids(conn, marks)
        return
    from previz.core.models import Base

    for name, mark in marks.items():
        if not Base.metadata.tables[name].dialect_options["sqlite"].get("autoincrement"):
            continue  # SQLite keeps no high-water mark for it (the project row)
        updated = conn.execute(
            text("UPDATE sqlite_sequence SET seq = MAX(seq, :v) WHERE name = :t"), {"t": name, "v": mark}
        ).rowcount
        if not updated:
            conn.execute(
                text("INSERT INTO sqlite_sequence (name, seq) VALUES (:t, :v)"), {"t": name, "v": mark}
            )


@contextmanager
def migration_lock(conn: Connection) -> Iterator[None]:
    """Hold the project's migration lock for the block (PostgreSQL: a session-level advisory lock, waiting
    while another client migrates). The block commits or rolls back its own work. SQLite: nothing (the
    bundle's lock covers it)."""
    if conn.dialect.name != "postgresql":
        yield
        return
    conn.execute(select(func.pg_advisory_lock(MIGRATION_LOCK_KEY)))
    try:
        yield
    finally:
        _unlock(conn)


def _unlock(conn: Connection) -> None:
    if conn.invalidated or conn.closed:
        return  # the server dropped the session, and its locks with it
    try:
        conn.execute(select(func.pg_advisory_unlock(MIGRATION_LOCK_KEY)))
    except DBAPIError:
        if conn.invalidated:
            return
        conn.rollback()  # a failed transaction refuses every statement until it ends
        conn.execute(select(func.pg_advisory_unlock(MIGRATION_LOCK_KEY)))
    conn.commit()


def write_lock(conn: Connection) -> None:
    """Serialise writers of the project until the current transaction ends (PostgreSQL: a transaction-level
    advisory lock; writers then behave like SQLite's ``BEGIN IMMEDIATE``, and history ids commit in order).
    Take it before the transaction reads what it will change. SQLite: nothing."""
    if conn.dialect.name == "postgresql":
        from previz.core import bundle  # one wait limit for both kinds of project

        # One round trip: the lock is asked for on the row the timeout's setting made, so after it.
        conn.execute(_WRITE_LOCK, {"timeout": str(int(bundle.BUSY_TIMEOUT_MS)), "key": WRITE_LOCK_KEY})


#: ``SET LOCAL lock_timeout`` then the write lock, in one statement (every edit takes it).
_WRITE_LOCK = text(
    "WITH timeout AS (SELECT set_config('lock_timeout', :timeout, true)) "
    "SELECT pg_advisory_xact_lock(CAST(:key AS BIGINT)) FROM timeout"
)


#: The advisory lock every open writer holds shared and gc holds alone (PostgreSQL's ``project.lock``).
OPEN_LOCK_KEY = 0x7072_6576_697A_0003


def begin_write(conn: Connection) -> None:
    """Begin a write transaction that serialises writers of the project (the caller commits or rolls
    back): SQLite's ``BEGIN IMMEDIATE``, or PostgreSQL's transaction-level write lock."""
    if conn.dialect.name == "sqlite":
        from previz.core.bundle import begin_write as begin_sqlite

        begin_sqlite(conn)
        return
    if conn.in_transaction():
        conn.commit()
    conn.begin()
    write_lock(conn)


def notify_feed(conn: Connection, history_id: int) -> None:
    """Wake other clients of a PostgreSQL project (delivered when the transaction commits); SQLite clients
    poll instead."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_notify(FEED_CHANNEL, str(history_id))))


#: The LISTEN/NOTIFY channel of the change feed.
FEED_CHANNEL = "previz_feed"


#: PostgreSQL's clock as ISO UTC text, as the history's ``created_at`` holds it.
SERVER_NOW_SQL = "to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\"')"


def now_text(conn: Connection) -> str | None:
    """The database server's clock as ISO UTC text (PostgreSQL), so a client whose clock is wrong still
    records when things happened; None on SQLite (the machine's own clock is the database's)."""
    if conn.dialect.name != "postgresql":
        return None
    return conn.execute(text(f"SELECT {SERVER_NOW_SQL}")).scalar_one()


_FEED_INSERT: dict[tuple[str, bool], Any] = {}


def _feed_insert(dialect: str, drop_redo: bool) -> Any:
    """The statement of :func:`append_feed_row`, built once per dialect and kind."""
    stmt = _FEED_INSERT.get((dialect, drop_redo))
    if stmt is not None:
        return stmt
    from previz.core.models import Base

    h = Base.metadata.tables["history"]
    redo = (h.c.author == bindparam("redo_author"), h.c.kind == "edit", h.c.undone.is_(True))
    if dialect == "postgresql":
        stmt = h.insert().values(created_at=literal_column(SERVER_NOW_SQL))
        if drop_redo:  # a data-modifying CTE runs whether or not the INSERT refers to it
            stmt = stmt.add_cte(h.delete().where(*redo).cte("dropped_redo"))
        stmt = stmt.returning(h.c.id, func.pg_notify(FEED_CHANNEL, cast(h.c.id, Text)))
    else:
        stmt = h.delete().where(*redo) if drop_redo else h.insert().returning(h.c.id)
    _FEED_INSERT[(dialect, drop_redo)] = stmt
    return stmt


def append_feed_row(
    conn: Connection, row: dict[str, Any], local_now: str, *, drop_redo_of: str | None = None
) -> int:
    """Insert ``row`` (without ``created_at``) into the history table and return its id, after deleting the
    redo steps of author ``drop_redo_of`` when given (a new edit starts their redo list afresh). On SQLite
    the row is stamped ``local_now``; on PostgreSQL the delete, the insert stamped with the server's clock
    and the notification of the other clients (delivered at commit) are one statement (``now_text`` and
    ``notify_feed`` apart would be three more round trips on every edit)."""
    dialect = conn.dialect.name
    drop = drop_redo_of is not None
    if dialect == "postgresql":
        params = dict(row, redo_author=drop_redo_of) if drop else row
        return conn.execute(_feed_insert(dialect, drop), params).first()[0]
    if drop:
        conn.execute(_feed_insert(dialect, True), {"redo_author": drop_redo_of})
    return conn.execute(_feed_insert(dialect, False), dict(row, created_at=local_now)).scalar_one()


class ServerLock:
    """The PostgreSQL counterpart of ``bundle.ProjectLock``: a session-level advisory lock on a connection
    of its own, held shared by every open writer and alone by ``previz gc``."""

    WAIT_S = 30.0
    EXCLUSIVE_WAIT_S = 3.0

    def __init__(self, engine: Engine, shown: str) -> None:
        self._engine = engine
        self._shown = shown
        self._conn: Connection | None = None

    def acquire(self) -> None:
        import time

        conn = self._engine.connect()
        deadline = time.monotonic() + self.WAIT_S
        while not conn.execute(select(func.pg_try_advisory_lock_shared(OPEN_LOCK_KEY))).scalar():
            conn.commit()
            if time.monotonic() > deadline:
                conn.close()
                raise ProjectLockedError(
                    f"{self._shown}: another client has the project to itself (`previz gc`); try again when "
                    "it has finished"
                )
            time.sleep(0.1)
        conn.commit()
        self._conn = conn

    @contextmanager
    def exclusive(self, purpose: str) -> Iterator[None]:
        import time

        conn = self._conn or self._engine.connect()
        try:
            # A client that has just closed may still hold the lock for a moment, until its server process
            # has noticed: look again for a few seconds before saying the project is open elsewhere.
            deadline = time.monotonic() + self.EXCLUSIVE_WAIT_S
            while not (got := conn.execute(select(func.pg_try_advisory_lock(OPEN_LOCK_KEY))).scalar()):
                conn.commit()
                if time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            conn.commit()
            if not got:
                raise ProjectLockedError(
                    f"{self._shown}: open in another process (here or on another machine); {purpose} needs "
                    "the project to itself: close the apps and stop other commands and workers on it first"
                )
            try:
                yield
            finally:
                conn.execute(select(func.pg_advisory_unlock(OPEN_LOCK_KEY)))
                conn.commit()
        finally:
            if conn is not self._conn:
                conn.close()

    def release(self) -> None:
        if self._conn is not None:
            try:
                if not self._conn.invalidated:
                    self._conn.execute(select(func.pg_advisory_unlock_shared(OPEN_LOCK_KEY)))
                    self._conn.commit()
            except DBAPIError:
                pass  # the server is gone, and the lock with its session
            except ProjectError:
                pass
            finally:
                self._conn.close()
                self._conn = None

    @property
    def held(self) -> bool:
        return self._conn is not None


def claim_ids(conn: Connection, used: dict[str, int]) -> None:
    """After rows were inserted with ids counted on from one ``next_ids`` value (a bulk import), move each
    table's id sequence past the largest (PostgreSQL; SQLite's AUTOINCREMENT tracks it by itself)."""
    if conn.dialect.name != "postgresql":
        return
    for table, top in used.items():
        if top <= 0:
            continue  # no id handed out: the sequence starts at 1 as it is (setval refuses 0)
        conn.execute(
            text(
                "SELECT setval(pg_get_serial_sequence(:t, 'id'), GREATEST(:top, "
                "COALESCE(pg_sequence_last_value(pg_get_serial_sequence(:t, 'id')::regclass), 0)))"
            ),
            {"t": table, "top": top},
        )


class FeedListener:
    """Wakes a client of a PostgreSQL project when another one commits a change (``LISTEN`` on
    ``FEED_CHANNEL``, on a connection of its own). A notification can be missed (while reconnecting), so a
    wake-up only says when to read the history table after the last id seen, never what to read."""

    def __init__(self, url: str | URL) -> None:
        parsed = parse_server_url(url)
        self._conninfo = display_url(parsed)  # libpq reads the URL itself; it never holds a password
        self._shown = self._conninfo
        self._address = server_address(parsed)
        self._database = parsed.database or ""
        self._conn = None

    def wait(self, timeout: float) -> list[int]:
        """The history ids notified within ``timeout`` seconds (stops at the first packet; [] when none
        came). Connects, and starts listening, on first use and after a lost connection."""
        import psycopg

        if self._conn is None or self._conn.closed:
            try:
                self._conn = psycopg.connect(
                    self._conninfo,
                    autocommit=True,
                    connect_timeout=CONNECT_TIMEOUT,
                    application_name="previz",
                )
                self._conn.execute(f"LISTEN {FEED_CHANNEL}")
            except psycopg.Error as exc:
                self.close()
                raise (
                    server_error(exc, self._shown, self._address, self._database, connecting=True) or exc
                ) from None
        try:
            got = [n.payload for n in self._conn.notifies(timeout=timeout, stop_after=1)]
        except psycopg.Error as exc:
            self.close()
            raise (
                server_error(exc, self._shown, self._address, self._database, connecting=False) or exc
            ) from None
        return [int(p) for p in got if p.isdigit()]

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None


def create_database(url: str | URL) -> None:
    """Create the (missing) database a project URL names, through the server's ``postgres`` maintenance
    database; a ProjectError naming what to ask the server's administrator when the role may not."""
    parsed = parse_server_url(url)
    engine = server_engine(parsed.set(database="postgres"))
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            name = parsed.database or ""
            conn.exec_driver_sql(f'CREATE DATABASE "{name.replace(chr(34), chr(34) * 2)}"')
    except DBAPIError as exc:
        raise ProjectError(
            f"{display_url(parsed)}: the database does not exist and cannot be created by "
            f"{parsed.username or 'this user'} ({_reason(str(exc.orig or exc))}); ask the server's "
            f"administrator to create it (createdb {parsed.database}) and give you its ownership"
        ) from None
    finally:
        engine.dispose()
