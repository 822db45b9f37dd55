"""Duplicate, split, merge and renumber: one undo step each, rows back exactly on undo, and a split pair
that plays exactly the frames of the shot it came from."""

import cv2
import numpy as np
import pytest

from previz.core.errors import ValidationError
from previz.core.session import ProjectSession


def codes(session, scene=None):
    return [s.code for s in session.shots(scene)]


def _video_take(session, code, frames=100):
    """A take of ``code`` over a registered media row with ``frames`` frames (the bytes are a stand-in:
    the cut reads only the media row)."""
    source = session.root / f"stand-in-{code}.mp4"
    source.write_bytes(f"video {code}".encode())
    digest, path = session.media.put_file(source, "mp4")
    session.register_media(digest, "mp4", "video", path.stat().st_size, width=64, height=64, frames=frames)
    return session.add_take(code, kind="imported", media_hash=digest)


def _source_frames(session):
    """(code, take media, source frame) for every record frame of the cut."""
    out = []
    for e in session.cut().entries:
        out += [(e.media_hash, f) for f in range(e.source_in, e.source_out)]
    return out


@pytest.fixture
def board(populated, tmp_path):
    path = tmp_path / "panel.png"
    cv2.imwrite(str(path), np.full((16, 16, 3), 128, np.uint8))
    digest, stored = populated.media.put_file(path, "png")
    populated.register_media(digest, "png", "image", stored.stat().st_size)
    return digest


def test_split_plays_exactly_the_original_frames_and_undo_restores_the_rows(populated, board, dump):
    s = populated
    s.set_shot("001_0020", board_hash=board, trim_in=4, transition="dissolve", transition_frames=6)
    _video_take(s, "001_0020", frames=100)
    s.add_note("001_0020", 2, "early")
    s.add_note("001_0020", 20, "late", take_number=1)
    frames_before = _source_frames(s)
    before = dump(s, history=False)

    first, second = s.split_shot("001_0020", 10)

    assert codes(s, "1") == ["001_0010", "001_0020", "001_0025", "001_0030"]
    assert (first.duration_frames, first.trim_in) == (10, 4)
    assert (second.duration_frames, second.trim_in) == (15, 14)
    assert second.board_hash == first.board_hash == board
    assert (second.transition, second.transition_frames) == ("cut", 0)
    take_a, take_b = s.take(first.selected_take_id), s.take(second.selected_take_id)
    assert take_a.id != take_b.id and take_a.media_hash == take_b.media_hash
    assert _source_frames(s) == frames_before
    notes = {n.text: (n.shot_id, n.frame, n.take_id) for n in s.notes()}
    assert notes == {"early": (first.id, 2, take_a.id), "late": (second.id, 10, take_b.id)}
    assert s.undo_name() == "Split 001_0020 at frame 10"

    s.undo()
    assert dump(s, history=False) == before


def test_split_outside_the_shot_is_refused_and_changes_nothing(populated, dump):
    before = dump(populated)
    with pytest.raises(
        ValidationError,
        match=r"frame: 0 does not split 001_0010; put the playhead inside the shot, .*\(frame 1 to 23 ",
    ):
        populated.split_shot("001_0010", 0)
    with pytest.raises(ValidationError, match="frame 1 to 23"):
        populated.split_shot("001_0010", 24)
    assert dump(populated) == before


def test_merge_is_the_inverse_of_split(populated, dump):
    s = populated
    _video_take(s, "002_0020", frames=200)
    before_frames = _source_frames(s)
    s.split_shot("002_0020", 7)
    s.add_note("002_0025", 3, "on the second half")
    merged = s.merge_shots(["002_0025", "002_0020"])  # any order: merged into the first in the scene
    assert merged.code == "002_0020"
    assert (merged.duration_frames, merged.trim_in) == (25, 0)
    assert codes(s, "2") == ["002_0010", "002_0020", "002_0030", "002_0040"]
    assert _source_frames(s) == before_frames
    assert [(n.shot_id, n.frame) for n in s.notes()] == [(merged.id, 10)]
    assert s.undo_name() == "Merge 002_0020–002_0025"
    before_undo = dump(s, history=False)
    s.undo()
    assert codes(s, "2") == ["002_0010", "002_0020", "002_0025", "002_0030", "002_0040"]
    s.redo()
    assert dump(s, history=False) == before_undo


