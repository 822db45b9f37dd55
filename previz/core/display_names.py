"""How shot sizes, camera moves and shot fields are written for people (``MCU``, ``push in``, ``lens``),
one table for every view and for the names of undo steps.

The stored values stay the enum values of ``previz.core.enums`` (``mcu``, ``push_in``); these names are only
for display: the inspector's choices, the browser's and the timeline's labels and tooltips.
"""

from __future__ import annotations

from previz.core.enums import MoveKind, ShotSize

#: Shot size → (as written on a shot list, what it stands for).
SIZE_NAMES: dict[str, tuple[str, str]] = {
    ShotSize.ews.value: ("EWS", "extreme wide shot"),
    ShotSize.ws.value: ("WS", "wide shot"),
    ShotSize.ms.value: ("MS", "medium shot"),
    ShotSize.mcu.value: ("MCU", "medium close-up"),
    ShotSize.cu.value: ("CU", "close-up"),
    ShotSize.ecu.value: ("ECU", "extreme close-up"),
    ShotSize.insert.value: ("Insert", "insert: a detail of an object or action"),
    ShotSize.ots.value: ("OTS", "over-the-shoulder shot"),
    ShotSize.pov.value: ("POV", "point-of-view shot"),
}


MOVE_VALUES = frozenset(m.value for m in MoveKind)


def size_name(value: str | None) -> str:
    """``mcu`` → ``MCU``; an unknown value is shown as stored."""
    return SIZE_NAMES.get(value or "", (value or "", ""))[0]


def size_description(value: str | None) -> str:
    """``mcu`` → ``MCU — medium close-up``."""
    name, meaning = SIZE_NAMES.get(value or "", (value or "", ""))
    return f"{name} — {meaning}" if meaning else name


def move_name(value: str | None) -> str:
    """``push_in`` → ``push in``, ``dolly_zoom`` → ``dolly zoom``."""
    return value.replace("_", " ") if value in MOVE_VALUES else (value or "")


def shot_framing(size: str | None, move: str | None) -> str:
    """``MCU · push in`` (a static camera is left out: ``MCU``)."""
    parts = [size_name(size)]
    if move and move != MoveKind.static.value:
        parts.append(move_name(move))
    return " · ".join(p for p in parts if p)


#: Shot fields whose stored name is not what people call them; others read with spaces for underscores.
FIELD_NAMES: dict[str, str] = {
    "move": "camera move",
    "move_intensity": "move intensity",
    "move_easing": "move easing",
    "lens_mm": "lens",
    "duration_frames": "duration",
    "trim_in": "trim in",
    "board_hash": "board",
    "first_frame_hash": "first frame",
    "last_frame_hash": "last frame",
    "reference_hash": "reference image",
}


def field_name(field: str) -> str:
    """``lens_mm`` → ``lens``, ``negative_prompt`` → ``negative prompt`` (for undo names and messages)."""
    return FIELD_NAMES.get(field, field.replace("_", " "))
