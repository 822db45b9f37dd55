"""Wiring review tools into the main window without editing it: :func:`install_review`.

It adds a *Review* menu (before *Help*): Enter Review Mode (F5), Compare Takes… (Ctrl+Shift+C) and Draw
on Frame (Ctrl+Shift+D), their keys from :mod:`previz.ui.keys`; and, once the window is shown, it lays a
:class:`~previz.ui.review.viewer_notes.ViewerNotes` over the main viewer's picture so a note's drawing
shows whenever the viewer reaches that note's frame (cut or take mode). Review mode, take compare and the
drawing tools are imported when first used (or, for the notes, off the UI thread after the first paint):
building the menu imports none of them.
It reads the window's ``controller`` (a :class:`~previz.ui.controller.ProjectController`, whose
``session`` is the open project), ``widgets["viewer"]`` and ``stack``, and re-attaches to the new viewer
each time a project is opened.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from previz.core.errors import PrevizError
from previz.ui import keys
from previz.ui.viewer.frames import CutSource

#: The notes over the viewer (the drawing tools and the note editor come with it) and review mode: ~0.1 s
#: of CPU to import, so they are imported off the UI thread after the window is shown.
VIEWER_NOTES = "previz.ui.review.viewer_notes"
REVIEW_MODE = "previz.ui.review.mode"
#: How long after a project's page is shown the notes are laid over its viewer.
ATTACH_DELAY_MS = 300


class ReviewActions(QObject):
    """The Review menu's actions for one main window (kept as ``window.review_actions``)."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.review_window = None
        self.compare_dialog = None
        bar = window.menuBar()
        help_menu = next((a for a in bar.actions() if a.text().replace("&", "") == "Help"), None)
        self.menu = QMenu("&Review", bar)
        if help_menu is None:
            bar.addMenu(self.menu)
        else:
            bar.insertMenu(help_menu, self.menu)
        self.enter_action = self._add("Enter &Review Mode", self.enter_review, "app.review")
        self.compare_action = self._add("&Compare Takes…", self.compare_takes, "app.compare")
        self.draw_action = self._add("&Draw on Frame", self.draw_on_frame, "app.draw")
        self._viewer_seen = None  # the viewer whose messages go to the status bar
        window.stack.currentChanged.connect(self._page_changed)
        self._page_changed()

    def _add(self, text: str, slot, action_id: str) -> QAction:
        action = QAction(text, self.window)
        action.setObjectName(f"key:{action_id}")
        action.setShortcuts(keys.sequences(action_id))
        action.triggered.connect(lambda _c=False: slot())
        self.menu.addAction(action)
        return action

    def _viewer(self):
        return self.window.widgets.get("viewer") if self.window.controller is not None else None

    def viewer_notes(self):
        """The notes over the viewer (a ``viewer_notes.ViewerNotes``), or None without a project."""
        return self.attach_viewer()

    def _page_changed(self, *_args) -> None:
        """A project's page is shown: its viewer's messages go to the status bar at once, and the notes are
        laid over it once the window is shown (imported off the UI thread the first time)."""
        from previz.ui.warmup import warm_up_when_idle

        viewer = self._viewer()
        if viewer is None:
            return
        if viewer is not self._viewer_seen:
            self._viewer_seen = viewer
            viewer.message.connect(self.window.show_message)  # "Loop on", "Shuttle 2× forward"
        if VIEWER_NOTES in sys.modules:
            self.attach_viewer()
        else:
            warm_up_when_idle(self, ATTACH_DELAY_MS, (VIEWER_NOTES, REVIEW_MODE), then=self.attach_viewer)

    def attach_viewer(self, *_args):
        """The viewer's ``ViewerNotes``, laid over it now if it is not yet; None without a project."""
        viewer = self._viewer()
        if viewer is None:
            return None
        from previz.ui.review.viewer_notes import ViewerNotes

        found = viewer.findChild(ViewerNotes)
        if found is not None:
            return found
        notes = ViewerNotes(viewer, self.window.controller)
        notes.refresh()  # a note's drawing at the frame shown now
        return notes

    def _need_project(self) -> bool:
        if self.window.controller is None:
            self.window.show_message("Open a project first")
            return False
        return True

    def enter_review(self, full_screen: bool = True):
        """Open review mode at the viewer's frame; leaving it puts the viewer on the frame reviewed last."""
        from previz.ui.review.mode import ReviewWindow

        if not self._need_project():
            return None
        if self.review_window is not None and self.review_window.isVisible():
            self.review_window.raise_()
            self.review_window.activateWindow()
            return self.review_window
        controller, viewer = self.window.controller, self._viewer()
        start = 0
        if viewer is not None:
            viewer.pause()
            if isinstance(viewer.source, CutSource):
                start = viewer.position
            elif controller.current_shot:
                start = next(
                    (
                        e.record_in
                        for e in controller.session.cut().entries
                        if e.code == controller.current_shot
                    ),
                    0,
                )
        proxies = getattr(viewer, "proxies", None)
        self.review_window = ReviewWindow(controller, self.window, start_frame=start, proxies=proxies)
        self.review_window.closed.connect(self._review_closed)
        self.review_window.show_review(full_screen)
        return self.review_window

    def _review_closed(self, frame: int) -> None:
        viewer = self._viewer()
        if viewer is not None and isinstance(viewer.source, CutSource):
            viewer.seek(frame)
        if self.review_window is not None:
            self.review_window.deleteLater()
            self.review_window = None

    def compare_takes(self, code: str | None = None):
        """Compare two takes of ``code`` (default: the current shot) in a window of its own."""
        from previz.ui.review.compare import CompareDialog

        if not self._need_project():
            return None
        code = code or self.window.controller.current_shot
        if not code:
            self.window.show_message("Select a shot to compare its takes")
            return None
        try:
            dialog = CompareDialog(self.window.controller, code, self.window)
        except PrevizError as exc:
            self.window.show_message(exc.one_line())
            return None
        if self.compare_dialog is not None:
            self.compare_dialog.close()
        self.compare_dialog = dialog
        dialog.show()
        return dialog

    def shutdown(self) -> None:
        """Close review mode and take compare (their players stop) before the project closes."""
        if self.review_window is not None:
            self.review_window.close()  # closed → _review_closed forgets it
        if self.compare_dialog is not None:
            self.compare_dialog.done(0)
            self.compare_dialog = None
        viewer = self._viewer()
        # Never laid over the viewer before its module is imported; the warm-up thread may be importing it
        # right now (a window closed just after it opened), when the module has no ViewerNotes yet.
        notes_class = getattr(sys.modules.get(VIEWER_NOTES), "ViewerNotes", None)
        notes = viewer.findChild(notes_class) if viewer and notes_class else None
        if notes is not None:
            notes.detach()

    def draw_on_frame(self) -> bool:
        if not self._need_project():
            return False
        notes = self.attach_viewer()
        if notes is None or not notes.start():
            self.window.show_message("Nothing under the playhead to draw on")
            return False
        return True


def install_review(window) -> ReviewActions:
    """Add the Review menu to ``window`` (a ``previz.ui.main_window.MainWindow``) once; returns its
    :class:`ReviewActions` (also kept as ``window.review_actions``)."""
    existing = getattr(window, "review_actions", None)
    if isinstance(existing, ReviewActions):
        return existing
    actions = ReviewActions(window)
    window.review_actions = actions
    return actions
