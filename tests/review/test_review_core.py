"""Notes, strokes and review statuses in the core: validation, undo, damaged projects."""

from __future__ import annotations

import json
import sqlite3

import pytest

from previz.core.authors import default_author
from previz.core.errors import NotFoundError, ValidationError
from previz.core.review import read_notes, resolve_note, set_review_status
from previz.core.session import ProjectSession
from previz.core.strokes import load_strokes, validate_strokes

PEN = {"kind": "pen", "colour": "red", "width": 6, "points": [[0.1, 0.1], [0.5, 0.5], [0.9, 0.2]]}
ARROW = {"kind": "arrow", "colour": "#FFCC00", "points": [[0.2, 0.8], [0.6, 0.4]]}
TEXT = {"kind": "text", "color": "white", "points": [[0.5, 0.1]], "text": " too dark "}


def test_strokes_are_normalised():
    pen, arrow, text = validate_strokes([PEN, ARROW, TEXT])
    assert pen == {"kind": "pen", "colour": "red", "width": 6.0, "points": PEN["points"]}
    assert arrow["colour"] == "#ffcc00" and arrow["width"] == 4.0
    assert text == {
        "kind": "text",
        "colour": "white",
        "points": [[0.5, 0.1]],
        "text": "too dark",
        "size": 36.0,
    }
    assert validate_strokes(json.dumps([PEN])) == [validate_strokes([PEN])[0]]
    assert validate_strokes(None) == []


@pytest.mark.parametrize(
    ("strokes", "message"),
    [
        ([PEN, {**ARROW, "kind": "star"}], "strokes[1].kind: 'star' is not one of: pen, arrow"),
        ([{**PEN, "points": [[0.1, 0.1], [1.5, 0.2]]}], "strokes[0].points[1]: 1.5 is out of range"),
        ([{**ARROW, "points": [[0.1, 0.1]]}], "strokes[0].points: a arrow stroke takes exactly 2 points"),
        ([{**PEN, "colour": "purple"}], "strokes[0].colour: 'purple' is not a colour"),
        ([{**PEN, "width": "thick"}], "strokes[0].width: 'thick' is not a number"),
        ([{**TEXT, "text": ""}], "strokes[0].text: a text stroke needs non-empty text"),
        ([{**PEN, "opacity": 1}], "strokes[0].opacity: is not a stroke field"),
        ([PEN, "scribble"], "strokes[1]: expected an object"),
        ({"kind": "pen"}, "strokes: expected a list of strokes"),
        ("[{", "strokes: not valid JSON"),
    ],
)
def test_bad_strokes_name_the_stroke_and_field(strokes, message):
    with pytest.raises(ValidationError) as exc:
        validate_strokes(strokes)
    assert message in exc.value.one_line()


def test_load_strokes_skips_the_malformed_and_keeps_the_rest():
    strokes, warnings = load_strokes([PEN, {"kind": "blob"}, ARROW, 7], "note 3")
    assert [s["kind"] for s in strokes] == ["pen", "arrow"]
    assert len(warnings) == 2 and all(w.startswith("note 3: skipped a malformed stroke") for w in warnings)
    assert "strokes[1].kind" in warnings[0] and "strokes[3]" in warnings[1]
    assert load_strokes("{not json", "note 4")[0] == []
    assert "not readable JSON" in load_strokes("{not json", "note 4")[1][0]


def test_notes_with_strokes_are_one_undo_step_each(bare):
    note = bare.add_note("001_0010", 3, "Push in slower", author="dir", strokes=[PEN, ARROW])
    assert [s["kind"] for s in bare.notes()[0].strokes] == ["pen", "arrow"]
    bare.set_note(note.id, strokes=[TEXT])
    assert bare.notes()[0].strokes[0]["text"] == "too dark"
    assert bare.undo()[0] == f"Change note {note.id}"
    assert [s["kind"] for s in bare.notes()[0].strokes] == ["pen", "arrow"]
    bare.redo()
    assert bare.notes()[0].strokes[0]["kind"] == "text"
    bare.remove_note(note.id)
    assert bare.notes() == []
    bare.undo()
    assert bare.notes()[0].text == "Push in slower"
    bare.undo()
    bare.undo()
    assert bare.notes() == []


def test_bad_strokes_or_frames_change_nothing(bare):
    with pytest.raises(ValidationError, match=r"strokes\[0\]\.points"):
        bare.add_note("001_0010", 3, "x", strokes=[{"kind": "rect", "points": [[0, 0]]}])
    with pytest.raises(ValidationError, match="frame: 12 is out of range; use 0 to 11"):
        bare.add_note("001_0010", 12, "too late")
    with pytest.raises(NotFoundError, match="'009_0010' not found"):
        bare.add_note("009_0010", 0, "nowhere")
    note = bare.add_note("001_0010", 2, "fine")
    with pytest.raises(ValidationError, match="strokes"):
        bare.set_note(note.id, strokes="nonsense")
    with pytest.raises(NotFoundError, match="note 99 not found"):
        bare.set_note(99, resolved=True)
    assert bare.notes()[0].strokes == [] and len(bare.notes()) == 1


