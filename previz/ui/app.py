"""Application setup: the QApplication with the dark theme, and the entry point of ``previz app``."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from previz.ui import settings
from previz.ui.system_libraries import check_system_libraries
from previz.ui.theme import apply_theme
from previz.ui.wheel_guard import install_wheel_guard


def create_app(argv: list[str] | None = None) -> QApplication:
    """The process's QApplication (created once), themed, with the wheel guard installed. Before creating
    it on X11, the system libraries Qt's xcb platform needs are checked: ``SystemLibrariesMissing`` names
    the missing ones and the packages to install, instead of Qt's abort."""
    app = QApplication.instance()
    if app is None:
        check_system_libraries()
        QApplication.setOrganizationName(settings.ORGANISATION)
        QApplication.setApplicationName(settings.APPLICATION)
        app = QApplication(argv if argv is not None else sys.argv[:1])
        pause_collection_until_shown(app)
    apply_theme(app)
    install_wheel_guard(app)
    return app


def pause_collection_until_shown(app: QApplication) -> None:
    """Keep Python's cyclic garbage collector out of the launch (~50 ms of its CPU: it scanned the objects
    the imports and the window's build pile up, over and over, finding next to nothing to free).

    What exists when the app is created — the modules, classes and constants imported so far, alive as
    long as the process — is frozen out of every later collection (``gc.freeze``; a later collection also
    costs less for it), and collection is paused until the event loop's first turn, when the window has
    been built and painted; it then resumes for everything made since, young objects collected every
    :data:`YOUNG_THRESHOLD` allocations instead of Python's 700: an edit in a 1,000-shot project makes a few
    thousand short-lived objects (the moved cut entries, snapshots, rows), which at 700 meant ~3 young and
    a middle collection (~1.3 ms, it scans everything kept since the last) per added shot, ~0.9 ms in all;
    at 5,000, ~0.4 ms."""
    if not gc.isenabled():  # the process manages collection itself
        return
    gc.freeze()
    gc.disable()
    QTimer.singleShot(0, app, _resume_collection)


#: Young-generation threshold of the cyclic collector once the window is up (see above).
YOUNG_THRESHOLD = 5000


def _resume_collection() -> None:
    gc.set_threshold(YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    gc.enable()


def main(
    project: str | Path | None = None, *, reopen_last: bool = True, quit_when_shown: bool = False
) -> int:
    """Show the main window on ``project`` (else the last project, else the start page) and run.
    ``quit_when_shown`` (``make bundle-test`` measures start-up with it): print ``main window shown`` once
    the event loop has shown the window, then quit."""
    app = create_app()
    from previz.ui.main_window import MainWindow

    if project is None and reopen_last:
        recent = settings.recent_projects()
        if recent and Path(recent[0]).is_dir():
            project = recent[0]
    window = MainWindow()
    window.show()
    if project is not None:
        window.open_project(project)
    if quit_when_shown:

        def shown() -> None:
            if sys.stdout is not None:  # None in a windowed Windows executable
                print("main window shown" if window.isVisible() else "main window not shown", flush=True)
            app.quit()

        QTimer.singleShot(0, shown)
    return app.exec()
