"""Revision matching on plain data: by number, else heading and position; added/changed/unchanged/omitted."""

from __future__ import annotations

from previz.ingest.fountain import parse_fountain
from previz.ingest.revisions import (
    ExistingScene,
    assign_scene_numbers,
    normalize_script_text,
    plan_revision,
)


def existing_from(text: str) -> list[ExistingScene]:
    play = parse_fountain(text)
    return [ExistingScene(f"id{i}", s.number, s.heading, i, s.text) for i, s in enumerate(play.scenes)]


V1 = (
    "INT. KITCHEN - DAY #1#\n\nEggs fry.\n\n"
    "EXT. GARDEN - DAY #2#\n\nBees hum.\n\n"
    "INT. KITCHEN - NIGHT #3#\n\nThe fridge hums.\n"
)


def test_unchanged_reimport_is_noop():
    plan = plan_revision(existing_from(V1), parse_fountain(V1))
    assert plan.is_noop
    assert [m.existing.key for m in plan.unchanged] == ["id0", "id1", "id2"]
    assert plan.summary() == {
        "scenes_added": [],
        "scenes_changed": [],
        "scenes_unchanged": 3,
        "scenes_omitted": [],
        "reordered": False,
    }


def test_whitespace_notes_and_boneyard_do_not_count_as_changes():
    v2 = V1.replace("Eggs fry.", "Eggs fry.   [[make them sizzle]]\n\n\n/* old line */")
    plan = plan_revision(existing_from(V1), parse_fountain(v2))
    assert plan.is_noop


def test_added_changed_omitted_by_number():
    v2 = (
        "INT. KITCHEN - DAY #1#\n\nEggs burn.\n\n"
        "INT. HALL - DAY #1A#\n\nA door bangs.\n\n"
        "INT. KITCHEN - NIGHT #3#\n\nThe fridge hums.\n"
    )
    plan = plan_revision(existing_from(V1), parse_fountain(v2))
    assert [(m.existing.key, m.reasons, m.matched_by) for m in plan.changed] == [("id0", ["text"], "number")]
    assert [(a.scene.number, a.position) for a in plan.added] == [("1A", 1)]
    assert [m.existing.key for m in plan.unchanged] == ["id2"]
    assert [e.key for e in plan.omitted] == ["id1"]
    assert plan.summary()["scenes_omitted"] == ["2 EXT. GARDEN - DAY"]
    assert not plan.is_noop


def test_number_wins_over_heading():
    v2 = V1.replace("EXT. GARDEN - DAY #2#", "EXT. ORCHARD - DAY #2#")
    plan = plan_revision(existing_from(V1), parse_fountain(v2))
    assert [(m.existing.key, m.reasons) for m in plan.changed] == [("id1", ["text", "heading"])]


def test_unnumbered_scripts_match_by_heading_and_position():
    old = "INT. A - DAY\n\nOne.\n\nINT. B - DAY\n\nTwo.\n\nINT. A - DAY\n\nThree.\n"
    new = "INT. A - DAY\n\nOne.\n\nINT. NEW - DAY\n\nNew.\n\nINT. B - DAY\n\nTwo!\n\nINT. A - DAY\n\nThree.\n"
    plan = plan_revision(existing_from(old), parse_fountain(new))
    assert [(m.existing.key, m.position, m.matched_by) for m in plan.unchanged] == [
        ("id0", 0, "heading"),
        ("id2", 3, "heading"),
    ]
    assert [(m.existing.key, m.reasons) for m in plan.changed] == [("id1", ["text"])]
    assert [a.scene.heading for a in plan.added] == ["INT. NEW - DAY"]
    assert plan.omitted == []


def test_renamed_heading_matched_by_position_when_text_similar():
    old = "INT. A - DAY\n\nA long paragraph of action that stays the same.\n\nINT. B - DAY\n\nEnd.\n"
    new = "INT. A2 - DAY\n\nA long paragraph of action that stays the same.\n\nINT. B - DAY\n\nEnd.\n"
    plan = plan_revision(existing_from(old), parse_fountain(new))
    assert [(m.existing.key, m.matched_by, m.reasons) for m in plan.changed] == [
        ("id0", "position", ["text", "heading"])
    ]
    assert plan.added == [] and plan.omitted == []


