"""Whatever text a user types (notes, shot action, scene heading, project name) exports cleanly to every
editorial format and reads back: no line of a note becomes an EDL event, no control character breaks
the FCP XML."""

from __future__ import annotations

import opentimelineio as otio
from export_helpers import COLOURS, add_video_take, make_project
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from previz.export.api import export_project
from previz.export.reel import EncodeOptions
from previz.export.safe_text import one_line, otio_value, xml_text

FAST = EncodeOptions(crf=30, preset="ultrafast")
READ = {"otio": {}, "edl": {"adapter_name": "cmx_3600", "rate": 24}, "xml": {"adapter_name": "fcp_xml"}}
INJECTED = (
    "Too dark\n002  AX  V  C  01:00:00:00 01:00:00:05 01:00:00:00 01:00:00:05\n* FROM CLIP NAME: INJECTED"
)


def _single_shot(tmp_path):
    session = make_project(tmp_path)
    session.add_scene("EXT. LIGHTHOUSE - NIGHT", number="1")
    session.add_shot("1", code="001_0010", action="The lamp turns.", duration_frames=8)
    add_video_take(session, "001_0010", 8, COLOURS[0])
    return session


def _markers(timeline) -> list[str]:
    track = next(t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Video)
    return [m.name for clip in track.find_clips() for m in clip.markers]


def _clips(timeline) -> list[str]:
    track = next(t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Video)
    return [c.name for c in track.find_clips()]


def _xml_read(text: str) -> str:
    """What an XML parser gives back for element text (line ends normalised to line feeds)."""
    return xml_text(text).replace("\r\n", "\n").replace("\r", "\n")


def _expected_note(suffix: str, text: str) -> str:
    text = otio_value(text)  # OTIO's core ends a string at a NUL
    if suffix == "edl":
        return one_line(text).upper().strip()
    if suffix == "xml":
        return _xml_read(text)
    return text


def _expected_title(suffix: str, name: str) -> str:
    name = otio_value(name)
    if suffix == "edl":  # the reader takes "TITLE:" out of the title line and strips it
        return one_line(name).replace("TITLE:", "").strip()
    if suffix == "xml":
        return _xml_read(name)
    return name


def _export_and_read(session, folder, suffix: str):
    out = folder / f"cut.{suffix}"
    export_project(session, out, encode=FAST)
    return otio.adapters.read_from_file(str(out), **READ[suffix])


def test_a_note_holding_an_event_line_stays_a_comment_in_the_edl(tmp_path):
    session = _single_shot(tmp_path)
    session.add_note("001_0010", 2, INJECTED, author="dir\nector")
    timeline = _export_and_read(session, tmp_path, "edl")
    assert _clips(timeline) == ["001_0010"]
    assert _markers(timeline) == [one_line(INJECTED).upper()]
    lines = (tmp_path / "cut.edl").read_text(encoding="utf-8").splitlines()
    assert not any(line.startswith("002") for line in lines)


def test_a_note_holding_an_escape_character_exports_to_fcp_xml(tmp_path):
    session = _single_shot(tmp_path)
    session.set_project(name="Film \x1b[31m red")
    session.add_note("001_0010", 2, "Too \x1bdark\x07\r\nbrighten\tit", author="dir")
    timeline = _export_and_read(session, tmp_path, "xml")
    assert _markers(timeline) == ["Too darkbrighten\tit".replace("darkbrighten", "dark\nbrighten")]
    assert timeline.name == "Film [31m red"


any_text = st.text(max_size=40)
required_text = st.text(min_size=1, max_size=40).filter(lambda t: t.strip())


def test_any_user_text_exports_to_otio_edl_and_fcp_xml_and_reads_back(tmp_path):
    session = _single_shot(tmp_path)
    runs = iter(range(10_000))

    @settings(
        max_examples=10,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(note=required_text, action=any_text, heading=required_text, name=required_text)
    def check(note: str, action: str, heading: str, name: str) -> None:
        session.set_project(name=name)
        name = session.project().name  # as stored (a required field is stripped)
        session.set_scene("1", heading=heading)
        session.set_shot("001_0010", action=action)
        for old in session.notes():
            session.remove_note(old.id)
        note = session.add_note("001_0010", 3, note, author=note).text
        folder = tmp_path / f"run{next(runs)}"
        folder.mkdir()
        for suffix in ("otio", "edl", "xml"):
            timeline = _export_and_read(session, folder, suffix)
            assert _clips(timeline) == ["001_0010"], suffix
            assert _markers(timeline) == [_expected_note(suffix, note)], suffix
            title = _expected_title(suffix, name)
            if title:  # FCP XML reads an empty sequence name back as "tracks"
                assert timeline.name == title, suffix

    check()


def test_a_reel_with_line_breaks_in_the_project_name_and_watermark_is_written(tmp_path):
    """The slate draws the project name and every frame the watermark, one line each."""
    from previz.export.render import RenderOptions
    from previz.media.video import probe

    session = _single_shot(tmp_path)
    session.set_project(name="Film\nTwo\r\nthree\x85four")
    options = RenderOptions(burnins=True, slate=True, slate_seconds=0.5, watermark="NOT\nFOR\u2028US")
    result = export_project(session, tmp_path / "reel.mp4", encode=FAST, options=options)
    assert result.frames == 12 + 8 and probe(tmp_path / "reel.mp4").frames == 20
