"""The review report PDF and notes CSV: pages, rows, annotated frames, unwritable outputs."""

from __future__ import annotations

import csv
import errno
import os
import re

import numpy as np
import pytest

from previz.core.errors import ExportError
from previz.core.review import resolve_note
from previz.core.strokes import PALETTE
from previz.export import files as export_files
from previz.export.review_report import CSV_COLUMNS, annotated_frame, note_frame, write_review_report
from previz.media.reader import read_frame

BOX = {"kind": "rect", "colour": "red", "width": 60, "points": [[0.25, 0.25], [0.75, 0.75]]}


def pdf_pages(path) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", path.read_bytes()))


def test_annotated_frame_is_the_take_frame_with_the_strokes(project):
    note = project.add_note("001_0020", 6, "frame this", strokes=[BOX])
    take = project.take(project.shot("001_0020").selected_take_id)
    plain = read_frame(project.media_path(take.media_hash), 6)
    assert np.array_equal(note_frame(project, note), plain)
    out = annotated_frame(project, note)
    assert out.shape == (180, 320, 3)
    x0, y0 = round(0.25 * 319), round(0.25 * 179)
    assert np.all(np.abs(out[y0, 160].astype(int) - PALETTE["red"]) <= 10)  # the top edge
    assert np.all(np.abs(out[90, x0].astype(int) - PALETTE["red"]) <= 10)  # the left edge
    assert np.array_equal(out[90, 160], plain[90, 160])  # inside the box: the picture
    assert np.array_equal(out[5, 5], plain[5, 5])


def test_a_note_without_a_take_is_drawn_on_the_board(bare):
    note = bare.add_note("001_0010", 2, "board note", strokes=[BOX])
    out = annotated_frame(bare, note)
    assert np.all(np.abs(out[90, 160].astype(int) - (60, 90, 40)) <= 3)  # the board's colour
    assert np.all(np.abs(out[round(0.25 * 179), 160].astype(int) - PALETTE["red"]) <= 10)


def test_pdf_has_a_title_page_and_a_page_per_shot(project, tmp_path):
    project.add_note("001_0010", 1, "Slower push — half the speed", strokes=[BOX])
    project.add_note("001_0010", 1, "Same frame, second thought")
    project.add_note("002_0010", 0, "Needs a board", strokes=[BOX])
    report = write_review_report(project, tmp_path / "review.pdf")
    assert report.pages == 4 == pdf_pages(tmp_path / "review.pdf")
    data = (tmp_path / "review.pdf").read_bytes()
    assert data.startswith(b"%PDF") and len(re.findall(rb"/Subtype\s*/Image", data)) >= 5
    # Many drawn notes on one shot flow onto further pages.
    for i in range(5):
        project.add_note("001_0020", i, f"note {i}", strokes=[BOX])
    report = write_review_report(project, tmp_path / "review.pdf")
    assert report.pages == 5 == pdf_pages(tmp_path / "review.pdf")  # 001_0020 takes two
    only = write_review_report(project, tmp_path / "one.pdf", shots=["002_0010"])
    assert only.pages == 2 == pdf_pages(tmp_path / "one.pdf")
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]


def test_csv_rows(project, tmp_path):
    a = project.add_note("001_0020", 5, "Warmer, “golden” light", author="Ana")
    project.add_note("001_0010", 11, "End on the lamp", author="Ben", take_number=1)
    project.add_note("001_0020", 5, "Same frame")  # by whoever has the project open
    resolve_note(project, a.id, take_number=1)
    report = write_review_report(project, tmp_path / "notes.csv")
    with open(tmp_path / "notes.csv", newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert report.rows == 3 and rows[0] == CSV_COLUMNS
    body = [dict(zip(rows[0], r)) for r in rows[1:]]
    assert [(r["shot"], r["frame"], r["timecode"], r["author"]) for r in body] == [
        ("001_0010", "11", "01:00:00:11", "Ben"),
        ("001_0020", "5", "01:00:00:17", "Ana"),
        ("001_0020", "5", "01:00:00:17", project.author),
    ]
    assert [(r["take"], r["resolved"], r["resolved_by_take"]) for r in body] == [
        ("1", "no", ""),
        ("1", "yes", "1"),
        ("1", "no", ""),
    ]
    assert body[1]["text"] == "Warmer, “golden” light" and body[1]["created"].startswith("20")
    open_only = write_review_report(project, tmp_path / "open.csv", open_only=True)
    assert open_only.rows == 2


def test_unwritable_report_paths(project, tmp_path, monkeypatch):
    with pytest.raises(ExportError, match="a review report is a .pdf or a .csv"):
        write_review_report(project, tmp_path / "notes.txt")
    with pytest.raises(ExportError, match="does not exist"):
        write_review_report(project, tmp_path / "missing" / "notes.csv")

    def denied(*a, **k):
        raise PermissionError(errno.EACCES, "Permission denied")

    with monkeypatch.context() as m:
        m.setattr(export_files.tempfile, "mkstemp", denied)
        with pytest.raises(ExportError, match="output folder is not writable .*Permission denied"):
            write_review_report(project, tmp_path / "review.pdf")
    with monkeypatch.context() as m:
        m.setattr(export_files.os, "replace", denied)
        with pytest.raises(ExportError, match=r"review\.pdf: cannot write here \(Permission denied\)"):
            write_review_report(project, tmp_path / "review.pdf")
    assert sorted(os.listdir(tmp_path)) == sorted(p.name for p in tmp_path.iterdir())
    assert not (tmp_path / "review.pdf").exists()
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]


def test_csv_cells_that_look_like_formulas_are_written_as_text(project, tmp_path):
    """A spreadsheet runs a cell starting with = + - @ (or a tab or carriage return) as a formula;
    the report quotes it with a leading single quote (OWASP CSV injection)."""
    texts = ['=HYPERLINK("http://x.test","click")', "+1+2", "-3 frames", "@SUM(A1:A2)", "plain"]
    for text in texts:
        project.add_note("001_0010", 1, text, author="=cmd|' /C calc'!A0")
    project.add_note("001_0010", 2, "tabbed", author="\tTab")
    project.add_note("001_0010", 3, "cr", author="\rCR")
    write_review_report(project, tmp_path / "notes.csv")
    with open(tmp_path / "notes.csv", newline="", encoding="utf-8-sig") as fh:
        body = [dict(zip(CSV_COLUMNS, r)) for r in list(csv.reader(fh))[1:]]
    assert [r["text"] for r in body] == [
        "'" + texts[0],
        "'+1+2",
        "'-3 frames",
        "'@SUM(A1:A2)",
        "plain",
        "tabbed",
        "cr",
    ]
    assert [r["author"] for r in body] == ["'=cmd|' /C calc'!A0"] * 5 + ["'\tTab", "'\rCR"]
    assert [r["frame"] for r in body] == ["1"] * 5 + ["2", "3"]


def test_text_with_line_breaks_draws_on_the_frame_and_the_report(project, tmp_path):
    """A drawn text stroke holding a line break (or a CR, or U+0085) drew nothing: Pillow's one-line
    layout failed. It draws as one line, and the report is written."""
    words = {"kind": "text", "colour": "red", "points": [[0.1, 0.5]], "text": "too\ndark\r\x85!", "size": 24}
    note = project.add_note("001_0020", 6, "see drawing", strokes=[words])
    plain = note_frame(project, note)
    out = annotated_frame(project, note)
    assert (np.abs(out.astype(int) - plain).max(axis=2) > 60).sum() > 50  # the lettering is drawn
    assert write_review_report(project, tmp_path / "review.pdf").pages >= 2
