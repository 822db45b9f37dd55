"""The controller follows the current shot across edits without reading it again for every edit: an edit
of other shots (an add renumbers the shots after it) leaves it as it is with no read, an edit that removes
it clears it, and the shot an edit just read for the views is the one the inspector is given."""

from previz.ui import authoring
from previz.ui.browser.browser import ShotBrowser
from previz.ui.thumbnails import ThumbnailCache


def _count_reads(monkeypatch, session) -> list[str]:
    reads: list[str] = []
    real = session.shot

    def shot(code, *a, **k):
        reads.append(code)
        return real(code, *a, **k)

    monkeypatch.setattr(session, "shot", shot)
    return reads


def test_an_edit_of_other_shots_keeps_the_current_shot_without_reading_it(qtbot, controller, monkeypatch):
    session = controller.session
    browser = ShotBrowser(controller, ThumbnailCache(session))  # a view reading the edits' shots
    qtbot.addWidget(browser)
    controller.set_current_shot("001_0020")
    reads = _count_reads(monkeypatch, session)
    authoring.add_shot(controller, "002_0010")  # selects the new shot: it is the current one now
    new = controller.current_shot
    assert new not in ("001_0020", None)
    assert controller.current_shot_info() == session.shot(new)  # what the edit read, equal to a fresh read
    controller.set_current_shot("001_0010")
    reads.clear()
    controller.edit(lambda: session.set_shot("002_0020", action="changed"))
    assert reads == ["001_0010"]  # its id, looked up once by the first edit after it became current
    reads.clear()
    controller.edit(lambda: session.add_shot("1", action="first now", position=0))  # renumbers it
    controller.edit(lambda: session.set_shot("002_0010", action="changed too"))
    assert controller.current_shot == "001_0010"
    assert reads == []
    assert session.shot("001_0010").position == 1


def test_removing_the_current_shot_clears_it(qtbot, controller):
    session = controller.session
    browser = ShotBrowser(controller, ThumbnailCache(session))
    qtbot.addWidget(browser)
    controller.set_current_shot("002_0020")
    controller.edit(lambda: session.set_shot("001_0010", action="other"))  # its id is known from here on
    with qtbot.waitSignal(controller.currentShotChanged) as signal:
        authoring.delete(controller, ["002_0020"])
    assert signal.args == [None]
    assert controller.current_shot is None
    assert controller.current_shot_info() is None
    # the undo brings the shot back; made current again, a later delete still clears it
    controller.undo_stack.undo()
    controller.set_current_shot("002_0020")
    controller.edit(lambda: session.set_shot("001_0010", action="again"))
    authoring.delete(controller, ["002_0020"])
    assert controller.current_shot is None
