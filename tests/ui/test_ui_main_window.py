import os
import subprocess
import sys

from PySide6.QtWidgets import QMessageBox

from previz.core.session import ProjectSession
from previz.demo import build_sample
from previz.ui import settings
from previz.ui.main_window import MainWindow


def test_main_window_opens_the_sample_project(qtbot, tmp_path):
    session = build_sample(tmp_path / "sample")
    root = session.root
    session.close()
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    assert window.open_project(root)
    assert window.widgets["browser"].tree_model.rowCount() == 4
    assert len(window.widgets["timeline"].clips) == 12
    assert window.windowTitle().startswith("The Last Keeper")
    assert settings.recent_projects()[0] == str(root.resolve())
    window.close()


def test_opening_the_app_on_a_project_never_imports_torch(tmp_path):
    """In a fresh interpreter: other tests in this process may have imported torch already."""
    session = build_sample(tmp_path / "sample")
    root = session.root
    session.close()
    code = (
        "import sys; from previz.ui.app import create_app; from previz.ui.main_window import MainWindow; "
        "app = create_app([]); w = MainWindow(); w.show(); assert w.open_project(sys.argv[1]); "
        "app.processEvents(); print('torch' in sys.modules, len(w.widgets['timeline'].clips)); w.close()"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run(
        [sys.executable, "-c", code, str(root)], capture_output=True, text=True, env=env, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[-2:] == ["False", "12"]


def test_undo_redo_menu_names_the_edit(qtbot, project):
    root = project.root
    project.close()
    window = MainWindow(root)
    qtbot.addWidget(window)
    inspector = window.widgets["inspector"]
    window.controller.set_current_shot("001_0010")
    inspector.fields["duration_frames"].setText("60")
    inspector._commit("duration_frames")
    assert window.session.shot("001_0010").duration_frames == 60
    assert window.undo_action.text() == "Undo Change duration of 001_0010"
    assert window.undo_action.shortcut().toString() == "Ctrl+Z"
    window.undo_action.trigger()
    assert window.session.shot("001_0010").duration_frames == 24
    assert window.redo_action.text() == "Redo Change duration of 001_0010"
    assert inspector.fields["duration_frames"].text() == "24"
    window.redo_action.trigger()
    assert window.session.shot("001_0010").duration_frames == 60
    assert window.session.undo_name() == "Change duration of 001_0010"
    window.close()


def test_a_project_open_in_another_process_opens(qtbot, project):
    """Any number of processes may have a project open (here the fixture's session)."""
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.open_project(project.root)
    assert window.session.shots() == project.shots()
    window.close()


def test_project_held_alone_by_gc_explained_in_a_dialog(qtbot, project, monkeypatch):
    from previz.core.bundle import ProjectLock

    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append((title, text)))
    monkeypatch.setattr(ProjectLock, "WAIT_S", 0.2)  # opening waits this long for the gc to finish
    window = MainWindow()
    qtbot.addWidget(window)
    with project.exclusive("previz gc"):
        assert not window.open_project(project.root)
    assert shown and shown[0][0] == "Project is busy"
    assert "has the project to itself" in shown[0][1]
    assert "open it again when that has finished" in shown[0][1]
    assert window.session is None
    assert window.open_project(project.root)  # gc done: it opens
    window.close()


def test_drop_project_folder_opens_it_and_layout_is_remembered(qtbot, project):
    root = project.root
    project.close()
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    assert window.open_dropped(root)
    assert window.session is not None and window.session.root == root
    window.docks["notes"].hide()
    window.close()
    again = MainWindow(root)
    qtbot.addWidget(again)
    again.show()
    assert not again.docks["notes"].isVisible()
    assert again.docks["timeline"].isVisible()
    again.close()


def test_missing_generation_layer_is_said_not_crashed(qtbot, project, monkeypatch):
    import previz.ui.queue.generation_runner as runner

    monkeypatch.setattr(runner, "queue_present", lambda: False)
    monkeypatch.setattr(runner, "load_queue", lambda: None)
    root = project.root
    project.close()
    window = MainWindow(root)
    qtbot.addWidget(window)
    queue = window.widgets["queue"]
    assert queue.banner.text().startswith("Generation is not available")
    assert not queue.cancel_button.isEnabled()
    assert not window.generate(["001_0010"])
    assert "not available" in window.statusBar().currentMessage()
    window.close()


def test_generate_through_queue_panel_then_drag_undo_redo(qtbot, project):
    """End to end: generate a shot with the animatic backend through the queue panel, see the take in
    the inspector and the timeline, move a shot on the timeline, undo, redo."""
    root = project.root
    project.close()
    window = MainWindow(root)
    qtbot.addWidget(window)
    window.show()
    session, queue = window.session, window.widgets["queue"]
    window.controller.set_current_shot("001_0020")
    inspector = window.widgets["inspector"]
    inspector.takes_count.setValue(1)
    inspector.generate_button.click()
    assert queue.runner.wait(60000)  # its request made off the UI thread, queued, run
    assert queue.tree.topLevelItemCount() == 1
    job = session.jobs()[0]
    assert job.state == "done", job.error
    take = session.take(job.take_id)
    assert take.kind == "animatic" and take.frames == 25
    assert session.shot("001_0020").selected_take_id == take.id
    assert inspector.takes.topLevelItemCount() == 1
    qtbot.waitUntil(lambda: queue.tree.topLevelItem(0).text(2) == "done")  # listed on the next loop turn
    timeline = window.widgets["timeline"]
    entry = next(e for e in session.cut().entries if e.code == "001_0020")
    assert entry.take_id == take.id and timeline.clips["001_0020"].entry.take_number == 1
    assert timeline.move_clip("001_0020", 4)
    assert [e.code for e in session.cut().entries][-1] == "001_0020"
    window.undo_action.trigger()
    assert [e.code for e in session.cut().entries][1] == "001_0020"
    window.redo_action.trigger()
    assert timeline.order[-1] == "001_0020"
    assert queue.clear_finished() == 1 and queue.tree.topLevelItemCount() == 0
    window.close()


def test_open_project_reopen_session_closed(qtbot, tmp_path):
    s = ProjectSession.create(tmp_path / "a")
    s.close()
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.open_project(tmp_path / "a.previz")
    window.close_project()
    assert window.session is None
    # closed: the lock is free again
    ProjectSession.open(tmp_path / "a.previz").close()


def test_project_deleted_while_open_is_closed_with_a_message(qtbot, project, monkeypatch):
    import shutil

    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append(title))
    root = project.root
    project.close()
    window = MainWindow(root)
    qtbot.addWidget(window)
    shutil.rmtree(root)
    qtbot.waitUntil(lambda: window.session is None, timeout=5000)
    assert shown == ["Project deleted or moved"]
    assert window.stack.currentWidget() is window.start_page


