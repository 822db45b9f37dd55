"""Draw the sample project's storyboard panels from shotlist.csv (run once; the PNGs are committed).

    python resources/sample/make_boards.py [--shotlist CSV] [--out DIR]

One 1280x720 pencil-sketch panel per shot, named by shot code (scene "2A", shot 10 -> 002A_0010.png):
a horizon with perspective lines, simple figures sized by the shot size (a CU is a big head, an EWS
tiny figures), props picked from words in the description, a frame border, and an arrow for the
camera move. Deterministic: each panel's random wobble is seeded from its shot code.
"""

from __future__ import annotations

import argparse
import csv
import math
import re
import zlib
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

W, H = 1280, 720
PAPER = 244
INK = (58, 58, 62)
SOFT = (150, 150, 155)
ARROW = (170, 60, 50)  # the one accent colour (RGB): camera-move arrows, as on printed boards
HERE = Path(__file__).resolve().parent
PEOPLE = ("mara", "jonah", " she ", " he ", " her ", " his ", "hand")


def shot_code(scene: str, shot: str) -> str:
    match = re.fullmatch(r"(\d+)([A-Za-z]*)", scene.strip())
    if not match:
        raise SystemExit(f"shotlist: scene {scene!r} is not a number with an optional letter suffix")
    return f"{int(match.group(1)):03d}{match.group(2).upper()}_{int(float(shot)):04d}"


