"""The inspector's reload (issue 12, speed): the project, scene and characters it shows are read once per edit
that can change them, not at every reload; the takes list is built again only when its rows change; and what
it shows stays what a freshly made inspector shows."""

from __future__ import annotations

from ui.test_ui_refresh_scope import add_board_take, tree_rows

from previz.ui.inspector.inspector import ShotInspector


class Reads:
    """Counts the session's reads of the project, of scenes and of characters."""

    def __init__(self, session, monkeypatch) -> None:
        self.counts = {"project": 0, "scene": 0, "characters": 0}
        for name in self.counts:
            real = getattr(session, name)

            def counted(*args, _real=real, _name=name, **kwargs):
                self.counts[_name] += 1
                return _real(*args, **kwargs)

            monkeypatch.setattr(session, name, counted)

    def take(self) -> dict:
        counts, self.counts = self.counts, dict.fromkeys(self.counts, 0)
        return counts


def shown(inspector) -> tuple:
    return (
        inspector.subtitle.text(),
        inspector.prompt_preview.toPlainText(),
        inspector.fields["backend"].itemText(0),
    )


def test_a_field_edit_reads_no_project_scene_or_characters_and_shows_the_same(qtbot, controller, monkeypatch):
    session = controller.session
    inspector = ShotInspector(controller)
    qtbot.addWidget(inspector)
    controller.set_current_shot("002_0010")
    shown(inspector)  # the first prompt composed
    reads = Reads(session, monkeypatch)
    controller.set_shot("002_0010", action="the lamp turns")
    assert "the lamp turns" in inspector.prompt_preview.toPlainText().lower()
    assert reads.take() == {"project": 0, "scene": 0, "characters": 0}
    controller.set_current_shot("001_0010")  # another scene: read once
    assert inspector.subtitle.text() == "Scene 1 · EXT. LIGHTHOUSE - NIGHT"
    assert reads.take()["scene"] == 1
    fresh = ShotInspector(controller)
    qtbot.addWidget(fresh)
    assert shown(fresh) == shown(inspector)


def test_an_edit_of_the_project_a_scene_or_a_character_is_shown_at_once(qtbot, controller):
    session = controller.session
    inspector = ShotInspector(controller)
    qtbot.addWidget(inspector)
    controller.set_current_shot("002_0010")
    shown(inspector)
    controller.edit(lambda: session.set_project(style_prompt="charcoal sketch", default_backend="diffusers"))
    assert "charcoal sketch" in inspector.prompt_preview.toPlainText().lower()
    assert inspector.fields["backend"].itemText(0) == "project default (diffusers)"
    controller.edit(lambda: session.set_scene("2", heading="INT. ENGINE ROOM - NIGHT"))
    assert inspector.subtitle.text() == "Scene 2 · INT. ENGINE ROOM - NIGHT"
    assert "engine room" in inspector.prompt_preview.toPlainText().lower()
    controller.edit(lambda: session.add_character("MARA", description="a keeper in a yellow coat"))
    controller.set_shot("002_0010", characters=["MARA"])
    assert "yellow coat" in inspector.prompt_preview.toPlainText().lower()
    controller.edit(lambda: session.set_character("MARA", description="a keeper in a red coat"))
    assert "red coat" in inspector.prompt_preview.toPlainText().lower()
    controller.session.undo()  # through the session, not the stack: the views hear it all the same
    assert "yellow coat" in inspector.prompt_preview.toPlainText().lower()
    fresh = ShotInspector(controller)
    qtbot.addWidget(fresh)
    assert shown(fresh) == shown(inspector)


def test_the_takes_list_is_built_again_only_when_its_rows_change(qtbot, controller, tmp_path):
    session = controller.session
    add_board_take(session, "002_0010", tmp_path)
    inspector = ShotInspector(controller)
    qtbot.addWidget(inspector)
    controller.set_current_shot("002_0010")
    first = inspector.takes.topLevelItem(0)
    inspector.takes.setCurrentItem(first)
    controller.set_shot("002_0010", lens_mm=85)  # the takes are as they were: the list is kept
    assert inspector.takes.topLevelItem(0) is first and inspector.takes.currentItem() is first
    controller.edit(lambda: session.set_take("002_0010", 1, circled=True))
    assert tree_rows(inspector.takes)[0][0][6] == "●"
    add_board_take(session, "002_0010", tmp_path)
    assert [row[0][0] for row in tree_rows(inspector.takes)] == ["1", "2"]
    controller.edit(lambda: session.select_take("002_0010", 2))
    fresh = ShotInspector(controller)
    qtbot.addWidget(fresh)
    assert tree_rows(fresh.takes) == tree_rows(inspector.takes)
    assert inspector.takes.topLevelItem(1).font(0).bold()


