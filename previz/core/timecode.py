"""Project frame rates and timecode. Time is a whole number of frames at the project rate.

Timecode strings come from OpenTimelineIO's ``opentime`` (imported lazily: listing a project must stay
fast), including drop-frame timecode at 29.97 and 59.94.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

from previz.core.errors import ValidationError

#: The frame rates a project may use, by the label users type.
FRAME_RATES: dict[str, Fraction] = {
    "23.976": Fraction(24000, 1001),
    "24": Fraction(24),
    "25": Fraction(25),
    "29.97": Fraction(30000, 1001),
    "30": Fraction(30),
    "48": Fraction(48),
    "50": Fraction(50),
    "59.94": Fraction(60000, 1001),
    "60": Fraction(60),
}
DROP_FRAME_RATES = {"29.97", "59.94"}


@dataclass(frozen=True)
class FrameRate:
    """A project frame rate: its label, exact rational value, and whether timecode drops frames."""

    label: str
    drop_frame: bool = False

    @property
    def fraction(self) -> Fraction:
        return FRAME_RATES[self.label]

    @cached_property
    def fps(self) -> float:
        return float(self.fraction)

    @classmethod
    def parse(cls, value: str | float | int, drop_frame: bool | None = None) -> FrameRate:
        """Parse ``24``, ``23.976``, ``29.97`` (drop-frame by default), ``24000/1001`` …"""
        text = str(value).strip()
        label = None
        if text in FRAME_RATES:
            label = text
        else:
            try:
                wanted = Fraction(text) if "/" in text else Fraction(float(text)).limit_denominator(1001)
            except (ValueError, ZeroDivisionError):
                wanted = None
            if wanted is not None:
                for name, rate in FRAME_RATES.items():
                    if abs(float(rate) - float(wanted)) < 0.001:
                        label = name
        if label is None:
            allowed = ", ".join(FRAME_RATES)
            raise ValidationError("fps", f"{value!r} is not a supported frame rate; use one of {allowed}")
        if drop_frame is None:
            drop_frame = label in DROP_FRAME_RATES
        elif drop_frame and label not in DROP_FRAME_RATES:
            raise ValidationError(
                "drop_frame", f"drop-frame timecode exists only at 29.97 and 59.94, not {label}"
            )
        return cls(label, drop_frame)


def frames_to_timecode(frames: int, rate: FrameRate) -> str:
    """``HH:MM:SS:FF`` (``HH:MM:SS;FF`` when drop-frame) for a frame count at the project rate."""
    from opentimelineio import opentime

    rt = opentime.RationalTime(frames, rate.fps)
    return opentime.to_timecode(rt, rate.fps, rate.drop_frame)


def timecode_to_frames(timecode: str, rate: FrameRate) -> int:
    """Frames for a timecode string at the project rate; a malformed string names the field."""
    from opentimelineio import opentime

    # A timecode typed in a drop-frame project counts drop-frame whichever separator it uses.
    head, sep, frames = timecode.strip().replace(";", ":").rpartition(":")
    normalized = f"{head}{';' if rate.drop_frame else ':'}{frames}" if sep else timecode.strip()
    try:
        rt = opentime.from_timecode(normalized, rate.fps)
    except ValueError as exc:
        raise ValidationError(
            "timecode", f"{timecode!r} is not a timecode at {rate.label} fps ({exc})"
        ) from None
    return round(rt.value)


def seconds_to_frames(seconds: float, rate: FrameRate) -> int:
    return round(Fraction(seconds).limit_denominator(1000) * rate.fraction)


def frames_to_seconds(frames: int, rate: FrameRate) -> float:
    return float(frames / rate.fraction)
