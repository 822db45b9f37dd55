"""The export dialog: format, burn-ins, watermark, slate, scenes; runs ``previz.export.api.export_project``
in the app's worker process (``previz.export.task``, over its own read-only session, so the UI's session
stays on the UI thread and the UI never waits on the export's work) with a progress bar and cancel."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from previz.ui import settings
from previz.ui.queue.worker_tasks import WorkerTasks

#: The formats the app offers (key as ``previz export --format`` names it, label, file suffix).
FORMATS = (
    ("mp4", "MP4 reel (H.264)", ".mp4"),
    ("mov", "MOV reel (ProRes)", ".mov"),
    ("otio", "OpenTimelineIO", ".otio"),
    ("otioz", "OpenTimelineIO with media (.otioz)", ".otioz"),
    ("edl", "CMX 3600 EDL", ".edl"),
    ("fcp7xml", "FCP 7 XML (Premiere, Resolve)", ".xml"),
    ("aaf", "AAF (Avid Media Composer)", ".aaf"),
    ("pdf", "Boards PDF", ".pdf"),
)
SUFFIX = {key: suffix for key, _label, suffix in FORMATS}
#: Format keys earlier versions stored in the settings.
OLD_KEYS = {"fcpxml": "fcp7xml"}


def default_format() -> str:
    """The export format chosen in Preferences (an older version's key read as today's)."""
    stored = settings.get("export/format", "mp4")
    return OLD_KEYS.get(stored, stored)


class ExportDialog(QDialog):
    exportFinished = Signal(bool)  # True when the file was written

    def __init__(self, project_root: Path, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("ExportDialog")
        self.setWindowTitle("Export")
        self.project_root = Path(project_root)
        self.helper = WorkerTasks(self)
        self.helper.progressed.connect(self._progress)
        self.helper.succeeded.connect(self._done)
        self.helper.failed.connect(self._failed)
        self.task: int | None = None
        self.result = None
        self.format = QComboBox()
        for key, label, _suffix in FORMATS:
            self.format.addItem(label, key)
        self.format.setCurrentIndex(max(0, self.format.findData(default_format())))
        self.path = QLineEdit(str(self.project_root.parent / f"{self.project_root.stem}_reel.mp4"))
        browse = QPushButton("…")
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(browse)
        self.burnins = QCheckBox("Burn in shot code, take, timecode and model")
        self.burnins.setChecked(settings.get("export/burnin_shot_code", True, bool))
        self.watermark = QLineEdit(str(settings.get("export/watermark", "") or ""))
        self.watermark.setPlaceholderText("empty: no watermark")
        self.slate = QCheckBox("Slate at the start")
        self.scenes = QLineEdit(placeholderText="all scenes (or e.g. 1, 2A)")
        self.crf = QSpinBox(minimum=0, maximum=51, value=settings.get("export/crf", 20, int))
        self.format.currentIndexChanged.connect(self._format_changed)
        form = QFormLayout()
        form.addRow("Format", self.format)
        form.addRow("File", path_row)
        form.addRow("Scenes", self.scenes)
        form.addRow("", self.burnins)
        form.addRow("Watermark", self.watermark)
        form.addRow("", self.slate)
        form.addRow("Quality (CRF)", self.crf)
        self.bar = QProgressBar()
        self.status = QLabel("", objectName="dim")
        self.status.setWordWrap(True)
        self.start_button = QPushButton("Export", objectName="primary")
        self.cancel_button = QPushButton("Close")
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self._cancel_or_close)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.start_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.resize(560, 320)

    def _format_changed(self) -> None:
        fmt = self.format.currentData()
        path = Path(self.path.text())
        self.path.setText(str(path.with_suffix(SUFFIX[fmt])))

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export to", self.path.text())
        if path:
            self.path.setText(path)

    def options(self) -> dict:
        """The export's options as plain values (the worker process builds the export's dataclasses, so
        the UI never imports the export's rendering stack)."""
        scenes = [s.strip() for s in self.scenes.text().replace(";", ",").split(",") if s.strip()]
        return {
            "scenes": scenes or None,
            "render": {
                "burnins": self.burnins.isChecked(),
                "watermark": self.watermark.text().strip() or None,
                "slate": self.slate.isChecked(),
                "allow_missing": True,
            },
            "encode": {"crf": self.crf.value(), "preset": "veryfast"},
        }

    def start(self) -> None:
        self.result = None
        args = {
            "project": str(self.project_root),
            "out": str(Path(self.path.text())),
            "fmt": self.format.currentData(),
            "options": self.options(),
        }
        self.task = self.helper.submit("export", args)
        self.start_button.setEnabled(False)
        self.cancel_button.setText("Cancel")
        self.status.setText("Exporting…")

    def _progress(self, task: int, done: int, total: int, message: str) -> None:
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(done)
        self.status.setText(message)

    def _done(self, task: int) -> None:
        result = self.result = self.helper.results.pop(task)
        self.bar.setValue(self.bar.maximum())
        self.status.setText(f"Wrote {result['path']} ({result['frames']} frames, {result['duration']})")
        self._idle()
        self.exportFinished.emit(True)

    def _failed(self, task: int, message: str, cancelled: bool) -> None:
        self.status.setText("Export cancelled; nothing was written." if cancelled else message)
        self.status.setObjectName("error")
        self.status.style().polish(self.status)
        self._idle()
        self.exportFinished.emit(False)

    def _idle(self) -> None:
        self.task = None
        self.start_button.setEnabled(True)
        self.cancel_button.setText("Close")

    @property
    def running(self) -> bool:
        return self.task is not None

    def _cancel_or_close(self) -> None:
        if self.running:
            self.helper.cancel(self.task)
            self.status.setText("Cancelling…")
        else:
            self.reject()

    def wait(self, msecs: int = 60000) -> bool:
        return self.helper.wait(msecs)

    def done(self, code: int) -> None:  # noqa: D401 - Qt API
        if self.running:
            self.helper.cancel(self.task)
            self.helper.wait(10000)
        self.helper.shutdown()
        super().done(code)
