"""The Fountain parser against the rules and examples of https://fountain.io/syntax, element by element."""

from __future__ import annotations

import pytest

from previz.core.errors import ImportFileError
from previz.ingest.fountain import parse_fountain, plain_text


def kinds(elements):
    return [(e.kind, e.text) for e in elements]


def only_scene(text: str):
    play = parse_fountain(text)
    assert len(play.scenes) == 1, [s.heading for s in play.scenes]
    return play.scenes[0]


# --- scene headings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line, int_ext, location, tod",
    [
        ("EXT. BRICK'S PATIO - DAY", "EXT", "BRICK'S PATIO", "DAY"),
        ("INT. HOUSE - DAY", "INT", "HOUSE", "DAY"),
        ("INT./EXT. CAR - NIGHT", "INT/EXT", "CAR", "NIGHT"),
        ("INT/EXT CAR - NIGHT", "INT/EXT", "CAR", "NIGHT"),
        ("I/E CAR - NIGHT", "INT/EXT", "CAR", "NIGHT"),
        ("EST. CITY SKYLINE - DAWN", "EST", "CITY SKYLINE", "DAWN"),
        ("int. kitchen - night", "INT", "kitchen", "NIGHT"),
        ("EXT BEACH", "EXT", "BEACH", None),
        ("INT. HOSPITAL - CORRIDOR - LATER", "INT", "HOSPITAL - CORRIDOR", "LATER"),
    ],
)
def test_scene_heading_prefixes(line, int_ext, location, tod):
    scene = only_scene(f"{line}\n\nAction.\n")
    assert scene.heading == line
    assert (scene.int_ext, scene.location, scene.time_of_day) == (int_ext, location, tod)
    assert scene.line_start == 1


def test_forced_scene_heading_and_not_ellipsis():
    play = parse_fountain(".SNIPER SCOPE POV\n\nA dot of red light.\n\n...and then nothing.\n")
    assert [s.heading for s in play.scenes] == ["SNIPER SCOPE POV"]
    assert play.scenes[0].int_ext is None
    assert kinds(play.scenes[0].elements) == [
        ("action", "A dot of red light."),
        ("action", "...and then nothing."),
    ]


@pytest.mark.parametrize(
    "line, number",
    [
        ("INT. HOUSE - DAY #1#", "1"),
        ("INT. HOUSE - DAY #1A#", "1A"),
        ("INT. HOUSE - DAY #1a#", "1a"),
        ("INT. HOUSE - DAY #A1#", "A1"),
        ("INT. HOUSE - DAY #I-1-A#", "I-1-A"),
        ("INT. HOUSE - DAY #1.#", "1."),
        ("INT. HOUSE - DAY - FLASHBACK (1944) #110A#", "110A"),
        (".OPENING TITLES #12A#", "12A"),
    ],
)
def test_scene_numbers(line, number):
    scene = only_scene(f"{line}\n\nAction.\n")
    assert scene.number == number
    assert "#" not in scene.heading


def test_heading_needs_blank_line_before():
    play = parse_fountain("INT. HOUSE - DAY\n\nHe says\nEXT. GARDEN is where he goes.\n")
    assert len(play.scenes) == 1
    assert play.scenes[0].elements[0].text == "He says\nEXT. GARDEN is where he goes."


# --- action -------------------------------------------------------------------------------------


def test_action_paragraphs_keep_line_breaks_and_lines():
    text = (
        "INT. ROOM - DAY\n\nThey drink long and well from the beers.\n\n"
        "And then there's a long beat.\nLonger than is funny.\n"
    )
    scene = only_scene(text)
    assert scene.elements[0].line == 3
    assert scene.elements[1].text == "And then there's a long beat.\nLonger than is funny."
    assert scene.elements[1].line == 5


def test_forced_action_and_tabs_kept():
    scene = only_scene(
        "INT. ROOM - DAY\n\n!SCANNING THE AISLES...\nWhere is that pit boss?\n\n\tIndented line.\n"
    )
    assert kinds(scene.elements) == [
        ("action", "SCANNING THE AISLES...\nWhere is that pit boss?"),
        ("action", "    Indented line."),
    ]


def test_uppercase_line_followed_by_blank_is_action_not_character():
    scene = only_scene("INT. ROOM - DAY\n\nBANG!\n\nThe door flies open.\n")
    assert [e.kind for e in scene.elements] == ["action", "action"]


# --- characters, dialogue, parentheticals ----------------------------------------------------------


