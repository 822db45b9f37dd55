"""What the timeline draws over the clips while a drag is under way: the ghost of the dragged clips where
they will land, the insertion marker with its label, the snap guide and the trim readout, and the rubber
band. All are hidden between drags."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsLineItem, QGraphicsRectItem

MARKER = QColor("#ffd166")  # where things go, staying in their scene
CROSSING = QColor("#ff8c42")  # where things go, into another scene
SNAP = QColor("#4dd0e1")


class LabelItem(QGraphicsItem):
    """A line of text on a dark box, placed by its top-left (kept inside the scene's left edge)."""

    def __init__(self, z: float = 12) -> None:
        super().__init__()
        self.text = ""
        self.colour = MARKER
        self.font = QFont()
        self.font.setPixelSize(11)
        self.font.setBold(True)
        self.setZValue(z)
        self.hide()

    def set(self, text: str, colour: QColor, x: float, y: float, right: float | None = None) -> None:
        """Show ``text`` at (x, y), moved left as needed to end before ``right`` (the visible edge)."""
        self.prepareGeometryChange()
        self.text, self.colour = text, colour
        if right is not None:
            x = min(x, right - self.boundingRect().width() - 2)
        self.setPos(max(0.0, x), y)
        self.show()

    def boundingRect(self) -> QRectF:
        metrics = QFontMetricsF(self.font)
        return QRectF(0, 0, metrics.horizontalAdvance(self.text) + 12, metrics.height() + 6)

    def paint(self, p: QPainter, option, widget=None) -> None:
        r = self.boundingRect()
        p.setPen(QPen(self.colour, 1))
        p.setBrush(QBrush(QColor(12, 13, 15, 230)))
        p.drawRoundedRect(r.adjusted(0.5, 0.5, -0.5, -0.5), 3, 3)
        p.setFont(self.font)
        p.setPen(self.colour)
        p.drawText(r, Qt.AlignmentFlag.AlignCenter, self.text)


class GhostItem(QGraphicsRectItem):
    """The dragged clips, translucent, where they will land."""

    def __init__(self) -> None:
        super().__init__()
        self.text = ""
        self.colour = MARKER
        self.setZValue(8)
        self.hide()

    def set(self, rect: QRectF, text: str, colour: QColor) -> None:
        self.text, self.colour = text, colour
        self.setRect(rect)
        self.show()

    def paint(self, p: QPainter, option, widget=None) -> None:
        r = self.rect()
        fill = QColor(self.colour).darker(300)
        fill.setAlpha(200)  # opaque enough that the clip under it does not read through
        p.setBrush(QBrush(fill))
        p.setPen(QPen(self.colour, 1.5, Qt.PenStyle.DashLine))
        p.drawRoundedRect(r.adjusted(0.75, 0.75, -0.75, -0.75), 3, 3)
        if r.width() > 24:
            p.setPen(QColor("#ffffff"))
            font = QFont()
            font.setPixelSize(11)
            font.setBold(True)
            p.setFont(font)
            text = p.fontMetrics().elidedText(self.text, Qt.TextElideMode.ElideRight, int(r.width() - 8))
            p.drawText(
                r.adjusted(4, 0, -4, 0), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text
            )


def guide(colour: QColor, width: float, style=Qt.PenStyle.SolidLine, z: float = 9) -> QGraphicsLineItem:
    item = QGraphicsLineItem()
    pen = QPen(colour, width)
    pen.setStyle(style)
    item.setPen(pen)
    item.setZValue(z)
    item.hide()
    return item


class DragOverlay:
    """The overlay items of one timeline scene."""

    def __init__(self, scene, visible_right=None) -> None:
        self.visible_right = visible_right or (lambda: None)  # the scene x where the view's right edge is
        self.ghost = GhostItem()
        self.marker = guide(MARKER, 3)
        self.label = LabelItem()
        self.snap = guide(SNAP, 1.5, Qt.PenStyle.DashLine, z=11)
        self.snap_label = LabelItem(z=12)
        self.readout = LabelItem(z=13)
        self.band = QGraphicsRectItem()
        self.band.setPen(QPen(SNAP, 1, Qt.PenStyle.DashLine))
        self.band.setBrush(QBrush(QColor(77, 208, 225, 40)))
        self.band.setZValue(14)
        self.band.hide()
        for item in self.items():
            scene.addItem(item)

    def items(self) -> list[QGraphicsItem]:
        return [self.ghost, self.marker, self.label, self.snap, self.snap_label, self.readout, self.band]

    def show_insertion(self, x: float, top: float, bottom: float, text: str, crossing: bool) -> None:
        colour = CROSSING if crossing else MARKER
        pen = self.marker.pen()
        pen.setColor(colour)
        self.marker.setPen(pen)
        self.marker.setLine(x, top, x, bottom)
        self.marker.show()
        self.label.set(text, colour, x + 4, bottom + 2, self.visible_right())

    def show_snap(self, x: float, top: float, bottom: float, what: str | None) -> None:
        if what is None:
            self.snap.hide()
            self.snap_label.hide()
            return
        self.snap.setLine(x, top, x, bottom)
        self.snap.show()
        self.snap_label.set(f"snap: {what}", SNAP, x + 4, top, self.visible_right())

    def hide(self) -> None:
        for item in self.items():
            item.hide()

    def visible(self) -> dict[str, bool]:
        names = ("ghost", "marker", "label", "snap", "snap_label", "readout", "band")
        return {n: getattr(self, n).isVisible() for n in names}
