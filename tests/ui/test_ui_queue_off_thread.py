"""The Generate work the UI thread used to do is done elsewhere: the new clip is probed where it was
made (the app's worker process), so storing the take opens no video on the UI thread."""

import threading

import previz.media.video as video
from previz.ui.queue.panel import QueuePanel


def _generate_and_wait(qtbot, controller, code: str) -> QueuePanel:
    """A queue panel that generated ``code`` and ran its job to the end."""
    panel = QueuePanel(controller)
    qtbot.addWidget(panel)
    assert panel.generate([code])
    assert panel.runner.wait(60000)
    return panel


def test_a_finished_take_is_stored_without_opening_the_clip_on_the_ui_thread(qtbot, controller, monkeypatch):
    session = controller.session
    session.set_shot("002_0020", duration_frames=30)
    real_probe = video.probe
    on_ui_thread = []

    def probe(path):
        if threading.current_thread() is threading.main_thread():
            on_ui_thread.append(path)
        return real_probe(path)

    monkeypatch.setattr(video, "probe", probe)
    panel = _generate_and_wait(qtbot, controller, "002_0020")
    job = session.jobs()[0]
    assert job.state == "done"
    shot = session.shot("002_0020")
    assert shot.status == "ready"
    media = [t for t in session.takes() if t.id == job.take_id][0].media_hash
    info = session.media_info(media)
    project = session.project()
    assert (info.frames, info.width, info.height) == (30, project.width, project.height)
    assert on_ui_thread == []  # before: register_encoded probed the clip here, 20-60 ms of PyAV
    panel.shutdown()


def test_a_take_is_hashed_where_it_was_made_and_stored_under_that_hash(qtbot, controller, monkeypatch):
    """Storing the take reads no clip bytes on the UI thread (the media store's hash was 10-40 ms there for
    a long take): the digest comes from where the clip was made, and the stored file is still named by the
    SHA-256 of its own bytes."""
    import previz.core.mediastore as mediastore

    session = controller.session
    session.set_shot("002_0020", duration_frames=30)
    real_hash = mediastore.sha256_file
    on_ui_thread = []

    def sha256_file(path):
        if threading.current_thread() is threading.main_thread():
            on_ui_thread.append(path)
        return real_hash(path)

    monkeypatch.setattr(mediastore, "sha256_file", sha256_file)
    panel = _generate_and_wait(qtbot, controller, "002_0020")
    job = session.jobs()[0]
    assert job.state == "done"
    digest = [t for t in session.takes() if t.id == job.take_id][0].media_hash
    stored = session.media.find(digest)
    assert stored is not None and real_hash(stored) == digest
    assert on_ui_thread == []  # before: finish_job -> register_encoded -> adopt hashed the clip here
    panel.shutdown()


def test_generate_plans_and_writes_its_jobs_off_the_ui_thread(qtbot, controller, monkeypatch):
    """Generate builds and validates the shots' requests and writes the jobs on a thread with its own
    session of the project (the UI thread never waits for the project's write lock); the views hear of the
    jobs and list them; the queue runs them."""
    from previz.generation import queue

    session = controller.session
    real, real_write = queue.request_for_shot, queue.enqueue_planned
    threads, writes = [], []

    def request_for_shot(s, shot, **kwargs):
        threads.append((threading.current_thread() is threading.main_thread(), s is session))
        return real(s, shot, **kwargs)

    def enqueue_planned(s, planned, **kwargs):
        writes.append((threading.current_thread() is threading.main_thread(), s is session))
        return real_write(s, planned, **kwargs)

    monkeypatch.setattr(queue, "enqueue_planned", enqueue_planned)
    monkeypatch.setattr(queue, "request_for_shot", request_for_shot)
    history = controller.undo_stack.count()
    panel = QueuePanel(controller)
    qtbot.addWidget(panel)
    messages = []
    panel.message.connect(messages.append)
    panel.pause()
    assert panel.generate(["001_0010", "002_0010"])
    qtbot.waitUntil(lambda: panel.tree.topLevelItemCount() == 2, timeout=30000)
    assert threads == [(False, False), (False, False)]  # on a thread, over its own session
    assert writes == [(False, False)]  # the jobs too, in one commit
    assert [j.state for j in session.jobs()] == ["queued", "queued"]
    assert session.shot("001_0010").status == "queued"
    assert messages == ["queued; the queue is paused: press Run in the generation queue to start it"]
    assert controller.undo_stack.count() == history  # work is not an undo step
    panel.run()
    assert panel.runner.wait(60000)
    assert [j.state for j in session.jobs()] == ["done", "done"]
    assert panel.generate(["001_0010"])  # the same request again: its take is reused, nothing queued
    reused = "an identical take already exists for 001_0010; it was reused"
    qtbot.waitUntil(lambda: reused in messages, timeout=30000)
    assert len(session.jobs()) == 2
    panel.shutdown()


