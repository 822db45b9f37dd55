"""Wiring review tools into the main window without editing it: :func:`install_review`.

It adds a *Review* menu (before *Help*): Enter Review Mode (F5), Compare Takes… (Ctrl+Shift+C) and Draw
on Frame (Ctrl+Shift+D), their keys from :mod:`previz.ui.keys`; and it lays a
:class:`~previz.ui.review.drawing.DrawingOverlay` over the main viewer's picture so a note's drawing
shows whenever the viewer reaches that note's frame (cut or take mode).
It reads the window's ``controller`` (a :class:`~previz.ui.controller.ProjectController`, whose
``session`` is the open project), ``widgets["viewer"]`` and ``stack``, and re-attaches to the new viewer
each time a project is opened.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from previz.core.errors import PrevizError
from previz.ui import keys
from previz.ui.review.drawing import DrawingOverlay
from previz.ui.review.mode import note_author
from previz.ui.review.widgets import NoteEditor
from previz.ui.viewer.frames import CutSource, TakeSource

OVERLAY_NAME = "ReviewNotesOverlay"


class ViewerNotes(QObject):
    """Notes' drawings over the main viewer, and the Draw on Frame editor."""

    def __init__(self, viewer, controller) -> None:
        super().__init__(viewer)
        self.viewer = viewer
        self.controller = controller
        canvas = viewer.canvas
        self.overlay = DrawingOverlay(canvas, canvas.picture_rect)
        self.overlay.setObjectName(OVERLAY_NAME)
        self.editor = NoteEditor(self.overlay, viewer)
        self.editor.saveRequested.connect(self.save)
        self.editor.cancelRequested.connect(self.cancel)
        self.target: dict | None = None
        self._notes: dict[tuple[int, int], list] = {}
        self._index()
        viewer.positionChanged.connect(self.refresh)
        controller.changed.connect(self._on_changed)

    def detach(self) -> None:
        """Stop following the project (it is closing)."""
        for signal, slot in (
            (self.viewer.positionChanged, self.refresh),
            (self.controller.changed, self._on_changed),
        ):
            try:
                signal.disconnect(slot)
            except (RuntimeError, TypeError):
                pass

    def _on_changed(self, changes) -> None:
        if changes.notes or changes.shots:
            self._index()
            self.refresh()

    def _index(self) -> None:
        self._notes = {}
        try:
            for note in self.controller.session.notes():
                self._notes.setdefault((note.shot_id, note.frame), []).append(note)
        except Exception:  # noqa: BLE001 - the project was closed under us; nothing to show
            self._notes = {}

    def here(self) -> dict | None:
        """Shot, frame of the shot and take under the viewer's playhead."""
        source, position = self.viewer.source, self.viewer.position
        if isinstance(source, CutSource):
            entry = source.entry_at(position)
            if entry is None:
                return None
            frame = position - entry.record_in
            return {"code": entry.code, "shot_id": entry.shot_id, "frame": frame, "take": entry.take_number}
        if isinstance(source, TakeSource):
            shot = self.controller.session.shot(source.code)
            frame = position - (shot.trim_in or 0)
            if not 0 <= frame < shot.duration_frames:
                return None
            take = source.take.number if source.take is not None else None
            return {"code": shot.code, "shot_id": shot.id, "frame": frame, "take": take}
        return None

    def refresh(self, *_args) -> None:
        where = self.here()
        notes = self._notes.get((where["shot_id"], where["frame"]), []) if where else []
        self.overlay.set_shown([s for n in notes for s in n.strokes])

    def start(self) -> bool:
        self.viewer.pause()
        where = self.here()
        if where is None:
            return False
        self.target = where
        take = f"take {where['take']}" if where["take"] else "board"
        self.editor.title.setText(
            f"New note — {where['code']} · {take} · frame {where['frame']}"
            f" · by {note_author(self.controller.session) or 'anonymous'}"
        )
        self.editor.error.setText("")
        self.editor.text.clear()
        self.overlay.set_strokes([])
        self.overlay.set_editing(True)
        width = min(self.viewer.width() - 20, 860)
        height = self.editor.sizeHint().height()
        self.editor.setGeometry((self.viewer.width() - width) // 2, 10, width, height)
        self.editor.show()
        self.editor.raise_()
        self.editor.text.setFocus()
        return True

    def save(self) -> bool:
        if self.target is None:
            return False
        text = self.editor.text.text().strip()
        if not text:
            self.editor.error.setText("Type the note's text first (the drawing is kept).")
            return False
        t, strokes, session = self.target, list(self.overlay.strokes), self.controller.session
        try:
            self.controller.edit(
                lambda: session.add_note(
                    t["code"],
                    t["frame"],
                    text,
                    author=note_author(session),
                    take_number=t["take"],
                    strokes=strokes,
                )
            )
        except PrevizError as exc:
            self.editor.error.setText(exc.one_line())
            return False
        self.cancel()
        return True

    def cancel(self) -> None:
        self.target = None
        self.overlay.set_editing(False)
        self.overlay.set_strokes([])
        self.editor.hide()
        self.viewer.setFocus()
        self.refresh()


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
        window.stack.currentChanged.connect(self.attach_viewer)
        self.attach_viewer()

    def _add(self, text: str, slot, action_id: str) -> QAction:
        action = QAction(text, self.window)
        action.setObjectName(f"key:{action_id}")
        action.setShortcuts(keys.sequences(action_id))
        action.triggered.connect(lambda _c=False: slot())
        self.menu.addAction(action)
        return action

    def _viewer(self):
        return self.window.widgets.get("viewer") if self.window.controller is not None else None

    def viewer_notes(self) -> ViewerNotes | None:
        viewer = self._viewer()
        return viewer.findChild(ViewerNotes) if viewer is not None else None

    def attach_viewer(self, *_args) -> ViewerNotes | None:
        viewer = self._viewer()
        if viewer is None:
            return None
        found = viewer.findChild(ViewerNotes)
        if found is not None:
            return found
        viewer.message.connect(self.window.show_message)  # "Loop on", "Shuttle 2× forward" in the status bar
        return ViewerNotes(viewer, self.window.controller)

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
        notes = self.viewer_notes()
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
