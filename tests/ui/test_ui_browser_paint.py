"""The shot browser's tree paints each row and cell once and copies it after that (an added shot repaints
every row below it). What it shows must be exactly what Qt paints itself, with the app's theme, after edits
that move rows, grey out an omitted shot, change the selection, give the tree the focus, elide, collapse
and filter. (Its header, whose layout the tree skips when only rows changed, is in the picture too.)"""

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QStyledItemDelegate
from ui.paint_support import scroll_corner

from previz.ui import authoring
from previz.ui.browser.browser import ShotBrowser
from previz.ui.browser.cell_cache import CachedCellDelegate
from previz.ui.thumbnails import ThumbnailCache


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
        corner = scroll_corner(browser, tree)
        stale = sum(
            a != b
            for i, (a, b) in enumerate(zip(_pixels(shown), _pixels(fresh)))
            if (i % shown.width(), i // shown.width()) not in corner
        )
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
        # rows down to the viewport's foot, where the frame's rounded corners show beside the last one
        lambda: [controller.edit(lambda: session.add_shot("2", action="more")) for _ in range(30)],
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


def test_the_trees_header_is_set_up_as_qts_own(qtbot, controller):
    """The scene tree makes its own header (to skip laying it out with the rows): it must look and behave
    as the one a QTreeView makes (left-aligned titles, movable sections, the last one stretched)."""
    from PySide6.QtWidgets import QTreeView

    browser = ShotBrowser(controller, ThumbnailCache(controller.session))
    qtbot.addWidget(browser)
    view = QTreeView()
    qtbot.addWidget(view)
    own, qts = browser.tree.header(), view.header()
    assert own.defaultAlignment() == qts.defaultAlignment()
    assert own.sectionsMovable() == qts.sectionsMovable()
    assert not own.stretchLastSection()  # the browser turns it off, as it did on Qt's own header
    made = type(own)(view)
    assert made.stretchLastSection() == qts.stretchLastSection()


def test_a_new_palette_or_font_repaints_every_row(qtbot, controller):
    """Kept pictures of rows belong to the tree's style, palette and font: changing one drops them."""
    from PySide6.QtGui import QFont, QPalette

    browser = ShotBrowser(controller, ThumbnailCache(controller.session))
    qtbot.addWidget(browser)
    browser.resize(420, 360)
    browser.show()
    qtbot.waitExposed(browser)
    tree = browser.tree

    def kept() -> bool:  # a row is painted in place the first time, kept as a picture the second
        tree.viewport().repaint()
        return bool(tree._rows)

    qtbot.waitUntil(kept)
    palette = QPalette(tree.palette())
    palette.setColor(QPalette.ColorRole.Text, palette.color(QPalette.ColorRole.Highlight))
    tree.setPalette(palette)
    assert not tree._rows and not tree._once
    qtbot.waitUntil(kept)
    font = QFont(tree.font())
    font.setPointSize(font.pointSize() + 3)
    tree.setFont(font)
    assert not tree._rows
