"""The queue under the user's control: jobs queued outside the app wait for Run, Pause stops taking new
jobs, and a Generate that cannot run here opens a dialog with the fix instead of pointing to a command."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from previz.generation import queue
from previz.ui.dialogs.preferences import PreferencesDialog
from previz.ui.queue import cannot_generate
from previz.ui.queue.panel import QueuePanel


def _states(panel) -> list[str]:
    return [panel.tree.topLevelItem(i).text(2) for i in range(panel.tree.topLevelItemCount())]


def test_a_job_queued_elsewhere_waits_for_run_when_the_app_opens(qtbot, project):
    from previz.ui.main_window import MainWindow

    queue.enqueue(project, ["001_0010"])  # what `previz generate --queue-only` leaves in the project
    (job,) = project.jobs()
    root = project.root
    project.close()
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.open_project(root)
    panel, session = window.widgets["queue"], window.session
    QApplication.processEvents()
    assert session.job(job.id).state == "queued"  # not started silently
    assert not panel.runner.running
    assert _states(panel) == ["queued"]
    assert panel.run_button.isEnabled() and not panel.pause_button.isEnabled()
    assert panel.state_label.text() == "Paused — 1 job waiting. Press Run to start them."
    assert window.statusBar().currentMessage() == panel.state_label.text()  # said when the project opens
    panel.run_button.click()
    qtbot.waitUntil(lambda: session.job(job.id).state == "done", timeout=60000)
    qtbot.waitUntil(lambda: _states(panel) == ["done"], timeout=10000)
    assert session.shot("001_0010").selected_take_id is not None
    assert panel.pause_button.isEnabled() and not panel.run_button.isEnabled()
    window.close_project()


def test_pause_lets_the_running_job_finish_and_takes_no_new_one(qtbot, controller):
    session = controller.session
    panel = QueuePanel(controller)
    qtbot.addWidget(panel)
    assert not panel.runner.paused  # nothing was waiting at open: Generate runs at once
    assert panel.generate(["001_0010", "001_0020"])
    qtbot.waitUntil(lambda: len(session.jobs()) == 2, timeout=30000)  # requests made off the UI thread
    first, second = session.jobs()
    qtbot.waitUntil(lambda: session.job(first.id).state == "running", timeout=30000)
    panel.pause_button.click()
    assert panel.runner.wait(60000)
    assert session.job(first.id).state == "done"
    assert session.job(second.id).state == "queued"
    qtbot.waitUntil(lambda: panel.state_label.text() == "Paused — 1 job waiting. Press Run to start them.")
    panel.run_button.click()
    qtbot.waitUntil(lambda: session.job(second.id).state == "done", timeout=60000)
    panel.shutdown()


def _blocked(qtbot, controller, **fields):
    session = controller.session
    session.set_shot("002_0020", backend="diffusers", **fields)
    panel = QueuePanel(controller)
    qtbot.addWidget(panel)
    messages = []
    panel.message.connect(messages.append)
    assert not panel.generate(["002_0020"])
    dialog = panel.cannot_generate
    assert dialog is not None and dialog.isVisible()
    assert session.jobs() == []  # nothing queued
    text = f"{dialog.heading.text()} {dialog.reason.text()}"
    assert "previz " not in text and "`" not in text and not messages  # no command line anywhere
    return panel, dialog, text


def test_no_model_chosen_offers_the_catalog_or_the_animatic(qtbot, controller):
    session = controller.session
    panel, dialog, text = _blocked(qtbot, controller, model="")
    assert dialog.heading.text() == "Choose a video model"
    assert "002_0020" in text and "no model is chosen" in text
    assert dialog.models.isVisibleTo(dialog) and dialog.animatic.isVisibleTo(dialog)
    dialog.animatic.click()  # the fix in the app: one undoable edit, then Generate runs again
    assert session.shot("002_0020").backend == "animatic"
    assert controller.undo_stack.undoText() == "Make 002_0020 an animatic"
    assert not dialog.isVisible()
    assert panel.runner.wait(60000)  # its request made off the UI thread, queued, run
    (job,) = session.jobs()
    assert session.job(job.id).state == "done"
    panel.shutdown()


def test_missing_model_names_it_and_opens_preferences_models(qtbot, controller):
    panel, dialog, text = _blocked(qtbot, controller, model="wan-2.1-missing")
    assert dialog.heading.text() == "The video model is not on this machine"
    assert "“wan-2.1-missing”" in text and "Preferences ▸ Models" in text
    assert dialog.models.currentData() == ""  # no model folders: nothing to choose yet
    assert not dialog.use_model.isEnabled()
    prefs = dialog.open_preferences()
    assert isinstance(prefs, PreferencesDialog) and prefs.isVisible()
    prefs.reject()
    panel.shutdown()


def test_without_the_video_libraries_the_dialog_offers_the_animatic(qtbot, controller, monkeypatch):
    monkeypatch.setattr(cannot_generate, "missing_video_libraries", lambda: ["diffusers", "torch"])
    panel, dialog, text = _blocked(qtbot, controller, model="ltx")
    assert dialog.heading.text() == "Video models cannot run in this installation"
    assert "diffusers, torch" in text
    assert not dialog.models.isVisibleTo(dialog) and dialog.animatic.isVisibleTo(dialog)
    panel.shutdown()
