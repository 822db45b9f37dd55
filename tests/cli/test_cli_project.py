"""The CLI end to end on a temporary project: exit codes, one-line errors, JSON, nothing changed on error."""

import json
import subprocess
import sys

import cv2
import numpy as np
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
    assert (
        run(capsys, "new", tmp_path / "film", "--name", "The Film", "--fps", "24", "--size", "1280x720")[0]
        == 0
    )
    path = tmp_path / "film.previz"
    run(capsys, "scene", "add", path, "--heading", "EXT. LIGHTHOUSE - NIGHT", "--number", "1")
    run(capsys, "scene", "add", path, "--heading", "INT. LANTERN ROOM - CONTINUOUS", "--number", "12A")
    run(capsys, "shot", "add", path, "--scene", "1", "--size", "EWS", "--move", "push_in", "--seconds", "2")
    run(
        capsys, "shot", "add", path, "--scene", "12A", "--size", "CU", "--duration", "36", "--action", "Mara."
    )
    return path


def test_info_json_has_the_documented_shape(project, capsys):
    code, out, err = run(capsys, "info", project, "--json")
    assert code == 0 and err == ""
    info = json.loads(out)
    assert (info["name"], info["fps"], info["width"], info["height"]) == ("The Film", "24", 1280, 720)
    assert [s["number"] for s in info["scenes"]] == ["1", "12A"]
    shot = info["scenes"][1]["shots"][0]
    assert shot == {
        **shot,
        "code": "012A_0010",
        "duration_frames": 36,
        "status": "draft",
        "takes": 0,
        "selected_take": None,
    }
    assert info["scenes"][0]["shots"][0]["duration_frames"] == 48


def test_edits_undo_and_redo_from_separate_commands(project, capsys):
    assert run(capsys, "shot", "set", project, "012A_0010", "--move", "pan-left", "--lens", "85")[0] == 0
    assert run(capsys, "shot", "move", project, "012A_0010", "1", "--scene", "1")[0] == 0
    code, out, _ = run(capsys, "cut", project, "--json")
    cut = json.loads(out)
    assert [e["code"] for e in cut["entries"]] == ["012A_0010", "001_0010"]
    assert cut["entries"][1]["record_in_tc"] == "01:00:01:12"
    code, out, _ = run(capsys, "undo", project)
    assert code == 0 and "Move 012A_0010" in out
    assert [e["code"] for e in json.loads(run(capsys, "cut", project, "--json")[1])["entries"]] == [
        "001_0010",
        "012A_0010",
    ]
    assert run(capsys, "redo", project)[0] == 0
    shots = json.loads(run(capsys, "shot", "list", project, "--json")[1])
    assert [(s["code"], s["move"], s["lens_mm"]) for s in shots][0] == ("012A_0010", "pan_left", 85.0)


def test_board_images_are_copied_into_the_store_and_gc_keeps_them(project, tmp_path, capsys):
    board = tmp_path / "panel.png"
    cv2.imwrite(str(board), np.full((72, 128, 3), 90, np.uint8))
    assert run(capsys, "shot", "add", project, "--scene", "1", "--board", board)[0] == 0
    board.unlink()
    code, out, _ = run(capsys, "gc", project)
    assert code == 0 and "removed 0" in out
    with ProjectSession.open(project, readonly=True) as s:
        assert s.media_path(s.shot("001_0020").board_hash).is_file()


BAD = [
    (["new", "{tmp}/x", "--fps", "0"], "fps: '0' is not a supported frame rate"),
    (["new", "{tmp}/x", "--fps", "1000"], "fps: '1000' is not a supported frame rate"),
    (["new", "{tmp}/x", "--size", "0x0"], "width: 0 is out of range"),
    (["new", "{tmp}/x", "--size", "99999x99999"], "width: 99999 is out of range"),
    (["shot", "add", "{p}", "--scene", "1", "--duration", "-3"], "duration_frames: -3 is out of range"),
    (["shot", "add", "{p}", "--scene", "1", "--duration", "0"], "duration_frames: 0 is out of range"),
    (["shot", "add", "{p}", "--scene", "1", "--seconds", "-1"], "seconds: -1.0 is not a duration"),
    (["shot", "add", "{p}", "--scene", "7"], "scene '7' not found; scenes are: 1, 12A"),
    (["cut", "{p}", "--scene", "99"], "scene '99' not found; scenes are: 1, 12A"),
    (["audio", "add", "{p}", "{tmp}/x.wav", "--start", "ten"], "--start: 'ten' is neither a frame number"),
    (["cut", "{p}", "--scene", "1", "--scene", "99"], "scene '99' not found; scenes are: 1, 12A"),
    (["shot", "add", "{p}", "--scene", "1", "--code", "001_0010"], "shot code 001_0010 already exists"),
    (
        ["shot", "add", "{p}", "--scene", "1", "--board", "{tmp}/notimage.png"],
        "notimage.png: not a readable image",
    ),
    (["shot", "set", "{p}", "999_9999", "--lens", "50"], "shot '999_9999' not found"),
    (["info", "{tmp}"], "not a Previz project"),
    (["scene", "move", "{p}", "1", "0"], "position: 0 is not a position"),
]


