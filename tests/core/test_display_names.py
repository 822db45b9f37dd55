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
