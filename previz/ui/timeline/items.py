"""The timeline's scene items: the shot clips on the video lane and the timecode ruler, with the lanes'
geometry every part of the timeline shares."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem

from previz.ui.theme import status_colour

RULER_H = 24
VIDEO_Y = 30
CLIP_H = 66
AUDIO_Y = VIDEO_Y + CLIP_H + 8
AUDIO_H = 30
HANDLE = 7
LEFT = 10
RULER_EXTENT = float(1 << 28)  # px: the ruler's fixed width (50 hours of cut at the closest zoom)


class RulerItem(QGraphicsItem):
    def __init__(self, timeline) -> None:
        super().__init__()
        self.timeline = timeline
        self.setZValue(5)
        # paint only the exposed part (the ruler is as wide as the whole cut)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)

    def boundingRect(self) -> QRectF:
        # as long as any cut can be, so a longer cut is no change of geometry (which repainted the whole
        # visible ruler on every add): paint() draws only up to the cut's end, as a bound this wide did
        return QRectF(0, 0, RULER_EXTENT, RULER_H)

    def paint(self, p: QPainter, option, widget=None) -> None:
        tl = self.timeline
        exposed = option.exposedRect.intersected(QRectF(0, 0, tl.scene_width(), RULER_H))
        if exposed.isEmpty():
            return
        p.fillRect(QRectF(exposed.left(), 0, exposed.width(), RULER_H), QColor("#202328"))
        p.setPen(QColor("#3b4047"))
        p.drawLine(QPointF(exposed.left(), RULER_H - 0.5), QPointF(exposed.right(), RULER_H - 0.5))
        if tl.cut is None:
            return
        fps = float(tl.rate.fraction)
        # a labelled tick at least every 90 px, on a whole number of seconds (or frames when zoomed in)
        candidates = [1, 2, 5, 10] + [int(fps * s) for s in (1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)]
        step = next((c for c in candidates if c * tl.ppf >= 90), candidates[-1])
        first = max(0, int(tl.frame_at(exposed.left())) // step * step)
        last = int(tl.frame_at(exposed.right())) + step
        font = QFont()
        font.setPixelSize(10)
        p.setFont(font)
        for frame in range(first, last, step):
            x = tl.x_of(frame)
            p.setPen(QColor("#5b616b"))
            p.drawLine(QPointF(x, RULER_H - 8), QPointF(x, RULER_H))
            p.setPen(QColor("#9aa0a8"))
            p.drawText(QPointF(x + 3, RULER_H - 10), tl.cut.timecode(frame))


_LABEL_FONT: list[QFont] = []


def _label_font() -> QFont:
    """The clip label's font, made once (not once per clip per paint)."""
    if not _LABEL_FONT:
        font = QFont()
        font.setPixelSize(11)
        font.setBold(True)
        _LABEL_FONT.append(font)
    return _LABEL_FONT[0]


class ClipItem(QGraphicsRectItem):
    def __init__(self, timeline, entry) -> None:
        super().__init__()
        self.timeline = timeline
        self.entry = entry
        self.preview_frames: int | None = None  # duration while a trim is dragged
        # the entry and zoom its rect was last laid out for (Timeline.layout_items skips it while both hold)
        self.placed = None
        self.placed_ppf: float | None = None
        self.left = self.right = 0.0  # its rect's x range, kept here (reading rect() back costs more)
        self.setZValue(1)
        self.setPen(QPen(Qt.PenStyle.NoPen))

    @property
    def code(self) -> str:
        return self.entry.code

    def place(self, left: float, right: float) -> None:
        """Its rect, from ``left`` to ``right`` on the video lane."""
        self.setRect(QRectF(left, VIDEO_Y, right - left, CLIP_H))
        self.left, self.right = left, right

    def paint(self, p: QPainter, option, widget=None) -> None:
        r = self.rect()
        selected = self.code == self.timeline.current_code or self.code in self.timeline.selected
        colour = status_colour(self.entry.status)
        if self.code in self.timeline.lifted:  # being dragged: its ghost shows where it goes
            p.setOpacity(0.35)
        if r.width() < 6:  # zoomed far out: a plain bar is all that can be seen
            p.fillRect(r, QColor("#ffffff") if selected else colour.darker(160))
            return
        p.setPen(QPen(QColor("#ffffff") if selected else QColor("#0c0d0f"), 2 if selected else 1))
        p.setBrush(QBrush(colour.darker(260)))
        p.drawRoundedRect(r.adjusted(0.5, 0.5, -0.5, -0.5), 3, 3)
        p.fillRect(QRectF(r.left() + 1, r.top() + 1, r.width() - 2, 4), colour)
        image = self.timeline.thumbnail_for(self.entry)
        text_left = r.left() + 5
        if image is not None and r.width() > 40:
            th = r.height() - 24
            tw = min(th * image.width() / max(1, image.height()), r.width() - 8)
            p.drawImage(QRectF(r.left() + 4, r.top() + 7, tw, th), image)
        if r.width() > 24:
            p.setFont(_label_font())
            p.setPen(QColor("#e6e8eb"))
            framing = self.timeline.framing_of(self.entry)  # "MCU · push in", as a shot list writes it
            label = f"{self.code}  {framing}" if framing else self.code
            label = p.fontMetrics().elidedText(label, Qt.TextElideMode.ElideRight, int(r.width() - 8))
            text_rect = QRectF(text_left, r.bottom() - 16, r.width() - 8, 14)
            p.drawText(text_rect, Qt.AlignmentFlag.AlignLeft, label)
        if self.preview_frames is not None:
            p.setPen(QColor("#ffd166"))
            p.drawText(
                QRectF(r.left(), r.top() + 8, r.width() - 6, 14),
                Qt.AlignmentFlag.AlignRight,
                f"{self.preview_frames}f",
            )
        p.fillRect(QRectF(r.right() - 3, r.top() + 10, 2, r.height() - 20), QColor(255, 255, 255, 60))
