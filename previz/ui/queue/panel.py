"""The generation queue panel: the project's jobs with state, progress and message; cancel, retry,
clear finished, and move queued jobs up or down (the order shown is the order they run in: a move
renumbers the queued jobs' priorities through ``queue.move_job``); Run and Pause (jobs found queued at
open wait for Run). A Generate that cannot run here opens the "cannot generate" dialog with its fix.
Jobs run through
:class:`~previz.ui.queue.generation_runner.GenerationRunner` over the project job queue
(``previz.generation.queue``); where that is not part of the build the panel lists the jobs and says that
generation is unavailable."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from previz.core.enums import JobState
from previz.core.errors import PrevizError
from previz.ui import keys
from previz.ui.queue.cannot_generate import CannotGenerateDialog, find_blocker
from previz.ui.queue.generation_runner import GenerationRunner, run_order
from previz.ui.queue.job_rows import RunsOn, listing_order, preset_of
from previz.ui.queue.progress_cell import ProgressDelegate, set_progress

FINISHED = (JobState.done.value, JobState.failed.value, JobState.cancelled.value)
COLUMNS = ("Job", "Shot", "State", "Progress", "Runs on", "Preset", "Message")
PROGRESS, RUNS_ON, PRESET, MESSAGE = 3, 4, 5, 6
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
        self.runner = GenerationRunner(controller.session, self, views=controller)
        self.banner = QLabel(self.runner.reason, objectName="banner")
        self.banner.setWordWrap(True)
        self.banner.setVisible(not self.runner.available)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setRootIsDecorated(False)
        for col, width in enumerate((36, 76, 70, 110, 130, 56)):
            self.tree.setColumnWidth(col, width)
        self.tree.setItemDelegateForColumn(PROGRESS, ProgressDelegate(self.tree))
        self.cancel_button = QPushButton("Cancel")
        self.retry_button = QPushButton("Retry")
        self.clear_button = QPushButton("Clear finished")
        icon = self.style().standardIcon
        self.run_button = QPushButton(icon(QStyle.StandardPixmap.SP_MediaPlay), "Run")
        self.pause_button = QPushButton(icon(QStyle.StandardPixmap.SP_MediaPause), "Pause")
        self.run_button.setToolTip("Run the queued jobs, one after another")
        self.pause_button.setToolTip("Take no new job; the running one finishes")
        self.run_button.clicked.connect(self.run)
        self.pause_button.clicked.connect(self.pause)
        self.state_label = QLabel("", objectName="dim")
        self.cannot_generate: CannotGenerateDialog | None = None
        self.up_button = QPushButton("▲")
        self.down_button = QPushButton("▼")
        self.up_button.clicked.connect(lambda: self.move_selected(-1))
        self.down_button.clicked.connect(lambda: self.move_selected(1))
        bound = keys.bind(
            self,
            "queue",
            {"queue.sooner": lambda: self.move_selected(-1), "queue.later": lambda: self.move_selected(1)},
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
        )
        for button, action_id in ((self.up_button, "queue.sooner"), (self.down_button, "queue.later")):
            button.setToolTip(f"{keys.key(action_id).description} ({bound[action_id].shortcut().toString()})")
        self.cancel_button.clicked.connect(self.cancel_selected)
        self.retry_button.clicked.connect(self.retry_selected)
        self.clear_button.clicked.connect(self.clear_finished)
        buttons = QHBoxLayout()
        for b in (
            self.run_button,
            self.pause_button,
            self.cancel_button,
            self.retry_button,
            self.up_button,
            self.down_button,
        ):
            b.setEnabled(self.runner.available)
            if not self.runner.available:
                b.setToolTip(self.runner.reason)
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.banner)
        layout.addWidget(self.state_label)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        self._codes: dict[int, str] = {}  # shot id -> code, for the shots of the jobs shown
        self._shown: list = []  # the JobInfo of each row shown
        self._stale: set[int] | None = None  # jobs written since they were read (None: any may have been)
        self._waiting = 0  # queued generation jobs among them
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(0)
        self._refresh_timer.timeout.connect(self.refresh_jobs)
        controller.changed.connect(self._on_changed)
        self.runner.jobFinished.connect(self._on_finished)
        self.runner.enqueued.connect(self._on_enqueued)
        self.runner.enqueueFailed.connect(self.message.emit)
        self.runner.startFailed.connect(self.message.emit)
        self.runner.jobStarted.connect(lambda _id: self.show_state())
        self.runner.pausedChanged.connect(lambda _p: self.show_state())
        self.reload()  # jobs queued before the app opened wait for Run (the runner starts paused then)

    # -------------------------------------------------------------- run / pause
    def run(self) -> None:
        self.runner.run()
        self.reload()

    def pause(self) -> None:
        self.runner.pause()
        self.show_state()

    def show_state(self) -> None:
        """Say whether the queue runs, and enable Run or Pause to match (the jobs waiting: those listed)."""
        runner = self.runner
        waiting = self._waiting
        jobs = f"{waiting} job{'s' if waiting != 1 else ''} waiting"
        if not runner.available:
            text = ""
        elif runner.paused and runner.running:
            text = f"Pausing: the running job finishes, then the queue stops ({jobs})."
        elif runner.paused:
            text = f"Paused — {jobs}. Press Run to start them." if waiting else "Paused."
        elif runner.running:
            text = f"Running — {jobs} after this one." if waiting else "Running the last job."
        else:
            text = "Ready: takes you generate start at once."
        self.state_label.setText(text)
        self.run_button.setEnabled(runner.available and runner.paused)
        self.pause_button.setEnabled(runner.available and not runner.paused)

    def _on_changed(self, changes) -> None:
        """Jobs changed: list them again, on the next turn of the event loop (:meth:`refresh_soon`). Shots
        changed: only a job's shot code can be out of date, so re-read the touched shots that have jobs
        (none, when a shot is added or split elsewhere)."""
        if changes.jobs:
            self._written(changes.job_ids)
            self.refresh_soon()
        elif changes.shots:
            content = changes.content  # a shot renumbered only (an add before it) keeps its code
            ids = content.shot_ids & self._codes.keys() if changes.shot_ids else set(self._codes)
            self._update_codes(ids, content if changes.shot_ids else None)

    def _update_codes(self, ids, changes=None) -> None:
        """``changes``: the edit's, whose shots the views read once for all (``controller.changed_shots``)."""
        if not ids:
            return
        shots = (
            self.controller.changed_shots(changes) if changes else self.controller.session.shots_by_id(ids)
        )
        fresh = {s.id: s.code for s in shots if s.id in ids}
        if len(fresh) != len(ids):  # a job's shot is gone
            self.reload()
            return
        self._codes.update(fresh)
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            shot_id = item.data(1, Qt.ItemDataRole.UserRole)
            if shot_id in fresh and item.text(1) != fresh[shot_id]:
                item.setText(1, fresh[shot_id])

    def _written(self, ids) -> None:
        """Jobs ``ids`` were written (empty: which is not known) since the jobs were last read."""
        if self._stale is not None:
            self._stale = self._stale | ids if ids else None

    def refresh_soon(self) -> None:
        """Refresh the jobs once the event loop has turned: not in the same pause as the commit that
        changed them (a job's start, its progress, its take's arrival, where every other view refreshes
        too), and once for several changes in a row."""
        self._refresh_timer.start()

    def refresh_jobs(self) -> None:
        """After a job change: only the jobs the changes named are read again (all of them when one did not
        say which: a project keeps its finished jobs, hundreds of rows), and the rows brought in line
        (:meth:`_arrange`): a job's progress, message or state written updates its row in place, a job that
        starts or ends moves its row; the others are left alone."""
        stale, self._stale = self._stale, set()
        if stale is None:
            self._arrange(self.shown_jobs())
            return
        held = {job.id: job for job in self._shown}
        for job_id in stale:
            held.pop(job_id, None)  # gone unless read again
        held.update((job.id, job) for job in self.controller.session.jobs_by_id(stale))
        self._arrange(listing_order([held[i] for i in sorted(held)]))

    def _remember(self, jobs) -> None:
        self._shown = list(jobs)
        self._waiting = len(run_order(jobs)) if self.runner.available else 0

    def reload(self, jobs=None) -> None:
        """List the jobs again, every row made anew (the selected job stays selected)."""
        selected = self.selected_job()
        self.tree.clear()
        self._shown = []
        self._stale = set()
        self._arrange(self.shown_jobs() if jobs is None else jobs, selected)

    def _arrange(self, jobs, selected: int | None = None) -> None:
        """Show ``jobs`` in this order: a listed job keeps its row (moved where the order puts it; filled
        again only when the job changed), a new job gets a row, a gone job's row is removed. A project keeps
        its finished jobs: a job that starts or ends moves a row or two instead of listing hundreds again."""
        self._refresh_timer.stop()  # listed now
        session = self.controller.session
        ids = {j.shot_id for j in jobs if j.shot_id}
        missing = ids - self._codes.keys()  # the others are kept current by _on_changed
        if missing:
            self._codes.update((s.id, s.code) for s in session.shots_by_id(missing))
        self._codes = {i: c for i, c in self._codes.items() if i in ids}
        tree = self.tree
        selected = self.selected_job() if selected is None else selected
        rows = {job.id: (tree.topLevelItem(i), job) for i, job in enumerate(self._shown)}
        where = None
        for i, job in enumerate(jobs):
            item, old = rows.get(job.id, (None, None))
            if item is None:
                item = QTreeWidgetItem([str(job.id), "", "", "", "", "", ""])
                item.setData(0, Qt.ItemDataRole.UserRole, job.id)
                where = where or RunsOn(session)
                self._fill(item, job, where)
                tree.insertTopLevelItem(i, item)
                continue
            if tree.topLevelItem(i) is not item:
                tree.insertTopLevelItem(i, tree.takeTopLevelItem(tree.indexOfTopLevelItem(item)))
            if job == old:
                continue
            if (job.state, job.holder, job.shot_id) != (old.state, old.holder, old.shot_id):
                where = where or RunsOn(session)
                self._fill(item, job, where)
            else:
                self._fill_progress(item, job)
        while tree.topLevelItemCount() > len(jobs):  # the rows of jobs no longer listed are left at the end
            tree.takeTopLevelItem(len(jobs))
        current = tree.currentItem()
        if selected is not None and (
            current is None or current.data(0, Qt.ItemDataRole.UserRole) != selected
        ):
            for i, job in enumerate(jobs):  # the selection follows its job (a moved row lost it)
                if job.id == selected:
                    tree.setCurrentItem(tree.topLevelItem(i))
                    break
        self._remember(jobs)
        self.show_state()

    def _fill(self, item: QTreeWidgetItem, job, where: RunsOn) -> None:
        """Show ``job`` in its row: shot, state, where it runs, preset, progress and message."""
        runs_on, runs_on_tip = where.describe(job)
        item.setText(1, self._codes.get(job.shot_id, "—"))
        item.setData(1, Qt.ItemDataRole.UserRole, job.shot_id)
        item.setText(2, job.state)
        item.setForeground(2, _brush(STATE_COLOURS.get(job.state, "#d7dae0")))
        item.setText(RUNS_ON, runs_on)
        item.setToolTip(RUNS_ON, runs_on_tip)
        item.setText(PRESET, preset_of(job))
        self._fill_progress(item, job)

    def _fill_progress(self, item: QTreeWidgetItem, job) -> None:
        text = job.error or job.message
        if item.text(MESSAGE) != text:
            item.setText(MESSAGE, text)
            item.setToolTip(MESSAGE, text)
        set_progress(item, PROGRESS, job)

    def shown_jobs(self) -> list:
        """Running jobs, then queued ones in the order they will run, then finished ones (oldest first)."""
        return listing_order(self.controller.session.jobs())

    def move_selected(self, delta: int) -> bool:
        """Move the selected queued job ``delta`` places in the run order (negative: sooner)."""
        job_id = self.selected_job()
        if job_id is None or self.runner.queue is None:
            return False
        order = [j.id for j in self.runner.queue.queued_order(self.controller.session)]
        if job_id not in order:
            self.message.emit(f"job {job_id} is not queued; only queued jobs can be moved")
            return False
        return self.move_job(job_id, order.index(job_id) + delta)

    def move_job(self, job_id: int, index: int) -> bool:
        """Put queued job ``job_id`` at ``index`` of the run order (0: runs next)."""
        try:
            self.runner.queue.move_job(self.controller.session, job_id, index)
        except PrevizError as exc:
            self.message.emit(exc.one_line())
            return False
        self.refresh_jobs()  # the rows move
        return True

    def selected_job(self) -> int | None:
        item = self.tree.currentItem()
        return item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None

    def generate(self, codes: list[str], takes: int = 1) -> bool:
        """Queue generation of ``codes`` (True: asked; the jobs are listed when their requests, made off the
        UI thread, are written; a request that cannot be made is said on ``message``). When they cannot be
        made here (no model chosen, model missing, no video-model libraries), the "cannot generate" dialog
        says why and offers the fix; after a fix, generation is asked again."""
        try:
            blocker = find_blocker(self.controller.session, codes) if self.runner.available else None
        except PrevizError as exc:
            self.message.emit(exc.one_line())
            return False
        if blocker is not None:
            self.cannot_generate = CannotGenerateDialog(self.controller, blocker, self.window())
            self.cannot_generate.fixed.connect(lambda: self.generate(codes, takes))
            self.cannot_generate.open()
            return False
        try:
            self.runner.enqueue_later(codes, takes)  # the requests are made off the UI thread
        except PrevizError as exc:
            self.message.emit(exc.one_line())
            return False
        return True

    def _on_enqueued(self, queued) -> None:
        """A Generate's jobs are written: say what was reused, or that the queue is paused, and list them
        (on the next turn of the event loop, with the views)."""
        reused = [q.shot for q in queued if q.job is None]
        if reused:
            self.message.emit(f"an identical take already exists for {', '.join(reused)}; it was reused")
        elif self.runner.paused:
            self.message.emit("queued; the queue is paused: press Run in the generation queue to start it")
        self._written(frozenset())  # read them all
        self.refresh_soon()  # listed on the next turn: not in the pause of the jobs' commit

    def render_finals(self, codes: list[str] | None = None, *, approved: bool = False) -> bool:
        """Re-render drafts at the final preset (``codes``' selected takes; none named: every shot whose
        selected take is a draft, or the approved ones); the status bar says what was queued and skipped."""
        try:
            done, skipped = self.controller.edit(lambda: self.runner.enqueue_final(codes, approved=approved))
        except PrevizError as exc:
            self.message.emit(exc.one_line())
            return False
        queued = [f.shot for f in done if f.job is not None and not f.already]
        parts = [f"queued the final of {', '.join(queued)}"] if queued else []
        parts += [f"{f.shot}: its final is already queued" for f in done if f.already]
        parts += [f"{f.shot}: final take {f.existing.number} is already made" for f in done if f.existing]
        parts += [s.reason for s in skipped]
        if not done:
            parts.insert(0, "nothing to finalize")
        elif queued and self.runner.paused:
            parts.append("the queue is paused: press Run in the generation queue to start it")
        self.message.emit("; ".join(parts))
        self.refresh_jobs()
        return bool(done)

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
        self.refresh_jobs()

    def clear_finished(self) -> int:
        session = self.controller.session
        ids = [j.id for j in session.jobs(FINISHED)]
        if ids:
            session.remove_jobs(ids)
            self.refresh_jobs()  # the button's own change: listed at once
        return len(ids)

    def _on_finished(self, job_id: int, state: str) -> None:
        job = self.runner.last_ended  # as the take's commit left it: no read in that pause
        if job is None or job.id != job_id:
            job = self.controller.session.job(job_id)
        text = job.message if state == "done" else (job.error or state)
        self.message.emit(f"job {job_id}: {text}")

    def shutdown(self) -> None:
        self.runner.shutdown()


def _brush(colour: str):
    from PySide6.QtGui import QBrush, QColor

    return QBrush(QColor(colour))
