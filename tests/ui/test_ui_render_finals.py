"""The app's "Render Final" actions queue a shot's draft again at the final preset, linked to the draft, as
``previz generate --final`` does; what is skipped is said in the status bar."""

from generation.final_support import add_draft

from previz.ui.queue.panel import QueuePanel


def test_render_finals_queues_the_drafts_of_approved_shots(qtbot, controller, tiny_ltx):
    session = controller.session
    draft = add_draft(session, "001_0010", tiny_ltx, seed=7)
    add_draft(session, "001_0020", tiny_ltx, seed=8)
    session.set_shot("001_0010", status="approved")
    panel = QueuePanel(controller)
    qtbot.addWidget(panel)
    panel.runner.pause()  # queued only: what is queued is what this test checks
    messages = []
    panel.message.connect(messages.append)

    assert panel.render_finals(approved=True)
    (job,) = session.jobs()
    assert job.shot_id == session.shot("001_0010").id and job.finalizes_take_id == draft.id
    request = job.request["request"]  # the draft's own request at final: plain diffusers, the same seed
    assert "preset" not in request and "speed" not in request and request["seed"] == 7
    assert "queued the final of 001_0010" in messages[-1] and "paused" in messages[-1]
    assert panel.tree.topLevelItemCount() == 1

    assert panel.render_finals(["001_0010"])  # the same final again: not queued twice
    assert len(session.jobs()) == 1 and "already queued" in messages[-1]
    assert not panel.render_finals(["001_0030"])  # no take: nothing to finalize, and says why
    assert "nothing to finalize" in messages[-1] and "001_0030: no take in the cut" in messages[-1]
    panel.shutdown()


def test_render_final_refuses_a_take_without_a_request(qtbot, controller, video_take):
    video_take(controller.session, "001_0010", 12)  # imported media: no request
    panel = QueuePanel(controller)
    qtbot.addWidget(panel)
    messages = []
    panel.message.connect(messages.append)
    assert not panel.render_finals(["001_0010"])
    assert "without a generation request" in messages[-1]
    assert controller.session.jobs() == []
    panel.shutdown()
