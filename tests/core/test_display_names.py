from previz.core.display_names import SIZE_NAMES, move_name, shot_framing, size_description, size_name
from previz.core.enums import MoveKind, ShotSize


def test_every_size_and_move_has_a_written_name():
    assert set(SIZE_NAMES) == {s.value for s in ShotSize}
    assert [size_name(s.value) for s in ShotSize] == [
        "EWS", "WS", "MS", "MCU", "CU", "ECU", "Insert", "OTS", "POV"
    ]  # fmt: skip
    assert all("_" not in move_name(m.value) for m in MoveKind)
    assert (move_name("push_in"), move_name("pull_out"), move_name("dolly_zoom")) == (
        "push in",
        "pull out",
        "dolly zoom",
    )


def test_framing_reads_like_a_shot_list():
    assert shot_framing("cu", "push_in") == "CU · push in"
    assert shot_framing("ws", "static") == "WS"  # a locked-off camera goes without saying
    assert size_description("ots") == "OTS — over-the-shoulder shot"
    assert size_name("") == "" and move_name(None) == ""


def test_undo_steps_name_fields_as_people_do(tmp_path):
    from previz.core.display_names import field_name
    from previz.core.session import ProjectSession

    assert [field_name(f) for f in ("lens_mm", "duration_frames", "negative_prompt", "status")] == [
        "lens",
        "duration",
        "negative prompt",
        "status",
    ]
    with ProjectSession.create(tmp_path / "film") as s:
        s.add_scene(heading="INT. ROOM - DAY", number="1")
        s.add_shot("1")
        code = s.shots()[0].code
        s.set_shot(code, duration_frames=30)
        assert s.undo_name() == f"Change duration of {code}"
