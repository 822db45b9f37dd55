"""Editorial files read back by OpenTimelineIO: clip names, source ranges, record timecode, media."""

from __future__ import annotations

import re

import opentimelineio as otio
import pytest
from export_helpers import COLOURS, add_audio_clip, add_video_take, make_project
from opentimelineio import opentime

from previz.core.errors import ExportError
from previz.export import editorial
from previz.export.api import export_project
from previz.export.reel import EncodeOptions
from previz.media.video import probe

FAST = EncodeOptions(crf=20, preset="ultrafast")
READ = {".otio": {}, ".otioz": {}, ".edl": {"adapter_name": "cmx_3600"}, ".xml": {"adapter_name": "fcp_xml"}}


def record_rows(timeline, rate):
    """(name, source in, source duration, record in timecode, record out timecode) of the video clips."""
    track = next(t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Video)
    if track.source_range is not None:  # EDL: the first record in lives in the track's range
        base = -round(track.source_range.start_time.value)
    else:
        base = round(timeline.global_start_time.value)
    rows = []
    for clip in track.find_clips():
        r = clip.range_in_parent()
        start = base + round(r.start_time.value)
        end = start + round(r.duration.value)
        rows.append(
            (
                clip.name,
                round(clip.source_range.start_time.value),
                round(clip.source_range.duration.value),
                opentime.to_timecode(opentime.RationalTime(start, rate), rate),
                opentime.to_timecode(opentime.RationalTime(end, rate), rate),
            )
        )
    return rows


@pytest.fixture
def trimmed(project):
    """001_0010 starts 4 frames into its 20-frame take (so the clip has handles)."""
    project.set_shot("001_0010", trim_in=4)
    project.add_note("001_0010", 3, "Too dark — brighten the lamp", author="dir")
    return project


EXPECTED_24 = [
    ("001_0010", 4, 16, "01:00:00:00", "01:00:00:16"),
    ("001_0020", 0, 12, "01:00:00:16", "01:00:01:04"),
    ("002_0010", 0, 12, "01:00:01:04", "01:00:01:16"),
]


@pytest.mark.parametrize("suffix", [".otio", ".otioz", ".edl", ".xml"])
def test_editorial_files_read_back(trimmed, tmp_path, suffix):
    out = tmp_path / f"film{suffix}"
    result = export_project(trimmed, out, encode=FAST)
    assert result.path == out and out.is_file()
    kwargs = dict(READ[suffix])
    if suffix == ".edl":
        kwargs["rate"] = 24
    timeline = otio.adapters.read_from_file(str(out), **kwargs)
    assert record_rows(timeline, 24) == EXPECTED_24
    if suffix == ".otioz":
        assert result.files == [] and not (tmp_path / "film_media").exists()
    else:
        media = tmp_path / "film_media"
        assert result.files == [media]
        assert sorted(p.name for p in media.glob("*.mp4")) == [
            "001_0010_T1.mp4",
            "001_0020_T1.mp4",
            "002_0010.mp4",
        ]
        # per-shot media holds the whole take: 20 frames for 001_0010, whose shot uses 4..20
        assert probe(media / "001_0010_T1.mp4").frames == 20
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_otio_carries_available_ranges_markers_and_metadata(trimmed, tmp_path):
    trimmed.add_take(
        "001_0020",
        kind="generated",
        media_hash=trimmed.takes("001_0020")[0].media_hash,
        provenance={"model": "Lightricks/LTX-Video", "licence": "LTXV Open Weights", "commercial_use": True},
    )
    trimmed.select_take("001_0020", 2)
    export_project(trimmed, tmp_path / "film.otio", encode=FAST)
    timeline = otio.adapters.read_from_file(str(tmp_path / "film.otio"))
    assert timeline.global_start_time == opentime.RationalTime(86400, 24)
    clips = list(timeline.find_clips())
    first, second, third = clips[:3]
    assert first.media_reference.available_range == opentime.TimeRange(
        opentime.RationalTime(0, 24), opentime.RationalTime(20, 24)
    )
    assert first.media_reference.target_url.endswith("film_media/001_0010_T1.mp4")
    assert third.media_reference.available_range.duration.value == 12
    meta = second.metadata["previz"]
    assert meta["shot"] == "001_0020" and meta["take"] == 2
    assert meta["provenance"]["model"] == "Lightricks/LTX-Video"
    [marker] = first.markers
    assert marker.name == "Too dark — brighten the lamp"
    assert marker.marked_range.start_time.value == 4 + 3  # source frame of shot frame 3
    assert marker.color == otio.schema.MarkerColor.RED