def test_numbers_added_to_an_unnumbered_project_and_reorder():
    old = "INT. A - DAY\n\nOne.\n\nINT. B - DAY\n\nTwo.\n"
    new = "INT. B - DAY #1#\n\nTwo.\n\nINT. A - DAY #2#\n\nOne.\n"
    plan = plan_revision(existing_from(old), parse_fountain(new))
    assert sorted((m.existing.key, tuple(m.reasons)) for m in plan.changed) == [
        ("id0", ("number",)),
        ("id1", ("number",)),
    ]
    assert plan.reordered


def test_a_repeated_scene_number_is_renamed_with_a_warning_not_refused():
    play = parse_fountain(
        "INT. A - DAY #5#\n\nx\n\nINT. B - DAY #5#\n\ny\n\n"
        "INT. C - DAY #5-2#\n\nz\n\nINT. D - DAY #05#\n\nw\n",
        "rev.fountain",
    )
    plan = plan_revision([], play)
    assert [sc.number for sc in play.scenes] == ["5", "5-3", "5-2", "05-4"]
    assert assign_scene_numbers(plan, play) == ["5", "5-3", "5-2", "05-4"]
    assert plan.warnings[0] == (
        "rev.fountain, line 5: scene number 5 is used twice (first at line 1); this scene is imported as 5-3"
    )
    assert len(plan.warnings) == 2 and plan.warnings[1].startswith("rev.fountain, line 13:")


def test_scene_numbers_are_case_sensitive_and_match_another_case_only_when_unambiguous():
    play = parse_fountain("INT. A - DAY #1A#\n\nx\n\nINT. B - DAY #1a#\n\ny\n")
    plan = plan_revision([], play)
    assert plan.warnings == [] and assign_scene_numbers(plan, play) == ["1A", "1a"]
    # A project from before (numbers stored upper case) matches the script's "12a" by number.
    old = [ExistingScene("id0", "12A", "INT. A - DAY", 0, "INT. A - DAY\n\nx")]
    new = parse_fountain("INT. A - DAY #12a#\n\nx\n")
    plan = plan_revision(old, new)
    # Unchanged (its takes are not made stale); the project takes the number as written.
    assert [(m.existing.key, m.matched_by) for m in plan.unchanged] == [("id0", "number")]
    assert assign_scene_numbers(plan, new, ["12A"]) == ["12a"]


def test_an_unnumbered_script_into_a_project_with_other_scenes_numbers_after_them():
    unnumbered = parse_fountain("INT. NEW - DAY\n\nx\n\nINT. OTHER - DAY\n\ny\n")
    old = [ExistingScene(f"id{i}", str(i), f"INT. OLD {i} - DAY", i, "") for i in (1, 2, 3)]
    plan = plan_revision(old, unnumbered)
    assert assign_scene_numbers(plan, unnumbered, ["1", "2", "3"]) == ["4", "5"]


def test_normalize_script_text():
    assert normalize_script_text("INT. A - DAY #12#  \r\n\r\n\r\nx [[n]]\n\n") == "INT. A - DAY\n\nx"


def test_assign_scene_numbers_first_import_and_inserts():
    unnumbered = parse_fountain("INT. A - DAY\n\nx\n\nINT. B - DAY\n\ny\n")
    assert assign_scene_numbers(plan_revision([], unnumbered), unnumbered) == ["1", "2"]

    old = existing_from("INT. A - DAY #1#\n\nx\n\nINT. B - DAY #2#\n\ny\n\nINT. C - DAY #2A#\n\nz\n")
    new = parse_fountain(
        "INT. PRE - DAY\n\np\n\nINT. A - DAY\n\nx\n\nINT. B - DAY\n\ny\n\nINT. NEW - DAY\n\nn\n\n"
        "INT. C - DAY\n\nz\n\nINT. END - DAY\n\ne\n"
    )
    plan = plan_revision(old, new)
    assert len(plan.unchanged) == 3  # an unnumbered script keeps the project's numbers
    assert assign_scene_numbers(plan, new) == ["A1", "1", "2", "2B", "2A", "2C"]
