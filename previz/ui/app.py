"""Application setup: the QApplication with the dark theme, and the entry point of ``previz app``."""

from __future__ import annotations

import sys
from pathlib import Path

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
    apply_theme(app)
    install_wheel_guard(app)
    return app


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
        from PySide6.QtCore import QTimer

        def shown() -> None:
            if sys.stdout is not None:  # None in a windowed Windows executable
                print("main window shown" if window.isVisible() else "main window not shown", flush=True)
            app.quit()

        QTimer.singleShot(0, shown)
    return app.exec()