@pytest.mark.parametrize("argv, message", BAD, ids=[" ".join(a[:2]) + "|" + m[:24] for a, m in BAD])
def test_bad_input_is_one_line_exit_1_and_changes_nothing(project, tmp_path, capsys, argv, message):
    (tmp_path / "notimage.png").write_text("not an image at all")
    with ProjectSession.open(project, readonly=True) as s:
        before = dump(s)
    code, out, err = run(capsys, *[a.format(tmp=tmp_path, p=project) for a in argv])
    assert code == 1
    assert err.startswith("previz: error: ") and message in err, err
    assert err.count("\n") == 1 and "Traceback" not in err
    with ProjectSession.open(project, readonly=True) as s:
        assert dump(s) == before
    assert not (tmp_path / "x.previz").exists()


def test_usage_errors_exit_2(project):
    result = subprocess.run(
        [sys.executable, "-m", "previz", "shot", "add", str(project)], capture_output=True, text=True
    )
    assert result.returncode == 2 and "--scene" in result.stderr


def test_a_project_open_in_another_process_can_still_be_changed_from_the_cli(project, capsys):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys,time; from previz.core.session import ProjectSession as P; "
            "s=P.open(sys.argv[1]); print('ok', flush=True); time.sleep(30)",
            str(project),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ok"
        before = len(ProjectSession.open(project, readonly=True).shots())
        code, _, err = run(capsys, "shot", "add", project, "--scene", "1")
        assert code == 0, err
        assert len(ProjectSession.open(project, readonly=True).shots()) == before + 1
    finally:
        holder.kill()
        holder.wait()


def test_a_schema_from_the_future_is_refused(project, capsys):
    import sqlite3

    con = sqlite3.connect(project / "project.sqlite")
    con.execute("UPDATE alembic_version SET version_num = '0099'")
    con.commit()
    con.close()
    code, _, err = run(capsys, "info", project)
    assert code == 1 and "made by a newer version of Previz (schema 0099" in err


def test_audio_clips_are_added_listed_undone_and_refused_when_not_audio(project, tmp_path, capsys):
    import numpy as np

    from previz.media.audio import write_audio_file

    tone = np.zeros((2, 4800), np.float32)
    wav = write_audio_file(tmp_path / "temp.wav", tone)
    assert run(capsys, "audio", "add", project, wav, "--start", "00:00:01:00", "--gain", "-6")[0] == 0
    clips = json.loads(run(capsys, "audio", "list", project, "--json")[1])
    assert [(c["name"], c["start_frame"], c["gain_db"]) for c in clips] == [("temp.wav", 24, -6.0)]
    # the list shows record timecode as `previz cut` does: the cut starts at 01:00:00:00
    assert clips[0]["start_timecode"] == "01:00:01:00"
    assert json.loads(run(capsys, "cut", project, "--json")[1])["entries"][0]["record_in_tc"] == "01:00:00:00"
    table = run(capsys, "audio", "list", project)[1].splitlines()
    assert table[0].split() == ["id", "name", "track", "start", "frame", "gain", "dB"]
    assert table[1].split()[1:5] == ["temp.wav", "1", "01:00:01:00", "24"]
    assert "Add audio temp.wav" in run(capsys, "undo", project)[1]
    assert json.loads(run(capsys, "audio", "list", project, "--json")[1]) == []
    (tmp_path / "fake.wav").write_bytes(b"RIFF nope")
    code, _, err = run(capsys, "audio", "add", project, tmp_path / "fake.wav")
    assert code == 1 and "fake.wav" in err


