"""What an assistant editor's tools see in Previz's editorial files: each shot's stable identity (clip
name, OTIO ids, EDL reel and clip name), the EDL's FCM line, and the reel and timecode an NLE reads from
the per-shot media (so an import can later match clips to shots, and an NLE relink by timecode)."""

from __future__ import annotations

import re

import opentimelineio as otio
import pytest
from export_helpers import COLOURS, add_video_take, make_project

from previz.cli import main
from previz.core.errors import ExportError
from previz.export.api import export_project
from previz.export.identity import reel_names
from previz.export.reel import EncodeOptions
from previz.export.render import RenderOptions
from previz.media.video import movie_timecode

FAST = EncodeOptions(crf=20, preset="ultrafast")
EVENT = re.compile(r"^(\d{3})\s+(\S+)\s+V\s+C\s+(\S+) (\S+) (\S+) (\S+)$")


def export(session, out, **kwargs):
    return export_project(session, out, encode=FAST, credentials=False, **kwargs)


def edl_events(text: str) -> list[dict]:
    """Each event's reel, source in and clip name, as an EDL reader sees them."""
    events: list[dict] = []
    for line in text.splitlines():
        match = EVENT.match(line)
        if match:
            events.append({"reel": match[2], "src_in": match[3], "rec_in": match[5]})
        elif line.startswith("* FROM CLIP NAME:"):
            events[-1]["name"] = line.split(":", 1)[1].strip()
        elif line.startswith("* FROM CLIP:"):
            events[-1]["url"] = line.split(":", 1)[1].strip()
    return events


def test_otio_clips_carry_shot_take_and_media_identity(project, tmp_path):
    project.set_shot("001_0010", trim_in=4)
    export(project, tmp_path / "film.otio")
    timeline = otio.adapters.read_from_file(str(tmp_path / "film.otio"))
    shots = {s.code: s for s in project.shots()}
    for clip in timeline.find_clips():
        if clip.parent().kind != otio.schema.TrackKind.Video:
            continue
        meta = clip.metadata["previz"]
        shot = shots[clip.name]  # the clip name is the shot code
        assert meta["shot_id"] == shot.id
        takes = project.takes(clip.name)
        if takes:
            assert meta["take_id"] == takes[0].id and meta["media_hash"] == takes[0].media_hash
        else:
            assert meta["take_id"] is None and meta["media_hash"] is None
    assert [c.metadata["previz"]["reel"] for c in timeline.find_clips()] == ["0010010", "0010020", "0020010"]


def test_edl_names_clips_reels_and_frame_code_mode(project, tmp_path):
    project.set_shot("001_0010", trim_in=4)
    out = tmp_path / "film.edl"
    export(project, out)
    text = out.read_text()
    assert text.splitlines()[:2] == ["TITLE: Film", "FCM: NON-DROP FRAME"]
    events = edl_events(text)
    assert [(e["name"], e["reel"], e["src_in"]) for e in events] == [
        ("001_0010", "0010010", "00:00:00:04"),
        ("001_0020", "0010020", "00:00:00:00"),
        ("002_0010", "0020010", "00:00:00:00"),
    ]
    # The media each event points at carries the same reel, and its timecode track puts the event's
    # source in on the frame the event means (the take starts at 00:00:00:00).
    for event in events:
        path = otio.url_utils.filepath_from_url(event["url"])
        assert movie_timecode(path) == ("00:00:00:00", event["reel"])


def test_drop_frame_edl_says_so_and_media_timecode_is_drop_frame(tmp_path):
    session = make_project(tmp_path, fps="29.97")
    try:
        session.add_scene("EXT. SEA", number="1")
        session.add_shot("1", code="001_0010", duration_frames=18)
        add_video_take(session, "001_0010", 18, COLOURS[0], fps="30000/1001")
        out = tmp_path / "df.edl"
        export(session, out)
        assert out.read_text().splitlines()[1] == "FCM: DROP FRAME"
        assert movie_timecode(tmp_path / "df_media" / "001_0010_T1.mp4") == ("00:00:00;00", "0010010")
        export(session, tmp_path / "df.mov", options=RenderOptions(watermark=None))
        assert movie_timecode(tmp_path / "df.mov")[0] == "01:00:00;00"
    finally:
        session.close()


def test_reel_names_are_unique_within_8_characters_and_deterministic():
    codes = ["SEQ010_SH0010", "SEQ110_SH0010", "seq210-sh0010", "012A_0010", "012A-0010", "X", "__"]
    reels = reel_names(codes)
    assert all(len(r) <= 8 and r.isalnum() for r in reels.values())
    assert len({r.upper() for r in reels.values()}) == len(codes)
    # the code sorting first keeps the plain name; a collision never depends on the cut's order
    assert reels["012A-0010"] == "012A0010" and reels["012A_0010"].startswith("012A0")
    assert reels["SEQ010_SH0010"] == "10SH0010" and reels["__"] == "AX"
    assert reel_names(reversed(codes)) == reels
    assert reel_names(["SEQ110_SH0010"]) == {"SEQ110_SH0010": "10SH0010"}


