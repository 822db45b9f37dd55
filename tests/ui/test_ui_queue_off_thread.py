"""The Generate work the UI thread used to do is done elsewhere: the new clip is probed where it was
made (the helper process), so storing the take opens no video on the UI thread."""

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
