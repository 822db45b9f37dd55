"""FCP 7 XML as Premiere Pro and Resolve read it: the sequence format, one rate per clip item, audio
tracks when the cut has audio, files that list what they hold, reels and drop-frame timecode."""

from __future__ import annotations

import defusedxml.ElementTree as SafeET
import opentimelineio as otio
from export_helpers import COLOURS, add_audio_clip, add_video_take, make_project

from previz.export.api import export_project
from previz.export.reel import EncodeOptions

FAST = EncodeOptions(crf=20, preset="ultrafast")


def export_xml(session, out):
    export_project(session, out, encode=FAST, credentials=False)
    return SafeET.fromstring(out.read_bytes())


def sample(chars) -> tuple:
    return tuple(
        chars.findtext(tag)
        for tag in ("width", "height", "rate/timebase", "rate/ntsc", "pixelaspectratio", "anamorphic")
    )


def test_sequence_format_rates_files_and_reels(project, tmp_path):
    project.set_shot("001_0010", trim_in=4)
    root = export_xml(project, tmp_path / "cut.xml")
    [sequence] = root.iter("sequence")
    chars = sequence.find("media/video/format/samplecharacteristics")
    assert sample(chars) == ("320", "180", "24", "FALSE", "square", "FALSE")
    items = list(sequence.iter("clipitem"))
    assert [i.findtext("name") for i in items] == ["001_0010", "001_0020", "002_0010"]
    assert [len(i.findall("rate")) for i in items] == [1, 1, 1]
    assert [i.findtext("in") for i in items] == ["4", "0", "0"]
    files = [i.find("file") for i in items]
    assert [f.findtext("pathurl").rsplit("/", 2)[1:] for f in files] == [
        ["cut_media", "001_0010_T1.mp4"],
        ["cut_media", "001_0020_T1.mp4"],
        ["cut_media", "002_0010.mp4"],
    ]
    assert [f.findtext("timecode/reel/name") for f in files] == ["0010010", "0010020", "0020010"]
    assert [f.findtext("timecode/string") for f in files] == ["00:00:00:00"] * 3
    for file in files:  # per-shot movies are picture only, and say their frame format
        media = file.find("media")
        assert [c.tag for c in media] == ["video"]
        assert sample(media.find("video/samplecharacteristics"))[:4] == ("320", "180", "24", "FALSE")
    assert sequence.find("media/audio/track") is None  # no audio in this cut


def test_audio_tracks_when_the_cut_has_audio(project, tmp_path):
    add_audio_clip(project, tmp_path, seconds=1.0, start_frame=6)
    root = export_xml(project, tmp_path / "cut.xml")
    audio = root.find("project/children/sequence/media/audio")
    assert audio.findtext("format/samplecharacteristics/samplerate") == "48000"
    [item] = audio.iter("clipitem")
    assert (item.findtext("start"), item.findtext("end"), len(item.findall("rate"))) == ("6", "30", 1)
    assert [c.tag for c in item.find("file/media")] == ["audio"]
    timeline = otio.adapters.read_from_file(str(tmp_path / "cut.xml"), adapter_name="fcp_xml")
    assert [t.kind for t in timeline.tracks] == [otio.schema.TrackKind.Video, otio.schema.TrackKind.Audio]


def test_ntsc_drop_frame_sequence(tmp_path):
    session = make_project(tmp_path, fps="29.97")
    try:
        session.add_scene("EXT. SEA", number="1")
        session.add_shot("1", code="001_0010", duration_frames=18)
        add_video_take(session, "001_0010", 18, COLOURS[0], fps="30000/1001")
        root = export_xml(session, tmp_path / "df.xml")
        [sequence] = root.iter("sequence")
        chars = sequence.find("media/video/format/samplecharacteristics")
        assert sample(chars)[2:4] == ("30", "TRUE")
        assert (sequence.findtext("timecode/string"), sequence.findtext("timecode/displayformat")) == (
            "01:00:00;00",
            "DF",
        )
        file = next(sequence.iter("file"))
        assert file.findtext("timecode/displayformat") == "DF"
        assert file.findtext("timecode/string") == "00:00:00;00"
    finally:
        session.close()
