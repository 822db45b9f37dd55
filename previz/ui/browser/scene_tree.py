"""The shot browser's scene tree view: a ``QTreeView`` that repaints cheaply.

Adding or splitting a shot inserts a row, and every row below it moves down: the tree lays its rows out
again and repaints its whole viewport (~40 rows × 3 cells). Two things keep that short in a 1,000-shot
project, both without changing a pixel (``tests/ui/test_ui_browser_paint.py`` compares the screen with
Qt's own painting after edits, selection, focus, elision, collapse and a filter):

- **Rows are painted once and copied after that.** A row's picture depends on what its cells show, its
  place in the tree (depth, expanded, last of its siblings), the columns' geometry, the view's state
  (focus, enabled, active) and the row option; an equal row (the same shot moved down one place) is a
  copy of the pixmap. A selected row, the row of the current index while the tree has the focus, the
  row under the mouse (the selection is a gradient whose last bits depend on where it is drawn) and a row
  at the viewport's foot (the style sheet's rounded frame corners show beside its cells) are painted by
  Qt each time. Their cells still go through :class:`~previz.ui.browser.cell_cache.CachedCellDelegate`.
  A row seen for the first time (just added, scrolled into view) is painted in place, and kept as a
  picture only when it is painted again: making the picture cost more than the paint, and most such rows
  are not painted again soon.
- **The header is not laid out again with the rows** (see :class:`ColumnsHeader`).
- **The viewport is opaque.** With the app's style sheet Qt leaves it see-through and paints the tree's
  frame and the window's widgets under every part of it that repaints (~1 ms of the viewport's whole
  repaint), and a scroll cannot move the pixels already painted, so each one repainted the whole viewport
  (an added shot selected below the rows shown scrolls the tree). Marked opaque, the viewport paints what
  they would show from one picture of them (:meth:`SceneTree._paint_beneath`), and a scroll moves the
  rows and paints only the ones it brings in, with what a move leaves wrong: the frame's corners at the
  foot, the selection's gradient (:meth:`SceneTree.repaint_after_move`).
  ``tests/ui/test_ui_browser_scroll_paint.py`` compares the screen with Qt's own painting after adds,
  undos and scrolls both ways.
- **An added or removed shot moves the rows below it** (:mod:`previz.ui.browser.row_moves`) instead of
  Qt repainting the whole viewport after its layout: only the rows that came in, the row above them and
  the rows whose data changed are painted.

Measured (1,000-shot project in the main window, a full repaint of the tree's viewport, ~40 rows, CPU,
best of 40, five alternating rounds): Qt's own painting 4.5–4.8 ms, this view 1.7–2.1 ms. Opaque (median
of 40, three alternating rounds, load 8–9): the viewport's whole repaint with what Qt paints for it
1.4–1.9 → 0.8–1.3 ms, a scroll by three rows (an add in ``bench_authoring.py``) 2.5–3.0 → 1.0–2.5 ms.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QPoint, QRect, QRectF, Qt
from PySide6.QtGui import QCursor, QPainter, QPalette, QPixmap, QRegion
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeView, QWidget

from previz.ui.browser.cell_cache import CachedCellDelegate, _key_of
from previz.ui.browser.row_moves import RowMoves
from previz.ui.viewer.slider import HandleScrollBar

_REPAINTS_ALL = (QEvent.Type.StyleChange, QEvent.Type.PaletteChange, QEvent.Type.FontChange)
#: px: how far up from the viewport's foot the style sheet's rounded frame corners reach (3 px radius)
_CORNER = 4
_D, _F, _DEC = Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.DecorationRole
_OPAQUE = Qt.WidgetAttribute.WA_OpaquePaintEvent


class ColumnsHeader(QHeaderView):
    """The scene tree's header. The tree lays its rows out again after every added or split shot, and
    each time it has its header lay out and repaint too (~1 ms: the sections are drawn through the app's
    style sheet). With the same columns, sized by hand, there is nothing new to show: that layout is
    skipped. Anything else (a new model, other columns, sections sized to their contents) lays it out."""

    def __init__(self, parent) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.rows_only = False  # set by the tree while it lays out its rows
        # as QTreeView sets up the header it makes itself
        self.setSectionsMovable(True)
        self.setStretchLastSection(True)
        self.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)

    def doItemsLayout(self) -> None:  # noqa: N802 - Qt API
        if self.rows_only and self.count() == self.model().columnCount(self.rootIndex()):
            interactive = QHeaderView.ResizeMode.Interactive, QHeaderView.ResizeMode.Fixed
            if all(self.sectionResizeMode(i) in interactive for i in range(self.count())):
                return
        super().doItemsLayout()


def _place(index: QModelIndex, parent: QModelIndex | None = None) -> tuple[int, int]:
    """A row of a two-level tree as (its parent's row or -1, its row)."""
    parent = index.parent() if parent is None else parent
    return (parent.row() if parent.isValid() else -1), index.row()


def _cells_look(model, index: QModelIndex, parent: QModelIndex) -> tuple:
    """A row's look read from any model (through a filter): its cells' values and its place."""
    cells = []
    for column in range(model.columnCount(parent)):
        cell = index.siblingAtColumn(column)
        foreground, decoration = cell.data(_F), cell.data(_DEC)
        cells.append(
            (
                cell.data(_D),
                None if foreground is None else _key_of(foreground),
                None if decoration is None else _key_of(decoration),
                cell.flags().value,
            )
        )
    return tuple(cells), model.hasChildren(index), index.row() == model.rowCount(parent) - 1


class SceneTree(QTreeView):
    """A tree view whose rows are painted once and copied after that (see the module)."""

    # more distinct rows than this (a large project scrolled end to end): start over. A row's pixmap is
    # the viewport's width × one row (~30 KB for a 400 px wide tree): ~15 MB at most
    MAX_ROWS = 512

    def __init__(self) -> None:
        super().__init__()
        self.setHeader(ColumnsHeader(self))
        # an added shot makes the tree a row longer: the bar repainted only where its handle moves
        self.setVerticalScrollBar(HandleScrollBar(Qt.Orientation.Vertical))
        self.setItemDelegate(CachedCellDelegate(self))
        self._rows: dict[tuple, QPixmap] = {}
        self._once: set[tuple] = set()  # rows painted once in place (a picture is made the second time)
        self._beneath: tuple[tuple, QPixmap] | None = None  # what the viewport's ancestors paint under it
        self._row_height = 0  # px: the rows' height, as last painted (uniform rows)
        self.cache_rows = True  # False: every row painted by Qt (what the pictures are compared with)
        self._frame: tuple | None = None  # what every row's picture depends on, during one paint
        self._in_place: set[tuple[int, int]] = set()  # the current row, the one under the mouse (a paint)
        self._selected: list[tuple[int, int, int]] = []  # the selection's rows, (parent, top, bottom)
        self._moves = RowMoves(self)  # an added or removed shot moves the rows below it (``row_moves``)

    def setModel(self, model) -> None:  # noqa: N802 - Qt API
        super().setModel(model)
        self._moves.watch(model)

    def rowsAboutToBeRemoved(self, parent: QModelIndex, first: int, last: int) -> None:  # noqa: N802 - Qt API
        self._moves.removing(parent, first, last)  # before Qt drops its layout
        super().rowsAboutToBeRemoved(parent, first, last)

    @property
    def cache_rows(self) -> bool:
        return self._cache_rows

    @cache_rows.setter
    def cache_rows(self, on: bool) -> None:
        self._cache_rows = on
        self._opaque_viewport()

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.type() in _REPAINTS_ALL:
            self._rows.clear()  # pictures of another style, palette or font
            self._once.clear()
            self._beneath = None
        super().changeEvent(event)
        self._opaque_viewport()

    # -------------------------------------------------------------- an opaque viewport
    def _opaque_viewport(self) -> None:
        """With the app's style sheet the viewport is see-through: Qt paints the tree's frame and every
        ancestor under whatever part of it repaints (~1 ms for the whole viewport), and scrolling cannot
        move pixels already painted (every scroll repaints the whole viewport). Marked opaque, the viewport
        paints what they would show itself, from a picture of it made once (:meth:`_paint_beneath`)."""
        viewport = self.viewport()
        opaque = self._cache_rows and not viewport.autoFillBackground()
        viewport.setAttribute(_OPAQUE, opaque)
        # the scroll bars' style sheet fills their whole rect: nothing under them shows (an add that makes
        # the tree longer repaints the vertical one's handle, and with it the dock, the browser and the
        # tree's frame under it, ~0.5 ms)
        for bar in (self.verticalScrollBar(), self.horizontalScrollBar()):
            bar.setAttribute(_OPAQUE, opaque)

    def _paint_beneath(self, painter: QPainter, region: QRegion) -> None:
        """Paint ``region`` of the viewport as its ancestors show it there (the frame's base, its rounded
        corners at the foot): a picture of the window's widgets from the top down to the tree, each
        without its children, as Qt composes them on the screen; made again when the viewport moves or
        resizes or the style changes."""
        viewport = self.viewport()
        window = self.window()
        at = viewport.mapTo(window, QPoint(0, 0))
        size = viewport.size()
        state = (self.isEnabled(), self.isActiveWindow(), self.hasFocus())  # a style may draw the frame so
        key = (id(window), at.x(), at.y(), size.width(), size.height(), viewport.devicePixelRatio(), state)
        if self._beneath is None or self._beneath[0] != key:
            ratio = viewport.devicePixelRatio()
            picture = QPixmap(int(viewport.width() * ratio), int(viewport.height() * ratio))
            picture.setDevicePixelRatio(ratio)
            picture.fill(Qt.GlobalColor.transparent)
            chain = []
            widget = self
            while widget is not None:
                chain.append(widget)
                widget = None if widget.isWindow() else widget.parentWidget()
            for widget in reversed(chain):
                offset = viewport.mapTo(widget, QPoint(0, 0))
                flags = (
                    QWidget.RenderFlag.DrawWindowBackground if widget.isWindow() else QWidget.RenderFlag(0)
                )
                widget.render(picture, QPoint(0, 0), QRegion(QRect(offset, viewport.size())), flags)
            self._beneath = (key, picture)
        picture = self._beneath[1]
        ratio = picture.devicePixelRatio()
        for rect in region:  # the source rectangle is in the picture's device pixels
            source = QRectF(rect.x() * ratio, rect.y() * ratio, rect.width() * ratio, rect.height() * ratio)
            painter.drawPixmap(QRectF(rect), picture, source)

    def scrollContentsBy(self, dx: int, dy: int) -> None:  # noqa: N802 - Qt API
        """Qt moves the painted rows (the viewport is opaque: a scroll copies them and paints only the rows
        it brings in); what such a move leaves wrong is repainted (:meth:`repaint_after_move`)."""
        super().scrollContentsBy(dx, dy)
        if not self.viewport().testAttribute(_OPAQUE):
            return  # Qt repaints the whole viewport
        if dx or not self.uniformRowHeights() or not self._row_height:
            self.viewport().update()
            return
        per_item = self.verticalScrollMode() == QAbstractItemView.ScrollMode.ScrollPerItem
        self.repaint_after_move(dy * self._row_height if per_item else dy)  # dy: rows or pixels, as scrolled

    def repaint_after_move(self, dy: int) -> None:
        """After the viewport's pixels moved down by ``dy``: repaint what a move leaves wrong: the foot
        (the frame's rounded corners, where they are and where the move took them), the selection and the
        current and hovered rows (gradients whose last bits depend on where they are drawn)."""
        viewport = self.viewport()
        width, height = viewport.width(), viewport.height()
        foot = QRect(0, height - _CORNER - self._row_height, width, _CORNER + self._row_height)
        viewport.update(foot)
        viewport.update(foot.translated(0, dy))
        viewport.update(self.visualRegionForSelection(self.selectionModel().selection()))
        for index in (self.currentIndex(), self.indexAt(viewport.mapFromGlobal(QCursor.pos()))):
            if index.isValid():
                rect = self.visualRect(index)
                viewport.update(QRect(0, rect.top(), width, rect.height()))

    def doItemsLayout(self) -> None:  # noqa: N802 - Qt API
        header = self.header()
        header.rows_only = True
        try:
            self._moves.lay_out(super().doItemsLayout)
        finally:
            header.rows_only = False

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self.viewport().testAttribute(_OPAQUE):
            painter = QPainter(self.viewport())
            try:
                self._paint_beneath(painter, event.region())
            finally:
                painter.end()
        if not self.cache_rows or self.alternatingRowColors() or self.isRightToLeft() or self.model() is None:
            self._frame = None  # rows whose background is not the base: painted by Qt
            super().paintEvent(event)
            return
        header = self.header()
        viewport = self.viewport()
        self._frame = (
            tuple(
                (header.sectionViewportPosition(i), header.sectionSize(i), header.isSectionHidden(i))
                for i in range(header.count())
            ),
            viewport.width(),
            self.hasFocus(),
            self.indentation(),
            self.rootIsDecorated(),
            self.allColumnsShowFocus(),
            self.font().key(),
            self.palette().cacheKey(),
            viewport.devicePixelRatio(),
            viewport.height() - _CORNER,  # rows reaching below this are painted by Qt (the last item)
        )
        hover = self.indexAt(viewport.mapFromGlobal(QCursor.pos())) if viewport.underMouse() else None
        self._in_place = {_place(i) for i in (self.currentIndex() if self.hasFocus() else None, hover) if i}
        self._selected = [
            (_place(r.parent())[1], r.top(), r.bottom()) for r in self.selectionModel().selection()
        ]
        try:
            super().paintEvent(event)
        finally:
            self._frame = None

    def drawRow(self, painter: QPainter, option, index: QModelIndex) -> None:  # noqa: N802 - Qt API
        self._row_height = option.rect.height()
        key = self._row_key(option, index) if self._frame is not None else None
        if key is None:
            super().drawRow(painter, option, index)
            return
        picture = self._rows.get(key)
        if picture is None:
            if key not in self._once:
                # a row seen for the first time (scrolled into view, just added) is painted in place: its
                # picture costs more than the paint, and most are not painted again
                if len(self._once) >= self.MAX_ROWS:
                    self._once.clear()
                self._once.add(key)
                super().drawRow(painter, option, index)
                return
            picture = self._paint_row(painter, option, index)
            if len(self._rows) >= self.MAX_ROWS:
                self._rows.clear()
            self._rows[key] = picture
        painter.drawPixmap(0, option.rect.y(), picture)

    def _row_key(self, option, index: QModelIndex) -> tuple | None:
        """What the row's picture depends on; None for a row Qt paints each time: a selected row, the
        current one while the tree has the focus, the one under the mouse, one deeper than a shot."""
        parent = index.parent()
        if parent.isValid() and parent.parent().isValid():
            return None
        if option.rect.bottom() >= self._frame[-1]:
            return None  # at the viewport's foot: the frame's rounded corners show between its cells
        place = _place(index, parent)
        if place in self._in_place:
            return None
        above, row = place
        if any(p == above and top <= row <= bottom for p, top, bottom in self._selected):
            return None
        model = index.model()
        look = model.row_look(index) if hasattr(model, "row_look") else _cells_look(model, index, parent)
        if look[-2]:  # it has children: open or closed (looks end with: has children, last sibling)
            look = (*look, self.isExpanded(index))
        return look, option.state.value, option.rect.height(), self._frame

    def _paint_row(self, painter: QPainter, option, index: QModelIndex) -> QPixmap:
        """The row painted by Qt (its cells through the delegate) on the view's base, across the viewport."""
        ratio = self.viewport().devicePixelRatio()
        width, height = self.viewport().width(), option.rect.height()
        picture = QPixmap(int(width * ratio), int(height * ratio))
        picture.setDevicePixelRatio(ratio)
        picture.fill(self.viewport().palette().color(QPalette.ColorRole.Base))
        row_painter = QPainter(picture)
        try:
            row_painter.setFont(painter.font())
            row_painter.setRenderHints(painter.renderHints())
            row_painter.translate(0, -option.rect.y())
            super().drawRow(row_painter, option, index)
        finally:
            row_painter.end()
        return picture
