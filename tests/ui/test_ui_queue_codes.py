"""The queue panel shows each job's shot code: an edit giving a job's shot a new code shows it, taken from
the one read of the edit's shots the views share; a shot only renumbered (an add before it) is not read."""

from previz.ui.queue.panel import QueuePanel


def test_a_jobs_shot_code_follows_edits_from_the_shared_read(qtbot, controller, monkeypatch):
    session = controller.session
    panel = QueuePanel(controller)
    qtbot.addWidget(panel)
    panel.runner.pause()  # the jobs wait: only their listing matters here
    assert panel.generate(["001_0020"])
    qtbot.waitUntil(lambda: panel.tree.topLevelItemCount() == 1, timeout=30000)
    shot = session.shot("001_0020")
    reads: list[set] = []
    real = session.shots_by_id
    monkeypatch.setattr(session, "shots_by_id", lambda ids: reads.append(set(ids)) or real(ids))
    controller.edit(lambda: session.add_shot("1", action="first now", position=0))  # renumbers 001_0020
    assert shot.id not in set().union(*reads)
    reads.clear()
    controller.edit(lambda: session.set_shot("001_0020", code="001_0099"))
    assert reads == [{shot.id}]  # one read of the edit's shots, shared
    assert panel.tree.topLevelItem(0).text(1) == "001_0099"
    panel.shutdown()
