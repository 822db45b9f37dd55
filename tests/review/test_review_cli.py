"""The review commands end to end: notes, note add/resolve/remove/revise, status, report; bad input."""

from __future__ import annotations

import csv
import json
import re

import pytest

from previz.cli import main
from previz.core.session import ProjectSession

PEN = {"kind": "pen", "colour": "red", "width": 8, "points": [[0.1, 0.1], [0.9, 0.9]]}


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def path(project):
    root = project.root
    project.close()
    return root


def test_notes_round_trip(path, capsys, tmp_path):
    code, out, err = run(
        capsys, "note", "add", path, "001_0010", "--frame", "3", "Slower push", "--strokes", json.dumps([PEN])
    )
    assert (code, err) == (0, "") and out.strip() == "added note 1 to 001_0010 at frame 3 with 1 strokes"
    strokes_file = tmp_path / "drawing.json"
    strokes_file.write_text(json.dumps([PEN, {"kind": "text", "points": [[0.2, 0.2]], "text": "here"}]))
    assert (
        run(
            capsys,
            "note",
            "add",
            path,
            "001_0010",
            "--frame",
            "3",
            "Same frame",
            "--author",
            "DoP",
            "--take",
            "1",
            "--strokes",
            strokes_file,
        )[0]
        == 0
    )
    assert run(capsys, "note", "add", path, "001_0020", "Warmer", "--frame", "0")[0] == 0
    code, out, _ = run(capsys, "notes", path, "--json")
    notes = json.loads(out)
    assert [(n["id"], n["shot"], n["frame"], n["author"], len(n["strokes"])) for n in notes] == [
        (1, "001_0010", 3, "Director", 1),
        (2, "001_0010", 3, "DoP", 2),
        (3, "001_0020", 0, "Director", 0),
    ]
    assert notes[2]["timecode"] == "01:00:00:12" and notes[0]["take"] == 1
    code, out, _ = run(capsys, "note", "resolve", path, "1", "--take", "1")
    assert (code, out.strip()) == (0, "resolved note 1 by take 1")
    code, out, _ = run(capsys, "notes", path, "--open")
    assert code == 0 and re.search(r"^2 +001_0010", out, re.M) and not re.search(r"^1 +001_0010", out, re.M)
    code, out, _ = run(capsys, "notes", path, "--shot", "001_0010", "--author", "DoP", "--json")
    assert [n["id"] for n in json.loads(out)] == [2]
    assert run(capsys, "note", "remove", path, "3")[0] == 0
    assert run(capsys, "undo", path)[0] == 0
    assert [n["id"] for n in json.loads(run(capsys, "notes", path, "--json")[1])] == [1, 2, 3]
    code, out, _ = run(capsys, "note", "reopen", path, "1")
    assert code == 0 and not json.loads(run(capsys, "notes", path, "--json")[1])[0]["resolved"]


def test_status_and_report(path, capsys, tmp_path):
    assert run(capsys, "status", path, "001_0010", "approved") == (0, "001_0010: approved\n", "")
    assert run(capsys, "status", path, "002_0010", "omitted")[0] == 0
    run(
        capsys,
        "note",
        "add",
        path,
        "001_0020",
        "--frame",
        "2",
        "Fix the horizon",
        "--strokes",
        json.dumps(PEN),
    )
    code, out, err = run(capsys, "report", path, tmp_path / "review.pdf")
    assert code == 0 and err == "" and out.strip().endswith("(4 pages)")
    assert len(re.findall(rb"/Type\s*/Page(?!s)", (tmp_path / "review.pdf").read_bytes())) == 4
    code, out, _ = run(capsys, "report", path, tmp_path / "notes.csv")
    assert code == 0 and out.strip().endswith("(1 notes)")
    with open(tmp_path / "notes.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["shot"], r["frame"], r["text"], r["author"]) for r in rows] == [
        ("001_0020", "2", "Fix the horizon", "Director")
    ]
    with ProjectSession.open(path, readonly=True) as session:
        assert [s.status for s in session.shots()] == ["approved", "ready", "omitted"]


