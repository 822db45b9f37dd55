"""Damaged, read-only, full and closed projects give one clear ProjectError from the core, wherever the
error surfaces (opening, or a query long after), and leave nothing half-made."""

import os
import subprocess
import sys
import textwrap

import pytest
from damaging import MARKER, fill, make_project, read_only, scramble_page, small_disk, truncate_half

from helpers import dump
from previz.core.bundle import BundlePaths
from previz.core.bundle import ProjectLock as BundleLock
from previz.core.errors import (
    DiskFullError,
    ProjectClosedError,
    ProjectDamagedError,
    ProjectError,
    ProjectReadOnlyError,
)
from previz.core.session import ProjectSession

SAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "resources", "sample", "sample.fountain")


def test_a_damaged_page_is_a_damaged_error_on_the_query_that_meets_it(tmp_path):
    root = make_project(tmp_path)
    scramble_page(root / "project.sqlite", MARKER.encode())
    with ProjectSession.open(root, readonly=True) as s:  # the project row's page is intact
        assert s.project().name == "Film"
        with pytest.raises(ProjectDamagedError) as caught:
            s.shots()
    assert caught.value.one_line() == (
        f"{root / 'project.sqlite'} is damaged: database disk image is malformed; restore from a backup; "
        f"`previz doctor {root}` can try to recover what is readable"
    )


def test_a_truncated_database_is_refused_when_opened_for_writing(tmp_path):
    root = make_project(tmp_path, shots=400)
    truncate_half(root / "project.sqlite")
    with pytest.raises(ProjectDamagedError, match="is damaged: database disk image is malformed"):
        with ProjectSession.open(root) as s:
            s.add_shot("1")
    with BundleLock(BundlePaths(root)).exclusive("a check"):  # the failed open released its lock
        pass


def test_reads_and_changes_after_close_say_the_project_is_closed(tmp_path):
    s = ProjectSession.create(tmp_path / "film")
    s.add_scene("INT. ROOM - DAY", number="1")
    s.close()
    s.close()  # closing again is harmless (a `with` block after an explicit close does it)
    assert s.closed
    for call in (s.project, s.scenes, s.shots, s.cut, lambda: s.add_scene("EXT. SEA - DAY"), s.undo):
        with pytest.raises(ProjectClosedError, match=r"film\.previz: the project is closed; open it again"):
            call()


def test_a_read_only_bundle_reads_and_refuses_writes_in_one_line(tmp_path):
    root = make_project(tmp_path)
    with read_only(root):
        with ProjectSession.open(root, readonly=True) as s:
            assert len(s.shots()) == 6
        with pytest.raises(ProjectReadOnlyError, match=rf"^read-only: {root} cannot be written \("):
            ProjectSession.open(root)
    assert sorted(p.name for p in root.iterdir()) == ["cache", "media", "project.lock", "project.sqlite"]


def test_a_read_only_database_file_refuses_the_first_write(tmp_path, monkeypatch):
    """The folder is writable but project.sqlite is not (root: the write reaches SQLite as SQLITE_READONLY
    through a connection opened read-only, which is what SQLite does with a file it may not write)."""
    root = make_project(tmp_path)
    s = ProjectSession.open(root)
    try:
        s.conn.exec_driver_sql("PRAGMA query_only=ON")  # SQLite answers SQLITE_READONLY to every write
        before = dump(s)
        with pytest.raises(ProjectReadOnlyError, match=rf"^read-only: {root} cannot be written"):
            s.add_scene("EXT. SEA - DAY")
        s.conn.exec_driver_sql("PRAGMA query_only=OFF")
        assert dump(s) == before
    finally:
        s.close()


def test_disk_full_while_creating_leaves_no_half_made_bundle(tmp_path):
    with small_disk(tmp_path / "disk", 48) as disk:
        with pytest.raises(DiskFullError, match=r"film\.previz/project\.sqlite: the disk is full"):
            ProjectSession.create(disk / "film")
        assert list(disk.iterdir()) == []


def test_disk_full_during_an_import_changes_nothing(tmp_path):
    from previz.ingest.apply import import_path

    with small_disk(tmp_path / "disk", 512) as disk:
        ProjectSession.create(disk / "film").close()
        with ProjectSession.open(disk / "film.previz") as s:
            before = dump(s)
            fill(disk, leave_kib=8)
            with pytest.raises(DiskFullError, match="the disk is full"):
                import_path(s, SAMPLE)
        (disk / "filler").unlink()
        with ProjectSession.open(disk / "film.previz", readonly=True) as s:
            assert dump(s) == before


