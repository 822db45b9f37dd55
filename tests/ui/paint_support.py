"""Comparing what the screen shows of a widget (its window's backing store, painted piece by piece as the
widget repainted only what it thought had changed) with the widget painted whole, for the tests of partial
repaints."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

RGB32 = QImage.Format.Format_RGB32


def settle(rounds: int = 5) -> None:
    for _ in range(rounds):
        QApplication.processEvents()  # the pending paints


def on_screen(widget) -> QImage:
    """What the screen shows of ``widget`` now, as RGB32."""
    return widget.screen().grabWindow(widget.winId()).toImage().convertToFormat(RGB32)


def painted_whole(widget) -> QImage:
    """``widget`` painted whole (``grab()`` sends it a paint event of its whole rect), as RGB32."""
    return widget.grab().toImage().convertToFormat(RGB32)


def stale_pixels(shown: QImage, fresh: QImage) -> list[tuple[int, int]]:
    """The (x, y) of every pixel where the two images of one size differ."""
    assert shown.size() == fresh.size()
    return [
        (x, y)
        for y in range(shown.height())
        for x in range(shown.width())
        if shown.pixel(x, y) != fresh.pixel(x, y)
    ]


def scroll_corner(browser, tree) -> set[tuple[int, int]]:
    """The (x, y) in ``browser`` of the square between ``tree``'s two scroll bars and the frame around it:
    ``grab()`` paints it otherwise than the screen shows it, with or without any cache (Qt's own)."""
    h, v = tree.horizontalScrollBar(), tree.verticalScrollBar()
    if not (h.isVisible() and v.isVisible()):
        return set()
    left = v.mapTo(browser, v.rect().topLeft()).x()
    top = h.mapTo(browser, h.rect().topLeft()).y()
    right = tree.mapTo(browser, tree.rect().bottomRight())
    return {(x, y) for x in range(left, right.x() + 1) for y in range(top, right.y() + 1)}


class PaintRegions(QObject):
    """An event filter: the area (pixels) of each region the watched widget was asked to paint."""

    def __init__(self) -> None:
        super().__init__()
        self.areas: list[int] = []

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.Paint:
            self.areas.append(sum(r.width() * r.height() for r in event.region()))
        return False


def shot_browser(qtbot, controller, shots_per_scene: int):
    """A shot browser, 420 × 300 and shown, on the controller's project with ``shots_per_scene`` more shots
    in scenes 1 and 2."""
    from previz.ui.browser.browser import ShotBrowser
    from previz.ui.thumbnails import ThumbnailCache

    session = controller.session
    for number in ("1", "2"):
        for i in range(shots_per_scene):
            session.add_shot(number, action=f"more {i}")
    browser = ShotBrowser(controller, ThumbnailCache(session))
    qtbot.addWidget(browser)
    browser.resize(420, 300)
    browser.show()
    qtbot.waitExposed(browser)
    return browser


def shows_what_qt_paints(browser, what: str) -> None:
    """The browser on the screen (its tree's rows painted piece by piece, from pictures) is what Qt paints
    itself, the tree's viewport see-through as Qt makes it."""
    tree = browser.tree
    settle()
    shown = on_screen(browser)
    tree.cache_rows = False
    fresh = painted_whole(browser)
    tree.cache_rows = True
    corner = scroll_corner(browser, tree)
    stale = [p for p in stale_pixels(shown, fresh) if p not in corner]
    assert not stale, f"after {what}: {len(stale)} pixels differ from Qt's own paint, e.g. {stale[:5]}"
