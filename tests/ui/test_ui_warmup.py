"""What the app imports at launch and what it leaves for a background thread."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import threading

from ui.app_process import run_app

from previz.ui.app import create_app
from previz.ui.warmup import import_in_background


def test_the_core_is_imported_before_qt_so_qts_import_hook_does_not_read_its_source():
    code = (
        "import sys; import previz.ui.app; m = list(sys.modules); qt = m.index('PySide6'); "
        "print(m.index('sqlalchemy') < qt, m.index('previz.core.session') < qt)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]


def test_the_app_opens_a_sqlite_project_without_the_orm_or_the_postgresql_dialect(tmp_path):
    """The schema is Core tables: opening a SQLite project in the window imports neither
    ``sqlalchemy.orm`` nor SQLAlchemy's PostgreSQL dialect (~0.15 s of the launch's CPU together); the
    project's JSON columns still read and write (the shot's characters come back)."""

    from previz.core.session import ProjectSession

    session = ProjectSession.create(tmp_path / "p")
    session.add_scenes_bulk(
        [{"heading": "INT. ROOM - DAY", "number": "1", "shots": [{"action": "a", "characters": ["ANA"]}]}]
    )
    root = session.root
    session.close()
    code = (
        "import sys; from previz.ui.app import create_app; from previz.ui.main_window import MainWindow; "
        "app = create_app([]); w = MainWindow(); w.show(); assert w.open_project(sys.argv[1]); "
        "app.processEvents(); "
        "print([m for m in ('sqlalchemy.orm', 'sqlalchemy.dialects.postgresql') if m in sys.modules], "
        "w.session.shots()[0].characters); w.close()"
    )
    assert run_app(code, root, tmp_path)[-1] == "[] ('ANA',)"


def test_the_launch_keeps_the_garbage_collector_out_of_the_way_until_the_window_is_shown(qapp):
    """A fresh app process: the imports' objects are frozen out of collection, collection is paused while
    the window is built and resumes at the event loop's first turn, young objects collected every 5,000
    allocations; cyclic garbage made after that is collected by itself, no ``gc.collect()`` called, once
    more than that many objects are made (a test run, whose QApplication exists already, is left alone)."""
    code = (
        "import gc, sys, weakref; from previz.ui.app import create_app; from previz.ui.main_window import "
        "MainWindow\n"
        "frozen = gc.get_freeze_count(); app = create_app([]); w = MainWindow(); w.show()\n"
        "during = gc.isenabled(); app.processEvents()\n"
        "class Node: pass\n"
        "a = Node(); a.me = a; gone = weakref.ref(a); del a; made = [[] for _ in range(12000)]\n"
        "print(frozen > 10000, during, gc.isenabled(), gc.get_threshold()[0], gone() is None)\n"
        "w.close()"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[-5:] == ["True", "False", "True", "5000", "True"]
    assert gc.isenabled()
    create_app()  # this process's QApplication exists (the tests'): collection is left as it is
    assert gc.isenabled()


def test_later_modules_are_imported_once_on_a_background_thread(tmp_path, monkeypatch):
    (tmp_path / "previz_warmup_probe.py").write_text(
        "import threading\nTHREAD = threading.current_thread().name\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    thread = import_in_background(["previz_warmup_probe"])
    assert thread is not None and thread is not threading.current_thread()
    thread.join(60)
    assert sys.modules["previz_warmup_probe"].THREAD == "previz-warmup"
    assert import_in_background(["previz_warmup_probe"]) is None  # started once per process
    monkeypatch.delitem(sys.modules, "previz_warmup_probe")


def test_numpy_is_left_for_the_warm_up_not_imported_for_the_first_paint(tmp_path):
    """In a fresh interpreter, the window open on a project with its views built: numpy (~0.1 s of CPU,
    needed only to draw or mix audio) is not imported yet; the warm-up thread imports it first."""

    from previz.core.session import ProjectSession
    from previz.ui.warmup import LATER_MODULES

    session = ProjectSession.create(tmp_path / "p")
    session.add_scenes_bulk([{"heading": "INT. ROOM - DAY", "number": "1", "shots": [{"action": "a"}]}])
    root = session.root
    session.close()
    code = (
        "import sys; from previz.ui.app import create_app; from previz.ui.main_window import MainWindow; "
        "app = create_app([]); w = MainWindow(); w.show(); assert w.open_project(sys.argv[1]); "
        "print('numpy' in sys.modules, len(w.widgets['timeline'].clips)); w.close()"
    )
    assert run_app(code, root, tmp_path)[-1].split()[-2:] == ["False", "1"]
    assert LATER_MODULES[0] == "numpy"


def test_the_queue_and_the_review_tools_are_left_for_after_the_first_paint(tmp_path):
    """In a fresh interpreter, the window open on a project with a job waiting: neither the generation
    queue nor review mode, the drawing tools, the notes over the viewer or OpenTimelineIO's package (only
    its timecode extension) are imported to show it (the
    panel lists the job and says it waits); once the window is idle the warm-up thread imports them, the
    notes are laid over the viewer and the menus' shortcuts are there from the start."""
    import os

    from previz.core.session import ProjectSession

    session = ProjectSession.create(tmp_path / "p")
    session.add_scenes_bulk([{"heading": "INT. ROOM - DAY", "number": "1", "shots": [{"action": "a"}]}])
    session.add_job("generate", {"key": "k", "request": {"backend": "animatic"}}, shot="001_0010")
    root = session.root
    session.close()
    deferred = (
        "previz.generation.queue",
        "previz.generation.executors",
        "previz.ui.review.mode",
        "previz.ui.review.drawing",
        "previz.ui.review.viewer_notes",
    )
    code = (
        "import sys, time; from previz.ui.app import create_app\n"
        "from previz.ui.main_window import MainWindow\n"
        "app = create_app([]); w = MainWindow(); w.show(); assert w.open_project(sys.argv[1])\n"
        f"print([m for m in {deferred!r} + ('opentimelineio',) if m in sys.modules])\n"
        "print(w.widgets['queue'].state_label.text())\n"
        "r = w.review_actions\n"
        "print(r.enter_action.shortcut().toString(), r.draw_action.isEnabled())\n"
        "end = time.monotonic() + 60\n"
        "while time.monotonic() < end and not all(m in sys.modules for m in "
        f"{deferred!r}):\n"
        "    app.processEvents(); time.sleep(0.01)\n"
        "from previz.ui.review.viewer_notes import ViewerNotes\n"
        "while time.monotonic() < end and w.widgets['viewer'].findChild(ViewerNotes) is None:\n"
        "    app.processEvents(); time.sleep(0.01)\n"
        f"print([m for m in {deferred!r} if m in sys.modules] == list({deferred!r}), "
        "w.widgets['viewer'].findChild(ViewerNotes) is not None)\n"
        "w.close()\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PREVIZ_SETTINGS_DIR=str(tmp_path / "settings"))
    out = subprocess.run(
        [sys.executable, "-c", code, str(root)], capture_output=True, text=True, env=env, timeout=180
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()[-4:]
    assert lines == [
        "[]",
        "Paused — 1 job waiting. Press Run to start them.",
        "F5 True",
        "True True",
    ]


def test_a_warm_up_whose_waiter_was_deleted_meanwhile_ends_quietly(tmp_path, monkeypatch, qtbot):
    """The app quit while the warm-up thread imported (its bridge to the UI thread deleted): the thread
    ends without an exception and ``then`` is not called."""
    import shiboken6

    from previz.ui import warmup

    (tmp_path / "previz_warmup_slow.py").write_text(
        "import threading\nGO = threading.Event()\nGO.wait(60)\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    errors, called = [], []
    monkeypatch.setattr(threading, "excepthook", lambda args: errors.append(args.exc_value))
    thread = import_in_background(["previz_warmup_slow"], then=lambda: called.append(1))
    while not hasattr(sys.modules.get("previz_warmup_slow"), "GO"):  # the thread is inside the import
        thread.join(0.01)
    for bridge in list(warmup._pending):
        warmup._pending.discard(bridge)
        shiboken6.delete(bridge)
    sys.modules["previz_warmup_slow"].GO.set()
    thread.join(60)
    qtbot.wait(50)  # a queued ``then`` would run here
    assert not thread.is_alive() and errors == [] and called == []
    monkeypatch.delitem(sys.modules, "previz_warmup_slow")
