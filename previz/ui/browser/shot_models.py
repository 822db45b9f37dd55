"""The board grid's item model (the flat shot list) and what it shares with the scene tree's
(`scene_tree_model.py`): the drag-and-drop MIME types and roles, the drops, the row splicing.

Both rebuild from ``session.scenes()``/``session.shots()`` when the controller reports scene or shot
changes; both accept drops of shot codes (``MIME``) and turn them into one undoable move.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Mapping
from dataclasses import fields
from operator import attrgetter, ne

from PySide6.QtCore import QAbstractListModel, QMimeData, QModelIndex, QSize, Qt
from PySide6.QtGui import QImage, QPixmap

from previz.core.display_names import shot_framing
from previz.core.errors import PrevizError
from previz.core.live_cut import shots_after
from previz.core.snapshots import ShotInfo

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


def is_board_drop(data) -> bool:
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


def splice_plan(old: list, new: list) -> tuple[int, int]:
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


def changed_kept(old: list, new: list, head: int, tail: int, ids=None) -> list[int]:
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
    head, tail = splice_plan(old, new)
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
    changed = changed_kept(old, new, head, tail, ids)
    if changed:
        first, last = min(changed), max(changed)
        if parent.isValid():
            model.dataChanged.emit(model.index(first, 0, parent), model.index(last, columns - 1, parent))
        else:
            model.dataChanged.emit(model.index(first, 0), model.index(last, columns - 1))


def fresh_shots(controller, changes, held: Mapping[int, ShotInfo]) -> list[ShotInfo] | None:
    """The shots an edit changed, as they are now; None when the edit needs a full reload (scenes or the
    project changed, or it did not name its shots). The shots whose position alone changed are moved from
    the snapshots the view ``held`` (by id); the others are read once per edit for the tree, the grid and
    the timeline (``controller.changed_shots``)."""
    if changes.scenes or changes.project or not changes.shot_ids:
        return None
    return shots_after(changes, held, controller.changed_shots)


def follow_held(held: dict[int, ShotInfo], fresh: list[ShotInfo], ids) -> None:
    """Bring a view's snapshots by id in line with an edit: the shots it named (``ids``) as ``fresh`` has
    them, the ones missing there (removed) gone."""
    for i in ids:
        held.pop(i, None)
    held.update((s.id, s) for s in fresh)


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
        fresh = fresh_shots(self.controller, changes, self._held)
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
        follow_held(self._held, fresh, ids)

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
        if is_board_drop(data):
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
