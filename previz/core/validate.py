"""Field validation for every value a user can set. Each validator returns the stored value or raises a
ValidationError that names the field, says what was wrong and what is allowed. Nothing is "corrected"."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from previz.core.enums import Easing, MoveKind, ShotSize, ShotStatus, SpeedPreset, Transition
from previz.core.errors import ValidationError

MIN_SIDE, MAX_SIDE = 64, 8192
#: The longest shot: 24 hours at 60 fps.
MAX_DURATION = 24 * 3600 * 60
SCENE_NUMBER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]{0,31}$")
SHOT_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")


def text(field: str, max_len: int = 100_000, required: bool = False) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise ValidationError(field, f"expected text, got {type(value).__name__}")
        value = value.strip() if required else value
        if required and not value:
            raise ValidationError(field, "must not be empty")
        if len(value) > max_len:
            raise ValidationError(field, f"is {len(value)} characters long; at most {max_len} are allowed")
        return value

    return check


def integer(field: str, lo: int, hi: int, optional: bool = False) -> Callable[[Any], int | None]:
    def check(value: Any) -> int | None:
        if value is None or value == "":
            if optional:
                return None
            raise ValidationError(field, "a whole number is required")
        try:
            if isinstance(value, bool):
                raise ValueError
            if isinstance(value, float) and not value.is_integer():
                raise ValueError
            number = int(value)
        except (TypeError, ValueError):
            raise ValidationError(field, f"{value!r} is not a whole number") from None
        if not lo <= number <= hi:
            raise ValidationError(field, f"{number} is out of range; use {lo} to {hi}")
        return number

    return check


def number(field: str, lo: float, hi: float, optional: bool = False) -> Callable[[Any], float | None]:
    def check(value: Any) -> float | None:
        if value is None or value == "":
            if optional:
                return None
            raise ValidationError(field, "a number is required")
        try:
            if isinstance(value, bool):
                raise ValueError
            result = float(value)
        except (TypeError, ValueError):
            raise ValidationError(field, f"{value!r} is not a number") from None
        if not lo <= result <= hi or result != result:
            raise ValidationError(field, f"{value} is out of range; use {lo:g} to {hi:g}")
        return result

    return check


def choice(field: str, enum) -> Callable[[Any], str]:
    return lambda value: enum.parse(value, field).value


def media_hash(field: str) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if value in (None, ""):
            return None
        if not isinstance(value, str) or not re.fullmatch(r"[0-9a-f]{64}", value):
            raise ValidationError(field, f"{value!r} is not a media hash")
        return value

    return check


def names(field: str) -> Callable[[Any], list[str]]:
    def check(value: Any) -> list[str]:
        if value is None:
            return []
        if isinstance(value, str):
            value = [v for v in (p.strip() for p in value.split(",")) if v]
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise ValidationError(field, "expected a list of names")
        return list(value)

    return check


def scene_number(value: Any) -> str:
    value = text("number", 32, required=True)(value)  # case-sensitive as written: 1A and 1a differ
    if not SCENE_NUMBER_RE.match(value):
        raise ValidationError(
            "number",
            f"{value!r} is not a scene number; use letters, digits, '.' or '-', e.g. 12, 12A or A1",
        )
    return value


def shot_code(value: Any) -> str:
    value = text("code", 64, required=True)(value)
    if not SHOT_CODE_RE.match(value):
        raise ValidationError("code", f"{value!r} is not a shot code; use letters, digits, '_', '-' or '.'")
    return value


def _even_side(field: str) -> Callable[[Any], int]:
    inner = integer(field, MIN_SIDE, MAX_SIDE)

    def check(value: Any) -> int:
        side = inner(value)
        if side % 2:
            raise ValidationError(field, f"{side} is odd; video needs even sizes, e.g. {side + 1}")
        return side

    return check


def frame_size(value: str) -> tuple[int, int]:
    """Parse ``1920x1080``."""
    m = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", str(value))
    if not m:
        raise ValidationError("size", f"{value!r} is not WIDTHxHEIGHT, e.g. 1280x720")
    return _even_side("width")(m.group(1)), _even_side("height")(m.group(2))


PROJECT_FIELDS: dict[str, Callable[[Any], Any]] = {
    "name": text("name", 255, required=True),
    "width": _even_side("width"),
    "height": _even_side("height"),
    "style_prompt": text("style_prompt"),
    "negative_prompt": text("negative_prompt"),
    "default_backend": text("default_backend", 32),
    "default_model": text("default_model", 512),
    "default_preset": choice("default_preset", SpeedPreset),
    "start_timecode": text("start_timecode", 16, required=True),
}

SCENE_FIELDS: dict[str, Callable[[Any], Any]] = {
    "number": scene_number,
    # Text as the writer wrote it: no limit below the generic one (a real heading may pass 255).
    "heading": text("heading", required=True),
    "int_ext": text("int_ext", 16),
    "location": text("location"),
    "time_of_day": text("time_of_day"),
    "synopsis": text("synopsis"),
    "script_text": text("script_text", 2_000_000),
    "omitted": lambda v: bool(v),
}

SHOT_FIELDS: dict[str, Callable[[Any], Any]] = {
    "code": shot_code,
    "action": text("action"),
    "dialogue": text("dialogue"),
    "characters": names("characters"),
    "size": choice("size", ShotSize),
    "move": choice("move", MoveKind),
    "move_intensity": number("move_intensity", 0.0, 1.0),
    "move_easing": choice("move_easing", Easing),
    "lens_mm": number("lens_mm", 4.0, 2000.0),
    "duration_frames": integer("duration_frames", 1, MAX_DURATION),
    "trim_in": integer("trim_in", 0, MAX_DURATION),
    "transition": choice("transition", Transition),
    "transition_frames": integer("transition_frames", 0, 10_000),
    "prompt": text("prompt"),
    "negative_prompt": text("negative_prompt"),
    "board_hash": media_hash("board"),
    "first_frame_hash": media_hash("first_frame"),
    "last_frame_hash": media_hash("last_frame"),
    "backend": text("backend", 32),
    "model": text("model", 512),
    "seed": integer("seed", 0, 2**32 - 1),
    "steps": integer("steps", 1, 1000, optional=True),
    "guidance": number("guidance", 0.0, 100.0, optional=True),
    "status": choice("status", ShotStatus),
    # Empty: the project's default preset.
    "preset": lambda v: "" if v is None or str(v).strip() == "" else SpeedPreset.parse(v, "preset").value,
}

CHARACTER_FIELDS: dict[str, Callable[[Any], Any]] = {
    "name": text("name", 255, required=True),
    "description": text("description"),
    "reference_hash": media_hash("reference"),
}


def clean(table: dict[str, Callable[[Any], Any]], values: dict[str, Any], what: str) -> dict[str, Any]:
    """Validate every value; an unknown field is an error naming the fields that exist."""
    out = {}
    for key, value in values.items():
        if key not in table:
            raise ValidationError(key, f"{what} has no such field; known fields: {', '.join(sorted(table))}")
        out[key] = table[key](value)
    return out
