"""What other people are doing, in the main window: the status bar's line naming who changed what, and when
("bob: Change duration of 001_0010 · just now", its age kept current), and the message for an edit, undo
or redo refused because someone changed the same rows since (in the status bar, and in a message box that
does not block the window). Installed once per window (:func:`install_live_status`) and attached to each
project's controller as it opens."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QLabel, QMessageBox

#: How often the line's "2 minutes ago" is brought up to date.
AGE_REFRESH_MS = 20_000
#: Entries listed in the line's tooltip.
TOOLTIP_ENTRIES = 8


class LiveStatus(QObject):
    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.label = QLabel("", objectName="liveFeed")
        self.label.setToolTip("Changes made by other people or programs in this project")
        window.statusBar().addPermanentWidget(self.label)
        self.last = None  # the newest FeedUpdate shown
        self.box: QMessageBox | None = None
        self.age_timer = QTimer(self)
        self.age_timer.setInterval(AGE_REFRESH_MS)
        self.age_timer.timeout.connect(self.refresh_age)
        self.controller = None

    def attach(self, controller) -> None:
        """Follow ``controller`` (a newly opened project): its feed's updates and its refusals."""
        if self.controller is not None:
            for signal, slot in (
                (self.controller.remoteChanged, self.show_update),
                (self.controller.conflict, self.show_conflict),
            ):
                try:
                    signal.disconnect(slot)
                except (RuntimeError, TypeError):  # already gone with its controller
                    pass
        self.controller = controller
        self.clear()
        controller.remoteChanged.connect(self.show_update)
        controller.conflict.connect(self.show_conflict)

    def clear(self) -> None:
        """Say nothing of other people's changes until the next one arrives."""
        self.last = None
        self.label.clear()
        self.age_timer.stop()

    def show_update(self, update) -> None:
        """Name who changed what, and when (the newest of ``update``'s rows; the others in the tooltip)."""
        if not update:
            return
        self.last = update
        self.label.setText(update.summary())
        lines = [update.line(e) for e in update.entries[-TOOLTIP_ENTRIES:]]
        self.label.setToolTip("Changes made by other people or programs:\n" + "\n".join(reversed(lines)))
        self.age_timer.start()

    def refresh_age(self) -> None:
        if self.last is not None:
            self.label.setText(self.last.summary())

    def show_conflict(self, message: str) -> None:
        """An edit, undo or redo was refused: say why in the status bar and in a message box that leaves
        the window usable (one box, showing the newest refusal)."""
        self.window.statusBar().showMessage(message, 15000)
        if self.box is None:
            self.box = QMessageBox(QMessageBox.Icon.Warning, "Not changed", message, parent=self.window)
            self.box.setObjectName("conflictMessage")
            self.box.setModal(False)
        self.box.setText(message)
        self.box.show()
        self.box.raise_()


def install_live_status(window) -> LiveStatus:
    """The window's :class:`LiveStatus` (made on first use, kept as ``window.live_status``)."""
    existing = getattr(window, "live_status", None)
    if existing is None:
        existing = window.live_status = LiveStatus(window)
    return existing
