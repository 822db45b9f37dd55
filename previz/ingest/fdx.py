"""Final Draft ``.fdx`` import into the same :class:`Screenplay` structure as Fountain.

The XML is parsed with ``defusedxml.sax`` (never the plain standard library parser): entity
declarations (billion-laughs bombs), external entities and external DTDs are refused with an
:class:`ImportFileError`. SAX gives us the XML line of every paragraph, which becomes
``ScriptElement.line``.

Only paragraphs under ``FinalDraft/Content`` (and inside its ``DualDialogue`` blocks) are script;
paragraphs in ``SceneProperties`` summaries become the scene synopsis, paragraphs in
``TitlePage/Content`` become the title page (first non-empty line -> ``title``, all lines -> ``text``),
and header/footer paragraphs are ignored. Paragraph types map as: Scene Heading -> a new scene
(``Number`` attribute -> scene number), Action/General -> action, Character, Parenthetical,
Dialogue, Transition, Shot -> the same kinds, New Act/End of Act -> section; unknown types -> action.
Each scene's ``text`` is a Fountain-like rendering of its paragraphs, used for change detection.

Encoding: as the document declares (byte-order mark or ``encoding=``), else UTF-8; ``--encoding``
overrides both, and a document that is not UTF-8 and declares nothing is refused naming the line and
suggesting ``--encoding latin-1`` (see :func:`_xml_bytes`).
"""

from __future__ import annotations

import codecs
import os
import re
import xml.sax
import xml.sax.handler

import defusedxml
import defusedxml.sax

from previz.core.errors import ImportFileError
from previz.ingest.screenplay import Screenplay, ScriptElement, ScriptScene, parse_heading
from previz.ingest.textfile import MAX_TEXT_BYTES, decode_text, read_bytes_limited

_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_DECLARED_TEXT = re.compile(r"""^(\s*<\?xml[^>]*?)\sencoding\s*=\s*["'][^"']*["']""")
_UNICODE_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _xml_bytes(data: bytes, path: str, encoding: str | None) -> bytes:
    """The document as bytes the XML parser reads right.

    With ``encoding`` (``--encoding``) the bytes are decoded with it and handed on as UTF-8, the
    declaration's own ``encoding=`` dropped. Without it, a document with a byte-order mark or an
    ``encoding=`` declaration is read as it declares; any other must be UTF-8 (the XML default), and
    one that is not is refused naming the line of the first byte that is not, with the fix."""
    if encoding is not None:
        text = decode_text(data, path, encoding)
        return _DECLARED_TEXT.sub(r"\1", text, count=1).encode("utf-8")
    if data.startswith(_UNICODE_BOMS):
        return data
    declared = _DECLARED.match(data)
    if declared and declared.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
        return data
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            path,
            "is not UTF-8 (and declares no other encoding); try --encoding latin-1 "
            "(or --encoding windows-1252), or re-save it from Final Draft",
            line=data.count(b"\n", 0, exc.start) + 1,
        ) from None
    return data


_KINDS = {
    "action": "action",
    "general": "action",
    "character": "character",
    "parenthetical": "parenthetical",
    "dialogue": "dialogue",
    "transition": "transition",
    "shot": "shot",
    "new act": "section",
    "end of act": "section",
    "lyrics": "lyric",
}


class _Handler(xml.sax.handler.ContentHandler):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.paragraphs: list[tuple[str, str, int, str | None, bool]] = []  # type, text, line, num, dual
        self.title_lines: list[str] = []
        self.summary: dict[int, list[str]] = {}  # heading paragraph index -> summary text
        self._para: dict | None = None
        self._summary_text: list[str] | None = None
        self._in_text = 0
        self._dual_depth = 0

    def _line(self) -> int:
        return self._locator.getLineNumber() if getattr(self, "_locator", None) else 0

    def startElement(self, name: str, attrs) -> None:  # noqa: N802 - SAX API
        path = self.stack
        if not path and name != "FinalDraft":
            raise _NotFdx(name)
        if name == "DualDialogue":
            self._dual_depth += 1
        if name == "Paragraph":
            where = "/".join(path)
            if where in ("FinalDraft/Content", "FinalDraft/Content/Paragraph/DualDialogue"):
                self._para = {
                    "type": attrs.get("Type", ""),
                    "number": attrs.get("Number"),
                    "line": self._line(),
                    "text": [],
                    "dual": self._dual_depth > 0,
                }
            elif where == "FinalDraft/TitlePage/Content":
                self._para = {"type": "__title__", "text": [], "line": self._line()}
            elif "SceneProperties" in path:
                self._summary_text = []
        if name == "Text":
            self._in_text += 1
        path.append(name)

    def endElement(self, name: str) -> None:  # noqa: N802 - SAX API
        self.stack.pop()
        if name == "Text":
            self._in_text -= 1
        elif name == "DualDialogue":
            self._dual_depth -= 1
        elif name == "Paragraph":
            if self._summary_text is not None:
                text = "".join(self._summary_text).strip()
                if text:  # the heading paragraph that holds this summary is not appended yet
                    self.summary.setdefault(len(self.paragraphs), []).append(text)
                self._summary_text = None
            elif self._para is not None and self.stack and self.stack[-1] in ("Content", "DualDialogue"):
                p, self._para = self._para, None
                text = "".join(p["text"]).strip()
                if p["type"] == "__title__":
                    if text:
                        self.title_lines.append(text)
                elif text:
                    self.paragraphs.append((p["type"], text, p["line"], p["number"], p["dual"]))

    def characters(self, content: str) -> None:
        if self._in_text:
            if self._summary_text is not None:
                self._summary_text.append(content)
            elif self._para is not None:
                self._para["text"].append(content)


