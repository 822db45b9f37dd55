"""Writes the user did not just make (the generation runner's: a job's claim, progress, its take) reach
the views on a later turn of the event loop, merged (``ProjectController.views_later``): the commit and
the views' refresh are two pauses, not one. Nothing is lost: after a burst the views show the final state,
exactly as views opened afresh would; an edit of the user's arrives at once, with what was waiting."""

from previz.ui.inspector.inspector import ShotInspector
from previz.ui.timeline.timeline import Timeline
from previz.ui.viewer.viewer import Viewer


def views(qtbot, controller):
    inspector, viewer, timeline = ShotInspector(controller), Viewer(controller), Timeline(controller)
    for w in (inspector, viewer, timeline):
        qtbot.addWidget(w)
        w.show()
    return inspector, viewer, timeline


def test_a_burst_of_job_writes_reaches_the_views_once_and_they_show_the_final_state(
    qtbot, controller, video_take
):
    session = controller.session
    controller.set_current_shot("001_0020")
    inspector, viewer, timeline = views(qtbot, controller)
    heard = []
    controller.changed.connect(heard.append)
    with controller.views_later():  # what the runner does around a claim, progress writes, a take
        session.set_shot("001_0020", status="queued", record=False)
        session.set_shot("001_0020", status="generating", record=False)
        video_take(session, "001_0020", 30)  # a take, selected in the cut
        session.set_shot("001_0020", status="ready", record=False)
        session.set_shot("002_0010", status="queued", record=False)
    assert heard == [] and controller.views_waiting  # nothing in the commits' pause
    assert inspector.fields["status"].currentData() == "draft"
    qtbot.waitUntil(lambda: not controller.views_waiting)
    assert len(heard) == 1  # one refresh for the burst
    assert heard[0].takes and heard[0].shot_ids >= {session.shot("001_0020").id, session.shot("002_0010").id}
    assert inspector.fields["status"].currentData() == "ready"
    assert inspector.takes.topLevelItemCount() == 1
    cut = session.cut()
    assert controller.live_cut().cut == cut and viewer.source.cut == cut
    assert timeline.clips["001_0020"].entry.take_number == 1
    fresh, fresh_viewer, _fresh_timeline = views(qtbot, controller)
    assert [fresh_viewer.source.spec_at(f) for f in range(cut.duration)] == [
        viewer.source.spec_at(f) for f in range(cut.duration)
    ]
    assert {f: inspector._state(w) for f, w in inspector.fields.items()} == {
        f: fresh._state(w) for f, w in fresh.fields.items()
    }
    for v in (viewer, fresh_viewer):
        v.shutdown()


def test_an_edit_of_the_users_is_announced_at_once_with_the_writes_waiting(qtbot, controller):
    session = controller.session
    heard = []
    controller.changed.connect(heard.append)
    with controller.views_later():
        session.set_shot("001_0010", status="queued", record=False)
    controller.set_shot("001_0030", lens_mm=85)  # the user's edit: no waiting for the next turn
    assert len(heard) == 1 and not controller.views_waiting
    assert heard[0].shot_ids == {session.shot("001_0010").id, session.shot("001_0030").id}
    qtbot.wait(20)
    assert len(heard) == 1  # not announced a second time
    controller.undo_stack.undo()  # the edit is on the stack as before
    assert session.shot("001_0030").lens_mm != 85
    assert len(heard) == 2


def test_writes_waiting_when_the_project_closes_are_dropped_quietly(qtbot, controller):
    session = controller.session
    heard = []
    controller.changed.connect(heard.append)
    with controller.views_later():
        session.set_shot("001_0010", status="queued", record=False)
    session.close()
    qtbot.wait(20)
    assert heard == [] and not controller.views_waiting
