"""Authoring a film in the app: add scenes and shots, duplicate, split at the playhead, merge, omit, delete,
attach a board (file, clipboard or a dropped image), renumber a scene, add a character.

Two levels:

* functions over a :class:`~previz.ui.controller.ProjectController` (``add_shot(controller, after=…)``):
  each is one undoable edit through ``ProjectSession`` and the controller's ``QUndoStack``; bad input
  raises the core's ``PrevizError`` (the dialogs show it next to the field it names);
* :class:`AuthoringActions`, the window's ``QAction``\\ s for them (Scene menu, Shot menu, toolbar, context
  menus), installed once by :func:`install_authoring`. Another view adds them to its context menu with one
  line: ``menu.addActions(authoring_actions(self))``.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QGuiApplication, QImage
from PySide6.QtWidgets import QFileDialog, QMenu, QToolBar, QWidget

from previz.core.enums import ShotStatus
from previz.core.errors import MediaError, PrevizError, ValidationError
from previz.core.snapshots import SceneInfo, ShotInfo
from previz.ui import keys

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff);;All files (*)"


def _label(verb: str, codes: list[str]) -> str:
    return f"{verb} {codes[0]}" if len(codes) == 1 else f"{verb} {len(codes)} shots"


def _need_shots(codes: list[str], what: str) -> list[str]:
    codes = [c for c in codes if c]
    if not codes:
        raise ValidationError("shots", f"select a shot to {what}")
    return codes


def _select(controller, code: str) -> None:
    controller.set_selection([code])
    controller.set_current_shot(code)


# ------------------------------------------------------------------ scenes and characters
def add_scene(controller, heading: str, number: str | None = None, synopsis: str = "") -> SceneInfo:
    """A new scene at the end of the script (``number``: as in the script; blank: the next free one)."""
    session = controller.session
    return controller.edit(lambda: session.add_scene(heading, number or None, synopsis=synopsis))


def renumber_scene(controller, number: str, new_number: str | None = None):
    """Give a scene a new number and its shots the codes ``<scene>_0010``, ``_0020`` … in their order."""
    current = controller.current_shot
    position = None
    if current:
        shot = controller.session.shot(current)
        position = [s.code for s in controller.session.shots(shot.scene_number)].index(current)
    changes = controller.edit(lambda: controller.session.renumber_scene(number, new_number))
    if position is not None and shot.scene_number == number:
        shots = controller.session.shots(new_number or number)
        _select(controller, shots[position].code)
    return changes


def add_character(controller, name: str, description: str = ""):
    return controller.edit(lambda: controller.session.add_character(name, description))


# ------------------------------------------------------------------ shots
def add_shot(controller, after: str | None = None, scene: str | None = None) -> ShotInfo:
    """A new shot right after ``after``, else at the end of ``scene``, else at the end of the last scene.
    The new shot becomes the current one (the inspector shows it for editing)."""
    session = controller.session
    if after:

        def apply():
            return session.add_shot_after(after)

    else:
        if scene is None:
            scenes = session.scenes()
            if not scenes:
                raise ValidationError(
                    "scene", "the project has no scenes yet; add a scene first (Scene ▸ Add Scene…)"
                )
            scene = scenes[-1].number

        def apply():
            return session.add_shot(scene)

    new = controller.edit(apply)
    _select(controller, new.code)
    return new


def duplicate(controller, codes: list[str]) -> list[ShotInfo]:
    codes = _need_shots(codes, "duplicate")
    return controller.edit(lambda: controller.session.duplicate_shots(codes))


def split_at(controller, code: str, frame: int) -> tuple[ShotInfo, ShotInfo]:
    """Split ``code`` at ``frame`` of the shot (0 = its first frame)."""
    return controller.edit(lambda: controller.session.split_shot(code, frame))


def merge(controller, codes: list[str]) -> ShotInfo:
    codes = _need_shots(codes, "merge")
    merged = controller.edit(lambda: controller.session.merge_shots(codes))
    _select(controller, merged.code)
    return merged


def set_status(controller, codes: list[str], status: str) -> None:
    codes = _need_shots(codes, "change")
    session = controller.session

    def apply():
        with session.batch(_label("Change status of", codes)):
            for code in codes:
                session.set_shot(code, status=status)

    controller.edit(apply)


def omit(controller, codes: list[str]) -> None:
    set_status(controller, codes, ShotStatus.omitted.value)


def delete(controller, codes: list[str]) -> None:
    codes = _need_shots(codes, "delete")
    session = controller.session

    def apply():
        with session.batch(_label("Remove", codes)):
            for code in codes:
                session.remove_shot(code)

    controller.edit(apply)


# ------------------------------------------------------------------ boards
def attach_board_file(controller, code: str, path: str | Path) -> str:
    """Copy an image into the project's media and make it the shot's board; returns its media hash."""
    from previz.media.library import import_media_file

    session = controller.session
    session.shot(code)  # a missing shot is refused before the file is copied

    def apply():
        with session.batch(f"Attach board to {code}"):
            info = import_media_file(session, path, kind="image")
            session.set_shot(code, board_hash=info.hash)
        return info.hash

    return controller.edit(apply)


def attach_board_image(controller, code: str, image: QImage, name: str = "pasted board") -> str:
    """Make a ``QImage`` (a pasted or dropped picture) the shot's board, stored as PNG."""
    if image.isNull():
        raise MediaError(f"{name}: not a picture")
    temp = controller.session.media.new_temp_path("png")
    try:
        if not image.save(str(temp), "PNG"):
            raise MediaError(f"{name}: cannot be written as PNG to {temp.parent}")
        return attach_board_file(controller, code, temp)
    finally:
        temp.unlink(missing_ok=True)


