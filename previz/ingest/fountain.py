"""Fountain screenplay parser (https://fountain.io/syntax) with source line numbers.

No PyPI Fountain parser reports line numbers (we need them for errors and to cut each scene's
source text for change detection), so this is a small line-based parser of the whole spec:

* **Title page**: ``Key: value`` lines at the top, values may continue on lines indented by 3+
  spaces or a tab; it ends at the first blank line. It is only taken as a title page when every line
  of that first block has that shape and at least one key is a known one (Title, Credit, Author, ...),
  so a script starting ``FADE IN:`` is not mistaken for one. Keys are stored lower case.
* **Scene heading**: a line starting ``INT``, ``EXT``, ``EST``, ``INT./EXT``, ``INT/EXT`` or ``I/E``
  (any case) followed by ``.`` or a space, after a blank line; or any line forced with a single
  leading ``.``. We do not insist on a blank line *after* a heading (the spec does): a heading
  followed directly by action would otherwise turn into a character cue. Scene numbers ``#12A#`` at
  the end of the heading go to ``ScriptScene.number``.
* **Character**: an upper-case line (at least one letter; extensions in parentheses may be any case)
  after a blank line and directly followed by text; forced with ``@``; ``^`` at the end marks the
  second half of dual dialogue. Then **parentheticals** ``(...)`` and **dialogue** until a blank
  line (a line of two spaces keeps the block together); ``~`` lines inside are sung lyrics.
* **Transition**: an upper-case line ending in ``TO:`` between blank lines, or forced with ``>``.
  **Centred** text is ``>text<``.
* **Action**: everything else, one element per paragraph, line breaks kept; forced with ``!``.
  Leading tabs/spaces are kept (tabs expanded to 4 spaces).
* **Sections** ``#``/``##``..., **synopses** ``=``, **lyrics** ``~``, **page breaks** ``===``,
  **notes** ``[[...]]`` (inline or over several lines; kept as ``note`` elements and removed from the
  text they were in), **boneyard** ``/* ... */`` (dropped), **emphasis** ``*``/``**``/``***``/``_``
  (markup removed, ``\\*`` escapes kept as ``*``).

An unclosed ``/*`` or ``[[`` is an :class:`ImportFileError` naming the line where it opened.
"""

from __future__ import annotations

import os
import re

from previz.core.errors import ImportFileError
from previz.ingest.screenplay import (
    Screenplay,
    ScriptElement,
    ScriptScene,
    parse_heading,
    split_scene_number,
)
from previz.ingest.textfile import MAX_TEXT_BYTES, read_text_file

TITLE_KEYS = frozenset(
    {
        "title",
        "credit",
        "author",
        "authors",
        "source",
        "draft date",
        "date",
        "contact",
        "contact info",
        "copyright",
        "notes",
        "revision",
        "episode",
        "series",
        "format",
    }
)
_TITLE_LINE = re.compile(r"^([A-Za-z][A-Za-z0-9 _'-]{0,40}):\s*(.*)$")
_HEADING = re.compile(r"^(?:int\.?\s*/\s*ext|ext\.?\s*/\s*int|int|ext|est|i\s*/\s*e)(?:\.|\s)", re.I)
_PAGE_BREAK = re.compile(r"^={3,}\s*$")
_EXTENSIONS = re.compile(r"\(([^()]*)\)")
_EMPH_STAR = re.compile(r"(\*{1,3})(?=\S)(.+?)(?<=\S)\1")
_EMPH_UNDER = re.compile(r"(?<![A-Za-z0-9])_(?=\S)(.+?)(?<=\S)_(?![A-Za-z0-9])")
_ESCAPES = {"\\*": "\ue000", "\\_": "\ue001", "\\\\": "\ue002"}
_UNESCAPE = {"\ue000": "*", "\ue001": "_", "\ue002": "\\"}


def load_fountain(
    path: str | os.PathLike[str], encoding: str | None = None, max_bytes: int = MAX_TEXT_BYTES
) -> Screenplay:
    """Read and parse a ``.fountain`` file (see :mod:`previz.ingest.textfile` for the reading rules)."""
    text = read_text_file(path, encoding=encoding, max_bytes=max_bytes)
    return parse_fountain(text, str(path))


def plain_text(s: str) -> str:
    """Remove Fountain emphasis markup (``*italic*``, ``**bold**``, ``_underline_``), keeping escapes."""
    if "\\" in s:
        for esc, ph in _ESCAPES.items():
            s = s.replace(esc, ph)
    if "*" in s:
        for _ in range(3):
            new = _EMPH_STAR.sub(r"\2", s)
            if new == s:
                break
            s = new
    if "_" in s:
        s = _EMPH_UNDER.sub(r"\1", s)
    for ph, ch in _UNESCAPE.items():
        s = s.replace(ph, ch)
    return s


# --- pass 1: boneyard and notes --------------------------------------------------------------------