class _NotFdx(Exception):
    pass


def _split_cue(text: str) -> tuple[str, str | None]:
    name = text.split("(", 1)[0].strip()
    rest = text[len(name) :]
    exts = [e.strip(" )") for e in rest.split("(") if e.strip(" )")]
    return name, (", ".join(exts) or None)


def _render(scene: ScriptScene) -> str:
    head = scene.heading + (f" #{scene.number}#" if scene.number else "")
    blocks: list[str] = [head]
    for el in scene.elements:
        if el.kind in ("dialogue", "parenthetical", "lyric") and el.character:
            text = f"~{el.text}" if el.kind == "lyric" else el.text
            blocks[-1] += "\n" + text
        elif el.kind == "character":
            ext = f" ({el.extension})" if el.extension else ""
            blocks.append(f"{el.text}{ext}{' ^' if el.dual and _second_of_pair(scene, el) else ''}")
        elif el.kind == "transition":
            blocks.append(f"> {el.text}")
        else:
            blocks.append(el.text)
    return "\n\n".join(blocks)


def _second_of_pair(scene: ScriptScene, cue: ScriptElement) -> bool:
    cues = [e for e in scene.elements if e.kind == "character" and e.dual]
    return cue in cues and cues.index(cue) % 2 == 1


def parse_fdx_bytes(data: bytes, path: str = "<fdx>", encoding: str | None = None) -> Screenplay:
    """Parse the bytes of a Final Draft document (see the module docstring for the mapping).
    ``encoding`` overrides the document's own (see :func:`_xml_bytes`)."""
    if not data.strip():
        raise ImportFileError(path, "file is empty; there is nothing to import")
    data = _xml_bytes(data, path, encoding)
    handler = _Handler()
    try:
        defusedxml.sax.parseString(data, handler)
    except defusedxml.DefusedXmlException as exc:
        raise ImportFileError(
            path,
            f"refused: the XML declares entities or external references ({type(exc).__name__}), "
            "which Final Draft never writes; re-export the script from Final Draft",
        ) from None
    except xml.sax.SAXParseException as exc:
        raise ImportFileError(
            path,
            f"is not well-formed XML ({exc.getMessage()}); is it a Final Draft .fdx?",
            line=exc.getLineNumber(),
        ) from None
    except _NotFdx as exc:
        raise ImportFileError(
            path, f"is not a Final Draft document (root element <{exc}>, expected <FinalDraft>)"
        ) from None

    play = Screenplay(path=path)
    if handler.title_lines:
        play.title_page = {"title": handler.title_lines[0], "text": "\n".join(handler.title_lines)}
    scene: ScriptScene | None = None
    speaker: tuple[str, str | None] | None = None
    for idx, (ptype, text, line, number, dual) in enumerate(handler.paragraphs):
        kind_key = ptype.strip().lower()
        if kind_key == "scene heading":
            heading = " ".join(text.split())
            int_ext, location, tod = parse_heading(heading)
            summary = handler.summary.get(idx)
            scene = ScriptScene(
                number=(number or "").strip() or None,
                heading=heading,
                int_ext=int_ext,
                location=location,
                time_of_day=tod,
                synopsis=" ".join(summary) if summary else None,
                line_start=line,
                line_end=line,
                text="",
            )
            play.scenes.append(scene)
            speaker = None
            continue
        kind = _KINDS.get(kind_key, "action")
        if kind == "character":
            speaker = _split_cue(text)
            el = ScriptElement("character", speaker[0], line, speaker[0], speaker[1], dual)
        elif kind in ("dialogue", "parenthetical", "lyric") and speaker is not None:
            el = ScriptElement(kind, text, line, speaker[0], speaker[1], dual)
        else:
            if kind in ("dialogue", "lyric"):
                kind = "action"  # dialogue without a cue: keep the words, never drop them
            el = ScriptElement(kind, text, line, level=1 if kind == "section" else None)
            speaker = None
        if scene is None:
            play.preamble.append(el)
        else:
            scene.elements.append(el)
            scene.line_end = line
    for sc in play.scenes:
        sc.text = _render(sc)
    return play


def load_fdx(
    path: str | os.PathLike[str], encoding: str | None = None, max_bytes: int = MAX_TEXT_BYTES
) -> Screenplay:
    """Read and parse a ``.fdx`` file (size limit as for Fountain files; ``encoding`` as in
    :func:`parse_fdx_bytes`)."""
    data = read_bytes_limited(path, max_bytes)
    return parse_fdx_bytes(data, str(path), encoding)