def test_character_dialogue_parenthetical():
    text = "INT. ROOM - DAY\n\nSTEEL\n(starting the engine)\nSo much for retirement!\nBack to work.\n"
    els = only_scene(text).elements
    assert [(e.kind, e.text, e.line, e.character) for e in els] == [
        ("character", "STEEL", 3, "STEEL"),
        ("parenthetical", "(starting the engine)", 4, "STEEL"),
        ("dialogue", "So much for retirement!\nBack to work.", 5, "STEEL"),
    ]


@pytest.mark.parametrize(
    "cue, name, ext",
    [
        ("MOM (O. S.)", "MOM", "O. S."),
        ("HANS (on the radio)", "HANS", "on the radio"),
        ("JONAH (V.O.)", "JONAH", "V.O."),
        ("MARA (CONT'D)", "MARA", "CONT'D"),
        ("MARA (V.O.) (CONT'D)", "MARA", "V.O., CONT'D"),
        ("R2D2", "R2D2", None),
        ("@McCLANE", "McCLANE", None),
        ("    INDENTED BOB", "INDENTED BOB", None),
    ],
)
def test_character_cues_and_extensions(cue, name, ext):
    els = only_scene(f"INT. ROOM - DAY\n\n{cue}\nYippie ki-yay!\n").elements
    assert (els[0].kind, els[0].character, els[0].extension) == ("character", name, ext)
    assert (els[1].kind, els[1].character, els[1].extension) == ("dialogue", name, ext)


def test_numbers_only_is_not_a_character():
    els = only_scene("INT. ROOM - DAY\n\n23\nSkidoo.\n").elements
    assert kinds(els) == [("action", "23\nSkidoo.")]


def test_dual_dialogue_marks_both_speeches():
    text = "INT. ROOM - DAY\n\nBRICK\nScrew retirement.\n\nSTEEL ^\nScrew retirement.\n\nThey laugh.\n"
    els = only_scene(text).elements
    assert [(e.kind, e.character, e.dual) for e in els] == [
        ("character", "BRICK", True),
        ("dialogue", "BRICK", True),
        ("character", "STEEL", True),
        ("dialogue", "STEEL", True),
        ("action", None, False),
    ]


def test_two_spaces_keep_dialogue_together():
    els = only_scene("INT. ROOM - DAY\n\nDEAN\nLine one.\n  \nLine two.\n").elements
    assert len(els) == 2
    assert els[1].text == "Line one.\n\nLine two."


def test_lyrics_in_and_out_of_dialogue():
    els = only_scene(
        "INT. ROOM - DAY\n\n~Willy Wonka! Willy Wonka!\n\nBOB\n~The amazing chocolatier\n"
    ).elements
    assert [(e.kind, e.text, e.character) for e in els] == [
        ("lyric", "Willy Wonka! Willy Wonka!", None),
        ("character", "BOB", "BOB"),
        ("lyric", "The amazing chocolatier", "BOB"),
    ]


# --- transitions, centred, sections, synopses, page breaks --------------------------------------------


def test_transitions():
    text = "INT. ROOM - DAY\n\nAction.\n\nCUT TO:\n\n> Burn to White.\n\n>THE END<\n\n> THE END <\n"
    els = only_scene(text).elements
    assert kinds(els) == [
        ("action", "Action."),
        ("transition", "CUT TO:"),
        ("transition", "Burn to White."),
        ("centered", "THE END"),
        ("centered", "THE END"),
    ]


def test_transition_needs_blank_lines():
    els = only_scene("INT. ROOM - DAY\n\nAction\nCUT TO:\n").elements
    assert kinds(els) == [("action", "Action\nCUT TO:")]


def test_sections_synopses_page_breaks():
    text = "# ACT I\n\n## Sequence\n\nINT. ROOM - DAY\n\n= Set up the characters.\n\nAction.\n\n===\n\n"
    text += "More.\n"
    play = parse_fountain(text)
    assert [(e.kind, e.text, e.level) for e in play.preamble] == [
        ("section", "ACT I", 1),
        ("section", "Sequence", 2),
    ]
    scene = play.scenes[0]
    assert scene.synopsis == "Set up the characters."
    assert [e.kind for e in scene.elements] == ["synopsis", "action", "page_break", "action"]


# --- notes, boneyard, emphasis --------------------------------------------------------------------


def test_inline_and_multiline_notes():
    text = (
        "INT. ROOM - DAY\n\nHe opens the door [[Is this the right door?]] and waits.\n\n"
        "[[This is a note\nthat spans lines.]]\n\nEnd.\n"
    )
    els = only_scene(text).elements
    assert [(e.kind, e.text, e.line) for e in els] == [
        ("action", "He opens the door  and waits.", 3),
        ("note", "Is this the right door?", 3),
        ("note", "This is a note\nthat spans lines.", 5),
        ("action", "End.", 8),
    ]