def test_a_status_change_composes_no_prompt_and_an_action_change_does(qtbot, controller, monkeypatch):
    """A job's claim or a take's arrival changes the shot's status: the composed prompt cannot change."""
    import previz.ingest.shot_prompt as composer

    inspector = ShotInspector(controller)
    qtbot.addWidget(inspector)
    controller.set_current_shot("002_0010")
    before = inspector.prompt_preview.toPlainText()
    calls = []
    real = composer.compose_prompt
    monkeypatch.setattr(composer, "compose_prompt", lambda *a: calls.append(a) or real(*a))
    controller.set_shot("002_0010", status="generating")
    assert inspector.fields["status"].currentData() == "generating"
    assert (inspector.prompt_preview.toPlainText(), calls) == (before, [])
    controller.set_shot("002_0010", action="the keeper climbs")
    assert "the keeper climbs" in inspector.prompt_preview.toPlainText().lower() and len(calls) == 1


def test_takes_are_read_once_per_edit_of_takes_and_a_new_take_of_any_shot_is_shown(
    qtbot, controller, tmp_path, monkeypatch
):
    session = controller.session
    add_board_take(session, "002_0010", tmp_path)
    inspector = ShotInspector(controller)
    qtbot.addWidget(inspector)
    controller.set_current_shot("002_0010")
    controller.set_current_shot("001_0010")
    reads = []
    real = session.takes
    monkeypatch.setattr(session, "takes", lambda *a, **k: reads.append(a) or real(*a, **k))
    controller.set_shot("001_0010", lens_mm=85)  # an edit of the shot's fields: its takes are as they were
    controller.set_current_shot("002_0010")  # shown before, no take edited since
    assert [row[0][0] for row in tree_rows(inspector.takes)] == ["1"]
    assert reads == []
    add_board_take(session, "001_0010", tmp_path)  # a take of a shot not shown: every shot's are read again
    controller.set_current_shot("001_0010")
    assert [row[0][0] for row in tree_rows(inspector.takes)] == ["1"]
    add_board_take(session, "002_0010", tmp_path)
    controller.set_current_shot("002_0010")
    assert [row[0][0] for row in tree_rows(inspector.takes)] == ["1", "2"]
    fresh = ShotInspector(controller)
    qtbot.addWidget(fresh)
    assert tree_rows(fresh.takes) == tree_rows(inspector.takes)


def test_a_shot_just_added_shows_no_takes_without_a_read_and_a_copy_shows_its_copied_take(
    qtbot, controller, tmp_path, monkeypatch
):
    """An added shot has no take yet (``Changes.created`` without ``takes``): its list is empty with no read.
    A duplicate copies its shot's take in the same edit: that edit names takes, so the copy's is read."""
    from previz.ui import authoring

    session = controller.session
    add_board_take(session, "002_0010", tmp_path)
    inspector = ShotInspector(controller)
    qtbot.addWidget(inspector)
    controller.set_current_shot("002_0010")
    assert [row[0][0] for row in tree_rows(inspector.takes)] == ["1"]
    reads = []
    real = session.takes
    monkeypatch.setattr(session, "takes", lambda *a, **k: reads.append(a) or real(*a, **k))
    new = authoring.add_shot(controller, "002_0010")
    assert inspector.title.text() == new.code and controller.current_shot == new.code
    assert tree_rows(inspector.takes) == [] and reads == []
    (copy,) = authoring.duplicate(controller, ["002_0010"])
    controller.set_current_shot(copy.code)
    # the copy's take was read (an edit of takes: the shot shown then is read again too)
    assert [row[0][0] for row in tree_rows(inspector.takes)] == ["1"] and reads[-1] == (copy.id,)
    controller.undo_stack.undo()  # the copy is gone; the shot added before has no take still
    controller.set_current_shot(new.code)
    assert tree_rows(inspector.takes) == []
    fresh = ShotInspector(controller)
    qtbot.addWidget(fresh)
    assert tree_rows(fresh.takes) == tree_rows(inspector.takes)
