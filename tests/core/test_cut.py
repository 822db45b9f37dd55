import pytest

from previz.core.session import ProjectSession
from previz.core.timecode import FrameRate, frames_to_timecode, timecode_to_frames


def test_the_cut_is_the_ordered_shots_that_are_not_omitted(populated):
    populated.set_shot("001_0020", status="omitted")
    populated.set_scene("2A", omitted=True)
    populated.move_scene("2", 0)
    cut = populated.cut()
    assert [e.code for e in cut.entries] == [
        "002_0010",
        "002_0020",
        "002_0030",
        "002_0040",
        "001_0010",
        "001_0030",
    ]
    assert [e.record_in for e in cut.entries] == [0, 24, 49, 75, 102, 126]
    assert cut.duration == 126 + 26
    assert cut.timecode(0) == "01:00:00:00"
    assert cut.timecode(cut.entries[1].record_in) == "01:00:01:00"
    assert cut.entry_at(30).code == "002_0020" and cut.entry_at(cut.duration) is None
    assert [e.code for e in populated.cut(["1"]).entries] == ["001_0010", "001_0030"]


def test_the_selected_take_is_trimmed_from_the_shots_in_point(populated, tmp_path):
    digest, path = populated.media.put_file(_video_stub(tmp_path), "mp4")
    populated.register_media(
        digest, "mp4", "video", path.stat().st_size, width=1280, height=720, frames=40, fps="24"
    )
    populated.add_take("001_0010", kind="animatic", media_hash=digest, provenance={"model": "animatic"})
    populated.set_shot("001_0010", trim_in=6, duration_frames=30)
    entry = populated.cut().entries[0]
    assert (entry.take_number, entry.source_in, entry.source_out, entry.media_frames) == (1, 6, 36, 40)
    assert entry.short_by == 0 and entry.model == "animatic"
    populated.set_shot("001_0010", duration_frames=44)  # a longer shot runs past its take and holds
    assert populated.cut().entries[0].short_by == 10


@pytest.mark.parametrize(
    "fps, frames, expected",
    [
        ("23.976", 24 * 3600, "01:00:00:00"),
        ("24", 24 * 3600 + 23, "01:00:00:23"),
        ("25", 25 * 61, "00:01:01:00"),
        ("29.97", 1800, "00:01:00;02"),  # drop-frame skips ;00 and ;01 at the minute
        ("29.97", 17982, "00:10:00;00"),  # …but not at every tenth minute
        ("59.94", 3600, "00:01:00;04"),
        ("50", 50 * 3600, "01:00:00:00"),
        ("60", 59, "00:00:00:59"),
    ],
)
def test_timecode_at_every_project_rate(fps, frames, expected):
    rate = FrameRate.parse(fps)
    assert frames_to_timecode(frames, rate) == expected
    assert timecode_to_frames(expected, rate) == frames


def test_record_timecode_at_29_97_drop_frame_from_a_project(tmp_path):
    with ProjectSession.create(tmp_path / "ntsc", fps="29.97") as s:
        s.add_scene("INT. X - DAY", number="1")
        s.add_shot("1", duration_frames=1800)
        s.add_shot("1", duration_frames=10)
        cut = s.cut()
        assert cut.rate.drop_frame
        assert cut.timecode(cut.entries[1].record_in) == "01:01:00;02"


def _video_stub(tmp_path):
    path = tmp_path / "take.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42 not really a video")
    return path


def _scanned(cut, frame):
    """The entry at ``frame`` found by walking the whole cut (what ``entry_at`` must agree with)."""
    return next((e for e in cut.entries if e.record_in <= frame < e.record_out), None)


def test_entry_at_finds_each_frame_in_the_cut_an_edit_makes_not_in_the_last(populated):
    """``entry_at`` keeps its start frames per cut: after an edit (a new cut, and the live cut moving its
    entries) every frame still names the shot on it, never a shot of the cut asked before."""
    from previz.core.live_cut import LiveCut

    live = LiveCut(populated)
    populated.subscribe(live.update)
    codes = [s.code for s in populated.shots()]
    for edit in (
        lambda: populated.add_shot_after(codes[0], action="new", duration_frames=7),
        lambda: populated.split_shot(codes[2], 5),
        lambda: populated.set_shot(codes[1], duration_frames=3),
        populated.undo,
    ):
        before = live.cut
        assert all(before.entry_at(f) == _scanned(before, f) for f in range(-1, before.duration + 2))
        edit()
        cut = live.cut
        assert cut is not before
        assert [cut.entry_at(f) for f in range(-1, cut.duration + 2)] == [
            _scanned(cut, f) for f in range(-1, cut.duration + 2)
        ]
