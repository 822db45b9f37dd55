"""Stable identity of a shot in every editorial export, so the cut can come back and be matched to shots:
the clip name is the shot code, OTIO metadata holds the shot id, take id and media hash, and every shot
has a CMX 3600 reel name (at most 8 letters and digits) carried by its EDL events and by its media
(the timecode track's reel name).

A reel name comes from the shot code alone (``012A_0010`` -> ``012A0010``; a longer code keeps its last
8 letters and digits, where shot numbers are), so a shot keeps its reel from one export to the next.
When two shots of one export would share a reel, the shot whose code sorts first keeps it and each of
the others gets the first 5 characters followed by 3 characters of a hash of its code (``012A0`` +
``K7Q``): still deterministic, and never guessed from the order of the cut.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable

REEL_LENGTH = 8


def base_reel(code: str) -> str:
    """The reel name of ``code`` before collisions: its letters and digits, the last 8 (``AX`` if none)."""
    return re.sub(r"[^A-Za-z0-9]", "", code)[-REEL_LENGTH:] or "AX"


def _hashed(code: str, base: str, attempt: int) -> str:
    digest = hashlib.sha256(f"{code}\0{attempt}".encode()).digest()
    tail = base64.b32encode(digest).decode("ascii")[:3]
    return base[: REEL_LENGTH - 3] + tail


def reel_names(codes: Iterable[str]) -> dict[str, str]:
    """A reel name for every shot code, unique among ``codes`` within 8 characters (case-insensitively,
    as tape-based systems compare reels)."""
    unique = sorted(set(codes))
    taken: set[str] = set()
    names: dict[str, str] = {}
    # Codes whose plain reel nobody else wants go first, so a hashed name never takes one of them.
    bases = {code: base_reel(code) for code in unique}
    firsts: dict[str, str] = {}
    for code in unique:
        firsts.setdefault(bases[code].upper(), code)
    for code in unique:
        if firsts[bases[code].upper()] == code:
            names[code] = bases[code]
            taken.add(bases[code].upper())
    for code in unique:
        if code in names:
            continue
        attempt = 0
        name = _hashed(code, bases[code], attempt)
        while name.upper() in taken:
            attempt += 1
            name = _hashed(code, bases[code], attempt)
        names[code] = name
        taken.add(name.upper())
    return names


def shot_identity(entry) -> dict:
    """What import matches a clip by (a :class:`~previz.core.cut.CutEntry`): the shot id, take id and
    the take's media hash."""
    return {"shot_id": entry.shot_id, "take_id": entry.take_id, "media_hash": entry.media_hash}
