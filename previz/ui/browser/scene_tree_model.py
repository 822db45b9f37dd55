"""The scene tree's item model: scenes with their shots under them, over project snapshots.

It rebuilds from the session when the controller reports scene changes, updates only the rows an edit
names otherwise, and accepts drops of shot codes, scenes and images (``shot_models``' helpers).
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QPixmap, QStandardItem, QStandardItemModel

from previz.core.display_names import shot_framing
from previz.core.errors import PrevizError
from previz.core.snapshots import SceneInfo, ShotInfo
from previz.core.timecode import frames_to_timecode
from previz.ui.browser.shot_models import (
    BOARD_MIMES,
    MIME,
    SCENE_MIME,
    CodeRole,
    KindRole,
    StatusRole,
    changed_kept,
    drop_board,
    duration_text,
    follow_held,
    fresh_shots,
    is_board_drop,
    move_codes,
    splice_plan,
)
from previz.ui.theme import status_colour

_GREY = QColor("#6b7280")
_ICONS: dict[str, QIcon] = {}


def _status_icon(status: str) -> QIcon:
    icon = _ICONS.get(status)
    if icon is None:
        pm = QPixmap(10, 10)
        pm.fill(status_colour(status))
        icon = _ICONS[status] = QIcon(pm)
    return icon


class _Node:
    __slots__ = ("scene", "shots", "row")

    def __init__(self, scene: SceneInfo, shots: list[ShotInfo], row: int) -> None:
        self.scene = scene
        self.shots = shots
        self.row = row  # the scene's row in the tree (scenes change only by a full reload)


_D, _T, _F = Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.ForegroundRole


class SceneTreeModel(QStandardItemModel):
    """Scenes with their shots under them (three columns: shot, duration, status).

    A ``QStandardItemModel``: the tree view lays out every row of an expanded scene again after any
    insert, and with a Python model that meant thousands of Python ``index``/``parent``/``flags``/``data``
    calls per added shot in a 1,000-shot project; here Qt answers them itself. ``nodes`` mirrors the items
    as snapshots (scene and its shots in order); an edit that names its shots changes only their rows."""

    HEADERS = ("Shot", "Duration", "Status")
    # A shot accepts drops too: an image dropped on it becomes its board; shots dropped on it go before it.
    _ITEM_FLAGS = (
        Qt.ItemFlag.ItemIsEnabled
        | Qt.ItemFlag.ItemIsSelectable
        | Qt.ItemFlag.ItemIsDragEnabled
        | Qt.ItemFlag.ItemIsDropEnabled
    )

    def __init__(self, controller, parent=None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.nodes: list[_Node] = []
        # the rows' snapshots by shot id, and each shot's scene node by id and by code, kept edit by edit
        # (an edit touches a few shots: it need not walk all 1,000 rows to find them)
        self._held: dict[int, ShotInfo] = {}
        self._node_of: dict[int, _Node] = {}
        self._node_of_code: dict[str, _Node] = {}
        self.setColumnCount(len(self.HEADERS))
        self.setHorizontalHeaderLabels(list(self.HEADERS))
        self.invisibleRootItem().setFlags(Qt.ItemFlag.ItemIsDropEnabled)
        self.reload()
        controller.changed.connect(self._on_changed)

    # -------------------------------------------------------------- items
    def _scene_values(self, node: _Node) -> list[dict]:
        scene = node.scene
        common = {_T: scene.synopsis or scene.heading, KindRole: "scene", CodeRole: scene.number}
        if scene.omitted:
            common[_F] = QBrush(_GREY)
        texts = (
            f"{scene.number}  {scene.heading}",
            duration_text(sum(s.duration_frames for s in node.shots), self.rate),
            "omitted" if scene.omitted else f"{len(node.shots)} shots",
        )
        return [{**common, _D: text} for text in texts]

    def _shot_values(self, shot: ShotInfo) -> list[dict]:
        length = frames_to_timecode(shot.duration_frames, self.rate)
        framing = shot_framing(shot.size, shot.move)  # "MCU · push in", as a shot list writes it
        common = {
            _T: f"{shot.code} · {framing}: {shot.action or '(no action)'}\n{length}",
            CodeRole: shot.code,
            StatusRole: shot.status,
            KindRole: "shot",
        }
        if shot.status == "omitted":
            common[_F] = QBrush(_GREY)
        return [
            {**common, _D: shot.code},
            {**common, _D: duration_text(shot.duration_frames, self.rate)},
            {
                **common,
                _D: shot.status.replace("_", " "),
                Qt.ItemDataRole.DecorationRole: _status_icon(shot.status),
            },
        ]

    def _new_items(self, values: list[dict], never_parent: bool) -> list[QStandardItem]:
        flags = self._ITEM_FLAGS | Qt.ItemFlag.ItemNeverHasChildren if never_parent else self._ITEM_FLAGS
        items = []
        for column in values:
            item = QStandardItem()
            item.setFlags(flags)
            for role, value in column.items():
                item.setData(value, role)
            items.append(item)
        return items

    _ROLES = (_D, _T, _F, CodeRole, StatusRole, KindRole, Qt.ItemDataRole.DecorationRole)

    def _set_values(self, parent: QStandardItem, row: int, values: list[dict]) -> None:
        """Give the items of ``row`` under ``parent`` new values (Qt skips unchanged ones)."""
        for column, held in enumerate(values):
            item = parent.child(row, column)
            for role in self._ROLES:
                item.setData(held.get(role), role)

    def _scene_row(self, node: _Node) -> list[QStandardItem]:
        items = self._new_items(self._scene_values(node), never_parent=False)
        for shot in node.shots:
            items[0].appendRow(self._new_items(self._shot_values(shot), never_parent=True))
        return items

    # -------------------------------------------------------------- following the project
    def _on_changed(self, changes) -> None:
        if not (changes.scenes or changes.shots or changes.project):
            return
        fresh = fresh_shots(self.controller, changes, self._held)
        # a shot only renumbered (Changes.moved) is its snapshot with a new position: shown the same
        if fresh is None or not self.update_shots(fresh, changes.shot_ids, changes.content.shot_ids):
            self.reload()

    def update_shots(self, fresh: list[ShotInfo], ids, compare=None) -> bool:
        """Apply re-read shots (``ids``: every id the edit touched; missing from ``fresh`` = removed) scene
        by scene; False when a shot moved to a scene the tree does not have (then reload). ``compare``: the
        ids whose kept rows may show something else (default ``ids``)."""
        nodes = {node.scene.id: node for node in self.nodes}
        if any(s.scene_id not in nodes for s in fresh):
            return False
        affected = {s.scene_id for s in fresh}
        affected |= {self._node_of[i].scene.id for i in ids if i in self._node_of}  # where they were
        for node in sorted((nodes[i] for i in affected), key=lambda n: n.row):
            old = node.shots
            rows = [s for s in old if s.id not in ids] + [s for s in fresh if s.scene_id == node.scene.id]
            rows.sort(key=lambda s: (s.position, s.id))
            self._splice(node, rows, ids if compare is None else compare)
        for i in ids:
            gone = self._held.get(i)
            if gone is not None:
                del self._node_of[i]
                if self._node_of_code.get(gone.code) is not None:
                    del self._node_of_code[gone.code]
        follow_held(self._held, fresh, ids)
        for shot in fresh:
            self._node_of[shot.id] = self._node_of_code[shot.code] = nodes[shot.scene_id]
        return True

    def _index(self) -> None:
        self._held = {s.id: s for n in self.nodes for s in n.shots}
        self._node_of = {s.id: n for n in self.nodes for s in n.shots}
        self._node_of_code = {s.code: n for n in self.nodes for s in n.shots}

    def _splice(self, node: _Node, new: list[ShotInfo], ids=None) -> None:
        """Turn ``node``'s shot rows into ``new``: the common head and tail (by id) keep their items, the
        middle is removed and inserted, kept rows whose shown values changed are updated."""
        old = node.shots
        head, tail = splice_plan(old, new)
        parent = self.item(node.row, 0)
        if len(old) - tail > head:
            parent.removeRows(head, len(old) - tail - head)
        node.shots = new
        for row in range(head, len(new) - tail):
            parent.insertRow(row, self._new_items(self._shot_values(new[row]), never_parent=True))
        for row in changed_kept(old, new, head, tail, ids):
            self._set_values(parent, row, self._shot_values(new[row]))
        for column, values in enumerate(self._scene_values(node)[1:], start=1):
            self.item(node.row, column).setData(values[_D], _D)

    def reload(self) -> None:
        session = self.controller.session
        self.rate = session.project().rate
        self._rate_key = (self.rate.fraction.numerator, self.rate.fraction.denominator)  # cheap to hash
        by_scene: dict[int, list[ShotInfo]] = {}
        for shot in session.shots():
            by_scene.setdefault(shot.scene_id, []).append(shot)
        self.nodes = [_Node(sc, by_scene.get(sc.id, []), i) for i, sc in enumerate(session.scenes())]
        self._index()
        rows = [self._scene_row(node) for node in self.nodes]
        self.beginResetModel()
        self.blockSignals(True)  # the views hear one reset, not the removals and inserts it is made of
        try:
            self.invisibleRootItem().removeRows(0, self.rowCount())
            for items in rows:
                self.appendRow(items)
        finally:
            self.blockSignals(False)
        self.endResetModel()

    def removeRows(self, row: int, count: int, parent: QModelIndex = QModelIndex()) -> bool:  # noqa: B008
        """Refused: rows change only with the project (a view finishing a move drag must not remove any;
        the model itself removes through its items)."""
        return False

    # -------------------------------------------------------------- lookups
    def row_look(self, index: QModelIndex) -> tuple:
        """All a row shows (its cells' values and its place among its siblings), from the snapshots: two
        rows with equal looks paint the same (the tree keeps one picture of them, ``SceneTree``). It ends
        with (whether the row has children, whether it is the last of its siblings)."""
        parent = index.parent()
        row = index.row()
        if parent.isValid():
            shots = self.nodes[parent.row()].shots
            shot = shots[row]
            # its cells: code, duration (at the rate), status (text, icon and grey when omitted)
            return (
                shot.code,
                shot.duration_frames,
                shot.status,
                self._rate_key,
                False,
                row == len(shots) - 1,
            )
        node = self.nodes[row]
        texts = tuple(self.item(row, column).text() for column in range(self.columnCount()))
        return "scene", texts, node.scene.omitted, bool(node.shots), row == len(self.nodes) - 1

    def shot_at(self, index: QModelIndex) -> ShotInfo | None:
        if index.isValid() and index.parent().isValid():
            return self.nodes[index.parent().row()].shots[index.row()]
        return None

    def scene_at(self, index: QModelIndex) -> SceneInfo | None:
        if index.isValid() and not index.parent().isValid():
            return self.nodes[index.row()].scene
        return None

    def index_of_shot(self, code: str) -> QModelIndex:
        node = self._node_of_code.get(code)
        if node is None:
            return QModelIndex()
        row = [s.code for s in node.shots].index(code)
        return self.index(row, 0, self.index(node.row, 0))

    # -------------------------------------------------------------- drag and drop
    def supportedDropActions(self):
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    def mimeTypes(self) -> list[str]:
        return [MIME, SCENE_MIME, *BOARD_MIMES]

    def mimeData(self, indexes) -> QMimeData:
        codes, scenes = [], []
        for idx in indexes:
            shot = self.shot_at(idx)
            if shot and shot.code not in codes:
                codes.append(shot.code)
            scene = self.scene_at(idx)
            if scene and scene.number not in scenes:
                scenes.append(scene.number)
        data = QMimeData()
        if codes:
            data.setData(MIME, "\n".join(codes).encode())
        else:
            data.setData(SCENE_MIME, "\n".join(scenes).encode())
        return data

    def move_scene(self, number: str, row: int) -> bool:
        """Move a scene before the scene now at ``row`` (past the last: to the end); one undo step."""
        numbers = [n.scene.number for n in self.nodes]
        position = min(max(row, 0), len(numbers))
        if numbers.index(number) < position:
            position -= 1
        if numbers.index(number) == position:
            return False
        try:
            self.controller.edit(lambda: self.controller.session.move_scene(number, position))
        except PrevizError as exc:
            self.controller.error.emit(exc.one_line())
            return False
        return True

    def dropMimeData(self, data, action, row, column, parent) -> bool:
        if is_board_drop(data):
            shot = self.shot_at(parent)
            drop_board(self.controller, data, shot.code if shot is not None else None)
            return False
        if data.hasFormat(SCENE_MIME):
            numbers = bytes(data.data(SCENE_MIME)).decode().split("\n")
            if parent.isValid():  # dropped onto a scene: before it
                row = parent.row() if self.scene_at(parent) is not None else parent.parent().row()
            self.move_scene(numbers[0], len(self.nodes) if row < 0 else row)
            return False
        if not data.hasFormat(MIME):
            return False
        codes = bytes(data.data(MIME)).decode().split("\n")
        scene = self.scene_at(parent)
        if scene is None:
            shot = self.shot_at(parent)
            if shot is None:
                return False
            scene, row = self.nodes[parent.parent().row()].scene, parent.row()
        if row < 0:
            row = len(self.nodes[[n.scene.id for n in self.nodes].index(scene.id)].shots)
        move_codes(self.controller, codes, scene.number, row)
        return False  # the model reloads from the session; Qt must not remove rows itself
