"""Authoring a film in the app, as a new user would: from an empty project to scenes and shots through the
menus, the toolbar actions and the dialogs, every step one undo step, errors shown next to the field."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QMimeData, QUrl
from PySide6.QtGui import QColor, QGuiApplication, QImage

from helpers import dump
from previz.core.session import ProjectSession
from previz.ui import authoring
from previz.ui.browser.browser import ShotBrowser
from previz.ui.dialogs.authoring_dialogs import CharacterDialog, RenumberSceneDialog, SceneDialog
from previz.ui.dialogs.new_project import NewProjectDialog
from previz.ui.main_window import MainWindow
from previz.ui.thumbnails import ThumbnailCache


def _window(qtbot, root) -> MainWindow:
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    assert window.open_project(root)
    return window


def _empty_project(tmp_path):
    session = ProjectSession.create(tmp_path / "film", name="Film", fps="24", size="320x192")
    root = session.root
    session.close()
    return root


def test_empty_project_to_scene_shots_split_and_undo_all_back_to_empty(qtbot, tmp_path):
    window = _window(qtbot, _empty_project(tmp_path))
    session, controller, acts = window.session, window.controller, window.authoring.actions
    empty = dump(session, history=False)
    page = window.authoring.empty_state.page
    assert window.stack.currentWidget() is page
    assert page.title.text() == "This project is empty" and page.add_scene.isVisibleTo(page)
    assert (
        acts["add_scene"].isEnabled() and not acts["add_shot"].isEnabled() and not acts["split"].isEnabled()
    )

    dialog = SceneDialog(controller, window)
    dialog.heading.setText("EXT. LIGHTHOUSE - NIGHT")
    dialog.synopsis.setPlainText("The keeper climbs the stairs.")
    assert dialog.try_apply()
    assert page.title.text() == "Scene 1 has no shots yet" and page.add_shot.isVisibleTo(page)
    assert acts["add_shot"].isEnabled() and not acts["merge"].isEnabled()
    for _ in range(3):
        acts["add_shot"].trigger()
    assert [s.code for s in session.shots()] == ["001_0010", "001_0020", "001_0030"]
    assert window.stack.currentWidget() is window.widgets["viewer"]
    assert session.scene("1").synopsis == "The keeper climbs the stairs."

    viewer = window.widgets["viewer"]
    viewer.seek(72 + 30)  # 30 frames into 001_0020 (each shot is 3 s = 72 frames)
    qtbot.waitUntil(lambda: viewer.position == 102, timeout=10000)
    acts["split"].trigger()
    shots = session.shots()
    assert [(s.code, s.duration_frames, s.trim_in) for s in shots] == [
        ("001_0010", 72, 0),
        ("001_0020", 30, 0),
        ("001_0025", 42, 30),
        ("001_0030", 72, 0),
    ]
    assert window.undo_action.text() == "Undo Split 001_0020 at frame 30"

    while controller.undo_stack.canUndo():
        window.undo_action.trigger()
    assert dump(session, history=False) == empty
    qtbot.waitUntil(lambda: window.stack.currentWidget() is page, timeout=5000)
    assert page.title.text() == "This project is empty"
    window.close()


def test_new_project_dialog_makes_a_25_fps_1080p_project(qtbot, tmp_path):
    dialog = NewProjectDialog(folder=str(tmp_path))
    qtbot.addWidget(dialog)
    dialog.name.setText("Harbour")
    dialog.rate.setCurrentIndex(dialog.rate.findData("25"))
    assert not dialog.drop_frame.isEnabled()
    dialog.size.setCurrentIndex(dialog.size.count() - 1)  # custom…
    dialog.custom_width.setText("1921")
    dialog.start_timecode.setText("10:00:00:99")
    assert not dialog.create_project()
    assert dialog.fields.error_text("size") == "1921 is odd; video needs even sizes, e.g. 1922"
    assert "is not a timecode at 25 fps" in dialog.fields.error_text("start_timecode")
    assert dialog.fields.error_text("name") == ""
    assert not (tmp_path / "Harbour.previz").exists()

    dialog.size.setCurrentIndex(dialog.size.findData("1920x1080"))
    dialog.start_timecode.setText("00:59:30:00")
    dialog.style_prompt.setPlainText("charcoal storyboard, high contrast")
    assert dialog.create_project()
    dialog.session.close()
    with ProjectSession.open(tmp_path / "Harbour.previz", readonly=True) as s:
        row = s.table_rows("project")[0]
    assert (row["name"], row["fps"], row["drop_frame"], row["width"], row["height"]) == (
        "Harbour",
        "25",
        False,
        1920,
        1080,
    )
    assert (row["start_timecode"], row["style_prompt"], row["default_backend"]) == (
        "00:59:30:00",
        "charcoal storyboard, high contrast",
        "animatic",
    )
    again = NewProjectDialog(folder=str(tmp_path))
    qtbot.addWidget(again)
    again.name.setText("Harbour")
    assert not again.create_project()
    assert "already exists and is not empty" in again.fields.error_text("location")


def test_new_project_dialog_offers_drop_frame_at_29_97(qtbot, tmp_path):
    dialog = NewProjectDialog(folder=str(tmp_path))
    qtbot.addWidget(dialog)
    dialog.rate.setCurrentIndex(dialog.rate.findData("29.97"))
    assert dialog.drop_frame.isEnabled() and dialog.drop_frame.isChecked()
    assert dialog.start_timecode.text() == "01:00:00;00"
    dialog.size.setCurrentIndex(dialog.size.findData("2048x858"))
    assert dialog.create_project()
    p = dialog.session.project()
    dialog.session.close()
    assert (p.fps, p.drop_frame, p.width, p.height) == ("29.97", True, 2048, 858)


def test_merge_and_duplicate_from_the_selection(qtbot, controller):
    session = controller.session
    controller.set_selection(["001_0010", "001_0020"])
    merged = authoring.merge(controller, controller.selection)
    assert (merged.code, merged.duration_frames) == ("001_0010", 24 + 25)
    assert [s.code for s in session.shots("1")] == ["001_0010", "001_0030"]
    assert controller.current_shot == "001_0010"
    copies = authoring.duplicate(controller, ["001_0010"])
    assert [s.code for s in session.shots("1")] == ["001_0010", "001_0020", "001_0030"]
    assert copies[0].duration_frames == 49 and copies[0].action == merged.action
    assert controller.undo_stack.undoText() == "Duplicate 001_0010"
    controller.undo_stack.undo()
    controller.undo_stack.undo()
    assert [s.duration_frames for s in session.shots("1")] == [24, 25, 26]


def test_merge_of_shots_in_two_scenes_is_refused_in_the_status_bar(qtbot, project):
    project.close()  # the window opens it for writing
    window = _window(qtbot, project.root)
    errors = []
    window.controller.error.connect(errors.append)
    window.controller.set_selection(["001_0030", "002_0010"])
    window.authoring.actions["merge"].trigger()
    assert errors == ["shots: 001_0030 and 002_0010 are in different scenes; merge shots of one scene"]
    assert len(window.session.shots()) == 5
    window.close()


def test_board_pasted_from_the_clipboard_lands_as_media_on_the_shot(qtbot, controller):
    session = controller.session
    image = QImage(64, 36, QImage.Format.Format_RGB32)
    image.fill(QColor(200, 40, 20))
    QGuiApplication.clipboard().setImage(image)
    qtbot.waitUntil(lambda: QGuiApplication.clipboard().mimeData().hasImage(), timeout=5000)
    digest = authoring.paste_board(controller, "002_0010")
    shot = session.shot("002_0010")
    assert shot.board_hash == digest
    media = session.media_info(digest)
    assert (media.kind, media.ext, media.width, media.height) == ("image", "png", 64, 36)
    from previz.media.images import load_image

    pixels = load_image(session.media_path(digest))
    assert np.abs(pixels[18, 32].astype(int) - [200, 40, 20]).max() <= 2
    assert controller.undo_stack.undoText() == "Attach board to 002_0010"
    controller.undo_stack.undo()
    assert session.shot("002_0010").board_hash is None


def test_empty_clipboard_is_explained(qtbot, controller):
    QGuiApplication.clipboard().setText("not a picture")
    errors = []
    controller.error.connect(errors.append)
    try:
        authoring.paste_board(controller, "001_0010")
    except Exception as exc:  # noqa: BLE001 - the message is what the user sees
        errors.append(exc.one_line())
    assert errors == ["clipboard: holds no picture; copy a board image (or an image file) first"]


def test_image_file_dropped_on_a_shot_becomes_its_board(qtbot, controller, tmp_path):
    session = controller.session
    browser = ShotBrowser(controller, ThumbnailCache(session))
    qtbot.addWidget(browser)
    before = controller.undo_stack.count()
    path = tmp_path / "panel_07.png"
    image = QImage(48, 27, QImage.Format.Format_RGB32)
    image.fill(QColor(10, 120, 220))
    assert image.save(str(path))
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(path))])
    tree = browser.tree_model
    tree.dropMimeData(data, None, -1, 0, tree.index_of_shot("001_0020"))
    board = session.shot("001_0020").board_hash
    assert board is not None and session.media_info(board).original_name == "panel_07.png"
    grid = browser.grid_model
    grid.dropMimeData(data, None, -1, 0, grid.index(grid.row_of("002_0020")))
    assert session.shot("002_0020").board_hash == board
    stack = controller.undo_stack
    assert [stack.text(i) for i in range(before, stack.count())] == [
        "Attach board to 001_0020",
        "Attach board to 002_0020",
    ]


def test_scene_renumber_and_character_dialogs_show_errors_next_to_the_field(qtbot, controller):
    session = controller.session
    dialog = SceneDialog(controller)
    qtbot.addWidget(dialog)
    dialog.heading.setText("INT. KITCHEN - DAY")
    dialog.number.setText("2")
    assert not dialog.try_apply()
    assert dialog.fields.error_text("number") == "scene 2 already exists; choose another number"
    dialog.number.setText("2A")
    assert dialog.try_apply()
    assert [s.number for s in session.scenes()] == ["1", "2", "2A"]

    authoring.add_shot(controller, after="002_0010")
    assert [s.code for s in session.shots("2")] == ["002_0010", "002_0015", "002_0020"]
    renumber = RenumberSceneDialog(controller, "2")
    qtbot.addWidget(renumber)
    renumber.new_number.setText("1")
    assert not renumber.try_apply()
    assert renumber.fields.error_text("number") == "scene 1 already exists; choose another number"
    renumber.new_number.setText("3")
    assert renumber.try_apply()
    assert [s.code for s in session.shots("3")] == ["003_0010", "003_0020", "003_0030"]

    character = CharacterDialog(controller)
    qtbot.addWidget(character)
    assert not character.try_apply()
    assert character.fields.error_text("name") == "must not be empty"
    character.name.setText("MARA")
    assert character.try_apply()
    assert [c.name for c in session.characters()] == ["MARA"]


def test_browser_context_menus_and_the_actions_other_views_add(qtbot, project):
    project.close()
    window = _window(qtbot, project.root)
    browser = window.widgets["browser"]
    shot_menu = [a.text() for a in browser.build_context_menu(["001_0010", "001_0020"]).actions() if a.text()]
    assert shot_menu[:4] == ["Generate 2 shots", "Duplicate 2 shots", "Omit 2 shots", "Delete 2 shots"]
    assert {"Add Shot after 001_0020", "S&plit at Playhead", "Merge 2 shots"} <= set(shot_menu)
    scene_menu = [a.text() for a in browser.build_scene_menu("2").actions() if a.text()]
    assert scene_menu == ["Add Shot to Scene 2", "Renumber Scene 2…", "Add &Scene…"]
    scene_menu_action = browser.build_scene_menu("2").actions()[0]
    scene_menu_action.trigger()
    assert [s.code for s in window.session.shots("2")][-1] == "002_0030"
    assert window.controller.current_shot == "002_0030"
    timeline_actions = authoring.authoring_actions(window.widgets["timeline"])
    assert [a.objectName() for a in timeline_actions][:3] == [
        "authoring_add_shot",
        "authoring_duplicate",
        "authoring_split",
    ]
    assert authoring.authoring_actions(ShotBrowser(window.controller, window.thumbnails)) == []
    window.close()


def test_file_new_project_opens_the_dialog_and_lands_on_the_empty_project_page(qtbot, tmp_path, monkeypatch):
    def fill_and_create(dialog):
        dialog.folder.setText(str(tmp_path))
        dialog.name.setText("Pilot")
        dialog.rate.setCurrentIndex(dialog.rate.findData("25"))
        return dialog.create_project()

    monkeypatch.setattr(NewProjectDialog, "exec", fill_and_create)
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    assert not window.authoring.actions["add_scene"].isEnabled()
    window.new_project_dialog()
    assert window.session is not None and window.session.project().fps == "25"
    assert window.stack.currentWidget() is window.authoring.empty_state.page
    assert window.authoring.actions["add_scene"].isEnabled()
    window.close()


def test_the_empty_page_follows_adds_and_deletes_of_the_last_shots(qtbot, tmp_path):
    """An edit that leaves a shot it names in place keeps the viewer without counting the shots; deleting
    the last shots, one edit at a time or all at once, brings the page back, and an add takes it away."""
    window = _window(qtbot, _empty_project(tmp_path))
    session, controller, acts = window.session, window.controller, window.authoring.actions
    page, viewer = window.authoring.empty_state.page, window.widgets["viewer"]
    authoring.add_scene(controller, "EXT. LIGHTHOUSE - NIGHT")
    first = authoring.add_shot(controller, scene="1")
    assert window.stack.currentWidget() is viewer
    second = authoring.add_shot(controller, after=first.code)  # renumbers nothing, names the new shot
    third = authoring.add_shot(controller, after=first.code)  # renumbers the second one
    authoring.delete(controller, [second.code])  # names a shot that is gone: the others are counted
    assert window.stack.currentWidget() is viewer and acts["split"].isEnabled()
    authoring.delete(controller, [first.code, third.code])  # the last ones
    assert window.stack.currentWidget() is page and not acts["split"].isEnabled()
    assert page.title.text() == "Scene 1 has no shots yet"
    authoring.add_shot(controller, scene="1")
    assert window.stack.currentWidget() is viewer and acts["split"].isEnabled()
    controller.undo_stack.undo()  # the add undone: empty again
    assert window.stack.currentWidget() is page
    controller.undo_stack.undo()  # the two shots back
    assert window.stack.currentWidget() is viewer
    assert len(session.shots()) == 2
    window.close()
