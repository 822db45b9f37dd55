"""Nothing changes by accident: a mouse wheel over a combo box, spin box or slider the user has not focused
scrolls the surrounding scroll area instead of changing the value.

One application-wide event filter, installed once at startup (:func:`install_wheel_guard`): it gives those
widgets ``Qt.StrongFocus`` when they are polished (so a wheel no longer grabs focus, as ``Qt.WheelFocus``
does), and hands a wheel over an unfocused one to the nearest scroll area around it. A focused field still
takes the wheel: the user clicked or tabbed into it, so turning the wheel there is deliberate.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QScrollBar,
    QWidget,
)

#: Widgets whose value a wheel would change.
GUARDED = (QComboBox, QAbstractSpinBox, QAbstractSlider)


def is_guarded(widget: object) -> bool:
    """True for a value widget a stray wheel must not change (a scroll bar is what scrolls, so it is not)."""
    return isinstance(widget, GUARDED) and not isinstance(widget, QScrollBar)


def scroll_area_around(widget: QWidget) -> QAbstractScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractScrollArea):
            return parent
        parent = parent.parentWidget()
    return None


class WheelGuard(QObject):
    """The application event filter (see the module's description)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        kind = event.type()
        if kind == QEvent.Type.Polish and is_guarded(watched):
            if watched.focusPolicy() & Qt.FocusPolicy.WheelFocus == Qt.FocusPolicy.WheelFocus:
                watched.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            return False
        if kind != QEvent.Type.Wheel or not is_guarded(watched) or watched.hasFocus():
            return False
        area = scroll_area_around(watched)
        if area is not None:
            QApplication.sendEvent(area.viewport(), event)
        event.accept()  # handled here: not passed on to the widget's parents a second time
        return True  # the value stays as it is


_guard: WheelGuard | None = None


def install_wheel_guard(app: QApplication) -> WheelGuard:
    """Install the guard on ``app`` once (calling again changes nothing); returns it."""
    global _guard
    if _guard is None:
        _guard = WheelGuard(app)
        app.installEventFilter(_guard)
        for widget in app.allWidgets():  # those polished before the guard came
            if is_guarded(widget) and widget.focusPolicy() == Qt.FocusPolicy.WheelFocus:
                widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    return _guard
