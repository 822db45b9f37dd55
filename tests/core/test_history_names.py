"""The history as the UI's undo stack sees it: step names, and what each commit recorded (``last_commit``)."""

from previz.core.session import ProjectSession


def test_history_names_and_last_commit_follow_edits_undo_and_redo(tmp_path):
    s = ProjectSession.create(tmp_path / "film", name="Film", fps="24", size="320x192")
    s.add_scene("EXT. PIER - DAY", number="1")
    s.add_shot("1", action="waves")
    assert s.history_names() == (["Add scene 1", "Add shot 001_0010"], [])
    assert (s.last_commit.undo_step, s.last_commit.name) == (True, "Add shot 001_0010")
    s.set_shot("001_0010", size="cu", status="queued", record=False)  # work, not an undo step
    assert s.history_names() == (["Add scene 1", "Add shot 001_0010"], [])
    assert s.last_commit.undo_step is False and s.last_commit.changes.shot_ids == {1}
    s.set_shot("001_0010", lens_mm=85)
    assert s.last_commit.undo_step and s.last_commit.name == "Change lens of 001_0010"
    s.undo()
    assert s.history_names() == (["Add scene 1", "Add shot 001_0010"], ["Change lens of 001_0010"])
    assert (s.last_commit.undo_step, s.last_commit.name) == (False, "Undo Change lens of 001_0010")
    s.redo()
    assert s.history_names()[1] == []
    s.close()