def test_newer_or_foreign_project_is_refused_in_a_dialog(qtbot, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append((title, text)))
    bogus = tmp_path / "x.previz"
    bogus.mkdir()
    (bogus / "project.sqlite").write_bytes(b"not a database at all, just bytes" * 10)
    window = MainWindow()
    qtbot.addWidget(window)
    assert not window.open_project(bogus)
    assert shown and shown[0][0] == "Cannot open the project" and "project.sqlite" in shown[0][1]


def test_dropped_screenplay_imports_as_one_undo_step_and_bad_file_is_explained(qtbot, tmp_path, dialogs):
    from previz.demo import SAMPLE

    ProjectSession.create(tmp_path / "empty").close()
    window = MainWindow(tmp_path / "empty.previz")
    qtbot.addWidget(window)
    assert window.open_dropped(SAMPLE / "sample.fountain"), dialogs
    scenes = window.session.scenes()
    assert [s.number for s in scenes][:2] == ["1", "2"]
    assert window.widgets["browser"].tree_model.rowCount() == len(scenes)
    assert window.undo_action.isEnabled()
    window.undo_action.trigger()
    assert window.session.scenes() == []
    bad = tmp_path / "broken.csv"
    bad.write_text("nothing,useful\n1,2\n")
    assert not window.open_dropped(bad)
    assert dialogs[-1][:2] == ("warning", "Cannot import") and "broken.csv" in dialogs[-1][2]
