"""Every inspector field explains itself (a tooltip), and the inspector fits a 1600-pixel-wide window."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication
from ui.ui_inspector_support import editable_widgets

from previz.ui.inspector.inspector import ShotInspector


def test_every_editable_field_has_a_tooltip(qtbot, controller):
    inspector = ShotInspector(controller)
    qtbot.addWidget(inspector)
    controller.set_current_shot("001_0010")
    widgets = editable_widgets(inspector)
    assert len(widgets) >= 19
    missing = [name for name, w in inspector.fields.items() if not w.toolTip().strip()]
    missing += [type(w).__name__ for w in widgets if not w.toolTip().strip()]
    assert missing == []


def test_sizes_and_moves_read_as_people_write_them(qtbot, controller):
    session = controller.session
    session.set_shot("001_0010", size="mcu", move="dolly_zoom")
    inspector = ShotInspector(controller)
    qtbot.addWidget(inspector)
    controller.set_current_shot("001_0010")
    sizes, moves = inspector.fields["size"], inspector.fields["move"]
    assert [sizes.itemText(i) for i in range(sizes.count())] == [
        "EWS", "WS", "MS", "MCU", "CU", "ECU", "Insert", "OTS", "POV"
    ]  # fmt: skip
    assert (sizes.currentText(), moves.currentText()) == ("MCU", "dolly zoom")
    assert {"push in", "pull out", "dolly zoom"} <= {moves.itemText(i) for i in range(moves.count())}
    moves.setCurrentIndex(moves.findText("push in"))
    moves.activated.emit(moves.currentIndex())
    assert session.shot("001_0010").move == "push_in"  # stored as before


def test_the_inspector_fits_a_1600_pixel_window_without_a_horizontal_scrollbar(qtbot, project):
    from previz.ui.main_window import MainWindow

    project.set_shot("001_0010", prompt="a very long prompt " * 20, model="a-model-with-a-long-name-" * 4)
    root = project.root
    project.close()
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1600, 900)
    assert window.open_project(root)
    window.show()
    qtbot.waitExposed(window)
    QApplication.processEvents()
    inspector = window.widgets["inspector"]
    assert inspector.isVisible() and inspector.width() <= 600
    area = inspector.scroll
    assert not area.horizontalScrollBar().isVisible()
    assert inspector.body.minimumSizeHint().width() <= area.viewport().width()  # nothing is cut off
    window.close_project()


def test_timeline_clips_name_size_and_move_as_people_write_them(qtbot, controller):
    from previz.ui.timeline.timeline import Timeline

    session = controller.session
    session.set_shot("001_0010", size="mcu", move="push_in")
    timeline = Timeline(controller)
    qtbot.addWidget(timeline)
    assert timeline.clips["001_0010"].toolTip() == "001_0010 · MCU · push in"
    controller.edit(lambda: session.set_shot("001_0010", size="insert", move="dolly_zoom"))
    assert timeline.clips["001_0010"].toolTip() == "001_0010 · Insert · dolly zoom"
    assert session.shot("001_0010").size == "insert"  # stored as before


def test_browser_shows_size_and_move_as_people_write_them(qtbot, controller):
    from PySide6.QtCore import Qt

    from previz.ui.browser.browser import ShotBrowser
    from previz.ui.thumbnails import ThumbnailCache

    session = controller.session
    session.set_shot("001_0010", size="ecu", move="pull_out")
    browser = ShotBrowser(controller, ThumbnailCache(session))
    qtbot.addWidget(browser)
    grid = browser.grid_model
    assert grid.index(0).data().splitlines()[0] == "001_0010  ECU · pull out"
    tree = browser.tree_model
    tip = tree.index_of_shot("001_0010").data(Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("001_0010 · ECU · pull out: beat 0 of scene 1")
