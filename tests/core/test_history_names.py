"""The history as the UI's undo stack sees it: step names, and a mark that moves exactly with the steps."""

from previz.core.session import ProjectSession


def test_history_names_and_mark_follow_edits_undo_and_redo(tmp_path):
    s = ProjectSession.create(tmp_path / "film", name="Film", fps="24", size="320x192")
    s.add_scene("EXT. PIER - DAY", number="1")
    s.add_shot("1", action="waves")
    mark = s.history_mark()
    assert s.history_names() == (["Add scene 1", "Add shot 001_0010"], [])
    s.set_shot("001_0010", size="cu", status="queued", record=False)  # work, not an undo step
    assert s.history_mark() == mark
    s.set_shot("001_0010", lens_mm=85)
    assert s.history_mark() != mark
    s.undo()
    assert s.history_mark() == (mark[0], 1)
    assert s.history_names() == (["Add scene 1", "Add shot 001_0010"], ["Change lens of 001_0010"])
    s.redo()
    assert s.history_names()[1] == []
    s.close()
