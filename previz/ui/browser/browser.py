"""The shot browser: a scene tree and a board grid, filtered by status and text, with a context menu."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QSize, QSortFilterProxyModel, Qt, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QListView,
    QMenu,
    QStackedWidget,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from previz.core.enums import ShotStatus
from previz.core.errors import PrevizError
from previz.ui import authoring
from previz.ui.browser.scene_tree import SceneTree
from previz.ui.browser.scene_tree_model import SceneTreeModel
from previz.ui.browser.shot_models import CodeRole, KindRole, ShotListModel, StatusRole
from previz.ui.thumbnails import ThumbnailCache


class ShotFilter(QSortFilterProxyModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.text = ""
        self.status = ""
        self.setRecursiveFilteringEnabled(True)

    def set_filter(self, text: str, status: str) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.9
            self.beginFilterChange()
            self.text, self.status = text.strip().lower(), status
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:  # pragma: no cover - older Qt
            self.text, self.status = text.strip().lower(), status
            self.invalidateFilter()

    def filterAcceptsRow(self, row: int, parent: QModelIndex) -> bool:
        model = self.sourceModel()
        index = model.index(row, 0, parent)
        if model.data(index, KindRole) == "scene":
            return not (self.text or self.status)  # a scene shows when any of its shots does
        if self.status and model.data(index, StatusRole) != self.status:
            return False
        if self.text:
            hay = " ".join(str(model.data(index, r) or "") for r in (CodeRole, Qt.ItemDataRole.ToolTipRole))
            return self.text in hay.lower()
        return True


class ShotBrowser(QWidget):
    generateRequested = Signal(list)  # shot codes

    def __init__(self, controller, thumbnails: ThumbnailCache, parent=None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setObjectName("ShotBrowser")
        self.tree_model = SceneTreeModel(controller, self)
        self.grid_model = ShotListModel(controller, thumbnails, self)
        # The filters sit between model and view only while a filter is set (see _use_filters): with none
        # the views show the models themselves, so inserting a shot is not mapped through a proxy.
        self.tree_proxy, self.grid_proxy = ShotFilter(self), ShotFilter(self)

        self.search = QLineEdit(placeholderText="Search shots…")
        self.search.setClearButtonEnabled(True)
        self.status_filter = QComboBox()
        self.status_filter.addItem("All statuses", "")
        for status in ShotStatus:
            self.status_filter.addItem(status.value.replace("_", " ").capitalize(), status.value)
        self.tabs = QTabBar()
        self.tabs.addTab("Scenes")
        self.tabs.addTab("Boards")
        self.tabs.setExpanding(False)

        self.tree = SceneTree()
        self.tree.setModel(self.tree_model)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.tree.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.tree.header().setStretchLastSection(False)
        self.tree.setColumnWidth(0, 180)
        self.tree.setColumnWidth(1, 90)
        self.tree.setColumnWidth(2, 112)
        self.grid = QListView()
        self.grid.setModel(self.grid_model)
        self.grid.setViewMode(QListView.ViewMode.IconMode)
        self.grid.setIconSize(QSize(160, 90))
        self.grid.setGridSize(QSize(176, 138))
        self.grid.setResizeMode(QListView.ResizeMode.Adjust)
        self.grid.setMovement(QListView.Movement.Snap)
        self.grid.setUniformItemSizes(True)
        self.grid.setWordWrap(True)
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.grid.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.grid.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.tree)
        self.stack.addWidget(self.grid)

        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.status_filter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.tabs)
        layout.addWidget(self.stack, 1)

        self.search.textChanged.connect(self._refilter)
        self.status_filter.currentIndexChanged.connect(self._refilter)
        self.tabs.currentChanged.connect(self._show_tab)
        for view in (self.tree, self.grid):
            self._watch_selection(view)
            view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            view.customContextMenuRequested.connect(lambda pos, v=view: self._context_menu(v, pos))
        controller.currentShotChanged.connect(self._show_current)
        self.tree_model.modelReset.connect(self._after_reset)
        # the grid resets when it catches up (its tab shown): the tree's open and closed scenes stay
        self.grid_model.modelReset.connect(lambda: self._show_current(self.controller.current_shot))
        self.tree.expandAll()
        self._syncing = False
        self.grid_model.follow(False)  # the tree's tab is shown: the grid catches up when its tab is

    # -------------------------------------------------------------- filtering and selection
    def _watch_selection(self, view) -> None:
        view.selectionModel().selectionChanged.connect(lambda *_a, v=view: self._on_selection(v))

    def _refilter(self) -> None:
        self.grid_model.catch_up()  # before its filter reads it (not from inside the filter's reads)
        text, status = self.search.text(), self.status_filter.currentData() or ""
        self.tree_proxy.set_filter(text, status)
        self.grid_proxy.set_filter(text, status)
        self._use_filters(bool(text.strip() or status))
        self.tree.expandAll()

    def _use_filters(self, on: bool) -> None:
        """Show the models through their filters (``on``) or directly. With no filter set a proxy only
        costs: every row inserted or moved is mapped through it, and the tree lays its 1,000 rows out again
        through it (~half the browser's time on an added shot). Off, a proxy is detached from its model so
        it does no bookkeeping on edits. The current shot stays selected across the switch."""
        for view, model, proxy in (
            (self.tree, self.tree_model, self.tree_proxy),
            (self.grid, self.grid_model, self.grid_proxy),
        ):
            wanted = proxy if on else model
            if view.model() is wanted:
                continue
            old = view.selectionModel()
            widths = (
                [self.tree.columnWidth(i) for i in range(model.columnCount())] if view is self.tree else []
            )
            proxy.setSourceModel(model if on else None)
            view.setModel(wanted)
            for i, width in enumerate(widths):  # a new model resets the header's sections
                self.tree.setColumnWidth(i, width)
            old.deleteLater()  # a view does not delete the selection model it replaces
            self._watch_selection(view)
        self._show_current(self.controller.current_shot)

    def view_index(self, view, source_index: QModelIndex) -> QModelIndex:
        """``source_index`` (of the tree's or grid's own model) as an index of what ``view`` shows."""
        model = view.model()
        return model.mapFromSource(source_index) if isinstance(model, QSortFilterProxyModel) else source_index

    def _after_reset(self) -> None:
        self.tree.expandAll()
        self._show_current(self.controller.current_shot)

    def selected_codes(self, view=None) -> list[str]:
        view = view or self.stack.currentWidget()
        rows = sorted(view.selectionModel().selectedRows(0), key=lambda i: (i.parent().row(), i.row()))
        codes = []
        for idx in rows:
            if idx.data(KindRole) != "scene" and idx.data(CodeRole):
                codes.append(idx.data(CodeRole))
        return codes

    def _on_selection(self, view) -> None:
        if self._syncing:
            return
        codes = self.selected_codes(view)
        if codes:
            current = view.currentIndex().data(CodeRole)
            self.controller.set_selection(codes)
            if current in codes:
                self.controller.set_current_shot(current)

    def _show_tab(self, tab: int) -> None:
        self.grid_model.follow(tab == self.stack.indexOf(self.grid))  # before the grid is shown
        self.stack.setCurrentIndex(tab)
        view = self.stack.currentWidget()
        self._show_current(self.controller.current_shot)  # the hidden view was not kept in step
        if view.currentIndex().isValid():
            view.scrollTo(view.currentIndex())

    def _show_current(self, code) -> None:
        """Select the current shot in the view on show (the hidden one catches up when its tab is shown:
        selecting in a hidden 1,000-item grid made it lay out all its items on every added shot)."""
        if not code:
            return
        self._syncing = True
        try:
            view = self.stack.currentWidget()
            if view is self.tree:
                source_index = self.tree_model.index_of_shot(code)
            else:
                row = self.grid_model.row_of(code)
                source_index = self.grid_model.index(row) if row >= 0 else QModelIndex()
            index = self.view_index(view, source_index)
            if index.isValid() and code not in self.selected_codes(view):
                flags = (
                    QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
                )
                view.selectionModel().setCurrentIndex(index, flags)
                view.scrollTo(index)
        finally:
            self._syncing = False

    # -------------------------------------------------------------- context menu
    def _context_menu(self, view, pos) -> None:
        index = view.indexAt(pos)
        if index.isValid() and index.data(KindRole) == "scene":
            menu = self.build_scene_menu(index.data(CodeRole))
        else:
            codes = self.selected_codes(view) if index.isValid() else []
            menu = self.build_context_menu(codes) if codes else self.build_empty_menu()
        menu.exec(view.viewport().mapToGlobal(pos))
        menu.deleteLater()  # one menu per right-click; the window's shared actions are not its children

    def _menu(self, entries) -> QMenu:
        """A menu of (text, slot) entries, a QAction of the window's, or None for a separator."""
        menu = QMenu(self)
        for entry in entries:
            if entry is None:
                menu.addSeparator()
            elif isinstance(entry, QAction):
                menu.addAction(entry)
            else:
                action = QAction(entry[0], menu)
                action.triggered.connect(entry[1])
                menu.addAction(action)
        return menu

    def _window_action(self, name: str) -> QAction | None:
        actions = getattr(self.window(), "authoring", None)
        return actions.actions.get(name) if actions is not None else None

    def build_context_menu(self, codes: list[str]) -> QMenu:
        label = codes[0] if len(codes) == 1 else f"{len(codes)} shots"
        split = self._window_action("split")  # needs the window's viewer (the playhead)
        entries = [
            (f"Generate {label}", lambda: self.generateRequested.emit(codes)),
            (f"Duplicate {label}", lambda: self.duplicate(codes)),
            (f"Omit {label}", lambda: self.set_status(codes, "omitted")),
            (f"Delete {label}", lambda: self.delete(codes)),
            None,
            (
                f"Add Shot after {codes[-1]}",
                lambda: self._run(lambda: authoring.add_shot(self.controller, codes[-1])),
            ),
            *([split] if split is not None else []),
            *(
                [(f"Merge {label}", lambda: self._run(lambda: authoring.merge(self.controller, codes)))]
                if len(codes) > 1
                else []
            ),
            (f"Attach Board to {codes[0]}…", lambda: self.attach_board_dialog(codes[0])),
            (
                f"Paste Board on {codes[0]}",
                lambda: self._run(lambda: authoring.paste_board(self.controller, codes[0])),
            ),
            None,
            ("Reveal media", lambda: self.reveal_media(codes[0])),
        ]
        return self._menu(entries)

    def build_scene_menu(self, number: str) -> QMenu:
        entries: list = [
            (
                f"Add Shot to Scene {number}",
                lambda: self._run(lambda: authoring.add_shot(self.controller, scene=number)),
            )
        ]
        window_actions = getattr(self.window(), "authoring", None)
        if window_actions is not None:
            entries += [
                (f"Renumber Scene {number}…", lambda: window_actions.renumber_scene_dialog(number)),
                None,
                window_actions.actions["add_scene"],
            ]
        return self._menu(entries)

    def build_empty_menu(self) -> QMenu:
        add_scene = self._window_action("add_scene")
        entries: list = [add_scene] if add_scene is not None else []
        if self.controller.session.scenes():
            entries.append(("Add Shot", lambda: self._run(lambda: authoring.add_shot(self.controller))))
        return self._menu(entries)

    def _run(self, fn) -> None:
        try:
            fn()
        except PrevizError as exc:
            self.controller.error.emit(exc.one_line())

    def set_status(self, codes: list[str], status: str) -> None:
        self._run(lambda: authoring.set_status(self.controller, codes, status))

    def delete(self, codes: list[str]) -> None:
        self._run(lambda: authoring.delete(self.controller, codes))

    def duplicate(self, codes: list[str]) -> None:
        self._run(lambda: authoring.duplicate(self.controller, codes))

    def attach_board_dialog(self, code: str) -> None:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getOpenFileName(self, f"Board for {code}", "", authoring.IMAGE_FILTER)
        if path:
            self._run(lambda: authoring.attach_board_file(self.controller, code, path))

    def reveal_media(self, code: str) -> None:
        session = self.controller.session
        shot = session.shot(code)
        path = None
        try:
            if shot.selected_take_id is not None:
                take = session.take(shot.selected_take_id)
                path = session.media.path(take.media_hash, take.ext)
            elif shot.board_hash:
                path = session.media_path(shot.board_hash)
        except PrevizError:
            path = None
        folder = path.parent if path is not None else session.root
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))