def test_revise_from_the_cli(path, capsys):
    run(capsys, "note", "add", path, "001_0020", "--frame", "2", "Try again")
    code, out, err = run(capsys, "note", "revise", path, "1", "--prompt", "A calmer sea", "--run")
    assert code == 0, err
    assert out.splitlines() == ["queued job 3 for note 1", "job 3: take 2 ready"]
    assert run(capsys, "note", "resolve", path, "1")[1].strip() == "resolved note 1 by take 2"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["note", "add", "{p}", "001_0010", "--frame", "12", "late"],
            "frame: 12 is out of range; use 0 to 11",
        ),
        (["note", "add", "{p}", "009_0010", "--frame", "1", "x"], "shot '009_0010' not found"),
        (["note", "add", "{p}", "001_0010", "--frame", "1", "x", "--take", "4"], "001_0010 has no take 4"),
        (["note", "add", "{p}", "001_0010", "--frame", "1", " "], "text: must not be empty"),
        (
            ["note", "add", "{p}", "001_0010", "--frame", "1", "x", "--strokes", '[{"kind": "pen"'],
            "strokes: not valid JSON",
        ),
        (
            [
                "note",
                "add",
                "{p}",
                "001_0010",
                "--frame",
                "1",
                "x",
                "--strokes",
                '[{"kind": "pen", "points": 3}]',
            ],
            "strokes[0].points: expected a list of [x, y] points",
        ),
        (
            ["note", "add", "{p}", "001_0010", "--frame", "1", "x", "--strokes", "nofile.json"],
            "--strokes: 'nofile.json' is neither a JSON list of strokes nor a file",
        ),
        (["note", "resolve", "{p}", "7"], "note 7 not found"),
        (["note", "resolve", "{p}", "1", "--take", "9"], "001_0010 has no take 9"),
        (["status", "{p}", "001_0010", "great"], "status: 'great' is not one of"),
        (["status", "{p}", "001_0010", "queued"], "status: 'queued' is set by generation"),
        (["status", "{p}", "009_0010", "approved"], "shot '009_0010' not found"),
        (["report", "{p}", "{t}/nowhere/review.pdf"], "does not exist"),
        (["report", "{p}", "{t}/review.docx"], "a review report is a .pdf or a .csv"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(path, capsys, tmp_path, argv, message):
    run(capsys, "note", "add", path, "001_0010", "--frame", "1", "existing")
    before = json.loads(run(capsys, "notes", path, "--json")[1])
    argv = [a.replace("{p}", str(path)).replace("{t}", str(tmp_path)) for a in argv]
    code, out, err = run(capsys, *argv)
    assert code == 1 and out == ""
    assert err.startswith("previz: error: ") and message in err and err.count("\n") == 1
    assert json.loads(run(capsys, "notes", path, "--json")[1]) == before


def test_a_frame_beyond_the_take(path, capsys):
    with ProjectSession.open(path) as session:
        session.set_shot("001_0010", duration_frames=30)
    code, _, err = run(capsys, "note", "add", path, "001_0010", "--frame", "20", "late", "--take", "1")
    assert code == 1 and "frame: 20 is beyond take 1 of 001_0010, which has 12 frames" in err


def test_an_unwritable_report_path(path, capsys, tmp_path, monkeypatch):
    from previz.export import files

    def denied(*a, **k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(files.tempfile, "mkstemp", denied)
    code, out, err = run(capsys, "report", path, tmp_path / "review.pdf")
    assert code == 1 and "the output folder is not writable (Permission denied)" in err
    assert not (tmp_path / "review.pdf").exists()


def test_damaged_drawings_warn_but_list(path, capsys):
    import sqlite3

    run(capsys, "note", "add", path, "001_0010", "--frame", "1", "drawn", "--strokes", json.dumps([PEN, PEN]))
    with sqlite3.connect(path / "project.sqlite") as conn:
        conn.execute("UPDATE note SET strokes = ?", (json.dumps([PEN, {"kind": "pen"}]),))
    code, out, err = run(capsys, "notes", path)
    assert code == 0 and "1 strokes" in out
    assert err.startswith("previz: warning: note 1: skipped a malformed stroke (strokes[1].points")
