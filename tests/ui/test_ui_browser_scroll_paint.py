"""The scene tree's viewport is opaque (it paints what the frame and the window show under it from one
picture) and a scroll moves its rows instead of repainting them. What the screen shows must be exactly
what Qt paints itself, with the app's theme, after adds above, in and below the rows shown, at a scene's
end, undos, scrolls both ways, selection, focus, collapse and a resize."""

from PySide6.QtCore import Qt
from ui.paint_support import PaintRegions, on_screen, settle, shot_browser, shows_what_qt_paints, stale_pixels

from previz.ui import authoring

_OPAQUE = Qt.WidgetAttribute.WA_OpaquePaintEvent


def test_adds_and_scrolls_show_what_qt_paints(qtbot, controller, themed):
    browser = shot_browser(qtbot, controller, 20)
    tree = browser.tree
    assert tree.viewport().testAttribute(_OPAQUE)
    shows_what_qt_paints(browser, "the first paint")
    bar = tree.verticalScrollBar()
    steps = [
        ("an add in view", lambda: authoring.add_shot(controller, "001_0020")),
        ("a second add in view", lambda: authoring.add_shot(controller, "001_0010")),
        ("an add at the end of scene 1, below the view", lambda: authoring.add_shot(controller, scene="1")),
        ("a scroll down", lambda: bar.setValue(bar.value() + 4)),
        ("an add above the view", lambda: authoring.add_shot(controller, "001_0010")),
        ("a scroll up", lambda: bar.setValue(bar.value() - 2)),
        ("an undo (a row removed)", controller.undo_stack.undo),
        ("a redo", controller.undo_stack.redo),
        ("the focus", lambda: tree.setFocus()),
        ("an add with the focus", lambda: authoring.add_shot(controller, "001_0030")),
        ("a split", lambda: authoring.split_at(controller, "001_0040", 10)),
        ("to the end", lambda: bar.setValue(bar.maximum())),
        ("an add at the very end", lambda: authoring.add_shot(controller, scene="2")),
        ("a scroll up by a page", lambda: bar.setValue(bar.value() - bar.pageStep())),
        ("scene 1 collapsed", lambda: tree.collapse(tree.model().index(0, 0))),
        ("an add in a collapsed scene", lambda: authoring.add_shot(controller, "001_0010")),
        ("scene 1 opened", lambda: tree.expand(tree.model().index(0, 0))),
        ("to the top", lambda: bar.setValue(0)),
        ("a wider window", lambda: browser.resize(460, 320)),
        ("an add after the resize", lambda: authoring.add_shot(controller, "001_0010")),
    ]
    for what, step in steps:
        step()
        shows_what_qt_paints(browser, what)


def test_a_scroll_repaints_only_the_rows_it_brings_in(qtbot, controller, themed):
    """Opaque, the viewport's rows are moved by a scroll, not painted again (see-through, as Qt has it
    with the style sheet, every scroll repainted the whole viewport)."""
    browser = shot_browser(qtbot, controller, 20)
    tree = browser.tree
    settle()
    regions = PaintRegions()
    tree.viewport().installEventFilter(regions)
    bar = tree.verticalScrollBar()
    bar.setValue(bar.value() + 2)
    settle()
    tree.viewport().removeEventFilter(regions)
    assert regions.areas, "the scroll was not painted"
    viewport = tree.viewport()
    assert sum(regions.areas) < viewport.width() * viewport.height() // 2
    shows_what_qt_paints(browser, "the scroll")


def test_without_the_style_sheet_the_viewport_is_left_as_qt_has_it(qtbot, controller):
    """Without the app's theme the viewport fills its own background (it is opaque already)."""
    browser = shot_browser(qtbot, controller, 2)
    viewport = browser.tree.viewport()
    if viewport.autoFillBackground():
        assert not viewport.testAttribute(_OPAQUE)
    authoring.add_shot(controller, "001_0010")
    shows_what_qt_paints(browser, "an add")


