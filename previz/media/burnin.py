"""Burn-ins, watermark, slate and slug cards drawn onto RGB uint8 frames.

Layout of the burn-in fields (sizes scale with the frame height, inside a 3.5 % title-safe margin)::

    012A_0010  T3                      APPROVED · ltx-video · draft preset
                    PREVIZ — NOT FOR DISTRIBUTION
    01:00:04:12                                              SRC 0042

The speed preset is printed for a generated take that records one. Static boxes (shot, take, status,
model, preset, watermark) are rendered once per shot and cached; only the
record timecode and the source frame are rendered per frame.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from previz.core.errors import MediaError
from previz.media.text import GlyphBox, Patch, box_patch, draw_text, shadowed_text_patch, text_width

WATERMARK = "PREVIZ — NOT FOR DISTRIBUTION"
_BG = (22, 23, 26)
_RULE = (90, 94, 102)
_DIM = (150, 154, 162)


@dataclass(frozen=True)
class ShotLabels:
    """What stays the same for every frame of one shot's burn-in."""

    shot_code: str
    take: str | None = None
    status: str | None = None
    model: str | None = None
    preset: str | None = None  # the speed preset of a generated take (draft, balanced, final)

    def top_left(self) -> str:
        return f"{self.shot_code}  {self.take}" if self.take else self.shot_code

    def top_right(self) -> str:
        preset = f"{self.preset} preset" if self.preset else None
        parts = [p for p in (self.status.upper() if self.status else None, self.model, preset) if p]
        return " · ".join(parts)


