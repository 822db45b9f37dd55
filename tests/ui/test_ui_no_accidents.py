"""Nothing changes by accident: a stray mouse wheel over an inspector field changes nothing (it scrolls the
inspector instead), undo restores exactly the value a shot had, and Undo works from the moment a project
with history opens."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox
from ui.ui_inspector_support import editable_widgets, wheel

from previz.ui.app import create_app
from previz.ui.inspector.inspector import ShotInspector


def test_wheel_over_unfocused_fields_changes_nothing_and_scrolls_the_inspector(qtbot, controller):
    create_app()  # the app's startup installs the wheel guard
    session = controller.session
    session.set_shot("002_0020", move="pan_left", size="cu")  # values in the middle of each list
    inspector = ShotInspector(controller)
    qtbot.addWidget(inspector)
    inspector.resize(380, 300)  # shorter than its fields: the inspector scrolls
    inspector.show()
    controller.set_current_shot("002_0020")
    qtbot.waitExposed(inspector)
    shots, history = session.table_rows("shot"), session.table_rows("history")
    undo_steps = controller.undo_stack.count()
    widgets = editable_widgets(inspector)
    kinds = {type(w).__name__ for w in widgets}
    assert {"QComboBox", "QSpinBox", "QLineEdit", "TextBox"} <= kinds
    assert len(widgets) >= 19
    bar = inspector.scroll.verticalScrollBar()
    assert bar.maximum() > 0
    for widget in widgets:
        assert widget.focusPolicy() != Qt.FocusPolicy.WheelFocus  # a wheel does not grab focus
        assert not widget.hasFocus()
        shown = widget.currentIndex() if isinstance(widget, QComboBox) else None
        wheel(widget, 3)
        wheel(widget, -1)
        if shown is not None:
            assert widget.currentIndex() == shown, widget.toolTip()
        QApplication.processEvents()
    assert inspector.takes_count.value() == 1
    assert session.table_rows("shot") == shots  # the database is unchanged
    assert session.table_rows("history") == history
    assert controller.undo_stack.count() == undo_steps
    bar.setValue(0)
    wheel(inspector.fields["backend"], 2)
    assert bar.value() > 0  # the wheel scrolled the inspector instead


def test_a_focused_field_still_takes_the_wheel(qtbot, controller):
    create_app()
    inspector = ShotInspector(controller)
    qtbot.addWidget(inspector)
    controller.set_current_shot("001_0010")
    inspector.show()
    inspector.activateWindow()
    qtbot.waitActive(inspector, timeout=5000)
    spin = inspector.takes_count
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus, timeout=5000)
    wheel(spin, -1)  # up
    assert spin.value() == 2


def test_undo_of_a_backend_change_restores_the_project_default(qtbot, controller):
    session = controller.session
    assert session.shot("002_0020").backend == ""  # the project default
    inspector = ShotInspector(controller)
    qtbot.addWidget(inspector)
    controller.set_current_shot("002_0020")
    rows = session.table_rows("shot")
    box = inspector.fields["backend"]
    assert box.currentText() == "project default (animatic)"
    box.setCurrentIndex(box.findData("diffusers"))
    box.activated.emit(box.currentIndex())
    assert session.shot("002_0020").backend == "diffusers"
    assert controller.undo_stack.undoText() == "Change backend of 002_0020"
    controller.undo_stack.undo()
    assert session.table_rows("shot") == rows  # exactly as before, not "animatic"
    assert box.currentText() == "project default (animatic)"
    controller.undo_stack.redo()
    assert session.shot("002_0020").backend == "diffusers"


def test_undo_is_available_at_open_for_the_history_the_project_has(qtbot, project):
    from previz.core.session import ProjectSession
    from previz.ui.main_window import MainWindow

    root = project.root
    project.set_shot("001_0020", lens_mm=85)  # an edit made before the app opened the project (the CLI)
    project.set_shot("001_0030", size="ecu")
    project.undo()  # undone: a redo step
    project.close()
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.open_project(root)
    assert window.undo_action.isEnabled()
    assert window.undo_action.text() == "Undo Change lens of 001_0020"
    assert window.redo_action.isEnabled()
    assert window.redo_action.text() == "Redo Change size of 001_0030"
    window.undo_action.trigger()
    assert window.session.shot("001_0020").lens_mm == 35  # the default it had
    window.redo_action.trigger()
    window.redo_action.trigger()
    assert window.session.shot("001_0020").lens_mm == 85
    assert window.session.shot("001_0030").size == "ecu"
    window.close_project()
    with ProjectSession.open(root) as again:  # the history moved with the stack
        assert again.undo_name() == "Change size of 001_0030"
