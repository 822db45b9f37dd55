"""The CLI on damaged, truncated, read-only and full projects, in real subprocesses: every command answers
one line on stderr, exit 1, no traceback; reads of a read-only project work."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from damaging import (
    MARKER,
    fill,
    make_project,
    read_only,
    scramble_middle,
    scramble_page,
    small_disk,
    truncate_half,
)

SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "sample" / "sample.fountain"


def previz(*argv, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "previz", *map(str, argv)], capture_output=True, text=True, cwd=cwd
    )


def assert_one_line(result: subprocess.CompletedProcess, message: str) -> None:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("previz: error: ") and message in result.stderr, result.stderr


COMMANDS = [
    ["info", "{p}"],
    ["info", "{p}", "--json"],
    ["cut", "{p}"],
    ["shot", "list", "{p}"],
    ["notes", "{p}"],
    ["jobs", "{p}"],
    ["export", "{p}", "{tmp}/out.mp4"],
    ["export", "{p}", "{tmp}/out.otio"],
    ["shot", "add", "{p}", "--scene", "1"],
]


@pytest.fixture(scope="module")
def damaged(tmp_path_factory) -> Path:
    root = make_project(tmp_path_factory.mktemp("damaged"))
    scramble_page(root / "project.sqlite", MARKER.encode())
    return root


@pytest.mark.parametrize("argv", COMMANDS, ids=[" ".join(a[:2]) for a in COMMANDS])
def test_every_command_on_a_damaged_database_is_one_line(damaged, tmp_path, argv):
    before = (damaged / "project.sqlite").read_bytes()
    result = previz(*[a.format(p=damaged, tmp=tmp_path) for a in argv])
    assert_one_line(
        result,
        f"{damaged / 'project.sqlite'} is damaged: database disk image is malformed; restore from a backup; "
        f"`previz doctor {damaged}` can try to recover what is readable",
    )
    assert (damaged / "project.sqlite").read_bytes() == before
    assert list(tmp_path.iterdir()) == []  # no export, no partial file


@pytest.mark.parametrize("damage", ["middle", "truncated"])
def test_random_bytes_in_the_middle_and_a_truncated_file_are_never_a_traceback(tmp_path, damage):
    """Whatever page the damage hits, a command either works (it never reads that page) or says in one
    line that the database is damaged."""
    root = make_project(tmp_path, shots=300)
    (scramble_middle if damage == "middle" else truncate_half)(root / "project.sqlite")
    damaged = 0
    for argv in COMMANDS + [["undo", "{p}"], ["scene", "list", "{p}"], ["doctor", "{p}", "--no-recover"]]:
        result = previz(*[a.format(p=root, tmp=tmp_path) for a in argv])
        assert "Traceback" not in result.stderr, result.stderr
        if argv[0] == "doctor":
            damaged += result.returncode == 1 and "malformed" in result.stdout + result.stderr
        elif result.returncode:
            assert_one_line(result, "is damaged: ")
            damaged += 1
    assert damaged >= 1  # the damage was seen: by a command that reads that page, else by the doctor
    if damage == "truncated":
        assert_one_line(previz("shot", "add", root, "--scene", "1"), "is damaged: ")


def test_a_read_only_project_reads_and_refuses_changes_in_one_line(tmp_path):
    root = make_project(tmp_path)
    with read_only(root):
        for argv in (["info", root], ["shot", "list", root], ["cut", root], ["notes", root]):
            result = previz(*argv)
            assert result.returncode == 0 and result.stderr == "", result.stderr
        assert MARKER in previz("shot", "list", root, "--json").stdout
        export = previz("export", root, tmp_path / "cut.otio")
        assert export.returncode == 0, export.stderr
        for argv in (
            ["shot", "add", root, "--scene", "1"],
            ["import", root, SAMPLE],
            ["gc", root],
            ["undo", root],
        ):
            assert_one_line(previz(*argv), f"read-only: {root} cannot be written (")
    assert sorted(p.name for p in root.iterdir()) == ["cache", "media", "project.lock", "project.sqlite"]


def test_new_on_a_full_disk_is_one_line_and_leaves_nothing(tmp_path):
    with small_disk(tmp_path / "disk", 48) as disk:
        assert_one_line(previz("new", disk / "film"), "film.previz/project.sqlite: the disk is full")
        assert list(disk.iterdir()) == []


def test_import_on_a_full_disk_is_one_line_and_changes_nothing(tmp_path):
    with small_disk(tmp_path / "disk", 512) as disk:
        assert previz("new", disk / "film").returncode == 0
        project = disk / "film.previz"
        fill(disk, leave_kib=8)
        assert_one_line(previz("import", project, SAMPLE), "the disk is full")
        (disk / "filler").unlink()
        info = previz("info", project)
        assert info.returncode == 0 and "0 scenes, 0 shots" in info.stdout


KILLED_WRITER = """
import sys
from fractions import Fraction
import numpy as np
from previz.media.video import VideoWriter
writer = VideoWriter(sys.argv[1], 64, 64, Fraction(24), crf=30, preset="ultrafast", atomic=True)
frame = np.zeros((64, 64, 3), np.uint8)
for _ in range(48):
    writer.write(frame)
print("writing", flush=True)
sys.stdin.read()  # hold until killed
"""


def _wait_for(condition, what: str, limit: float = 60.0) -> None:
    import time

    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


def test_an_export_removes_what_a_killed_export_left_and_keeps_a_live_ones(tmp_path):
    from previz.core.session import ProjectSession

    with ProjectSession.create(tmp_path / "film", size="320x180") as s:
        s.add_scene("EXT. SEA - NIGHT", number="1")
        s.add_shot("1", action="Waves.", duration_frames=6)
    out = tmp_path / "out"
    out.mkdir()
    killed = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(out / "reel.mp4")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert killed.stdout.readline().strip() == "writing"
    partial = out / f".reel.partial-{killed.pid}.mp4"
    _wait_for(partial.exists, "the partial file")
    killed.kill()  # SIGKILL: no clean-up runs
    killed.wait()
    assert partial.exists()
    holder = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        live = out / f".cut.otio.partial-{holder.pid}"
        live.write_text("another export under way")
        keep = out / "notes.partial-1.txt"  # not hidden: not ours, whatever its name
        keep.write_text("mine")
        result = previz("export", tmp_path / "film.previz", out / "reel.mp4")
        assert result.returncode == 0, result.stderr
        assert sorted(p.name for p in out.iterdir()) == sorted(["reel.mp4", live.name, keep.name])
    finally:
        holder.stdin.close()
        holder.wait()


def test_a_writer_removes_media_temp_files_of_dead_processes_only(tmp_path):
    from previz.core.session import ProjectSession

    root = make_project(tmp_path)
    code = (
        "import sys; from previz.core.session import ProjectSession as P; "
        "s = P.open(sys.argv[1]); print(s.media.new_temp_path('mp4'), flush=True); sys.stdin.read()"
    )
    killed = subprocess.Popen(
        [sys.executable, "-c", code, str(root)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    left = Path(killed.stdout.readline().strip())
    killed.kill()
    killed.wait()
    assert left.is_file() and left.parent == root / "media" / "tmp"
    with ProjectSession.open(root, readonly=True):
        assert left.exists()  # a reader changes nothing
    with ProjectSession.open(root) as s:
        assert not left.exists()
        mine = s.media.new_temp_path("mp4")
        assert mine.name.startswith(f"{os.getpid()}-")
    with ProjectSession.open(root):
        assert mine.exists()  # this process is alive: its file stays
