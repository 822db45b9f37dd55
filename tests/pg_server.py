"""A throwaway PostgreSQL server for the test suite (issue 13: projects may live in PostgreSQL).

`PgServer().start()` runs `initdb` into a fresh temporary folder and starts a postmaster listening on
127.0.0.1 (a free port) and on a Unix socket in that folder, with a superuser role `previz` that
connects without a password (trust auth). Settings favour speed over durability (fsync off).

initdb refuses to run as root, so when the tests run as root (CI) the server binaries run as an
unprivileged user (`postgres` where it exists, else `nobody`) and the folder belongs to that user.

The server is stopped and its folder removed by `close()`, and at interpreter exit in any case; a
cluster left behind by a killed run is reaped by the next `start()`. No PostgreSQL test is skipped:
when no server binaries can be found, `start()` raises `PgServerError` saying how to install them.

Run as a script, `python tests/pg_server.py` prints the folder holding the server binaries, or the
install hint and exits 1 (`tools/ensure-postgres` uses it).
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

SUPERUSER = "previz"
HOST = "127.0.0.1"
READY_TIMEOUT_S = 60
SERVER_PROGRAMS = ("initdb", "pg_ctl", "postgres")
DIR_PREFIX = "previz-pg-"
_DB_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

INSTALL_HINT = (
    "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found in `pg_config --bindir`, "
    "/usr/lib/postgresql/*/bin or PATH; the PostgreSQL tests need them: install the server "
    "(Debian/Ubuntu: `apt-get install postgresql`, which `make test` does itself when run as root; "
    "Fedora: `dnf install postgresql-server`; macOS: `brew install postgresql`) "
    "or set PREVIZ_PG_BINDIR to the folder holding them"
)

# Test settings: nothing here has to survive a power cut.
FAST_SETTINGS = {
    "listen_addresses": f"'{HOST}'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
    "log_min_messages": "warning",
    "log_line_prefix": "'%m [%p] %d '",
}


class PgServerError(RuntimeError):
    """The test PostgreSQL server could not be found, started or stopped."""


def _is_server_bindir(path: str | os.PathLike) -> bool:
    return all(os.access(Path(path, p), os.X_OK) for p in SERVER_PROGRAMS)


def _version_key(bindir: str) -> tuple[int, ...]:
    version = Path(bindir).parent.name  # /usr/lib/postgresql/15/bin -> "15"
    return tuple(int(p) for p in re.findall(r"\d+", version)) or (0,)


def find_bindir() -> Path:
    """The folder holding initdb, pg_ctl and postgres; PgServerError with an install hint if none."""
    candidates: list[str] = []
    if os.environ.get("PREVIZ_PG_BINDIR"):
        candidates.append(os.environ["PREVIZ_PG_BINDIR"])
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=30)
            if out.returncode == 0 and out.stdout.strip():
                candidates.append(out.stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(os.path.dirname(initdb))
    for c in candidates:
        if _is_server_bindir(c):
            return Path(c)
    raise PgServerError(INSTALL_HINT)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process
    try:  # a zombie (exited, not yet reaped by its parent) is dead to us
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _wait_dead(pid: int) -> bool:
    """Wait (up to READY_TIMEOUT_S) for a process to end; True when it did."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while _pid_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _clean_env() -> dict[str, str]:
    """Our environment without PG* variables (PGPORT, PGDATA... would override what we pass)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C"  # English server messages, so failures read the same everywhere
    return env


class PgServer:
    """One throwaway PostgreSQL cluster. `start()`, `url(db)`, `create_database()`, `restart()`,
    `close()`. Not thread-safe; meant for one pytest session."""

    def __init__(self, bindir: str | os.PathLike | None = None) -> None:
        self._bindir = Path(bindir) if bindir else None
        self.host = HOST
        self.port: int | None = None
        self.root: Path | None = None  # temp folder: data/, sock/, server.log, owner
        self.run_as: str | None = None  # the unprivileged user when we are root
        self._owner_pid = os.getpid()
        self._running = False
        self._closed = False
        self._atexit_registered = False

    # ---- paths

    @property
    def bindir(self) -> Path:
        if self._bindir is None:
            self._bindir = find_bindir()
        elif not _is_server_bindir(self._bindir):
            raise PgServerError(f"{self._bindir} does not hold {', '.join(SERVER_PROGRAMS)}. {INSTALL_HINT}")
        return self._bindir

    @property
    def data_dir(self) -> Path:
        return self._require_root() / "data"

    @property
    def socket_dir(self) -> Path:
        return self._require_root() / "sock"

    @property
    def log_file(self) -> Path:
        return self._require_root() / "server.log"

    @property
    def running(self) -> bool:
        return self._running

    @property
    def postmaster_pid(self) -> int | None:
        """The pid of the running server's main process, None when it is not running."""
        if self.root is None:
            return None
        return _postmaster_pid_in(self.data_dir)

    def _require_root(self) -> Path:
        if self.root is None:
            raise PgServerError("the test PostgreSQL server was never started: call start() first")
        return self.root

    # ---- URLs

    def url(self, dbname: str) -> str:
        """SQLAlchemy URL of `dbname` as the superuser over TCP, no password."""
        return f"postgresql+psycopg://{SUPERUSER}@{self.host}:{self._require_port()}/{dbname}"

    def superuser_url(self) -> str:
        """SQLAlchemy URL of the maintenance database `postgres` as the superuser."""
        return self.url("postgres")

    def conninfo(self, dbname: str) -> str:
        """libpq connection string of `dbname` (for psycopg.connect)."""
        return f"host={self.host} port={self._require_port()} user={SUPERUSER} dbname={dbname}"

    def _require_port(self) -> int:
        if self.port is None:
            raise PgServerError("the test PostgreSQL server was never started: call start() first")
        return self.port

    # ---- lifecycle

    def start(self) -> PgServer:
        """Create the cluster (first time only) and start the server; returns once it accepts
        connections. Does nothing when it is already running. Reuses the port of an earlier start."""
        if self._closed:
            raise PgServerError("this test PostgreSQL server was closed; make a new PgServer")
        if self._running:
            return self
        if self.root is None:
            self._reap_stale_clusters()
            self._init_cluster()
        if self.port is not None:
            self._start_on(self.port)
        else:
            self._start_on_free_port()
        return self

    def stop(self, mode: str = "immediate") -> None:
        """Stop the server, keeping its data. `mode` is pg_ctl's: immediate (like a crash; with
        synchronous_commit off the last commits may be lost), fast (clean: disconnects clients,
        checkpoints) or smart (waits for clients to leave)."""
        if not self._running:
            return
        self._running = False
        result = self._run_pg_ctl(["stop", "-m", mode, "-w", "-t", str(READY_TIMEOUT_S)], check=False)
        if result.returncode != 0 and self.postmaster_pid is not None:
            self._kill_postmaster()
            if self.postmaster_pid is not None:
                raise PgServerError(f"pg_ctl stop failed: {result.stdout.strip()}")

    def restart(self, mode: str = "fast") -> None:
        """Stop then start on the same port and data folder, as an administrator restarting the
        server does: clients' connections are cut, committed data stays (mode 'fast' by default,
        a clean shutdown; 'immediate' simulates a crash)."""
        self.stop(mode)
        self.start()

    def close(self) -> None:
        """Stop the server (immediate) and remove its folder. Idempotent; also run at exit."""
        if self._closed or os.getpid() != self._owner_pid:  # a forked child must not stop our server
            return
        self._closed = True
        try:
            self.stop("immediate")
        finally:
            if self.root is not None and self.postmaster_pid is None:
                shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PgServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- databases

    def create_database(self, name: str | None = None) -> str:
        """Create an empty database (a fresh unique name when none is given); returns its URL."""
        name = name or f"t_{uuid.uuid4().hex[:12]}"
        self._check_name(name)
        with self._admin_connection() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, cutting any connection still open to it first. Missing is fine."""
        self._check_name(name)
        with self._admin_connection() as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            force = " WITH (FORCE)" if conn.info.server_version >= 130000 else ""
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"{force}')

    def _check_name(self, name: str) -> None:
        if not _DB_NAME.match(name):
            raise PgServerError(
                f"database name {name!r}: use 1-63 lower-case letters, digits or _, not starting with a digit"
            )

    def _admin_connection(self):
        """An autocommit psycopg connection to the maintenance database, starting the server if needed."""
        import psycopg  # only PostgreSQL tests pay for the import

        self.start()
        return psycopg.connect(self.conninfo("postgres"), autocommit=True, connect_timeout=30)

    # ---- internals

    def _init_cluster(self) -> None:
        bindir = self.bindir  # fail with the install hint before making anything
        self.run_as = self._unprivileged_user()
        base = self._temp_base()
        self.root = Path(tempfile.mkdtemp(prefix=DIR_PREFIX, dir=base))
        atexit.register(self.close)
        (self.root / "owner").write_text(f"{os.getpid()}\n")
        self.socket_dir.mkdir()
        self.log_file.touch()
        if self.run_as:
            pw = pwd.getpwnam(self.run_as)
            for p in (self.root, self.socket_dir, self.log_file):
                os.chown(p, pw.pw_uid, pw.pw_gid)
        os.chmod(self.root, 0o755)
        result = self._run(
            [
                str(bindir / "initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
                "--no-instructions",
            ]
        )
        if result.returncode != 0:
            raise PgServerError(f"initdb failed (exit {result.returncode}):\n{result.stdout}")
        settings = dict(FAST_SETTINGS, unix_socket_directories=f"'{self.socket_dir}'")
        conf = "".join(f"{k} = {v}\n" for k, v in settings.items())
        with open(self.data_dir / "postgresql.conf", "a", encoding="utf-8") as f:
            f.write("\n# previz test server\n" + conf)

    def _start_on_free_port(self) -> None:
        last: PgServerError | None = None
        for _ in range(5):  # another process may take the free port between probe and bind
            port = _free_port()
            try:
                self._start_on(port)
                return
            except PgServerError as e:
                if "Address already in use" not in str(e):
                    raise
                last = e
        raise last  # type: ignore[misc]

    def _start_on(self, port: int) -> None:
        log_start = self.log_file.stat().st_size
        result = self._run_pg_ctl(
            ["start", "-w", "-t", str(READY_TIMEOUT_S), "-l", str(self.log_file), "-o", f"-p {port}"],
            check=False,
        )
        if result.returncode != 0:
            if self.postmaster_pid is not None:
                self._kill_postmaster()
            raise PgServerError(
                f"PostgreSQL did not start on port {port} (pg_ctl exit {result.returncode}): "
                f"{result.stdout.strip()}\nserver log:\n{self._log_since(log_start)}"
            )
        self.port = port
        self._running = True
        self._wait_until_accepting()

    def _wait_until_accepting(self) -> None:
        import psycopg

        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            try:
                with psycopg.connect(self.conninfo("postgres"), connect_timeout=10) as conn:
                    conn.execute("SELECT 1")
                return
            except psycopg.OperationalError as e:
                if time.monotonic() > deadline:
                    msg = f"PostgreSQL on port {self.port} never accepted connections: {e}"
                    raise PgServerError(msg) from e
                time.sleep(0.05)

    def _run_pg_ctl(self, args: list[str], check: bool = True) -> subprocess.CompletedProcess:
        result = self._run([str(self.bindir / "pg_ctl"), "-D", str(self.data_dir), *args])
        if check and result.returncode != 0:
            raise PgServerError(f"pg_ctl {args[0]} failed: {result.stdout.strip()}")
        return result

    def _run(self, cmd: list[str]) -> subprocess.CompletedProcess:
        """Run a server program, as the unprivileged user when we are root, output captured."""
        return subprocess.run(
            self._as_user(cmd),
            cwd=self.root,  # the user may not be allowed into our working directory
            env=_clean_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=READY_TIMEOUT_S * 2,
        )

    def _as_user(self, cmd: list[str]) -> list[str]:
        if not self.run_as:
            return cmd
        if shutil.which("runuser"):
            return ["runuser", "-u", self.run_as, "--", *cmd]
        if shutil.which("setpriv"):
            pw = pwd.getpwnam(self.run_as)
            return ["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--init-groups", *cmd]
        return ["su", "-s", "/bin/sh", self.run_as, "-c", shlex.join(cmd)]

    @staticmethod
    def _unprivileged_user() -> str | None:
        if os.geteuid() != 0:
            return None
        for name in ("postgres", "nobody"):
            with contextlib.suppress(KeyError):
                pwd.getpwnam(name)
                return name
        raise PgServerError(
            "running as root and neither a `postgres` nor a `nobody` user exists to run PostgreSQL as "
            "(initdb refuses root): create one (`useradd --system postgres`) "
            "or run the tests as a normal user"
        )

    def _temp_base(self) -> str:
        """A temp folder whose ancestors the server's user may pass through."""
        bases = [tempfile.gettempdir(), "/tmp"]
        for base in bases:
            if os.path.isdir(base) and self._traversable(Path(base)):
                return base
        raise PgServerError(
            f"no temporary folder the `{self.run_as}` user can reach ({', '.join(bases)}: "
            "a parent lacks the others-execute bit); set TMPDIR to one it can, e.g. TMPDIR=/tmp"
        )

    def _traversable(self, path: Path) -> bool:
        if not self.run_as:
            return True
        uid = pwd.getpwnam(self.run_as).pw_uid
        for p in [path, *path.parents]:
            st = os.stat(p)
            if not (st.st_mode & stat.S_IXOTH or (st.st_uid == uid and st.st_mode & stat.S_IXUSR)):
                return False
        return True

    def _kill_postmaster(self) -> None:
        pid = self.postmaster_pid
        if pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGQUIT)  # immediate shutdown: the postmaster takes its children down
        if not _wait_dead(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(FileNotFoundError):
            (self.data_dir / "postmaster.pid").unlink()

    def _log_since(self, offset: int) -> str:
        try:
            with open(self.log_file, encoding="utf-8", errors="replace") as f:
                f.seek(offset)
                return f.read()[-4000:]
        except OSError as e:
            return f"(could not read {self.log_file}: {e})"

    def _reap_stale_clusters(self) -> None:
        """Stop and remove clusters of earlier test runs that were killed before they could."""
        bases = {tempfile.gettempdir(), "/tmp"}  # where _temp_base() may have put them
        for root in sorted(r for base in bases for r in glob.glob(os.path.join(base, DIR_PREFIX + "*"))):
            try:
                owner = int(Path(root, "owner").read_text().strip())
            except (OSError, ValueError):
                continue
            if _pid_alive(owner):
                continue
            pid = _postmaster_pid_in(Path(root, "data"))
            if pid is not None:
                try:
                    os.kill(pid, signal.SIGQUIT)
                except PermissionError:
                    continue  # not ours to stop (another user's run)
                except ProcessLookupError:
                    pass
                if not _wait_dead(pid):
                    continue
            shutil.rmtree(root, ignore_errors=True)


def _postmaster_pid_in(data_dir: Path) -> int | None:
    """The live postmaster's pid from data_dir/postmaster.pid, or None."""
    try:
        pid = int((data_dir / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None
    return pid if _pid_alive(pid) else None


if __name__ == "__main__":
    try:
        print(find_bindir())
    except PgServerError as e:
        print(e, file=sys.stderr)
        sys.exit(1)