def test_a_generate_that_cannot_be_planned_says_why_and_queues_nothing(qtbot, controller):
    session = controller.session
    panel = QueuePanel(controller)
    qtbot.addWidget(panel)
    messages = []
    panel.message.connect(messages.append)
    assert panel.generate(["001_0010"], takes=0)
    qtbot.waitUntil(lambda: messages != [], timeout=30000)
    assert messages == ["takes: 0 is not a number of takes; give 1 or more"]
    assert not panel.generate(["009_0090"])  # no such shot: said at once
    assert len(messages) == 2 and "009_0090" in messages[1]
    assert session.jobs() == [] and panel.tree.topLevelItemCount() == 0
    assert panel.runner.wait(10000)
    panel.shutdown()


def _record_finish(monkeypatch):
    """Where each job's end is written (``queue.finish_job``): True on the UI thread."""
    from previz.generation import queue

    real, where = queue.finish_job, []

    def finish_job(session, job_id, **kwargs):
        where.append(threading.current_thread() is threading.main_thread())
        return real(session, job_id, **kwargs)

    monkeypatch.setattr(queue, "finish_job", finish_job)
    return where


def test_the_takes_commit_is_written_off_the_ui_thread_and_the_views_hear_of_it(
    qtbot, controller, monkeypatch
):
    """The take's arrival (the clip stored, the take, the job done, the shot ready: ~10 ms of Python) is
    written on the job's event thread over a session of its own; the views get its changes on the next
    turn as a local write's, and the change feed does not announce them again as someone else's."""
    from previz.ui.inspector.inspector import ShotInspector

    session = controller.session
    session.set_shot("002_0020", duration_frames=12)
    controller.set_current_shot("002_0020")
    inspector = ShotInspector(controller)
    qtbot.addWidget(inspector)
    remote = []
    controller.remoteChanged.connect(remote.append)
    where = _record_finish(monkeypatch)
    panel = _generate_and_wait(qtbot, controller, "002_0020")
    assert where == [False]
    job = session.jobs()[0]
    assert job.state == "done" and session.shot("002_0020").status == "ready"
    assert inspector.takes.topLevelItemCount() == 1  # heard at once, not 250 ms later through the feed
    assert inspector.fields["status"].currentData() == "ready"
    assert controller.live_cut().cut == session.cut()
    assert next(e for e in session.cut().entries if e.code == "002_0020").take_id == job.take_id
    controller.poll_feed()
    assert remote == []  # this client's own rows: not someone else's change
    panel.shutdown()


def test_a_jobs_progress_is_written_off_the_ui_thread_and_reaches_the_queue_panel(
    qtbot, controller, monkeypatch
):
    """Each progress write of a running job (and its lease) is made on the job's event thread: the UI thread
    never waits there for the project's write lock while another process holds it. The panel still shows
    the job's last progress, and the job ends done with its take."""
    from previz.core.session import ProjectSession

    session = controller.session
    session.set_shot("002_0020", duration_frames=12)
    real, where = ProjectSession.update_job, []

    def update_job(self, job_id, **fields):
        if "progress_done" in fields:
            where.append(threading.current_thread() is threading.main_thread())
        return real(self, job_id, **fields)

    monkeypatch.setattr(ProjectSession, "update_job", update_job)
    panel = _generate_and_wait(qtbot, controller, "002_0020")
    assert where and not any(where)  # at least the last step's write, none on the UI thread
    job = session.jobs()[0]
    assert job.state == "done" and job.progress_done == job.progress_total == 12
    assert session.shot("002_0020").status == "ready" and job.take_id is not None
    panel.shutdown()


