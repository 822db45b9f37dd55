"""User text made safe for the file formats exports write it into.

Notes, shot text, scene headings and project names are typed by people and may hold anything: line
breaks, escape characters, text that looks like a spreadsheet formula. Each format gets its own rule,
applied where the export writes the text, so the stored text is never changed:

- OpenTimelineIO (every editorial format is built as an OTIO timeline first): its C++ core ends a
  string at a NUL character, so NULs are dropped rather than losing the rest of the text;
- line-based formats (a CMX 3600 EDL): every line break and control character becomes a space
  (:func:`one_line`, the rule burn-ins draw text by), so a note can never start a line (an event) of
  its own;
- XML 1.0 (FCP 7 XML): the characters XML cannot hold (C0 controls other than tab, line feed and carriage
  return, lone surrogates, U+FFFE and U+FFFF) are dropped;
- spreadsheet cells (CSV): text a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return) gets a leading single quote (OWASP's advice).
"""

from __future__ import annotations

import re

from previz.media.text import one_line

_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
__all__ = ["FORMULA_STARTS", "one_line", "otio_value", "spreadsheet_cell", "xml_text"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def otio_value(value: object) -> object:
    """``value`` (text, or dicts and lists holding text) without NUL characters, for OTIO names and
    metadata."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {otio_value(k): otio_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [otio_value(v) for v in value]
    return value


def xml_text(text: str) -> str:
    """``text`` without the characters an XML 1.0 document cannot hold."""
    return _XML_UNSAFE.sub("", text)


def spreadsheet_cell(value: object) -> object:
    """A CSV cell that a spreadsheet shows as text: a string starting like a formula gets a leading
    single quote; everything else is returned as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