class BurnIn:
    """Draw burn-in fields and/or a watermark onto frames of one size.

    ``draw(frame, labels, record_tc, source_frame)`` works in place and returns the frame. Pass
    ``fields=False`` for a watermark only, ``watermark=None`` for fields only.
    """

    def __init__(
        self,
        width: int,
        height: int,
        *,
        fields: bool = True,
        watermark: str | None = WATERMARK,
        box_opacity: float = 0.85,
        watermark_opacity: float = 0.3,
        cache_size: int = 32,
    ) -> None:
        self.width = width
        self.height = height
        self.fields = fields
        self.box_opacity = box_opacity
        self.size = max(10, round(height * 0.028))
        self.margin_x = round(width * 0.035)
        self.margin_y = round(height * 0.035)
        self._static: OrderedDict[ShotLabels, tuple[Patch | None, Patch | None]] = OrderedDict()
        self._cache_size = cache_size
        self._tc = GlyphBox(self.size, "00:00:00:00", box_opacity=box_opacity)
        self._src = GlyphBox(self.size, "SRC 000000", align="right", box_opacity=box_opacity)
        self._watermark: Patch | None = None
        if watermark:
            wm_size = max(12, round(height * 0.045))
            while wm_size > 8 and text_width(watermark, wm_size) > width * 0.8:
                wm_size -= 1
            self._watermark = shadowed_text_patch(watermark, wm_size, opacity=watermark_opacity)

    def _static_patches(self, labels: ShotLabels) -> tuple[Patch | None, Patch | None]:
        cached = self._static.get(labels)
        if cached is not None:
            self._static.move_to_end(labels)
            return cached
        left = box_patch(labels.top_left(), self.size, box_opacity=self.box_opacity)
        right_text = labels.top_right()
        right = box_patch(right_text, self.size, box_opacity=self.box_opacity) if right_text else None
        self._static[labels] = (left, right)
        if len(self._static) > self._cache_size:
            self._static.popitem(last=False)
        return left, right

    def placements(
        self,
        labels: ShotLabels | None = None,
        record_tc: str | None = None,
        source_frame: int | None = None,
    ) -> list[tuple[Patch, int, int, bool]]:
        """Where each patch of a frame goes: (patch, x, y, static). Static patches (watermark, shot
        labels) are the same objects frame after frame, so a caller may convert them once."""
        out: list[tuple[Patch, int, int, bool]] = []
        if self._watermark is not None:
            wm = self._watermark
            out.append((wm, (self.width - wm.width) // 2, round(self.height * 0.62), True))
        if not self.fields:
            return out
        if labels is not None:
            left, right = self._static_patches(labels)
            if left is not None:
                out.append((left, self.margin_x, self.margin_y, True))
            if right is not None:
                out.append((right, self.width - self.margin_x - right.width, self.margin_y, True))
        if record_tc:
            tc = self._tc.patch(record_tc)
            out.append((tc, self.margin_x, self.height - self.margin_y - tc.height, False))
        if source_frame is not None:
            src = self._src.patch(f"SRC {source_frame:04d}")
            out.append(
                (src, self.width - self.margin_x - src.width, self.height - self.margin_y - src.height, False)
            )
        return out

    def draw(
        self,
        frame: np.ndarray,
        labels: ShotLabels | None = None,
        record_tc: str | None = None,
        source_frame: int | None = None,
    ) -> np.ndarray:
        if frame.shape[:2] != (self.height, self.width):
            raise MediaError(f"burn-in made for {self.width}x{self.height}, got a {frame.shape} frame")
        for patch, x, y, _static in self.placements(labels, record_tc, source_frame):
            patch.blend(frame, x, y)
        return frame


def _card(width: int, height: int) -> np.ndarray:
    frame = np.empty((height, width, 3), np.uint8)
    frame[:] = _BG
    return frame


def _fit_size(text: str, size: int, max_width: float, weight: str) -> int:
    while size > 8 and text_width(text, size, weight) > max_width:
        size -= 1
    return size


def slate(
    width: int,
    height: int,
    *,
    project: str,
    version: str,
    date: str,
    duration: str,
    title: str | None = None,
    extra: dict[str, str] | None = None,
    watermark: str | None = WATERMARK,
) -> np.ndarray:
    """A full slate/leader card: project (large), an optional title, then a table of fields."""
    frame = _card(width, height)
    x0 = round(width * 0.1)
    usable = width - 2 * x0
    y = round(height * 0.16)
    big = _fit_size(project, round(height * 0.085), usable, "bold")
    draw_text(frame, project, x0, y, big, weight="bold")
    y += round(big * 1.35)
    if title:
        sub = _fit_size(title, round(height * 0.045), usable, "regular")
        draw_text(frame, title, x0, y, sub, colour=_DIM)
        y += round(sub * 1.5)
    rule = max(1, round(height / 360))
    frame[y : y + rule, x0 : width - x0] = _RULE
    y += round(height * 0.05)
    rows = [("VERSION", version), ("DATE", date), ("DURATION", duration), *(extra or {}).items()]
    size = round(height * 0.036)
    label_w = max(text_width(label.upper(), size, "regular") for label, _ in rows) + round(size * 1.5)
    for label, value in rows:
        draw_text(frame, label.upper(), x0, y, size, colour=_DIM)
        value_size = _fit_size(str(value), size, usable - label_w, "bold")
        draw_text(frame, str(value), x0 + label_w, y, value_size, weight="bold")
        y += round(size * 1.7)
    if watermark:
        wm = round(height * 0.03)
        wm = _fit_size(watermark, wm, usable, "bold")
        draw_text(
            frame,
            watermark,
            width // 2,
            round(height * 0.88),
            wm,
            weight="bold",
            colour=_DIM,
            anchor="center",
        )
    return frame


def slug_card(
    width: int,
    height: int,
    shot_code: str,
    message: str = "NOT YET GENERATED",
    detail: str | None = None,
) -> np.ndarray:
    """A card standing in for a shot with no picture: "012A_0010 — NOT YET GENERATED"."""
    frame = _card(width, height)
    text = f"{shot_code} — {message}"
    size = _fit_size(text, round(height * 0.055), width * 0.86, "bold")
    y = height // 2 - size
    draw_text(frame, text, width // 2, y, size, weight="bold", anchor="center")
    if detail:
        small = _fit_size(detail, round(height * 0.032), width * 0.86, "regular")
        draw_text(frame, detail, width // 2, y + round(size * 1.8), small, colour=_DIM, anchor="center")
    return frame
