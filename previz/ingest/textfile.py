"""Reading user text files (screenplays, shot lists) safely and with clear errors.

Rules, in order:

1. The path must be an existing regular file no larger than ``max_bytes`` (default
   :data:`MAX_TEXT_BYTES`, 10 MiB; a 120-page feature screenplay is about 250 KB). The size is checked
   with ``stat`` before anything is read, and the read itself is capped, so a huge file is never
   loaded whole.
2. A byte-order mark decides the encoding: UTF-32 LE/BE, UTF-8, UTF-16 LE/BE (checked in that order,
   because the UTF-32 LE mark starts with the UTF-16 LE one).
3. Without a BOM the file must be UTF-8. Anything else is refused with the line of the first byte that
   is not UTF-8 and a suggestion to re-save as UTF-8. Latin-1 / Windows-1252 files are only read when
   the caller passes that ``encoding`` explicitly; we never guess.
4. A NUL byte (without a UTF-16/32 BOM) means a binary file (or BOM-less UTF-16) and is refused.
5. A file with nothing but whitespace is refused as empty.

The returned text has CRLF and lone CR line endings normalised to ``\\n`` and the BOM removed.
"""

from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path

from previz.core.errors import ImportFileError

MAX_TEXT_BYTES = 10 * 1024 * 1024
"""Largest screenplay or shot list we read (10 MiB, about 40 times a feature-length screenplay)."""

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def read_bytes_limited(path: str | os.PathLike[str], max_bytes: int = MAX_TEXT_BYTES) -> bytes:
    """Return the bytes of ``path``, refusing missing files, folders and files over ``max_bytes``."""
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise ImportFileError(str(p), "file not found; check the path") from None
    except OSError as exc:
        raise ImportFileError(str(p), f"cannot read the file ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise ImportFileError(str(p), "is a folder, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise ImportFileError(str(p), "is not a regular file (a pipe or device?); save it to a file first")
    limit_mb = max_bytes / (1024 * 1024)
    too_big = (
        f"file is larger than the {limit_mb:g} MB import limit; split it or check that it is the right file"
    )
    if st.st_size > max_bytes:
        raise ImportFileError(str(p), too_big)
    try:
        with p.open("rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise ImportFileError(str(p), f"cannot read the file ({exc.strerror or exc})") from None
    if len(data) > max_bytes:  # the file grew, or stat lied (pipes, /proc)
        raise ImportFileError(str(p), too_big)
    return data


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode_text(data: bytes, path: str, encoding: str | None = None) -> str:
    """Decode ``data`` by the rules in the module docstring; ``path`` is only used in messages."""
    text: str | None = None
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ImportFileError(path, f"unknown text encoding {encoding!r}") from None
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            line = _line_of(data, exc.start)
            raise ImportFileError(path, f"is not valid {encoding} text", line=line) from None
        if text.startswith("\ufeff"):
            text = text[1:]
    else:
        for bom, name in _BOMS:
            if data.startswith(bom):
                body = data[len(bom) :]
                try:
                    text = body.decode(name)
                except UnicodeDecodeError as exc:
                    # Count lines in the decoded prefix: newlines are multi-byte in UTF-16/32.
                    line = body[: exc.start].decode(name, errors="replace").count("\n") + 1
                    raise ImportFileError(
                        path, f"has a {name.upper()} byte-order mark but is not valid {name}", line=line
                    ) from None
                break
        if text is None:
            nul = data.find(b"\x00")
            if nul >= 0:
                raise ImportFileError(
                    path,
                    "looks like a binary file (it contains NUL bytes), not text; "
                    "if it is UTF-16 without a byte-order mark, re-save it as UTF-8",
                    line=_line_of(data, nul),
                )
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ImportFileError(
                    path,
                    "is not UTF-8 text; re-save it as UTF-8, or pass its encoding explicitly "
                    "(e.g. --encoding latin-1)",
                    line=_line_of(data, exc.start),
                ) from None
    if "\x00" in text:
        raise ImportFileError(
            path,
            "contains NUL characters; it is not a text file",
            line=text.count("\n", 0, text.index("\x00")) + 1,
        )
    if not text.strip():
        raise ImportFileError(path, "file is empty; there is nothing to import")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_text_file(
    path: str | os.PathLike[str], encoding: str | None = None, max_bytes: int = MAX_TEXT_BYTES
) -> str:
    """Read a user text file by the rules in the module docstring and return its text."""
    data = read_bytes_limited(path, max_bytes)
    return decode_text(data, str(path), encoding)
