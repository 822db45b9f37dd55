"""Item models over project snapshots: the scene tree and the flat shot list of the board grid.

Both rebuild from ``session.scenes()``/``session.shots()`` when the controller reports scene or shot
changes; both accept drops of shot codes (``MIME``) and turn them into one undoable move.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Mapping
from dataclasses import fields
from operator import attrgetter, ne

from PySide6.QtCore import QAbstractListModel, QMimeData, QModelIndex, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QImage, QPixmap, QStandardItem, QStandardItemModel

from previz.core.display_names import shot_framing
from previz.core.errors import PrevizError
from previz.core.live_cut import shots_after
from previz.core.snapshots import SceneInfo, ShotInfo
from previz.core.timecode import frames_to_timecode
from previz.ui.theme import status_colour

MIME = "application/x-previz-shots"
SCENE_MIME = "application/x-previz-scenes"
#: What an image dropped on a shot comes as: files from a file manager, or a picture from another app.
BOARD_MIMES = ("text/uri-list", "application/x-qt-image")
CodeRole = Qt.ItemDataRole.UserRole + 1
StatusRole = Qt.ItemDataRole.UserRole + 2
KindRole = Qt.ItemDataRole.UserRole + 3


def duration_text(frames: int, rate) -> str:
    seconds = frames / float(rate.fraction)
    return f"{frames}f  {seconds:.1f}s"


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


def drop_board(controller, data, code: str | None) -> bool:
    """An image dropped on a shot (a file from the file manager, or a picture from another app) becomes
    its board, as one undo step. False when ``data`` holds no picture or no shot was hit."""
    from previz.ui import authoring

    if code is None:
        return False
    files = [u.toLocalFile() for u in data.urls() if u.isLocalFile()] if data.hasUrls() else []
    try:
        if files:
            authoring.attach_board_file(controller, code, files[0])
        elif data.hasImage():
            authoring.attach_board_image(controller, code, QImage(data.imageData()), "dropped picture")
        else:
            return False
    except PrevizError as exc:
        controller.error.emit(exc.one_line())
        return False
    return True


def _is_board_drop(data) -> bool:
    return not data.hasFormat(MIME) and not data.hasFormat(SCENE_MIME) and (data.hasUrls() or data.hasImage())


def move_codes(controller, codes: list[str], scene: str, position: int) -> bool:
    """Move ``codes`` (in order) to ``position`` of ``scene`` as one undo step."""
    session = controller.session
    codes = [c for c in codes if c]
    if not codes:
        return False

    def apply():
        with session.batch(f"Move {codes[0]}" if len(codes) == 1 else f"Move {len(codes)} shots"):
            pos = position
            for code in codes:
                current = session.shot(code)
                siblings = [s.code for s in session.shots(scene)]
                if current.scene_number == scene and siblings.index(code) < pos:
                    pos -= 1
                session.move_shot(code, pos, scene)
                pos += 1

    try:
        controller.edit(apply)
    except PrevizError as exc:
        controller.error.emit(exc.one_line())
        return False
    return True


def _shown_differs(old: ShotInfo, new: ShotInfo) -> bool:
    """Whether a row must repaint: anything but the stored position (which the row order already shows;
    an insert renumbers the positions of every later shot of the scene) changed."""
    if old is new:  # a row the edit did not touch keeps its snapshot
        return False
    if old.position == new.position:
        return old != new
    return _shown(old) != _shown(new)


#: ShotInfo's fields but the stored position, as one tuple (compared directly: ``dataclasses.replace`` was
#: ~60 µs a row, a Python loop over the fields several times this getter).
_shown = attrgetter(*(f.name for f in fields(ShotInfo) if f.name != "position"))


_id = attrgetter("id")


def _splice_plan(old: list, new: list) -> tuple[int, int]:
    """(head, tail): how many rows at the start and at the end of ``old`` and ``new`` are the same shots
    (by id); the rows between them are removed and inserted. (Compared at C speed: an edit of a 1,000-shot
    grid keeps hundreds of rows on either side.)"""
    old_ids, new_ids = list(map(_id, old)), list(map(_id, new))
    n = min(len(old_ids), len(new_ids))
    try:
        head = list(map(ne, old_ids, new_ids)).index(True)
    except ValueError:
        head = n
    try:
        tail = list(map(ne, reversed(old_ids), reversed(new_ids)))[: n - head].index(True)
    except ValueError:
        tail = n - head
    return head, tail


def _changed_kept(old: list, new: list, head: int, tail: int, ids=None) -> list[int]:
    """The rows of ``new``'s common head and tail whose shown values changed. ``ids``: the shots the edit
    named; a row of any other shot is the very snapshot it was (nothing to compare)."""
    n_old, n_new = len(old), len(new)
    kept = [*range(head), *range(n_new - tail, n_new)]
    if ids is not None:
        kept = [i for i in kept if new[i].id in ids]
    return [i for i in kept if _shown_differs(old[i if i < head else i - n_new + n_old], new[i])]


def splice_rows(model, parent: QModelIndex, old: list, new: list, assign, columns: int = 1, ids=None) -> None:
    """Turn the rows ``old`` (shot snapshots) under ``parent`` into ``new`` with few signals: the common
    head and tail (by id) stay, the middle is removed and inserted, and rows of the head and tail whose
    shown values changed get ``dataChanged``. ``assign(rows)`` stores the rows; ``ids``: the shots the edit
    named (only their rows may have changed), None when unknown."""
    n_old, n_new = len(old), len(new)
    head, tail = _splice_plan(old, new)
    if n_old - tail > head:
        model.beginRemoveRows(parent, head, n_old - tail - 1)
        assign(old[:head] + old[n_old - tail :])
        model.endRemoveRows()
    if n_new - tail > head:
        model.beginInsertRows(parent, head, n_new - tail - 1)
        assign(new)
        model.endInsertRows()
    else:
        assign(new)
    changed = _changed_kept(old, new, head, tail, ids)
    if changed:
        first, last = min(changed), max(changed)
        if parent.isValid():
            model.dataChanged.emit(model.index(first, 0, parent), model.index(last, columns - 1, parent))
        else:
            model.dataChanged.emit(model.index(first, 0), model.index(last, columns - 1))


def _fresh_shots(controller, changes, held: Mapping[int, ShotInfo]) -> list[ShotInfo] | None:
    """The shots an edit changed, as they are now; None when the edit needs a full reload (scenes or the
    project changed, or it did not name its shots). The shots whose position alone changed are moved from
    the snapshots the view ``held`` (by id); the others are read once per edit for the tree, the grid and
    the timeline (``controller.changed_shots``)."""
    if changes.scenes or changes.project or not changes.shot_ids:
        return None
    return shots_after(changes, held, controller.changed_shots)


def _follow(held: dict[int, ShotInfo], fresh: list[ShotInfo], ids) -> None:
    """Bring a view's snapshots by id in line with an edit: the shots it named (``ids``) as ``fresh`` has
    them, the ones missing there (removed) gone."""
    for i in ids:
        held.pop(i, None)
    held.update((s.id, s) for s in fresh)


_GREY = QColor("#6b7280")
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
        fresh = _fresh_shots(self.controller, changes, self._held)
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
        _follow(self._held, fresh, ids)
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
        head, tail = _splice_plan(old, new)
        parent = self.item(node.row, 0)
        if len(old) - tail > head:
            parent.removeRows(head, len(old) - tail - head)
        node.shots = new
        for row in range(head, len(new) - tail):
            parent.insertRow(row, self._new_items(self._shot_values(new[row]), never_parent=True))
        for row in _changed_kept(old, new, head, tail, ids):
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
        if _is_board_drop(data):
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


class ShotListModel(QAbstractListModel):
    """Every shot in cut order (omitted ones too), for the board grid."""

    def __init__(self, controller, thumbnails, parent=None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.thumbnails = thumbnails
        self._shots: list[ShotInfo] = []
        self.following = True  # False while no view shows the grid: edits are caught up on a read
        self._behind = False  # edits were made while not following
        self._held: dict[int, ShotInfo] = {}  # the rows' snapshots by shot id, kept edit by edit
        self._row_of: dict[str, int] | None = None
        self._scene_order: dict[int, int] = {}
        self.reload()
        controller.changed.connect(self._on_changed)
        thumbnails.ready.connect(self._on_thumb)

    @property
    def shots(self) -> list[ShotInfo]:
        """Every shot in cut order, as the project has them now: read again first when edits were made
        while the model was not following (:meth:`follow`)."""
        if self._behind:
            self.catch_up()
        return self._shots

    @shots.setter
    def shots(self, rows: list[ShotInfo]) -> None:
        self._shots = rows

    def follow(self, on: bool) -> None:
        """Follow every edit in place (a view shows the grid), or not: the browser's board grid behind its
        tab took ~1 ms of every add in a 1,000-shot project for rows nobody saw. Not following, an edit
        only marks the model behind; following again, or any read of its rows, reads them again (one
        reset, as a reload)."""
        self.following = on
        if on:
            self.catch_up()

    def catch_up(self) -> None:
        if self._behind:
            self._behind = False
            self.reload()

    def _on_changed(self, changes) -> None:
        if not (changes.scenes or changes.shots or changes.takes or changes.project):
            return
        if not self.following:
            self._behind = True
            return
        fresh = _fresh_shots(self.controller, changes, self._held)
        if fresh is None:
            self.reload()
            return
        ids = changes.shot_ids
        scenes = self._scene_order  # scenes change only with a reload (an edit of scenes reloads)
        if any(s.scene_id not in scenes for s in fresh):
            self.reload()
            return

        def order(s: ShotInfo) -> tuple[int, int, int]:
            return scenes[s.scene_id], s.position, s.id

        # the rows the edit did not name keep their order: the named ones are put in their places
        rows = [s for s in self._shots if s.id not in ids]
        for shot in sorted(fresh, key=order):
            insort(rows, shot, key=order)
        # a shot only renumbered (Changes.moved) is its snapshot with a new position: shown the same
        splice_rows(self, QModelIndex(), self._shots, rows, self._assign, ids=changes.content.shot_ids)
        _follow(self._held, fresh, ids)

    def _assign(self, rows: list[ShotInfo]) -> None:
        self._shots = rows
        self._row_of = None  # made again when first asked for (once per edit, not once per splice step)

    def reload(self) -> None:
        session = self.controller.session
        self._behind = False
        self.rate = session.project().rate
        # a scene's place in the cut: its position, then its id (as the cut orders them)
        ordered = sorted(session.scenes(), key=lambda sc: (sc.position, sc.id))
        self._scene_order = {sc.id: i for i, sc in enumerate(ordered)}
        self.beginResetModel()
        self._shots = session.shots()
        self._held = {s.id: s for s in self._shots}
        self._row_of = None
        self.endResetModel()

    def _on_thumb(self, key: str) -> None:
        if self._behind:
            return  # the rows are read again (with their thumbnails) when next shown or read
        for i, shot in enumerate(self._shots):
            src = self.thumbnails.source_of(shot)
            if src and src[0] == key:
                idx = self.index(i)
                self.dataChanged.emit(idx, idx, [Qt.ItemDataRole.DecorationRole])

    # Qt's reads (the views, the filter) see the rows as they are, behind or not: catching up from inside
    # one of Qt's own reads would reset the model under it. Python's reads (``shots``, ``row_of``) catch up.
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._shots)

    def row_of(self, code: str) -> int:
        if self._row_of is None:
            self._row_of = {s.code: i for i, s in enumerate(self._shots)}
        return self._row_of.get(code, -1)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        shot = self._shots[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            framing = shot_framing(shot.size, shot.move)
            return f"{shot.code}  {framing}\n{duration_text(shot.duration_frames, self.rate)}"
        if role == Qt.ItemDataRole.DecorationRole:
            image = self.thumbnails.image_for(shot)
            return QPixmap.fromImage(image) if image is not None else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{shot.code} · {shot.status.replace('_', ' ')}\n{shot.action}"
        if role == CodeRole:
            return shot.code
        if role == StatusRole:
            return shot.status
        if role == Qt.ItemDataRole.SizeHintRole:
            return QSize(176, 132)
        return None

    def flags(self, index: QModelIndex):
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsDragEnabled
            | Qt.ItemFlag.ItemIsDropEnabled
        )

    def supportedDropActions(self):
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    def mimeTypes(self) -> list[str]:
        return [MIME, *BOARD_MIMES]

    def mimeData(self, indexes) -> QMimeData:
        codes = []
        for idx in sorted(indexes, key=lambda i: i.row()):
            code = self._shots[idx.row()].code
            if code not in codes:
                codes.append(code)
        data = QMimeData()
        data.setData(MIME, "\n".join(codes).encode())
        return data

    def dropMimeData(self, data, action, row, column, parent) -> bool:
        if _is_board_drop(data):
            on = parent.row() if parent.isValid() else -1
            drop_board(self.controller, data, self._shots[on].code if 0 <= on < len(self._shots) else None)
            return False
        if not data.hasFormat(MIME):
            return False
        codes = bytes(data.data(MIME)).decode().split("\n")
        if row < 0 and parent.isValid():
            row = parent.row()
        self.drop_before_row(codes, row)
        return False

    def drop_before_row(self, codes: list[str], row: int) -> bool:
        """Move ``codes`` so they sit before the shot now at ``row`` (at the end when ``row`` is past it)."""
        if row < 0 or row >= len(self._shots):
            anchor = self._shots[-1]
            siblings = [s.code for s in self._shots if s.scene_id == anchor.scene_id]
            return move_codes(self.controller, codes, anchor.scene_number, len(siblings))
        anchor = self._shots[row]
        siblings = [s.code for s in self._shots if s.scene_id == anchor.scene_id]
        return move_codes(self.controller, codes, anchor.scene_number, siblings.index(anchor.code))
