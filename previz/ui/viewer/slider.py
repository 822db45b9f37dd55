"""Sliders and scroll bars repainted only where their handle moves.

An edit makes the cut a few frames longer or shorter and the views set their sliders' ranges to match: the
viewer's position slider, the timeline's and the shot tree's scroll bars. A 1,000-shot cut is ~70,000
frames over a few hundred pixels, so a handle rarely moves more than a pixel, yet ``QAbstractSlider``
repaints the whole widget (through the app's style sheet, with the dock under it) on every range or value
change. These remember where they last painted their handle and, when it moves, repaint only the strips
under the old and the new handle; nothing when it stays (the style sheet draws a groove and a handle only:
nothing else depends on the range or the value). During playback the slider also saves the repaints of the
frames that do not move its handle.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRect
from PySide6.QtWidgets import QAbstractSlider, QScrollBar, QSlider, QStyle, QStyleOptionSlider

_SLACK = 6  # pixels each side of the handle's rect the style sheet may paint (margins, antialiasing)
_MOVES_HANDLE = (QEvent.Type.StyleChange, QEvent.Type.FontChange, QEvent.Type.LayoutDirectionChange)
_MOVES = (QAbstractSlider.SliderChange.SliderRangeChange, QAbstractSlider.SliderChange.SliderValueChange)


class _RepaintsHandle:
    """Mixed into a ``QAbstractSlider`` subclass (before it); ``_CONTROL``: (complex control, handle).

    It keeps the handle that the screen shows or is about to show: every range or value change goes
    through ``sliderChange`` (the slider tracks), which repaints what moved and notes the new handle; a
    resize or a style, font or direction change repaints the whole widget and forgets it. (No paint event is
    overridden: a Python paint event on every whole-window repaint cost more than it saved.)"""

    _CONTROL: tuple

    _shown: tuple[QRect, bool] | None = None  # the handle's rect and whether there is a range

    def _handle(self) -> tuple[QRect, bool]:
        opt = QStyleOptionSlider()
        self.initStyleOption(opt)
        control, part = self._CONTROL
        return self.style().subControlRect(control, opt, part, self), self.maximum() > self.minimum()

    def _plain(self) -> bool:
        """Whether the style draws nothing else that the range or the value moves."""
        return True

    def sliderChange(self, change) -> None:  # noqa: N802 - Qt API
        shown = self._shown
        handle = self._shown = self._handle()
        if shown is None or change not in _MOVES or handle[1] != shown[1] or not self.hasTracking():
            super().sliderChange(change)  # QAbstractSlider.sliderChange only repaints the whole widget
        elif handle != shown and self._plain():
            vertical = self.orientation().value == 2  # the strips of the old and the new handle, widened
            for rect in (shown[0], handle[0]):
                if vertical:
                    self.update(0, rect.top() - _SLACK, self.width(), rect.height() + 2 * _SLACK)
                else:
                    self.update(rect.left() - _SLACK, 0, rect.width() + 2 * _SLACK, self.height())
        elif handle != shown:
            super().sliderChange(change)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self._shown = None  # repainted whole
        super().resizeEvent(event)

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.type() in _MOVES_HANDLE:  # the handle may be elsewhere: found again at the next change
            self._shown = None
        super().changeEvent(event)


class PositionSlider(_RepaintsHandle, QSlider):
    """The viewer's position slider."""

    _CONTROL = (QStyle.ComplexControl.CC_Slider, QStyle.SubControl.SC_SliderHandle)

    def _plain(self) -> bool:
        return self.tickPosition() == QSlider.TickPosition.NoTicks


class HandleScrollBar(_RepaintsHandle, QScrollBar):
    """A view's scroll bar (the timeline's, the shot tree's)."""

    _CONTROL = (QStyle.ComplexControl.CC_ScrollBar, QStyle.SubControl.SC_ScrollBarSlider)

    def _plain(self) -> bool:  # a transient scroll bar flashes on a change
        return not self.style().styleHint(QStyle.StyleHint.SH_ScrollBar_Transient, None, self)
