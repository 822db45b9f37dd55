"""The shot browser's tree paints each row and cell once and copies it after that (an added shot repaints
every row below it). What it shows must be exactly what Qt paints itself, with the app's theme, after edits
that move rows, grey out an omitted shot, change the selection, give the tree the focus, elide, collapse
and filter. (Its header, whose layout the tree skips when only rows changed, is in the picture too.)"""

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QStyledItemDelegate

from previz.ui import authoring
from previz.ui.browser.browser import ShotBrowser
from previz.ui.browser.cell_cache import CachedCellDelegate
from previz.ui.theme import apply_theme
from previz.ui.thumbnails import ThumbnailCache


@pytest.fixture
def themed():
    app = QApplication.instance()
    style, sheet, palette = app.style().name(), app.styleSheet(), app.palette()
    apply_theme(app)
    yield
    app.setStyleSheet(sheet)
    app.setStyle(style)
    app.setPalette(palette)


def _pixels(image: QImage) -> list[int]:
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    return [image.pixel(x, y) for y in range(image.height()) for x in range(image.width())]


def test_the_tree_shows_what_qts_own_delegate_paints(qtbot, controller, themed):
    session = controller.session
    browser = ShotBrowser(controller, ThumbnailCache(session))
    qtbot.addWidget(browser)
    browser.resize(420, 360)
    browser.show()
    qtbot.waitExposed(browser)
    tree = browser.tree
    cached = tree.itemDelegate()
    assert isinstance(cached, CachedCellDelegate)
    plain = QStyledItemDelegate(tree)

    def shows_what_qt_paints(what: str) -> None:
        for _ in range(5):
            QApplication.processEvents()  # the pending paints, through the cache
        shown = browser.screen().grabWindow(browser.winId()).toImage()
        tree.setItemDelegate(plain)
        tree.cache_rows = False
        fresh = browser.grab().toImage()  # the whole browser painted by Qt: rows, cells, header
        tree.cache_rows = True
        tree.setItemDelegate(cached)
        assert shown.size() == fresh.size()
        stale = sum(a != b for a, b in zip(_pixels(shown), _pixels(fresh)))
        assert not stale, f"after {what}: {stale} pixels differ from Qt's own paint"

    shows_what_qt_paints("the first paint")
    steps = [
        lambda: authoring.add_shot(controller, "001_0010"),  # rows below move down: copied pictures
        lambda: controller.set_selection(["002_0010"]),
        lambda: authoring.omit(controller, ["001_0020"]),  # a grey foreground
        lambda: authoring.split_at(controller, "002_0010", 10),
        lambda: tree.setFocus(),  # the current cell's focus frame
        controller.undo_stack.undo,
        lambda: tree.setColumnWidth(0, 70),  # elided codes
        lambda: tree.collapse(tree.model().index(0, 0)),
        lambda: tree.collapse(tree.model().index(1, 0)),
        lambda: tree.expand(tree.model().index(0, 0)),
        lambda: browser.search.setText("002"),  # through the filter (another model: the header again)
        lambda: authoring.add_shot(controller, "002_0010"),
        lambda: browser.search.setText(""),
        # a column sized to its contents still grows for a longer code
        lambda: tree.header().setSectionResizeMode(0, tree.header().ResizeMode.ResizeToContents),
        lambda: controller.edit(lambda: session.set_shot("001_0010", code="001_0010_" + "W" * 50)),
    ]
    widths = []
    for i, step in enumerate(steps):
        step()
        shows_what_qt_paints(f"step {i}")
        widths.append(tree.header().sectionSize(0))
    assert widths[-1] > widths[-2]  # sized to its contents, the column grew for the longer code
    assert cached._pictures and tree._rows  # it did copy cells and rows