def test_a_database_that_cannot_grow_is_a_full_disk_and_the_batch_is_undone(tmp_path):
    """Portable twin of the tmpfs test: SQLite's own limit on pages answers SQLITE_FULL like a full disk."""
    from previz.ingest.apply import import_path

    root = make_project(tmp_path)
    with ProjectSession.open(root) as s:
        before = dump(s)
        pages = s.conn.exec_driver_sql("PRAGMA page_count").scalar()
        s.conn.exec_driver_sql(f"PRAGMA max_page_count={pages + 1}")
        with pytest.raises(
            DiskFullError, match=r"project\.sqlite: the disk is full \(database or disk is full\)"
        ):
            import_path(s, SAMPLE)
        assert dump(s) == before


KILLED_CREATE = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from previz.core import bundle
    # stand in for a create killed half-way: the hidden folder it builds in, with the pid in its name
    root = Path(sys.argv[1])
    building = root.with_name(f".{root.name}.partial-{os.getpid()}")
    (building / "media").mkdir(parents=True)
    (building / "project.sqlite").write_bytes(b"half")
    print(building, flush=True)
    """
)


def test_what_a_killed_create_left_is_removed_by_the_next_create(tmp_path):
    out = subprocess.run(
        [sys.executable, "-c", KILLED_CREATE, str(tmp_path / "film.previz")], capture_output=True, text=True
    )
    leftover = tmp_path / os.path.basename(out.stdout.strip())
    assert leftover.is_dir()  # its process has exited: the pid in the name is dead
    with ProjectSession.create(tmp_path / "film") as s:
        assert s.project().name == "film"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["film.previz"]


def test_the_lock_and_open_errors_are_project_errors(tmp_path):
    assert issubclass(ProjectReadOnlyError, ProjectError) and issubclass(DiskFullError, ProjectError)


def test_a_media_file_on_a_full_disk_is_a_full_disk_and_leaves_no_temp_file(tmp_path):
    source = tmp_path / "board.png"
    source.write_bytes(os.urandom(64 * 1024))
    with small_disk(tmp_path / "disk", 512) as disk:
        with ProjectSession.create(disk / "film") as s:
            fill(disk, leave_kib=16)
            with pytest.raises(
                DiskFullError, match=r"film\.previz: the disk is full \(No space left on device\)"
            ):
                s.media.put_file(source)
            assert list(s.media.tmp.iterdir()) == []


def test_an_overwritten_header_is_damage_not_a_foreign_file(tmp_path):
    root = make_project(tmp_path)
    with open(root / "project.sqlite", "r+b") as fh:
        fh.write(os.urandom(24))
    with pytest.raises(ProjectDamagedError, match="is damaged: its header is not a SQLite header"):
        ProjectSession.open(root, readonly=True)


def test_a_database_file_without_write_permission_is_refused_at_open_for_writing(tmp_path, monkeypatch):
    """chmod a-w on project.sqlite alone (root ignores the bits: the kernel's answer comes from os.access)."""
    import previz.core.session as session_module

    root = make_project(tmp_path)
    if os.geteuid() == 0:
        real = os.access
        db = str(root / "project.sqlite")
        monkeypatch.setattr(
            session_module.os, "access", lambda p, mode, **kw: False if str(p) == db else real(p, mode, **kw)
        )
    else:
        os.chmod(root / "project.sqlite", 0o444)
    with pytest.raises(
        ProjectReadOnlyError, match=rf"^read-only: {root} cannot be written \(project\.sqlite is"
    ):
        ProjectSession.open(root)
    with BundleLock(BundlePaths(root)).exclusive("a check"):  # the refused open released its lock
        pass
    with ProjectSession.open(root, readonly=True) as s:
        assert len(s.shots()) == 6


def test_a_create_whose_database_cannot_grow_leaves_nothing(tmp_path):
    """Portable twin of the tmpfs test (no mount needed): every new connection's database is capped at a
    few pages, so SQLite answers SQLITE_FULL half-way through building the schema, as on a full disk."""
    from sqlalchemy import Engine, event

    def capped(dbapi_conn, _record):
        dbapi_conn.execute("PRAGMA max_page_count=3")

    event.listen(Engine, "connect", capped)
    try:
        with pytest.raises(
            DiskFullError, match=r"film\.previz/project\.sqlite: the disk is full \(database or"
        ):
            ProjectSession.create(tmp_path / "film")
    finally:
        event.remove(Engine, "connect", capped)
    assert list(tmp_path.iterdir()) == []


def test_an_older_read_only_project_says_how_to_migrate_it(tmp_path):
    import sqlite3

    root = make_project(tmp_path)
    con = sqlite3.connect(root / "project.sqlite")
    con.execute("UPDATE alembic_version SET version_num = '0001'")
    con.commit()
    con.close()
    with read_only(root):
        with pytest.raises(ProjectError, match="older than .* copy it somewhere writable first"):
            ProjectSession.open(root, readonly=True)
        with pytest.raises(ProjectReadOnlyError, match="^read-only: "):
            ProjectSession.open(root)
