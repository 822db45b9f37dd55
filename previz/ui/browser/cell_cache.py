"""A delegate that paints each cell of a text item view once and reuses the picture.

The style draws an item view's cell by laying its text out twice (once to place it, once to draw it) and
eliding it: in the shot browser's tree that was most of a repaint, and an added shot repaints the whole
viewport (every row below it moves down). Cells repeat — the same shot code, duration and status move to
another row, the same "draft" shows hundreds of times — so the first paint of a cell is kept as a pixmap
and later paints of an equal cell copy it: the same pixels, for less.

A cell is "equal" when what the style paints it from is: its text, foreground, decoration, the style
option's state, features, size and palette, and the device's pixel ratio. The picture is made on the
background the view shows under the cell (its base, or the alternate base), so antialiased text blends
exactly as it does when drawn in place. Selected and focused cells (a gradient whose last bits depend on
where it is drawn) are painted by the style each time: a handful per paint. A font, palette or style change
of the view clears the pictures. ``tests/ui/test_ui_browser_paint.py`` compares the pixels with Qt's own
delegate after edits, selection, focus, elision and collapse.

Measured (1,000-shot project, the tree's ~110 visible cells, CPU, best of 40): a full repaint of the tree's
viewport 2.9 ms → 2.1–2.2 ms; what is left is Qt's per-row work (the row option, branches, the
delegate call into Python).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, Qt
from PySide6.QtGui import QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

_D, _F, _DEC = Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.DecorationRole
_ALTERNATE = QStyleOptionViewItem.ViewItemFeature.Alternate
_PAINTED_IN_PLACE = (QStyle.StateFlag.State_Selected | QStyle.StateFlag.State_HasFocus).value
_CLEARED_BY = (QEvent.Type.FontChange, QEvent.Type.PaletteChange, QEvent.Type.StyleChange)


def _key_of(value):
    """A hashable stand-in for a role's value (a brush or icon by its colour or cache key)."""
    if value is None or isinstance(value, str):
        return value
    if hasattr(value, "cacheKey"):
        return value.cacheKey()
    if hasattr(value, "color"):
        return (value.color().rgba(), int(value.style().value))
    return repr(value)


def _colour_group(option) -> QPalette.ColorGroup:
    """The palette group the style paints a cell's background with (as ``QCommonStyle`` picks it)."""
    if not option.state & QStyle.StateFlag.State_Enabled:
        return QPalette.ColorGroup.Disabled
    if not option.state & QStyle.StateFlag.State_Active:
        return QPalette.ColorGroup.Inactive
    return QPalette.ColorGroup.Normal


class CachedCellDelegate(QStyledItemDelegate):
    """Paints a cell through the style the first time, then from its kept picture. For models whose
    items show only text, a foreground and a decoration (the roles in the key)."""

    # more distinct cells than this (a large project scrolled end to end): start over; ~10 KB a cell
    MAX_CELLS = 1024

    def __init__(self, view) -> None:
        super().__init__(view)
        self._pictures: dict[tuple, QPixmap] = {}
        view.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() in _CLEARED_BY:
            self._pictures.clear()
        return False

    def paint(self, painter: QPainter, option, index) -> None:
        state = option.state.value  # plain ints from here on: Qt's flags are slow Python enums
        if state & _PAINTED_IN_PLACE:
            # the selection and the focus frame are gradients whose last bits depend on where they are
            # drawn: the few such cells are painted by the style each time
            super().paint(painter, option, index)
            return
        rect = option.rect
        ratio = painter.device().devicePixelRatio()
        foreground, decoration = index.data(_F), index.data(_DEC)
        key = (
            index.data(_D),
            None if foreground is None else _key_of(foreground),
            None if decoration is None else _key_of(decoration),
            state,
            option.features.value,
            rect.width(),
            rect.height(),
            option.palette.cacheKey(),
            ratio,
        )
        picture = self._pictures.get(key)
        if picture is None:
            picture = self._paint_picture(option, index, ratio)
            if len(self._pictures) >= self.MAX_CELLS:
                self._pictures.clear()
            self._pictures[key] = picture
        painter.drawPixmap(rect.topLeft(), picture)

    def _paint_picture(self, option, index, ratio: float) -> QPixmap:
        rect = option.rect
        picture = QPixmap(rect.size() * ratio)
        picture.setDevicePixelRatio(ratio)
        # what the view shows under the cell, so the text's antialiasing blends as it does in place
        role = QPalette.ColorRole.AlternateBase if option.features & _ALTERNATE else QPalette.ColorRole.Base
        picture.fill(option.palette.color(_colour_group(option), role))
        at_origin = QStyleOptionViewItem(option)
        at_origin.rect = QRect(0, 0, rect.width(), rect.height())
        painter = QPainter(picture)
        try:
            super().paint(painter, at_origin, index)
        finally:
            painter.end()
        return picture
