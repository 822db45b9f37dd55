"""The main window: shot browser (left), viewer (centre), inspector (right), timeline (bottom), notes and
generation queue docks; New/Open/Recent; drop a project folder to open it (or a screenplay, shot list or
board folder to import it, an exported movie or frame to show its content credentials); Edit menu undo/redo
named after the edit; layout kept in QSettings."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QAction, QKeySequence, QUndoGroup
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from previz.core.errors import PrevizError, ProjectLockedError
from previz.ui import keys, settings

DOCKS = (
    ("browser", "Shots", Qt.DockWidgetArea.LeftDockWidgetArea),
    ("inspector", "Inspector", Qt.DockWidgetArea.RightDockWidgetArea),
    ("timeline", "Timeline", Qt.DockWidgetArea.BottomDockWidgetArea),
    ("notes", "Notes", Qt.DockWidgetArea.BottomDockWidgetArea),
    ("queue", "Generation queue", Qt.DockWidgetArea.BottomDockWidgetArea),
)


class StartPage(QWidget):
    def __init__(self, window: MainWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.window_ = window
        layout = QVBoxLayout(self)
        layout.setContentsMargins(80, 60, 80, 60)
        layout.addWidget(QLabel("Previz", objectName="title"))
        layout.addWidget(QLabel("Open a project, or drop a project folder here.", objectName="dim"))
        new, open_ = QPushButton("New project…", objectName="primary"), QPushButton("Open project…")
        new.clicked.connect(window.new_project_dialog)
        open_.clicked.connect(window.open_project_dialog)
        layout.addWidget(new)
        layout.addWidget(open_)
        layout.addWidget(QLabel("Recent projects", objectName="dim"))
        self.recent = QListWidget()
        self.recent.itemActivated.connect(lambda item: window.open_project(item.text()))
        layout.addWidget(self.recent, 1)
        self.refresh()

    def refresh(self) -> None:
        self.recent.clear()
        self.recent.addItems(settings.recent_projects())


class MainWindow(QMainWindow):
    def __init__(self, project: str | Path | None = None) -> None:
        super().__init__()
        self.setObjectName("PrevizMainWindow")
        self.setWindowTitle("Previz")
        self.setAcceptDrops(True)
        self.setDockNestingEnabled(True)
        self.resize(1600, 960)
        self.session = None
        self.controller = None
        self.thumbnails = None
        self.widgets: dict[str, QWidget] = {}
        self.undo_group = QUndoGroup(self)
        self.stack = QStackedWidget(self)
        self.setCentralWidget(self.stack)
        self.start_page = StartPage(self, self.stack)  # made in place: not restyled again when added
        self.stack.addWidget(self.start_page)
        self.docks: dict[str, QDockWidget] = {}
        for name, title, area in DOCKS:
            dock = QDockWidget(title, self)
            dock.setObjectName(f"dock_{name}")
            dock.setFeatures(
                QDockWidget.DockWidgetFeature.DockWidgetMovable
                | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                | QDockWidget.DockWidgetFeature.DockWidgetClosable
            )
            self.addDockWidget(area, dock)
            self.docks[name] = dock
        self.splitDockWidget(self.docks["timeline"], self.docks["notes"], Qt.Orientation.Horizontal)
        self.tabifyDockWidget(self.docks["notes"], self.docks["queue"])
        self.resizeDocks(
            [self.docks["browser"], self.docks["inspector"]], [410, 380], Qt.Orientation.Horizontal
        )
        self.resizeDocks([self.docks["timeline"]], [230], Qt.Orientation.Vertical)
        self.resizeDocks(
            [self.docks["timeline"], self.docks["notes"]], [1000, 560], Qt.Orientation.Horizontal
        )
        self._build_menus()
        from previz.ui.review.actions import install_review

        install_review(self)  # the Review menu: review mode, take compare, drawing on the frame
        from previz.ui.authoring import install_authoring

        install_authoring(self)  # Scene menu, authoring in the Shot menu, toolbar, the empty-project page
        self._show_docks(False)
        self.statusBar().showMessage("Ready")
        state = settings.get("window/state")
        geometry = settings.get("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            self.restoreState(state)
            self._show_docks(False)
        if project is not None:
            self.open_project(project)

    # -------------------------------------------------------------- menus
    def _action(self, menu, text, slot, shortcut=None, enabled_with_project=True) -> QAction:
        action = QAction(text, self)
        action.triggered.connect(slot)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        menu.addAction(action)
        if enabled_with_project:
            self._project_actions.append(action)
        return action

    def _build_menus(self) -> None:
        self._project_actions: list[QAction] = []
        bar = self.menuBar()
        file = bar.addMenu("&File")
        self._action(file, "&New Project…", self.new_project_dialog, QKeySequence.StandardKey.New, False)
        self._action(file, "&Open Project…", self.open_project_dialog, QKeySequence.StandardKey.Open, False)
        self.recent_menu = file.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self._action(file, "&Import…", self.import_dialog, "Ctrl+I")
        self._action(file, "&Export…", self.export_dialog, "Ctrl+E")
        self._action(file, "&Verify Content Credentials…", self.verify_credentials_dialog, None, False)
        file.addSeparator()
        self._action(
            file, "&Preferences…", self.preferences_dialog, QKeySequence.StandardKey.Preferences, False
        )
        file.addSeparator()
        self._action(file, "&Close Project", self.close_project, QKeySequence.StandardKey.Close)
        self._action(file, "&Quit", self.close, QKeySequence.StandardKey.Quit, False)

        edit = bar.addMenu("&Edit")
        self.undo_action = self.undo_group.createUndoAction(self, "Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self.undo_group.createRedoAction(self, "Redo")
        self.redo_action.setShortcut(QKeySequence.StandardKey.Redo)
        edit.addAction(self.undo_action)
        edit.addAction(self.redo_action)
        self.edit_menu = edit

        view = bar.addMenu("&View")
        for dock in self.docks.values():
            view.addAction(dock.toggleViewAction())
            self._project_actions.append(dock.toggleViewAction())
        view.addSeparator()
        self._action(view, "Zoom Timeline to &Fit", lambda: self.widgets["timeline"].zoom_to_fit(), "Ctrl+0")
        self._action(view, "Play the &Cut", lambda: self.widgets["viewer"].set_mode("cut"), "Ctrl+1")
        self._action(view, "Play the Shot's &Take", lambda: self.widgets["viewer"].set_mode("take"), "Ctrl+2")
        self._action(view, "Focus &Viewer", lambda: self.widgets["viewer"].setFocus(), "Ctrl+3")

        shot = bar.addMenu("&Shot")
        self._action(shot, "&Generate", lambda: self.generate(self._selected()), "Ctrl+G")
        self._action(shot, "Render &Final of the Draft", lambda: self.render_finals(self._selected()))
        self._action(shot, "Render Finals of &Approved Shots", lambda: self.render_finals(approved=True))
        # Duplicate, Split, Merge, boards, Omit and Delete: the authoring actions (previz.ui.authoring)
        self._action(shot, "&Next Shot", lambda: self.widgets["viewer"].shot_step(1), "Ctrl+Down")
        self._action(shot, "&Previous Shot", lambda: self.widgets["viewer"].shot_step(-1), "Ctrl+Up")

        help_ = bar.addMenu("&Help")
        shortcuts_key = keys.key("app.shortcuts").keys[0]  # "?": the sheet is built from the same table
        self._action(help_, "&Keyboard Shortcuts", self.show_shortcuts, shortcuts_key, False)
        self._action(help_, "&About Previz", self.show_about, None, False)

    def _selected(self) -> list[str]:
        if self.controller is None:
            return []
        return self.controller.selection or (
            [self.controller.current_shot] if self.controller.current_shot else []
        )

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for path in settings.recent_projects():
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _c=False, p=path: self.open_project(p))
        if not self.recent_menu.actions():
            self.recent_menu.addAction("(none)").setEnabled(False)

    def _show_docks(self, on: bool) -> None:
        for dock in self.docks.values():
            dock.setVisible(on)
        for action in self._project_actions:
            action.setEnabled(on)

    # -------------------------------------------------------------- projects
    def new_project_dialog(self) -> None:
        from previz.ui.dialogs.new_project import NewProjectDialog

        dialog = NewProjectDialog(self)
        if dialog.exec() and dialog.session is not None:
            self._attach(dialog.session)

    def new_project(self, path: str | Path) -> bool:
        from previz.core.session import ProjectSession

        try:
            session = ProjectSession.create(path, author=settings.author_name())
        except PrevizError as exc:
            QMessageBox.critical(self, "Cannot create the project", exc.one_line())
            return False
        self._attach(session)
        return True

    def open_project_dialog(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Open project (a .previz folder)")
        if path:
            self.open_project(path)

    def open_project(self, path: str | Path) -> bool:
        """Open a project bundle, as the "Your name" preference; a missing or newer project, or one another
        process holds alone (upgrading it, `previz gc`), is explained in a dialog."""
        from previz.core.session import ProjectSession

        try:
            session = ProjectSession.open(path, author=settings.author_name())
        except ProjectLockedError as exc:  # others may have it open; not while one upgrades it or runs gc
            QMessageBox.critical(
                self,
                "Project is busy",
                f"{exc.one_line()}\n\nAnother process is upgrading the project or collecting its unused "
                "media (previz gc); open it again when that has finished.",
            )
            return False
        except PrevizError as exc:
            QMessageBox.critical(self, "Cannot open the project", exc.one_line())
            return False
        self._attach(session)
        return True

    def _attach(self, session) -> None:
        from previz.ui.browser.browser import ShotBrowser
        from previz.ui.controller import ProjectController
        from previz.ui.inspector.inspector import ShotInspector
        from previz.ui.live_status import install_live_status
        from previz.ui.queue.panel import QueuePanel
        from previz.ui.review.notes_panel import NotesPanel
        from previz.ui.thumbnails import ThumbnailCache
        from previz.ui.timeline.timeline import Timeline
        from previz.ui.viewer.viewer import Viewer

        self.close_project()
        self.session = session
        self.controller = ProjectController(session, self)
        self.thumbnails = ThumbnailCache(session, self)
        self.undo_group.addStack(self.controller.undo_stack)
        self.undo_group.setActiveStack(self.controller.undo_stack)
        w, docks = self.widgets, self.docks
        # each view is made in the dock (the stack) that shows it: handed over afterwards, the whole widget
        # tree was restyled again under the app's style sheet (~250 repolishes, ~30 ms of the launch)
        w["viewer"] = Viewer(self.controller, self.stack)
        w["browser"] = ShotBrowser(self.controller, self.thumbnails, docks["browser"])
        w["inspector"] = ShotInspector(self.controller, docks["inspector"])
        w["timeline"] = Timeline(self.controller, self.thumbnails, docks["timeline"])
        w["notes"] = NotesPanel(self.controller, docks["notes"])
        w["queue"] = QueuePanel(self.controller, docks["queue"])
        for name, dock in self.docks.items():
            dock.setWidget(w[name])
        self.stack.addWidget(w["viewer"])
        self.stack.setCurrentWidget(w["viewer"])
        w["viewer"].positionChanged.connect(w["timeline"].set_playhead)
        w["timeline"].scrubbed.connect(lambda f: (w["viewer"].pause(), w["viewer"].seek(f)))
        w["timeline"].clipClicked.connect(w["viewer"].jump_to_shot)
        w["notes"].noteActivated.connect(lambda _c, rec: rec >= 0 and w["viewer"].seek(rec))
        w["browser"].generateRequested.connect(lambda codes: self.generate(codes))
        w["inspector"].generateRequested.connect(self.generate)
        w["queue"].message.connect(self.show_message)
        w["notes"].on_queued = w["queue"].runner.start
        self.controller.error.connect(self.show_message)
        self.controller.changed.connect(self._on_changed)
        install_live_status(self).attach(self.controller)  # who else changed what; refused edits
        self._show_docks(True)
        state = settings.get("window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        first = session.shots()
        if first:
            self.controller.set_current_shot(first[0].code)
        self.setWindowTitle(f"{session.project().name} — Previz")
        self._watch(session)
        settings.add_recent_project(session.location)  # the bundle's folder, or the server project's URL
        self.start_page.refresh()
        self.statusBar().showMessage(f"Opened {session.location}", 5000)
        if w["queue"].runner.paused:  # jobs queued before the app opened wait for Run: show them
            self.docks["queue"].raise_()
            self.statusBar().showMessage(w["queue"].state_label.text(), 10000)

    def _watch(self, session) -> None:
        """Notice when the project's folder or database is deleted or moved away while open (a project in
        PostgreSQL has no file to watch)."""
        from PySide6.QtCore import QFileSystemWatcher

        if session.database_file is None:
            return

        self._watcher = QFileSystemWatcher([str(session.root), str(session.paths.db)], self)
        self._watcher.directoryChanged.connect(self.check_project_exists)
        self._watcher.fileChanged.connect(self.check_project_exists)

    def check_project_exists(self, *_args) -> bool:
        if self.session is None or self.session.database_file is None or self.session.database_file.is_file():
            return True
        root = self.session.root
        try:
            self.close_project()
        except Exception:  # noqa: BLE001 - the files are gone; closing what is left is best effort
            self.session = self.controller = None
            self._show_docks(False)
            self.stack.setCurrentWidget(self.start_page)
        QMessageBox.critical(
            self,
            "Project deleted or moved",
            f"{root}: the project was deleted or moved while it was open, so it was closed. "
            "Open it from its new place (File ▸ Open Project).",
        )
        return False

    def _on_changed(self, changes) -> None:
        if changes.project:
            self.setWindowTitle(f"{self.session.project().name} — Previz")

    def close_project(self) -> None:
        if self.session is None:
            return
        self.save_layout()
        self.review_actions.shutdown()  # review mode and take compare stop playing first
        viewer = self.widgets.get("viewer")
        if viewer is not None:
            viewer.shutdown()  # playback, sound, proxies, decoders: nothing pending reaches the session
            self.stack.removeWidget(viewer)
        queue = self.widgets.get("queue")
        if queue is not None:
            queue.shutdown()
        if self.thumbnails is not None:
            self.thumbnails.wait(3000)
        for dock in self.docks.values():
            old = dock.widget()
            dock.setWidget(QWidget())
            if old is not None:
                old.deleteLater()
        self.undo_group.removeStack(self.controller.undo_stack)
        self.controller.feed_timer.stop()  # no more polling of a project being closed
        self.live_status.clear()
        self.widgets = {}
        watcher = getattr(self, "_watcher", None)
        if watcher is not None:
            watcher.deleteLater()
            self._watcher = None
        self.session.close()
        self.session = self.controller = self.thumbnails = None
        self._show_docks(False)
        self.stack.setCurrentWidget(self.start_page)
        self.setWindowTitle("Previz")

    def save_layout(self) -> None:
        settings.put("window/geometry", self.saveGeometry())
        if self.session is not None:
            settings.put("window/state", self.saveState())

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.close_project()
        self.save_layout()
        super().closeEvent(event)

    # -------------------------------------------------------------- drop to open or import
    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt API
        for url in event.mimeData().urls():
            self.open_dropped(Path(url.toLocalFile()))
        event.acceptProposedAction()

    def open_dropped(self, path: Path) -> bool:
        if path.is_dir() and ((path / "project.sqlite").is_file() or path.suffix == ".previz"):
            return self.open_project(path)
        if path.name == "project.sqlite":
            return self.open_project(path.parent)
        from previz.ui.dialogs.credentials import carries_credentials, show_credentials

        if carries_credentials(path):  # an exported movie or frame: show its content credentials
            return show_credentials(self, path) is not None
        if self.session is None:
            self.show_message(f"{path.name}: open a project first, then drop files to import them")
            return False
        return self.import_path(path)

    def import_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Import",
            "",
            "Screenplays and shot lists (*.fountain *.fdx *.csv *.xlsx);;"
            "Editor's cuts (*.otio *.otioz *.edl *.xml);;All files (*)",
        )
        if path:
            self.import_path(Path(path))

    def import_path(self, path: Path) -> bool:
        try:
            from previz.ingest.apply import import_path
        except ImportError:
            self.show_message("Import is not part of this build (previz.ingest.apply is missing)")
            return False
        try:
            summary = self.controller.edit(lambda: import_path(self.session, path))
        except PrevizError as exc:
            QMessageBox.warning(self, "Cannot import", exc.one_line())
            return False
        lines = summary.lines() if hasattr(summary, "lines") else [f"Imported {path.name}"]
        self.show_message(lines[0] if lines else f"Imported {path.name}")
        return True

    # -------------------------------------------------------------- actions
    def generate(self, codes: list[str], takes: int = 1) -> bool:
        if not codes or "queue" not in self.widgets:
            return False
        ok = self.widgets["queue"].generate(codes, takes)
        if ok:
            self.docks["queue"].raise_()
        return ok

    def render_finals(self, codes: list[str] | None = None, *, approved: bool = False) -> bool:
        """Queue the shots' drafts again at the final preset (same seed, prompt and conditioning)."""
        if "queue" not in self.widgets:
            return False
        if codes is not None and not codes:
            self.show_message("Select the shots whose drafts to render at final")
            return False
        ok = self.widgets["queue"].render_finals(codes, approved=approved)
        if ok:
            self.docks["queue"].raise_()
        return ok

    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 10000)

    def preferences_dialog(self) -> None:
        from previz.ui.dialogs.preferences import PreferencesDialog

        PreferencesDialog(self).exec()

    def verify_credentials_dialog(self) -> None:
        from previz.ui.dialogs.credentials import verify_dialog

        verify_dialog(self)

    def export_dialog(self) -> None:
        try:
            from previz.ui.dialogs.export import ExportDialog
        except ImportError as exc:
            self.show_message(f"Export is not part of this build ({exc})")
            return
        ExportDialog(self.session.root, self).exec()

    def show_shortcuts(self):
        from previz.ui.dialogs.shortcuts import show_shortcuts_sheet

        return show_shortcuts_sheet(self)

    def show_about(self) -> None:
        from previz import __version__

        QMessageBox.about(self, "About Previz", f"Previz {__version__}\nOffline film previsualization.")
