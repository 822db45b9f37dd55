import os
import signal

from previz.ui.queue.panel import QueuePanel
from previz.ui.queue.progress_cell import progress_of


def test_worker_crash_marks_job_failed_then_retry_succeeds(qtbot, controller):
    session = controller.session
    history = controller.undo_stack.count()
    session.set_shot("001_0010", duration_frames=2000)  # long enough to be running when it is killed
    panel = QueuePanel(controller)
    qtbot.addWidget(panel)
    messages = []
    panel.message.connect(messages.append)
    assert panel.generate(["001_0010"])
    qtbot.waitUntil(lambda: session.jobs() != [], timeout=30000)  # its request is made off the UI thread
    qtbot.waitUntil(lambda: session.jobs()[0].progress_done > 0, timeout=30000)
    worker = panel.runner.executors.here.client  # the app's worker, where its animatics run
    os.kill(worker.pid, signal.SIGKILL)  # the process doing the work dies
    assert panel.runner.wait(30000)
    job = session.jobs()[0]
    assert job.state == "failed" and "worker crashed: killed by signal SIGKILL" in job.error
    assert session.shot("001_0010").status == "draft"
    qtbot.waitUntil(lambda: panel.tree.topLevelItem(0).text(2) == "failed")  # listed on the next loop turn
    assert messages and "worker crashed" in messages[-1]
    session.set_shot("001_0010", duration_frames=24)
    panel.tree.setCurrentItem(panel.tree.topLevelItem(0))
    panel.retry_selected()  # a fresh worker runs it
    assert panel.runner.wait(30000)
    job = session.job(job.id)
    assert job.state == "done" and job.take_id is not None
    assert session.shot("001_0010").status == "ready"
    assert controller.undo_stack.count() == history  # work is not an undo step
    panel.shutdown()


def test_cancel_queued_and_running_jobs(qtbot, controller, monkeypatch):
    session = controller.session
    panel = QueuePanel(controller)
    qtbot.addWidget(panel)
    assert panel.generate(["001_0010", "001_0020"])
    qtbot.waitUntil(lambda: len(session.jobs()) == 2, timeout=30000)  # requests made off the UI thread
    first, second = session.jobs()
    qtbot.waitUntil(lambda: panel.runner.job is not None, timeout=30000)  # starts on the next loop turn
    assert panel.runner.job.id == first.id  # running on its thread
    panel.runner.cancel(second.id)  # queued: cancelled at once
    assert session.job(second.id).state == "cancelled"
    panel.runner.cancel(first.id)  # running: asked through its cancel token
    assert panel.runner.wait(30000)
    assert session.job(first.id).state in ("cancelled", "done")  # it may have finished first
    assert panel.clear_finished() == 2
    assert session.jobs() == []
    panel.shutdown()


def test_progress_is_written_to_the_job(qtbot, controller, monkeypatch):
    from previz.generation import executors

    # every progress event written: at most 4 writes a second, a 48-frame animatic made in under 0.25 s
    # (this VM since 2026-12-03) wrote none between its start and its end
    monkeypatch.setattr(executors, "PROGRESS_WRITE_INTERVAL_S", 0.0)
    session = controller.session
    session.set_shot("002_0020", duration_frames=48)
    panel = QueuePanel(controller)
    qtbot.addWidget(panel)
    seen = []
    controller.changed.connect(lambda ch: ch.jobs and seen.append(session.jobs()[0].progress_done))
    panel.generate(["002_0020"])
    assert panel.runner.wait(30000)
    job = session.jobs()[0]
    assert job.progress_done == job.progress_total == 48
    assert any(0 < n < 48 for n in seen)  # intermediate progress reached the UI
    panel.shutdown()


def test_progress_updates_the_running_jobs_row_in_place(qtbot, controller):
    session = controller.session
    session.set_shot("001_0010", duration_frames=2000)  # long enough to see several progress writes
    panel = QueuePanel(controller)
    qtbot.addWidget(panel)
    assert panel.generate(["001_0010", "001_0020"])
    qtbot.waitUntil(lambda: len(session.jobs()) == 2, timeout=30000)  # requests made off the UI thread
    qtbot.waitUntil(lambda: session.jobs()[0].progress_done > 0, timeout=60000)
    item = panel.tree.topLevelItem(0)
    seen = progress_of(item, 3)[0]
    # shown a turn or two after its commit (the views refresh after the runner's writes, merged)
    qtbot.waitUntil(lambda: progress_of(item, 3)[0] == session.jobs()[0].progress_done > seen, timeout=60000)
    # the row is kept (before: every progress write rebuilt every row and bar)
    assert panel.tree.topLevelItem(0) is item
    assert [panel.tree.topLevelItem(i).text(2) for i in range(2)] == ["running", "queued"]
    first = session.jobs()[0].id
    panel.runner.cancel(first)
    qtbot.waitUntil(lambda: session.job(first).state == "cancelled", timeout=60000)
    panel.shutdown()


