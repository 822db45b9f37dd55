"""Shot lists from CSV and .xlsx: header aliases, durations, and errors naming file, row and column."""

from __future__ import annotations

import datetime

import openpyxl
import pytest

from previz.core.enums import MoveKind, ShotSize
from previz.core.errors import ImportFileError
from previz.ingest.shotlist import load_shot_list, parse_duration, resolve_scenes


def write(tmp_path, text: str, name: str = "shots.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize(
    "value, fps, frames",
    [
        ("48", 24, 48),
        ("48f", 24, 48),
        ("48 frames", 24, 48),
        ("2s", 24, 48),
        ("2.5", 24, 60),
        ("2.5 sec", 25, 63),
        ("3.0", 30, 90),
        ("00:00:02:00", 24, 48),
        ("00:00:02:12", 25, 62),
        ("00:01:00;02", 29.97, 1800),
        ("2.5", 23.976, 60),
    ],
)
def test_parse_duration(value, fps, frames):
    assert parse_duration(value, fps) == frames


def test_duration_unit_from_header():
    assert parse_duration("3", 24, "seconds") == 72
    assert parse_duration("72", 24, "frames") == 72
    with pytest.raises(ValueError):
        parse_duration("2.5", 24, "frames")


@pytest.mark.parametrize("value", ["", "abc", "-2", "0", "2.5f", "3 min", "00:00:02:30"])
def test_parse_duration_rejects(value):
    with pytest.raises(ValueError):
        parse_duration(value, 24)


def test_aliases_case_and_values(tmp_path):
    p = write(
        tmp_path,
        "Sc;Shot #;Shot Size;Camera Move;Focal Length;Dur;Action;Dialog;Prompt;Panel;Notes\n"
        "012a;10;Wide;Dolly In;35mm;48f;A boat.;;;p1.png;ignored\n"
        "12A;20;Over the shoulder;Pan Left;85;2.5;Mara talks.;Hello.;a custom prompt;;\n"
        "1;30;ECU;handheld;;00:00:01:00;;;;;\n",
    )
    sl = load_shot_list(p, fps=24)
    assert sl.ignored_columns == ["Notes"]
    assert sl.columns["duration"] == "Dur"
    r1, r2, r3 = sl.rows
    assert (r1.row, r1.scene, r1.shot, r1.code) == (2, "12a", 10, "012a_0010")  # as written
    assert (r1.size, r1.move, r1.lens_mm, r1.duration_frames) == (ShotSize.ws, MoveKind.push_in, 35.0, 48)
    assert r1.board == "p1.png"
    assert (r2.size, r2.move, r2.duration_frames, r2.dialogue, r2.prompt) == (
        ShotSize.ots,
        MoveKind.pan_left,
        60,
        "Hello.",
        "a custom prompt",
    )
    assert (r3.code, r3.size, r3.move, r3.lens_mm, r3.duration_frames) == (
        "001_0030",
        ShotSize.ecu,
        MoveKind.handheld,
        None,
        24,
    )


def test_missing_required_column_names_header(tmp_path):
    p = write(tmp_path, "scene,size,description\n1,ws,A boat.\n")
    with pytest.raises(ImportFileError, match="missing required column.*shot") as err:
        load_shot_list(p, fps=24)
    assert err.value.line == 1
    assert "shots.csv, line 1" in str(err.value)


def test_bad_duration_names_row_and_column(tmp_path):
    p = write(tmp_path, "Scene,Shot,Length\n1,10,48\n1,20,\n1,30,two seconds\n")
    with pytest.raises(ImportFileError) as err:
        load_shot_list(p, fps=24)
    assert (err.value.line, err.value.column) == (4, "Length")
    assert "shots.csv, line 4, column 'Length'" in str(err.value)


@pytest.mark.parametrize(
    "row, column, match",
    [
        ("1,10,gigantic,static,35", "size", "not a shot size"),
        ("1,10,ws,spin,35", "move", "not a camera move"),
        ("1,10,ws,static,wide", "lens", "focal length"),
        ("1,ten,ws,static,35", "shot", "whole shot number"),
        (",10,ws,static,35", "scene", "empty"),
    ],
)
def test_bad_values_name_row_and_column(tmp_path, row, column, match):
    p = write(tmp_path, f"scene,shot,size,move,lens\n1,5,ms,static,50\n{row}\n")
    with pytest.raises(ImportFileError, match=match) as err:
        load_shot_list(p, fps=24)
    assert (err.value.line, err.value.column) == (3, column)


def test_duplicate_shot_and_multiline_cells(tmp_path):
    p = write(tmp_path, 'scene,shot,description\n1,10,"two\nlines"\n1,10,again\n')
    with pytest.raises(ImportFileError, match="listed twice") as err:
        load_shot_list(p, fps=24)
    assert err.value.line == 4  # the quoted cell spans lines 2-3


def test_unknown_scene_names_row(tmp_path):
    p = write(tmp_path, "scene,shot\n1,10\n7B,10\n")
    sl = load_shot_list(p, fps=24)
    with pytest.raises(ImportFileError, match="scene 7B is not in the project") as err:
        resolve_scenes(sl, ["1", "2", "2A"])
    assert err.value.line == 3
    resolve_scenes(sl, ["001", "7b"])


def test_empty_and_header_only(tmp_path):
    with pytest.raises(ImportFileError, match="empty"):
        load_shot_list(write(tmp_path, "\n\n"), fps=24)
    assert load_shot_list(write(tmp_path, "scene,shot\n"), fps=24).rows == []


def test_xlsx(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Scene Number", "Shot No", "Framing", "Camera", "mm", "Seconds", "Description"])
    ws.append(["2A", 10, "MCU", "static", 50, 3, "Mara waits."])
    ws.append([3, 20, "cu", "push in", 85.0, 1.5, "A match."])
    ws.append(["4", 30, "ws", None, None, datetime.time(0, 0, 2), None])
    path = tmp_path / "list.xlsx"
    wb.save(path)
    sl = load_shot_list(path, fps=25)
    assert [(r.row, r.code, r.size, r.move, r.lens_mm, r.duration_frames) for r in sl.rows] == [
        (2, "002A_0010", ShotSize.mcu, MoveKind.static, 50.0, 75),
        (3, "003_0020", ShotSize.cu, MoveKind.push_in, 85.0, 38),
        (4, "004_0030", ShotSize.ws, None, None, 50),
    ]


def test_corrupt_xlsx(tmp_path):
    p = tmp_path / "broken.xlsx"
    p.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ImportFileError, match="not a readable .xlsx"):
        load_shot_list(p, fps=24)
