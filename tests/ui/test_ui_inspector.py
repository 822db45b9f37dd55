from previz.ui.inspector.fields import parse_duration
from previz.ui.inspector.inspector import CIRCLE_COLUMN, ShotInspector


def test_fields_show_the_shot_and_follow_changes(qtbot, controller):
    session = controller.session
    session.set_shot("001_0020", size="cu", lens_mm=85, seed=7, prompt="a lamp", guidance=4.5)
    inspector = ShotInspector(controller)
    qtbot.addWidget(inspector)
    controller.set_current_shot("001_0020")
    f = inspector.fields
    assert inspector.title.text() == "001_0020"
    assert f["size"].currentData() == "cu"
    assert f["lens_mm"].text() == "85"
    assert f["seed"].text() == "7"
    assert f["guidance"].text() == "4.5"
    assert f["steps"].text() == ""
    assert f["prompt"].toPlainText() == "a lamp"
    assert f["duration_frames"].text() == "25"
    assert "00:00:01:01" in inspector.duration_info.text()
    controller.edit(lambda: session.set_shot("001_0020", move="pan_left"))
    assert f["move"].currentData() == "pan_left"


def test_each_edit_is_one_undo_step(qtbot, controller):
    session = controller.session
    inspector = ShotInspector(controller)
    qtbot.addWidget(inspector)
    controller.set_current_shot("001_0010")
    before = controller.undo_stack.count()  # the project's history so far (adding the scenes and shots)
    f = inspector.fields
    f["lens_mm"].setText("50")
    f["lens_mm"].editingFinished.emit()
    f["size"].setCurrentIndex(f["size"].findData("mcu"))
    f["size"].activated.emit(f["size"].currentIndex())
    f["action"].setPlainText("she climbs")
    f["action"].editingFinished.emit()
    f["duration_frames"].setText("2s")
    f["duration_frames"].editingFinished.emit()
    shot = session.shot("001_0010")
    assert (shot.lens_mm, shot.size, shot.action, shot.duration_frames) == (50.0, "mcu", "she climbs", 48)
    assert controller.undo_stack.count() == before + 4
    assert controller.undo_stack.undoText() == "Change duration of 001_0010"
    controller.undo_stack.undo()
    assert f["duration_frames"].text() == "24"


def test_invalid_value_is_refused_and_explained(qtbot, controller):
    session = controller.session
    inspector = ShotInspector(controller)
    qtbot.addWidget(inspector)
    inspector.show()
    controller.set_current_shot("001_0010")
    before = controller.undo_stack.count()
    f = inspector.fields
    f["duration_frames"].setText("0")
    f["duration_frames"].editingFinished.emit()
    assert session.shot("001_0010").duration_frames == 24
    assert not inspector.error_label.isHidden()
    assert (
        "duration_frames" in inspector.error_label.text() and "out of range" in inspector.error_label.text()
    )
    assert f["duration_frames"].text() == "24"  # reverted
    assert f["duration_frames"].property("invalid") is True
    f["lens_mm"].setText("wide")
    f["lens_mm"].editingFinished.emit()
    assert "lens_mm" in inspector.error_label.text() and "not a number" in inspector.error_label.text()
    assert controller.undo_stack.count() == before
    f["seed"].setText("12")
    f["seed"].editingFinished.emit()
    assert inspector.error_label.isHidden()


def test_parse_duration_forms():
    from previz.core.timecode import FrameRate

    rate = FrameRate("24", False)
    assert parse_duration("48", rate) == "48"  # frames go to the core as typed
    assert parse_duration("2.5s", rate) == 60
    assert parse_duration("00:00:01:12", rate) == 36


def test_takes_list_and_select(qtbot, controller, video_take):
    session = controller.session
    video_take(session, "001_0010", 10)
    video_take(session, "001_0010", 12)
    inspector = ShotInspector(controller)
    qtbot.addWidget(inspector)
    controller.set_current_shot("001_0010")
    assert inspector.takes.topLevelItemCount() == 2
    assert inspector.takes.topLevelItem(0).font(0).bold()  # take 1 is the selected take
    inspector._select_take(inspector.takes.topLevelItem(1))
    assert session.take(session.shot("001_0010").selected_take_id).number == 2
    assert controller.undo_stack.undoText() == "Select take 2 of 001_0010"
    inspector.takes.setCurrentItem(inspector.takes.topLevelItem(1))
    inspector._toggle_circle()
    assert [t.circled for t in session.takes("001_0010")] == [False, True]
    assert "●" in inspector.takes.topLevelItem(1).text(CIRCLE_COLUMN)


def test_generate_button_emits_codes_and_count(qtbot, controller):
    inspector = ShotInspector(controller)
    qtbot.addWidget(inspector)
    controller.set_current_shot("002_0010")
    inspector.takes_count.setValue(3)
    with qtbot.waitSignal(inspector.generateRequested) as blocker:
        inspector.generate_button.click()
    assert blocker.args == [["002_0010"], 3]


def test_board_and_keyframes_set_and_clear(qtbot, controller):
    from previz.demo import SAMPLE

    session = controller.session
    inspector = ShotInspector(controller)
    qtbot.addWidget(inspector)
    controller.set_current_shot("001_0010")
    board = SAMPLE / "boards" / "001_0010.png"
    assert inspector.set_board(str(board))
    assert inspector.set_image("last_frame_hash", str(board))
    shot = session.shot("001_0010")
    assert shot.board_hash and shot.last_frame_hash == shot.board_hash
    assert inspector.image_labels["last_frame_hash"].text().startswith("image ")
    assert controller.undo_stack.undoText() == "Set last frame of 001_0010"
    assert inspector.set_image("board_hash", None)
    assert session.shot("001_0010").board_hash is None
    assert not inspector.set_image("first_frame_hash", str(SAMPLE / "shotlist.csv"))
    assert not inspector.error_label.isHidden()
