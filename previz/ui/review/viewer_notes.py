"""The notes' drawings over the main viewer's picture, and the Draw on Frame editor (:class:`ViewerNotes`).

Made for the main window's viewer by :class:`~previz.ui.review.actions.ReviewActions` once the window is
shown (this module, with the drawing tools and the note editor, is imported off the UI thread then: the
first paint does not wait for it), or at once when Draw on Frame is used first.
"""

from __future__ import annotations

from PySide6.QtCore import QObject

from previz.ui.review.drawing import DrawingOverlay
from previz.ui.review.widgets import NoteEditor, note_author
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
        """The notes are read again only when notes changed: they are kept by shot id and frame of the shot,
        which no other edit changes (a split or a delete that moves or drops notes writes note rows, so it
        names notes too). An edit of the shots only may put another shot under the playhead: the drawings
        shown are looked up again (no read)."""
        if changes.notes:
            self._index()
        if changes.notes or changes.shots:
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
        if self.target is None or not self.editor.save(self.controller, self.target, self.overlay.strokes):
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