def test_a_job_whose_event_thread_cannot_open_the_project_is_written_on_the_ui_thread(
    qtbot, controller, monkeypatch
):
    """If the project cannot be opened a second time on the job's event thread, its events are applied on
    the UI thread, as before: the job still ends done with its take."""
    from previz.core.session import ProjectSession

    session = controller.session
    session.set_shot("002_0020", duration_frames=12)
    real_open = ProjectSession.open.__func__

    def open_(cls, *args, **kwargs):
        if threading.current_thread().name not in ("MainThread", "previz-queue-desk"):
            raise OSError("too many open files")  # the job's event thread
        return real_open(cls, *args, **kwargs)

    monkeypatch.setattr(ProjectSession, "open", classmethod(open_))
    where = _record_finish(monkeypatch)
    panel = _generate_and_wait(qtbot, controller, "002_0020")
    assert where == [True]
    job = session.jobs()[0]
    assert job.state == "done" and job.take_id is not None and session.shot("002_0020").status == "ready"
    panel.shutdown()


def test_a_jobs_events_that_wrote_nothing_do_not_wake_the_ui_thread(qtbot, controller, monkeypatch):
    """An animatic reports every frame; its progress is written a few times a second. Only an event that
    wrote something (the views hear of it) or ended the job is handed to the UI thread: the rest woke it
    and took its interpreter's lock for nothing. The take still lands and the last progress is shown."""
    from previz.ui.queue.generation_runner import GenerationRunner, Stored

    session = controller.session
    session.set_shot("002_0020", duration_frames=48)
    real, handed = GenerationRunner._on_event, []

    def on_event(self, event):
        handed.append(event)
        return real(self, event)

    monkeypatch.setattr(GenerationRunner, "_on_event", on_event)
    panel = _generate_and_wait(qtbot, controller, "002_0020")
    job = session.jobs()[0]
    assert job.state == "done" and job.progress_done == job.progress_total == 48
    assert handed and all(isinstance(e, Stored) and (e.changes or e.ended is not None) for e in handed)
    assert len(handed) < 48  # before: one per frame, and a tick every quarter second besides
    panel.shutdown()


def _hold_write_lock(session):
    """Another writer of the bundle (a render node, the CLI) inside its write transaction: a connection of
    its own holding SQLite's write lock until it is closed."""
    import sqlite3

    holder = sqlite3.connect(session.database_file, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def test_the_next_job_is_claimed_off_the_ui_thread_while_another_writer_holds_the_project(qtbot, controller):
    """Run claims the next job on the desk's thread: while another process holds the project's write lock,
    the claim waits there and the UI thread goes on turning (before, it waited inside the claim); once the
    lock is free the job is claimed and runs to the end."""
    from PySide6.QtCore import QTimer

    from previz.generation import queue

    session = controller.session
    session.set_shot("002_0020", duration_frames=12)
    panel = QueuePanel(controller)
    qtbot.addWidget(panel)
    panel.pause()
    job = queue.enqueue(session, ["002_0020"], backend="animatic")[0].job
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(session.job(job.id).state))
    holder = _hold_write_lock(session)
    try:
        timer.start(10)
        assert panel.runner.run()  # the claim is asked of the desk; it waits there for the lock
        qtbot.waitUntil(lambda: len(ticks) >= 10, timeout=30000)  # the UI thread turns meanwhile
        assert set(ticks) == {"queued"} and panel.runner.running and panel.runner.job is None
    finally:
        holder.rollback()
        holder.close()
        timer.stop()
    assert panel.runner.wait(60000)
    assert session.job(job.id).state == "done" and session.shot("002_0020").status == "ready"
    panel.shutdown()


def test_a_claim_that_fails_pauses_the_queue_says_why_and_loses_nothing(qtbot, controller, monkeypatch):
    """A claim that cannot be made (the project's write lock held past the busy timeout) pauses the queue
    with the reason in the status bar; the job stays queued, and Run tries again."""
    import sqlite3

    from previz.generation import queue

    session = controller.session
    session.set_shot("002_0020", duration_frames=12)
    panel = QueuePanel(controller)
    qtbot.addWidget(panel)
    messages = []
    panel.message.connect(messages.append)
    panel.pause()
    job = queue.enqueue(session, ["002_0020"], backend="animatic")[0].job
    real = queue.claim_next

    def locked(s, order):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(queue, "claim_next", locked)
    assert panel.runner.run()
    qtbot.waitUntil(lambda: panel.runner.paused, timeout=30000)
    assert messages == [
        "cannot start the next job: OperationalError: database is locked; "
        "the queue is paused: press Run to try again"
    ]
    assert session.job(job.id).state == "queued" and not panel.runner.running
    qtbot.waitUntil(lambda: panel.run_button.isEnabled())
    monkeypatch.setattr(queue, "claim_next", real)
    panel.run_button.click()
    assert panel.runner.wait(60000)
    assert session.job(job.id).state == "done"
    panel.shutdown()
