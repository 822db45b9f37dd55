"""``previz project copy SRC DST [--media DIR]`` end to end: exit codes, what it prints, one-line errors, and
nothing left behind when it refuses."""

import json
import subprocess
import sys

import pytest

from helpers import dump
from previz.cli import main
from previz.core.session import ProjectSession


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def project(tmp_path, capsys):
    path = tmp_path / "film.previz"
    assert run(capsys, "new", tmp_path / "film", "--name", "The Film")[0] == 0
    run(capsys, "scene", "add", path, "--heading", "EXT. LIGHTHOUSE - NIGHT", "--number", "1")
    for action in ("Waves.", "Mara climbs.", "The lamp turns."):
        run(capsys, "shot", "add", path, "--scene", "1", "--action", action, "--duration", "36")
    run(capsys, "shot", "set", path, "001_0020", "--lens", "85")
    stand_in = tmp_path / "music.wav"
    stand_in.write_bytes(b"RIFF temp music")
    with ProjectSession.open(path) as s:
        digest, stored = s.media.put_file(stand_in, "wav")
        s.register_media(digest, "wav", "audio", stored.stat().st_size)
        s.add_audio_clip(digest, name="temp")
    return path


def test_copy_to_postgresql_and_back_prints_counts_and_keeps_everything(project, pg_url, tmp_path, capsys):
    code, out, err = run(capsys, "project", "copy", project, pg_url, "--media", tmp_path / "pg-media")
    assert code == 0, err
    assert out.startswith(f"copied {project} to postgresql://") and "checked row by row" in out
    assert "shot" in out and "1 media files" in out
    assert "100%" in err  # progress, as export prints it
    code, out, err = run(capsys, "project", "copy", pg_url, tmp_path / "back", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["rows"]["shot"] == 3 and report["media_files"] == 1 and report["total_rows"] > 3
    assert report["destination"] == str(tmp_path / "back.previz")
    with ProjectSession.open(project, readonly=True) as a, ProjectSession.open(tmp_path / "back.previz") as b:
        assert dump(a) == dump(b)
        assert b.undo_name() == a.undo_name() == "Add audio temp"
    code, out, _ = run(capsys, "shot", "add", tmp_path / "back.previz", "--scene", "1", "--action", "New.")
    assert code == 0
    assert run(capsys, "undo", tmp_path / "back.previz")[0] == 0


def test_refusals_exit_1_with_one_line_and_leave_nothing(project, pg_url, tmp_path, capsys):
    taken = tmp_path / "taken.previz"
    taken.mkdir()
    (taken / "keep.txt").write_text("mine")
    cases = [
        ((project, taken), f"{taken}: already exists and is not empty"),
        ((tmp_path / "none.previz", tmp_path / "c1"), "no such project"),
        (
            (project, tmp_path / "c2", "--media", tmp_path / "m"),
            "media: a bundle keeps its media inside itself",
        ),
        ((project, pg_url), "a PostgreSQL project needs a media root every machine mounts (--media DIR)"),
        (
            (project, "postgresql://previz@127.0.0.1:1/film", "--media", tmp_path / "m"),
            "cannot reach the PostgreSQL server at 127.0.0.1:1",
        ),
    ]
    for argv, message in cases:
        code, out, err = run(capsys, "project", "copy", *argv)
        assert code == 1 and out == ""
        assert err.startswith("previz: error: ") and message in err and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["film.previz", "music.wav", "taken.previz"]
    assert [p.name for p in taken.iterdir()] == ["keep.txt"]
    # a database that already holds a project
    assert run(capsys, "project", "copy", project, pg_url, "--media", tmp_path / "pg")[0] == 0
    code, out, err = run(capsys, "project", "copy", project, pg_url, "--media", tmp_path / "pg2")
    assert code == 1 and "already holds a Previz project; nothing was copied or changed" in err
    assert not (tmp_path / "pg2").exists()


def test_damaged_media_in_the_source_is_named_and_no_copy_is_left(project, tmp_path):
    with ProjectSession.open(project, readonly=True) as s:
        row = s.table_rows("media")[0]
        stored = s.media.path(row["hash"], row["ext"])
    stored.chmod(0o644)
    stored.write_bytes(b"RIFF")
    proc = subprocess.run(
        [sys.executable, "-m", "previz", "project", "copy", str(project), str(tmp_path / "copy")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1 and proc.stdout == ""
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith(f"previz: error: {stored}: its content does not match its name")
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "copy.previz").exists()
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]


def test_project_needs_an_action(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["project"])
    assert exc.value.code == 2
