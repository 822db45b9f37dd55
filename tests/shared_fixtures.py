"""One place that says where a shared project lives, for the many-writers tests (issue 13), and the
helpers they use to run real writer processes side by side.

``shared_project`` is the only fixture that decides the project's location: today a bundle folder in the
test's temp dir; a PostgreSQL variant parametrizes it to a database URL. Every test takes the string it
returns and passes it to ``ProjectSession.open`` (and to the CLI), so the same tests run on both.

Processes are synchronised by lines, never by sleeping: a writer prints ``ready`` once its project is
open, waits for ``go`` on stdin, and the test releases them all at once (``start_together``).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from previz.core.edits import TABLES
from previz.core.session import ProjectSession

ROOT = Path(__file__).resolve().parents[1]
#: Generous limit for a whole writer process; tests never depend on how long anything takes.
PROCESS_TIMEOUT_S = 600

SCENES = (("1", "EXT. LIGHTHOUSE - NIGHT"), ("2", "INT. LANTERN ROOM - CONTINUOUS"))


def new_shared_project(location: str, **options) -> str:
    """Create the project every shared test starts from (scenes 1 and 2, no shots) at ``location``;
    ``options`` go to ``ProjectSession.create`` (``media=`` for a PostgreSQL project's media root)."""
    with ProjectSession.create(location, name="Film", size="1280x720", author="setup", **options) as s:
        for number, heading in SCENES:
            s.add_scene(heading, number=number)
    return location


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_project(request, tmp_path) -> str:
    """Where the shared project lives, as ``ProjectSession.open`` and the CLI take it: a bundle, or a
    database on the suite's PostgreSQL server (its URL as a user types it, without the driver)."""
    if request.param == "postgresql":
        from previz.core.database import display_url

        url = display_url(request.getfixturevalue("pg_url"))
        return new_shared_project(url, media=tmp_path / "media")
    return new_shared_project(str(tmp_path / "film.previz"))


def is_bundle(location: str) -> bool:
    return "://" not in location


# ---------------------------------------------------------------------------------------- processes
def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    env.pop("PREVIZ_USER", None)
    env.pop("PREVIZ_AUTHOR", None)
    env.update(extra)
    return env


def spawn(script: str, *args: str, **env: str) -> subprocess.Popen:
    """A Python process running ``script`` (dedented) with ``args``; stdin/stdout are line pipes."""
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script), *map(str, args)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=child_env(**env),
    )


def expect_line(proc: subprocess.Popen, wanted: str) -> None:
    """Read ``proc``'s stdout up to the line ``wanted`` (it ending first is a failure showing stderr)."""
    while True:
        line = proc.stdout.readline()
        if not line:
            proc.wait(timeout=PROCESS_TIMEOUT_S)
            pytest.fail(f"process ended (exit {proc.returncode}) before {wanted!r}: {proc.stderr.read()}")
        if line.strip() == wanted:
            return


def start_together(procs: list[subprocess.Popen]) -> None:
    """Wait until every process has printed ``ready``, then tell them all ``go``."""
    for p in procs:
        expect_line(p, "ready")
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()


def finish(procs: list[subprocess.Popen]) -> list[str]:
    """Wait for every process; each must exit 0 with nothing on stderr. Returns their remaining stdout."""
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=PROCESS_TIMEOUT_S)
        assert (p.returncode, err) == (0, ""), f"pid {p.pid} exited {p.returncode}: {err}"
        outs.append(out)
    return outs


def kill9(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=PROCESS_TIMEOUT_S)
    assert proc.returncode == -signal.SIGKILL


#: Preamble of every writer script: open the project as the author named on the command line, say
#: ``ready``, wait for ``go``.
OPEN_AND_WAIT = """
import sys
from previz.core.session import ProjectSession
location, author = sys.argv[1], sys.argv[2]
s = ProjectSession.open(location, author=author)
print("ready", flush=True)
assert sys.stdin.readline().strip() == "go"
"""


def video_take(session, code: str, tag: str):
    """A take of ``code`` on a registered (stand-in) video file, as a render worker or an import makes."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / f"stand-in-{tag}.mp4"
        source.write_bytes(f"video {tag}".encode())
        digest, path = session.media.put_file(source, "mp4")
    session.register_media(digest, "mp4", "video", path.stat().st_size, width=64, height=64, frames=48)
    return session.add_take(code, kind="imported", media_hash=digest)


# ---------------------------------------------------------------------------------------- checks
def assert_integrity(location: str) -> None:
    """The database is sound: SQLite's own checks on a bundle, and on any backend no row refers to a row
    that is not there (every foreign key, read through the session)."""
    if is_bundle(location):
        con = sqlite3.connect(Path(location) / "project.sqlite")
        try:
            assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        finally:
            con.close()
    with ProjectSession.open(location, readonly=is_bundle(location)) as s:
        rows = {t: s.table_rows(t) for t in TABLES}
    for name, table_rows in rows.items():
        for fk in TABLES[name].foreign_keys:
            target = fk.column.table.name
            present = {r[fk.column.name] for r in rows.get(target, [])}
            refs = [r[fk.parent.name] for r in table_rows]
            dangling = [key for key in refs if key is not None and key not in present]
            assert not dangling, f"{name}.{fk.parent.name} refers to missing {target} rows: {dangling[:3]}"
