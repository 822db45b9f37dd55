"""Before Generate queues anything: can the shots be made on this machine? When not, a dialog says why in
plain words and offers the fix in the app — choose a model from the catalog, make the shot an animatic (no
model needed), or open Preferences ▸ Models to add the folder holding the model — never a command line.

Checked here, before the queue: a diffusers shot with no model chosen (nor a project default), a model the
catalog does not find, and an installation without the video-model libraries (diffusers, torch).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
)

from previz.core.errors import PrevizError

NO_MODEL = "no_model"
MODEL_MISSING = "model_missing"
NO_LIBRARIES = "no_libraries"
#: The libraries the diffusers backend runs on.
VIDEO_LIBRARIES = ("diffusers", "torch")


def missing_video_libraries() -> list[str]:
    """The video-model libraries this Python lacks (looked up, not imported: opening the app stays light)."""
    return [name for name in VIDEO_LIBRARIES if importlib.util.find_spec(name) is None]


@dataclass(frozen=True)
class Blocker:
    """Why ``codes`` cannot be generated: ``kind`` (one of the constants above), the model asked for."""

    kind: str
    codes: tuple[str, ...]
    model: str = ""
    detail: str = ""

    @property
    def title(self) -> str:
        return {
            NO_MODEL: "Choose a video model",
            MODEL_MISSING: "The video model is not on this machine",
            NO_LIBRARIES: "Video models cannot run in this installation",
        }[self.kind]

    @property
    def reason(self) -> str:
        shots = ", ".join(self.codes)
        one = len(self.codes) == 1
        uses = f"{shots} {'uses' if one else 'use'} the diffusers backend (a local video model)"
        if self.kind == NO_MODEL:
            which = "it" if one else "them"
            return f"{uses}, but no model is chosen for {which}, and the project has no default model."
        if self.kind == MODEL_MISSING:
            return (
                f"{uses} and asks for the model “{self.model}”, which is not in your model folders. "
                "Choose a model that is there, or add the folder that holds it in Preferences ▸ Models."
            )
        return (
            f"{uses}, but this installation of Previz lacks the video-model libraries "
            f"({', '.join(self.detail.split())}). Make the shot an animatic — camera moves over the board, "
            "no model needed — or use a Previz installation with video-model support."
        )


def shot_backend(session, shot) -> str:
    """The backend a shot's takes are made with: its own, else the project's default, else the animatic
    (the same order ``request_for_shot`` follows)."""
    return shot.backend or session.project().default_backend or "animatic"


def find_blocker(session, codes: list[str], *, model_folders=None) -> Blocker | None:
    """The first reason some of ``codes`` cannot be generated here, or None when all of them can."""
    diffusers = []
    for code in codes:
        shot = session.shot(code)
        if shot_backend(session, shot) == "diffusers":
            diffusers.append(shot)
    if not diffusers:
        return None
    missing = missing_video_libraries()
    if missing:
        return Blocker(NO_LIBRARIES, tuple(s.code for s in diffusers), detail=" ".join(missing))
    default = session.project().default_model
    unnamed = tuple(s.code for s in diffusers if not (s.model or default))
    if unnamed:
        return Blocker(NO_MODEL, unnamed)
    from previz.generation.catalog import find_model
    from previz.generation.model_folders import list_model_folders

    folders = list_model_folders() if model_folders is None else model_folders
    for shot in diffusers:
        name = shot.model or default
        try:
            find_model(name, folders)
        except PrevizError as exc:
            same = tuple(s.code for s in diffusers if (s.model or default) == name)
            return Blocker(MODEL_MISSING, same, model=name, detail=exc.one_line())
    return None


def catalog_models() -> list:
    """The models the catalog finds in the user's folders and the Hugging Face cache (best effort)."""
    try:
        from previz.generation.catalog import scan_models
        from previz.generation.model_folders import list_model_folders

        return scan_models(list_model_folders(), include_hf_cache=True).models
    except Exception:  # noqa: BLE001 - an unreadable folder list only means no models to offer
        return []


class CannotGenerateDialog(QDialog):
    """Why the shots cannot be generated, with the fixes; ``fixed`` is emitted after a fix was applied (the
    caller generates again)."""

    fixed = Signal()

    def __init__(self, controller, blocker: Blocker, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("CannotGenerate")
        self.setWindowTitle("Cannot generate")
        self.controller = controller
        self.blocker = blocker
        self.heading = QLabel(blocker.title, objectName="title")
        self.reason = QLabel(blocker.reason)
        self.reason.setWordWrap(True)
        self.error_label = QLabel("", objectName="error")
        self.error_label.setWordWrap(True)
        self.error_label.hide()

        self.models = QComboBox()
        self.use_model = QPushButton("Use this model", objectName="primary")
        self.use_model.setToolTip("Set this model on the shot(s) and generate")
        self.use_model.clicked.connect(self.use_selected_model)
        self.preferences = QPushButton("Preferences ▸ Models…")
        self.preferences.setToolTip("Add the folder that holds your video models")
        self.preferences.clicked.connect(self.open_preferences)
        self.animatic = QPushButton("Make it an animatic")
        self.animatic.setToolTip("Use the animatic backend: camera moves over the board, no model needed")
        self.animatic.clicked.connect(self.use_animatic)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)

        model_row = QHBoxLayout()
        model_row.addWidget(self.models, 1)
        model_row.addWidget(self.use_model)
        buttons = QHBoxLayout()
        buttons.addWidget(self.preferences)
        buttons.addWidget(self.animatic)
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.reason)
        self.model_label = QLabel("Models found on this machine:")
        layout.addWidget(self.model_label)
        layout.addLayout(model_row)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)
        can_choose = blocker.kind != NO_LIBRARIES
        for w in (self.model_label, self.models, self.use_model, self.preferences):
            w.setVisible(can_choose)
        self.fill_models()
        self.resize(620, self.sizeHint().height())

    def fill_models(self) -> None:
        self.models.clear()
        for info in catalog_models():
            self.models.addItem(f"{info.id}  ({info.family_name}; {', '.join(info.modes)})", info.id)
        if self.models.count() == 0:
            self.models.addItem("No models found: add their folder in Preferences ▸ Models", "")
        self.use_model.setEnabled(bool(self.models.currentData()))
        self.models.setEnabled(bool(self.models.currentData()))

    def _apply(self, name: str, **fields) -> bool:
        session, codes = self.controller.session, self.blocker.codes

        def apply():
            with session.batch(name):
                for code in codes:
                    session.set_shot(code, **fields)

        try:
            self.controller.edit(apply)
        except PrevizError as exc:
            self.error_label.setText(exc.one_line())
            self.error_label.show()
            return False
        self.accept()
        self.fixed.emit()
        return True

    def use_selected_model(self) -> bool:
        model = self.models.currentData()
        if not model:
            return False
        return self._apply(f"Use model {model} for {', '.join(self.blocker.codes)}", model=model)

    def use_animatic(self) -> bool:
        return self._apply(f"Make {', '.join(self.blocker.codes)} an animatic", backend="animatic")

    def open_preferences(self):
        """Preferences on its Models section; the list here is refreshed when it closes."""
        from previz.ui.dialogs.preferences import PreferencesDialog

        dialog = PreferencesDialog(self)
        dialog.show_models()
        dialog.finished.connect(lambda _r: self.fill_models())
        dialog.open()
        return dialog
