"""Help → Keyboard Shortcuts (also "?"): every key of the app, grouped and searchable.

Built from :data:`previz.ui.keys.KEYS`, the same table the viewer, review mode, take compare and the
Review menu bind their shortcuts from, so the sheet cannot disagree with what the keys do.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from previz.ui import keys

SHEET_NAME = "ShortcutsSheet"


def _where(entry: keys.Key) -> str:
    if entry.scopes == keys.PLAYBACK:
        return "viewer, review mode, take compare"
    return ", ".join(keys.WHERE[s] for s in sorted(entry.scopes))


class ShortcutsSheet(QDialog):
    """The keys in groups (Playback, Viewer, Review mode, …); typing filters by key, action or group.
    Entries whose platform standard key does not exist on this system are left out."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName(SHEET_NAME)
        self.setWindowTitle("Keyboard shortcuts")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search keys and actions (e.g. loop, shuttle, Ctrl)")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.filter)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Key", "Action", "Where"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.count = QLabel("", objectName="dim")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.count)
        layout.addWidget(buttons)
        self.groups: dict[str, QTreeWidgetItem] = {}
        self.rows: list[tuple[QTreeWidgetItem, keys.Key]] = []
        bold = QFont()
        bold.setBold(True)
        for group in keys.GROUPS:
            header = QTreeWidgetItem([group])
            header.setFirstColumnSpanned(False)
            header.setFont(0, bold)
            header.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.tree.addTopLevelItem(header)
            header.setFirstColumnSpanned(True)
            self.groups[group] = header
            for entry in keys.KEYS:
                if entry.group != group or not keys.sequences(entry.id):
                    continue  # a platform standard key this system does not have (Quit on some)
                item = QTreeWidgetItem(header, [entry.text, entry.description, _where(entry)])
                item.setData(0, Qt.ItemDataRole.UserRole, entry.id)
                item.setFont(0, bold)
                self.rows.append((item, entry))
        self.tree.expandAll()
        for column, width in enumerate((180, 400)):
            self.tree.setColumnWidth(column, width)
        self.resize(860, 720)
        self.filter("")
        self.search.setFocus()

    def filter(self, text: str) -> None:
        """Show the rows whose key, action, where or group contains every word of ``text``."""
        words = text.lower().split()
        shown = 0
        visible_groups: set[str] = set()
        for item, entry in self.rows:
            haystack = f"{entry.text} {entry.description} {_where(entry)} {entry.group}".lower()
            ok = all(w in haystack for w in words)
            item.setHidden(not ok)
            if ok:
                shown += 1
                visible_groups.add(entry.group)
        for group, header in self.groups.items():
            header.setHidden(group not in visible_groups)
        total = len(self.rows)
        self.count.setText(f"{shown} of {total} shortcuts" if words else f"{total} shortcuts")

    def visible_ids(self) -> list[str]:
        return [entry.id for item, entry in self.rows if not item.isHidden()]


def show_shortcuts_sheet(parent=None) -> ShortcutsSheet:
    """Open the sheet (non-modal, one per parent: an open one is raised)."""
    existing = parent.findChild(ShortcutsSheet, SHEET_NAME) if parent is not None else None
    if existing is not None:
        existing.show()
        existing.raise_()
        existing.activateWindow()
        return existing
    sheet = ShortcutsSheet(parent)
    sheet.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    sheet.show()
    return sheet
