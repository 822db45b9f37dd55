"""Cuts written by other tools: an Avid-style CMX 3600 EDL, a Premiere-style and a Resolve-style FCP 7 XML
(tests/ingest/data/editorial, written by hand in each tool's dialect; see its README). Each conforms a
small project as the editor intended, and the report says what was done with every clip and track."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from cut_helpers import COLOURS, add_video_take, make_project, shot_rows, write_movie  # noqa: E402

from previz.ingest.conform import import_cut  # noqa: E402

DATA = Path(__file__).parent / "data" / "editorial"
SCENE_12A = ["012A_0010", "012A_0020", "012A_0030", "012A_0040"]


def lighthouse(tmp_path: Path, fps: str, take_fps: str, drop_frame=None):
    """Scene 12A: 012A_0010..0040 (takes of 60 frames), scene 13: 013_0010 (90 frames); every shot 48
    frames long, untrimmed, cut to cut."""
    session = make_project(tmp_path, fps=fps, drop_frame=drop_frame)
    session.add_scene("EXT. LIGHTHOUSE - NIGHT", number="12A")
    session.add_scene("INT. LANTERN ROOM", number="13")
    for i, code in enumerate(SCENE_12A):
        session.add_shot("12A", code=code, duration_frames=48)
        add_video_take(session, code, 60, COLOURS[i], kind="animatic", fps=take_fps)
    session.add_shot("13", code="013_0010", duration_frames=48)
    add_video_take(session, "013_0010", 90, COLOURS[4], kind="animatic", fps=take_fps)
    return session


@pytest.fixture
def avid_project(tmp_path):
    session = lighthouse(tmp_path, "29.97", "30000/1001", drop_frame=True)
    yield session
    session.close()


def _row(rows, code, **expected):
    assert {k: rows[code][k] for k in expected} == expected, code


def test_avid_edl_conforms_by_clip_name_with_black_audio_speed_and_locators(avid_project, tmp_path):
    cut = tmp_path / "avid_style.edl"
    shutil.copy(DATA / cut.name, cut)
    report = import_cut(avid_project, cut)
    rows = shot_rows(avid_project)
    order = [s.code for s in avid_project.shots()]
    assert order[:5] == ["012A_0010", "012A_0030", "012A_0040", "012A_0020", "013_0010"]
    # A dissolve from black (BL C, then D 015) is a fade in; a dissolve to black a fade out.
    _row(rows, "012A_0010", duration=40, trim_in=2, status="draft", transition=("fade_in", 15))
    _row(rows, "012A_0030", duration=30, trim_in=0)
    # The C/D 012 pair: a 12-frame dissolve into 012A_0020 (named by TO CLIP NAME), from its frame 4.
    _row(rows, "012A_0020", duration=36, trim_in=4, transition=("dissolve", 12))
    _row(rows, "013_0010", duration=24, trim_in=0)  # M2 at 200%: the record length
    _row(rows, "012A_0040", status="omitted", duration=48)
    # The locator is in record timecode (01:00:01;15 drop-frame = 15 frames into the event).
    assert [(n.frame, n.text) for n in avid_project.notes("012A_0010")] == [
        (15, "LAMP FLICKER - FIX IN COMP")
    ]
    # Black is filler, audio events are not shots, the stock clip is a placeholder naming its file.
    new = order[5]
    _row(rows, new, scene="13", duration=45, transition=("fade_out", 30))
    assert "storm_stock_042.mov is named in the EDL but not linked" in avid_project.shot(new).action
    assert report.unmatched == [f"clip 5 'storm_stock_042.mov' matches no shot; added as {new}"]
    assert report.notices.count("black (BL) of 30 frames in the cut: filler, not a shot") == 2
    assert "audio track 'A1' (2 clips) not conformed" in report.notices
    assert "audio track 'A2' (1 clips) not conformed" in report.notices
    assert (
        "clip 4 '013_0010' plays 013_0010 at 200% speed in the cut; Previz plays it at normal speed for "
        "the clip's 24 frames"
    ) in report.notices
    assert report.rate == "29.97 fps drop-frame"


def test_avid_source_file_comment_matches_when_the_clip_name_does_not(avid_project, tmp_path):
    """An Avid clip renamed in the bin still names the exported file in ``* SOURCE FILE:``."""
    text = (DATA / "avid_style.edl").read_text().replace("CLIP NAME:  013_0010", "CLIP NAME:  LANTERN WIDE")
    cut = tmp_path / "renamed.edl"
    cut.write_text(text)
    import_cut(avid_project, cut)
    assert avid_project.shot("013_0010").duration_frames == 24
    assert len(avid_project.shots()) == 6  # 5 shots + the stock placeholder, no shot for LANTERN WIDE


def test_avid_camera_source_timecode_outside_the_take_keeps_the_trim(avid_project, tmp_path):
    """Source timecode an Avid EDL took from other media does not fit the take: the trim is kept and said,
    instead of the whole conform being refused."""
    text = (DATA / "avid_style.edl").read_text()
    text = text.replace("V     D    015 00:00:00;02 00:00:01;12", "V     D    015 14:22:10;02 14:22:11;12")
    cut = tmp_path / "camera_tc.edl"
    cut.write_text(text)
    report = import_cut(avid_project, cut)
    assert (
        avid_project.shot("012A_0010").trim_in == 0 and avid_project.shot("012A_0010").duration_frames == 40
    )
    assert any(n.startswith("clip 1 '012A_0010': its source (from frame ") for n in report.notices)


def test_premiere_xml_title_disabled_clip_second_track_and_camera_timecode(tmp_path):
    session = lighthouse(tmp_path, "24", "24")
    folder = tmp_path / "Lighthouse Previz"
    stock = write_movie(folder / "stock footage" / "storm_stock_042.mov", 120)
    text = (DATA / "premiere_style.xml").read_text()
    cut = folder / "premiere_style.xml"
    cut.write_text(text.replace("file://localhost/Users/editor/Lighthouse%20Previz", folder.as_uri()))
    report = import_cut(session, cut)
    rows = shot_rows(session)
    order = [s.code for s in session.shots()]
    title, storm = order[0], order[-1]
    assert order[1:6] == SCENE_12A + ["013_0010"]
    # The generator is a placeholder shot named after its words, where it sits (before 012A_0010).
    _row(rows, title, scene="12A", duration=48)
    assert session.shot(title).action.startswith("From the editor's cut: THE LIGHTHOUSE (placeholder")
    _row(rows, "012A_0010", duration=40, trim_in=2)  # "012A_0010.mov" is shot 012A_0010
    _row(rows, "012A_0020", duration=36, trim_in=0, transition=("cut", 0))
    _row(rows, "012A_0030", duration=36, trim_in=10, transition=("dissolve", 12))
    _row(rows, "012A_0040", duration=48, status="draft")  # disabled: left as it is, not omitted
    _row(rows, "013_0010", duration=24)
    # Stock footage with camera timecode 14:22:10:05: the trim counts from the file's first frame.
    _row(rows, storm, scene="13", duration=45, trim_in=48)
    assert [(t.kind, t.frames) for t in session.takes(storm)] == [("imported", 120)]
    assert f"imported from {stock}" in next(c for c in report.changes if c.startswith(f"new shot {storm}"))
    # Premiere keeps a marker's words in <comment>; a clip marker counts in the media's frames.
    assert [(n.frame, n.text) for n in session.notes("012A_0010")] == [(15, "Lamp flicker - fix in comp")]
    assert [(n.frame, n.text) for n in session.notes(storm)] == [
        (2, "TEMP: temp: replace with the previz storm")
    ]
    assert report.unmatched[0] == (
        "clip 5 '012A_0040.mov' is disabled in the cut; 012A_0040 left as it is (not conformed, not omitted)"
    )
    assert "video track 2 (1 clips) not conformed; --track 2 conforms it instead" in report.notices
    assert "audio track 1 (2 clips) not conformed" in report.notices  # the stereo pair is one track
    session.close()


def test_resolve_xml_at_23976_matches_clip_names_with_extensions(tmp_path):
    session = lighthouse(tmp_path, "23.976", "24000/1001")
    cut = tmp_path / "resolve_style.xml"
    shutil.copy(DATA / cut.name, cut)
    report = import_cut(session, cut)
    rows = shot_rows(session)
    assert report.rate == "23.976 fps" and report.unmatched == []
    assert [s.code for s in session.shots()] == [
        "012A_0010",
        "012A_0030",
        "012A_0040",
        "012A_0020",
        "013_0010",
    ]
    _row(rows, "012A_0010", duration=40, trim_in=2)
    _row(rows, "012A_0030", duration=30, trim_in=0)  # its file is LH_012A_0030_v003.mov: matched by name
    _row(rows, "012A_0020", duration=36, trim_in=4, transition=("cut", 0))
    _row(rows, "013_0010", duration=30, trim_in=6, transition=("dissolve", 12))
    _row(rows, "012A_0040", status="omitted")
    assert [(n.frame, n.text) for n in session.notes("012A_0010")] == [
        (15, "Marker 1: Lamp flicker - fix in comp")
    ]
    session.close()


def test_a_disabled_clip_that_matches_no_shot_adds_none(tmp_path):
    session = lighthouse(tmp_path, "24", "24")
    text = (DATA / "premiere_style.xml").read_text()
    title = text.index("<generatoritem")
    cut = tmp_path / "title_off.xml"
    cut.write_text(
        text[:title] + text[title:].replace("<enabled>TRUE</enabled>", "<enabled>FALSE</enabled>", 1)
    )
    report = import_cut(session, cut)
    assert "clip 1 'Title 01' is disabled in the cut; no shot added for it (not conformed, not omitted)" in (
        report.unmatched
    )
    assert [s.action for s in session.shots() if "THE LIGHTHOUSE" in s.action] == []
    session.close()