def test_many_jobs_are_listed_without_a_widget_per_row_and_the_bar_is_painted(qtbot, controller, themed):
    """A project keeps its finished jobs and the panel lists them again whenever a job starts or ends: a
    progress bar widget per row made that slower with every row (seconds with 200 jobs). The rows carry
    no widget, and the progress column paints each job's bar: a job 6 frames into 12 is half filled with
    the theme's accent, a done job wholly."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QColor
    from PySide6.QtWidgets import QApplication

    from previz.generation import queue
    from previz.ui.theme import ACCENT

    session = controller.session
    codes = [s.code for s in session.shots()]
    for seed in range(40):
        queue.enqueue(session, codes, backend="animatic", seed=seed)
    jobs = session.jobs()
    for job in jobs[2:]:
        session.update_job(job.id, state="cancelled")
    session.update_job(jobs[0].id, state="running", progress_done=6, progress_total=12)
    session.update_job(jobs[1].id, state="done", progress_done=12, progress_total=12)
    panel = QueuePanel(controller)
    qtbot.addWidget(panel)
    panel.resize(760, 300)
    panel.show()
    qtbot.waitExposed(panel)
    widgets = len(QApplication.allWidgets())
    panel.reload()
    assert panel.tree.topLevelItemCount() == len(jobs) == 200
    assert len(QApplication.allWidgets()) == widgets  # before: one QProgressBar more per row
    image = panel.tree.viewport().grab().toImage()
    accent = QColor(ACCENT).rgb()

    def filled(row: int) -> float:
        """The share of the progress cell's middle line painted in the accent colour."""
        rect = panel.tree.visualRect(panel.tree.indexFromItem(panel.tree.topLevelItem(row), 3))
        y = rect.center().y()
        line = [image.pixel(x, y) for x in range(rect.left() + 3, rect.right() - 2)]
        return sum(p == accent for p in line) / len(line)

    rows = {panel.tree.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole): i for i in range(3)}  # id -> row
    running, done = filled(rows[jobs[0].id]), filled(rows[jobs[1].id])  # the text covers a little of it
    assert 0.3 < running < 0.6 and done > 0.8, (running, done)
    panel.shutdown()


def _queued_jobs_and_panel(qtbot, controller, rounds: int = 4):
    """``rounds`` animatic jobs of every shot queued, and a paused queue panel listing them."""
    from previz.generation import queue

    session = controller.session
    codes = [s.code for s in session.shots()]
    for seed in range(rounds):
        queue.enqueue(session, codes, backend="animatic", seed=seed)
    panel = QueuePanel(controller)
    qtbot.addWidget(panel)
    panel.pause()
    return session.jobs(), panel


def _rows_by_job(panel) -> dict:
    """The panel's rows by the id of their job, in the order listed."""
    from PySide6.QtCore import Qt

    tree = panel.tree
    items = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    return {item.data(0, Qt.ItemDataRole.UserRole): item for item in items}


def test_a_job_that_starts_or_ends_moves_its_row_and_keeps_the_others(qtbot, controller):
    """The order changes when a job starts (running jobs first) or ends (finished ones last): its row
    moves and is filled again, every other row is kept as it was (before: all of them were made anew)."""
    from PySide6.QtCore import Qt

    session = controller.session
    jobs, panel = _queued_jobs_and_panel(qtbot, controller)

    before = _rows_by_job(panel)
    starting = jobs[7]
    panel.tree.setCurrentItem(before[jobs[3].id])
    controller.edit(lambda: session.update_job(starting.id, state="running", progress_total=12))
    qtbot.waitUntil(lambda: panel.tree.topLevelItem(0).data(0, Qt.ItemDataRole.UserRole) == starting.id)
    after = _rows_by_job(panel)
    assert after == before and all(after[i] is before[i] for i in before)  # the same rows, one moved
    assert after[starting.id].text(2) == "running" and progress_of(after[starting.id], 3) == (0, 12, "0/12")
    assert panel.selected_job() == jobs[3].id  # the selection stays on its job
    controller.edit(lambda: session.update_job(starting.id, state="failed", error="no model"))
    last = panel.tree.topLevelItemCount() - 1
    qtbot.waitUntil(lambda: panel.tree.topLevelItem(last).data(0, Qt.ItemDataRole.UserRole) == starting.id)
    after = _rows_by_job(panel)
    assert all(after[i] is before[i] for i in before) and before[starting.id].text(6) == "no model"
    assert list(after) == [j.id for j in panel.shown_jobs()]  # in the order they run in
    panel.shutdown()


def test_a_job_written_is_read_again_alone(qtbot, controller, monkeypatch):
    """A project keeps its finished jobs: a job's progress, start or removal reads that job again, not all
    of them (the edit's ``Changes`` name it); a change that does not say which jobs reads them all."""
    from previz.core.edits import Changes
    from previz.core.session import ProjectSession

    session = controller.session
    jobs, panel = _queued_jobs_and_panel(qtbot, controller)
    reads = []
    real_all, real_some = ProjectSession.jobs, ProjectSession.jobs_by_id
    monkeypatch.setattr(ProjectSession, "jobs", lambda self, *a: reads.append("all") or real_all(self, *a))
    monkeypatch.setattr(
        ProjectSession, "jobs_by_id", lambda self, ids: reads.append(set(ids)) or real_some(self, ids)
    )

    job = jobs[5]
    controller.edit(lambda: session.update_job(job.id, state="running", progress_done=2, progress_total=12))
    qtbot.waitUntil(lambda: panel.tree.topLevelItem(0).text(2) == "running")
    assert reads == [{job.id}]
    assert progress_of(panel.tree.topLevelItem(0), 3) == (2, 12, "2/12")
    reads.clear()
    controller.edit(lambda: session.remove_jobs([jobs[9].id]))
    qtbot.waitUntil(lambda: jobs[9].id not in _rows_by_job(panel))
    assert reads == [{jobs[9].id}]
    reads.clear()
    controller.changed.emit(Changes(jobs=True))  # which jobs: not said
    qtbot.waitUntil(lambda: reads != [])
    assert reads == ["all"]
    listed = list(_rows_by_job(panel))
    assert listed == [j.id for j in panel.shown_jobs()] and len(listed) == len(jobs) - 1
    panel.shutdown()
