"""The notes dock: filters by scene, shot/text, status and author; resolve, reopen and revise (undoable)."""

import pytest
from ui.ui_review_support import CODES, build_review_project

from previz.ui.controller import ProjectController
from previz.ui.review.notes_panel import NotesPanel


@pytest.fixture
def panel(tmp_path, qtbot):
    session = build_review_project(tmp_path / "review")
    session.add_scene("INT. LANTERN ROOM - NIGHT", number="2")
    session.add_shot("2", duration_frames=12, action="Mara climbs.")
    session.add_note(CODES[0], 3, "beam brighter", author="Director")
    session.add_note(CODES[1], 5, "more spray", author="DP")
    session.add_note("002_0010", 0, "slower climb", author="Director")
    controller = ProjectController(session)
    widget = NotesPanel(controller)
    qtbot.addWidget(widget)
    yield widget, controller, session
    session.close()


def shown(widget):
    return [widget.tree.topLevelItem(i).text(3) for i in range(widget.tree.topLevelItemCount())]


def test_filters_by_scene_author_text_and_status(panel):
    widget, controller, session = panel
    assert shown(widget) == ["beam brighter", "more spray", "slower climb"]
    widget.scene_filter.setCurrentText("2")
    assert shown(widget) == ["slower climb"]
    widget.scene_filter.setCurrentText("All")
    widget.author_filter.setCurrentText("Director")
    assert shown(widget) == ["beam brighter", "slower climb"]
    widget.shot_filter.setText("001_0010")
    assert shown(widget) == ["beam brighter"]
    widget.shot_filter.setText("")
    widget.author_filter.setCurrentText("All")
    widget.status_filter.setCurrentText("Resolved")
    assert shown(widget) == []


def test_resolve_records_the_take_in_the_cut_and_undo_reopens(panel):
    widget, controller, session = panel
    note = session.notes(CODES[0])[0]
    widget.resolve(note.id)
    resolved = session.notes(CODES[0])[0]
    shot = session.shot(CODES[0])
    assert resolved.resolved and resolved.resolved_by_take_id == shot.selected_take_id
    assert shown(widget)[0] == "✓ beam brighter"
    widget.status_filter.setCurrentText("Open")
    assert shown(widget) == ["more spray", "slower climb"]
    controller.undo_stack.undo()
    assert not session.notes(CODES[0])[0].resolved


def test_revise_changes_the_prompt_in_one_undo_step_and_queues_a_take(panel):
    widget, controller, session = panel
    note = session.notes(CODES[1])[0]
    started = []
    widget.on_queued = lambda: started.append(True)
    widget.revise(note.id, "A small boat pitches in a storm; huge spray over the bow.")
    assert session.shot(CODES[1]).prompt.startswith("A small boat")
    jobs = [j for j in session.jobs(("queued",)) if j.request.get("note_id") == note.id]
    assert len(jobs) == 1 and started == [True]
    assert controller.undo_stack.undoText().startswith("Revise 001_0020")
    controller.undo_stack.undo()
    assert session.shot(CODES[1]).prompt == ""


def test_an_edit_of_noted_shots_is_followed_from_the_views_shared_read(panel, monkeypatch):
    """A shot added before noted shots renumbers them: the panel reads nothing for that. A noted shot given
    a new code shows it, taken from the one read of the edit's shots every view shares."""
    widget, controller, session = panel
    reads: list[set] = []
    real = session.shots_by_id
    monkeypatch.setattr(session, "shots_by_id", lambda ids: reads.append(set(ids)) or real(ids))
    controller.edit(lambda: session.add_shot("1", action="first now", position=0))  # renumbers the noted
    assert all(r <= {s.id for s in session.shots("1")[:1]} for r in reads)  # the new shot at most
    reads.clear()
    noted = session.shot(CODES[1])
    controller.edit(lambda: session.set_shot(CODES[1], code="001_0099"))
    assert reads == [{noted.id}]  # one read, shared
    assert "001_0099" in [widget.tree.topLevelItem(i).text(0) for i in range(widget.tree.topLevelItemCount())]