def test_note_add_help_shows_the_strokes_format_with_an_example_that_works(project, capsys):
    import shlex
    from pathlib import Path

    with pytest.raises(SystemExit):
        main(["note", "add", "--help"])
    help_text = capsys.readouterr().out
    assert "colour   red, yellow, green, cyan, white or #rrggbb" in help_text
    example = help_text.split("example:\n", 1)[1].split("\nA malformed", 1)[0]
    argv = shlex.split(example.replace("\\\n", " "))
    assert argv[:3] == ["previz", "note", "add"]
    code, out, err = run(capsys, *argv[1:3], project, *argv[4:])
    assert (code, err) == (0, "") and out.startswith("added note 1 to 012A_0010 at frame 12 with 2 strokes")
    notes = json.loads(run(capsys, "notes", project, "--json")[1])
    assert [s["kind"] for s in notes[0]["strokes"]] == ["ellipse", "text"]
    # README's review section documents the same format with the same drawing
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert argv[-1].splitlines()[0] in readme


def test_malformed_strokes_json_names_the_stroke_and_field_in_one_line(project, capsys):
    with ProjectSession.open(project, readonly=True) as s:
        before = dump(s)
    broken = (
        '{"kind": "pen", "points": [[0.1, 0.2], [0.3, 0.4]]}, {"kind": "rect", "points": [[0, 0] [1, 1]]}'
    )
    code, _, err = run(capsys, "note", "add", project, "001_0010", "--frame", "1", "x", "--strokes", broken)
    message = "strokes: not valid JSON in strokes[1].points, at '[1, 1]]}' (Expecting ',' delimiter)"
    assert code == 1 and err == f"previz: error: {message}\n"
    code, _, err = run(
        capsys, "note", "add", project, "001_0010", "--frame", "1", "x", "--strokes", '[{"kind": "pen"'
    )
    assert code == 1 and err.startswith(
        "previz: error: strokes: not valid JSON in strokes[0].kind, at the end"
    )
    with ProjectSession.open(project, readonly=True) as s:
        assert dump(s) == before


def test_shot_add_seconds_rounds_like_a_shot_list(tmp_path, capsys):
    # 0.1 s at 25 fps is 2.5 frames: `--seconds` and a shot list's "0.1s" both make 3 (halves up)
    run(capsys, "new", tmp_path / "pal", "--fps", "25")
    path = tmp_path / "pal.previz"
    run(capsys, "scene", "add", path, "--heading", "INT. HALL - DAY", "--number", "1")
    assert run(capsys, "shot", "add", path, "--scene", "1", "--seconds", "0.1")[0] == 0
    (tmp_path / "shots.csv").write_text("scene,shot,duration\n1,20,0.1s\n")
    assert run(capsys, "import", path, tmp_path / "shots.csv")[0] == 0
    shots = json.loads(run(capsys, "shot", "list", path, "--json")[1])
    assert [(s["code"], s["duration_frames"]) for s in shots] == [("001_0010", 3), ("001_0020", 3)]


def test_cut_and_export_find_a_scene_by_the_same_lookup(tmp_path, capsys):
    # scene numbers are case-sensitive: 1A and 1a are two scenes, and --scene 1a means 1a everywhere
    run(capsys, "new", tmp_path / "cs")
    path = tmp_path / "cs.previz"
    for number, frames in (("1A", 10), ("1a", 20)):
        run(capsys, "scene", "add", path, "--heading", "INT. HALL - DAY", "--number", number)
        run(capsys, "shot", "add", path, "--scene", number, "--duration", frames)
    cut = json.loads(run(capsys, "cut", path, "--scene", "1a", "--json")[1])
    assert [(e["code"], e["duration"]) for e in cut["entries"]] == [("001a_0010", 20)]
    code, out, _ = run(capsys, "export", path, tmp_path / "boards.pdf", "--scene", "1a", "--json")
    assert code == 0 and json.loads(out)["frames"] == 20


def test_new_takes_a_rate_as_a_label_or_a_ratio(tmp_path, capsys):
    from previz.core.timecode import FRAME_RATES

    with pytest.raises(SystemExit):
        main(["new", "--help"])
    assert ", ".join(FRAME_RATES) in " ".join(capsys.readouterr().out.split())
    assert run(capsys, "new", tmp_path / "ntsc", "--fps", "30000/1001")[0] == 0
    info = json.loads(run(capsys, "info", tmp_path / "ntsc.previz", "--json")[1])
    assert (info["fps"], info["drop_frame"]) == ("29.97", True)
