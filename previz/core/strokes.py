"""The vector drawing of a note: strokes over the frame the note is on.

A stroke is a plain dict (stored as JSON in ``note.strokes``)::

    {"kind": "pen", "colour": "red", "width": 4.0, "points": [[0.10, 0.20], [0.15, 0.22], ...]}
    {"kind": "arrow", "colour": "#ffcc00", "width": 6, "points": [[tail x, tail y], [head x, head y]]}
    {"kind": "rect" | "ellipse", "colour": "green", "width": 3, "points": [[x0, y0], [x1, y1]]}
    {"kind": "text", "colour": "white", "points": [[x, y]], "text": "too dark", "size": 36}

Points are normalised to the frame (0..1 from the left and from the top), so a drawing fits any frame
size. ``width`` and ``size`` are pixels on a frame 1080 pixels high (``REFERENCE_HEIGHT``) and scale with
the frame. Colours are a palette name (``PALETTE``) or ``#rrggbb``.

``validate_strokes`` is for input from a user or the API: the first problem raises a ValidationError that
names the stroke and the field. ``load_strokes`` is for reading a project that may be damaged: malformed
strokes are skipped with a warning each and the rest kept.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from previz.core.errors import ValidationError

#: The drawing tools.
KINDS = ("pen", "arrow", "rect", "ellipse", "text")
#: Palette colours by name (RGB).
PALETTE: dict[str, tuple[int, int, int]] = {
    "red": (235, 40, 40),
    "yellow": (250, 215, 30),
    "green": (40, 200, 70),
    "cyan": (30, 200, 230),
    "white": (255, 255, 255),
}
DEFAULT_COLOUR = "red"
DEFAULT_WIDTH = 4.0
DEFAULT_TEXT_SIZE = 36.0
#: ``width`` and ``size`` are pixels at this frame height.
REFERENCE_HEIGHT = 1080
MAX_WIDTH = 100.0
MAX_TEXT_SIZE = 400.0
MAX_TEXT = 500
MAX_POINTS = 20_000
MAX_STROKES = 1_000
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
_FIELDS = {"kind", "colour", "color", "width", "points", "text", "size"}
#: How many points each kind takes: (at least, at most).
_POINT_COUNT = {"pen": (2, MAX_POINTS), "arrow": (2, 2), "rect": (2, 2), "ellipse": (2, 2), "text": (1, 1)}


def colour_rgb(colour: str) -> tuple[int, int, int]:
    """The RGB of a palette name or ``#rrggbb`` (assumed valid)."""
    if colour in PALETTE:
        return PALETTE[colour]
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _number(where: str, value: Any, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValidationError(where, f"{value!r} is not a number")
    if not lo <= value <= hi:
        raise ValidationError(where, f"{value:g} is out of range; use {lo:g} to {hi:g}")
    return float(value)


def _colour(where: str, value: Any) -> str:
    if value is None:
        return DEFAULT_COLOUR
    if isinstance(value, str):
        key = value.strip().lower()
        if key in PALETTE or _HEX.match(key):
            return key
    names = ", ".join(PALETTE)
    raise ValidationError(where, f"{value!r} is not a colour; use one of {names} or #rrggbb")


def _points(where: str, value: Any, kind: str) -> list[list[float]]:
    lo, hi = _POINT_COUNT[kind]
    if not isinstance(value, (list, tuple)):
        raise ValidationError(where, "expected a list of [x, y] points")
    if not lo <= len(value) <= hi:
        wanted = f"exactly {lo}" if lo == hi else f"{lo} to {hi}"
        raise ValidationError(where, f"a {kind} stroke takes {wanted} points, got {len(value)}")
    out = []
    for j, point in enumerate(value):
        if not isinstance(point, (list, tuple)) or len(point) != 2:
            raise ValidationError(f"{where}[{j}]", f"{point!r} is not an [x, y] pair")
        x = _number(f"{where}[{j}]", point[0], 0.0, 1.0)
        y = _number(f"{where}[{j}]", point[1], 0.0, 1.0)
        out.append([round(x, 6), round(y, 6)])
    return out


def validate_stroke(value: Any, index: int = 0) -> dict[str, Any]:
    """One stroke checked and normalised; a ValidationError names ``strokes[index].field``."""
    where = f"strokes[{index}]"
    if not isinstance(value, dict):
        raise ValidationError(where, f"expected an object with kind, colour and points, got {value!r:.40}")
    unknown = sorted(set(value) - _FIELDS)
    if unknown:
        raise ValidationError(
            f"{where}.{unknown[0]}", "is not a stroke field; use kind, colour, width, points, text or size"
        )
    kind = value.get("kind")
    if kind not in KINDS:
        raise ValidationError(f"{where}.kind", f"{kind!r} is not one of: {', '.join(KINDS)}")
    stroke: dict[str, Any] = {
        "kind": kind,
        "colour": _colour(f"{where}.colour", value.get("colour", value.get("color"))),
    }
    if "points" not in value:
        raise ValidationError(f"{where}.points", "is missing; give [[x, y], ...] normalised to 0..1")
    stroke["points"] = _points(f"{where}.points", value["points"], kind)
    if kind == "text":
        body = value.get("text")
        if not isinstance(body, str) or not body.strip():
            raise ValidationError(f"{where}.text", "a text stroke needs non-empty text")
        if len(body) > MAX_TEXT:
            raise ValidationError(f"{where}.text", f"is {len(body)} characters; at most {MAX_TEXT}")
        stroke["text"] = body.strip()
        size = value.get("size", DEFAULT_TEXT_SIZE)
        stroke["size"] = _number(f"{where}.size", size, 4.0, MAX_TEXT_SIZE)
    else:
        if "text" in value or "size" in value:
            field = "text" if "text" in value else "size"
            raise ValidationError(f"{where}.{field}", f"only text strokes have {field}")
        stroke["width"] = _number(f"{where}.width", value.get("width", DEFAULT_WIDTH), 0.5, MAX_WIDTH)
    return stroke


def validate_strokes(value: Any) -> list[dict[str, Any]]:
    """A stroke list (or its JSON text) checked and normalised; the first problem raises a
    ValidationError naming the stroke index and field. ``None`` is no strokes."""
    if value is None:
        return []
    if isinstance(value, (str, bytes)):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            where = _json_error_field(exc.doc, exc.pos)
            near = exc.doc[exc.pos : exc.pos + 16].split("\n")[0].strip()
            at = (f"in {where}, " if where != "strokes" else "") + (f"at {near!r}" if near else "at the end")
            line = f" on line {exc.lineno}" if exc.lineno > 1 else ""
            raise ValidationError("strokes", f"not valid JSON {at}{line} ({exc.msg})") from None
        except ValueError as exc:  # bytes that are not UTF-8
            raise ValidationError("strokes", f"not valid JSON ({exc})") from None
    if not isinstance(value, (list, tuple)):
        raise ValidationError("strokes", f"expected a list of strokes, got {type(value).__name__}")
    if len(value) > MAX_STROKES:
        raise ValidationError("strokes", f"{len(value)} strokes; at most {MAX_STROKES} per note")
    return [validate_stroke(s, i) for i, s in enumerate(value)]


def _json_error_field(text: str, pos: int) -> str:
    """Where in a stroke list the JSON text breaks at ``pos``: ``strokes[2].points`` (the stroke and
    the field being read, or just read, when it broke), ``strokes[2]`` or ``strokes``."""
    depth, index, key, last_string = 0, 0, None, None
    in_string = escaped = False
    start = 0
    for i, ch in enumerate(text[:pos]):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
                last_string = text[start:i]
            continue
        if ch == '"':
            in_string, start = True, i + 1
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
            if depth == 1:
                key = None
        elif ch == "," and depth == 1:
            index, key = index + 1, None
        elif ch == ":" and depth == 2:
            key = last_string
    if depth < 1 or not text.lstrip().startswith("["):
        return "strokes"
    where = f"strokes[{index}]"
    return f"{where}.{key}" if depth >= 2 and key is not None else where


def load_strokes(value: Any, where: str = "note") -> tuple[list[dict[str, Any]], list[str]]:
    """Strokes as stored in a possibly damaged project: ``(good strokes, warnings)``. Unreadable JSON
    or a value that is not a list gives no strokes and one warning; each malformed stroke is skipped with
    a warning naming it; the rest are kept."""
    if value is None or value == "":
        return [], []
    if isinstance(value, (str, bytes)):
        try:
            value = json.loads(value)
        except ValueError as exc:
            return [], [f"{where}: its drawing is not readable JSON ({exc}); the drawing is not shown"]
    if not isinstance(value, (list, tuple)):
        return [], [f"{where}: its drawing is a {type(value).__name__}, not a list; the drawing is not shown"]
    strokes, warnings = [], []
    for i, item in enumerate(value[:MAX_STROKES]):
        try:
            strokes.append(validate_stroke(item, i))
        except ValidationError as exc:
            warnings.append(f"{where}: skipped a malformed stroke ({exc.one_line()})")
    if len(value) > MAX_STROKES:
        warnings.append(f"{where}: only the first {MAX_STROKES} of {len(value)} strokes are shown")
    return strokes, warnings
