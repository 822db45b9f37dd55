"""Breakdown of a scene into proposed shots, by the documented rules."""

from __future__ import annotations

from previz.core.enums import MoveKind, ShotSize
from previz.ingest.breakdown import action_duration, break_down_scene, dialogue_duration, suggest_size
from previz.ingest.fountain import parse_fountain


def scene(text: str):
    return parse_fountain(text).scenes[0]


def test_durations_follow_documented_rules():
    assert dialogue_duration("one two three four five") == 2.5  # 5 / 2.5 + 0.5
    assert dialogue_duration("Hi.") == 1.5  # minimum
    assert dialogue_duration("one two three four five", parentheticals=1) == 3.0
    assert action_duration("He waits.") == 2.0  # minimum
    assert action_duration(" ".join(["word"] * 10)) == 3.0  # 1 + 0.2 * 10
    assert action_duration(" ".join(["word"] * 200)) == 6.0  # maximum


def test_establishing_uses_opening_action_and_beats_follow():
    sc = scene(
        "EXT. HARBOUR - NIGHT #4#\n\nFog rolls over the empty harbour.\n\n"
        "JONAH runs along the pier.\n\nINSERT - the rope snaps.\n\n"
        "Jonah's hand grabs the key.\n"
    )
    shots = break_down_scene(sc)
    assert [(s.number, s.size, s.move) for s in shots] == [
        (10, ShotSize.ews, MoveKind.push_in),
        (20, ShotSize.ms, MoveKind.handheld),
        (30, ShotSize.insert, MoveKind.static),
        (40, ShotSize.insert, MoveKind.static),  # no known character in the beat: an insert
    ]
    assert shots[0].action == "Fog rolls over the empty harbour."
    assert shots[0].duration_seconds == 4.0
    assert shots[1].characters == []  # Jonah never speaks, so is not a known character here
    with_jonah = break_down_scene(sc, ["JONAH"])
    assert with_jonah[1].characters == ["JONAH"]
    assert (with_jonah[3].size, with_jonah[3].characters) == (ShotSize.cu, ["JONAH"])


def test_interior_without_opening_action_gets_generated_establishing():
    sc = scene("INT. LANTERN ROOM - NIGHT\n\nMARA\nNot tonight.\n")
    shots = break_down_scene(sc)
    assert (shots[0].size, shots[0].move, shots[0].action) == (
        ShotSize.ws,
        MoveKind.static,
        "Lantern Room, night.",
    )
    assert (shots[1].size, shots[1].dialogue, shots[1].characters) == (
        ShotSize.mcu,
        "MARA: Not tonight.",
        ["MARA"],
    )


def test_conversation_alternates_mcu_and_ots_and_offscreen_voice():
    sc = scene(
        "INT. CABIN - DAY\n\nMara sits.\n\n"
        "MARA\nWho's there?\n\nJONAH\nIt's me.\n\nMARA\n(relieved)\nCome in.\n\n"
        "RADIO (V.O.)\nStorm warning for the coast.\n"
    )
    shots = break_down_scene(sc)
    talk = [(s.size, s.characters) for s in shots[1:]]
    assert talk == [
        (ShotSize.mcu, ["MARA"]),
        (ShotSize.ots, ["JONAH", "MARA"]),
        (ShotSize.mcu, ["MARA"]),
        (ShotSize.ms, ["MARA"]),  # the radio is heard over the last on-screen speaker
    ]
    assert shots[3].dialogue == "MARA: (relieved) Come in."
    assert shots[3].duration_seconds == 2.0  # 2 words / 2.5 + 0.5 + 0.5 -> 1.8 -> 2.0
    assert shots[4].action == "Mara listens."


def test_dual_dialogue_is_one_two_shot():
    sc = scene("INT. ROOM - DAY\n\nBRICK\nScrew retirement.\n\nSTEEL ^\nScrew retirement.\n")
    shots = break_down_scene(sc)
    assert len(shots) == 2
    assert (shots[1].size, shots[1].characters) == (ShotSize.ms, ["BRICK", "STEEL"])
    assert shots[1].dialogue == "BRICK: Screw retirement.\nSTEEL: Screw retirement."


def test_pronouns_carry_the_last_named_character_and_transitions_make_no_shots():
    sc = scene("INT. ROOM - DAY\n\nMARA\nHello.\n\nShe climbs the ladder.\n\nCUT TO:\n")
    shots = break_down_scene(sc)
    assert len(shots) == 3
    assert (shots[2].move, shots[2].characters) == (MoveKind.tilt_up, ["MARA"])


def test_size_prefixes_and_long_beats():
    assert suggest_size("CLOSE ON the letter.", []) == ShotSize.cu
    assert suggest_size("POV - through the scope.", []) == ShotSize.pov
    assert suggest_size(" ".join(["wide"] * 2 + ["word"] * 40), []) == ShotSize.ws
    assert suggest_size("A quiet moment passes between them.", []) == ShotSize.ms
