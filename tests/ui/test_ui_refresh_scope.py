"""Views refresh only what an edit touched (``Changes`` flags and shot ids), and what they then show is
exactly what a freshly built view shows: the notes panel, the inspector and the queue panel after adding,
splitting and renumbering shots, and after a note or a job changes."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from previz.ui import authoring
from previz.ui.controller import ProjectController
from previz.ui.inspector.inspector import CIRCLE_COLUMN
from previz.ui.queue.progress_cell import progress_of
from previz.ui.review.notes_panel import NotesPanel

ROLE = Qt.ItemDataRole.UserRole


@pytest.fixture
def controller(project, qtbot):
    """The conftest project (scene 1: 001_0010…0030, scene 2: 002_0010, 002_0020) with three notes."""
    project.add_note("001_0020", 3, "hold longer", author="Director")
    project.add_note("002_0010", 1, "too dark", author="DP")
    project.add_note("002_0010", 20, "cut earlier", author="Director")
    return ProjectController(project)


def tree_rows(tree) -> list[tuple]:
    rows = []
    for i in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(i)
        cols = range(tree.columnCount())
        rows.append(
            (
                tuple(item.text(c) for c in cols),
                tuple(item.toolTip(c) for c in cols),
                tuple(item.data(c, ROLE) for c in cols),
            )
        )
    return rows


def notes_shown(panel: NotesPanel) -> dict:
    combos = (panel.scene_filter, panel.status_filter, panel.author_filter)
    return {
        "rows": tree_rows(panel.tree),
        "filters": [[c.itemText(i) for i in range(c.count())] for c in combos],
        "current": [c.currentText() for c in combos],
    }


def fresh_notes(controller, qtbot) -> dict:
    fresh = NotesPanel(controller)
    qtbot.addWidget(fresh)
    return notes_shown(fresh)


# ---------------------------------------------------------------------------------------------- notes panel
def test_notes_panel_after_adding_and_splitting_shots_equals_a_fresh_panel(controller, qtbot):
    panel = NotesPanel(controller)
    qtbot.addWidget(panel)
    session = controller.session
    panel.tree.setCurrentItem(panel.tree.topLevelItem(1))
    selected = panel.tree.currentItem()

    authoring.add_shot(controller, "001_0010")  # moves 001_0020 (noted) one place down
    authoring.add_shot(controller, "002_0020")  # touches no noted shot
    authoring.split_at(controller, "001_0030", 10)
    assert len(session.shots()) == 8
    assert notes_shown(panel) == fresh_notes(controller, qtbot)
    # nothing the list shows changed, so it was not rebuilt: the user's selection is where it was
    assert panel.tree.currentItem() is selected and selected.text(3) == "too dark"

    authoring.split_at(controller, "002_0010", 10)  # the note at frame 20 moves to the second half
    assert notes_shown(panel) == fresh_notes(controller, qtbot)
    assert [r[0][:2] for r in notes_shown(panel)["rows"]] == [
        ("001_0020", "3"),
        ("002_0010", "1"),
        (session.shots("2")[1].code, "10"),
    ]


def test_notes_panel_shows_a_noted_shot_renumbered_and_undone(controller, qtbot):
    panel = NotesPanel(controller)
    qtbot.addWidget(panel)
    authoring.add_shot(controller, "001_0010")
    controller.edit(lambda: controller.session.renumber_scene("1"))
    assert notes_shown(panel)["rows"][0][0][0] == "001_0030"  # 001_0020 is the third shot now
    assert notes_shown(panel) == fresh_notes(controller, qtbot)
    controller.undo_stack.undo()
    assert notes_shown(panel)["rows"][0][0][0] == "001_0020"
    assert notes_shown(panel) == fresh_notes(controller, qtbot)


def test_notes_panel_refreshes_when_a_note_changes(controller, qtbot):
    panel = NotesPanel(controller)
    qtbot.addWidget(panel)
    session = controller.session
    controller.edit(lambda: session.add_note("001_0030", 2, "new angle", author="Editor"))
    assert "new angle" in [r[0][3] for r in notes_shown(panel)["rows"]]
    assert "Editor" in notes_shown(panel)["filters"][2]
    note = session.notes("001_0020")[0]
    controller.edit(lambda: session.set_note(note.id, resolved=True))
    assert notes_shown(panel)["rows"][0][0][3] == "✓ hold longer"
    assert notes_shown(panel) == fresh_notes(controller, qtbot)
    controller.edit(lambda: session.remove_shot("002_0010"))  # its two notes go with it
    assert [r[0][3] for r in notes_shown(panel)["rows"]] == ["✓ hold longer", "new angle"]
    assert notes_shown(panel) == fresh_notes(controller, qtbot)


def test_clicking_a_note_seeks_to_its_frame_in_the_cut_after_shots_were_added_before_it(controller, qtbot):
    panel = NotesPanel(controller)
    qtbot.addWidget(panel)
    session = controller.session
    new = authoring.add_shot(controller, "001_0010")
    authoring.set_status(controller, ["001_0030"], "omitted")  # leaves the cut
    start = next(e.record_in for e in session.cut().entries if e.code == "002_0010")
    assert start == 24 + new.duration_frames + 25  # 001_0010, the new shot, 001_0020
    item = panel.tree.topLevelItem(2)
    assert item.text(3) == "cut earlier"
    with qtbot.waitSignal(panel.noteActivated, timeout=5000) as got:
        panel.tree.itemClicked.emit(item, 0)
    assert got.args == ["002_0010", start + 20]
    assert controller.current_shot == "002_0010"
    controller.edit(lambda: session.add_note("001_0030", 4, "omitted anyway"))
    assert panel.record_frame(session.notes("001_0030")[0].id) == -1  # not in the cut: no seek


# ---------------------------------------------------------------------------------------------- inspector
def add_board_take(session, code: str, tmp_path) -> None:
    import cv2
    import numpy as np

    from previz.media.library import import_media_file

    path = tmp_path / f"board_{code}.png"
    cv2.imwrite(str(path), np.full((90, 160, 3), 80 + len(session.takes()) * 20, np.uint8))
    session.add_take(code, kind="board", media_hash=import_media_file(session, path, kind="image").hash)


def inspector_shown(inspector) -> dict:
    from PySide6.QtWidgets import QComboBox, QLineEdit

    def value(widget):
        if isinstance(widget, QComboBox):
            return widget.currentText()
        return widget.text() if isinstance(widget, QLineEdit) else widget.toPlainText()

    return {
        "labels": [inspector.title.text(), inspector.subtitle.text(), inspector.duration_info.text()],
        "fields": {name: value(widget) for name, widget in inspector.fields.items()},
        "images": [label.text() for label in inspector.image_labels.values()],
        "prompt": inspector.prompt_preview.toPlainText(),
        "takes": tree_rows(inspector.takes),
    }


def fresh_inspector(controller, qtbot) -> dict:
    from previz.ui.inspector.inspector import ShotInspector

    fresh = ShotInspector(controller)
    qtbot.addWidget(fresh)
    return inspector_shown(fresh)


@pytest.fixture
def inspector(controller, qtbot, tmp_path):
    """An inspector on 002_0010; 001_0030 and 002_0010 have a board take each."""
    from previz.ui.inspector.inspector import ShotInspector

    for code in ("001_0030", "002_0010"):
        add_board_take(controller.session, code, tmp_path)
    widget = ShotInspector(controller)
    qtbot.addWidget(widget)
    controller.set_current_shot("002_0010")
    return widget


def test_inspector_is_left_alone_by_edits_to_other_shots_and_equals_a_fresh_one(inspector, controller, qtbot):
    session = controller.session
    before = inspector_shown(inspector)
    inspector.fields["action"].setPlainText("half-typed")  # typed, not yet committed (no focus out)
    controller.edit(lambda: session.add_shot_after("001_0010"))
    controller.edit(lambda: session.split_shot("001_0030", 10))  # copies that shot's take: a take edit
    controller.edit(lambda: session.add_shot_after("002_0010"))  # 002_0010 itself is not touched
    assert inspector.fields["action"].toPlainText() == "half-typed"  # not rebuilt under the user's typing
    inspector.fields["action"].setPlainText(before["fields"]["action"])
    assert inspector_shown(inspector) == before == fresh_inspector(controller, qtbot)


def test_inspector_refreshes_on_its_shot_its_takes_its_scene_and_the_project(inspector, controller, qtbot):
    session = controller.session
    controller.set_shot("002_0010", action="The keeper turns.")
    assert inspector.fields["action"].toPlainText() == "The keeper turns."
    controller.edit(lambda: session.set_take("002_0010", 1, circled=True))  # names no shot
    assert inspector_shown(inspector)["takes"][0][0][CIRCLE_COLUMN] == "●"

    def circle_and_touch_another():  # one edit: this shot's take flag, and another shot's row
        with session.batch("Circle and retime"):
            session.set_take("002_0010", 1, circled=False)
            session.set_shot("001_0010", duration_frames=30)

    controller.edit(circle_and_touch_another)
    assert inspector_shown(inspector)["takes"][0][0][CIRCLE_COLUMN] == ""
    controller.edit(lambda: session.set_scene("2", heading="INT. ENGINE ROOM - NIGHT"))
    assert inspector.subtitle.text() == "Scene 2 · INT. ENGINE ROOM - NIGHT"
    controller.edit(lambda: session.set_project(default_backend="diffusers"))
    assert inspector.fields["backend"].itemText(0) == "project default (diffusers)"
    assert inspector_shown(inspector) == fresh_inspector(controller, qtbot)


# ---------------------------------------------------------------------------------------------- queue panel
def queue_shown(panel) -> list:
    rows = tree_rows(panel.tree)
    shown = [progress_of(panel.tree.topLevelItem(i), 3) for i in range(len(rows))]
    return [(row, *progress) for row, progress in zip(rows, shown)]


@pytest.fixture
def queue(controller, qtbot):
    """Queue panels over two jobs queued before they opened (so they wait for Run): 001_0020, 002_0010."""
    from previz.generation.queue import enqueue
    from previz.ui.queue.panel import QueuePanel

    enqueue(controller.session, ["001_0020", "002_0010"], backend="animatic")
    panels = []

    def make():
        panel = QueuePanel(controller)
        qtbot.addWidget(panel)
        panels.append(panel)
        return panel

    yield make
    for panel in panels:
        panel.shutdown()


def test_queue_panel_after_shot_edits_equals_a_fresh_panel_and_keeps_its_selection(queue, controller):
    panel = queue()
    assert panel.runner.paused and [r[0][0][1:3] for r in queue_shown(panel)] == [
        ("001_0020", "queued"),
        ("002_0010", "queued"),
    ]
    panel.tree.setCurrentItem(panel.tree.topLevelItem(1))
    selected = panel.tree.currentItem()
    authoring.add_shot(controller, "001_0010")
    authoring.split_at(controller, "002_0020", 10)
    assert queue_shown(panel) == queue_shown(queue())
    assert panel.tree.currentItem() is selected  # nothing it shows changed: not rebuilt

    controller.edit(lambda: controller.session.renumber_scene("1"))  # 001_0020 is now 001_0030
    assert [r[0][0][1] for r in queue_shown(panel)] == ["001_0030", "002_0010"]
    assert queue_shown(panel) == queue_shown(queue())
    controller.undo_stack.undo()
    assert [r[0][0][1] for r in queue_shown(panel)] == ["001_0020", "002_0010"]


def test_queue_panel_refreshes_when_a_job_changes(queue, controller, qtbot):
    from previz.generation.queue import enqueue

    panel = queue()
    session = controller.session
    enqueue(session, ["001_0030"], backend="animatic")
    # the panel lists jobs again on the next turn of the event loop, not inside the commit
    codes = ["001_0020", "002_0010", "001_0030"]
    qtbot.waitUntil(lambda: [r[0][0][1] for r in queue_shown(panel)] == codes)
    first = session.jobs()[0]
    panel.runner.cancel(first.id)
    qtbot.waitUntil(lambda: [r[0][0][1:3] for r in queue_shown(panel)][-1] == ("001_0020", "cancelled"))
    assert queue_shown(panel) == queue_shown(queue())
