"""AAF for Avid: written by otio-aaf-adapter, read back by the adapter and by pyaaf2 directly."""

from __future__ import annotations

import aaf2
import opentimelineio as otio
import pytest
from export_helpers import COLOURS, add_audio_clip, add_video_take, make_project

from previz.core.errors import ExportError
from previz.export import aaf as aaf_export
from previz.export.api import export_project
from previz.export.reel import EncodeOptions

FAST = EncodeOptions(crf=20, preset="ultrafast")


def export(session, out):
    return export_project(session, out, encode=FAST, credentials=False)


def test_aaf_reads_back_in_both_readers_with_clips_dissolve_audio_and_timecode(project, tmp_path):
    project.set_shot("001_0010", trim_in=4)
    project.set_shot("001_0020", transition="dissolve", transition_frames=4)
    add_audio_clip(project, tmp_path, seconds=1.0, start_frame=6)
    out = tmp_path / "cut.aaf"
    result = export(project, out)
    assert result.format == "aaf" and result.files == [tmp_path / "cut_media"]

    timeline = otio.adapters.read_from_file(str(out), adapter_name="AAF")  # the adapter's reader
    assert timeline.global_start_time == otio.opentime.RationalTime(86400, 24)
    video, audio = timeline.tracks
    assert [
        (c.name, c.source_range.start_time.value, c.source_range.duration.value) for c in video.find_clips()
    ] == [
        ("001_0010", 4, 16),
        ("001_0020", 0, 12),
        ("002_0010", 0, 12),
    ]
    assert [type(i).__name__ for i in video] == ["Clip", "Transition", "Clip", "Clip"]
    [tone] = audio.find_clips()
    assert tone.range_in_parent().start_time.value == 6

    with aaf2.open(str(out), "r") as f:  # pyaaf2 on its own
        [composition] = list(f.content.toplevel())
        masters = {m.name: m for m in f.content.mastermobs()}
        assert sorted(masters) == ["001_0010", "001_0020", "002_0010", "tone.wav"]
        urls = [
            str(loc["URLString"].value)
            for mob in f.content.sourcemobs()
            if "Locator" in mob.descriptor
            for loc in mob.descriptor["Locator"].value
        ]
        assert any(u.endswith("cut_media/001_0010_T1.mp4") for u in urls)
        assert composition.name == "Film"
    rows, start, drop = aaf_export.picture_rows(out)
    assert rows == [("001_0010", 4, 16, 0), ("001_0020", 0, 12, 16), ("002_0010", 0, 12, 28)]
    assert (start, drop) == (86400, False)


def test_master_clip_ids_are_stable_across_exports(project, tmp_path):
    ids = []
    for name in ("a.aaf", "b.aaf"):
        export(project, tmp_path / name)
        with aaf2.open(str(tmp_path / name), "r") as f:
            ids.append({m.name: str(m.mob_id) for m in f.content.mastermobs()})
    assert ids[0] == ids[1] and len(set(ids[0].values())) == 3


def test_drop_frame_project_aaf_timecode_is_drop_frame(tmp_path):
    session = make_project(tmp_path, fps="29.97")
    try:
        session.add_scene("EXT. SEA", number="1")
        session.add_shot("1", code="001_0010", duration_frames=18)
        add_video_take(session, "001_0010", 18, COLOURS[0], fps="30000/1001")
        export(session, tmp_path / "df.aaf")
        assert aaf_export.picture_rows(tmp_path / "df.aaf")[1:] == (107892, True)  # 01:00:00;00
    finally:
        session.close()


def test_an_aaf_pyaaf2_reads_differently_is_not_kept(project, tmp_path, monkeypatch):
    real = aaf_export.picture_rows
    monkeypatch.setattr(aaf_export, "picture_rows", lambda path: (real(path)[0][:1], *real(path)[1:]))
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ExportError, match="pyaaf2 reads the AAF differently from the cut"):
        export(project, out / "cut.aaf")
    assert list(out.iterdir()) == []
