"""The generation queue panel: the project's jobs with state, progress and message; cancel, retry and
clear finished. Jobs run through :class:`~previz.ui.generation_runner.GenerationRunner` over the project
job queue (``previz.generation.queue``); where that is not part of the build the panel lists the jobs and
says that generation is unavailable."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from previz.core.enums import JobState
from previz.core.errors import PrevizError
from previz.ui.generation_runner import GenerationRunner

FINISHED = (JobState.done.value, JobState.failed.value, JobState.cancelled.value)
STATE_COLOURS = {
    "queued": "#a78bfa",
    "running": "#f5a524",
    "done": "#35c46a",
    "failed": "#ef5350",
    "cancelled": "#8b919b",
}


class QueuePanel(QWidget):
    message = Signal(str)

    def __init__(self, controller, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("QueuePanel")
        self.controller = controller
        self.runner = GenerationRunner(controller.session, self)
        self.banner = QLabel(self.runner.reason, objectName="banner")
        self.banner.setWordWrap(True)
        self.banner.setVisible(not self.runner.available)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Job", "Shot", "State", "Progress", "Message"])
        self.tree.setRootIsDecorated(False)
        for col, width in enumerate((36, 76, 70, 110)):
            self.tree.setColumnWidth(col, width)
        self.cancel_button = QPushButton("Cancel")
        self.retry_button = QPushButton("Retry")
        self.clear_button = QPushButton("Clear finished")
        self.cancel_button.clicked.connect(self.cancel_selected)
        self.retry_button.clicked.connect(self.retry_selected)
        self.clear_button.clicked.connect(self.clear_finished)
        buttons = QHBoxLayout()
        for b in (self.cancel_button, self.retry_button):
            b.setEnabled(self.runner.available)
            if not self.runner.available:
                b.setToolTip(self.runner.reason)
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.banner)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        controller.changed.connect(lambda ch: ch.jobs and self.reload())
        self.runner.jobFinished.connect(self._on_finished)
        self.reload()
        self.runner.start()  # jobs left queued by an earlier session

    def reload(self) -> None:
        session = self.controller.session
        codes = {s.id: s.code for s in session.shots()}
        selected = self.selected_job()
        self.tree.clear()
        for job in session.jobs():
            item = QTreeWidgetItem(
                [str(job.id), codes.get(job.shot_id, "—"), job.state, "", job.error or job.message]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, job.id)
            item.setForeground(2, _brush(STATE_COLOURS.get(job.state, "#d7dae0")))
            item.setToolTip(4, job.error or job.message)
            self.tree.addTopLevelItem(item)
            bar = QProgressBar()
            bar.setRange(0, max(job.progress_total, 1))
            bar.setValue(job.progress_total if job.state == "done" else job.progress_done)
            bar.setFormat(f"{job.progress_done}/{job.progress_total}" if job.progress_total else job.state)
            self.tree.setItemWidget(item, 3, bar)
            if job.id == selected:
                self.tree.setCurrentItem(item)

    def selected_job(self) -> int | None:
        item = self.tree.currentItem()
        return item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None

    def generate(self, codes: list[str], takes: int = 1) -> bool:
        """Queue generation of ``codes``; says why when generation is unavailable."""
        try:
            queued = self.runner.enqueue(codes, takes)
        except PrevizError as exc:
            self.message.emit(exc.one_line())
            return False
        reused = [q.shot for q in queued if q.job is None]
        if reused:
            self.message.emit(f"an identical take already exists for {', '.join(reused)}; it was reused")
        self.reload()
        return True

    def cancel_selected(self) -> None:
        self._act(self.runner.cancel)

    def retry_selected(self) -> None:
        self._act(self.runner.retry)

    def _act(self, fn) -> None:
        job = self.selected_job()
        if job is None:
            return
        try:
            fn(job)
        except PrevizError as exc:
            self.message.emit(exc.one_line())
        self.reload()

    def clear_finished(self) -> int:
        session = self.controller.session
        ids = [j.id for j in session.jobs(FINISHED)]
        if ids:
            session.remove_jobs(ids)
        return len(ids)

    def _on_finished(self, job_id: int, state: str) -> None:
        job = self.controller.session.job(job_id)
        text = job.message if state == "done" else (job.error or state)
        self.message.emit(f"job {job_id}: {text}")

    def shutdown(self) -> None:
        self.runner.shutdown()


def _brush(colour: str):
    from PySide6.QtGui import QBrush, QColor

    return QBrush(QColor(colour))
