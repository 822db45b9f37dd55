"""Preferences → Models: the checkpoints Previz can download (licence, commercial use, size, GPU memory,
model card), a Download button per model with a progress bar and Cancel, Import… for a model copied from
another machine, and the models found on this machine.

Nothing is downloaded until the user presses Download. Downloads and imports run on worker threads
(``model_manager.get`` / ``model_import.import_model``); their progress comes back to the UI thread
through queued signals. Cancel keeps the partial download, so Download resumes it. ``cancel_all`` and
``wait_idle`` let the dialog that holds the page stop its work before it closes.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from previz.core.errors import CancelledError, PrevizError
from previz.core.jobs import CancelToken

#: The Download/Cancel cell (column "") comes right after the name, so it is never scrolled out of sight.
COLUMNS = ("Model", "", "Family", "Modes", "Size", "GPU memory", "Licence", "Commercial", "Model card")
ACTION = COLUMNS.index("")
_WARN = QColor("#d9a441")


class _Bridge(QObject):
    """Signals that carry a worker thread's news to the UI thread (queued: the bridge lives there)."""

    progress = Signal(str, object, object, str)  # key, done, total, message (bytes may pass 2**31)
    warned = Signal(str, str)
    finished = Signal(str, str, str)  # key, folder ("" if none), error ("" if none; "cancelled")
    gpus = Signal(object)


class _Row:
    def __init__(self, page: ModelsPage, model) -> None:
        self.model = model
        self.token: CancelToken | None = None
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(True)
        self.button = QPushButton("Download")
        self.button.setMinimumWidth(90)
        self.button.setObjectName(f"download:{model.name}")
        self.button.clicked.connect(lambda: page.toggle(model.name))
        self.status = QLabel("", objectName="dim")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.status)
        self.stack.addWidget(self.bar)
        cell = QWidget()
        lay = QHBoxLayout(cell)
        lay.setContentsMargins(2, 0, 2, 0)
        lay.addWidget(self.stack, 1)
        lay.addWidget(self.button)
        self.cell = cell


