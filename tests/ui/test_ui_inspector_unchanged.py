"""A refresh of the inspector sets again only the fields whose stored value changed (a job's claim or
its take moves the shot's status: the other ~20 fields were each set again, ~5 ms), and it then shows
exactly what an inspector opened afresh shows."""

from previz.ui.inspector.inspector import ShotInspector


def states(inspector) -> dict:
    return {f: inspector._state(w) for f, w in inspector.fields.items()}


def test_a_status_change_sets_only_the_status_field(qtbot, controller):
    session = controller.session
    controller.set_current_shot("001_0020")
    inspector = ShotInspector(controller)
    qtbot.addWidget(inspector)
    shown = []
    real = inspector._show_value
    inspector._show_value = lambda field, widget, value: shown.append(field) or real(field, widget, value)
    session.set_shot("001_0020", status="generating", record=False)  # what a job's claim writes
    assert shown == ["status"]
    assert inspector.fields["status"].currentData() == "generating"
    shown.clear()
    controller.set_shot("001_0020", lens_mm=85, action="A longer beat.")
    assert sorted(shown) == ["action", "lens_mm"]
    fresh = ShotInspector(controller)
    qtbot.addWidget(fresh)
    assert states(inspector) == states(fresh)


def test_a_field_changed_by_hand_or_shown_invalid_is_shown_again(qtbot, controller):
    controller.set_current_shot("001_0020")
    inspector = ShotInspector(controller)
    qtbot.addWidget(inspector)
    lens = inspector.fields["lens_mm"]
    stored = lens.text()
    assert not inspector.apply_edit("duration_frames", "-3")  # refused: shown red, then the stored value
    duration = inspector.fields["duration_frames"]
    assert duration.property("invalid")
    lens.setText("99")  # typed, not committed
    inspector.reload()  # a refresh that keeps nothing pending (another shot chosen and back)
    assert lens.text() == stored
    assert not duration.property("invalid")
    assert states(inspector) == states(ShotInspector(controller))
