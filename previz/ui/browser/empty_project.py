"""What an empty project shows in the centre of the window: what to do next, with buttons that do it —
add a scene (or, once there is one, a shot), import a screenplay, a shot list or a folder of boards.

:class:`EmptyProjectState` puts :class:`EmptyProjectPage` in the window's central stack in place of the
viewer while the project has no shots, and gives the viewer back as soon as it has one (an undo that
empties the project brings the page back). It also turns the authoring actions on and off with the project.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QFileDialog, QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from previz.ui import keys

SCREENPLAY_FILTER = "Screenplays (*.fountain *.fdx *.txt);;All files (*)"
SHOT_LIST_FILTER = "Shot lists (*.csv *.tsv *.xlsx *.xlsm);;All files (*)"


class EmptyProjectPage(QWidget):
    def __init__(self, state: EmptyProjectState) -> None:
        super().__init__()
        self.setObjectName("EmptyProjectPage")
        self.state = state
        self.title = QLabel("", objectName="title")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text = QLabel("", objectName="dim")
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text.setWordWrap(True)
        self.add_scene = QPushButton("Add Scene…", objectName="primary")
        self.add_shot = QPushButton("Add Shot", objectName="primary")
        self.import_screenplay = QPushButton("Import Screenplay…")
        self.import_shot_list = QPushButton("Import Shot List…")
        self.import_boards = QPushButton("Import Folder of Boards…")
        self.import_screenplay.setToolTip(
            "A Fountain or Final Draft (.fdx) script: scenes, and shots proposed"
        )
        self.import_shot_list.setToolTip("A CSV or Excel shot list: one shot a row")
        self.import_boards.setToolTip(
            "Storyboard panels: one shot each, named like 012A_0010.png or in order"
        )
        self.add_scene.clicked.connect(lambda: state.actions.add_scene_dialog())
        self.add_shot.clicked.connect(lambda: state.actions.add_shot())
        self.import_screenplay.clicked.connect(
            lambda: self._import_file("Import screenplay", SCREENPLAY_FILTER)
        )
        self.import_shot_list.clicked.connect(lambda: self._import_file("Import shot list", SHOT_LIST_FILTER))
        self.import_boards.clicked.connect(self._import_folder)
        shortcut = {k: keys.key(k).text for k in ("app.add_scene", "app.add_shot", "app.split")}
        self.hint = QLabel(
            f"Shortcuts: {shortcut['app.add_scene']} add a scene · {shortcut['app.add_shot']} add a shot · "
            f"{shortcut['app.split']} split at the playhead — or drop a script, shot list or board folder "
            "on the window",
            objectName="hint",
        )
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setWordWrap(True)

        buttons = QGridLayout()
        buttons.setHorizontalSpacing(10)
        buttons.setVerticalSpacing(10)
        buttons.addWidget(self.add_scene, 0, 0, 1, 3)
        buttons.addWidget(self.add_shot, 0, 0, 1, 3)
        buttons.addWidget(self.import_screenplay, 1, 0)
        buttons.addWidget(self.import_shot_list, 1, 1)
        buttons.addWidget(self.import_boards, 1, 2)
        for button in (
            self.add_scene,
            self.add_shot,
            self.import_screenplay,
            self.import_shot_list,
            self.import_boards,
        ):
            button.setMinimumHeight(34)
        box = QWidget()
        box.setMaximumWidth(720)
        column = QVBoxLayout(box)
        column.setSpacing(14)
        column.addWidget(self.title)
        column.addWidget(self.text)
        column.addSpacing(8)
        column.addLayout(buttons)
        column.addSpacing(8)
        column.addWidget(self.hint)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(box, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)

    def update_for(self, scenes: list) -> None:
        """Say what to do next: add a scene in an empty project, add a shot once there is a scene."""
        if scenes:
            last = scenes[-1]
            self.title.setText(f"Scene {last.number} has no shots yet")
            self.text.setText(
                f"Add the first shot to {last.number} {last.heading}, or bring in shots from a shot list or "
                "a folder of boards. Scenes are in the Shots panel on the left."
            )
        else:
            self.title.setText("This project is empty")
            self.text.setText(
                "Start with a scene, or bring in what you have: a screenplay becomes scenes and "
                "proposed shots; a shot list or a folder of storyboard panels becomes shots."
            )
        self.add_scene.setVisible(not scenes)
        self.add_shot.setVisible(bool(scenes))

    def _import_file(self, title: str, filters: str) -> None:
        path, _ = QFileDialog.getOpenFileName(self, title, "", filters)
        if path:
            self.state.window.import_path(Path(path))

    def _import_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Import a folder of boards")
        if folder:
            self.state.window.import_path(Path(folder))


class EmptyProjectState(QObject):
    def __init__(self, window, actions) -> None:
        super().__init__(window)
        self.window = window
        self.actions = actions
        self.page = EmptyProjectPage(self)
        window.stack.addWidget(self.page)
        self._controller = None
        self._empty: bool | None = None  # whether the open project had no shots at the last refresh
        window.stack.currentChanged.connect(self._on_stack)
        self._on_stack()

    def _viewer(self):
        return self.window.widgets.get("viewer") if self.window.controller is not None else None

    def _on_stack(self, *_args) -> None:
        controller = self.window.controller
        if controller is not None and controller is not self._controller:
            self._controller = controller
            controller.changed.connect(self._on_changed)
        self.refresh()

    def _on_changed(self, changes) -> None:
        if (changes.shots or changes.scenes) and not self._still_has_shots(changes):
            self.refresh()

    def _still_has_shots(self, changes) -> bool:
        """Whether the project had shots before ``changes`` and has after, known without counting them:
        the edit changed no scenes and a shot it names exists (the views' shared read of the edit's
        shots, made once per edit), or it only renumbered shots. Then the page, the viewer and the
        actions stay as they are (an add in a 1,000-shot project counted them: ~0.2 ms an edit)."""
        if self._empty is not False or changes.scenes or changes.project or not changes.shot_ids:
            return False
        content = changes.content
        return not content.shot_ids or bool(self.window.controller.changed_shots(content))

    def is_empty(self) -> bool:
        controller = self.window.controller
        return controller is not None and controller.session.shot_count() == 0

    def refresh(self) -> None:
        """Show the page while the open project has no shots; the viewer otherwise. Actions that need a
        scene or a shot are off until there is one."""
        stack, viewer = self.window.stack, self._viewer()
        if viewer is None or stack.indexOf(viewer) < 0:  # no project, or it is being closed
            self.actions.set_enabled(False)
            self._empty = None
            return
        empty = self._empty = self.is_empty()
        has_scenes = not empty or bool(self.window.controller.session.scenes())
        self.actions.set_enabled(True, scenes=has_scenes, shots=not empty)
        if stack.currentWidget() not in (viewer, self.page):
            return
        if empty:
            self.page.update_for(self.window.controller.session.scenes())
            if stack.currentWidget() is not self.page:
                stack.setCurrentWidget(self.page)
        elif stack.currentWidget() is self.page:
            stack.setCurrentWidget(viewer)