def paste_board(controller, code: str, clipboard=None) -> str:
    """The clipboard's picture (or the image file copied in a file manager) as the shot's board."""
    clipboard = clipboard or QGuiApplication.clipboard()
    mime = clipboard.mimeData()
    if mime is not None and mime.hasImage():
        return attach_board_image(controller, code, clipboard.image())
    files = [u.toLocalFile() for u in (mime.urls() if mime is not None and mime.hasUrls() else [])]
    files = [f for f in files if f and os.path.isfile(f)]
    if files:
        return attach_board_file(controller, code, files[0])
    raise ValidationError("clipboard", "holds no picture; copy a board image (or an image file) first")


# ------------------------------------------------------------------ the playhead
def shot_at_playhead(viewer, session) -> tuple[str, int] | None:
    """(shot code, frame of the shot) under the viewer's playhead, in cut or take mode; None if none."""
    from previz.ui.viewer.frames import CutSource, TakeSource

    if viewer is None:
        return None
    source, position = viewer.source, viewer.position
    if isinstance(source, CutSource):
        entry = source.entry_at(position)
        return (entry.code, position - entry.record_in) if entry is not None else None
    if isinstance(source, TakeSource):
        shot = session.shot(source.code)
        frame = position - (shot.trim_in or 0)
        return (shot.code, frame) if 0 <= frame < shot.duration_frames else None
    return None


