import pytest

from previz.core.errors import NotFoundError, ProjectError, ValidationError
from previz.core.session import ProjectSession


def codes(session, scene=None):
    return [s.code for s in session.shots(scene)]


def test_shots_get_codes_from_their_scene_and_list_in_order(populated):
    assert codes(populated, "2A") == ["002A_0010", "002A_0020"]
    assert codes(populated)[:4] == ["001_0010", "001_0020", "001_0030", "002_0010"]
    shot = populated.shot("002_0020")
    assert (shot.scene_number, shot.duration_frames, shot.status) == ("2", 25, "draft")


def test_every_change_undoes_and_redoes_across_sessions(populated):
    root = populated.location
    populated.set_shot("001_0010", size="CU", move="dolly-zoom", duration_frames=50)
    populated.move_shot("001_0030", 0)
    populated.close()
    with ProjectSession.open(root) as s:
        assert codes(s, "1") == ["001_0030", "001_0010", "001_0020"]
        assert s.undo_name() == "Move 001_0030"
        s.undo()
        assert codes(s, "1") == ["001_0010", "001_0020", "001_0030"]
        s.undo()
        shot = s.shot("001_0010")
        assert (shot.size, shot.move, shot.duration_frames) == ("ms", "static", 24)
        s.redo()
        assert s.shot("001_0010").move == "dolly_zoom"


def test_a_new_edit_clears_the_redo_steps(populated):
    populated.set_shot("001_0010", action="new")
    populated.undo()
    assert populated.redo_name() == "Change action of 001_0010"
    populated.set_shot("001_0020", action="other")
    assert populated.redo_name() is None
    with pytest.raises(ProjectError, match="nothing to redo"):
        populated.redo()


def test_removing_a_scene_takes_its_shots_takes_and_notes_and_undo_brings_them_back(
    populated, tmp_path, dump
):
    digest, path = populated.media.put_file(_png(tmp_path), "png")
    populated.register_media(digest, "png", "image", path.stat().st_size)
    take = populated.add_take("002_0010", kind="imported", media_hash=digest)
    populated.add_note("002_0010", 3, "warmer light", author="dir")
    before = dump(populated, history=False)
    populated.remove_scene("2")
    assert codes(populated, "2A") == ["002A_0010", "002A_0020"]
    with pytest.raises(NotFoundError):
        populated.shot("002_0010")
    assert populated.notes() == [] and populated.takes() == []
    populated.undo()
    assert dump(populated, history=False) == before
    assert populated.shot("002_0010").selected_take_id == take.id


def test_moving_a_shot_to_another_scene_renumbers_both(populated):
    populated.move_shot("001_0020", 1, scene="2A")
    assert codes(populated, "1") == ["001_0010", "001_0030"]
    assert codes(populated, "2A") == ["002A_0010", "001_0020", "002A_0020"]
    assert [s.position for s in populated.shots("2A")] == [0, 1, 2]


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda s: s.add_shot("99"), "scene '99' not found"),
        (lambda s: s.add_shot("1", duration_frames=-3), "duration_frames: -3 is out of range"),
        (lambda s: s.add_shot("1", duration_frames=0), "duration_frames: 0 is out of range"),
        (lambda s: s.add_shot("1", code="001_0010"), "shot code 001_0010 already exists"),
        (lambda s: s.add_shot("1", size="huge"), "size: 'huge' is not one of"),
        (lambda s: s.add_shot("1", move_intensity=2), "move_intensity: 2 is out of range"),
        (lambda s: s.set_shot("001_0010", colour="red"), "colour: a shot has no such field"),
        (lambda s: s.set_shot("001_0010", code="001_0020"), "shot code 001_0020 already exists"),
        (lambda s: s.add_scene("INT. X - DAY", number="1"), "scene 1 already exists"),
        (lambda s: s.add_scene("   "), "heading: must not be empty"),
        (lambda s: s.move_shot("001_0010", 7), "position: 7 is out of range"),
        (lambda s: s.set_project(width=99999), "width: 99999 is out of range"),
        (lambda s: s.add_note("001_0010", 500, "late"), "frame: 500 is out of range"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(populated, call, message, dump):
    before = dump(populated)
    with pytest.raises((ValidationError, NotFoundError)) as info:
        call(populated)
    assert message in str(info.value)
    assert "\n" not in str(info.value)
    assert dump(populated) == before


def test_a_failing_batch_leaves_the_project_exactly_as_it_was(populated, dump):
    before = dump(populated)
    with pytest.raises(ValidationError):
        with populated.batch("Import"):
            populated.add_scene("INT. NEW - DAY", number="9")
            populated.add_shot("9", action="first")
            populated.add_shot("9", duration_frames=-1)
    assert dump(populated) == before


def test_listeners_hear_what_changed(populated):
    heard = []
    populated.subscribe(heard.append)
    populated.set_shot("001_0010", action="x")
    populated.set_shot("001_0010", duration_frames=99)
    populated.set_scene("1", synopsis="storm")
    assert heard[0].shots and not heard[0].timeline
    assert heard[1].timeline and heard[1].shot_ids == {populated.shot("001_0010").id}
    assert heard[2].scenes and not heard[2].shots


def test_listeners_hear_which_shots_an_edit_made(populated):
    """``Changes.created`` names the shots an edit inserted (an add; an undone delete); a merge keeps them."""
    heard = []
    populated.subscribe(heard.append)
    new = populated.add_shot_after("001_0010")
    populated.set_shot(new.code, action="x")
    populated.remove_shot(new.code)
    populated.undo()
    assert heard[0].created == {new.id} and new.id in heard[0].shot_ids and not heard[0].takes
    assert not heard[1].created and not heard[2].created
    assert heard[3].created == {new.id}
    assert type(heard[0]).merge(heard[:2]).created == {new.id}


def test_the_takes_of_a_missing_shot_are_refused_by_id_and_by_code(populated):
    shot = populated.shot("001_0010")
    assert populated.takes(shot.id) == populated.takes(shot.code) == []
    with pytest.raises(NotFoundError, match="99999"):
        populated.takes(99999)
    with pytest.raises(NotFoundError, match="009_9999"):
        populated.takes("009_9999")


def test_a_read_only_session_refuses_changes(populated):
    root = populated.location
    populated.close()
    with ProjectSession.open(root, readonly=True) as s:
        with pytest.raises(ProjectError, match="read-only"):
            s.add_scene("INT. X - DAY")


def _png(tmp_path):
    import cv2
    import numpy as np

    path = tmp_path / "panel.png"
    cv2.imwrite(str(path), np.full((16, 16, 3), 128, np.uint8))
    return path


# A damaged drawing is a bundle's problem: PostgreSQL's JSONB cannot hold text that is not JSON.
@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_note_with_a_damaged_drawing_still_lists_and_its_shot_still_removes(populated):
    note = populated.add_note("001_0010", 2, "look here")
    populated.conn.exec_driver_sql(
        'UPDATE note SET strokes = \'[{"kind": "pen", broken\' WHERE id = ?', (note.id,)
    )
    populated.conn.commit()
    assert [(n.text, n.strokes) for n in populated.notes("001_0010")] == [("look here", [])]
    populated.remove_shot("001_0010")
    populated.undo()
    assert [n.text for n in populated.notes("001_0010")] == ["look here"]
