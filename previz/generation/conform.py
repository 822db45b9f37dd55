"""Frame-rate conform of generated clips (nearest source frame; repeat or drop).

The rule itself is ``previz.media.conform.conform_rate``; this adds the duration-keeping default used
for clips a model makes at its native fps.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import TypeVar

from previz.media.conform import conform_rate

T = TypeVar("T")


def conform_indices(
    source_frames: int, source_fps: Fraction, target_fps: Fraction, target_frames: int | None = None
) -> list[int]:
    """Source frame index for each output frame at ``target_fps``.

    Without ``target_frames`` the duration is kept: ``round(source_frames * target_fps / source_fps)``
    frames (halves round up). Past the end of the source the last frame is held.
    """
    if source_frames <= 0:
        return []
    if target_frames is None:
        exact = source_frames * Fraction(target_fps) / Fraction(source_fps)
        target_frames = max(1, math.floor(exact + Fraction(1, 2)))
    return conform_rate(source_fps, target_fps, target_frames, src_frames=source_frames)


def conform_frames(
    frames: Sequence[T], source_fps: Fraction, target_fps: Fraction, target_frames: int | None = None
) -> list[T]:
    """``frames`` re-timed from ``source_fps`` to ``target_fps`` (see ``conform_indices``)."""
    return [frames[i] for i in conform_indices(len(frames), source_fps, target_fps, target_frames)]
