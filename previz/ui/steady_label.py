"""A one-line label for text that changes while the app works: the viewer's timecode and the shot under the
playhead (every frame played, every shot added).

A ``QLabel`` asks its parent's layout to run again at every new text (``updateGeometry``), and the request
climbs from layout to layout: the viewer's transport bar, the viewer, and the main window, which lays out
its docks again — ~0.8 ms of the UI thread for each shot added and for each frame played, in a window whose
layout did not change. Qt stops such a request at a widget whose size is fixed (its minimum equals its
maximum), so here the label is fixed at the size its strip was given, the strip asks its layout for room
once (from ``sample``: the widest text it shows, or none for a strip that takes what is left), and a new
text only repaints the label. A text wider than the strip is elided (``…``); ``text()`` is the whole text.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

_RESTYLED = (QEvent.Type.FontChange, QEvent.Type.StyleChange)


class SteadyLabel(QWidget):
    """``sample``: the widest text the label shows (its strip asks for that width, fixed); None: the strip
    takes the room its layout leaves it (a stretch)."""

    def __init__(self, text: str = "", *, object_name: str, sample: str | None = None, parent=None) -> None:
        super().__init__(parent)
        self._text = text
        self._sample = sample
        self.label = QLabel(text, self, objectName=object_name)
        self.label.installEventFilter(self)
        horizontal = QSizePolicy.Policy.Fixed if sample is not None else QSizePolicy.Policy.Ignored
        self.setSizePolicy(horizontal, QSizePolicy.Policy.Fixed)

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:  # noqa: N802 - Qt API
        if text != self._text:
            self._text = text
            self._show()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        label = self.label
        label.ensurePolished()  # the style sheet's font (``QLabel#timecode``)
        metrics = QFontMetricsF(label.font())  # the text's real width, fractions of a pixel included
        margins = label.contentsMargins()
        pad = 2 * label.margin()
        width = 0
        if self._sample is not None:
            width = math.ceil(metrics.horizontalAdvance(self._sample))
            width += margins.left() + margins.right() + pad
        height = math.ceil(metrics.height()) + margins.top() + margins.bottom() + pad
        return QSize(width, height)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return self.sizeHint()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.label.setFixedSize(event.size())
        self._show()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if watched is self.label and event.type() in _RESTYLED:
            self.updateGeometry()  # another font: another width and height
        return False

    def _show(self) -> None:
        label = self.label
        margins = label.contentsMargins()
        room = label.width() - margins.left() - margins.right() - 2 * label.margin()
        metrics = QFontMetricsF(label.font())
        shown = self._text
        if metrics.horizontalAdvance(shown) > room:
            shown = metrics.elidedText(shown, Qt.TextElideMode.ElideRight, max(room, 0))
        label.setText(shown)
        tip = self._text if shown != self._text else ""
        if label.toolTip() != tip:
            label.setToolTip(tip)
