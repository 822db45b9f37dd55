"""Helpers for the inspector's tests: its editable widgets, and a mouse wheel turned over a widget."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QScrollBar,
    QWidget,
)

EDITABLE = (QComboBox, QAbstractSpinBox, QAbstractSlider, QLineEdit, QPlainTextEdit)


def editable_widgets(root) -> list:
    """Every widget of ``root`` a user can change a value in (not scroll bars, nor a combo's line edit)."""
    found = []
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, EDITABLE) or isinstance(widget, QScrollBar):
            continue
        if isinstance(widget, QLineEdit) and isinstance(widget.parentWidget(), (QComboBox, QAbstractSpinBox)):
            continue
        if isinstance(widget, QPlainTextEdit) and widget.isReadOnly():
            continue
        found.append(widget)
    return found


def wheel(widget, steps: int) -> None:
    """Turn the wheel ``steps`` notches down (negative: up) over the middle of ``widget``."""
    centre = QPointF(widget.width() / 2, widget.height() / 2)
    for _ in range(abs(steps)):
        event = QWheelEvent(
            centre,
            QPointF(widget.mapToGlobal(centre.toPoint())),
            QPoint(0, 0),
            QPoint(0, -120 if steps > 0 else 120),
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
            Qt.ScrollPhase.NoScrollPhase,
            False,
        )
        QApplication.sendEvent(widget, event)