def _strip_comments(raw_lines: list[str], path: str) -> tuple[list[tuple[str, int]], list[ScriptElement]]:
    """Remove ``/* */`` and ``[[ ]]`` spans. Returns logical lines (text, source line) and notes.

    A comment spanning lines joins the text before it and after it into one logical line. A line
    left empty only because a comment was removed is dropped, so it does not split a paragraph.
    """
    out: list[tuple[str, int]] = []
    notes: list[ScriptElement] = []
    state = ""  # "", "bone" or "note"
    opened_at = 0
    note_buf: list[str] = []
    cur: list[str] = []
    cur_line = 0
    had_comment = False
    for lineno, line in enumerate(raw_lines, 1):
        if not state:
            cur, cur_line, had_comment = [], lineno, False
        i, n = 0, len(line)
        while i < n:
            if state == "bone":
                j = line.find("*/", i)
                if j < 0:
                    break
                i, state = j + 2, ""
            elif state == "note":
                j = line.find("]]", i)
                if j < 0:
                    note_buf.append(line[i:])
                    break
                note_buf.append(line[i:j])
                text = "\n".join(s.strip() for s in "".join(note_buf).split("\n")).strip()
                notes.append(ScriptElement("note", text, opened_at))
                i, state = j + 2, ""
            else:
                b = line.find("/*", i)
                k = line.find("[[", i)
                if b < 0 and k < 0:
                    cur.append(line[i:])
                    break
                if b >= 0 and (k < 0 or b < k):
                    cur.append(line[i:b])
                    i, state, opened_at = b + 2, "bone", lineno
                else:
                    cur.append(line[i:k])
                    i, state, opened_at, note_buf = k + 2, "note", lineno, []
                had_comment = True
        if state == "note":
            note_buf.append("\n")
        if not state:
            text = "".join(cur)
            if not (had_comment and not text.strip()):
                out.append((text, cur_line))
    if state == "bone":
        raise ImportFileError(path, "boneyard '/*' is never closed with '*/'", line=opened_at)
    if state == "note":
        raise ImportFileError(path, "note '[[' is never closed with ']]'", line=opened_at)
    return out, notes


# --- pass 2: elements ---------------------------------------------------------------------------


def _is_blank(lines: list[tuple[str, int]], i: int) -> bool:
    return i < 0 or i >= len(lines) or not lines[i][0].strip()


def _parse_title_page(lines: list[tuple[str, int]]) -> tuple[dict[str, str], int]:
    """Return (title page, index of the first body line); ({}, start) if there is no title page."""
    start = 0
    while start < len(lines) and not lines[start][0].strip():
        start += 1
    end = start
    while end < len(lines) and lines[end][0].strip():
        end += 1
    if start >= len(lines) or not _TITLE_LINE.match(lines[start][0]):
        return {}, 0
    page: dict[str, str] = {}
    key = ""
    for text, _ in lines[start:end]:
        m = _TITLE_LINE.match(text)
        if m and not text[:1].isspace():
            key = m.group(1).strip().lower()
            page[key] = plain_text(m.group(2).strip())
        elif key and (text.startswith("   ") or text.startswith("\t")):
            value = plain_text(text.strip())
            page[key] = f"{page[key]}\n{value}" if page[key] else value
        else:
            return {}, 0
    if not any(k in TITLE_KEYS for k in page):
        return {}, 0
    return page, end


def _is_upper_name(s: str) -> bool:
    name = s.split("(", 1)[0]
    return any(c.isalpha() for c in name) and name == name.upper()


def _character_cue(s: str) -> tuple[str, str | None, bool]:
    """``"HANS (V.O.) ^"`` -> (``"HANS"``, ``"V.O."``, dual)."""
    s = s.strip()
    dual = s.endswith("^")
    if dual:
        s = s[:-1].rstrip()
    if s.startswith("@"):
        s = s[1:].strip()
    name = s.split("(", 1)[0].strip()
    exts = [e.strip() for e in _EXTENSIONS.findall(s[len(name) :]) if e.strip()]
    return plain_text(name), (", ".join(exts) or None), dual


def _is_character(s: str, lines: list[tuple[str, int]], i: int) -> bool:
    if s.startswith("!") or _is_blank(lines, i + 1) or not _is_blank(lines, i - 1):
        return False
    if s.startswith("@"):
        return len(s.strip("@^ ")) > 0
    body = s[:-1].rstrip() if s.endswith("^") else s
    return bool(body) and not body.startswith("(") and _is_upper_name(body)


