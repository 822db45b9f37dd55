"""Closed vocabularies of the domain model. Members are lower case; values are what is stored."""

from __future__ import annotations

from enum import Enum


class StrEnum(str, Enum):
    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.value

    @classmethod
    def parse(cls, value: str | StrEnum, field: str):
        """Return the member named by ``value`` (case-insensitive, '-' or ' ' for '_'), else raise."""
        from previz.core.errors import ValidationError

        if isinstance(value, cls):
            return value
        key = str(value).strip().lower().replace("-", "_").replace(" ", "_")
        try:
            return cls(key)  # a dictionary look-up: validating 100,000 imported shots stays fast
        except ValueError:
            pass
        allowed = ", ".join(m.value for m in cls)
        raise ValidationError(field, f"{value!r} is not one of: {allowed}")


class ShotSize(StrEnum):
    ews = "ews"
    ws = "ws"
    ms = "ms"
    mcu = "mcu"
    cu = "cu"
    ecu = "ecu"
    insert = "insert"
    ots = "ots"
    pov = "pov"


class MoveKind(StrEnum):
    static = "static"
    push_in = "push_in"
    pull_out = "pull_out"
    pan_left = "pan_left"
    pan_right = "pan_right"
    tilt_up = "tilt_up"
    tilt_down = "tilt_down"
    truck_left = "truck_left"
    truck_right = "truck_right"
    pedestal_up = "pedestal_up"
    pedestal_down = "pedestal_down"
    dolly_zoom = "dolly_zoom"
    handheld = "handheld"


class Easing(StrEnum):
    linear = "linear"
    ease_in = "ease_in"
    ease_out = "ease_out"
    ease_in_out = "ease_in_out"


class ShotStatus(StrEnum):
    draft = "draft"
    queued = "queued"
    generating = "generating"
    ready = "ready"
    approved = "approved"
    needs_changes = "needs_changes"
    omitted = "omitted"


class TakeKind(StrEnum):
    board = "board"
    animatic = "animatic"
    generated = "generated"
    imported = "imported"


class JobState(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"
    cancelled = "cancelled"


class SpeedPreset(StrEnum):
    """How fast a generated take is made (``previz.generation.presets``): plain diffusers, or faster."""

    final = "final"
    balanced = "balanced"
    draft = "draft"


class Transition(StrEnum):
    cut = "cut"
    dissolve = "dissolve"
    fade_in = "fade_in"
    fade_out = "fade_out"
