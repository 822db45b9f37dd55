"""Plain data for a parsed screenplay, shared by the Fountain and Final Draft importers.

Element kinds (``ScriptElement.kind``):

``action``, ``character`` (a cue), ``parenthetical``, ``dialogue``, ``lyric``, ``transition``,
``centered``, ``section`` (``level`` = number of ``#``), ``synopsis``, ``note``, ``page_break`` and
``shot`` (Final Draft "Shot" paragraphs). Scene headings are not elements: they are
:class:`ScriptScene` fields. Elements before the first scene heading go to
:attr:`Screenplay.preamble`.

``character``, ``parenthetical``, ``dialogue`` and lyrics sung in dialogue carry the speaker in
``character`` (the name without extensions) and ``extension`` (e.g. ``"V.O."``, ``"V.O., CONT'D"``).
``dual`` marks both speeches of a dual-dialogue pair. ``text`` is plain text (emphasis markup and
notes removed); ``line`` is the 1-based line in the source file where the element starts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from previz.core.edit_builders.base import shot_code_for

ELEMENT_KINDS = (
    "action",
    "character",
    "parenthetical",
    "dialogue",
    "lyric",
    "transition",
    "centered",
    "section",
    "synopsis",
    "note",
    "page_break",
    "shot",
)


@dataclass
class ScriptElement:
    kind: str
    text: str
    line: int
    character: str | None = None
    extension: str | None = None
    dual: bool = False
    level: int | None = None


@dataclass
class ScriptScene:
    number: str | None
    heading: str
    int_ext: str | None
    location: str
    time_of_day: str | None
    synopsis: str | None
    line_start: int
    line_end: int
    text: str
    elements: list[ScriptElement] = field(default_factory=list)

    @property
    def characters(self) -> list[str]:
        """Speaking characters in order of first cue (names without extensions)."""
        seen: dict[str, None] = {}
        for el in self.elements:
            if el.kind == "character" and el.character:
                seen.setdefault(el.character, None)
        return list(seen)


@dataclass
class Screenplay:
    path: str
    title_page: dict[str, str] = field(default_factory=dict)
    scenes: list[ScriptScene] = field(default_factory=list)
    preamble: list[ScriptElement] = field(default_factory=list)

    @property
    def title(self) -> str | None:
        return self.title_page.get("title")

    @property
    def characters(self) -> list[str]:
        """Every speaking character in order of first appearance."""
        seen: dict[str, None] = {}
        for scene in self.scenes:
            for name in scene.characters:
                seen.setdefault(name, None)
        return list(seen)


# --- scene headings -------------------------------------------------------------------------------

_INT_EXT = re.compile(
    r"^(?P<ie>int\.?\s*/\s*ext|ext\.?\s*/\s*int|int|ext|est|i\s*/\s*e)(?:\.|\s)\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
_TIME_SEP = re.compile(r"\s+[-\u2013\u2014]+\s+")
_SCENE_NUMBER = re.compile(r"\s*#([A-Za-z0-9.\-]+)#\s*$")


def split_scene_number(line: str) -> tuple[str, str | None]:
    """``"INT. HOUSE - DAY #12A#"`` -> ``("INT. HOUSE - DAY", "12A")``."""
    m = _SCENE_NUMBER.search(line)
    if not m:
        return line.rstrip(), None
    return line[: m.start()].rstrip(), m.group(1)


def parse_heading(heading: str) -> tuple[str | None, str, str | None]:
    """Split a heading into (int_ext, location, time_of_day).

    ``int_ext`` is ``"INT"``, ``"EXT"``, ``"INT/EXT"`` (also for ``I/E`` and ``EXT./INT.``), ``"EST"``
    or ``None`` (a forced heading without a prefix). ``time_of_day`` is the text after the last
    ``" - "`` (upper-cased), or ``None``.
    """
    text = " ".join(heading.split())
    int_ext: str | None = None
    m = _INT_EXT.match(text)
    if m:
        ie = re.sub(r"[\s.]", "", m.group("ie")).upper()
        int_ext = {"INT/EXT": "INT/EXT", "EXT/INT": "INT/EXT", "I/E": "INT/EXT"}.get(ie, ie)
        text = m.group("rest").lstrip(". ")
    parts = _TIME_SEP.split(text)
    time_of_day: str | None = None
    if len(parts) > 1:
        time_of_day = parts[-1].strip().upper() or None
        text = " - ".join(parts[:-1])
    return int_ext, text.strip(), time_of_day


def heading_fields(heading: str) -> dict[str, str]:
    """The scene fields a heading gives: ``{"int_ext", "location", "time_of_day"}`` by
    :func:`parse_heading` (empty strings where the heading has no such part). One rule for every
    importer and for ``previz scene add --heading``."""
    int_ext, location, time_of_day = parse_heading(heading)
    return {"int_ext": int_ext or "", "location": location, "time_of_day": time_of_day or ""}


def normalize_scene_number(number: str | None) -> str | None:
    """Canonical form for matching: leading zeros dropped, case kept (``"012a"`` -> ``"12a"``).

    Scene numbers are case-sensitive as written: ``1A`` and ``1a`` are two scenes. Where a user
    refers to a scene (a shot list, a board name), :func:`resolve_scene_number` also accepts a
    different case when only one scene matches that way."""
    if number is None:
        return None
    n = number.strip()
    if not n:
        return None
    stripped = n.lstrip("0")
    if not stripped or not stripped[0].isdigit():
        # "0", "0A" keep one zero; letter-first numbers ("A1") are left alone.
        return n if not n[0].isdigit() else ("0" + stripped if stripped else "0")
    return stripped


def scene_number_resolver(project_numbers: Iterable[str]) -> Callable[[str | None], str | None]:
    """A function giving the project's scene number that a written number refers to: the one equal
    to it in :func:`normalize_scene_number` form, else the only one equal ignoring case; None if none.
    """
    by_key: dict[str, str] = {}
    by_fold: dict[str, list[str]] = {}
    for number in project_numbers:
        k = normalize_scene_number(number)
        if k is not None:
            by_key.setdefault(k, number)
            by_fold.setdefault(k.casefold(), []).append(number)

    def resolve(written: str | None) -> str | None:
        key = normalize_scene_number(written)
        if key is None:
            return None
        if key in by_key:
            return by_key[key]
        folded = by_fold.get(key.casefold(), [])
        return folded[0] if len(folded) == 1 else None

    return resolve


def located(path: str, message: str, line: int | None = None) -> str:
    """An import warning in the same ``file, line N: message`` form as :class:`ImportFileError`."""
    return f"{path}, line {line}: {message}" if line is not None else f"{path}: {message}"


def shot_code(scene_number: str, shot_number: int) -> str:
    """The project's shot code for a scene number as a script writes it (``012a`` → ``012A_0010``):
    normalised, then named by the core's rule (``previz.core.edit_builders.base.shot_code_for``)."""
    return shot_code_for(normalize_scene_number(scene_number) or "0", shot_number)
