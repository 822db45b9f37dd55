"""The app follows other people's changes (issue 13): another process, as "bob", edits the project the app
has open; the views show it without losing the user's selection, playhead or half-typed value, the status
bar names bob, and an edit or undo made over bob's newer change is refused instead of overwriting it."""

from __future__ import annotations

import os
import subprocess
import sys

from PySide6.QtCore import QItemSelectionModel

from previz.core.session import ProjectSession
from previz.ui import authoring, settings
from previz.ui.main_window import MainWindow

WAIT_MS = 10_000  # generous: the feed is polled every 250 ms


def bob(root, code: str) -> str:
    """Run ``code`` in another process with ``s``, the project opened as bob; what it printed."""
    script = (
        "import sys\nfrom previz.core.session import ProjectSession\n"
        "with ProjectSession.open(sys.argv[1], author='bob') as s:\n"
        + "".join(f"    {line}\n" for line in code.splitlines())
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(root)],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def open_window(qtbot, project) -> MainWindow:
    root = project.root
    project.close()
    window = MainWindow(root)
    qtbot.addWidget(window)
    window.show()
    return window


def browser_shots(window) -> dict[str, int]:
    """The browser's shots: code -> duration shown."""
    model = window.widgets["browser"].tree_model
    return {s.code: s.duration_frames for node in model.nodes for s in node.shots}


def select_in_browser(window, codes: list[str]) -> None:
    """Select ``codes`` in the browser's tree as a user would (the first one current)."""
    browser = window.widgets["browser"]
    selection = browser.tree.selectionModel()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    selection.clearSelection()
    for code in reversed(codes):
        index = browser.view_index(browser.tree, browser.tree_model.index_of_shot(code))
        selection.setCurrentIndex(index, flags)


def timeline_durations(window) -> dict[str, int]:
    return {code: clip.entry.duration for code, clip in window.widgets["timeline"].clips.items()}


def live_line(window) -> str:
    return window.live_status.label.text()


def stack_names(controller) -> tuple[list[str], list[str]]:
    stack = controller.undo_stack
    names = [stack.text(i) for i in range(stack.count())]
    return names[: stack.index()], names[stack.index() :]


def test_another_process_adds_a_shot_and_changes_a_duration(qtbot, project):
    window = open_window(qtbot, project)
    controller, inspector = window.controller, window.widgets["inspector"]
    select_in_browser(window, ["001_0010", "001_0020"])
    window.widgets["viewer"].seek(10)
    qtbot.waitUntil(lambda: window.widgets["viewer"].position == 10, timeout=WAIT_MS)
    inspector.fields["lens_mm"].setText("85")  # typed, not committed yet
    steps_before = stack_names(controller)

    new_code = bob(
        window.session.root,
        "print(s.add_shot('1', action='bob adds a shot').code)\ns.set_shot('001_0010', duration_frames=60)",
    )

    qtbot.waitUntil(lambda: new_code in browser_shots(window), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: browser_shots(window)["001_0010"] == 60, timeout=WAIT_MS)
    assert inspector.fields["duration_frames"].text() == "60"
    assert timeline_durations(window)["001_0010"] == 60 and new_code in timeline_durations(window)
    assert live_line(window).startswith("bob: ") and "just now" in live_line(window)
    # what the user was doing is still there
    assert inspector.fields["lens_mm"].text() == "85"
    assert controller.selection == ["001_0010", "001_0020"] and controller.current_shot == "001_0010"
    assert window.widgets["browser"].selected_codes() == ["001_0010", "001_0020"]
    assert window.widgets["viewer"].position == 10
    # bob's steps are bob's: none on this app's undo stack
    assert stack_names(controller) == steps_before == window.session.history_names()
    # the typed value is committed over bob's change of another field
    inspector._commit("lens_mm")
    shot = window.session.shot("001_0010")
    assert (shot.lens_mm, shot.duration_frames) == (85, 60)
    assert window.undo_action.text() == "Undo Change lens of 001_0010"
    window.close()