class ModelsPage(QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        from previz.generation.known_models import KNOWN_MODELS

        self.setObjectName("ModelsPage")
        self.bridge = _Bridge()
        self.bridge.progress.connect(self._on_progress)
        self.bridge.warned.connect(self._on_warned)
        self.bridge.finished.connect(self._on_finished)
        self.bridge.gpus.connect(self._on_gpus)
        self.threads: dict[str, threading.Thread] = {}
        self.rows: dict[str, _Row] = {}
        self.here: dict = {}
        self.gpu_note: dict[str, str] = {}  # model name -> why this machine's GPU is short of it

        intro = QLabel(
            "Video models Previz supports. Nothing is downloaded until you press Download; only "
            "safetensors and configuration files are fetched. Read the licence on the model card before "
            "production use. ~ marks approximate figures; GPU memory is at the family's default size "
            "without offload.",
            objectName="dim",
        )
        intro.setWordWrap(True)
        self.table = QTableWidget(len(KNOWN_MODELS), len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        for r, model in enumerate(KNOWN_MODELS):
            row = self.rows[model.name] = _Row(self, model)
            cells = {
                "Model": model.name,
                "Family": model.family_info.name,
                "Modes": ", ".join(model.modes),
                "Size": model.figure(model.size_gb),
                "GPU memory": model.figure(model.gpu_gb),
                "Licence": model.licence,
                "Commercial": "Yes" if model.commercial_use else "No",
            }
            for column, text in cells.items():
                item = QTableWidgetItem(text)
                item.setToolTip(f"{model.title} ({model.repo_id})" if column == "Model" else text)
                self.table.setItem(r, COLUMNS.index(column), item)
            link = QLabel(f'<a href="{model.card_url}">model card</a>')
            link.setOpenExternalLinks(True)
            link.setToolTip(model.card_url)
            self.table.setCellWidget(r, COLUMNS.index("Model card"), link)
            self.table.setCellWidget(r, ACTION, row.cell)
        header = self.table.horizontalHeader()
        for c in range(len(COLUMNS)):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        for column, width in (("Licence", 200), ("", 190)):
            header.setSectionResizeMode(COLUMNS.index(column), QHeaderView.ResizeMode.Interactive)
            self.table.setColumnWidth(COLUMNS.index(column), width)
        header.setStretchLastSection(True)
        self.table.setWordWrap(True)
        self.table.setMinimumHeight(300)

        self.target = QLineEdit()
        self.target.setObjectName("models_target")
        self.target.setText(str(self._default_target()))
        choose = QPushButton("Choose…")
        choose.clicked.connect(self._choose_target)
        target_row = QHBoxLayout()
        target_row.addWidget(QLabel("Download and import into:"))
        target_row.addWidget(self.target, 1)
        target_row.addWidget(choose)

        self.import_folder_button = QPushButton("Import folder…")
        self.import_folder_button.clicked.connect(self._pick_folder)
        self.import_archive_button = QPushButton("Import archive…")
        self.import_archive_button.clicked.connect(self._pick_archive)
        self.import_status = QLabel("", objectName="dim")
        self.import_status.setWordWrap(True)
        import_row = QHBoxLayout()
        import_row.addWidget(self.import_folder_button)
        import_row.addWidget(self.import_archive_button)
        import_row.addWidget(self.import_status, 1)

        self.notes = QLabel("", objectName="dim")
        self.notes.setWordWrap(True)
        self.warning = QLabel("")
        self.warning.setObjectName("models_warning")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet(f"color: {_WARN.name()}")
        self.local = QTreeWidget()
        self.local.setObjectName("models_here")
        self.local.setHeaderLabels(["On this machine", "Family", "Licence", "Size", "Folder"])
        self.local.setRootIsDecorated(False)
        self.local.setMinimumHeight(110)
        for col, width in enumerate((200, 130, 220, 70)):
            self.local.setColumnWidth(col, width)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 4)
        layout.addLayout(target_row)
        layout.addLayout(import_row)
        layout.addWidget(self.warning)
        layout.addWidget(self.notes)
        layout.addWidget(self.local, 1)
        self.reload()
        threading.Thread(target=self._probe_gpus, daemon=True, name="previz-gpu-probe").start()

    # ------------------------------------------------------------------------ state
    def _default_target(self) -> Path:
        from previz.generation.model_manager import default_models_dir

        try:
            return default_models_dir()
        except PrevizError:
            return Path.home() / "previz-models"

    def target_folder(self) -> Path:
        return Path(self.target.text().strip() or self._default_target()).expanduser()

    def reload(self) -> None:
        """Rescan the model folders and the Hugging Face cache; refresh the rows' status."""
        from previz.generation.catalog import scan_models
        from previz.generation.known_models import on_this_machine
        from previz.generation.model_folders import list_model_folders

        self.local.clear()
        try:
            scan = scan_models(list_model_folders(), include_hf_cache=True)
        except PrevizError as exc:
            self.notes.setText(exc.one_line())
            return
        self.here = on_this_machine(scan.models)
        for info in scan.models:
            size = f"{info.size_bytes / 1e9:.1f} GB"
            licence = info.licence + ("" if info.commercial_use else " (non-commercial)")
            self.local.addTopLevelItem(
                QTreeWidgetItem([info.id, info.family_name, licence, size, str(info.path)])
            )
        for path, reason in scan.problems:
            item = QTreeWidgetItem([path.name, "not usable", reason, "", str(path)])
            item.setToolTip(2, reason)
            for c in range(5):
                item.setForeground(c, QColor("#888888"))
            self.local.addTopLevelItem(item)
        found = f"{len(scan.models)} usable model(s) on this machine"
        self.notes.setText(found + (f"; {len(scan.problems)} not usable (see why)" if scan.problems else "."))
        for name, row in self.rows.items():
            if name in self.threads:
                continue
            if name in self.here:
                row.status.setText("On this machine")
                row.status.setToolTip(str(self.here[name].path))
                row.button.setText("Download")
                row.button.setEnabled(False)
            else:
                row.button.setEnabled(True)
                partial = self.target_folder() / f"{name}.partial"
                row.button.setText("Resume" if partial.is_dir() else "Download")
                row.status.setText("Partly downloaded" if partial.is_dir() else "")
            row.stack.setCurrentWidget(row.status)

    def busy(self) -> bool:
        return any(t.is_alive() for t in self.threads.values())

    def cancel_all(self) -> None:
        for row in self.rows.values():
            if row.token:
                row.token.cancel()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        for thread in list(self.threads.values()):
            thread.join(timeout)
        return not self.busy()

    # ------------------------------------------------------------------------ download
    def toggle(self, name: str) -> None:
        """Download ``name`` (or resume it), or cancel it when it is running."""
        row = self.rows[name]
        if name in self.threads:
            if row.token:
                row.token.cancel()
                row.button.setEnabled(False)
                row.status.setText("Cancelling…")
            return
        if not self._confirm(row.model):
            return
        row.token = CancelToken()
        row.button.setText("Cancel")
        row.status.setText("")
        row.bar.setValue(0)
        row.bar.setFormat("starting…")
        row.stack.setCurrentWidget(row.bar)
        thread = threading.Thread(
            target=self._download,
            args=(row.model, self.target_folder(), row.token),
            daemon=True,
            name=f"previz-get-{name}",
        )
        self.threads[name] = thread
        thread.start()

    def _confirm(self, model) -> bool:
        """Ask before a download the machine's GPU is short of, or whose licence forbids commercial use."""
        reasons = []
        if model.name in self.gpu_note:
            reasons.append(self.gpu_note[model.name])
        if not model.commercial_use:
            reasons.append(f"Its licence ({model.licence}) does not allow commercial use.")
        if not reasons:
            return True
        text = f"{model.name} ({model.figure(model.size_gb)} on disk):\n\n" + "\n\n".join(reasons)
        answer = QMessageBox.question(
            self,
            "Download this model?",
            text + "\n\nDownload it anyway?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _download(self, model, to: Path, token: CancelToken) -> None:
        from previz.generation.model_manager import get

        key = model.name
        try:
            folder = get(
                model,
                to,
                progress=lambda d, t, m: self.bridge.progress.emit(key, d, t, m),
                cancel=token,
                warn=lambda text: self.bridge.warned.emit(key, text),
            )
        except CancelledError:
            self.bridge.finished.emit(key, "", "cancelled")
        except PrevizError as exc:
            self.bridge.finished.emit(key, "", exc.one_line())
        except Exception as exc:  # noqa: BLE001 - shown in the row, never raised on a worker thread
            self.bridge.finished.emit(key, "", f"{model.name}: download failed ({exc})")
        else:
            self.bridge.finished.emit(key, str(folder), "")

    def _on_progress(self, key: str, done, total, message: str) -> None:
        from previz.generation.model_manager import human_bytes

        if key == "import":
            pct = int(100 * done / total) if total else 0
            self.import_status.setText(f"Importing… {pct}% {message}")
            return
        row = self.rows[key]
        row.bar.setValue(int(1000 * done / total) if total else 0)
        row.bar.setFormat(f"{human_bytes(done)} of {human_bytes(total)}")
        row.bar.setToolTip(message)

    def _on_warned(self, key: str, text: str) -> None:
        row = self.rows[key]
        row.bar.setToolTip(text)
        self.warning.setText(f"Warning: {text}")

    def _on_finished(self, key: str, folder: str, error: str) -> None:
        thread = self.threads.pop(key, None)
        if thread is not None:
            thread.join(5)
        if key == "import":
            self.import_folder_button.setEnabled(True)
            self.import_archive_button.setEnabled(True)
            self.import_status.setText(f"Imported: {folder}" if folder else error)
            self.reload()
            return
        row = self.rows[key]
        row.token = None
        self.reload()
        if error == "cancelled":
            row.status.setText("Cancelled; Resume continues it")
        elif error:
            row.status.setText(error)
            row.status.setToolTip(error)
            self.notes.setText(error)
        row.button.setEnabled(key not in self.here)

    # ------------------------------------------------------------------------ GPU
    def _probe_gpus(self) -> None:
        from previz.generation.model_manager import gpu_memory

        self.bridge.gpus.emit(gpu_memory())

    def _on_gpus(self, gpus) -> None:
        """Mark the GPU memory of models that need more than this machine's largest GPU has."""
        best = max((m for _n, m in gpus or []), default=0)
        what = "no NVIDIA GPU found" if not gpus else f"largest GPU here: {best / 2**30:.0f} GB"
        for r, row in enumerate(self.rows.values()):
            item = self.table.item(r, COLUMNS.index("GPU memory"))
            if best < 0.97 * row.model.gpu_bytes:
                item.setForeground(_WARN)
                item.setText(f"{row.model.figure(row.model.gpu_gb)} ⚠")
                item.setToolTip(f"needs {row.model.figure(row.model.gpu_gb)}; {what}")
                self.gpu_note[row.model.name] = (
                    f"It needs {row.model.figure(row.model.gpu_gb)} of GPU memory at "
                    f"{row.model.default_size()}; {what}."
                )

    # ------------------------------------------------------------------------ import
    def _choose_target(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder for models", str(self.target_folder()))
        if folder:
            self.target.setText(folder)
            self.reload()

    def _pick_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Import a model folder", str(Path.home()))
        if folder:
            self.import_path(folder)

    def _pick_archive(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Import a model archive",
            str(Path.home()),
            "Model archives (*.zip *.tar *.tar.gz *.tgz *.tar.bz2 *.tar.xz)",
        )
        if path:
            self.import_path(path)

    def import_path(self, source: str | Path) -> None:
        """Import a model folder or archive on a worker thread (checked by the catalog first)."""
        if "import" in self.threads:
            return
        self.import_folder_button.setEnabled(False)
        self.import_archive_button.setEnabled(False)
        self.import_status.setText(f"Importing {source}…")
        thread = threading.Thread(target=self._import, args=(Path(source), self.target_folder()), daemon=True)
        self.threads["import"] = thread
        thread.start()

    def _import(self, source: Path, to: Path) -> None:
        from previz.generation.model_import import import_model

        try:
            folder = import_model(
                source, to, progress=lambda d, t, m: self.bridge.progress.emit("import", d, t, m)
            )
        except PrevizError as exc:
            self.bridge.finished.emit("import", "", exc.one_line())
        except Exception as exc:  # noqa: BLE001 - shown on the page, never raised on a worker thread
            self.bridge.finished.emit("import", "", f"{source}: import failed ({exc})")
        else:
            self.bridge.finished.emit("import", str(folder), "")
