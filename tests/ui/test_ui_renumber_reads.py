"""Adding, splitting or moving a shot renumbers the later shots of its scene; the browser's tree and grid
and the timeline move those from the snapshots they hold (``Changes.moved``) and read only the shots the
edit really changed, once for all views, and then show exactly what the project holds."""

from __future__ import annotations

from previz.ui.browser.browser import ShotBrowser
from previz.ui.thumbnails import ThumbnailCache
from previz.ui.timeline.timeline import Timeline


def _views(controller, qtbot):
    browser = ShotBrowser(controller, ThumbnailCache(controller.session))
    timeline = Timeline(controller)
    qtbot.addWidget(browser)
    qtbot.addWidget(timeline)
    return browser, timeline


def _check(controller, browser, timeline) -> None:
    session = controller.session
    shots = session.shots()
    assert [s for n in browser.tree_model.nodes for s in n.shots] == shots  # order and every value
    assert browser.grid_model.shots == shots
    held = {s.id: timeline._shots.get(s.id) for s in shots}
    assert held == {s.id: s for s in shots}
    assert [e.code for e in timeline.cut.entries] == [s.code for s in shots if s.status != "omitted"]


def test_renumbered_shots_are_moved_not_read(controller, qtbot, monkeypatch):
    session = controller.session
    browser, timeline = _views(controller, qtbot)
    reads: list[set] = []
    real = session.shots_by_id
    monkeypatch.setattr(session, "shots_by_id", lambda ids: reads.append(set(ids)) or real(ids))

    new = controller.edit(lambda: session.add_shot_after("001_0010", action="new"))
    assert reads == [{new.id}]  # 001_0020 and 001_0030 only changed position: not read
    _check(controller, browser, timeline)

    reads.clear()
    controller.edit(lambda: session.move_shot("001_0030", 0))  # within the scene: positions only
    assert reads == []
    _check(controller, browser, timeline)

    reads.clear()
    controller.edit(lambda: session.split_shot("001_0020", 10))
    assert len(reads) == 1 and session.shot("001_0020").id in reads[0]  # the split shot: shortened
    _check(controller, browser, timeline)

    for _ in range(3):
        controller.undo_stack.undo()
        _check(controller, browser, timeline)
    for _ in range(3):
        controller.undo_stack.redo()
        _check(controller, browser, timeline)