def test_the_other_clients_take_and_note_show_who_made_them(qtbot, project, video_take):
    window = open_window(qtbot, project)
    window.controller.set_current_shot("001_0010")
    farm = ProjectSession.open(window.session.root, author="render-farm")
    try:
        video_take(farm, "001_0010", 12)
        farm.add_note("001_0010", 3, "darker sky", author=farm.author)
    finally:
        farm.close()
    takes = window.widgets["inspector"].takes
    qtbot.waitUntil(lambda: takes.topLevelItemCount() == 1, timeout=WAIT_MS)
    assert takes.headerItem().text(4) == "By" and takes.topLevelItem(0).text(4) == "render-farm"
    notes = window.widgets["notes"].tree
    qtbot.waitUntil(lambda: notes.topLevelItemCount() == 1, timeout=WAIT_MS)
    assert notes.topLevelItem(0).text(2) == "render-farm"
    assert live_line(window).startswith("render-farm: ")
    window.close()


def test_an_edit_over_bobs_newer_value_is_refused_and_bobs_value_kept(qtbot, project):
    window = open_window(qtbot, project)
    inspector = window.widgets["inspector"]
    window.controller.set_current_shot("001_0010")
    assert inspector.fields["lens_mm"].text() == "35"
    inspector.fields["lens_mm"].setText("50")  # the user begins typing over the 35 they see …
    bob(window.session.root, "s.set_shot('001_0010', lens_mm=85)")  # … and bob sets 85 meanwhile

    assert not inspector._commit("lens_mm")

    assert window.session.shot("001_0010").lens_mm == 85
    message = inspector.error_label.text()
    assert message.startswith("bob changed the lens of shot 001_0010 just now (it is now 85")
    assert message.endswith("your change was not made: look at it, then make it again")
    assert window.statusBar().currentMessage() == message
    assert window.live_status.box.isVisible() and window.live_status.box.text() == message
    assert inspector.fields["lens_mm"].text() == "85"  # the current value, to look at
    assert window.undo_action.text() != "Undo Change lens of 001_0010"
    # looked at: made again over 85, it is made
    inspector.fields["lens_mm"].setText("50")
    assert inspector._commit("lens_mm")
    assert window.session.shot("001_0010").lens_mm == 50
    window.close()


def test_undo_after_bob_changed_the_same_field_is_refused(qtbot, project):
    window = open_window(qtbot, project)
    inspector, controller = window.widgets["inspector"], window.controller
    controller.set_current_shot("001_0010")
    inspector.fields["duration_frames"].setText("48")
    assert inspector._commit("duration_frames")
    bob(window.session.root, "s.set_shot('001_0010', duration_frames=60)")
    qtbot.waitUntil(lambda: inspector.fields["duration_frames"].text() == "60", timeout=WAIT_MS)

    window.undo_action.trigger()

    assert window.session.shot("001_0010").duration_frames == 60
    message = window.statusBar().currentMessage()
    assert message.startswith("cannot undo “Change duration of 001_0010”: bob changed the duration of shot")
    assert message.endswith("nothing was changed")
    assert window.live_status.box.text() == message
    assert stack_names(controller) == window.session.history_names()
    assert window.undo_action.text() == "Undo Change duration of 001_0010"  # still there to undo
    assert inspector.fields["duration_frames"].text() == "60"
    window.close()


def test_undo_of_add_shot_after_a_take_was_made_is_refused_and_the_take_kept(qtbot, project, video_take):
    window = open_window(qtbot, project)
    controller = window.controller
    new = authoring.add_shot(controller, scene="2")
    assert window.undo_action.text() == f"Undo Add shot {new.code}"
    farm = ProjectSession.open(window.session.root, author="render-farm")
    try:
        video_take(farm, new.code, 12)
    finally:
        farm.close()
    qtbot.waitUntil(lambda: live_line(window).startswith("render-farm: "), timeout=WAIT_MS)

    window.undo_action.trigger()

    assert [t.number for t in window.session.takes(new.code)] == [1]
    message = window.statusBar().currentMessage()
    assert message.startswith(f"cannot undo “Add shot {new.code}”: shot {new.code} has take 1 by render-farm")
    assert stack_names(controller) == window.session.history_names()
    assert new.code in browser_shots(window)
    window.close()


