"""Conform clips to the project: frame size (letterbox/pillarbox) and frame rate (repeat/drop), and
the per-frame steps of transitions (dissolve, fade to/from black).

Generation and export share these, so a take made at 16 fps and 768x512 lines up with a 24 fps
1920x1080 cut the same way everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

from previz.core.errors import MediaError
from previz.core.timecode import FrameRate
from previz.media.images import fit
from previz.media.video import VideoReader, i420_planes


def conform_size(frame: np.ndarray, width: int, height: int, mode: str = "letterbox") -> np.ndarray:
    """``frame`` scaled into ``width`` x ``height``: whole picture with black bars (``letterbox``,
    which pillarboxes a narrower picture) or filled and centre-cropped (``cover``). Same size: unchanged.
    """
    return fit(frame, width, height, mode)


def conform_rate(
    src_fps: Fraction | float,
    dst_fps: Fraction | float,
    dst_frames: int,
    *,
    src_frames: int | None = None,
    src_start: int = 0,
) -> list[int]:
    """Source frame indices for ``dst_frames`` output frames, by nearest time.

    Output frame ``j`` shows at ``j / dst_fps``; it takes the source frame nearest that instant,
    ``src_start + floor(j * src_fps / dst_fps + 1/2)`` (frames repeat when the source is slower and
    are dropped when it is faster). Equal rates give ``src_start, src_start + 1, ...`` exactly. With
    ``src_frames`` the indices are clamped to the last source frame (a short clip holds its end).
    """
    src = FrameRate.parse(src_fps, field="source fps", project=False).fraction
    dst = FrameRate.parse(dst_fps, field="target fps", project=False).fraction
    if dst_frames < 0:
        raise MediaError(f"conform: cannot make {dst_frames} frames")
    ratio = src / dst
    last = None if src_frames is None else max(0, src_frames - 1)
    indices = []
    for j in range(dst_frames):
        index = src_start + math.floor(j * ratio + Fraction(1, 2))
        if last is not None:
            index = min(index, last)
        indices.append(index)
    return indices


def conformed_frames(
    path: str | Path,
    width: int,
    height: int,
    fps: Fraction | float,
    frames: int,
    *,
    src_start: int = 0,
    mode: str = "letterbox",
    hold_last: bool = True,
) -> Iterator[np.ndarray]:
    """Stream ``frames`` frames of video ``path`` conformed to ``width`` x ``height`` at ``fps``.

    Decodes forward once (repeated source frames are reused, dropped ones skipped), so memory stays
    flat. A clip shorter than needed holds its last frame when ``hold_last`` (else MediaError).
    Every yielded array is the caller's to draw on: a repeated frame is yielded as a copy.
    """
    with VideoReader(path) as reader:
        indices = conform_rate(reader.fps, fps, frames, src_start=src_start)
        if not indices:
            return
        source = reader.frames(indices[0])
        pending = next(source, None)  # one frame of lookahead: we know when the clip ends before it does
        current_index = indices[0] - 1
        current: np.ndarray | None = None
        for position, index in enumerate(indices):
            while current_index < index and pending is not None:
                current_index += 1
                current = conform_size(pending, width, height, mode)
                pending = next(source, None)
            if current is None or (current_index < index and not hold_last):
                raise MediaError(
                    f"{path}: needs source frame {index} but the clip has {current_index + 1} frames"
                )
            following = indices[position + 1] if position + 1 < len(indices) else None
            # The array is shown again when the next frame repeats it or the clip ends before the next
            # frame (held): then the caller gets a copy to draw on, and ours stays clean.
            again = following is not None and (following <= current_index or pending is None)
            yield current.copy() if again else current


def dissolve(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """A new frame ``t`` of the way (0..1) from ``a`` to ``b`` (a cross-dissolve step)."""
    t = min(1.0, max(0.0, float(t)))
    return cv2.addWeighted(a, 1.0 - t, b, t, 0.0)


def fade(frame: np.ndarray, level: float, *, i420: bool = False) -> np.ndarray:
    """A new frame, ``frame`` scaled towards black: ``level`` 1 is the picture, 0 is black (fade in/out
    steps). With ``i420`` the frame is an I420 array, faded towards video-range black (Y 16, U and V
    128) plane by plane."""
    level = min(1.0, max(0.0, float(level)))
    if not i420:
        return cv2.convertScaleAbs(frame, alpha=level)
    out = np.empty_like(frame)
    for src, dst, black in zip(i420_planes(frame), i420_planes(out), (16, 128, 128), strict=True):
        cv2.convertScaleAbs(src, dst=dst, alpha=level, beta=black * (1 - level))
    return out
