"""The notes dock: the project's review notes, filtered by scene, shot, status and author; clicking one
selects its shot and seeks the viewer to its frame. The context menu resolves (recording the take that
answered it), reopens, removes, or turns a note into a prompt revision that queues a new take.

It holds only the notes and the shots that have notes: an edit that names its shots (``Changes.shot_ids``)
and touches none of those (adding or splitting a shot elsewhere) costs nothing here; a touched noted shot is
re-read alone. The record frame a click seeks to is worked out from the cut at the click, so a shot moving
on the timeline changes nothing the panel shows."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLineEdit,
    QMenu,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from previz.core.errors import PrevizError

ALL = "All"
STATUSES = (ALL, "Open", "Resolved")


class NotesPanel(QWidget):
    noteActivated = Signal(str, int)  # shot code, record frame of the cut (or -1)

    def __init__(self, controller, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("NotesPanel")
        self.controller = controller
        #: Called after a revision is queued (the main window starts the queue runner).
        self.on_queued: Callable[[], None] | None = None
        self.scene_filter = QComboBox(toolTip="Scene")
        self.status_filter = QComboBox(toolTip="Open or resolved")
        self.status_filter.addItems(STATUSES)
        self.author_filter = QComboBox(toolTip="Author")
        self.shot_filter = QLineEdit(placeholderText="Shot or text…", clearButtonEnabled=True)
        for combo in (self.scene_filter, self.status_filter, self.author_filter):
            combo.currentIndexChanged.connect(self._fill)
        self.shot_filter.textChanged.connect(self._fill)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Shot", "Frame", "Author", "Note"])
        self.tree.setRootIsDecorated(False)
        for col, width in enumerate((90, 50, 80)):
            self.tree.setColumnWidth(col, width)
        self.tree.itemActivated.connect(self._activate)
        self.tree.itemClicked.connect(self._activate)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._menu)
        top = QHBoxLayout()
        for widget in (self.scene_filter, self.status_filter, self.author_filter):
            top.addWidget(widget)
        top.addWidget(self.shot_filter, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.tree, 1)
        self._notes: list = []
        self._shots: dict = {}  # shot id -> ShotInfo, only the shots that have notes
        controller.changed.connect(self._on_changed)
        self.reload()

    # -------------------------------------------------------------- model
    def reload(self) -> None:
        """Re-read the notes, their shots and the scene list, and fill the list again."""
        session = self.controller.session
        self._notes = session.notes()
        self._shots = {s.id: s for s in session.shots_by_id({n.shot_id for n in self._notes})}
        self._refill(self.scene_filter, [s.number for s in session.scenes()])
        self._refill(self.author_filter, sorted({n.author for n in self._notes if n.author}))
        self._fill()

    def _on_changed(self, changes) -> None:
        if changes.notes or changes.scenes or (changes.shots and not changes.shot_ids):
            self.reload()
        elif changes.shots:
            # a shot renumbered only (an add or split before it) shows the same code and scene
            content = changes.content
            self._update_shots(content.shot_ids & self._shots.keys(), content)

    def _update_shots(self, ids, changes) -> None:
        """Take the noted shots ``ids`` an edit touched from the read of its shots the views share
        (``controller.changed_shots``: no read of its own); refill the list only when what it shows of
        them (code, scene) changed."""
        if not ids:
            return
        fresh = {s.id: s for s in self.controller.changed_shots(changes) if s.id in ids}
        if len(fresh) != len(ids):  # a noted shot is gone: its notes went with it
            self.reload()
            return
        shown = [(s.code, s.scene_number) for s in (self._shots[i] for i in ids)]
        self._shots.update(fresh)
        if shown != [(s.code, s.scene_number) for s in (fresh[i] for i in ids)]:
            self._fill()

    def record_frame(self, note_id: int) -> int:
        """The frame of the cut note ``note_id`` points at (-1 when its shot is not in the cut)."""
        note = next((n for n in self._notes if n.id == note_id), None)
        if note is None:
            return -1
        for entry in self.controller.session.cut().entries:
            if entry.shot_id == note.shot_id:
                return entry.record_in + note.frame
        return -1

    @staticmethod
    def _refill(combo: QComboBox, values: list[str]) -> None:
        current = combo.currentText() or ALL
        combo.blockSignals(True)
        combo.clear()
        combo.addItems([ALL, *values])
        combo.setCurrentIndex(max(0, combo.findText(current)))
        combo.blockSignals(False)

    def visible_notes(self) -> list:
        """The notes the filters let through, in shot, frame, creation order."""
        scene, status = self.scene_filter.currentText(), self.status_filter.currentText()
        author, text = self.author_filter.currentText(), self.shot_filter.text().strip().lower()
        out = []
        for note in self._notes:
            shot = self._shots.get(note.shot_id)
            if shot is None:
                continue
            if scene not in ("", ALL) and shot.scene_number != scene:
                continue
            if (status == "Open" and note.resolved) or (status == "Resolved" and not note.resolved):
                continue
            if author not in ("", ALL) and note.author != author:
                continue
            if text and text not in shot.code.lower() and text not in note.text.lower():
                continue
            out.append(note)
        return out

    def _fill(self) -> None:
        self.tree.clear()
        for note in self.visible_notes():
            shot = self._shots[note.shot_id]
            item = QTreeWidgetItem(
                [shot.code, str(note.frame), note.author, ("✓ " if note.resolved else "") + note.text]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, shot.code)
            item.setData(1, Qt.ItemDataRole.UserRole, note.id)
            item.setToolTip(3, note.text + (" (with a drawing)" if note.strokes else ""))
            self.tree.addTopLevelItem(item)

    # -------------------------------------------------------------- actions
    def _activate(self, item) -> None:
        code = item.data(0, Qt.ItemDataRole.UserRole)
        record = self.record_frame(item.data(1, Qt.ItemDataRole.UserRole))
        self.controller.set_current_shot(code)
        self.noteActivated.emit(code, record)

    def _menu(self, pos) -> None:
        item = self.tree.itemAt(pos)
        if item is None:
            return
        note_id = item.data(1, Qt.ItemDataRole.UserRole)
        note = next(n for n in self._notes if n.id == note_id)
        menu = QMenu(self)
        if note.resolved:
            menu.addAction("Reopen", lambda: self.resolve(note_id, resolved=False))
        else:
            menu.addAction("Resolve with the take in the cut", lambda: self.resolve(note_id))
        menu.addAction("Revise prompt and queue a new take…", lambda: self.revise_dialog(note_id))
        menu.addSeparator()
        menu.addAction("Remove note", lambda: self._run(lambda: self.controller.session.remove_note(note_id)))
        menu.exec(self.tree.viewport().mapToGlobal(pos))

    def _run(self, apply) -> object:
        try:
            return self.controller.edit(apply)
        except PrevizError as exc:
            self.controller.error.emit(exc.one_line())
            return None

    def resolve(self, note_id: int, *, resolved: bool = True) -> None:
        """Resolve a note with the shot's selected take (or the newest take made from the note)."""
        from previz.core.review import read_note, resolve_note

        session = self.controller.session
        note, _ = read_note(session, note_id)
        shot = session.shot(note.shot_id)
        selected = next((t.number for t in session.takes(shot.id) if t.id == shot.selected_take_id), None)
        self._run(lambda: resolve_note(session, note_id, selected, resolved=resolved))

    def revise(self, note_id: int, prompt: str) -> None:
        """Change the shot's prompt to ``prompt`` (one undo step) and queue a new take linked to the note."""
        try:
            from previz.generation.revisions import revise_from_note
        except ImportError:
            self.controller.error.emit("Generation is not part of this build; the note cannot be revised.")
            return
        session = self.controller.session
        if self._run(lambda: revise_from_note(session, note_id, prompt)) is not None and self.on_queued:
            self.on_queued()

    def revise_dialog(self, note_id: int) -> None:
        from previz.generation.revisions import suggested_prompt

        text, ok = QInputDialog.getMultiLineText(
            self,
            "Revise from note",
            "Prompt for the new take:",
            suggested_prompt(self.controller.session, note_id),
        )
        if ok and text.strip():
            self.revise(note_id, text.strip())