def _body_elements(lines: list[tuple[str, int]], start: int, path: str) -> list:
    """Turn body lines into a flat list of ScriptElement and heading tuples ("heading", text, line)."""
    out: list = []
    i = start
    n = len(lines)
    last_speech: list[ScriptElement] = []
    while i < n:
        raw, lineno = lines[i]
        s = raw.strip()
        if not s:
            i += 1
            continue
        if _PAGE_BREAK.match(s):
            out.append(ScriptElement("page_break", "", lineno))
        elif s.startswith("#"):
            level = len(s) - len(s.lstrip("#"))
            out.append(ScriptElement("section", plain_text(s[level:].strip()), lineno, level=level))
        elif s.startswith("=") and not s.startswith("=="):
            out.append(ScriptElement("synopsis", plain_text(s[1:].strip()), lineno))
        elif s.startswith("~"):
            out.append(ScriptElement("lyric", plain_text(s[1:].strip()), lineno))
        elif s.startswith(">") and s.endswith("<") and len(s) > 1:
            out.append(ScriptElement("centered", plain_text(s[1:-1].strip()), lineno))
        elif s.startswith(">"):
            out.append(ScriptElement("transition", plain_text(s[1:].strip()), lineno))
        elif (s.startswith(".") and len(s) > 1 and s[1] not in ". ") or (
            _is_blank(lines, i - 1) and _HEADING.match(s)
        ):
            out.append(("heading", s[1:] if s.startswith(".") else s, lineno))
        elif (
            not s.startswith("!")
            and _is_blank(lines, i - 1)
            and _is_blank(lines, i + 1)
            and s.endswith("TO:")
            and s == s.upper()
        ):
            out.append(ScriptElement("transition", plain_text(s), lineno))
        elif _is_character(s, lines, i):
            name, ext, dual = _character_cue(s)
            speech = [ScriptElement("character", name, lineno, name, ext, dual)]
            i += 1
            while i < n and (lines[i][0].strip() or len(lines[i][0]) >= 2):
                t, ln = lines[i]
                ts = t.strip()
                if ts.startswith("(") and ts.endswith(")"):
                    speech.append(ScriptElement("parenthetical", plain_text(ts), ln, name, ext, dual))
                elif ts.startswith("~"):
                    speech.append(ScriptElement("lyric", plain_text(ts[1:].strip()), ln, name, ext, dual))
                elif speech[-1].kind == "dialogue":
                    speech[-1].text += "\n" + plain_text(ts)
                else:
                    speech.append(ScriptElement("dialogue", plain_text(ts), ln, name, ext, dual))
                i += 1
            if dual:
                for el in last_speech:
                    el.dual = True
            last_speech = speech
            out.extend(speech)
            continue
        else:
            # Action paragraph: until a blank line or a line with its own marker.
            parts: list[str] = []
            while i < n:
                t, _ = lines[i]
                ts = t.strip()
                if not ts and len(t) < 2:
                    break
                if parts and (
                    ts.startswith(("=", "#", "~", ">")) or (ts.startswith(".") and ts[1:2].isalnum())
                ):
                    break
                if ts.startswith("!"):
                    t = t.replace("!", "", 1)
                parts.append(plain_text(t.rstrip().expandtabs(4)))
                i += 1
            out.append(ScriptElement("action", "\n".join(parts), lineno))
            continue
        i += 1
    return out


def parse_fountain(text: str, path: str = "<text>") -> Screenplay:
    """Parse Fountain ``text`` (already decoded). ``path`` is used in error messages only."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith("\ufeff"):
        text = text[1:]
    raw_lines = text.split("\n")
    lines, notes = _strip_comments(raw_lines, path)
    title_page, body_start = _parse_title_page(lines)
    items = _body_elements(lines, body_start, path)

    play = Screenplay(path=path, title_page=title_page)
    headings = [it for it in items if isinstance(it, tuple)]
    heading_lines = [h[2] for h in headings] + [len(raw_lines) + 1]
    for idx, (_, htext, hline) in enumerate(headings):
        bare, number = split_scene_number(htext.strip())
        bare = " ".join(plain_text(bare).split())
        int_ext, location, tod = parse_heading(bare)
        end = heading_lines[idx + 1] - 1
        while end > hline and not raw_lines[end - 1].strip():
            end -= 1
        play.scenes.append(
            ScriptScene(
                number=number,
                heading=bare,
                int_ext=int_ext,
                location=location,
                time_of_day=tod,
                synopsis=None,
                line_start=hline,
                line_end=end,
                text="\n".join(r.rstrip() for r in raw_lines[hline - 1 : end]),
            )
        )
    elements = [it for it in items if not isinstance(it, tuple)] + notes
    elements.sort(key=lambda e: e.line)
    scene_idx = -1
    for el in elements:
        while scene_idx + 1 < len(play.scenes) and el.line >= play.scenes[scene_idx + 1].line_start:
            scene_idx += 1
        if scene_idx < 0:
            play.preamble.append(el)
        else:
            scene = play.scenes[scene_idx]
            scene.elements.append(el)
            if el.kind == "synopsis":
                scene.synopsis = f"{scene.synopsis} {el.text}" if scene.synopsis else el.text
    return play
