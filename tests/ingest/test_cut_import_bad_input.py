"""Bad cuts are refused with one line naming the file (and line), and the project is left as it was."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import opentimelineio as otio
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from cut_helpers import export, shot_rows, small_project, span  # noqa: E402

from previz.cli import main  # noqa: E402
from previz.core.errors import ImportFileError  # noqa: E402
from previz.ingest.conform import import_cut  # noqa: E402


@pytest.fixture
def project(tmp_path):
    session = small_project(tmp_path)
    yield session
    session.close()


def refused(project, path, **kwargs) -> str:
    """The one-line message, with the project checked unchanged."""
    before, mark, media = shot_rows(project), project.history_names(), project.table_rows("media")
    with pytest.raises(ImportFileError) as info:
        import_cut(project, path, **kwargs)
    assert shot_rows(project) == before and project.history_names() == mark
    assert project.table_rows("media") == media
    message = str(info.value)
    assert "\n" not in message and message.startswith(str(path))
    return message


def test_malformed_edl_names_the_line(project, tmp_path, capsys):
    lines = export(project, tmp_path / "cut.edl").read_text().split("\n")
    number = next(i for i, line in enumerate(lines) if line.startswith("003 "))
    lines[number] = lines[number].replace(" V     C ", " V     Q ")  # an unknown edit type
    bad = tmp_path / "bad.edl"
    bad.write_text("\n".join(lines))
    message = refused(project, bad)
    assert message.startswith(f"{bad}, line {number + 1}: not a readable CMX 3600 EDL")
    root = str(project.root)
    project.close()
    assert main(["import", root, str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"line {number + 1}" in err and "Traceback" not in err


BOMB = """<?xml version="1.0"?>
<!DOCTYPE xmeml [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
]>
<xmeml version="4"><sequence><name>&c;</name></sequence></xmeml>
"""

EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE xmeml [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<xmeml version="4"><sequence><name>&secret;</name></sequence></xmeml>
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (BOMB, "declares XML entity 'a'"),
        (EXTERNAL, "declares an external entity 'secret' (file:///etc/passwd)"),
    ],
)
def test_fcp_xml_entities_are_refused_before_the_adapter_parses(
    project, tmp_path, monkeypatch, text, expected
):
    def adapter_reads(*args, **kwargs):
        raise AssertionError("the FCP XML adapter must not see this file")

    monkeypatch.setattr(otio.adapters, "read_from_file", adapter_reads)
    bad = tmp_path / "cut.xml"
    bad.write_text(text)
    message = refused(project, bad)
    assert expected in message and message.endswith("refused unread")


def test_otio_with_an_unknown_schema(project, tmp_path):
    data = json.loads(export(project, tmp_path / "cut.otio").read_text())
    data["tracks"]["children"][0]["children"][1]["OTIO_SCHEMA"] = "HoloClip.3"
    bad = tmp_path / "bad.otio"
    bad.write_text(json.dumps(data))
    assert "uses schema HoloClip.3, which this OpenTimelineIO does not know" in refused(project, bad)


def test_empty_timeline(project, tmp_path):
    timeline = otio.schema.Timeline(name="empty")
    timeline.tracks.append(otio.schema.Track(name="V1"))
    path = tmp_path / "empty.otio"
    otio.adapters.write_to_file(timeline, str(path))
    assert refused(project, path).endswith("the timeline is empty: video track 1 has no clips")


def test_clips_that_all_match_nothing_change_nothing(project, tmp_path):
    timeline = otio.schema.Timeline(name="other film")
    track = otio.schema.Track(name="V1")
    for name in ("REEL_A", "REEL_B"):
        track.append(otio.schema.Clip(name=name, source_range=span(0, 24)))
    timeline.tracks.append(track)
    path = tmp_path / "other.otio"
    otio.adapters.write_to_file(timeline, str(path))
    message = refused(project, path)
    assert "none of its 2 clips ('REEL_A', 'REEL_B') matches a shot of this project" in message


def test_a_cut_at_another_rate_is_refused_naming_both(project, tmp_path):
    timeline = otio.adapters.read_from_file(str(export(project, tmp_path / "cut.otio")))
    for clip in timeline.find_clips():
        r = clip.source_range
        clip.source_range = otio.opentime.TimeRange(
            otio.opentime.RationalTime(r.start_time.value, 25),
            otio.opentime.RationalTime(r.duration.value, 25),
        )
    path = tmp_path / "pal.otio"
    otio.adapters.write_to_file(timeline, str(path))
    assert "the cut runs at 25 fps and the project at 24 fps" in refused(project, path)
    edl = export(project, tmp_path / "cut.edl")
    assert "the cut runs at 25 fps and the project at 24 fps" in refused(project, edl, rate="25")


@pytest.mark.parametrize(("fps", "suffix"), [("29.97", "edl"), ("23.976", "otio"), ("23.976", "edl")])
def test_ntsc_and_drop_frame_cuts_round_trip(tmp_path, fps, suffix):
    session = small_project(tmp_path, fps=fps)
    try:
        cut = export(session, tmp_path / f"cut.{suffix}")
        report = import_cut(session, cut)
        assert report.changes == [] and report.rate.startswith(fps)
        assert ("drop-frame" in report.rate) == (fps == "29.97")
        if suffix == "otio":
            timeline = otio.adapters.read_from_file(str(cut))
            clip = next(c for c in timeline.find_clips() if c.name == "002_0020")
            rate = clip.source_range.duration.rate
            clip.source_range = span(round(clip.source_range.start_time.value), 8, rate)
            changed = tmp_path / "changed.otio"
            otio.adapters.write_to_file(timeline, str(changed))
            assert import_cut(session, changed).changes == ["002_0020: duration 10 -> 8 frames"]
    finally:
        session.close()
