"""Preferences: your name (who your edits, notes and takes are recorded as), device, precision, memory
options, default backend, export defaults; on their own pages, the models (the folders searched, the
supported checkpoints to download or import, what is on this machine: ``dialogs.models_page``), the GPU
runtime generation runs in (``dialogs.runtime_page``) and the content-credentials signing identity
(``dialogs.identity``). Stored in QSettings; model folders through the generation layer's ``model_folders``
(shared with the CLI) when that layer is present."""

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
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTabWidget,
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
        self.resize(980, 720)
        self.folders_api = _model_folders_api()

        models_box = QGroupBox("Folders searched for video models")
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
        self.folders.setMaximumHeight(90)
        ml = QVBoxLayout(models_box)
        ml.addWidget(self.folders)
        ml.addLayout(row)

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
        page.addWidget(gen_box)
        page.addWidget(export_box)
        page.addStretch(1)
        self.models_page = self.runtime_page = None
        if self.folders_api is not None:  # the generation layer is part of this build
            from previz.ui.dialogs.models_page import ModelsPage
            from previz.ui.dialogs.runtime_page import RuntimePage

            self.models_page = ModelsPage()
            self.runtime_page = RuntimePage(check=False)  # its probe imports torch: run when shown
        self.models_tab = QWidget()
        page = QVBoxLayout(self.models_tab)
        page.addWidget(models_box)
        if self.models_page is not None:
            page.addWidget(self.models_page, 1)
        else:
            page.addWidget(QLabel("Video generation is not part of this build.", objectName="dim"))
        self.identity = IdentityBox()
        self.identity_page = QWidget()
        page = QVBoxLayout(self.identity_page)
        page.addWidget(self.identity)
        page.addStretch(1)
        self.tabs = QTabWidget()
        self.tabs.addTab(general, "General")
        self.tabs.addTab(self.models_tab, "Models")
        if self.runtime_page is not None:
            self.tabs.addTab(self.runtime_page, "GPU runtime")
        self.tabs.addTab(self.identity_page, "Content credentials")
        self.tabs.currentChanged.connect(self._tab_shown)
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
        """Open on the Models page, ready to add a folder (from "cannot generate")."""
        self.tabs.setCurrentWidget(self.models_tab)
        self.folders.setFocus()
        self.add_folder_button.setDefault(True)

    def _tab_shown(self, index: int) -> None:
        page = self.runtime_page
        if page is not None and self.tabs.widget(index) is page and page.report is None and not page.busy:
            page.start_check()

    def reload_models(self) -> None:
        self.folders.clear()
        if self.folders_api is None:
            return
        self.folders.addItems([str(f) for f in self.folders_api.list_model_folders()])
        if self.models_page is not None:
            self.models_page.reload()

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

    # -------------------------------------------------------------- closing and saving
    def done(self, result: int) -> None:
        """Closing stops a download (its partial folder stays, to resume) or a runtime install (nothing is
        left of it) after asking, since either may have been running for minutes."""
        models, runtime = self.models_page, self.runtime_page
        running = (models is not None and models.busy()) or (runtime is not None and runtime.installing)
        if running and not self._stop_running():
            return
        if models is not None:
            models.cancel_all()
            models.wait_idle()
        if runtime is not None:
            runtime.shutdown()
        super().done(result)

    def _stop_running(self) -> bool:
        answer = QMessageBox.question(
            self,
            "Stop?",
            "A model download or the runtime install is still running. Stop it? "
            "(A download resumes where it stopped next time.)",
        )
        return answer == QMessageBox.StandardButton.Yes

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
