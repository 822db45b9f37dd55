"""Drawing on a frame: the note's vector strokes, painted with QPainter and drawn with the mouse.

Strokes are the dicts of :mod:`previz.core.strokes`: points normalised to the *picture rectangle* (not
the widget), widths and text sizes in pixels of a 1080-line frame, so a drawing made on a small viewer
lands on the same spot at the same relative weight on a full-screen one, in the PDF report and in exports.

:class:`DrawingOverlay` is a transparent child laid over a picture widget (it follows the parent's size).
It always paints the strokes it is told to *show* (the notes at the frame on screen); while *editing* it
takes the mouse and records new strokes with the current tool and colour, with its own stroke-level undo
(the note itself is saved through the project's undo stack by whoever owns the overlay).
:class:`DrawingToolbar` picks tool and colour.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QKeySequence,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLineEdit, QToolButton, QWidget

from previz.core.strokes import (
    DEFAULT_TEXT_SIZE,
    KINDS,
    PALETTE,
    REFERENCE_HEIGHT,
    colour_rgb,
    load_strokes,
    validate_stroke,
)

TOOL_LABELS = {"pen": "Pen", "arrow": "Arrow", "rect": "Rectangle", "ellipse": "Ellipse", "text": "Text"}
#: Width of new strokes, in pixels of a 1080-line frame.
STROKE_WIDTH = 6.0
TEXT_SIZE = DEFAULT_TEXT_SIZE * 1.5
#: A pen point closer than this (normalised) to the previous one is dropped.
MIN_STEP = 0.002


def qcolour(colour: str) -> QColor:
    return QColor(*colour_rgb(colour))


def _pt(rect: QRectF, point) -> QPointF:
    return QPointF(rect.x() + point[0] * rect.width(), rect.y() + point[1] * rect.height())


def _arrow_head(tail: QPointF, head: QPointF, width: float) -> QPolygonF | None:
    dx, dy = head.x() - tail.x(), head.y() - tail.y()
    length = math.hypot(dx, dy)
    if length < 1e-6:
        return None
    ux, uy = dx / length, dy / length
    head_len = min(length, max(8.0, width * 5.0))
    half = head_len * 0.6
    bx, by = head.x() - ux * head_len, head.y() - uy * head_len
    return QPolygonF([head, QPointF(bx - uy * half, by + ux * half), QPointF(bx + uy * half, by - ux * half)])


def paint_stroke(p: QPainter, rect: QRectF, stroke: dict[str, Any]) -> None:
    """Paint one validated stroke inside the picture rectangle ``rect``."""
    scale = rect.height() / REFERENCE_HEIGHT
    colour = qcolour(stroke["colour"])
    kind = stroke["kind"]
    points = [_pt(rect, q) for q in stroke["points"]]
    if kind == "text":
        font = QFont()
        font.setBold(True)
        font.setPixelSize(max(6, round(stroke.get("size", DEFAULT_TEXT_SIZE) * scale)))
        path = QPainterPath()
        ascent = QFontMetricsF(font).ascent()
        path.addText(QPointF(points[0].x(), points[0].y() + ascent), font, stroke["text"])
        outline = max(1.0, font.pixelSize() / 9)
        p.setPen(
            QPen(
                QColor(0, 0, 0, 200),
                outline,
                Qt.PenStyle.SolidLine,
                Qt.PenCapStyle.RoundCap,
                Qt.PenJoinStyle.RoundJoin,
            )
        )
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPath(path)
        p.fillPath(path, QBrush(colour))
        return
    width = max(1.0, stroke["width"] * scale)
    p.setPen(QPen(colour, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
    p.setBrush(Qt.BrushStyle.NoBrush)
    if kind == "pen":
        p.drawPolyline(QPolygonF(points))
    elif kind == "arrow":
        tail, head = points
        tri = _arrow_head(tail, head, width)
        if tri is None:
            p.drawPoint(head)
            return
        base = (tri[1] + tri[2]) / 2
        p.drawLine(tail, base)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QBrush(colour))
        p.drawPolygon(tri)
    elif kind == "rect":
        p.drawRect(QRectF(points[0], points[1]).normalized())
    elif kind == "ellipse":
        p.drawEllipse(QRectF(points[0], points[1]).normalized())


def paint_strokes(p: QPainter, rect: QRectF | QRect, strokes: list[Any]) -> None:
    """Paint stored strokes (malformed ones skipped, as when reading a damaged project)."""
    good, _ = load_strokes(list(strokes or []))
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setClipRect(QRectF(rect))
    for stroke in good:
        paint_stroke(p, QRectF(rect), stroke)
    p.restore()


class DrawingOverlay(QWidget):
    """A transparent layer over ``parent`` that shows strokes and, while editing, records new ones.

    ``picture_rect`` returns the rectangle of the picture inside the parent (letterboxing excluded);
    it defaults to the whole parent."""

    strokesChanged = Signal()

    def __init__(self, parent: QWidget, picture_rect: Callable[[], QRect] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DrawingOverlay")
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self._picture_rect = picture_rect or parent.rect
        self.shown: list[dict[str, Any]] = []  # strokes of saved notes at this frame
        self.strokes: list[dict[str, Any]] = []  # strokes of the note being written
        self._redo: list[dict[str, Any]] = []
        self._current: dict[str, Any] | None = None
        self.tool = "pen"
        self.colour = "red"
        self.editing = False
        self._text_edit: QLineEdit | None = None
        self.setGeometry(parent.rect())
        parent.installEventFilter(self)
        self.set_editing(False)
        self.raise_()

    # -------------------------------------------------------------- state
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if obj is self.parent() and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.parentWidget().rect())
        return False

    def picture_rect(self) -> QRect:
        return self._picture_rect()

    def set_shown(self, strokes: list[Any]) -> None:
        if strokes != self.shown:
            self.shown = list(strokes)
            self.update()

    def set_editing(self, on: bool) -> None:
        self.editing = on
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, not on)
        self.setCursor(Qt.CursorShape.CrossCursor if on else Qt.CursorShape.ArrowCursor)
        if not on:
            self._finish_text(commit=False)
            self._current = None
        self.update()

    def set_tool(self, tool: str) -> None:
        if tool not in KINDS:
            raise ValueError(f"unknown drawing tool {tool!r}")
        self._finish_text(commit=True)
        self.tool = tool

    def set_colour(self, colour: str) -> None:
        self.colour = colour

    def set_strokes(self, strokes: list[Any]) -> None:
        self.strokes = load_strokes(list(strokes or []))[0]
        self._redo.clear()
        self.update()
        self.strokesChanged.emit()

    def clear(self) -> None:
        self.set_strokes([])

    def add_stroke(self, stroke: dict[str, Any]) -> None:
        self.strokes.append(validate_stroke(stroke, len(self.strokes)))
        self._redo.clear()
        self.update()
        self.strokesChanged.emit()

    def undo_stroke(self) -> bool:
        if not self.strokes:
            return False
        self._redo.append(self.strokes.pop())
        self.update()
        self.strokesChanged.emit()
        return True

    def redo_stroke(self) -> bool:
        if not self._redo:
            return False
        self.strokes.append(self._redo.pop())
        self.update()
        self.strokesChanged.emit()
        return True

    # -------------------------------------------------------------- mouse
    def normalise(self, pos: QPointF) -> list[float]:
        r = self.picture_rect()
        x = (pos.x() - r.x()) / max(1, r.width())
        y = (pos.y() - r.y()) / max(1, r.height())
        return [round(min(1.0, max(0.0, x)), 6), round(min(1.0, max(0.0, y)), 6)]

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt API
        if not self.editing or event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        point = self.normalise(event.position())
        if self.tool == "text":
            self._start_text(event.position(), point)
            return
        self._finish_text(commit=True)
        self._current = {
            "kind": self.tool,
            "colour": self.colour,
            "width": STROKE_WIDTH,
            "points": [point, list(point)] if self.tool != "pen" else [point],
        }
        self.update()

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self._current is None:
            return super().mouseMoveEvent(event)
        point = self.normalise(event.position())
        points = self._current["points"]
        if self._current["kind"] == "pen":
            last = points[-1]
            if abs(point[0] - last[0]) + abs(point[1] - last[1]) >= MIN_STEP:
                points.append(point)
        else:
            points[1] = point
        self.update()

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self._current is None:
            return super().mouseReleaseEvent(event)
        self.mouseMoveEvent(event)
        stroke, self._current = self._current, None
        points = stroke["points"]
        if stroke["kind"] == "pen" and len(points) == 1:
            points.append(list(points[0]))  # a click is a dot
        if stroke["kind"] in ("rect", "ellipse") and (
            points[0][0] == points[1][0] or points[0][1] == points[1][1]
        ):
            self.update()  # a click with a shape tool draws nothing
            return
        self.add_stroke(stroke)

    def _start_text(self, pos: QPointF, point: list[float]) -> None:
        self._finish_text(commit=True)
        edit = QLineEdit(self)
        edit.setObjectName("DrawingText")
        edit.setPlaceholderText("text, Enter")
        edit.setStyleSheet(
            f"background: rgba(0,0,0,160); color: {qcolour(self.colour).name()}; border: 1px solid #888;"
        )
        edit.move(int(pos.x()), int(pos.y()))
        edit.resize(220, edit.sizeHint().height())
        edit.setProperty("point", point)
        edit.returnPressed.connect(lambda: self._finish_text(commit=True))
        edit.show()
        edit.setFocus()
        self._text_edit = edit

    def type_text(self, text: str) -> None:
        """Commit ``text`` at the pending text position (what typing and Enter do)."""
        if self._text_edit is not None:
            self._text_edit.setText(text)
            self._finish_text(commit=True)

    def _finish_text(self, commit: bool) -> None:
        edit, self._text_edit = self._text_edit, None
        if edit is None:
            return
        text = edit.text().strip()
        point = edit.property("point")
        edit.hide()
        edit.deleteLater()
        if commit and text:
            self.add_stroke(
                {
                    "kind": "text",
                    "colour": self.colour,
                    "points": [list(point)],
                    "text": text,
                    "size": TEXT_SIZE,
                }
            )

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self.editing and event.matches(QKeySequence.StandardKey.Undo):
            self.undo_stroke()
            return
        if self.editing and event.matches(QKeySequence.StandardKey.Redo):
            self.redo_stroke()
            return
        super().keyPressEvent(event)

    # -------------------------------------------------------------- paint
    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        strokes = self.shown + self.strokes + ([self._current] if self._current else [])
        if not strokes and not self.editing:
            return
        p = QPainter(self)
        rect = self.picture_rect()
        if self.editing:
            p.setPen(QPen(QColor(255, 255, 255, 90), 1, Qt.PenStyle.DashLine))
            p.drawRect(rect.adjusted(0, 0, -1, -1))
        paint_strokes(p, rect, strokes)
        p.end()


class DrawingToolbar(QWidget):
    """Tool and colour buttons for a :class:`DrawingOverlay`, with stroke undo and clear."""

    def __init__(self, overlay: DrawingOverlay, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DrawingToolbar")
        self.overlay = overlay
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        self.tools = QButtonGroup(self)
        self.tool_buttons: dict[str, QToolButton] = {}
        for kind in KINDS:
            b = QToolButton(text=TOOL_LABELS[kind], checkable=True)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.setToolTip(f"Draw: {TOOL_LABELS[kind].lower()}")
            b.clicked.connect(lambda _c=False, k=kind: overlay.set_tool(k))
            self.tools.addButton(b)
            self.tool_buttons[kind] = b
            layout.addWidget(b)
        self.tool_buttons[overlay.tool].setChecked(True)
        layout.addSpacing(8)
        self.colours = QButtonGroup(self)
        self.colour_buttons: dict[str, QToolButton] = {}
        for name in PALETTE:
            b = QToolButton(checkable=True)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.setToolTip(name)
            b.setFixedSize(22, 22)
            b.setStyleSheet(
                f"QToolButton {{ background: {qcolour(name).name()}; border: 2px solid #333; "
                "border-radius: 3px; }"
                "QToolButton:checked { border: 2px solid #fff; }"
            )
            b.clicked.connect(lambda _c=False, n=name: overlay.set_colour(n))
            self.colours.addButton(b)
            self.colour_buttons[name] = b
            layout.addWidget(b)
        self.colour_buttons.get(overlay.colour, next(iter(self.colour_buttons.values()))).setChecked(True)
        layout.addSpacing(8)
        undo = QToolButton(text="Undo stroke")
        undo.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        undo.clicked.connect(overlay.undo_stroke)
        clear = QToolButton(text="Clear")
        clear.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        clear.clicked.connect(overlay.clear)
        layout.addWidget(undo)
        layout.addWidget(clear)
        layout.addStretch(1)
