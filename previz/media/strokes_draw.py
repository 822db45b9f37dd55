"""Drawing a note's vector strokes (``previz.core.strokes``) onto an RGB frame with OpenCV.

Points are normalised to the frame, widths and text sizes are pixels at a 1080-line frame, so the same
drawing lands in the same place, at the same relative weight, on a 320x180 proxy and a 4K frame. Lines
are anti-aliased (``cv2.LINE_AA``); arrows get a filled head sized from the line width; text is set in
the bundled DejaVu Sans (``previz.media.text``) with a thin dark outline so it reads on light pictures.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from previz.core.strokes import REFERENCE_HEIGHT, colour_rgb, load_strokes
from previz.media.text import layered_patch, text_mask

#: Sub-pixel precision of the OpenCV calls (coordinates are multiplied by 2**SHIFT).
SHIFT = 4
_ONE = 1 << SHIFT


def _scale(frame: np.ndarray) -> float:
    return frame.shape[0] / REFERENCE_HEIGHT


def _px(frame: np.ndarray, point: list[float]) -> tuple[float, float]:
    h, w = frame.shape[:2]
    return point[0] * (w - 1), point[1] * (h - 1)


def _fixed(xy: tuple[float, float]) -> tuple[int, int]:
    return round(xy[0] * _ONE), round(xy[1] * _ONE)


def _thickness(frame: np.ndarray, width: float) -> int:
    return max(1, round(width * _scale(frame)))


def _arrow(frame: np.ndarray, tail, head, colour, thickness: int) -> None:
    (x0, y0), (x1, y1) = tail, head
    length = float(np.hypot(x1 - x0, y1 - y0))
    if length < 1e-6:
        cv2.circle(frame, _fixed(head), max(1, thickness) * _ONE, colour, -1, cv2.LINE_AA, SHIFT)
        return
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    head_len = min(length, max(8.0, thickness * 5.0))
    half = head_len * 0.6
    bx, by = x1 - ux * head_len, y1 - uy * head_len
    # The shaft stops inside the head so its round end does not poke through the tip.
    cv2.line(frame, _fixed((x0, y0)), _fixed((bx + ux, by + uy)), colour, thickness, cv2.LINE_AA, SHIFT)
    tri = np.array(
        [
            _fixed((x1, y1)),
            _fixed((bx - uy * half, by + ux * half)),
            _fixed((bx + uy * half, by - ux * half)),
        ],
        np.int32,
    )
    cv2.fillConvexPoly(frame, tri, colour, cv2.LINE_AA, SHIFT)


def _text(frame: np.ndarray, stroke: dict[str, Any], colour) -> None:
    size = max(6, round(stroke.get("size", 36) * _scale(frame)))
    mask = text_mask(stroke["text"], size, "bold").astype(np.float32) / 255.0
    pad = max(1, round(size / 18))
    h, w = mask.shape[0] + 2 * pad, mask.shape[1] + 2 * pad
    ink = np.zeros((h, w), np.float32)
    ink[pad : pad + mask.shape[0], pad : pad + mask.shape[1]] = mask
    outline = cv2.dilate(ink, np.ones((2 * pad + 1, 2 * pad + 1), np.uint8)) * 0.8
    patch = layered_patch([(outline, (0, 0, 0)), (ink, colour)])
    x, y = _px(frame, stroke["points"][0])
    patch.blend(frame, round(x) - pad, round(y) - pad)


def draw_stroke(frame: np.ndarray, stroke: dict[str, Any]) -> None:
    """Draw one validated stroke onto ``frame`` (RGB uint8, in place)."""
    colour = tuple(int(c) for c in colour_rgb(stroke["colour"]))
    kind = stroke["kind"]
    if kind == "text":
        _text(frame, stroke, colour)
        return
    thickness = _thickness(frame, stroke["width"])
    points = [_px(frame, p) for p in stroke["points"]]
    if kind == "pen":
        pts = np.array([_fixed(p) for p in points], np.int32).reshape(-1, 1, 2)
        cv2.polylines(frame, [pts], False, colour, thickness, cv2.LINE_AA, SHIFT)
    elif kind == "arrow":
        _arrow(frame, points[0], points[1], colour, thickness)
    elif kind == "rect":
        (x0, y0), (x1, y1) = points
        corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
        pts = np.array([_fixed(p) for p in corners], np.int32).reshape(-1, 1, 2)
        cv2.polylines(frame, [pts], True, colour, thickness, cv2.LINE_AA, SHIFT)
    elif kind == "ellipse":
        (x0, y0), (x1, y1) = points
        centre = _fixed(((x0 + x1) / 2, (y0 + y1) / 2))
        axes = (max(1, round(abs(x1 - x0) / 2 * _ONE)), max(1, round(abs(y1 - y0) / 2 * _ONE)))
        cv2.ellipse(frame, centre, axes, 0, 0, 360, colour, thickness, cv2.LINE_AA, SHIFT)
    else:  # pragma: no cover - validate_stroke admits only the kinds above
        raise ValueError(f"unknown stroke kind {kind!r}")


def draw_strokes(rgb_frame: np.ndarray, strokes: list[Any], *, copy: bool = True) -> np.ndarray:
    """``rgb_frame`` with ``strokes`` drawn on it (a copy unless ``copy=False``). Strokes that are not
    valid are skipped (as when reading a damaged project), so drawing never fails on stored data."""
    frame = np.ascontiguousarray(rgb_frame.copy() if copy else rgb_frame)
    if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
        raise ValueError("draw_strokes needs an RGB uint8 frame of shape (height, width, 3)")
    good, _ = load_strokes(list(strokes or []))
    for stroke in good:
        draw_stroke(frame, stroke)
    return frame
