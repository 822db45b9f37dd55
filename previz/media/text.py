"""Unicode text rendered with a bundled TrueType font (DejaVu Sans, via Pillow) and alpha-blended
onto RGB frames with OpenCV.

OpenCV's Hershey fonts are ASCII-only, so "PREVIZ — NOT FOR DISTRIBUTION" would lose its em dash;
the DejaVu fonts in ``previz/media/fonts`` (Bitstream Vera licence, see LICENSE-DejaVu.txt) cover
Latin, Greek and Cyrillic. Pillow renders a text *mask* once; blending a prepared :class:`Patch` onto
a frame is two OpenCV calls on the patch's region only.
"""

from __future__ import annotations

import math
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT_DIR = Path(__file__).with_name("fonts")
FONT_FILES = {"regular": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf"}
# One FreeType face is shared per size; FreeType faces are not thread-safe, and the viewer and an
# export may draw text at the same time, so rendering is serialised (it is a tiny share of a frame).
_RENDER_LOCK = threading.Lock()


# Every character str.splitlines() breaks at is in category Cc (controls), Zl or Zp.
_LINE_UNSAFE = ("Cc", "Zl", "Zp")


def one_line(text: str) -> str:
    """``text`` as one line: line breaks and other control characters become spaces (a burn-in, an
    EDL comment). Pillow's layout fails on a line break in single-line text."""
    if text.isprintable():
        return text
    return "".join(" " if unicodedata.category(c) in _LINE_UNSAFE else c for c in text)


@lru_cache(maxsize=64)
def font(size: int, weight: str = "bold") -> ImageFont.FreeTypeFont:
    """The bundled font at ``size`` pixels (``weight`` is "regular" or "bold")."""
    return ImageFont.truetype(str(FONT_DIR / FONT_FILES[weight]), max(6, int(size)))


def text_mask(text: str, size: int, weight: str = "bold") -> np.ndarray:
    """An anti-aliased coverage mask (uint8, 255 = ink) of one line of ``text``.

    The mask height is the font's ascent + descent whatever the characters, so boxes built from it do
    not jump between strings.
    """
    f = font(size, weight)
    text = one_line(text)
    with _RENDER_LOCK:
        ascent, descent = f.getmetrics()
        width = max(1, math.ceil(f.getlength(text)) + 2)
        image = Image.new("L", (width, ascent + descent), 0)
        ImageDraw.Draw(image).text((1, 0), text, font=f, fill=255)
    return np.asarray(image)


def text_width(text: str, size: int, weight: str = "bold") -> int:
    f = font(size, weight)
    with _RENDER_LOCK:
        return max(1, math.ceil(f.getlength(one_line(text))) + 2)


@dataclass(frozen=True)
class Patch:
    """A prepared overlay: ``out = region * inv / 255 + premul`` (both uint8, shape (h, w, 3))."""

    premul: np.ndarray
    inv: np.ndarray

    @property
    def height(self) -> int:
        return self.premul.shape[0]

    @property
    def width(self) -> int:
        return self.premul.shape[1]

    def blend(self, frame: np.ndarray, x: int, y: int) -> None:
        """Composite onto ``frame`` (in place) with the patch's top-left at (x, y); clipped to the frame."""
        fh, fw = frame.shape[:2]
        x0, y0 = max(0, x), max(0, y)
        x1, y1 = min(fw, x + self.width), min(fh, y + self.height)
        if x0 >= x1 or y0 >= y1:
            return
        px0, py0 = x0 - x, y0 - y
        premul = self.premul[py0 : py0 + y1 - y0, px0 : px0 + x1 - x0]
        inv = self.inv[py0 : py0 + y1 - y0, px0 : px0 + x1 - x0]
        region = frame[y0:y1, x0:x1]
        cv2.add(cv2.multiply(region, inv, scale=1 / 255), premul, dst=region)


def layered_patch(colour_layers: list[tuple[np.ndarray, tuple[int, int, int]]]) -> Patch:
    """Stack layers (alpha float32 (h, w), RGB colour) bottom to top into one premultiplied patch."""
    h, w = colour_layers[0][0].shape
    premul = np.zeros((h, w, 3), np.float32)
    keep = np.ones((h, w), np.float32)
    for alpha, colour in colour_layers:
        a = alpha[:, :, None]
        premul = premul * (1 - a) + a * np.asarray(colour, np.float32)
        keep = keep * (1 - alpha)
    inv = np.repeat((keep * 255 + 0.5).astype(np.uint8)[:, :, None], 3, axis=2)
    return Patch(np.clip(premul + 0.5, 0, 255).astype(np.uint8), inv)


def box_patch(
    text: str,
    size: int,
    *,
    weight: str = "bold",
    min_width: int = 0,
    align: str = "left",
    text_colour: tuple[int, int, int] = (255, 255, 255),
    box_colour: tuple[int, int, int] = (0, 0, 0),
    box_opacity: float = 0.6,
) -> Patch:
    """White ``text`` on a semi-transparent box padded in proportion to ``size``."""
    mask = text_mask(text, size, weight)
    pad_x = max(2, round(size * 0.45))
    pad_y = max(1, round(size * 0.18))
    mh, mw = mask.shape
    w = max(mw, min_width) + 2 * pad_x
    h = mh + 2 * pad_y
    ink = np.zeros((h, w), np.float32)
    x = pad_x + (max(mw, min_width) - mw if align == "right" else 0)
    ink[pad_y : pad_y + mh, x : x + mw] = mask / 255.0
    box = np.full((h, w), float(box_opacity), np.float32)
    return layered_patch([(box, box_colour), (ink, text_colour)])


def shadowed_text_patch(
    text: str,
    size: int,
    *,
    weight: str = "bold",
    opacity: float = 0.3,
    colour: tuple[int, int, int] = (255, 255, 255),
    shadow: tuple[int, int, int] = (0, 0, 0),
) -> Patch:
    """Text without a box at ``opacity``, with a soft dark shadow so it reads on light pictures too."""
    mask = text_mask(text, size, weight).astype(np.float32) / 255.0
    off = max(1, round(size / 24))
    h, w = mask.shape[0] + 2 * off, mask.shape[1] + 2 * off
    ink = np.zeros((h, w), np.float32)
    ink[: -off * 2 or None, : -off * 2 or None] = mask
    sh = np.zeros((h, w), np.float32)
    sh[off * 2 :, off * 2 :] = mask
    sh = cv2.GaussianBlur(sh, (0, 0), off) * min(1.0, opacity * 1.3)
    return layered_patch([(sh, shadow), (ink * opacity, colour)])


def draw_text(
    frame: np.ndarray,
    text: str,
    x: int,
    y: int,
    size: int,
    *,
    weight: str = "regular",
    colour: tuple[int, int, int] = (255, 255, 255),
    anchor: str = "left",
) -> int:
    """Draw opaque anti-aliased ``text`` onto ``frame`` (in place) with its top at ``y``.

    ``anchor`` places ``x`` at the text's left, centre or right. Returns the text's width.
    """
    mask = text_mask(text, size, weight)
    alpha = mask.astype(np.float32) / 255.0
    patch = layered_patch([(alpha, colour)])
    w = mask.shape[1]
    left = x - w // 2 if anchor == "center" else x - w if anchor == "right" else x
    patch.blend(frame, left, y)
    return w


class GlyphBox:
    """Per-frame text (timecode, frame numbers) in a fixed-width box, composed from cached glyphs.

    Each character of ``charset`` is rendered once as a box-backed cell one advance wide; a string is
    a horizontal concatenation of cells, so drawing it per frame costs no font rendering. Characters
    outside ``charset`` are rendered (and cached) on first use.
    """

    def __init__(
        self,
        size: int,
        template: str,
        *,
        weight: str = "bold",
        align: str = "left",
        box_opacity: float = 0.6,
        charset: str = "0123456789:;.-+ ",
    ) -> None:
        self.size = size
        self.weight = weight
        self.align = align
        self.box_opacity = box_opacity
        self.pad_x = max(2, round(size * 0.45))
        self.pad_y = max(1, round(size * 0.18))
        with _RENDER_LOCK:
            ascent, descent = font(size, weight).getmetrics()
        self.cell_h = ascent + descent + 2 * self.pad_y
        self._cells: dict[str, Patch] = {}
        for ch in charset:
            self._cell(ch)
        self.inner_width = sum(self._cell(ch).width for ch in template)
        self._pad = layered_patch([(np.full((self.cell_h, self.pad_x), box_opacity, np.float32), (0, 0, 0))])

    def _cell(self, ch: str) -> Patch:
        cell = self._cells.get(ch)
        if cell is None:
            f = font(self.size, self.weight)
            with _RENDER_LOCK:
                advance = max(1, round(f.getlength(ch)))
                image = Image.new("L", (advance, self.cell_h - 2 * self.pad_y), 0)
                ImageDraw.Draw(image).text((0, 0), ch, font=f, fill=255)
            ink = np.zeros((self.cell_h, advance), np.float32)
            ink[self.pad_y : self.cell_h - self.pad_y] = np.asarray(image) / 255.0
            box = np.full((self.cell_h, advance), self.box_opacity, np.float32)
            cell = self._cells[ch] = layered_patch([(box, (0, 0, 0)), (ink, (255, 255, 255))])
        return cell

    def patch(self, text: str) -> Patch:
        cells = [self._cell(ch) for ch in text]
        used = sum(c.width for c in cells)
        fill = max(0, self.inner_width - used)
        filler = (
            layered_patch([(np.full((self.cell_h, fill), self.box_opacity, np.float32), (0, 0, 0))])
            if fill
            else None
        )
        parts = [self._pad, *cells, self._pad]
        if filler is not None:
            parts.insert(1 if self.align == "right" else len(parts) - 1, filler)
        return Patch(np.hstack([p.premul for p in parts]), np.hstack([p.inv for p in parts]))
