"""Nothing changes by accident: a mouse wheel over a combo box, spin box or slider the user has not focused
scrolls the surrounding scroll area instead of changing the value.

Installed once at startup (:func:`install_wheel_guard`) as a thin proxy over the application's style:
Qt asks the style to polish every widget once, and the guard takes that moment to give the value widgets
``Qt.StrongFocus`` (so a wheel no longer grabs focus, as ``Qt.WheelFocus`` does) and an event filter of
their own, which hands a wheel over an unfocused one to the nearest scroll area around it. No Python runs
for the events of any other widget (an application-wide filter ran for every event: ~13,000 during
launch). A focused field still takes the wheel: the user clicked or tabbed into it, so turning the wheel
there is deliberate.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QProxyStyle,
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
    """The event filter of each guarded widget (see the module's description)."""

    def guard(self, widget: QWidget) -> None:
        """Guard one value widget (guarding it again changes nothing)."""
        if widget.focusPolicy() & Qt.FocusPolicy.WheelFocus == Qt.FocusPolicy.WheelFocus:
            widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        widget.installEventFilter(self)  # installed again: Qt keeps one

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() != QEvent.Type.Wheel or watched.hasFocus():
            return False
        area = scroll_area_around(watched)
        if area is not None:
            QApplication.sendEvent(area.viewport(), event)
        event.accept()  # handled here: not passed on to the widget's parents a second time
        return True  # the value stays as it is


class _GuardingStyle(QProxyStyle):
    """The application's style, guarding each value widget as Qt polishes it."""

    def __init__(self, base: str, guard: WheelGuard) -> None:
        super().__init__(base)
        self.guard = guard

    def polish(self, what):  # polish(QWidget), polish(QPalette) and polish(QApplication) in one
        if isinstance(what, QWidget) and is_guarded(what):
            self.guard.guard(what)
        return super().polish(what)


_guard: WheelGuard | None = None
_style: _GuardingStyle | None = None  # the style in use, kept alive with its Python polish()
#: The theme's style (``previz.ui.theme.apply_theme``), which the guarding style wraps.
BASE_STYLE = "Fusion"


def install_wheel_guard(app: QApplication) -> WheelGuard:
    """Install the guard on ``app``; returns it. Called again (after the theme set its style anew) it
    wraps the new style; widgets are guarded once."""
    global _guard, _style
    if _guard is None:
        _guard = WheelGuard(app)
    _style = _GuardingStyle(BASE_STYLE, _guard)
    app.setStyle(_style)
    for widget in app.allWidgets():  # those polished before the guard came
        if is_guarded(widget):
            _guard.guard(widget)
    return _guard
