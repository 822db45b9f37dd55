"""The viewer's position slider, repainted only when its handle moves.

An edit makes the cut a few frames longer or shorter and the viewer sets the slider's range to match; a
1,000-shot cut is ~70,000 frames over a few hundred pixels, so the handle rarely moves a pixel, yet
``QAbstractSlider`` repaints the whole slider (through the app's style sheet, ~1 ms) on every range or
value change. This slider remembers where it last painted its handle and repaints only the strips under the
old and the new handle when it moves, nothing when it stays (the style sheet draws a groove and a handle
only: nothing else depends on the range or the value). During playback it also saves the repaints of the
frames that do not move the handle.
"""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QAbstractSlider, QSlider, QStyle, QStyleOptionSlider

_SLACK = 6  # pixels each side of the handle's rect the style sheet may paint (margins, antialiasing)
_MOVES = (QAbstractSlider.SliderChange.SliderRangeChange, QAbstractSlider.SliderChange.SliderValueChange)


class PositionSlider(QSlider):
    def __init__(self, *args) -> None:
        super().__init__(*args)
        self._painted: QRect | None = None  # the handle's rect when it was last painted

    def handle_rect(self) -> QRect:
        opt = QStyleOptionSlider()
        self.initStyleOption(opt)
        return self.style().subControlRect(
            QStyle.ComplexControl.CC_Slider, opt, QStyle.SubControl.SC_SliderHandle, self
        )

    def sliderChange(self, change) -> None:  # noqa: N802 - Qt API
        if (
            change not in _MOVES
            or self._painted is None
            or self.tickPosition() != QSlider.TickPosition.NoTicks
        ):
            super().sliderChange(change)  # QAbstractSlider.sliderChange only repaints the whole slider
            return
        handle = self.handle_rect()
        if handle != self._painted:  # the strips of the old and the new handle, a little wider, full height
            for rect in (self._painted, handle):
                self.update(rect.left() - _SLACK, 0, rect.width() + 2 * _SLACK, self.height())
            self._painted = handle

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().paintEvent(event)
        if event.rect() == self.rect():  # a partial repaint leaves the handle where it was
            self._painted = self.handle_rect()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self._painted = None  # repainted whole: known again after that paint
        super().resizeEvent(event)

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self._painted = None  # a style, font or state change: repaint whole until painted whole again
        super().changeEvent(event)
