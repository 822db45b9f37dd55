"""Frame rates and timecode. Time is a whole number of frames at the project rate.

:class:`FrameRate` is the one frame-rate type of every layer: an exact rational rate. It is made in two
ways only: :meth:`FrameRate.parse` for what a user or a file writes (``"23.976"``, ``"24000/1001"``,
``"29.97"``, ``"25"``) and :meth:`FrameRate.from_rational` for the rational rate a media stream reports
(PyAV's ``average_rate``, or ``1 / time_base``), which snaps NTSC rates to their exact n*1000/1001.

Timecode strings come from OpenTimelineIO's ``opentime`` (imported lazily: listing a project must stay
fast), including drop-frame timecode at 29.97 and 59.94 — its ``_opentime`` extension alone
(:func:`opentime`), not the package, whose ``__init__`` imports its schema, plugins and adapters (~0.1 s
of CPU the app's launch does not need).
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from fractions import Fraction

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
_LABELS = {rate: label for label, rate in FRAME_RATES.items()}
#: NTSC rates a stream's measured or rounded rate snaps to (n*1000/1001), and how close it must be.
NTSC_RATES = tuple(Fraction(n * 1000, 1001) for n in (12, 24, 30, 48, 60, 120))
_NTSC_TOLERANCE = Fraction(2, 1000)
#: Above this no video has a frame rate; a larger number is a typo (or a sample rate).
MAX_RATE = 1000


def _snap(value: Fraction, *, exact: bool = False) -> Fraction:
    """An NTSC rate within rounding of n*1000/1001 becomes exact; a whole rate within 1e-6 is whole;
    another measured or decimal rate is the nearest ratio with a denominator up to 1001 (not ``exact``)."""
    if value.denominator == 1:
        return value
    for rate in NTSC_RATES:
        if abs(value - rate) < _NTSC_TOLERANCE:
            return rate
    whole = round(value)
    if abs(value - whole) < Fraction(1, 10**6):
        return Fraction(whole)
    return value if exact else value.limit_denominator(1001)


def _supported() -> str:
    return ", ".join(FRAME_RATES)


@dataclass(frozen=True)
class FrameRate:
    """An exact frame rate (``fraction``) and whether timecode at it drops frames.

    ``FrameRate("23.976")`` and ``FrameRate(Fraction(24000, 1001))`` are the same rate: a text given to
    the constructor is read by :meth:`parse` (any rate), as a stored project row gives it.
    """

    fraction: Fraction
    drop_frame: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.fraction, Fraction):
            object.__setattr__(self, "fraction", _read(self.fraction, "fps", project=False))
        elif self.fraction <= 0:
            raise ValidationError("fps", f"{self.fraction} is not a frame rate; it must be above 0")
        if self.drop_frame and self.label not in DROP_FRAME_RATES:
            raise ValidationError(
                "drop_frame", f"drop-frame timecode exists only at 29.97 and 59.94, not {self.label}"
            )

    # -- the two ways to make one ------------------------------------------------------------------
    @classmethod
    def parse(
        cls,
        value: str | float | Fraction | FrameRate,
        drop_frame: bool | None = None,
        *,
        field: str = "fps",
        project: bool = True,
    ) -> FrameRate:
        """A rate a user or a file wrote: ``24``, ``23.976``, ``29.97`` (drop-frame by default),
        ``24000/1001`` … With ``project`` (the default) only the rates a project may use
        (:data:`FRAME_RATES`); without, any rate from 1/1000 to 1000 fps (a model's native 16 fps, a
        clip's 12.5). A bad value raises a ValidationError naming ``field`` and the supported rates."""
        if isinstance(value, FrameRate):
            fraction = value.fraction
            drop_frame = value.drop_frame if drop_frame is None else drop_frame
        else:
            fraction = _read(value, field, project=project)
        if project and fraction not in _LABELS:
            raise ValidationError(
                field,
                f"{value!r} is not a supported frame rate; use one of {_supported()} "
                "(or its ratio, e.g. 24000/1001)",
            )
        label = _LABELS.get(fraction)
        if drop_frame is None:
            drop_frame = label in DROP_FRAME_RATES
        return cls(fraction, drop_frame)

    @classmethod
    def from_rational(cls, value: Fraction | int | None, *, field: str = "fps") -> FrameRate:
        """The rate a media stream reports as a rational (PyAV's ``average_rate``/``base_rate``, or
        ``1 / time_base`` of an encoder), with NTSC rates snapped to the exact n*1000/1001."""
        try:
            fraction = Fraction(value)  # av's Fraction, numbers.Rational, int
        except (TypeError, ValueError, ZeroDivisionError):
            fraction = None
        if fraction is None or fraction <= 0:
            raise ValidationError(field, f"{value!r} is not a frame rate; it must be above 0")
        return cls(_snap(fraction))

    # -- what it is ----------------------------------------------------------------------------------
    @property
    def label(self) -> str:
        """The label users type for a project rate (``"23.976"``), else the exact ratio (``"16"``)."""
        return _LABELS.get(self.fraction) or str(self.fraction)

    @property
    def ratio(self) -> str:
        """The exact rate as text: ``"24"`` or ``"24000/1001"`` (canonical JSON, media rows)."""
        return str(self.fraction)

    @property
    def fps(self) -> float:
        return float(self.fraction)

    def __str__(self) -> str:
        return self.label


def _read(value: object, field: str, *, project: bool) -> Fraction:
    """The exact rate written as ``value`` (label, decimal, ratio or number), NTSC decimals snapped."""
    text = str(value).strip()
    if text in FRAME_RATES:
        return FRAME_RATES[text]
    try:
        fraction = value if isinstance(value, Fraction) else Fraction(text)
    except (ValueError, ZeroDivisionError):
        fraction = None
    if fraction is None or not 0 < fraction <= MAX_RATE:
        if project:
            problem = f"is not a supported frame rate; use one of {_supported()}"
        else:
            problem = f"is not a frame rate; give one above 0 up to {MAX_RATE}, e.g. {_supported()}"
        raise ValidationError(field, f"{value!r} {problem} (or its ratio, e.g. 24000/1001)")
    return _snap(fraction, exact=isinstance(value, Fraction) or "/" in text)


def opentime():
    """OpenTimelineIO's ``opentimelineio._opentime`` (``RationalTime``), loaded without running the
    package's ``__init__`` when that has not run yet. It is registered under its own name, so the package,
    when something imports it later (export, conform), takes this module as its ``_opentime``."""
    name = "opentimelineio._opentime"
    loaded = sys.modules.get(name)
    if loaded is not None:
        return loaded
    import importlib.machinery
    import importlib.util

    package = importlib.util.find_spec("opentimelineio")  # finding a top-level package runs nothing
    found = importlib.machinery.PathFinder.find_spec("_opentime", package.submodule_search_locations or [])
    if "opentimelineio" in sys.modules or found is None or found.origin is None:
        from opentimelineio import _opentime

        return _opentime
    spec = importlib.util.spec_from_file_location(name, found.origin)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def frames_to_timecode(frames: int, rate: FrameRate) -> str:
    """``HH:MM:SS:FF`` (``HH:MM:SS;FF`` when drop-frame) for a frame count at the project rate."""
    return opentime().RationalTime(frames, rate.fps).to_timecode(rate.fps, rate.drop_frame)


def timecode_to_frames(timecode: str, rate: FrameRate) -> int:
    """Frames for a timecode string at the project rate; a malformed string names the field."""
    # A timecode typed in a drop-frame project counts drop-frame whichever separator it uses.
    head, sep, frames = timecode.strip().replace(";", ":").rpartition(":")
    normalized = f"{head}{';' if rate.drop_frame else ':'}{frames}" if sep else timecode.strip()
    try:
        rt = opentime().RationalTime.from_timecode(normalized, rate.fps)
    except ValueError as exc:
        raise ValidationError(
            "timecode", f"{timecode!r} is not a timecode at {rate.label} fps ({exc})"
        ) from None
    return round(rt.value)


def seconds_to_frames(seconds: float | str, rate: FrameRate) -> int:
    """The whole frames nearest ``seconds`` (as written: ``2.5``, ``"0.1"``) at ``rate``, halves up:
    one rule for ``shot add --seconds``, a shot list's ``2.5s`` and a screenplay's estimates."""
    try:
        exact = Fraction(str(seconds).strip()) * rate.fraction
    except (ValueError, ZeroDivisionError):
        raise ValidationError("seconds", f"{seconds!r} is not a number of seconds") from None
    return math.floor(exact + Fraction(1, 2))


def frames_to_seconds(frames: int, rate: FrameRate) -> float:
    return float(frames / rate.fraction)
