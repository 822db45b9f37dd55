"""Strokes drawn onto frames: colour where the stroke is, nothing elsewhere, any frame size."""

from __future__ import annotations

import numpy as np
import pytest

from previz.core.strokes import PALETTE
from previz.media.strokes_draw import draw_strokes


def _close(pixel, rgb, tol=12) -> bool:
    return bool(np.all(np.abs(pixel.astype(int) - np.array(rgb)) <= tol))


@pytest.mark.parametrize(("w", "h"), [(320, 180), (1280, 720)])
def test_strokes_land_at_the_same_relative_place_at_any_size(w, h):
    frame = np.full((h, w, 3), 50, np.uint8)
    strokes = [
        {"kind": "pen", "colour": "red", "width": 40, "points": [[0.1, 0.5], [0.9, 0.5]]},
        {"kind": "rect", "colour": "green", "width": 40, "points": [[0.2, 0.1], [0.4, 0.3]]},
        {"kind": "ellipse", "colour": "#0000ff", "width": 40, "points": [[0.6, 0.05], [0.9, 0.35]]},
    ]
    out = draw_strokes(frame, strokes)
    assert np.all(frame == 50)  # the input is not drawn on
    assert _close(out[h // 2, w // 2], PALETTE["red"])
    assert _close(out[h // 2, int(w * 0.1) + 3], PALETTE["red"])
    assert _close(out[int(h * 0.2), int(w * 0.2) - 1 + (w // 320)], PALETTE["green"], tol=30)
    assert _close(out[int(h * 0.2), int(w * 0.3)], (50, 50, 50))  # inside the rectangle: untouched
    assert _close(out[int(h * 0.2), int(w * 0.75)], (50, 50, 50))  # inside the ellipse: untouched
    assert _close(out[int(h * 0.2), int(w * 0.9) - 1], (0, 0, 255), tol=40)  # its right edge
    assert _close(out[int(h * 0.8), int(w * 0.5)], (50, 50, 50))


def test_arrow_head_and_text():
    frame = np.zeros((360, 640, 3), np.uint8)
    arrow = {"kind": "arrow", "colour": "yellow", "width": 12, "points": [[0.1, 0.5], [0.6, 0.5]]}
    text = {"kind": "text", "colour": "cyan", "points": [[0.1, 0.1]], "text": "ÉCLAIR — plus", "size": 90}
    out = draw_strokes(frame, [arrow, text])
    row = int(0.5 * 359)
    tip_x = int(0.6 * 639)
    # The head is wider than the shaft: yellow above the line near the tip, not near the tail.
    assert _close(out[row - 6, tip_x - 16], PALETTE["yellow"], tol=40)
    assert _close(out[row - 6, int(0.2 * 639)], (0, 0, 0))
    assert _close(out[row, int(0.3 * 639)], PALETTE["yellow"])
    box = out[30:70, 60:400]
    cyan = np.all(np.abs(box.astype(int) - np.array(PALETTE["cyan"])) <= 20, axis=-1)
    assert cyan.sum() > 300  # the text is set in cyan in its box
    assert not np.any(out[200:, :] == PALETTE["cyan"][2])  # and nowhere else


def test_malformed_stored_strokes_are_skipped_when_drawing():
    frame = np.zeros((90, 160, 3), np.uint8)
    out = draw_strokes(
        frame,
        [
            {"kind": "pen", "points": "x"},
            {"kind": "rect", "colour": "white", "width": 30, "points": [[0, 0], [1, 1]]},
        ],
    )
    assert _close(out[0, 80], (255, 255, 255))
    with pytest.raises(ValueError, match="RGB uint8"):
        draw_strokes(np.zeros((4, 4), np.uint8), [])