# ------------------------------------------------------------------ the window's actions
class AuthoringActions(QObject):
    """The authoring ``QAction``\\ s of a main window; they act on ``window.controller`` when triggered."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.actions: dict[str, QAction] = {}
        add = self._add
        add(
            "add_scene",
            "Add &Scene…",
            self.add_scene_dialog,
            "app.add_scene",
            "A new scene: heading, number, synopsis",
        )
        add("add_shot", "&Add Shot", self.add_shot, "app.add_shot", "A new shot after the selected one")
        add(
            "renumber_scene",
            "&Renumber Scene…",
            self.renumber_scene_dialog,
            None,
            "Shot codes 0010, 0020 … in order",
        )
        add(
            "add_character", "Add &Character…", self.add_character_dialog, None, "A character for the prompts"
        )
        add(
            "split",
            "S&plit at Playhead",
            self.split,
            "app.split",
            "Two shots sharing the take, cut at the playhead",
        )
        add("merge", "&Merge Shots", self.merge, "app.merge", "Join neighbouring shots of one scene")
        add(
            "duplicate",
            "&Duplicate",
            lambda: self._run(duplicate, self._codes()),
            "app.duplicate",
            "Copy after itself",
        )
        add(
            "attach_board",
            "Attach &Board…",
            self.attach_board_dialog,
            "app.attach_board",
            "An image file as board",
        )
        add(
            "paste_board",
            "Paste Boar&d",
            self.paste_board,
            "app.paste_board",
            "The clipboard's picture as board",
        )
        add("omit", "&Omit", lambda: self._run(omit, self._codes()), None, "Leave out of the cut (kept)")
        add("delete", "De&lete", lambda: self._run(delete, self._codes()), "app.delete", "Remove the shot")
        self.set_enabled(False)

    def _add(self, name: str, text: str, slot, key_id: str | None, tip: str) -> QAction:
        """One action; its shortcut comes from the app's key table (``previz.ui.keys``) by ``key_id``."""
        action = QAction(text, self.window)
        action.setObjectName(f"authoring_{name}")
        action.setToolTip(f"{text.replace('&', '').rstrip('…')} — {tip}")
        action.setStatusTip(tip)
        if key_id:
            action.setShortcuts(keys.sequences(key_id))
        action.triggered.connect(lambda _checked=False: slot())
        self.actions[name] = action
        return action

    #: Actions that need a scene, and those that need a shot, to act on.
    NEED_SCENE = ("add_shot",)
    NEED_SHOT = ("split", "merge", "duplicate", "attach_board", "paste_board", "omit", "delete")

    def set_enabled(self, on: bool, *, scenes: bool = True, shots: bool = True) -> None:
        for name, action in self.actions.items():
            needs = (name not in self.NEED_SCENE or scenes) and (name not in self.NEED_SHOT or shots)
            action.setEnabled(on and needs)

    def context_actions(self) -> list[QAction]:
        """For a shot context menu (the browser's, the timeline's)."""
        names = ("add_shot", "duplicate", "split", "merge", "attach_board", "paste_board", "omit", "delete")
        return [self.actions[n] for n in names]

    # -------------------------------------------------------------- helpers
    @property
    def controller(self):
        return self.window.controller

    def _codes(self) -> list[str]:
        c = self.controller
        if c is None:
            return []
        return c.selection or ([c.current_shot] if c.current_shot else [])

    def _run(self, fn, *args):
        """Run one authoring function; a refusal goes to the status bar, not a traceback."""
        if self.controller is None:
            self.window.show_message("Open or create a project first")
            return None
        try:
            return fn(self.controller, *args)
        except PrevizError as exc:
            self.controller.error.emit(exc.one_line())
            return None

    def _parent(self) -> QWidget:
        return self.window

    # -------------------------------------------------------------- handlers
    def add_shot(self):
        codes = self._codes()
        return self._run(add_shot, codes[-1] if codes else None)

    def add_shot_to_scene(self, scene: str):
        return self._run(lambda c: add_shot(c, scene=scene))

    def split(self):
        viewer = self.window.widgets.get("viewer") if self.controller is not None else None
        where = shot_at_playhead(viewer, self.controller.session) if viewer is not None else None
        if where is None:
            self.window.show_message("Put the playhead inside a shot to split it there")
            return None
        return self._run(split_at, *where)

    def merge(self):
        return self._run(merge, self._codes())

    def paste_board(self):
        codes = self._codes()
        if not codes:
            self.window.show_message("Select the shot to paste the board on")
            return None
        return self._run(paste_board, codes[0])

    def attach_board_dialog(self):
        codes = self._codes()
        if not codes:
            self.window.show_message("Select the shot to attach a board to")
            return None
        path, _ = QFileDialog.getOpenFileName(self._parent(), f"Board for {codes[0]}", "", IMAGE_FILTER)
        return self._run(attach_board_file, codes[0], path) if path else None

    def add_scene_dialog(self):
        from previz.ui.dialogs.authoring_dialogs import SceneDialog

        if self.controller is None:
            return None
        dialog = SceneDialog(self.controller, self._parent())
        return dialog.result_value if dialog.exec() else None

    def renumber_scene_dialog(self, number: str | None = None):
        from previz.ui.dialogs.authoring_dialogs import RenumberSceneDialog

        if self.controller is None:
            return None
        if number is None and self.controller.current_shot:
            number = self.controller.session.shot(self.controller.current_shot).scene_number
        dialog = RenumberSceneDialog(self.controller, number, self._parent())
        return dialog.result_value if dialog.exec() else None

    def add_character_dialog(self):
        from previz.ui.dialogs.authoring_dialogs import CharacterDialog

        if self.controller is None:
            return None
        dialog = CharacterDialog(self.controller, self._parent())
        return dialog.result_value if dialog.exec() else None

    # -------------------------------------------------------------- menus and toolbar
    def install(self) -> None:
        w, a = self.window, self.actions
        bar = w.menuBar()
        shot_menu = next((m.menu() for m in bar.actions() if m.text().replace("&", "") == "Shot"), None)
        scene_menu = QMenu("S&cene", w)
        scene_menu.setObjectName("SceneMenu")
        scene_menu.addActions([a["add_scene"], a["add_shot"]])
        scene_menu.addSeparator()
        scene_menu.addActions([a["renumber_scene"], a["add_character"]])
        if shot_menu is not None:
            bar.insertMenu(shot_menu.menuAction(), scene_menu)
            first = shot_menu.actions()[0] if shot_menu.actions() else None
            shot_menu.insertAction(first, a["add_shot"])
            shot_menu.insertSeparator(first)
            titles = [x.text().replace("&", "") for x in shot_menu.actions()]
            next_shot = shot_menu.actions()[titles.index("Next Shot")] if "Next Shot" in titles else None
            edits = ("duplicate", "split", "merge", "attach_board", "paste_board", "omit", "delete")
            shot_menu.insertActions(next_shot, [a[n] for n in edits])
        else:  # pragma: no cover - a window without a Shot menu
            bar.addMenu(scene_menu)
        self.toolbar = QToolBar("Authoring", w)
        self.toolbar.setObjectName("AuthoringToolbar")
        self.toolbar.setMovable(False)
        self.toolbar.addActions([a["add_scene"], a["add_shot"]])
        self.toolbar.addSeparator()
        self.toolbar.addActions([a["split"], a["merge"], a["duplicate"]])
        self.toolbar.addSeparator()
        self.toolbar.addActions([a["attach_board"], a["paste_board"]])
        w.addToolBar(self.toolbar)
        from previz.ui.browser.empty_project import EmptyProjectState

        self.empty_state = EmptyProjectState(w, self)


def install_authoring(window) -> AuthoringActions:
    """Give ``window`` (a ``previz.ui.main_window.MainWindow``) its authoring actions once (also kept as
    ``window.authoring``): a Scene menu, entries in the Shot menu, a toolbar and the empty-project page."""
    existing = getattr(window, "authoring", None)
    if isinstance(existing, AuthoringActions):
        return existing
    actions = AuthoringActions(window)
    window.authoring = actions
    actions.install()
    return actions


def authoring_actions(widget: QWidget) -> list[QAction]:
    """The authoring actions for a shot context menu in ``widget``'s window ([] outside a main window)."""
    actions = getattr(widget.window(), "authoring", None)
    return actions.context_actions() if isinstance(actions, AuthoringActions) else []