class Sketch:
    """A panel being drawn: pencil strokes are jittered double passes of anti-aliased polylines."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.img = np.full((H, W, 3), PAPER, np.uint8)

    def line(self, points, tone=INK, width=2, passes=2, wobble=1.6) -> None:
        pts = np.asarray(points, np.float64)
        dense = [pts[0]]
        for a, b in zip(pts[:-1], pts[1:], strict=True):
            steps = max(1, int(np.hypot(*(b - a)) / 40))
            for k in range(1, steps + 1):
                dense.append(a + (b - a) * k / steps)
        dense = np.asarray(dense)
        for p in range(passes):
            jitter = (
                self.rng.normal(0, wobble, dense.shape) if p else self.rng.normal(0, wobble / 2, dense.shape)
            )
            poly = np.round((dense + jitter) * 4).astype(np.int32)  # 2 bits of sub-pixel precision
            colour = tuple(int(c + (30 if p else 0)) for c in tone)
            cv2.polylines(self.img, [poly], False, colour, max(1, width - p), cv2.LINE_AA, shift=2)

    def fill(self, points) -> None:
        """Paper-fill a polygon so that what is drawn next hides the background behind it."""
        pts = np.round(np.asarray(points, np.float64) * 4).astype(np.int32)
        cv2.fillPoly(self.img, [pts], (PAPER, PAPER, PAPER), cv2.LINE_AA, shift=2)

    def disc(self, centre, radius) -> None:
        cv2.circle(
            self.img, (round(centre[0]), round(centre[1])), round(radius), (PAPER,) * 3, -1, cv2.LINE_AA
        )

    def circle(self, centre, radius, tone=INK, width=2) -> None:
        angles = np.linspace(0, 2 * math.pi * 1.04, max(16, int(radius / 3)))
        pts = [(centre[0] + radius * math.cos(a), centre[1] + radius * math.sin(a)) for a in angles]
        self.line(pts, tone, width)

    def hatch(self, x0, y0, x1, y1, spacing=14, tone=SOFT, angle=1.0) -> None:
        """Diagonal shading strokes clipped to a rectangle."""
        x0, x1 = max(0, x0), min(W, x1)
        y0, y1 = max(0, y0), min(H, y1)
        if x1 <= x0 or y1 <= y0:
            return
        span = (y1 - y0) * angle
        for x in np.arange(x0 - span, x1, spacing):
            a = (x, y1)
            b = (x + span, y0)
            ax, bx = np.clip([a[0], b[0]], x0, x1)
            if bx - ax < 4:
                continue
            ay = y1 - (ax - x) / angle
            by = y1 - (bx - x) / angle
            self.line([(ax, ay), (bx, by)], tone, 1, passes=1, wobble=0.8)

    def text(self, text, org, scale=0.7, tone=INK, thick=1) -> None:
        cv2.putText(self.img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, tone, thick, cv2.LINE_AA)


def figure(s: Sketch, cx: float, foot_y: float, height: float, facing: float = 0.0) -> None:
    """A stick-and-volume figure: circle head, neck, torso, arms and legs (all proportional)."""
    head_r = height * 0.075
    head = (cx, foot_y - height + head_r)
    s.disc(head, head_r)
    s.fill(
        [
            (cx - height * 0.12, foot_y - height * 0.83),
            (cx + height * 0.12, foot_y - height * 0.83),
            (cx + height * 0.09, foot_y - height * 0.47),
            (cx - height * 0.09, foot_y - height * 0.47),
        ]
    )
    s.circle(head, head_r)
    s.line([(head[0] - head_r * 0.8, head[1]), (head[0] + head_r * 0.8, head[1])], SOFT, 1, passes=1)
    s.line(
        [
            (head[0] + facing * head_r * 0.6, head[1] - head_r),
            (head[0] + facing * head_r * 0.6, head[1] + head_r),
        ],
        SOFT,
        1,
        passes=1,
    )
    neck = (cx, head[1] + head_r)
    hip = (cx, foot_y - height * 0.47)
    shoulder_w = height * 0.12
    s.line([(cx - shoulder_w, neck[1] + height * 0.04), (cx + shoulder_w, neck[1] + height * 0.04)], INK, 3)
    s.line(
        [
            (cx - shoulder_w, neck[1] + height * 0.04),
            (cx - shoulder_w * 0.7, hip[1]),
            (cx + shoulder_w * 0.7, hip[1]),
            (cx + shoulder_w, neck[1] + height * 0.04),
        ],
        INK,
        2,
    )
    for side in (-1, 1):
        s.line(
            [
                (cx + side * shoulder_w, neck[1] + height * 0.05),
                (cx + side * shoulder_w * 1.4, hip[1] - height * 0.05),
                (cx + side * shoulder_w * 1.2, hip[1] + height * 0.08),
            ],
            INK,
            2,
        )
        s.line(
            [
                (cx + side * shoulder_w * 0.5, hip[1]),
                (cx + side * shoulder_w * 0.8, foot_y - height * 0.24),
                (cx + side * shoulder_w * 0.9, foot_y),
            ],
            INK,
            2,
        )


def bust(s: Sketch, cx: float, head_y: float, head_r: float, facing: float = 0.3) -> None:
    """Head and shoulders for MS/MCU/CU/ECU: the head circle with face guide lines, neck, shoulders."""
    neck_w = head_r * 0.45
    sh_y = head_y + head_r * 1.45
    s.fill(
        [
            (cx - head_r * 2.6, H + 10),
            (cx - head_r * 2.2, sh_y + head_r * 0.3),
            (cx - neck_w, sh_y),
            (cx - neck_w, head_y),
            (cx + neck_w, head_y),
            (cx + neck_w, sh_y),
            (cx + head_r * 2.2, sh_y + head_r * 0.3),
            (cx + head_r * 2.6, H + 10),
        ]
    )
    s.disc((cx, head_y), head_r)
    s.circle((cx, head_y), head_r, INK, 3)
    # face guides: the eye line and the centre line curving with the direction the face turns
    s.line(
        [(cx - head_r * 0.95, head_y + head_r * 0.05), (cx + head_r * 0.95, head_y + head_r * 0.05)],
        SOFT,
        2,
        passes=1,
    )
    cl = [
        (cx + facing * head_r * 0.7 * math.cos(t), head_y + head_r * math.sin(t))
        for t in np.linspace(-1.4, 1.4, 12)
    ]
    s.line(cl, SOFT, 2, passes=1)
    for side in (-1, 1):  # eyes
        ex = cx + facing * head_r * 0.5 + side * head_r * 0.35
        s.line([(ex - head_r * 0.12, head_y), (ex + head_r * 0.12, head_y)], INK, 3, passes=1)
    s.line([(cx - neck_w, head_y + head_r * 0.85), (cx - neck_w, head_y + head_r * 1.35)], INK, 3)
    s.line([(cx + neck_w, head_y + head_r * 0.85), (cx + neck_w, head_y + head_r * 1.35)], INK, 3)
    s.line(
        [(cx - head_r * 2.6, H + 10), (cx - head_r * 2.2, sh_y + head_r * 0.3), (cx - neck_w, sh_y)], INK, 3
    )
    s.line(
        [(cx + head_r * 2.6, H + 10), (cx + head_r * 2.2, sh_y + head_r * 0.3), (cx + neck_w, sh_y)], INK, 3
    )
    s.hatch(int(cx - head_r * 2.5), int(sh_y + head_r * 0.4), int(cx - head_r * 1.2), H, 12)


def lighthouse(s: Sketch, cx: float, base_y: float, height: float, lit: bool) -> None:
    top_w, base_w = height * 0.09, height * 0.16
    top_y = base_y - height
    s.fill([(cx - base_w, base_y), (cx - top_w, top_y), (cx + top_w, top_y), (cx + base_w, base_y)])
    s.line([(cx - base_w, base_y), (cx - top_w, top_y), (cx + top_w, top_y), (cx + base_w, base_y)], INK, 3)
    for k in (0.3, 0.6):  # bands
        y = base_y - height * k
        w = base_w + (top_w - base_w) * k
        s.line([(cx - w, y), (cx + w, y)], SOFT, 2, passes=1)
    lamp_h = height * 0.14
    s.line(
        [
            (cx - top_w * 0.8, top_y),
            (cx - top_w * 0.8, top_y - lamp_h),
            (cx + top_w * 0.8, top_y - lamp_h),
            (cx + top_w * 0.8, top_y),
        ],
        INK,
        2,
    )
    s.line(
        [(cx - top_w * 1.1, top_y - lamp_h), (cx, top_y - lamp_h * 1.6), (cx + top_w * 1.1, top_y - lamp_h)],
        INK,
        2,
    )
    s.line([(cx - top_w * 1.3, top_y), (cx + top_w * 1.3, top_y)], INK, 3)
    if lit:
        ly = top_y - lamp_h / 2
        for sgn in (-1, 1):
            s.line([(cx + sgn * top_w, ly), (cx + sgn * W * 0.45, ly - height * 0.12)], SOFT, 1, passes=1)
            s.line([(cx + sgn * top_w, ly), (cx + sgn * W * 0.45, ly + height * 0.05)], SOFT, 1, passes=1)


def rocks(s: Sketch, cx: float, y: float, width: float) -> None:
    pts = [
        (cx - width / 2 + width * t, y - s.rng.uniform(0, width * 0.08) * math.sin(math.pi * t))
        for t in np.linspace(0, 1, 9)
    ]
    s.line(pts, INK, 2)
    s.hatch(int(cx - width / 2), int(y - width * 0.05), int(cx + width / 2), int(y + 18), 10)


def waves(s: Sketch, y0: float, y1: float, rows: int = 5, amp: float = 6.0) -> None:
    for k in range(rows):
        y = y0 + (y1 - y0) * k / max(1, rows - 1)
        phase = s.rng.uniform(0, 6)
        length = s.rng.uniform(60, 110)
        xs = np.linspace(0, W, 60)
        s.line([(x, y + amp * (1 + k * 0.3) * math.sin(x / length + phase)) for x in xs], SOFT, 1, passes=1)


def boat(s: Sketch, cx: float, y: float, size: float) -> None:
    s.fill(
        [
            (cx - size, y - size * 0.25),
            (cx - size * 0.8, y + size * 0.1),
            (cx + size * 0.75, y + size * 0.1),
            (cx + size * 1.05, y - size * 0.3),
        ]
    )
    s.line(
        [
            (cx - size, y - size * 0.25),
            (cx - size * 0.8, y + size * 0.1),
            (cx + size * 0.75, y + size * 0.1),
            (cx + size * 1.05, y - size * 0.3),
        ],
        INK,
        3,
    )
    s.line(
        [
            (cx - size * 0.3, y - size * 0.2),
            (cx - size * 0.3, y - size * 0.6),
            (cx + size * 0.25, y - size * 0.6),
            (cx + size * 0.25, y - size * 0.2),
        ],
        INK,
        2,
    )
    s.line([(cx + size * 0.5, y - size * 0.25), (cx + size * 0.5, y - size * 1.3)], INK, 2)
    for lx in (cx - size * 0.9, cx + size * 0.9):
        s.circle((lx, y - size * 0.3), max(3, size * 0.05), INK, 2)


def rain(s: Sketch, density: int = 70) -> None:
    for _ in range(density):
        x, y = s.rng.uniform(0, W), s.rng.uniform(0, H)
        s.line([(x, y), (x - 14, y + 36)], SOFT, 1, passes=1, wobble=0.3)


def lantern(s: Sketch, cx: float, cy: float, size: float, lit: bool) -> None:
    s.fill(
        [
            (cx - size * 0.5, cy - size * 0.7),
            (cx - size * 0.5, cy + size * 0.7),
            (cx + size * 0.5, cy + size * 0.7),
            (cx + size * 0.5, cy - size * 0.7),
        ]
    )
    s.line(
        [
            (cx - size * 0.5, cy - size * 0.7),
            (cx - size * 0.5, cy + size * 0.7),
            (cx + size * 0.5, cy + size * 0.7),
            (cx + size * 0.5, cy - size * 0.7),
            (cx - size * 0.5, cy - size * 0.7),
        ],
        INK,
        3,
    )
    s.line(
        [(cx - size * 0.6, cy - size * 0.7), (cx, cy - size * 1.05), (cx + size * 0.6, cy - size * 0.7)],
        INK,
        3,
    )
    s.circle((cx, cy - size * 1.15), size * 0.12, INK, 2)
    s.circle((cx, cy + size * 0.1), size * 0.22, INK if lit else SOFT, 2)
    if lit:
        for a in np.linspace(0, 2 * math.pi, 12, endpoint=False):
            r0, r1 = size * 0.3, size * 0.45
            s.line(
                [
                    (cx + r0 * math.cos(a), cy + size * 0.1 + r0 * math.sin(a)),
                    (cx + r1 * math.cos(a), cy + size * 0.1 + r1 * math.sin(a)),
                ],
                SOFT,
                1,
                passes=1,
            )
    else:
        s.hatch(int(cx - size * 0.5), int(cy - size * 0.7), int(cx + size * 0.5), int(cy + size * 0.7), 16)


def hand(s: Sketch, cx: float, cy: float, size: float) -> None:
    """A hand entering from the lower right: palm and four fingers reaching up-left, a thumb."""
    s.line(
        [(W + 20, cy + size * 1.4), (cx + size * 0.4, cy + size * 0.5), (cx - size * 0.2, cy + size * 0.2)],
        INK,
        3,
    )
    s.line(
        [(W + 20, cy + size * 2.0), (cx + size * 0.6, cy + size * 1.0), (cx + size * 0.1, cy + size * 0.9)],
        INK,
        3,
    )
    for k in range(4):
        base = (cx - size * 0.2 + k * size * 0.12, cy + size * 0.2 + k * size * 0.2)
        s.line(
            [
                base,
                (base[0] - size * 0.55, base[1] - size * 0.25),
                (base[0] - size * 0.7, base[1] - size * 0.05),
            ],
            INK,
            2,
        )
    s.line(
        [
            (cx + size * 0.1, cy + size * 0.9),
            (cx - size * 0.35, cy + size * 1.0),
            (cx - size * 0.5, cy + size * 0.85),
        ],
        INK,
        2,
    )


def valve(s: Sketch, cx: float, cy: float, r: float) -> None:
    s.circle((cx, cy), r, INK, 3)
    s.circle((cx, cy), r * 0.18, INK, 2)
    for a in np.linspace(0, math.pi, 3, endpoint=False):
        s.line(
            [(cx - r * math.cos(a), cy - r * math.sin(a)), (cx + r * math.cos(a), cy + r * math.sin(a))],
            INK,
            2,
        )
    s.line([(cx - r * 2.5, cy + r * 1.4), (cx + r * 2.5, cy + r * 1.4)], INK, 3)  # the pipe
    s.line([(cx - r * 2.5, cy + r * 1.9), (cx + r * 2.5, cy + r * 1.9)], INK, 3)
    s.line(
        [
            (cx + r * 0.9, cy - r * 0.9),
            (cx + r * 1.5, cy - r * 1.3),
            (cx + r * 1.8, cy - r * 0.8),
            (cx + r * 1.2, cy - r * 0.5),
        ],
        INK,
        2,
    )  # tag


def ship_wheel(s: Sketch, cx: float, cy: float, r: float) -> None:
    s.disc((cx, cy), r * 1.3)
    s.circle((cx, cy), r, INK, 3)
    s.circle((cx, cy), r * 0.2, INK, 2)
    for a in np.linspace(0, 2 * math.pi, 8, endpoint=False):
        c, d = math.cos(a), math.sin(a)
        s.line([(cx + c * r * 0.2, cy + d * r * 0.2), (cx + c * r * 1.3, cy + d * r * 1.3)], INK, 3)


def window_grid(s: Sketch, x0: float, y0: float, x1: float, y1: float, cols: int = 4, rows: int = 2) -> None:
    for k in range(cols + 1):
        x = x0 + (x1 - x0) * k / cols
        s.line([(x, y0), (x, y1)], INK, 2)
    for k in range(rows + 1):
        y = y0 + (y1 - y0) * k / rows
        s.line([(x0, y), (x1, y)], INK, 2)


def match(s: Sketch, cx: float, cy: float, size: float, lit: bool) -> None:
    s.line([(cx + size, cy + size * 0.6), (cx, cy)], INK, 3)
    s.circle((cx, cy), size * 0.08, INK, 3)
    if lit:
        s.line(
            [
                (cx - size * 0.12, cy),
                (cx - size * 0.05, cy - size * 0.45),
                (cx + size * 0.1, cy - size * 0.05),
            ],
            INK,
            2,
        )


def radio(s: Sketch, cx: float, cy: float, size: float) -> None:
    s.line(
        [
            (cx - size * 0.3, cy - size * 0.6),
            (cx + size * 0.3, cy - size * 0.6),
            (cx + size * 0.3, cy + size * 0.6),
            (cx - size * 0.3, cy + size * 0.6),
            (cx - size * 0.3, cy - size * 0.6),
        ],
        INK,
        3,
    )
    s.hatch(int(cx - size * 0.2), int(cy - size * 0.45), int(cx + size * 0.2), int(cy), 8)
    coil = [(cx + size * 0.3 + k * 6, cy + size * 0.4 + 10 * math.sin(k)) for k in range(16)]
    s.line(coil, SOFT, 1, passes=1)


def clouds(s: Sketch, y: float) -> None:
    for _ in range(3):
        x = s.rng.uniform(100, W - 300)
        yy = y + s.rng.uniform(-30, 30)
        pts = []
        for bump in range(5):
            for t in np.linspace(math.pi, 2 * math.pi, 8):
                pts.append((x + bump * 50 + 25 + 25 * math.cos(t), yy + 18 * math.sin(t)))
        s.line(pts, SOFT, 1, passes=1)
        s.hatch(int(x), int(yy - 10), int(x + 250), int(yy + 10), 18)


# -- camera-move arrows ------------------------------------------------------------------------------------
def block_arrow(s: Sketch, start, end, width: float = 26.0) -> None:
    """A storyboard block arrow: light tinted fill, accent outline."""
    (x0, y0), (x1, y1) = start, end
    length = math.hypot(x1 - x0, y1 - y0)
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    nx, ny = -uy, ux
    head = min(length * 0.45, width * 2.2)
    bx, by = x1 - ux * head, y1 - uy * head
    hw = width / 2
    poly = [
        (x0 + nx * hw, y0 + ny * hw),
        (bx + nx * hw, by + ny * hw),
        (bx + nx * width * 1.3, by + ny * width * 1.3),
        (x1, y1),
        (bx - nx * width * 1.3, by - ny * width * 1.3),
        (bx - nx * hw, by - ny * hw),
        (x0 - nx * hw, y0 - ny * hw),
    ]
    pts = np.round(np.asarray(poly) * 4).astype(np.int32)
    tint = s.img.copy()
    cv2.fillPoly(tint, [pts], (236, 200, 190), cv2.LINE_AA, shift=2)
    cv2.addWeighted(tint, 0.8, s.img, 0.2, 0, dst=s.img)
    s.line([*poly, poly[0]], ARROW, 3, passes=2, wobble=1.0)


def label(s: Sketch, text: str, org, scale: float = 0.8) -> None:
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 2)
    x, y = org
    cv2.rectangle(s.img, (x - 8, y - th - 8), (x + tw + 8, y + base + 4), (252, 252, 250), -1)
    s.text(text, (x, y), scale, ARROW, 2)


def move_arrow(s: Sketch, move: str) -> None:
    m = 40  # arrows sit inside the border, clear of the panel label
    name = move.replace("_", " ").upper()
    if move in ("push_in", "pull_out", "dolly_zoom"):
        x0, y0, x1, y1 = W * 0.2, H * 0.2, W * 0.8, H * 0.8
        s.line([(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)], ARROW, 2, passes=1, wobble=0.6)
        corners = [
            ((m + 30, m + 60), (x0, y0)),
            ((W - m - 30, m + 60), (x1, y0)),
            ((m + 30, H - m - 30), (x0, y1)),
            ((W - m - 30, H - m - 30), (x1, y1)),
        ]
        for outer, inner in corners:
            if move == "pull_out":
                outer, inner = inner, outer
            block_arrow(s, outer, inner, 16)
        label(s, name, (int(W * 0.5) - 60, int(H * 0.2) - 18))
    elif move in ("pan_left", "pan_right", "truck_left", "truck_right"):
        y = H * 0.16 if move.startswith("pan") else H - m - 40
        a, b = (W * 0.3, y), (W * 0.7, y)
        block_arrow(s, a if move.endswith("right") else b, b if move.endswith("right") else a)
        label(s, name, (int(W * 0.5) - 70, int(y) + 62 if move.startswith("pan") else int(y) - 34))
    elif move in ("tilt_up", "tilt_down", "pedestal_up", "pedestal_down"):
        x = W - m - 70 if move.startswith("tilt") else m + 70
        a, b = (x, H * 0.72), (x, H * 0.28)
        block_arrow(s, a if move.endswith("up") else b, b if move.endswith("up") else a)
        label(s, name, (int(x) - 150 if move.startswith("tilt") else int(x) - 30, int(H * 0.2)))
    elif move == "handheld":
        pts = [(W * 0.62 + k * 22, H * 0.13 + (14 if k % 2 else -14)) for k in range(14)]
        s.line(pts, ARROW, 3, passes=2, wobble=0.8)
        label(s, name, (int(W * 0.62), int(H * 0.13) + 58))
    else:
        label(s, "LOCKED OFF", (W - m - 190, H - m - 12), 0.7)


# -- the panel -----------------------------------------------------------------------------------------
def has(words: str, *keys: str) -> bool:
    return any(k in words for k in keys)


def compose(row: dict[str, str], scene_text: str = "") -> tuple[str, np.ndarray]:
    code = shot_code(row["scene"], row["shot"])
    size = row["size"].strip().lower()
    move = row["move"].strip().lower()
    words = " " + re.sub(r"[^a-z' ]", " ", row["description"].lower()) + " "
    s = Sketch(zlib.crc32(code.encode()))
    scene_words = " " + re.sub(r"[^a-z' ]", " ", scene_text.lower()) + " "
    inside = (" room", "window", "glass", "pane", "iron step")
    outside = has(words, "sea", "lighthouse", "boat", "water", "rock", "deck") and size in ("ews", "ws", "ms")
    interior = not outside and (has(words, *inside) or has(scene_words, *inside))
    close = size in ("mcu", "cu", "ecu", "insert")
    person = has(words, *PEOPLE)
    horizon = {"ews": 0.62, "ws": 0.6, "ms": 0.55, "mcu": 0.5, "cu": 0.46, "ecu": 0.44}.get(size, 0.5) * H
    if move == "tilt_up":
        horizon += H * 0.1
    vp_x = W * (0.5 + s.rng.uniform(-0.08, 0.08))

    # background: a room (back wall, window, floor converging on the vanishing point) or sea and sky
    if interior and size not in ("insert", "ecu"):
        window_grid(s, W * 0.1, H * 0.08, W * 0.9, horizon - H * 0.04, cols=5, rows=2)
        s.line([(0, horizon), (W, horizon)], INK, 2)
        for k in range(-4, 6) if not close else ():
            s.line([(vp_x + k * 30, horizon), (vp_x + k * 320, H + 40)], SOFT, 1, passes=1)
        if has(words, "rain"):
            for _ in range(40):
                x, y = s.rng.uniform(W * 0.1, W * 0.9), s.rng.uniform(H * 0.08, horizon - H * 0.05)
                s.line([(x, y), (x - 8, y + 22)], SOFT, 1, passes=1, wobble=0.3)
    elif size not in ("insert", "ecu") and not (size == "cu" and not person):
        s.line([(0, horizon), (W, horizon)], INK, 2, wobble=1.0)
        if has(words, "sea", "water", "wave", "rock", "boat", "lighthouse"):
            waves(s, horizon + 18, H - 30, rows=6)
        elif not close:
            for k in range(-5, 6):
                s.line([(vp_x, horizon), (vp_x + k * 260, H + 40)], SOFT, 1, passes=1)
        if has(words, "cloud", "storm"):
            clouds(s, horizon * 0.3)
        if has(words, "rain"):
            rain(s)

    # subjects, scaled by the shot size
    if size == "ews":
        if has(words, "lighthouse"):
            rocks(s, W * 0.66, horizon + 24, W * 0.3)
            lighthouse(s, W * 0.66, horizon + 10, H * 0.36, lit=has(words, "beam"))
        if has(words, "boat"):
            boat(s, W * 0.3, horizon + 60, 46)
            rocks(s, W * 0.78, horizon + 70, W * 0.28)
        if person and not has(words, "boat", "lighthouse"):
            figure(s, W * 0.45, horizon + 40, H * 0.09)
    elif size == "ws":
        if has(words, "lighthouse", "tower"):
            lighthouse(s, W * 0.5, H * 0.92, H * 0.7, lit=False)
            rocks(s, W * 0.5, H * 0.93, W * 0.5)
            if has(words, "wave", "spray"):
                for k in range(9):
                    a = math.pi * (0.15 + 0.7 * k / 8)
                    x0 = W * 0.5 + math.cos(a) * W * 0.12
                    s.line(
                        [(x0, H * 0.9), (x0 + math.cos(a) * 60, H * 0.9 - math.sin(a) * H * 0.45)], SOFT, 2
                    )
        if person:
            figure(s, W * 0.38, H * 0.93, H * 0.48, facing=0.5)
            if has(words, "lantern"):
                lantern(s, W * 0.38 + H * 0.1, H * 0.62, 26, lit=True)
    elif size == "ms":
        figure(s, W * 0.45, H * 1.45, H * 1.15, facing=-0.4)
        if has(words, "wheel"):
            ship_wheel(s, W * 0.45, H * 0.78, H * 0.17)
        if has(words, "deck", "bow", "boat"):
            s.line([(0, H * 0.82), (W, H * 0.74)], INK, 3)
    elif size in ("mcu", "cu") and person:
        r = H * (0.13 if size == "mcu" else 0.21)
        cx = W * (0.44 if size == "mcu" else 0.5)
        bust(s, cx, H * (0.4 if size == "mcu" else 0.44), r, facing=0.35)
        if has(words, "lantern"):
            lantern(s, cx + r * 2.4, H * 0.78, r * 0.6, lit=True)
        if has(words, "radio", "handset"):
            radio(s, cx - r * 1.6, H * 0.45, r * 0.9)
        if has(words, "match"):
            match(s, cx + r * 1.8, H * 0.5, r * 0.9, lit=not has(words, "snuff"))
    elif size == "cu":
        lantern(s, W * 0.5, H * 0.55, H * 0.32, lit=not has(words, "dark", "dead"))
    elif size == "ecu":
        lantern(s, W * 0.46, H * 0.62, H * 0.55, lit=has(words, "roar", "life"))
        if has(words, "match"):
            match(s, W * 0.78, H * 0.42, H * 0.3, lit=True)
            hand(s, W * 0.8, H * 0.5, H * 0.25)
    elif size == "insert":
        if has(words, "valve"):
            valve(s, W * 0.42, H * 0.42, H * 0.2)
        if has(words, "hand"):
            hand(s, W * 0.55, H * 0.35, H * 0.28)
    else:  # ots, pov and anything else: a figure seen past a foreground shoulder
        figure(s, W * 0.6, H * 0.95, H * 0.55)
        bust(s, W * 0.15, H * 0.55, H * 0.2, facing=-0.8)

    move_arrow(s, move)
    # frame border and the panel label
    cv2.rectangle(s.img, (6, 6), (W - 7, H - 7), INK, 4, cv2.LINE_AA)
    tag = f"{code}   {size.upper()}   {row['lens'].strip()}mm"
    cv2.rectangle(s.img, (6, 6), (30 + 15 * len(tag), 50), (252, 252, 250), -1)
    cv2.rectangle(s.img, (6, 6), (30 + 15 * len(tag), 50), INK, 2, cv2.LINE_AA)
    s.text(tag, (18, 38), 0.8, INK, 2)
    return code, s.img


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shotlist", type=Path, default=HERE / "shotlist.csv")
    parser.add_argument("--out", type=Path, default=HERE / "boards")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with args.shotlist.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    scenes: dict[str, str] = {}
    for row in rows:
        scenes[row["scene"]] = scenes.get(row["scene"], "") + " " + row["description"]
    for row in rows:
        code, image = compose(row, scenes[row["scene"]])
        # A 48-colour palette PNG: pencil greys plus the arrow tint, a fraction of an RGB PNG's size.
        panel = Image.fromarray(image).quantize(
            colors=48, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
        path = args.out / f"{code}.png"
        panel.save(path, optimize=True)
        print(f"{path}  {path.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
