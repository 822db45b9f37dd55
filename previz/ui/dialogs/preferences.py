"""Preferences: your name (who your edits, notes and takes are recorded as), model folders (and the models
found there), device, precision, memory options, default backend, export defaults; on its own page, the
content-credentials signing identity (``dialogs.identity``). Stored in QSettings; model folders through the
generation layer's ``model_folders`` (shared with the CLI) when that layer is present."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from previz.core.authors import default_author
from previz.core.errors import PrevizError
from previz.ui import settings
from previz.ui.dialogs.export import FORMATS, default_format
from previz.ui.dialogs.identity import IdentityBox

DEVICES = ("auto", "cuda", "mps", "cpu")
PRECISIONS = ("auto", "bf16", "fp16", "fp32")
BACKENDS = ("animatic", "diffusers")
BURNINS = ("shot code", "take", "timecode", "frame counter", "model")


def _model_folders_api():
    try:
        from previz.generation import model_folders
    except ImportError:
        return None
    return model_folders


class PreferencesDialog(QDialog):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("Preferences")
        self.setWindowTitle("Preferences")
        self.resize(760, 680)
        self.folders_api = _model_folders_api()

        models_box = QGroupBox("Models")
        self.folders = QListWidget()
        self.folders.setMaximumHeight(90)
        add, remove = QPushButton("Add folder…"), QPushButton("Remove")
        add.setToolTip("Add a folder that holds diffusers model folders (each with a model_index.json)")
        self.add_folder_button = add
        add.clicked.connect(self._add_folder_dialog)
        remove.clicked.connect(self.remove_selected_folder)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch(1)
        self.models = QTreeWidget()
        self.models.setHeaderLabels(["Model", "Family", "Modes", "Licence", "Size"])
        self.models.setRootIsDecorated(False)
        for col, width in enumerate((210, 110, 110, 170)):
            self.models.setColumnWidth(col, width)
        self.models_note = QLabel("", objectName="dim")
        self.models_note.setWordWrap(True)
        ml = QVBoxLayout(models_box)
        ml.addWidget(QLabel("Folders searched for video models:"))
        ml.addWidget(self.folders)
        ml.addLayout(row)
        ml.addWidget(QLabel("Models found:"))
        ml.addWidget(self.models, 1)
        ml.addWidget(self.models_note)

        gen_box = QGroupBox("Generation")
        gen = QFormLayout(gen_box)
        self.device = self._choice(DEVICES, settings.get("generation/device", "auto"))
        self.precision = self._choice(PRECISIONS, settings.get("generation/precision", "auto"))
        self.offload = QCheckBox("Offload model parts to CPU memory when the GPU is short of memory")
        self.offload.setChecked(settings.get("generation/offload", True, bool))
        self.vae_tiling = QCheckBox("Decode video in tiles (VAE tiling) to save memory")
        self.vae_tiling.setChecked(settings.get("generation/vae_tiling", True, bool))
        self.backend = self._choice(BACKENDS, settings.get("generation/default_backend", "animatic"))
        gen.addRow("Device", self.device)
        gen.addRow("Precision", self.precision)
        gen.addRow("", self.offload)
        gen.addRow("", self.vae_tiling)
        gen.addRow("Default backend", self.backend)

        you_box = QGroupBox("You")
        you = QFormLayout(you_box)
        self.author = QLineEdit(settings.author_name() or "")
        self.author.setMaxLength(255)
        self.author.setPlaceholderText(default_author())
        self.author.setToolTip(
            "Who your edits, notes and takes are recorded as, and the name other people see in their "
            f"status bar. Empty: {default_author()} ($PREVIZ_USER, else your login name). "
            "Takes effect when a project is opened."
        )
        you.addRow("Your name", self.author)

        export_box = QGroupBox("Export defaults")
        ex = QFormLayout(export_box)
        self.export_format = self._choice(tuple(key for key, _label, _suffix in FORMATS), default_format())
        self.crf = QSpinBox(minimum=0, maximum=51, value=settings.get("export/crf", 20, int))
        self.burnins = {}
        burn_row = QHBoxLayout()
        for name in BURNINS:
            box = QCheckBox(name)
            box.setChecked(settings.get(f"export/burnin_{name.replace(' ', '_')}", name != "model", bool))
            self.burnins[name] = box
            burn_row.addWidget(box)
        self.watermark = QLineEdit(str(settings.get("export/watermark", "") or ""))
        self.watermark.setPlaceholderText("e.g. PREVIZ — NOT FOR DISTRIBUTION")
        ex.addRow("Format", self.export_format)
        ex.addRow("Quality (CRF)", self.crf)
        ex.addRow("Burn-ins", burn_row)
        ex.addRow("Watermark", self.watermark)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.error_label = QLabel("", objectName="error")
        general = QWidget()
        page = QVBoxLayout(general)
        page.addWidget(you_box)
        page.addWidget(models_box, 1)
        page.addWidget(gen_box)
        page.addWidget(export_box)
        self.identity = IdentityBox()
        self.identity_page = QWidget()
        page = QVBoxLayout(self.identity_page)
        page.addWidget(self.identity)
        page.addStretch(1)
        self.tabs = QTabWidget()
        self.tabs.addTab(general, "General")
        self.tabs.addTab(self.identity_page, "Content credentials")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.reload_models()

    def _choice(self, values, current) -> QComboBox:
        box = QComboBox()
        box.addItems(list(values))
        box.setCurrentIndex(max(0, box.findText(str(current))))
        return box

    # -------------------------------------------------------------- model folders
    def show_models(self) -> None:
        """Open on the Models section, ready to add a folder (from "cannot generate")."""
        self.folders.setFocus()
        self.add_folder_button.setDefault(True)

    def reload_models(self) -> None:
        self.folders.clear()
        self.models.clear()
        if self.folders_api is None:
            self.models_note.setText("Video generation is not part of this build: no models can be listed.")
            return
        folders = self.folders_api.list_model_folders()
        self.folders.addItems([str(f) for f in folders])
        try:
            from previz.generation.catalog import scan_models

            scan = scan_models(folders, include_hf_cache=True)
        except Exception as exc:  # noqa: BLE001 - listing is best effort; the reason is shown
            self.models_note.setText(f"Cannot scan the model folders: {exc}")
            return
        for info in scan.models:
            licence = f"{info.licence} ({'commercial' if info.commercial_use else 'non-commercial'})"
            size = (
                f"{info.size_bytes / 1e9:.1f} GB"
                if info.size_bytes >= 1e8
                else f"{info.size_bytes / 1e6:.0f} MB"
            )
            self.models.addTopLevelItem(
                QTreeWidgetItem([info.id, info.family_name, ", ".join(info.modes), licence, size])
            )
        notes = [f"{len(scan.models)} model(s) found."]
        notes += [msg for _p, msg in scan.problems[:3]]
        if not scan.models:
            notes.append("Add a folder holding diffusers model folders; the animatic backend needs no model.")
        self.models_note.setText(" ".join(notes))

    def _add_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Model folder")
        if folder:
            self.add_folder(folder)

    def add_folder(self, folder: str) -> bool:
        if self.folders_api is None:
            return False
        try:
            self.folders_api.add_model_folder(folder)
        except PrevizError as exc:
            self.error_label.setText(exc.one_line())
            return False
        self.error_label.setText("")
        self.reload_models()
        return True

    def remove_selected_folder(self) -> None:
        item = self.folders.currentItem()
        if item is None or self.folders_api is None:
            return
        try:
            self.folders_api.remove_model_folder(item.text())
        except PrevizError as exc:
            self.error_label.setText(exc.one_line())
            return
        self.reload_models()

    # -------------------------------------------------------------- saving
    def accept(self) -> None:
        if self.identity.pending() and not self.identity.apply():  # refused: its reason shown, nothing kept
            self.tabs.setCurrentWidget(self.identity_page)
            return
        self.save()
        super().accept()

    def save(self) -> None:
        settings.put("generation/device", self.device.currentText())
        settings.put("generation/precision", self.precision.currentText())
        settings.put("generation/offload", self.offload.isChecked())
        settings.put("generation/vae_tiling", self.vae_tiling.isChecked())
        settings.put("generation/default_backend", self.backend.currentText())
        settings.put(settings.AUTHOR_KEY, self.author.text().strip())
        settings.put("export/format", self.export_format.currentText())
        settings.put("export/crf", self.crf.value())
        settings.put("export/watermark", self.watermark.text())
        for name, box in self.burnins.items():
            settings.put(f"export/burnin_{name.replace(' ', '_')}", box.isChecked())