def test_colliding_reels_are_resolved_in_the_edl_and_media(tmp_path):
    session = make_project(tmp_path)
    try:
        session.add_scene("EXT. SEA", number="1")
        for code in ("SEQ010_SH0010", "SEQ110_SH0010"):
            session.add_shot("1", code=code, duration_frames=6)
        out = tmp_path / "c.edl"
        export(session, out)
        events = edl_events(out.read_text())
        assert len({e["reel"] for e in events}) == 2
        for event in events:
            path = otio.url_utils.filepath_from_url(event["url"])
            assert movie_timecode(path)[1] == event["reel"]
        timeline = otio.adapters.read_from_file(str(out), adapter_name="cmx_3600", rate=24)
        assert [c.metadata["cmx_3600"]["reel"] for c in timeline.find_clips()] == [e["reel"] for e in events]
    finally:
        session.close()


@pytest.mark.parametrize(
    ("fmt", "slate", "expected"), [("mp4", False, "01:00:00:00"), ("mov", True, "00:59:58:00")]
)
def test_reels_have_a_timecode_track_at_the_record_start(project, tmp_path, fmt, slate, expected):
    out = tmp_path / f"reel.{fmt}"
    export(project, out, options=RenderOptions(slate=slate))
    assert movie_timecode(out) == (expected, "Film")  # a 2 s slate runs before 01:00:00:00


def test_per_shot_clips_have_timecode_of_their_first_take_frame(project, tmp_path):
    project.set_shot("001_0010", trim_in=4)
    export(project, tmp_path / "clips", fmt="clips")
    assert movie_timecode(tmp_path / "clips" / "001_0010_T1.mp4") == ("00:00:00:04", "0010010")


def test_fcpxml_suffix_is_refused_with_what_to_do(project, tmp_path):
    with pytest.raises(ExportError) as caught:
        export(project, tmp_path / "cut.fcpxml")
    assert str(caught.value) == (
        f"{tmp_path / 'cut.fcpxml'}: .fcpxml is Final Cut Pro X's format, which Previz does not write; "
        "Previz writes FCP 7 XML as .xml, which Premiere Pro and DaVinci Resolve read: name it cut.xml"
    )
    assert list(tmp_path.glob("cut*")) == []


def test_cli_format_names(project, tmp_path, capsys):
    project.close()
    bundle = str(tmp_path / "film.previz")
    assert main(["export", bundle, str(tmp_path / "cut.fcpxml"), "--no-credentials"]) == 1
    assert "Previz writes FCP 7 XML as .xml" in capsys.readouterr().err
    for name, fmt in (("a.xml", None), ("b.out", "fcp7xml"), ("c.out", "fcpxml")):
        args = ["export", bundle, str(tmp_path / name), "--no-credentials", "--preset", "ultrafast"]
        assert main(args + (["--format", fmt] if fmt else [])) == 0
        assert "(fcp7xml)" in capsys.readouterr().out
        timeline = otio.adapters.read_from_file(str(tmp_path / name), adapter_name="fcp_xml")
        assert [c.name for c in timeline.find_clips()] == ["001_0010", "001_0020", "002_0010"]


def test_non_drop_frame_ntsc_edl_counts_without_dropping(tmp_path):
    """A 29.97 project set to non-drop-frame: the list says so and its timecode never skips numbers
    (OTIO alone writes drop-frame timecode at 29.97, 3;18 late at 01:00:00:00)."""
    session = make_project(tmp_path, fps="29.97", drop_frame=False)
    try:
        session.add_scene("EXT. SEA", number="1")
        session.add_shot("1", code="001_0010", duration_frames=2000)
        out = tmp_path / "ndf.edl"
        export(session, out)
        text = out.read_text()
        assert text.splitlines()[1] == "FCM: NON-DROP FRAME"
        [event] = edl_events(text)
        assert (event["src_in"], event["rec_in"]) == ("00:00:00:00", "01:00:00:00")
        assert not re.search(r"\d;\d", text)
        assert re.search(r"00:01:06:20 01:00:00:00 01:01:06:20$", text, re.M)  # 2000 frames = 66 s 20 fr
        assert movie_timecode(tmp_path / "ndf_media" / "001_0010.mp4")[0] == "00:00:00:00"
    finally:
        session.close()


def test_only_movies_carry_a_timecode_track(tmp_path):
    from previz.core.errors import MediaError
    from previz.media.video import VideoWriter

    with pytest.raises(MediaError, match="only an MP4 or MOV file carries a timecode track"):
        VideoWriter(tmp_path / "%06d.png", 64, 64, 24, codec="png", timecode="01:00:00:00")
    assert list(tmp_path.iterdir()) == []