def test_your_name_in_preferences_is_who_the_app_records(qtbot, project, monkeypatch):
    from previz.ui.dialogs.preferences import PreferencesDialog

    monkeypatch.setenv("PREVIZ_USER", "carol")
    dialog = PreferencesDialog()
    qtbot.addWidget(dialog)
    assert dialog.author.text() == "" and dialog.author.placeholderText() == "carol"  # empty: the default
    dialog.author.setText("  Ana  ")
    dialog.save()
    window = open_window(qtbot, project)
    assert window.session.author == "Ana"
    window.controller.set_current_shot("001_0010")
    inspector = window.widgets["inspector"]
    inspector.fields["lens_mm"].setText("50")
    assert inspector._commit("lens_mm")
    last = window.session.history_after(0)[-1]
    assert (last.author, last.name) == ("Ana", "Change lens of 001_0010")
    window.close_project()
    dialog.author.setText("")
    dialog.save()
    window.open_project(project.root)
    assert window.session.author == "carol"
    window.close()


def test_a_feed_that_cannot_be_read_is_said_once_and_polling_goes_on(qtbot, project):
    from previz.core.feed import FeedWatcher

    window = open_window(qtbot, project)
    controller = window.controller
    qtbot.waitUntil(controller.feed_timer.isActive)  # polling starts at the event loop's first turn
    said: list[str] = []
    controller.error.connect(said.append)
    gone = ProjectSession.open(window.session.root)
    controller.feed = FeedWatcher(gone)
    gone.close()  # reading it now raises ProjectClosedError, as a lost server raises its PrevizError
    for _ in range(3):
        assert controller.poll_feed() is None
    assert len(said) == 1 and said[0].startswith("Cannot follow other people's changes: ")
    assert window.statusBar().currentMessage() == said[0]
    assert controller.feed_timer.isActive()  # still polling
    controller.feed = FeedWatcher(window.session)  # readable again
    bob(window.session.root, "s.set_shot('001_0010', lens_mm=85)")
    qtbot.waitUntil(lambda: live_line(window).startswith("bob: Change lens of 001_0010"), timeout=WAIT_MS)
    assert said[1:] == ["Following other people's changes again"]
    window.close()


def test_closing_the_project_stops_following_it(qtbot, project):
    window = open_window(qtbot, project)
    controller = window.controller
    bob(window.session.root, "s.set_shot('001_0010', lens_mm=85)")
    qtbot.waitUntil(lambda: live_line(window).startswith("bob: "), timeout=WAIT_MS)
    window.close_project()
    assert live_line(window) == "" and not controller.feed_timer.isActive()
    window.close()


def test_a_project_in_postgresql_follows_bob_as_well(qtbot, pg_url, tmp_path):
    with ProjectSession.create(pg_url, media=tmp_path / "share" / "film", name="Film", size="320x192") as s:
        s.add_scene("EXT. LIGHTHOUSE - NIGHT", number="1")
        s.add_shot("1", action="a look")
        location = s.location
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    assert window.open_project(pg_url)
    window.controller.set_current_shot("001_0010")
    new_code = bob(pg_url, "print(s.add_shot('1').code)\ns.set_shot('001_0010', duration_frames=60)")
    qtbot.waitUntil(lambda: new_code in browser_shots(window), timeout=WAIT_MS)
    qtbot.waitUntil(
        lambda: window.widgets["inspector"].fields["duration_frames"].text() == "60", timeout=WAIT_MS
    )
    assert live_line(window).startswith("bob: ")
    assert window.check_project_exists()  # no bundle file to miss: the project stays open
    assert settings.recent_projects()[0] == location  # the server's address, not the media folder
    window.close()
