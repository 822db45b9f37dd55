"""A first shot list for a scene, proposed from its text. The user edits the result.

Rules (in order of the scene's elements):

1. **Establishing shot** (number 10). Size by the heading: ``EXT``/``EST`` -> EWS with a slow push in,
   ``INT``, ``INT/EXT`` or no prefix -> WS static. If the scene opens with an action paragraph, that
   paragraph is the establishing shot's action (it usually describes the place); otherwise the action
   reads ``"<Location>, <time of day>."``.
2. **One shot per action paragraph** (a "beat"); ``shot`` paragraphs (Final Draft) count too.
   Size from the beat (first rule that fires):
   an explicit prefix (``CLOSE ON``/``CLOSE UP`` -> CU, ``INSERT`` -> insert, ``POV`` -> POV,
   ``WIDE``/``ANGLE ON`` -> WS/MS, ``EXTREME CLOSE`` -> ECU);
   a short beat (<= 10 words) about hands, eyes or an object (:data:`DETAIL_WORDS`) -> insert (no
   character named) or CU (a character named);
   a long beat (> 35 words) -> WS; otherwise MS.
   Move from verbs (:data:`MOVE_WORDS`): running/chasing -> handheld, rising/climbing -> tilt up,
   falling -> tilt down, approaching/leaning in -> push in, retreating -> pull out; else static.
   Duration: 1.0 s + 0.2 s per word, clamped to 2.0 .. 6.0 s.
3. **One shot per speech** (a character cue with its parentheticals and dialogue). Duration at a
   reading pace of :data:`WORDS_PER_SECOND` (2.5 words/s, 150 wpm) plus a 0.5 s pause, plus 0.5 s per
   parenthetical, min 1.5 s. Size: MCU, alternating with OTS when the speaker changes in a run of
   speeches (a conversation); a speech that is V.O./O.S./O.C. is heard over the listener (MS of the
   last on-screen speaker, or of the room if none). A dual-dialogue pair is one MS two-shot.
4. Transitions, notes, sections, synopses, centred text and page breaks make no shots.

Durations are rounded to 0.5 s. Characters present in a shot: the speaker (and the listener for OTS),
plus any known character whose name appears as a word in the beat's action; a beat that names nobody
but uses a personal pronoun (she, he, they, ...) gets the characters of the last beat that named someone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from previz.core.enums import MoveKind, ShotSize
from previz.ingest.screenplay import ScriptElement, ScriptScene

WORDS_PER_SECOND = 2.5
DIALOGUE_PAUSE_S = 0.5
PARENTHETICAL_S = 0.5
DIALOGUE_MIN_S = 1.5
ACTION_BASE_S = 1.0
ACTION_PER_WORD_S = 0.2
ACTION_MIN_S = 2.0
ACTION_MAX_S = 6.0
ESTABLISHING_S = {"EXT": 4.0, "EST": 4.0}
ESTABLISHING_DEFAULT_S = 3.0
OFFSCREEN = ("V.O.", "O.S.", "O.C.", "VO", "OS", "OC")

DETAIL_WORDS = frozenset(
    "hand hands finger fingers eye eyes key keys match valve button switch letter note phone screen "
    "watch clock gun knife ring photo photograph dial lock handle trigger mantle wick coin cup glass "
    "bottle map card badge".split()
)
MOVE_WORDS: tuple[tuple[MoveKind, frozenset[str]], ...] = (
    (MoveKind.handheld, frozenset("run runs running races racing chase chases chasing sprints flees "
                                  "scrambles stumbles fights struggles wrestles".split())),
    (MoveKind.tilt_up, frozenset("rises climbs climb looms towers ascends soars".split())),
    (MoveKind.tilt_down, frozenset("falls drops plunges sinks descends collapses".split())),
    (MoveKind.push_in, frozenset("approaches leans stares realises realizes notices".split())),
    (MoveKind.pull_out, frozenset("retreats backs recedes withdraws".split())),
)  # fmt: skip
_PREFIX_SIZES: tuple[tuple[str, ShotSize], ...] = (
    ("EXTREME CLOSE", ShotSize.ecu),
    ("CLOSE ON", ShotSize.cu),
    ("CLOSE UP", ShotSize.cu),
    ("CLOSE-UP", ShotSize.cu),
    ("INSERT", ShotSize.insert),
    ("POV", ShotSize.pov),
    ("WIDE", ShotSize.ws),
    ("ANGLE ON", ShotSize.ms),
)
_WORD = re.compile(r"[A-Za-z']+")
PRONOUNS = frozenset("she he her his him hers they them their".split())


@dataclass
class ProposedShot:
    number: int
    size: ShotSize
    move: MoveKind
    duration_seconds: float
    action: str
    dialogue: str = ""
    characters: list[str] = field(default_factory=list)


def _round_half(seconds: float) -> float:
    return round(seconds * 2) / 2


def action_duration(text: str) -> float:
    """1.0 s + 0.2 s per word, clamped to 2..6 s, rounded to 0.5 s."""
    words = len(text.split())
    return _round_half(min(ACTION_MAX_S, max(ACTION_MIN_S, ACTION_BASE_S + ACTION_PER_WORD_S * words)))


def dialogue_duration(text: str, parentheticals: int = 0) -> float:
    """Words at 2.5 words/s + 0.5 s pause + 0.5 s per parenthetical; at least 1.5 s; rounded to 0.5 s."""
    words = len(text.split())
    seconds = words / WORDS_PER_SECOND + DIALOGUE_PAUSE_S + PARENTHETICAL_S * parentheticals
    return _round_half(max(DIALOGUE_MIN_S, seconds))


def _names_in(text: str, known: list[str]) -> list[str]:
    words = {w.lower().removesuffix("'s") for w in _WORD.findall(text)}
    return [n for n in known if all(part.lower() in words for part in n.split())]


def suggest_size(text: str, characters: list[str]) -> ShotSize:
    """Shot size for an action beat (rule 2 of the module docstring)."""
    upper = text.lstrip().upper()
    for prefix, size in _PREFIX_SIZES:
        if upper.startswith(prefix):
            return size
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) <= 10 and DETAIL_WORDS.intersection(words):
        return ShotSize.cu if characters else ShotSize.insert
    if len(words) > 35:
        return ShotSize.ws
    return ShotSize.ms


def suggest_move(text: str) -> MoveKind:
    """Camera move for an action beat from its verbs (rule 2 of the module docstring)."""
    words = {w.lower() for w in _WORD.findall(text)}
    for move, verbs in MOVE_WORDS:
        if words & verbs:
            return move
    return MoveKind.static


def _speeches(elements: list[ScriptElement], start: int) -> tuple[list[ScriptElement], int]:
    """The speech starting at the cue ``elements[start]``: (its elements, index after it)."""
    out = [elements[start]]
    i = start + 1
    while i < len(elements) and elements[i].kind in ("parenthetical", "dialogue", "lyric", "note"):
        if elements[i].character != elements[start].character and elements[i].kind != "note":
            break
        if elements[i].kind != "note":
            out.append(elements[i])
        i += 1
    return out, i


def _speech_text(speech: list[ScriptElement]) -> tuple[str, str, int]:
    """(dialogue as ``NAME: (paren) words``, spoken words only, number of parentheticals)."""
    cue = speech[0]
    parts = [" ".join(el.text.split()) for el in speech[1:]]
    spoken = " ".join(" ".join(el.text.split()) for el in speech[1:] if el.kind != "parenthetical")
    parens = sum(1 for el in speech[1:] if el.kind == "parenthetical")
    return f"{cue.character}: {' '.join(parts)}", spoken, parens


def _is_offscreen(extension: str | None) -> bool:
    return bool(extension) and any(x in extension.upper() for x in OFFSCREEN)


def break_down_scene(scene: ScriptScene, known_characters: list[str] | None = None) -> list[ProposedShot]:
    """Propose shots for ``scene`` by the rules in the module docstring (numbers 10, 20, 30, ...)."""
    known = list(dict.fromkeys([*(known_characters or []), *scene.characters]))
    shots: list[ProposedShot] = []
    els = [e for e in scene.elements if e.kind not in ("transition", "section", "synopsis", "page_break")]

    def add(size, move, seconds, action, dialogue="", characters=()):
        shots.append(
            ProposedShot(10 * (len(shots) + 1), size, move, seconds, action, dialogue, list(characters))
        )

    ext = scene.int_ext in ESTABLISHING_S
    first = next((e for e in els if e.kind not in ("note", "centered")), None)
    if first is not None and first.kind in ("action", "shot"):
        est_action = " ".join(first.text.split())
        est_seconds = max(
            ESTABLISHING_S.get(scene.int_ext or "", ESTABLISHING_DEFAULT_S), action_duration(first.text)
        )
        consumed: ScriptElement | None = first
    else:
        place = scene.location.title() if scene.location else scene.heading
        est_action = f"{place}, {scene.time_of_day.lower()}." if scene.time_of_day else f"{place}."
        est_seconds = ESTABLISHING_S.get(scene.int_ext or "", ESTABLISHING_DEFAULT_S)
        consumed = None
    add(
        ShotSize.ews if ext else ShotSize.ws,
        MoveKind.push_in if ext else MoveKind.static,
        est_seconds,
        est_action,
        characters=_names_in(est_action, known),
    )

    on_screen: str | None = None  # the last speaker seen on screen
    prev_speaker: str | None = None  # the speaker of the previous speech in this run
    last_named: list[str] = _names_in(est_action, known)
    run = 0  # index of the speech in the current run of speeches (conversation)
    i = 0
    while i < len(els):
        el = els[i]
        if el is consumed or el.kind in ("note", "centered"):
            i += 1
            continue
        if el.kind in ("action", "shot"):
            text = " ".join(el.text.split())
            names = _names_in(text, known)
            if names:
                last_named = names
            elif PRONOUNS.intersection(w.lower() for w in _WORD.findall(text)):
                names = list(last_named)
            add(suggest_size(text, names), suggest_move(text), action_duration(text), text, characters=names)
            prev_speaker = None
            i += 1
            continue
        if el.kind != "character":  # stray dialogue/lyric without a cue: keep the words as a beat
            names = [el.character] if el.character else []
            add(ShotSize.ms, MoveKind.static, dialogue_duration(el.text), "", el.text, names)
            i += 1
            continue
        speech, i = _speeches(els, i)
        dialogue, spoken, parens = _speech_text(speech)
        speaker = speech[0].character or ""
        if speech[0].dual and i < len(els) and els[i].kind == "character" and els[i].dual:
            other, i = _speeches(els, i)
            dialogue2, spoken2, parens2 = _speech_text(other)
            seconds = max(dialogue_duration(spoken, parens), dialogue_duration(spoken2, parens2))
            names = [speaker, other[0].character or ""]
            action = f"{' and '.join(n.title() for n in names)} speak at once."
            add(ShotSize.ms, MoveKind.static, seconds, action, f"{dialogue}\n{dialogue2}", names)
            on_screen, prev_speaker = names[-1], None
            continue
        seconds = dialogue_duration(spoken, parens)
        if _is_offscreen(speech[0].extension):
            listener = on_screen if on_screen and on_screen != speaker else None
            action = (
                f"{listener.title()} listens." if listener else f"{scene.location.title() or scene.heading}."
            )
            add(ShotSize.ms, MoveKind.static, seconds, action, dialogue, [listener] if listener else [])
            prev_speaker = speaker
            continue
        run = run + 1 if prev_speaker else 0
        if run % 2 == 1 and prev_speaker and prev_speaker != speaker:
            size, names = ShotSize.ots, [speaker, prev_speaker]
        else:
            size, names = ShotSize.mcu, [speaker]
        paren = next((e.text.strip("() ") for e in speech if e.kind == "parenthetical"), "")
        action = f"{speaker.title()} speaks{', ' + paren if paren else ''}."
        add(size, MoveKind.static, seconds, action, dialogue, names)
        on_screen = prev_speaker = speaker
        last_named = [speaker]
    return shots
