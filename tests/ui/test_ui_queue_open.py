"""The queue panel at open and while jobs run, without the generation layer on the UI thread's launch path:
the run order it shows is the queue's, a job a dead process left running is taken back once the queue is
imported (and waits for Run), a job queued by another process appears through the change feed, and a
job's progress or state written updates its row in place."""

from __future__ import annotations

import socket
import subprocess
import sys

from PySide6.QtWidgets import QApplication
from ui.conftest import wait_claimed

from previz.core.session import ProjectSession
from previz.generation import queue
from previz.ui.queue import generation_runner
from previz.ui.queue.panel import QueuePanel
from previz.ui.queue.progress_cell import progress_of


def _rows(panel) -> list[tuple[str, str, str]]:
    tree = panel.tree
    return [
        (tree.topLevelItem(i).text(0), tree.topLevelItem(i).text(1), tree.topLevelItem(i).text(2))
        for i in range(tree.topLevelItemCount())
    ]


def test_the_panels_run_order_is_the_queues(qtbot, controller):
    session = controller.session
    assert generation_runner.JOB_KIND == queue.JOB_KIND
    queue.enqueue(session, ["001_0010", "001_0020", "001_0030", "002_0010"], backend="animatic")
    jobs = session.jobs()
    queue.move_job(session, jobs[2].id, 0)
    queue.set_priority(session, jobs[3].id, 7)
    session.add_job("export", {"key": "x"})  # another kind: listed after the queue's own, never run
    expected = [j.id for j in queue.queued_order(session)]
    assert [j.id for j in generation_runner.run_order(session.jobs())] == expected
    panel = QueuePanel(controller)
    qtbot.addWidget(panel)
    assert [int(r[0]) for r in _rows(panel)][: len(expected)] == expected
    assert panel.state_label.text() == "Paused — 4 jobs waiting. Press Run to start them."
    panel.shutdown()


def test_a_job_left_running_by_a_dead_process_is_taken_back_after_open_and_waits(qtbot, controller):
    session = controller.session
    job = queue.enqueue(session, ["001_0010"], backend="animatic")[0].job
    queue.begin_job(session, job)
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    session.update_job(job.id, holder=f"{socket.gethostname()}:{proc.pid}:1")
    panel = QueuePanel(controller)
    qtbot.addWidget(panel)
    runner = panel.runner
    assert not runner.paused and _rows(panel) == [(str(job.id), "001_0010", "running")]
    # the queue is imported on the warm-up thread once the window is up, then the job is taken back (off
    # the UI thread), and the queue pauses when the UI thread hears of it
    qtbot.waitUntil(lambda: runner.paused, timeout=30000)
    assert session.job(job.id).state == "queued"
    qtbot.waitUntil(lambda: _rows(panel) == [(str(job.id), "001_0010", "queued")], timeout=10000)
    assert panel.state_label.text() == "Paused — 1 job waiting. Press Run to start them."
    assert panel.run_button.isEnabled() and not panel.pause_button.isEnabled()
    panel.run_button.click()
    qtbot.waitUntil(lambda: session.job(job.id).state == "done", timeout=60000)
    qtbot.waitUntil(lambda: _rows(panel) == [(str(job.id), "001_0010", "done")], timeout=10000)
    panel.shutdown()


def test_a_job_queued_by_another_process_appears_and_runs_only_when_asked(qtbot, project, tmp_path):
    from previz.ui.main_window import MainWindow

    root = project.root
    project.close()
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.open_project(root)
    panel = window.widgets["queue"]
    assert _rows(panel) == []
    panel.pause()
    code = "import sys; from previz.generation import queue; from previz.core.session import ProjectSession\n"
    code += "s = ProjectSession.open(sys.argv[1])\n"
    code += "queue.enqueue(s, ['001_0020'], backend='animatic'); s.close()"
    subprocess.run([sys.executable, "-c", code, str(root)], check=True, timeout=120)
    with ProjectSession.open(root, readonly=True) as other:
        (job,) = other.jobs()
    qtbot.waitUntil(lambda: _rows(panel) == [(str(job.id), "001_0020", "queued")], timeout=10000)
    assert panel.state_label.text() == "Paused — 1 job waiting. Press Run to start them."
    QApplication.processEvents()
    assert window.session.job(job.id).state == "queued"  # paused: not taken
    panel.run()
    qtbot.waitUntil(lambda: window.session.job(job.id).state == "done", timeout=60000)
    qtbot.waitUntil(lambda: _rows(panel) == [(str(job.id), "001_0020", "done")], timeout=10000)
    window.close_project()


def test_a_jobs_progress_and_state_update_its_row_in_place(qtbot, controller):
    session = controller.session
    queue.enqueue(session, ["001_0010", "001_0020"], backend="animatic")
    first, second = session.jobs()
    panel = QueuePanel(controller)
    qtbot.addWidget(panel)
    panel.tree.setCurrentItem(panel.tree.topLevelItem(1))
    items = [panel.tree.topLevelItem(i) for i in range(2)]
    progress = {"progress_done": 3, "progress_total": 12, "message": "frame 3"}
    controller.edit(lambda: session.update_job(first.id, **progress))
    assert panel.tree.topLevelItem(0).text(6) == ""  # not inside the commit: on the next loop turn
    qtbot.waitUntil(lambda: items[0].text(6) == "frame 3")
    assert [panel.tree.topLevelItem(i) for i in range(2)] == items  # the same rows, updated
    assert progress_of(items[0], 3) == (3, 12, "3/12")
    assert items[0].text(6) == "frame 3" and items[1].text(6) == ""
    controller.edit(lambda: session.update_job(second.id, state="failed", error="no model"))
    rows = [(str(first.id), "001_0010", "queued"), (str(second.id), "001_0020", "failed")]
    qtbot.waitUntil(lambda: _rows(panel) == rows)  # a state written: the order changes, listed again
    assert panel.tree.topLevelItem(1).text(6) == "no model"
    assert panel.selected_job() == second.id  # the selection follows its job
    assert panel.state_label.text() == "Paused — 1 job waiting. Press Run to start them."
    panel.shutdown()


def test_a_job_cancelled_while_its_claim_is_on_its_way_ends_cancelled_and_the_next_runs(qtbot, controller):
    """The next job is claimed off the UI thread and started when the claim's answer arrives: cancelled in
    between, it never reaches the worker, is recorded cancelled, and the queue goes on with the next job."""
    session = controller.session
    panel = QueuePanel(controller)
    qtbot.addWidget(panel)
    panel.pause()
    queue.enqueue(session, ["001_0010", "001_0020"], backend="animatic")
    first, second = session.jobs()
    assert panel.runner.run()  # Run: the first job is being claimed, on the desk's thread
    wait_claimed(session, first.id)  # claimed there; no event processed here: not started
    assert panel.runner.running and panel.runner.job is None and panel.runner.loop is None
    panel.runner.cancel(first.id)
    assert panel.runner.wait(60000)
    assert session.job(first.id).state == "cancelled" and session.job(first.id).take_id is None
    assert session.shot("001_0010").status == "draft"
    assert session.job(second.id).state == "done"
    qtbot.waitUntil(lambda: [r[2] for r in _rows(panel)] == ["cancelled", "done"])
    panel.shutdown()