_HIGH_DPI_CHECK = """
import sys
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication
from previz.core.session import ProjectSession
from previz.ui.browser.browser import ShotBrowser
from previz.ui.controller import ProjectController
from previz.ui.theme import apply_theme
from previz.ui.thumbnails import ThumbnailCache

app = QApplication([])
apply_theme(app)
session = ProjectSession.create(sys.argv[1], name="Film", fps="24", size="320x192")
session.add_scene("EXT. LIGHTHOUSE - NIGHT", number="1")
for i in range(30):
    session.add_shot("1", action=f"beat {i}")
browser = ShotBrowser(ProjectController(session), ThumbnailCache(session))
browser.resize(420, 300)
browser.show()
for _ in range(5):
    app.processEvents()
tree = browser.tree
opaque = Qt.WidgetAttribute.WA_OpaquePaintEvent
assert tree.viewport().devicePixelRatio() == 2 and tree.viewport().testAttribute(opaque)
shown = browser.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
tree.cache_rows = False
fresh = browser.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
width, height = shown.width(), shown.height()
stale = sum(shown.pixel(x, y) != fresh.pixel(x, y) for y in range(height) for x in range(width))
print("STALE", stale)
session.close()
"""


def test_the_picture_under_the_viewport_at_twice_the_pixels(tmp_path):
    """At a device pixel ratio of 2 the picture of what is under the viewport is copied in its own
    pixels (a source rectangle in the viewport's units drew the wrong part of it: the frame's corners)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_SCALE_FACTOR": "2"}
    result = subprocess.run(
        [sys.executable, "-c", _HIGH_DPI_CHECK, str(tmp_path / "film")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "STALE 0" in result.stdout, result.stdout[-500:]


def _tree_in_window_shows_what_qt_paints(tree, what: str) -> None:
    """The tree (frame, viewport, scroll bars) as its window shows it on the screen, against the window's
    area painted whole by Qt (its widgets under the tree included)."""
    from PySide6.QtCore import QRect

    window = tree.window()
    settle()
    rect = QRect(tree.mapTo(window, tree.rect().topLeft()), tree.size())
    shown = on_screen(window).copy(rect)
    tree.cache_rows = False
    fresh = window.grab(rect).toImage().convertToFormat(shown.format())
    tree.cache_rows = True
    stale = stale_pixels(shown, fresh)
    assert not stale, f"after {what}: {len(stale)} pixels differ from Qt's own paint, e.g. {stale[:5]}"


def test_in_the_main_window_docked_and_floating(qtbot, tmp_path, themed):
    """The picture under the viewport is the window's widgets: docked in the main window and floating in
    a window of its own, the tree shows what Qt paints itself."""
    from PySide6.QtWidgets import QDockWidget

    from previz.core.session import ProjectSession
    from previz.ui.main_window import MainWindow

    session = ProjectSession.create(tmp_path / "film", name="Film", fps="24", size="320x192")
    session.add_scene("EXT. LIGHTHOUSE - NIGHT", number="1")
    for i in range(40):
        session.add_shot("1", action=f"beat {i}")
    root = session.root
    session.close()
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1000, 700)
    window.show()
    assert window.open_project(root)
    dock = window.findChild(QDockWidget, "dock_browser")
    tree = dock.widget().tree
    assert tree.viewport().testAttribute(_OPAQUE)
    authoring.add_shot(window.controller, "001_0020")
    _tree_in_window_shows_what_qt_paints(tree, "an add, docked")
    dock.setFloating(True)
    qtbot.waitExposed(dock)
    _tree_in_window_shows_what_qt_paints(tree, "floating")
    tree.verticalScrollBar().setValue(5)
    authoring.add_shot(window.controller, "001_0030")
    _tree_in_window_shows_what_qt_paints(tree, "an add, floating")
    window.close()
