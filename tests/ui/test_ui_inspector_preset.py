"""The inspector's speed preset: the shot's own or the project's, changed as one undoable edit."""

from previz.ui.inspector.inspector import ShotInspector


def test_the_preset_combo_shows_and_sets_the_shots_speed_preset(qtbot, controller, tmp_path):
    session = controller.session
    session.set_project(default_preset="draft")
    inspector = ShotInspector(controller)
    qtbot.addWidget(inspector)
    controller.set_current_shot("001_0010")
    box = inspector.fields["preset"]
    assert box.currentData() == "" and box.currentText() == "project default (draft)"
    assert [box.itemData(i) for i in range(box.count())] == ["", "final", "balanced", "draft"]
    before = controller.undo_stack.count()
    box.setCurrentIndex(box.findData("balanced"))
    box.activated.emit(box.currentIndex())
    assert session.shot("001_0010").preset == "balanced"
    assert controller.undo_stack.count() == before + 1
    controller.undo_stack.undo()
    assert session.shot("001_0010").preset == "" and box.currentData() == ""
    controller.edit(lambda: session.set_shot("001_0010", preset="final"))  # from elsewhere: shown
    assert box.currentData() == "final"
    inspector.resize(360, 900)
    inspector.show()
    inspector.grab().save(str(tmp_path / "inspector_preset.png"))
    assert (tmp_path / "inspector_preset.png").stat().st_size > 0