def test_boneyard_removed_and_line_numbers_kept():
    text = "INT. ROOM - DAY\n\n/*\nINT. DELETED - NIGHT\n\nGone.\n*/\n\nKept /* not this */ here.\n"
    play = parse_fountain(text)
    assert len(play.scenes) == 1
    assert [(e.kind, e.text, e.line) for e in play.scenes[0].elements] == [("action", "Kept  here.", 9)]


def test_boneyard_inside_dialogue_does_not_break_it():
    els = only_scene("INT. ROOM - DAY\n\nBOB\nHello.\n/* cut line */\nGoodbye.\n").elements
    assert kinds(els) == [("character", "BOB"), ("dialogue", "Hello.\nGoodbye.")]


@pytest.mark.parametrize("text, line", [("A\n\n/* open\nforever\n", 3), ("A\n[[ open\n\nforever\n", 2)])
def test_unclosed_comment_is_an_error_naming_the_line(text, line):
    with pytest.raises(ImportFileError) as err:
        parse_fountain(text, "script.fountain")
    assert err.value.line == line
    assert "script.fountain" in str(err.value)


@pytest.mark.parametrize(
    "raw, plain",
    [
        ("*italics*", "italics"),
        ("**bold**", "bold"),
        ("***bold italics***", "bold italics"),
        ("_underline_", "underline"),
        ("From _**Fountain**_ with *love*", "From Fountain with love"),
        (r"Steel enters the code: \*9765\*", "Steel enters the code: *9765*"),
        ("2 * 3 * 4 and snake_case_name", "2 * 3 * 4 and snake_case_name"),
    ],
)
def test_emphasis(raw, plain):
    assert plain_text(raw) == plain


# --- title page, CRLF, tabs, scene text ----------------------------------------------------------


def test_title_page_with_indented_values():
    text = (
        "Title:\n    _**BRICK & STEEL**_\n    _**FULL RETIRED**_\nCredit: Written by\nAuthor: Stu Maschwitz\n"
        "Draft date: 1/20/2012\nContact:\n\tNext Level Productions\n\t1588 Mission Dr.\n\n"
        "EXT. BRICK'S PATIO - DAY\n\nA gorgeous day.\n"
    )
    play = parse_fountain(text)
    assert play.title_page["title"] == "BRICK & STEEL\nFULL RETIRED"
    assert play.title_page["author"] == "Stu Maschwitz"
    assert play.title_page["contact"] == "Next Level Productions\n1588 Mission Dr."
    assert play.scenes[0].line_start == 11
    assert play.title == "BRICK & STEEL\nFULL RETIRED"


def test_fade_in_is_not_a_title_page():
    play = parse_fountain("FADE IN:\n\nEXT. SEA - DAY\n\nWaves.\n")
    assert play.title_page == {}
    assert kinds(play.preamble) == [("action", "FADE IN:")]


def test_crlf_and_cr_line_endings_match_lf():
    lf = "Title: X\n\nINT. A - DAY #1#\n\nBOB\n(softly)\nHi.\n\nEXT. B - NIGHT #2#\n\nRain.\n"
    ref = parse_fountain(lf)
    for variant in (lf.replace("\n", "\r\n"), lf.replace("\n", "\r")):
        got = parse_fountain(variant)
        assert [(s.number, s.heading, kinds(s.elements), s.line_start) for s in got.scenes] == [
            (s.number, s.heading, kinds(s.elements), s.line_start) for s in ref.scenes
        ]


def test_scene_text_and_line_range_cover_the_source():
    text = "INT. A - DAY #1#\n\nOne.\n\n\nEXT. B - NIGHT #2#\n\nTwo.\nThree.\n\n"
    play = parse_fountain(text)
    assert [(s.line_start, s.line_end) for s in play.scenes] == [(1, 3), (6, 9)]
    assert play.scenes[0].text == "INT. A - DAY #1#\n\nOne."
    assert play.scenes[1].text == "EXT. B - NIGHT #2#\n\nTwo.\nThree."
    assert play.characters == []


def test_heading_followed_directly_by_action_is_still_a_heading():
    play = parse_fountain("INT. SHED - NIGHT\nA lamp swings.\n")
    assert play.scenes[0].heading == "INT. SHED - NIGHT"
    assert kinds(play.scenes[0].elements) == [("action", "A lamp swings.")]
