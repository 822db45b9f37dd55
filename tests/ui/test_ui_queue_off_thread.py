"""The Generate work the UI thread used to do is done elsewhere: the new clip is probed where it was
made (the app's worker process), so storing the take opens no video on the UI thread."""

import threading

import previz.media.video as video
from previz.ui.queue.panel import QueuePanel


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
    panel = QueuePanel(controller)
    qtbot.addWidget(panel)
    assert panel.generate(["002_0020"])
    assert panel.runner.wait(60000)
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
    panel = QueuePanel(controller)
    qtbot.addWidget(panel)
    assert panel.generate(["002_0020"])
    assert panel.runner.wait(60000)
    job = session.jobs()[0]
    assert job.state == "done"
    digest = [t for t in session.takes() if t.id == job.take_id][0].media_hash
    stored = session.media.find(digest)
    assert stored is not None and real_hash(stored) == digest
    assert on_ui_thread == []  # before: finish_job -> register_encoded -> adopt hashed the clip here
    panel.shutdown()
