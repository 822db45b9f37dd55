"""``GenerationRequest``: everything that determines a generated clip, and its cache key.

Two requests with the same canonical JSON produce the same pixels (same backend, model, revision,
prompt, size, frames, fps, seed, steps, guidance, conditioning images, extras, speed preset and its
options), so the SHA-256 of that JSON is the cache key an identical request reuses a take by. This module
imports no torch.

The speed preset (``preset``) and its resolved options (``speed``, see ``previz.generation.presets``) are
left out of the canonical JSON when they are the plain ``final`` with no options, so requests and cache
keys made before presets existed are still valid (and still mean ``final``).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from fractions import Fraction
from typing import Any

from previz.core.errors import GenerationError, ValidationError
from previz.core.timecode import FrameRate
from previz.generation.presets import FINAL, check_preset

BACKENDS = ("animatic", "diffusers")
MODES = ("t2v", "i2v", "flf2v")
SCHEMA_VERSION = 1
_HASH_RE = re.compile(r"^[0-9a-f]{64}$")

ExtraValue = str | int | float | bool | None | tuple
Extras = tuple[tuple[str, ExtraValue], ...]


def _freeze_value(key: str, value: Any) -> ExtraValue:
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise GenerationError(f"extras.{key}: {value!r} is not a finite number")
        return value
    if isinstance(value, (list, tuple)):
        return tuple(_freeze_value(key, v) for v in value)
    raise GenerationError(
        f"extras.{key}: {type(value).__name__} values are not allowed; use text, numbers, booleans or lists"
    )


def freeze_extras(extras: Mapping[str, Any] | Iterable[tuple[str, Any]] | None) -> Extras:
    """Extras as a sorted tuple of ``(key, value)`` pairs with JSON-scalar (or tuple) values."""
    if extras is None:
        return ()
    items = extras.items() if isinstance(extras, Mapping) else extras
    frozen: dict[str, ExtraValue] = {}
    for key, value in items:
        if not isinstance(key, str) or not key:
            raise GenerationError(f"extras: key {key!r} must be a non-empty string")
        frozen[key] = _freeze_value(key, value)
    return tuple(sorted(frozen.items()))


def _thaw(value: ExtraValue) -> Any:
    return [_thaw(v) for v in value] if isinstance(value, tuple) else value


@dataclass(frozen=True)
class GenerationRequest:
    """One shot's generation, fully specified. ``steps``/``guidance`` ``None`` mean the family default."""

    backend: str
    mode: str = "t2v"
    model: str = ""
    revision: str = ""
    prompt: str = ""
    negative_prompt: str = ""
    width: int = 1280
    height: int = 720
    frames: int = 49
    fps: str = "24"
    seed: int = 0
    steps: int | None = None
    guidance: float | None = None
    image: str | None = None
    last_image: str | None = None
    extras: Extras = field(default=())
    #: The speed preset (final, balanced, draft) and the concrete options it resolved to.
    preset: str = FINAL
    speed: Extras = field(default=())

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise GenerationError(f"backend: {self.backend!r} is not one of {', '.join(BACKENDS)}")
        if self.mode not in MODES:
            raise GenerationError(f"mode: {self.mode!r} is not one of {', '.join(MODES)}")
        for name in ("width", "height", "frames"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise GenerationError(f"{name}: {value!r} must be a positive whole number")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed < 2**63:
            raise GenerationError(f"seed: {self.seed!r} must be a whole number from 0 to 2**63-1")
        if self.steps is not None and (not isinstance(self.steps, int) or self.steps <= 0):
            raise GenerationError(f"steps: {self.steps!r} must be a positive whole number")
        if self.guidance is not None:
            if not isinstance(self.guidance, (int, float)) or not math.isfinite(self.guidance):
                raise GenerationError(f"guidance: {self.guidance!r} must be a number")
            object.__setattr__(self, "guidance", float(self.guidance))
        for name in ("image", "last_image"):
            value = getattr(self, name)
            if value is not None and not _HASH_RE.match(str(value)):
                raise GenerationError(f"{name}: {value!r} is not a media hash (64 lower-case hex digits)")
        try:
            rate = FrameRate.parse(self.fps, project=False)
        except ValidationError as exc:
            raise GenerationError(exc.one_line()) from None
        object.__setattr__(self, "fps", rate.ratio)
        object.__setattr__(self, "extras", freeze_extras(self.extras))
        object.__setattr__(self, "preset", check_preset(self.preset))
        try:
            object.__setattr__(self, "speed", freeze_extras(self.speed))
        except GenerationError as exc:
            raise GenerationError("speed: " + exc.one_line().removeprefix("extras")) from None

    # -- derived values -------------------------------------------------------------------------------
    @property
    def fps_fraction(self) -> Fraction:
        return Fraction(self.fps)

    @property
    def duration_s(self) -> float:
        return float(self.frames / self.fps_fraction)

    def extra(self, key: str, default: Any = None) -> Any:
        """The value of one extra (lists come back as lists), or ``default``."""
        for name, value in self.extras:
            if name == key:
                return _thaw(value)
        return default

    def extras_dict(self) -> dict[str, Any]:
        return {k: _thaw(v) for k, v in self.extras}

    def speed_options(self) -> dict[str, Any]:
        """The resolved speed options (``{}`` for plain ``final``)."""
        return {k: _thaw(v) for k, v in self.speed}

    def speed_option(self, key: str, default: Any = None) -> Any:
        return self.speed_options().get(key, default)

    def with_changes(self, **changes: Any) -> GenerationRequest:
        for name in ("extras", "speed"):
            if name in changes and isinstance(changes[name], Mapping):
                changes[name] = freeze_extras(changes[name])
        return replace(self, **changes)

    def image_hashes(self) -> dict[str, str]:
        """The conditioning images this request needs: ``{"image": hash, "last_image": hash}``."""
        return {n: h for n in ("image", "last_image") if (h := getattr(self, n)) is not None}

    # -- serialisation --------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"schema": SCHEMA_VERSION}
        for f in fields(self):
            value = getattr(self, f.name)
            data[f.name] = {k: _thaw(v) for k, v in value} if f.name in ("extras", "speed") else value
        if self.preset == FINAL and not self.speed:  # plain diffusers: the JSON (and key) of before presets
            del data["preset"], data["speed"]
        return data

    def to_json(self) -> str:
        """Canonical JSON: sorted keys, no spaces, UTF-8 text; equal requests give equal strings."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GenerationRequest:
        data = dict(data)
        schema = data.pop("schema", SCHEMA_VERSION)
        if schema != SCHEMA_VERSION:
            raise GenerationError(f"schema: request schema {schema!r} is not supported (expected 1)")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise GenerationError(f"{unknown[0]}: not a field of a generation request")
        if "backend" not in data:
            raise GenerationError("backend: missing from the request")
        return cls(**data)

    @classmethod
    def from_json(cls, text: str) -> GenerationRequest:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise GenerationError(f"request: not valid JSON ({exc.msg} at line {exc.lineno})") from exc
        if not isinstance(data, dict):
            raise GenerationError("request: the JSON must be an object")
        return cls.from_dict(data)

    def cache_key(self) -> str:
        """SHA-256 hex of the canonical JSON."""
        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()