@pytest.mark.parametrize("suffix", [".otio", ".otioz", ".xml", ".edl"])
def test_audio_clips_go_on_an_audio_track(project, tmp_path, suffix):
    add_audio_clip(project, tmp_path, seconds=1.0, start_frame=6)
    out = tmp_path / f"film{suffix}"
    export_project(project, out, encode=FAST)
    assert (tmp_path / "film_media" / "audio").is_dir() == (suffix != ".otioz")
    kwargs = dict(READ[suffix], **({"rate": 24} if suffix == ".edl" else {}))
    timeline = otio.adapters.read_from_file(str(out), **kwargs)
    assert record_rows(timeline, 24) == [(n, 0, d, i, o) for n, _s, d, i, o in EXPECTED_24_UNTRIMMED]
    audio = [t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Audio]
    if suffix == ".edl":  # a CMX 3600 list here carries the picture track only
        assert audio == []
        return
    clips = [c for t in audio for c in t.find_clips()]
    assert len(clips) == 1
    [clip] = clips
    assert clip.range_in_parent().start_time.value == 6
    assert clip.source_range.duration.value == 24  # 1 s at 24 fps
    assert clip.media_reference.target_url.endswith(".wav")
    if suffix == ".otioz":  # the archive carries the audio file too
        import zipfile

        assert any(n.endswith(".wav") for n in zipfile.ZipFile(out).namelist())


EXPECTED_24_UNTRIMMED = [
    ("001_0010", 0, 16, "01:00:00:00", "01:00:00:16"),
    ("001_0020", 0, 12, "01:00:00:16", "01:00:01:04"),
    ("002_0010", 0, 12, "01:00:01:04", "01:00:01:16"),
]


@pytest.mark.parametrize("suffix", [".otio", ".edl", ".xml"])
def test_drop_frame_project_record_timecode(tmp_path, suffix):
    session = make_project(tmp_path, fps="29.97")
    try:
        assert session.project().rate.drop_frame
        session.add_scene("EXT. SEA", number="1")
        session.add_shot("1", code="001_0010", duration_frames=18)
        session.add_shot("1", code="001_0020", duration_frames=12)
        add_video_take(session, "001_0010", 18, COLOURS[0], fps="30000/1001")
        out = tmp_path / f"df{suffix}"
        export_project(session, out, encode=FAST)
        rate = 30000 / 1001
        kwargs = dict(READ[suffix])
        if suffix == ".edl":
            kwargs["rate"] = rate
            assert "01:00:00;00" in out.read_text()
        timeline = otio.adapters.read_from_file(str(out), **kwargs)
        assert record_rows(timeline, rate) == [
            ("001_0010", 0, 18, "01:00:00;00", "01:00:00;18"),
            ("001_0020", 0, 12, "01:00:00;18", "01:00:01;00"),
        ]
    finally:
        session.close()


def test_custom_start_timecode(project, tmp_path):
    export_project(project, tmp_path / "film.edl", encode=FAST, start_timecode="10:00:00:00")
    timeline = otio.adapters.read_from_file(str(tmp_path / "film.edl"), adapter_name="cmx_3600", rate=24)
    assert record_rows(timeline, 24)[0][3] == "10:00:00:00"


def test_a_file_that_reads_back_wrong_is_not_kept(project, tmp_path, monkeypatch):
    real = editorial._read_back

    def tampered(path, fmt, rate):
        timeline = real(path, fmt, rate)
        next(iter(timeline.find_clips())).name = "WRONG"
        return timeline

    monkeypatch.setattr(editorial, "_read_back", tampered)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ExportError, match="read back differs from the cut"):
        export_project(project, out / "film.xml", encode=FAST)
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("suffix", [".otio", ".xml", ".edl"])
def test_dissolves_are_editorial_transitions(project, tmp_path, suffix):
    project.set_shot("001_0020", transition="dissolve", transition_frames=4)
    out = tmp_path / f"film{suffix}"
    export_project(project, out, encode=FAST)
    kwargs = dict(READ[suffix], **({"rate": 24} if suffix == ".edl" else {}))
    timeline = otio.adapters.read_from_file(str(out), **kwargs)
    assert record_rows(timeline, 24) == EXPECTED_24_UNTRIMMED  # the cut's timing is unchanged
    if suffix == ".edl":
        assert re.search(
            r"^002\s+0010020\s+V\s+D 004\s+00:00:00:00 00:00:00:12 01:00:00:16 01:00:01:04",
            out.read_text(),
            re.M,
        )
        return
    track = timeline.tracks[0]
    [transition] = [t for t in track if isinstance(t, otio.schema.Transition)]
    assert transition.out_offset.value + transition.in_offset.value == 4
    if suffix == ".otio":
        assert transition.in_offset.value == 0 and transition.out_offset.value == 4
        assert track.index(transition) == 1