def test_merge_joins_text_and_refuses_gaps_and_other_scenes(populated, dump):
    s = populated
    before = dump(s)
    with pytest.raises(ValidationError, match="002_0020 lies between the shots to merge"):
        s.merge_shots(["002_0010", "002_0030"])
    with pytest.raises(ValidationError, match="different scenes"):
        s.merge_shots(["001_0030", "002_0010"])
    with pytest.raises(ValidationError, match="two or more"):
        s.merge_shots(["001_0010"])
    assert dump(s) == before
    merged = s.merge_shots(["001_0010", "001_0020"])
    assert merged.action == "beat 0 of scene 1\nbeat 1 of scene 1"
    assert merged.duration_frames == 24 + 25


def test_duplicate_copies_fields_and_take_right_after_each_shot(populated, board, dump):
    s = populated
    s.set_shot("001_0010", board_hash=board, lens_mm=85, trim_in=3, status="approved")
    take = _video_take(s, "001_0010")
    before = dump(s, history=False)
    copies = s.duplicate_shots(["001_0010", "001_0030"])
    assert [c.code for c in copies] == ["001_0015", "001_0040"]
    assert codes(s, "1") == ["001_0010", "001_0015", "001_0020", "001_0030", "001_0040"]
    copy = copies[0]
    assert (copy.board_hash, copy.lens_mm, copy.trim_in, copy.status) == (board, 85, 3, "ready")
    assert s.take(copy.selected_take_id).media_hash == take.media_hash
    assert copies[1].status == "draft"
    assert s.undo_name() == "Duplicate 2 shots"
    s.undo()
    assert dump(s, history=False) == before


def test_renumber_scene_recodes_shots_in_order_and_undoes(populated, dump):
    s = populated
    s.duplicate_shots(["001_0010"])
    s.move_shot("001_0030", 0)
    before = dump(s, history=False)
    s.renumber_scene("1", "1B")
    assert codes(s, "1B") == ["001B_0010", "001B_0020", "001B_0030", "001B_0040"]
    assert [sh.action for sh in s.shots("1B")][:2] == ["beat 2 of scene 1", "beat 0 of scene 1"]
    assert s.undo_name() == "Renumber scene 1 as 1B"
    s.undo()
    assert dump(s, history=False) == before
    s.renumber_scene("1")
    assert codes(s, "1") == ["001_0010", "001_0020", "001_0030", "001_0040"]


def test_renumber_refuses_a_number_or_code_in_use(populated, dump):
    before = dump(populated)
    with pytest.raises(ValidationError, match="scene 2 already exists"):
        populated.renumber_scene("1", "2")
    populated.add_scene("EXT. CLIFF", number="7")
    populated.add_shot("7", code="009_0010")
    before = dump(populated)
    with pytest.raises(ValidationError, match="would give 009_0010, which scene 7 already uses"):
        populated.renumber_scene("2A", "9")
    assert dump(populated) == before


def test_create_takes_the_other_project_settings(tmp_path):
    with ProjectSession.create(
        tmp_path / "f",
        fps="29.97",
        size="2048x858",
        start_timecode="00:59:50;00",
        style_prompt="graphite storyboard",
        default_backend="animatic",
    ) as s:
        p = s.project()
        assert (p.fps, p.drop_frame, p.width, p.height) == ("29.97", True, 2048, 858)
        assert (p.start_timecode, p.style_prompt, p.default_backend) == (
            "00:59:50;00",
            "graphite storyboard",
            "animatic",
        )
    with pytest.raises(ValidationError, match="start_timecode"):
        ProjectSession.create(tmp_path / "g", start_timecode="25:99")
    assert not (tmp_path / "g.previz").exists()


def test_add_shot_after_takes_a_code_between_its_neighbours(populated):
    s = populated
    assert s.add_shot_after("001_0010").code == "001_0015"
    assert s.add_shot_after("001_0010").code == "001_0012"
    assert s.add_shot_after("001_0030").code == "001_0040"
    assert codes(s, "1") == ["001_0010", "001_0012", "001_0015", "001_0020", "001_0030", "001_0040"]
    s.add_shot("1", code="001_0011")
    assert s.add_shot_after("001_0010").code == "001_0050"  # no room between 0010 and 0011: the next step
    assert [sh.code for sh in s.shots_by_id([s.shot("001_0040").id, 9999])] == ["001_0040"]
    assert s.shot_count() == 3 + 4 + 2 + 5
