"""The one key table: every keyboard shortcut of the viewer, review mode, take compare and the main window.

Each :class:`Key` names an action id, its key sequence(s) (Qt's portable text, e.g. ``"Ctrl+L"``, or
``"std:Close"`` for a platform's ``QKeySequence.StandardKey``, which differs between systems), the group
it is listed under in the shortcuts sheet, what it does, and the *scopes* it is bound in:

- ``viewer``, ``review``, ``compare``, ``note`` (the note editor of review mode) are bound from this table
  by :func:`bind` (one ``QAction`` per entry, named ``key:<id>``);
- ``queue`` (the generation queue panel, while it has focus) is bound by :func:`bind` too;
- ``window`` are the main window's menu shortcuts (bound by the menus; listed here so the sheet shows them,
  and a test checks both agree).

The shortcuts sheet (:mod:`previz.ui.dialogs.shortcuts`) is built from :data:`KEYS` too, so what it says
is what the keys do. The playback keys follow the editing convention: J/K/L shuttle everywhere (L again:
faster), K stops; loop is Ctrl+L.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

PLAYBACK = frozenset({"viewer", "review", "compare"})


@dataclass(frozen=True)
class Key:
    id: str
    keys: tuple[str, ...]
    group: str
    description: str
    scopes: frozenset[str]

    @property
    def text(self) -> str:
        """The keys as the sheet shows them: ``"Up, PgUp"`` (a platform's standard key as it is here)."""
        from PySide6.QtGui import QKeySequence

        fmt = QKeySequence.SequenceFormat.NativeText
        return ", ".join(s.toString(fmt) for s in sequences(self.id)) or "(none on this system)"


def _k(id_: str, keys: str | tuple[str, ...], group: str, description: str, scopes) -> Key:
    keys = (keys,) if isinstance(keys, str) else tuple(keys)
    scopes = frozenset({scopes} if isinstance(scopes, str) else scopes)
    return Key(id_, keys, group, description, scopes)


P, V, R, C, N, Q, W = (
    "Playback",
    "Viewer",
    "Review mode",
    "Take compare",
    "Note editor",
    "Generation queue",
    "Application",
)

KEYS: tuple[Key, ...] = (
    # playback: the same transport and the same keys in the viewer, review mode and take compare
    _k("play.toggle", "Space", P, "Play / pause", PLAYBACK),
    _k("play.shuttle_back", "J", P, "Shuttle backwards (again: faster, up to 8×)", PLAYBACK),
    _k("play.stop", "K", P, "Stop", PLAYBACK),
    _k("play.shuttle_forward", "L", P, "Shuttle forwards (again: faster, up to 8×)", PLAYBACK),
    _k("play.step_back", "Left", P, "Step one frame back", PLAYBACK),
    _k("play.step_forward", "Right", P, "Step one frame forward", PLAYBACK),
    _k("play.first", "Home", P, "Go to the first frame", PLAYBACK),
    _k("play.last", "End", P, "Go to the last frame", PLAYBACK),
    _k("play.loop", "Ctrl+L", P, "Loop on / off (review mode: loops the shot)", PLAYBACK),
    # the main viewer
    _k("viewer.prev_shot", "Up", V, "Previous shot (its first frame)", "viewer"),
    _k("viewer.next_shot", "Down", V, "Next shot", "viewer"),
    _k("viewer.mark_in", "I", V, "Mark in", "viewer"),
    _k("viewer.mark_out", "O", V, "Mark out", "viewer"),
    _k("viewer.clear_inout", "Alt+X", V, "Clear in and out", "viewer"),
    # review mode
    _k("review.prev_shot", ("Up", "PgUp"), R, "Previous shot (the start of this one first)", "review"),
    _k("review.next_shot", ("Down", "PgDown"), R, "Next shot", "review"),
    _k("review.approve", "A", R, "Approve the shot", "review"),
    _k("review.needs_changes", "N", R, "Needs changes", "review"),
    _k("review.omit", "O", R, "Omit the shot (out of the cut; undo brings it back)", "review"),
    _k("review.ready", "R", R, "Back to ready", "review"),
    _k("review.note", ("M", "Return", "Enter"), R, "New note at this frame (type, draw)", "review"),
    _k("review.edit_note", "E", R, "Edit the note at this frame", "review"),
    _k("review.overlay", "T", R, "Overlay on / off (shot, take, status, timecode)", "review"),
    _k("review.undo", "Ctrl+Z", R, "Undo (while writing a note: its last stroke)", "review"),
    _k("review.redo", ("Ctrl+Shift+Z", "Ctrl+Y"), R, "Redo", "review"),
    _k("review.leave", "Esc", R, "Leave review mode", "review"),
    _k("note.save", ("Return", "Enter"), N, "Save the note", "note"),
    _k("note.cancel", "Esc", N, "Cancel the note", "note"),
    # take compare
    _k("compare.wipe", "W", C, "Side by side / A/B wipe", "compare"),
    # the queue panel (while it has focus): its keys live beside the window's, so none may reuse one
    _k("queue.sooner", "Ctrl+Shift+Up", Q, "Run the selected queued job sooner", "queue"),
    _k("queue.later", "Ctrl+Shift+Down", Q, "Run the selected queued job later", "queue"),
    # the main window's menus
    _k("app.new", "std:New", W, "New project", "window"),
    _k("app.open", "std:Open", W, "Open project", "window"),
    _k("app.import", "Ctrl+I", W, "Import a screenplay, shot list or boards", "window"),
    _k("app.export", "Ctrl+E", W, "Export", "window"),
    _k("app.preferences", "std:Preferences", W, "Preferences", "window"),
    _k("app.close", "std:Close", W, "Close the project", "window"),
    _k("app.quit", "std:Quit", W, "Quit", "window"),
    _k("app.undo", "std:Undo", W, "Undo", "window"),
    _k("app.redo", "std:Redo", W, "Redo", "window"),
    _k("app.zoom_fit", "Ctrl+0", W, "Zoom the timeline to fit", "window"),
    _k("app.play_cut", "Ctrl+1", W, "Viewer plays the cut", "window"),
    _k("app.play_take", "Ctrl+2", W, "Viewer plays the shot's take", "window"),
    _k("app.focus_viewer", "Ctrl+3", W, "Focus the viewer", "window"),
    _k("app.generate", "Ctrl+G", W, "Generate the selected shots", "window"),
    _k("app.duplicate", "Ctrl+D", W, "Duplicate the selected shots", "window"),
    _k("app.delete", "Del", W, "Delete the selected shots", "window"),
    _k("app.next_shot", "Ctrl+Down", W, "Next shot", "window"),
    _k("app.prev_shot", "Ctrl+Up", W, "Previous shot", "window"),
    _k("app.add_scene", "Ctrl+Alt+N", W, "Add a scene", "window"),
    _k("app.add_shot", "Ctrl+Shift+N", W, "Add a shot", "window"),
    _k("app.split", "Ctrl+K", W, "Split the shot at the playhead", "window"),
    _k("app.merge", "Ctrl+Shift+M", W, "Merge the selected shots", "window"),
    _k("app.attach_board", "Ctrl+Shift+B", W, "Attach a board image", "window"),
    _k("app.paste_board", "Ctrl+Shift+V", W, "Paste a board image", "window"),
    _k("app.review", "F5", W, "Enter review mode", "window"),
    _k("app.compare", "Ctrl+Shift+C", W, "Compare takes of the shot", "window"),
    _k("app.draw", "Ctrl+Shift+D", W, "Draw on the frame (a note)", "window"),
    _k("app.shortcuts", "?", W, "This list of keyboard shortcuts", ("window", "review")),
)

GROUPS: tuple[str, ...] = (P, V, R, N, C, Q, W)
WHERE = {
    "viewer": "viewer",
    "review": "review mode",
    "compare": "take compare",
    "note": "note editor",
    "queue": "generation queue",
    "window": "main window",
}
_BY_ID = {k.id: k for k in KEYS}


def key(action_id: str) -> Key:
    """The table entry for ``action_id`` (KeyError names it when missing)."""
    return _BY_ID[action_id]


def in_scope(scope: str) -> list[Key]:
    return [k for k in KEYS if scope in k.scopes]


def sequences(action_id: str) -> list:
    """The ``QKeySequence`` list of ``action_id``."""
    from PySide6.QtGui import QKeySequence

    out: list[QKeySequence] = []
    for text in key(action_id).keys:
        if text.startswith("std:"):  # the platform's primary key for it, as QKeySequence(StandardKey) binds
            sequence = QKeySequence(getattr(QKeySequence.StandardKey, text[4:]))
            out.extend([sequence] if not sequence.isEmpty() else [])
        else:
            out.append(QKeySequence(text))
    return out


def bind(widget, scope: str, handlers: dict[str, Callable[[], object]], *, context=None) -> dict:
    """Bind every entry of ``scope`` on ``widget`` as a ``QAction`` named ``key:<id>`` calling its handler.

    ``handlers`` must name exactly the scope's ids (a missing or extra one raises ``KeyError``, so a table
    entry can never be left unbound or a binding made outside the table). The shortcut context is
    ``WidgetShortcut`` (the widget itself has focus) unless ``context`` says otherwise. Returns
    ``{id: QAction}``."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QAction

    ids = {k.id for k in in_scope(scope)}
    if set(handlers) != ids:
        missing, extra = sorted(ids - set(handlers)), sorted(set(handlers) - ids)
        raise KeyError(f"keys for {scope!r}: unbound {missing}, not in previz/ui/keys.py {extra}")
    actions = {}
    for entry in in_scope(scope):
        action = QAction(entry.description, widget)
        action.setObjectName(f"key:{entry.id}")
        action.setShortcuts(sequences(entry.id))
        action.setShortcutContext(context if context is not None else Qt.ShortcutContext.WidgetShortcut)
        action.triggered.connect(lambda _checked=False, f=handlers[entry.id]: f())
        widget.addAction(action)
        actions[entry.id] = action
    return actions


def shuttle_text(speed: int) -> str:
    """What the status bar says after a shuttle key: ``"Shuttle 2× forward"``, ``"Stopped"``."""
    if speed == 0:
        return "Stopped"
    return f"Shuttle {abs(speed)}× {'forward' if speed > 0 else 'backward'}"
