import os
import signal
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from previz.core.errors import ProjectError, ProjectLockedError
from previz.core.session import ProjectSession


def test_new_project_is_a_bundle_in_wal_mode_with_foreign_keys(tmp_path):
    s = ProjectSession.create(tmp_path / "Film", fps="25", size="1920x1080")
    root = s.root
    assert root.name == "Film.previz"
    assert (root / "project.sqlite").is_file() and (root / "media").is_dir() and (root / "cache").is_dir()
    assert (root / "project.lock").is_file()
    assert s.conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    assert s.conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    s.close()
    info = ProjectSession.open(root / "project.sqlite", readonly=True).project()
    assert (info.name, info.fps, info.width, info.height) == ("Film", "25", 1920, 1080)


@pytest.mark.parametrize("maker", ["missing", "empty_dir", "text_file", "foreign_sqlite"])
def test_a_path_that_is_not_a_project_is_refused(tmp_path, maker):
    target = tmp_path / "thing"
    if maker == "empty_dir":
        target.mkdir()
    elif maker == "text_file":
        target.mkdir()
        (target / "project.sqlite").write_text("hello")
    elif maker == "foreign_sqlite":
        target.mkdir()
        con = sqlite3.connect(target / "project.sqlite")
        con.execute("CREATE TABLE x (a)")
        con.commit()
        con.close()
    with pytest.raises(ProjectError, match="not a Previz project|no such project"):
        ProjectSession.open(target)


def test_creating_over_a_non_empty_folder_is_refused(tmp_path):
    (tmp_path / "a.previz").mkdir()
    (tmp_path / "a.previz" / "keep.txt").write_text("mine")
    with pytest.raises(ProjectError, match="already exists"):
        ProjectSession.create(tmp_path / "a")
    assert (tmp_path / "a.previz" / "keep.txt").read_text() == "mine"


HOLDER = textwrap.dedent(
    """
    import sys, time
    from previz.core.session import ProjectSession
    s = ProjectSession.open(sys.argv[1])
    print("open", flush=True)
    time.sleep(60)
    """
)


def _hold(path):
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "open"
    return proc


def test_another_process_writes_while_one_has_it_open_and_only_gc_needs_it_alone(tmp_path):
    ProjectSession.create(tmp_path / "film").close()
    root = tmp_path / "film.previz"
    proc = _hold(root)
    try:
        with ProjectSession.open(root) as s:
            s.add_scene("INT. ROOM - DAY")  # a second writer at the same time
            with pytest.raises(
                ProjectLockedError, match=r"open in another process; previz gc needs the project"
            ):
                with s.exclusive("previz gc"):
                    pass
            assert [sc.heading for sc in s.scenes()] == ["INT. ROOM - DAY"]
        with ProjectSession.open(root, readonly=True) as reader:
            assert reader.project().name == "film"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    # The killed process's lock went with it: the project can be had alone again.
    with ProjectSession.open(root) as s, s.exclusive("previz gc"):
        s.add_scene("INT. HALL - DAY")
        assert len(s.scenes()) == 2


def test_a_folder_without_write_permission_gets_a_clear_error(tmp_path, monkeypatch):
    ProjectSession.create(tmp_path / "film").close()
    root = tmp_path / "film.previz"
    before = (root / "project.sqlite").read_bytes()
    os.chmod(root, 0o555)
    if os.geteuid() == 0:
        # root ignores permission bits: have the kernel's answer to anyone else come from os.open instead.
        import previz.core.bundle as bundle

        real_open = os.open

        def refuse(path, flags, *args):
            if str(path).startswith(str(root)) and flags & (os.O_CREAT | os.O_WRONLY | os.O_RDWR):
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(path, flags, *args)

        monkeypatch.setattr(bundle.os, "open", refuse)
    try:
        with pytest.raises(
            ProjectError, match=r"read-only: .*film.previz cannot be written \(Permission denied\)"
        ):
            ProjectSession.open(root)
        with ProjectSession.open(root, readonly=True) as reader:  # reading still works
            assert reader.project().name == "film"
    finally:
        os.chmod(root, 0o755)
    assert (root / "project.sqlite").read_bytes() == before
