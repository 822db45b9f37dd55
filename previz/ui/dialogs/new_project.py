"""File ▸ New Project: name, location, frame rate (drop-frame at 29.97 and 59.94), frame size (presets or
custom), start timecode, default backend and model, and the style prompt. Every value is checked by the
core's validators and each problem is shown under its field; the project is made by
``ProjectSession.create`` only when all are good (``self.session`` is then the open project)."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
)

from previz.core import bundle
from previz.core.errors import PrevizError, ProjectError, ValidationError
from previz.core.timecode import DROP_FRAME_RATES, FRAME_RATES, FrameRate, timecode_to_frames
from previz.core.validate import PROJECT_FIELDS, frame_size
from previz.ui import settings
from previz.ui.dialogs.fields import FieldForm
from previz.ui.dialogs.preferences import BACKENDS

log = logging.getLogger(__name__)

#: (label, size) of the frame-size presets; the last entry lets the user type a size.
SIZE_PRESETS = (
    ("1280 × 720 — HD 720", "1280x720"),
    ("1920 × 1080 — HD 1080", "1920x1080"),
    ("2048 × 858 — 2K scope (2.39:1)", "2048x858"),
    ("4096 × 2160 — 4K DCI", "4096x2160"),
    ("Custom…", ""),
)
DEFAULT_RATE = "24"
DEFAULT_SIZE = "1920x1080"
DEFAULT_TIMECODE = "01:00:00:00"


def default_folder() -> str:
    saved = settings.get("new_project/folder", "")
    if saved and Path(str(saved)).is_dir():
        return str(saved)
    documents = Path.home() / "Documents"
    return str(documents if documents.is_dir() else Path.home())


class NewProjectDialog(QDialog):
    def __init__(self, parent=None, folder: str | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("NewProjectDialog")
        self.setWindowTitle("New Project")
        self.setMinimumWidth(620)
        self.session = None

        self.name = QLineEdit("Untitled")
        self.name.setPlaceholderText("the film's title")
        self.folder = QLineEdit(folder or default_folder())
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._choose_folder)
        location = QHBoxLayout()
        location.addWidget(self.folder, 1)
        location.addWidget(browse)
        self.where = QLabel("", objectName="dim")

        self.rate = QComboBox()
        for label in FRAME_RATES:
            self.rate.addItem(f"{label} fps", label)
        self.rate.setCurrentIndex(self.rate.findData(DEFAULT_RATE))
        self.drop_frame = QCheckBox("Drop-frame timecode")
        self.drop_frame.setToolTip("NTSC drop-frame timecode (HH:MM:SS;FF) — only at 29.97 and 59.94 fps")
        rate_row = QHBoxLayout()
        rate_row.addWidget(self.rate, 1)
        rate_row.addWidget(self.drop_frame)

        self.size = QComboBox()
        for label, value in SIZE_PRESETS:
            self.size.addItem(label, value)
        self.size.setCurrentIndex(self.size.findData(DEFAULT_SIZE))
        self.custom_width, self.custom_height = QLineEdit("1920"), QLineEdit("1080")
        for edit in (self.custom_width, self.custom_height):
            edit.setMaximumWidth(90)
        size_row = QHBoxLayout()
        size_row.addWidget(self.size, 1)
        size_row.addWidget(self.custom_width)
        self.times = QLabel("×")
        size_row.addWidget(self.times)
        size_row.addWidget(self.custom_height)

        self.start_timecode = QLineEdit(DEFAULT_TIMECODE)
        self.start_timecode.setMaximumWidth(160)
        self.backend = QComboBox()
        self.backend.addItems(list(BACKENDS))
        current = str(settings.get("generation/default_backend", "animatic") or "animatic")
        self.backend.setCurrentIndex(max(0, self.backend.findText(current)))
        self.model = QLineEdit()
        self.model.setPlaceholderText("e.g. Lightricks/LTX-Video — blank: the backend's default")
        self.style_prompt = QPlainTextEdit()
        self.style_prompt.setPlaceholderText(
            "Look of every shot, added to each prompt — e.g. graphite storyboard sketch, muted colours"
        )
        self.style_prompt.setFixedHeight(70)

        self.fields = FieldForm(
            self,
            aliases={
                "fps": "rate",
                "drop_frame": "rate",
                "width": "size",
                "height": "size",
                "timecode": "start_timecode",
                "default_backend": "backend",
                "default_model": "model",
            },
        )
        self.fields.add_row("name", "Name", self.name)
        location_box = QVBoxLayout()
        location_box.addLayout(location)
        location_box.addWidget(self.where)
        self.fields.add_row("location", "Location", location_box)
        self.fields.add_row("rate", "Frame rate", rate_row)
        self.fields.add_row("size", "Frame size", size_row)
        self.fields.add_row("start_timecode", "Start timecode", self.start_timecode)
        self.fields.add_row("backend", "Default backend", self.backend)
        self.fields.add_row("model", "Default model", self.model)
        self.fields.add_row("style_prompt", "Style prompt", self.style_prompt)
        self.fields.finish()

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.create_button = buttons.addButton("Create Project", QDialogButtonBox.ButtonRole.AcceptRole)
        self.create_button.setObjectName("primary")
        self.create_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.fields)
        layout.addWidget(buttons)

        self.rate.currentIndexChanged.connect(self._on_rate)
        self.size.currentIndexChanged.connect(self._on_size)
        self.name.textChanged.connect(self._show_where)
        self.folder.textChanged.connect(self._show_where)
        self._on_rate()
        self._on_size()
        self._show_where()

    # -------------------------------------------------------------- reactions
    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder for the new project", self.folder.text())
        if folder:
            self.folder.setText(folder)

    def _show_where(self) -> None:
        name = self.name.text().strip() or "…"
        self.where.setText(f"Creates {Path(self.folder.text().strip() or '.') / name}{bundle.SUFFIX}")

    def _on_rate(self) -> None:
        droppable = self.rate.currentData() in DROP_FRAME_RATES
        self.drop_frame.setEnabled(droppable)
        self.drop_frame.setChecked(droppable)
        tc = self.start_timecode.text().strip()
        head, _sep, frames = tc.replace(";", ":").rpartition(":")
        if head:  # the separator drop-frame timecode is written with
            self.start_timecode.setText(f"{head}{';' if droppable else ':'}{frames}")

    def _on_size(self) -> None:
        custom = self.size.currentData() == ""
        for widget in (self.custom_width, self.times, self.custom_height):
            widget.setVisible(custom)

    # -------------------------------------------------------------- values
    def path(self) -> Path:
        return Path(self.folder.text().strip()).expanduser() / self.name.text().strip()

    def size_text(self) -> str:
        preset = self.size.currentData()
        return preset or f"{self.custom_width.text().strip()}x{self.custom_height.text().strip()}"

    def values(self) -> dict:
        """The arguments of ``ProjectSession.create`` the dialog holds."""
        return {
            "name": self.name.text(),
            "fps": self.rate.currentData(),
            "drop_frame": self.drop_frame.isChecked() if self.drop_frame.isEnabled() else False,
            "size": self.size_text(),
            "start_timecode": self.start_timecode.text().strip(),
            "default_backend": self.backend.currentText(),
            "default_model": self.model.text().strip(),
            "style_prompt": self.style_prompt.toPlainText().strip(),
        }

    def validate(self) -> bool:
        """Check every field with the core's validators; show each problem under its field."""
        self.fields.clear()
        v = self.values()
        checks = [
            lambda: PROJECT_FIELDS["name"](v["name"]),
            lambda: self._check_location(),
            lambda: FrameRate.parse(v["fps"], v["drop_frame"]),
            lambda: frame_size(v["size"]),
            lambda: timecode_to_frames(
                PROJECT_FIELDS["start_timecode"](v["start_timecode"]),
                FrameRate.parse(v["fps"], v["drop_frame"]),
            ),
            lambda: PROJECT_FIELDS["default_backend"](v["default_backend"]),
            lambda: PROJECT_FIELDS["default_model"](v["default_model"]),
            lambda: PROJECT_FIELDS["style_prompt"](v["style_prompt"]),
        ]
        ok = True
        shown: set[str] = set()
        for check in checks:
            try:
                check()
            except PrevizError as exc:
                field = self.fields.show_error(exc) if self._first_for(exc, shown) else None
                shown.add(field or "")
                ok = False
        return ok

    def _first_for(self, exc: PrevizError, shown: set[str]) -> bool:
        field = exc.field if isinstance(exc, ValidationError) else ""
        return self.fields.aliases.get(field, field) not in shown

    def _check_location(self) -> None:
        if not self.folder.text().strip():
            raise ValidationError("location", "choose a folder to create the project in")
        if not self.name.text().strip():
            return  # the name's own row says so
        try:
            bundle.resolve_new(self.path())
        except PrevizError as exc:
            raise ValidationError("location", exc.one_line()) from None

    def create_project(self) -> bool:
        """Validate, then create the project; on success ``self.session`` is open for writing."""
        from previz.core.session import ProjectSession

        if not self.validate():
            return False
        values = self.values()
        try:
            self.session = ProjectSession.create(self.path(), author=settings.author_name(), **values)
        except PrevizError as exc:
            self.fields.show_error(exc)
            return False
        except Exception as exc:  # a fault, not bad input: said here (a slot's exception would go unseen)
            path = self.path()
            target = path if path.suffix == bundle.SUFFIX else path.with_name(path.name + bundle.SUFFIX)
            log.exception("creating %s failed", target)
            self.fields.show_error(ProjectError(f"{target}: not created: {exc}"))
            return False
        settings.put("new_project/folder", self.folder.text().strip())
        return True

    def accept(self) -> None:
        if self.create_project():
            super().accept()
