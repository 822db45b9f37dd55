"""``previz doctor``: integrity, salvage of a damaged database into a recovery copy (the original untouched),
orphaned and missing media, temporary files of dead processes."""

import hashlib
import json
import os
import subprocess
import sys

from damaging import MARKER, make_project, page_of, read_only, scramble_page

from previz.cli import main
from previz.core.doctor import examine
from previz.core.session import ProjectSession


def dead_pid() -> int:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    return int(done.stdout)


def test_a_healthy_project_has_no_problems_and_gets_no_copy(tmp_path, capsys):
    root = make_project(tmp_path)
    assert main(["doctor", str(root)]) == 0
    out = capsys.readouterr().out
    assert "database: ok (integrity_check, foreign_key_check)" in out and out.endswith("no problems found\n")
    assert not list(root.glob("project.recovered-*"))


def test_a_damaged_page_costs_its_rows_only_and_the_original_is_untouched(tmp_path):
    root = make_project(tmp_path, shots=400)
    db = root / "project.sqlite"
    lost = f"{MARKER} 00200".encode()
    size, index = page_of(db, lost)
    on_page = db.read_bytes()[index * size : (index + 1) * size].count(MARKER.encode())
    assert 1 < on_page < 100
    scramble_page(db, lost)
    before = hashlib.sha256(db.read_bytes()).hexdigest()

    report = examine(root)

    assert report.integrity != ["ok"] and report.problems >= 1
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    copy = report.recovery.path
    assert copy.startswith(str(root / "project.recovered-")) and copy.endswith(".sqlite")
    shot_table = next(t for t in report.recovery.tables if t.table == "shot")
    assert shot_table.unreadable and shot_table.error is None
    assert report.recovery.integrity == ["ok"]
    # The copy is a project: put it in a bundle of its own and open it.
    rescued = tmp_path / "rescued.previz"
    (rescued / "media").mkdir(parents=True)
    (rescued / "project.sqlite").write_bytes(open(copy, "rb").read())
    with ProjectSession.open(rescued, readonly=True) as s:
        assert s.project().name == "Film"
        assert [sc.number for sc in s.scenes()] == ["1", "2"]
        actions = {sh.action for sh in s.shots()}
    assert len(actions) == 400 - on_page  # exactly the rows on the damaged page are lost
    assert f"{MARKER} 00200 the beam sweeps" not in actions
    assert {f"{MARKER} 00000 the beam sweeps", f"{MARKER} 00399 the beam sweeps"} <= actions
    assert shot_table.rows == len(actions)


def test_orphaned_media_and_temporary_files_of_dead_processes_are_problems(tmp_path, capsys):
    root = make_project(tmp_path)
    orphan = root / "media" / "ab" / ("ab" + "0" * 62 + ".png")
    orphan.parent.mkdir()
    orphan.write_bytes(b"png")
    (root / "media" / "tmp").mkdir()
    stale = root / "media" / "tmp" / f"{dead_pid()}-abc.mp4"
    stale.write_bytes(b"half")
    live = root / "media" / "tmp" / f"{os.getpid()}-def.mp4"
    live.write_bytes(b"being written")

    assert main(["doctor", str(root), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["database_ok"] and report["recovery"] is None
    assert report["orphaned_media"] == [str(orphan)]
    assert report["stale_temp_files"] == [str(stale)]
    assert report["live_temp_files"] == [str(live)]
    assert report["problems"] == 2
    assert orphan.exists() and stale.exists() and live.exists()  # the doctor reports; gc removes


def test_a_damaged_read_only_project_is_checked_and_says_where_the_copy_could_not_go(tmp_path):
    root = make_project(tmp_path)
    scramble_page(root / "project.sqlite", MARKER.encode())
    with read_only(root):
        result = subprocess.run(
            [sys.executable, "-m", "previz", "doctor", str(root)], capture_output=True, text=True
        )
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert f"recovery copy: not written (read-only: {root} cannot be written" in result.stdout
    assert sorted(p.name for p in root.iterdir()) == ["cache", "media", "project.lock", "project.sqlite"]


def test_an_overwritten_header_is_recovered_whole(tmp_path):
    root = make_project(tmp_path)
    with open(root / "project.sqlite", "r+b") as fh:
        fh.write(b"\xff" * 24)
    report = examine(root)
    assert report.integrity[0] == "the file's header is not a SQLite header"
    assert {t.table: t.rows for t in report.recovery.tables}["shot"] == 6


def test_a_sqlite_file_that_is_not_a_project_is_refused_in_one_line(tmp_path, capsys):
    import sqlite3

    (tmp_path / "x.previz").mkdir()
    con = sqlite3.connect(tmp_path / "x.previz" / "project.sqlite")
    con.execute("CREATE TABLE t (a)")
    con.commit()
    con.close()
    assert main(["doctor", str(tmp_path / "x.previz")]) == 1
    assert "not a Previz project (it has no schema version)" in capsys.readouterr().err
