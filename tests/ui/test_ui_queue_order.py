"""Reordering queued jobs in the queue panel changes the order the queue runs them in."""

from __future__ import annotations

from PySide6.QtCore import Qt
from ui.conftest import wait_claimed

from previz.generation import queue
from previz.ui.queue.panel import QueuePanel


def _shown(panel) -> list[int]:
    tree = panel.tree
    return [tree.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole) for i in range(tree.topLevelItemCount())]


def test_move_last_queued_job_to_the_top_runs_it_next(qtbot, controller):
    session = controller.session
    history = controller.undo_stack.count()
    panel = QueuePanel(controller)
    qtbot.addWidget(panel)
    queue.enqueue(session, ["001_0010", "001_0020", "001_0030"])  # queued, not yet started
    first, second, third = (j.id for j in session.jobs())
    qtbot.waitUntil(lambda: _shown(panel) == [first, second, third])  # listed on the next loop turn
    assert queue.next_job(session).id == first

    panel.tree.setCurrentItem(panel.tree.topLevelItem(2))
    panel.up_button.click()
    assert _shown(panel) == [first, third, second]
    panel.up_button.click()  # the selection follows the moved job
    assert _shown(panel) == [third, first, second]
    panel.up_button.click()  # already at the top: stays
    assert _shown(panel) == [third, first, second]
    assert [j.id for j in queue.queued_order(session)] == [third, first, second]
    assert queue.next_job(session).id == third
    assert controller.undo_stack.count() == history  # queue order is not an undo step

    panel.down_button.click()
    assert _shown(panel) == [first, third, second]
    assert panel.move_job(third, 0)

    assert panel.runner.start()  # the runner picks the job shown first (claimed off the UI thread)
    wait_claimed(session, third)  # no event processed here: claimed, not started
    assert _shown(panel)[0] == third
    panel.tree.setCurrentItem(panel.tree.topLevelItem(0))
    assert not panel.move_selected(1)  # a running job does not move
    panel.shutdown()  # claimed as the app closes: it ends cancelled, never started
    assert session.job(third).state == "cancelled"


def test_move_job_rejects_a_finished_job(project):
    import pytest

    from previz.core.errors import ValidationError

    job = queue.enqueue(project, ["001_0010"])[0].job
    queue.cancel_queued(project, job.id)
    with pytest.raises(ValidationError, match="only queued jobs"):
        queue.move_job(project, job.id, 0)
    with pytest.raises(ValidationError, match="only queued jobs"):
        queue.set_priority(project, job.id, 3)
