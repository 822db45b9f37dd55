"""Shot rows added or removed move the rows below them on the screen instead of repainting the viewport.

``QTreeView`` lays its rows out again after a row is inserted or removed and then repaints its whole
viewport: in the shot browser every row below an added shot (~30 of the ~40 shown) was painted again only
to appear one row lower. :class:`RowMoves` notes, just before the model changes, where the rows go in the
viewport (the top of the inserted or removed rows and how far the rows below them move) and, when the tree
lays out, has Qt move those pixels (``QWidget.scroll`` over the part below) and repaint only what changed:
the rows that came in, the row above them (its branch may now end there), the rows whose data changed
meanwhile (the scene's shot count and duration), and what a move leaves wrong
(``SceneTree.repaint_after_move``: the frame's corners at the foot, the selection, the current and hovered
rows).

Only the simple case is taken: one insert or removal of shot rows (leaves, rows of equal height) under an
open scene, between two layouts, with the viewport opaque, the scroll position and the viewport's size
unchanged by the layout. Anything else (a second structural change, a reset, a layout change, a scene
opened or closed, a scene added) falls back to Qt's repaint of the whole viewport.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, Qt

_UPDATES_OFF = Qt.WidgetAttribute.WA_UpdatesDisabled
_SPOILED = "spoiled"  # a structural change the move cannot follow: the layout repaints everything


class _Move:
    __slots__ = ("top", "dy", "parent", "before", "rows", "above")

    def __init__(self, top: int, dy: int, parent: QModelIndex, rows: tuple[int, int], above) -> None:
        self.top = top  # px in the viewport: where the inserted or removed rows begin
        self.dy = dy  # px: how far the rows below them move (down for an insert, up for a removal)
        self.parent = QPersistentModelIndex(parent)
        self.before, self.rows = rows  # the parent's row count before the change and after it
        self.above = QPersistentModelIndex(above)  # the row just above them (invalid: none)


class RowMoves:
    """Owned by a ``SceneTree``: watches its model (``watch``), is told of removals by the tree (which
    sees them before Qt drops its layout) and of each layout (:meth:`lay_out`)."""

    def __init__(self, tree) -> None:
        self.tree = tree
        self._model = None
        self._move: _Move | str | None = None
        self._changed: list[tuple[QPersistentModelIndex, QPersistentModelIndex]] = []
        tree.expanded.connect(self._spoil)
        tree.collapsed.connect(self._spoil)

    def _signals(self, model):
        return (
            (model.rowsAboutToBeInserted, self._inserting),
            (model.dataChanged, self._data_changed),
            (model.modelAboutToBeReset, self._spoil),
            (model.layoutAboutToBeChanged, self._spoil),
            (model.rowsAboutToBeMoved, self._spoil),
            (model.columnsAboutToBeInserted, self._spoil),
            (model.columnsAboutToBeRemoved, self._spoil),
        )

    def watch(self, model) -> None:
        if self._model is not None:
            for signal, slot in self._signals(self._model):
                signal.disconnect(slot)
        self._model = model
        self._move, self._changed = _SPOILED, []
        if model is not None:
            for signal, slot in self._signals(model):
                signal.connect(slot)

    # -------------------------------------------------------------- before the model changes
    def _spoil(self, *_args) -> None:
        if self._move is not None:
            self._move = _SPOILED

    def _data_changed(self, top_left: QModelIndex, bottom_right: QModelIndex, _roles=()) -> None:
        if isinstance(self._move, _Move):  # Qt skips repainting them while a layout is pending
            self._changed.append((QPersistentModelIndex(top_left), QPersistentModelIndex(bottom_right)))

    def _leaves_under(self, parent: QModelIndex) -> bool:
        """Whether rows under ``parent`` are rows of shots shown by the tree: ``parent`` a top-level row,
        open, in the first column, on a tree of equal row heights."""
        tree = self.tree
        return (
            parent.isValid()
            and parent.column() == 0
            and not parent.parent().isValid()
            and tree.uniformRowHeights()
            and tree.isExpanded(parent)
        )

    def _inserting(self, parent: QModelIndex, first: int, last: int) -> None:
        if self._move is not None or not self._leaves_under(parent):
            self._spoil()
            return
        model, tree = self._model, self.tree
        count = model.rowCount(parent)
        if not count:  # a scene's first shot: no sibling to place it by
            self._move = _SPOILED
            return
        sibling = tree.visualRect(model.index(min(first, count - 1), 0, parent))
        top = sibling.top() if first < count else sibling.bottom() + 1
        height = sibling.height()
        if height <= 0:
            self._move = _SPOILED
            return
        above = model.index(first - 1, 0, parent) if first else parent
        self._move = _Move(top, (last - first + 1) * height, parent, (count, count + last - first + 1), above)

    def removing(self, parent: QModelIndex, first: int, last: int) -> None:
        """Called by the tree before Qt handles the removal (it drops its layout then)."""
        if self._move is not None or not self._leaves_under(parent):
            self._spoil()
            return
        model, tree = self._model, self.tree
        top = tree.visualRect(model.index(first, 0, parent)).top()
        bottom = tree.visualRect(model.index(last, 0, parent)).bottom() + 1
        count = model.rowCount(parent)
        above = model.index(first - 1, 0, parent) if first else parent
        self._move = _Move(top, top - bottom, parent, (count, count - (last - first + 1)), above)

    # -------------------------------------------------------------- the layout
    def lay_out(self, layout) -> None:
        """Run ``layout`` (the tree's own) and show its result: by moving the rows when a move was noted
        and still applies, else as Qt does (the whole viewport repainted)."""
        move, self._move = self._move, None
        changed, self._changed = self._changed, []
        tree = self.tree
        viewport = tree.viewport()
        if not isinstance(move, _Move) or not viewport.testAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent):
            layout()
            return
        bar = tree.verticalScrollBar()
        before = bar.value(), viewport.size()
        quiet = not viewport.testAttribute(_UPDATES_OFF)
        if quiet:  # the layout's repaint of the whole viewport is what the move replaces
            viewport.setAttribute(_UPDATES_OFF, True)
        try:
            layout()
        finally:
            if quiet:
                viewport.setAttribute(_UPDATES_OFF, False)
        parent = QModelIndex(move.parent)
        rows = self._model.rowCount(parent) if parent.isValid() else -1
        if (bar.value(), viewport.size()) == before and rows == move.before:
            # laid out before the rows changed (Qt does when the current row is being removed): the
            # screen still shows this layout; the move waits for the one after the change
            self._move, self._changed = move, changed
        elif (bar.value(), viewport.size()) != before or rows != move.rows:
            viewport.update()  # the view scrolled or resized meanwhile, or the rows are not as noted
        else:
            self._show(move, changed)

    def _show(self, move: _Move, changed) -> None:
        tree = self.tree
        viewport = tree.viewport()
        width, height = viewport.width(), viewport.height()
        top = max(move.top, 0)
        if top < height:
            # the rows below move; Qt repaints what the move leaves uncovered (the rows that came in, or
            # those that rise from below the foot)
            viewport.scroll(0, move.dy, QRect(0, top, width, height - top))
            tree.repaint_after_move(move.dy)
        rows = [(move.above, move.above)] if move.above.isValid() else []
        for first, last in rows + changed:
            if not (first.isValid() and last.isValid()):
                continue
            upper = tree.visualRect(QModelIndex(first))
            lower = tree.visualRect(QModelIndex(last))
            if upper.isValid() and lower.isValid():
                viewport.update(QRect(0, upper.top(), width, lower.bottom() - upper.top() + 1))
