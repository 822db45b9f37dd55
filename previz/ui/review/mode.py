"""Review mode: the cut full screen (on a second screen when there is one) for a director's review.

Keys (bound from :mod:`previz.ui.keys`): Space play/pause · J/K/L shuttle · ←/→ step a frame · ↑/↓
(PgUp/PgDn) previous/next shot · Home/End · Ctrl+L loop the shot · T overlay (shot code, take, status,
timecode) · A approve · N needs changes · O omit · R ready · M or Enter new note at this frame (type it,
draw on the frame, Enter saves, Esc cancels) · E edit the note at this frame · Ctrl+Z / Ctrl+Shift+Z
undo / redo · Esc leave. The status bar at the bottom says what the last key did.

Pictures come from the app's own decoding (:class:`previz.ui.viewer.frames.CutSource` and ``FrameDecoder``
through the app's one transport, :class:`previz.ui.viewer.player.Transport`). Statuses and notes go through
the project controller, so each is one step on the app's undo stack. Notes with a drawing show it when
playback reaches their frame (held for half a second while playing, so it can be seen).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QStatusBar, QVBoxLayout, QWidget

from previz.core.errors import PrevizError
from previz.core.review import set_review_status
from previz.ui import keys
from previz.ui.review.drawing import DrawingOverlay
from previz.ui.review.widgets import STATUS_COLOURS, NoteEditor, PictureCanvas, note_author
from previz.ui.viewer.frames import CutSource
from previz.ui.viewer.player import Transport

#: The status keys' action ids and the status each sets.
STATUS_ACTIONS = {
    "review.approve": "approved",
    "review.needs_changes": "needs_changes",
    "review.omit": "omitted",
    "review.ready": "ready",
}
STATUS_WORDS = {
    "approved": "Approved",
    "needs_changes": "Needs changes",
    "omitted": "Omitted",
    "ready": "Ready",
}
HINTS = (
    "Space play · J/K/L shuttle · ←/→ frame · ↑/↓ shot · Ctrl+L loop · A approve · N needs changes · "
    "O omit · M note · E edit note · T overlay · Ctrl+Z undo · ? keys · Esc leave"
)
#: While playing, a note's drawing stays up this many frames after its frame.
HOLD_FRAMES = 12


class ReviewWindow(QWidget):
    """Full-screen review of the cut. ``closed`` gives the record frame the review ended on."""

    closed = Signal(int)

    def __init__(self, controller, parent: QWidget | None = None, *, start_frame: int = 0, proxies=None):
        super().__init__(None)
        self.setObjectName("ReviewWindow")
        self.setWindowTitle("Previz — Review")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setStyleSheet("#ReviewWindow { background: #000; }")
        self.owner = parent
        self.controller = controller
        self.session = controller.session
        self.proxies = proxies
        self.canvas = PictureCanvas(self)
        self.status_bar = QStatusBar(self)
        self.status_bar.setSizeGripEnabled(False)
        self.status_bar.setStyleSheet("QStatusBar { background: #000; color: #c8ccd2; }")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.status_bar)
        self.drawing = DrawingOverlay(self.canvas, self.canvas.picture_rect)
        self.editor = NoteEditor(self.drawing, self)
        self.editor.saveRequested.connect(self.save_note)
        self.editor.cancelRequested.connect(self.cancel_note)
        self.editing_note: dict | None = None  # {"code", "frame", "take", "note_id"}
        self.loop_shot = False
        self._notes: dict[tuple[int, int], list] = {}
        self._shown_note_frame: tuple[int, int] | None = None  # (shot id, record frame) of a held drawing
        self._flash_timer = QTimer(self, singleShot=True, interval=1400)
        self._flash_timer.timeout.connect(self._clear_flash)
        self._closed = False
        self.player = Transport([self._source()], self)
        self.player.frameShown.connect(self._on_frame)
        self.key_actions = keys.bind(self, "review", self._key_handlers())
        self.note_actions = keys.bind(
            self.editor,
            "note",
            {"note.save": self.save_note, "note.cancel": self.cancel_note},
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
        )
        self.canvas.aspect = self.player.sources[0].size[0] / max(1, self.player.sources[0].size[1])
        self._index_notes()
        controller.changed.connect(self._on_changed)
        self.resize(1280, 720)
        self.player.seek(start_frame)

    # -------------------------------------------------------------- showing
    def target_screen(self):
        """The screen the review goes on: another screen than the main window's when there are several."""
        screens = QGuiApplication.screens()
        current = self.owner.screen() if self.owner is not None else QGuiApplication.primaryScreen()
        if len(screens) > 1 and current is not None:
            others = [s for s in screens if s.name() != current.name()]
            if others:
                return others[0]
        return current

    def show_review(self, full_screen: bool = True) -> None:
        screen = self.target_screen()
        if screen is not None:
            self.setScreen(screen)
            if full_screen:
                self.setGeometry(screen.geometry())
            else:
                self.move(screen.geometry().topLeft())
        if full_screen:
            self.showFullScreen()
        else:
            self.show()
        self.raise_()
        self.activateWindow()
        self.setFocus()
        self.flash_message("Review — Esc leaves", "#9aa0a8")

    # -------------------------------------------------------------- model
    def _source(self) -> CutSource:
        return CutSource(self.session, self.session.cut(), self.proxies)

    @property
    def source(self) -> CutSource:
        return self.player.sources[0]

    def _index_notes(self) -> None:
        self._notes = {}
        for note in self.session.notes():
            self._notes.setdefault((note.shot_id, note.frame), []).append(note)

    def _on_changed(self, changes) -> None:
        if changes.notes:
            self._index_notes()
        if changes.timeline or changes.takes or changes.shots or changes.project:
            self.player.set_sources([self._source()])
            if self.loop_shot:
                self._loop_current()
        self._update_overlay()

    def current_entry(self):
        return self.source.entry_at(self.player.position)

    def notes_here(self) -> list:
        entry = self.current_entry()
        if entry is None:
            return []
        return self._notes.get((entry.shot_id, self.player.position - entry.record_in), [])

    # -------------------------------------------------------------- frames and overlay
    def _on_frame(self, position: int) -> None:
        self.canvas.image = self.player.images[0]
        self._update_overlay()

    def _update_overlay(self) -> None:
        position = self.player.displayed_position
        entry = self.source.entry_at(position) if position is not None else None
        hud: dict[str, str] = {"hints": HINTS}
        strokes: list = []
        if entry is not None:
            shot = self.session.shot(entry.shot_id)
            take = f"take {entry.take_number}" if entry.take_number else "board"
            loop = "  ·  loop" if self.loop_shot else ""
            hud["shot"] = (
                f"{entry.code}  ·  {take}  ·  {position - entry.record_in + 1}/{entry.duration}{loop}"
            )
            hud["timecode"] = self.source.timecode(position)
            hud["status"] = shot.status.replace("_", " ")
            hud["status_colour"] = STATUS_COLOURS.get(shot.status, "#e6e8eb")
            frame = position - entry.record_in
            notes = self._notes.get((entry.shot_id, frame), [])
            if notes:
                self._shown_note_frame = (entry.shot_id, position)
            elif self.player.playing and self._shown_note_frame is not None:
                shot_id, at = self._shown_note_frame
                if shot_id == entry.shot_id and 0 <= position - at <= HOLD_FRAMES:
                    notes = self._notes.get((shot_id, at - entry.record_in), [])
            hud["notes"] = "\n".join(f"● {n.author + ': ' if n.author else ''}{n.text}" for n in notes[-3:])
            strokes = [s for n in notes for s in n.strokes if not (self.editing_note and self._is_edited(n))]
        self.canvas.hud = hud
        self.drawing.set_shown(strokes)
        self.canvas.update()

    def _is_edited(self, note) -> bool:
        return self.editing_note is not None and self.editing_note.get("note_id") == note.id

    def flash_message(self, text: str, colour: str = "#ffffff") -> None:
        self.canvas.flash = text
        self.canvas.hud["flash_colour"] = colour
        self.canvas.update()
        self._flash_timer.start()

    def _clear_flash(self) -> None:
        self.canvas.flash = ""
        self.canvas.update()

    def toggle_overlay(self) -> None:
        self.canvas.hud_visible = not self.canvas.hud_visible
        self.canvas.update()

    # -------------------------------------------------------------- review actions
    def set_status(self, status: str) -> bool:
        entry = self.current_entry()
        if entry is None:
            return False
        try:
            self.controller.edit(lambda: set_review_status(self.session, entry.code, status))
        except PrevizError as exc:
            self.flash_message(exc.one_line(), "#ff8a80")
            return False
        label = status.replace("_", " ")
        extra = " — out of the cut (Ctrl+Z brings it back)" if status == "omitted" else ""
        self.flash_message(f"{entry.code} {label}{extra}", STATUS_COLOURS.get(status, "#ffffff"))
        self.show_status(f"{STATUS_WORDS.get(status, label)} {entry.code}")
        return True

    def shot_step(self, direction: int) -> None:
        self.player.pause()
        starts = self.source.shot_starts()
        position = self.player.position
        if direction > 0:
            later = [s for s in starts if s > position]
            target = later[0] if later else None
        else:
            entry = self.current_entry()
            here = entry.record_in if entry is not None else position
            earlier = [s for s in starts if s < here]
            target = here if position > here else (earlier[-1] if earlier else None)
        if target is not None:
            self.player.seek(target)
            if self.loop_shot:
                self._loop_current()

    def toggle_loop(self) -> None:
        self.loop_shot = not self.loop_shot
        if self.loop_shot:
            self._loop_current()
        else:
            self.player.set_loop(False)
            self.player.clear_range()
        self.flash_message("Loop this shot" if self.loop_shot else "Loop off", "#9aa0a8")
        self.show_status("Loop on" if self.loop_shot else "Loop off")
        self._update_overlay()

    def _loop_current(self) -> None:
        entry = self.current_entry()
        if entry is not None:
            self.player.set_range(entry.record_in, entry.record_out - 1)
            self.player.set_loop(True)

    def undo(self) -> None:
        stack = self.controller.undo_stack
        if stack.canUndo():
            text = stack.undoText()
            stack.undo()
            self.flash_message(f"Undo {text}", "#9aa0a8")
            self.show_status(f"Undo {text}")

    def redo(self) -> None:
        stack = self.controller.undo_stack
        if stack.canRedo():
            text = stack.redoText()
            stack.redo()
            self.flash_message(f"Redo {text}", "#9aa0a8")
            self.show_status(f"Redo {text}")

    # -------------------------------------------------------------- notes
    def start_note(self, note_id: int | None = None) -> bool:
        """Open the note editor at the frame on screen (a new note, or ``note_id`` to edit one)."""
        self.player.pause()
        entry = self.current_entry()
        if entry is None:
            return False
        frame = self.player.position - entry.record_in
        self.editing_note = {
            "code": entry.code,
            "frame": frame,
            "take": entry.take_number,
            "note_id": note_id,
        }
        note = next((n for n in self.notes_here() if n.id == note_id), None) if note_id else None
        self.drawing.set_strokes(note.strokes if note else [])
        self.editor.text.setText(note.text if note else "")
        what = f"Note {note_id}" if note else "New note"
        take = f"take {entry.take_number}" if entry.take_number else "board"
        self.editor.title.setText(
            f"{what} — {entry.code} · {take} · frame {frame} · {self.source.timecode(self.player.position)}"
            f" · by {note.author if note else note_author(self.session) or 'anonymous'}"
        )
        self.editor.error.setText("")
        self.drawing.set_editing(True)
        self._place_editor()
        self.editor.show()
        self.editor.raise_()
        self.editor.text.setFocus()
        self._update_overlay()
        return True

    def edit_note_here(self) -> bool:
        notes = self.notes_here()
        return self.start_note(notes[-1].id) if notes else False

    def save_note(self) -> bool:
        if self.editing_note is None:
            return False
        n = self.editing_note
        if not self.editor.save(self.controller, n, self.drawing.strokes):
            return False
        self._close_editor()
        self.flash_message(f"Note saved on {n['code']} frame {n['frame']}", "#ffd166")
        return True

    def cancel_note(self) -> None:
        self._close_editor()

    def _close_editor(self) -> None:
        self.editing_note = None
        self.drawing.set_editing(False)
        self.drawing.set_strokes([])
        self.editor.hide()
        self.setFocus()
        self._update_overlay()

    def _place_editor(self) -> None:
        width = min(self.width() - 40, 900)
        height = self.editor.sizeHint().height()
        self.editor.setGeometry((self.width() - width) // 2, self.height() - height - 70, width, height)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        if self.editor.isVisible():
            self._place_editor()

    # -------------------------------------------------------------- keys
    def _key_handlers(self) -> dict:
        p = self.player
        handlers = {
            "play.toggle": lambda: self._say(p.toggle, lambda: "Play" if p.playing else "Pause"),
            "play.shuttle_back": lambda: self.shuttle(-1),
            "play.stop": lambda: self.shuttle(0),
            "play.shuttle_forward": lambda: self.shuttle(1),
            "play.step_back": lambda: p.step(-1),
            "play.step_forward": lambda: p.step(1),
            "play.first": lambda: p.seek(0),
            "play.last": lambda: p.seek(p.last),
            "play.loop": self.toggle_loop,
            "review.prev_shot": lambda: self.shot_step(-1),
            "review.next_shot": lambda: self.shot_step(1),
            "review.note": self.start_note,
            "review.edit_note": self.edit_note_here,
            "review.overlay": self.toggle_overlay,
            "review.redo": self.redo,
            "app.shortcuts": self.show_shortcuts,
        }
        for action_id, status in STATUS_ACTIONS.items():
            handlers[action_id] = lambda status=status: self.set_status(status)
        handlers = {k: self._unless_editing(f) for k, f in handlers.items()}
        handlers["review.undo"] = lambda: self.drawing.undo_stroke() if self.editing_note else self.undo()
        handlers["review.leave"] = lambda: self.cancel_note() if self.editing_note else self.close()
        return handlers

    def _unless_editing(self, handler):
        return lambda: None if self.editing_note is not None else handler()

    def show_shortcuts(self):
        from previz.ui.dialogs.shortcuts import show_shortcuts_sheet

        return show_shortcuts_sheet(self)

    def shuttle(self, direction: int) -> None:
        self.player.shuttle(direction)
        self.show_status(keys.shuttle_text(self.player.speed))

    def _say(self, do, what) -> None:
        do()
        self.show_status(what())

    def show_status(self, text: str) -> None:
        """Say in the status bar what a key just did."""
        self.status_bar.showMessage(text, 4000)

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self.editor.isVisible():
            return  # the note editor's keys (Enter, Esc, Ctrl+Z) are its own
        super().keyPressEvent(event)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        if not self._closed:
            self._closed = True
            position = self.player.position
            try:
                self.controller.changed.disconnect(self._on_changed)
            except (RuntimeError, TypeError):
                pass
            self.player.shutdown()
            self.closed.emit(position)
        super().closeEvent(event)
