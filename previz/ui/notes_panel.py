"""The notes dock: the project's notes (shot, frame, author, text, resolved); clicking one selects the shot
and seeks the viewer. Review tools (drawings, compare, reports) come with the review issue."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget


class NotesPanel(QWidget):
    noteActivated = Signal(str, int)  # shot code, record frame of the cut (or -1)

    def __init__(self, controller, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("NotesPanel")
        self.controller = controller
        self.open_only = QCheckBox("Open notes only")
        self.open_only.toggled.connect(self.reload)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Shot", "Frame", "Author", "Note"])
        self.tree.setRootIsDecorated(False)
        for col, width in enumerate((90, 50, 80)):
            self.tree.setColumnWidth(col, width)
        self.tree.itemActivated.connect(self._activate)
        self.tree.itemClicked.connect(self._activate)
        top = QHBoxLayout()
        top.addWidget(self.open_only)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.tree, 1)
        controller.changed.connect(lambda ch: (ch.notes or ch.shots) and self.reload())
        self.reload()

    def reload(self) -> None:
        session = self.controller.session
        codes = {s.id: s.code for s in session.shots()}
        starts = {e.shot_id: e.record_in for e in session.cut().entries}
        self.tree.clear()
        for note in session.notes():
            if self.open_only.isChecked() and note.resolved:
                continue
            item = QTreeWidgetItem(
                [
                    codes.get(note.shot_id, "?"),
                    str(note.frame),
                    note.author,
                    ("✓ " if note.resolved else "") + note.text,
                ]
            )
            record = starts.get(note.shot_id)
            item.setData(
                0,
                Qt.ItemDataRole.UserRole,
                (codes.get(note.shot_id, ""), -1 if record is None else record + note.frame),
            )
            item.setToolTip(3, note.text)
            self.tree.addTopLevelItem(item)

    def _activate(self, item) -> None:
        code, record = item.data(0, Qt.ItemDataRole.UserRole)
        self.controller.set_current_shot(code)
        self.noteActivated.emit(code, record)
