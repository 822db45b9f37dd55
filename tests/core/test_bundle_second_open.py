"""A project opened a second time in one process (a farm worker's tail session, a read-only session on a
thread) must not drop the process's SQLite locks on it: another process closing the project would then take
it for unused, checkpoint and delete the WAL, and this process's later commits would be lost to others."""

from __future__ import annotations

import subprocess
import sys

import pytest

from previz.core.session import ProjectSession

READ = (
    "import sys; from previz.core.session import ProjectSession\n"
    "with ProjectSession.open(sys.argv[1]) as s: print('|'.join(x.action for x in s.shots()))"
)


def other_process_reads(location: str) -> list[str]:
    """The shots' actions as another process sees them (it opens the project writable and closes it)."""
    done = subprocess.run([sys.executable, "-c", READ, location], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().split("|")


@pytest.mark.parametrize("second", ["readonly", "writable"])
def test_a_second_open_in_one_process_keeps_later_commits_visible_to_others(tmp_path, second):
    s = ProjectSession.create(tmp_path / "film", fps="24", size="64x64")
    s.add_scene("EXT. SEA - NIGHT", number="1")
    s.add_shot("1", duration_frames=2, action="first")
    other = ProjectSession.open(s.location, readonly=second == "readonly")
    if second == "readonly":
        other.close()
    assert other_process_reads(s.location) == ["first"]  # it opened and closed the project
    s.add_shot("1", duration_frames=2, action="second")
    if second == "writable":
        other.add_shot("1", duration_frames=2, action="third")
        other.close()
    expected = ["first", "second"] + (["third"] if second == "writable" else [])
    assert other_process_reads(s.location) == expected
    s.close()
    assert other_process_reads(s.location) == expected