def test_a_note_beyond_the_take_is_refused(project):
    project.set_shot("001_0010", duration_frames=20)  # the shot now runs past its 12-frame take
    with pytest.raises(ValidationError) as exc:
        project.add_note("001_0010", 15, "late", take_number=1)
    assert exc.value.one_line() == (
        "frame: 15 is beyond take 1 of 001_0010, which has 12 frames; use a frame from 0 to 11"
    )
    project.set_shot("001_0010", trim_in=4, duration_frames=8)  # a trim must fit inside the take...
    project.set_shot("001_0010", duration_frames=20)  # ...but the shot may then run past it again
    with pytest.raises(ValidationError, match="use a frame from 0 to 7"):
        project.add_note("001_0010", 8, "late", take_number=1)
    assert project.add_note("001_0010", 7, "last frame", take_number=1).frame == 7
    with pytest.raises(NotFoundError, match="001_0010 has no take 5"):
        project.add_note("001_0010", 1, "x", take_number=5)


def test_two_notes_at_the_same_frame_are_both_kept_in_order(project):
    a = project.add_note("001_0020", 5, "first")
    b = project.add_note("001_0020", 5, "second")
    project.add_note("001_0020", 2, "earlier")
    assert [n.text for n in project.notes("001_0020")] == ["earlier", "first", "second"]
    assert a.id < b.id and a.take_id == b.take_id == project.shot("001_0020").selected_take_id


def test_resolve_records_the_answering_take_and_undoes(project):
    note = project.add_note("001_0020", 4, "warmer")
    resolve_note(project, note.id, take_number=1)
    got = project.notes()[0]
    assert got.resolved and got.resolved_by_take_id == project.takes("001_0020")[0].id
    project.undo()
    assert not project.notes()[0].resolved and project.notes()[0].resolved_by_take_id is None
    with pytest.raises(ValidationError, match="resolved_by_take_id: take .* is not a take of 001_0020"):
        project.set_note(note.id, resolved_by_take_id=project.takes("001_0010")[0].id)
    resolve_note(project, note.id)  # no take given, no revision job: resolved without a take
    assert project.notes()[0].resolved and project.notes()[0].resolved_by_take_id is None
    resolve_note(project, note.id, resolved=False)
    assert not project.notes()[0].resolved


def test_review_status_edits_undo(bare):
    set_review_status(bare, "001_0010", "approved")
    set_review_status(bare, "001_0020", "needs-changes")
    set_review_status(bare, "002_0010", "omitted")
    assert [s.status for s in bare.shots()] == ["approved", "needs_changes", "omitted"]
    assert [e.code for e in bare.cut().entries] == ["001_0010", "001_0020"]
    assert bare.undo()[0] == "Change status of 002_0010"
    assert bare.shot("002_0010").status == "draft"
    with pytest.raises(ValidationError, match="status: 'great' is not one of"):
        set_review_status(bare, "001_0010", "great")
    with pytest.raises(ValidationError, match="status: 'generating' is set by generation"):
        set_review_status(bare, "001_0010", "generating")


def test_default_author(monkeypatch):
    assert default_author() == "Director"
    monkeypatch.delenv("PREVIZ_AUTHOR")
    import getpass

    assert default_author() == getpass.getuser()


def test_a_damaged_drawing_is_skipped_with_a_warning(bare):
    good = bare.add_note("001_0010", 1, "kept whole", strokes=[PEN])
    half = bare.add_note("001_0010", 2, "half drawn", strokes=[PEN, ARROW])
    broken = bare.add_note("001_0020", 3, "unreadable drawing", strokes=[ARROW])
    db = bare.paths.db
    bare.close()
    with sqlite3.connect(db) as conn:
        damaged = json.dumps(
            [PEN, {"kind": "arrow", "points": "oops"}, {"kind": "text", "points": [[0, 0]]}, ARROW]
        )
        conn.execute("UPDATE note SET strokes = ? WHERE id = ?", (damaged, half.id))
        conn.execute("UPDATE note SET strokes = ? WHERE id = ?", ('[{"kind": "pen",', broken.id))
    with ProjectSession.open(db.parent) as session:
        notes, warnings = read_notes(session)
        assert [n.text for n in notes] == ["kept whole", "half drawn", "unreadable drawing"]
        assert [s["kind"] for s in notes[0].strokes] == ["pen"]
        assert [s["kind"] for s in notes[1].strokes] == ["pen", "arrow"]
        assert notes[2].strokes == []
        assert len(warnings) == 3
        assert f"note {half.id}: skipped a malformed stroke (strokes[1].points" in warnings[0]
        assert f"note {half.id}: skipped a malformed stroke (strokes[2].text" in warnings[1]
        assert f"note {broken.id}: its drawing is not readable JSON" in warnings[2]
        assert good.id == notes[0].id
        # The damaged notes can still be edited; an edit keeps the strokes that survived.
        resolve_note(session, broken.id)
        session.set_note(half.id, text="half drawn, fixed")
        session.remove_note(broken.id)
        session.undo()
        notes, _ = read_notes(session)
        assert notes[2].resolved and notes[2].strokes == []
