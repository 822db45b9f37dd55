"""A project in PostgreSQL has its generation runner's database work done off the UI thread too: a
Generate's jobs written and the running job's events applied over a second session of the project, opened
on the same server with the same media root (before, all of it ran on the UI thread, which waited there
while another app held the project's write lock)."""

import threading

import pytest
from PySide6.QtCore import QTimer
from sqlalchemy import create_engine, select, text

from previz.core.database import WRITE_LOCK_KEY
from previz.core.session import ProjectSession
from previz.generation import queue
from previz.ui.controller import ProjectController
from previz.ui.queue.panel import QueuePanel


@pytest.fixture
def session(pg_url, tmp_path):
    """A project in PostgreSQL, open; closed after the test's widgets (a test asks for it before qtbot)."""
    with ProjectSession.create(pg_url, media=tmp_path / "share" / "film", name="Film", size="320x192") as s:
        s.add_scene("EXT. LIGHTHOUSE - NIGHT", number="1")
        s.add_shot("1", action="a look", duration_frames=12)
    s = ProjectSession.open(pg_url, media=tmp_path / "share" / "film")
    yield s
    s.close()


def test_generate_waits_for_the_write_lock_off_the_ui_thread_and_runs(session, qtbot, pg_url, monkeypatch):
    """While another client holds the project's write lock, Generate's jobs wait for it on the desk's
    thread and the UI thread goes on turning; once it is free the job is written, claimed and run to the
    end, its progress and its take written on the job's event thread, over sessions of their own on the same
    server."""
    controller = ProjectController(session)
    real_update = ProjectSession.update_job
    progress_on_ui_thread = []

    def update_job(self, job_id, **fields):
        if "progress_done" in fields:
            progress_on_ui_thread.append(threading.current_thread() is threading.main_thread())
        return real_update(self, job_id, **fields)

    monkeypatch.setattr(ProjectSession, "update_job", update_job)
    real_finish, finish_on_ui_thread = queue.finish_job, []

    def finish_job(s, job_id, **kwargs):
        finish_on_ui_thread.append(threading.current_thread() is threading.main_thread())
        return real_finish(s, job_id, **kwargs)

    monkeypatch.setattr(queue, "finish_job", finish_job)
    panel = QueuePanel(controller)
    qtbot.addWidget(panel)
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(len(session.jobs())))
    other = create_engine(pg_url)
    holder = other.connect()  # another app inside a write: the lock is held until its transaction ends
    try:
        holder.execute(select(text("pg_advisory_xact_lock(CAST(:key AS BIGINT))")), {"key": WRITE_LOCK_KEY})
        timer.start(10)
        assert panel.generate(["001_0010"])  # before: the jobs were written here, waiting for the lock
        qtbot.waitUntil(lambda: len(ticks) >= 10, timeout=30000)  # the UI thread turns meanwhile
        assert set(ticks) == {0}  # no job written while the lock is held
    finally:
        holder.rollback()
        holder.close()
        other.dispose()
        timer.stop()
    qtbot.waitUntil(lambda: len(session.jobs()) == 1, timeout=30000)
    assert panel.runner.wait(60000)
    job = session.jobs()[0]
    assert job.state == "done" and job.take_id is not None
    assert session.shot("001_0010").status == "ready"
    assert progress_on_ui_thread and not any(progress_on_ui_thread)
    assert finish_on_ui_thread == [False]  # the take stored on the job's event thread
    panel.shutdown()
