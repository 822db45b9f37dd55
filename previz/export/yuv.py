"""The H.264 reel's fast path: frames kept as I420 (yuv420p) arrays from decoder to encoder.

A take already at the project's size and rate is decoded straight to I420 and never converted to RGB
and back (the two conversions cost more than the burn-ins); other pictures (conformed takes, boards,
slugs, the slate) are drawn in RGB as usual and converted once (stills) or per frame. Burn-in patches
are converted to premultiplied BT.709 video-range Y/U/V once per shot (per frame for the counters), so
``out = region * inv / 255 + premul`` blends exactly as the RGB patch does, per plane.

An I420 array is ``(height * 3 // 2, width)`` uint8: the Y plane, then U and V at half size, as PyAV's
``VideoFrame.to_ndarray``/``from_ndarray`` use for ``yuv420p``.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from previz.core.errors import MediaError
from previz.media.text import Patch
from previz.media.video import i420_planes as planes
from previz.media.video import rgb_video_frame

# BT.709, video range: Y in 16..235, U/V in 16..240 around 128.
_Y = np.array([0.2126, 0.7152, 0.0722], np.float32) * (219 / 255)
_U = np.array([-0.1146, -0.3854, 0.5], np.float32) * (224 / 255)
_V = np.array([0.5, -0.4542, -0.0458], np.float32) * (224 / 255)


def rgb_to_i420(frame: np.ndarray) -> np.ndarray:
    """RGB uint8 to an I420 array through swscale (BT.709, video range), as the encoder would."""
    video = rgb_video_frame(frame).reformat(
        format="yuv420p", src_colorspace="ITU709", dst_colorspace="ITU709", dst_color_range="MPEG"
    )
    return video.to_ndarray()


def i420_to_rgb(frame: np.ndarray) -> np.ndarray:
    video = av.VideoFrame.from_ndarray(frame, format="yuv420p")
    return video.reformat(
        format="rgb24", src_colorspace="ITU709", dst_colorspace="ITU709", src_color_range="MPEG"
    ).to_ndarray()


class _Planes:
    """A patch as premultiplied Y and half-size U/V planes, shifted right/down by (dx, dy) pixels so
    that it lands on even coordinates."""

    def __init__(self, patch: Patch, dx: int, dy: int) -> None:
        h, w = patch.height + dy, patch.width + dx
        h2, w2 = h + h % 2, w + w % 2
        premul = np.zeros((h2, w2, 3), np.float32)
        premul[dy:h, dx:w] = patch.premul
        keep = np.full((h2, w2), 255.0, np.float32)
        keep[dy:h, dx:w] = patch.inv[:, :, 0]
        cover = 255.0 - keep
        self.y_inv = keep.astype(np.uint8)
        self.y_pre = np.clip(premul @ _Y + 16 * cover / 255 + 0.5, 0, 255).astype(np.uint8)
        small_pre = cv2.resize(premul, (w2 // 2, h2 // 2), interpolation=cv2.INTER_AREA)
        small_cover = cv2.resize(cover, (w2 // 2, h2 // 2), interpolation=cv2.INTER_AREA)
        self.c_inv = np.clip(255.0 - small_cover + 0.5, 0, 255).astype(np.uint8)
        self.u_pre = np.clip(small_pre @ _U + 128 * small_cover / 255 + 0.5, 0, 255).astype(np.uint8)
        self.v_pre = np.clip(small_pre @ _V + 128 * small_cover / 255 + 0.5, 0, 255).astype(np.uint8)


class YuvPatch:
    """A burn-in :class:`Patch` blended onto I420 frames exactly where the RGB patch would go."""

    def __init__(self, patch: Patch) -> None:
        self.patch = patch
        self.width, self.height = patch.width, patch.height
        self._variants: dict[tuple[int, int], _Planes] = {}

    def blend(self, frame: np.ndarray, x: int, y: int) -> None:
        """Composite onto an I420 frame (in place) with the top-left at (x, y); clipped to the frame."""
        dx, dy = x % 2, y % 2
        planes_ = self._variants.get((dx, dy))
        if planes_ is None:
            planes_ = self._variants[(dx, dy)] = _Planes(self.patch, dx, dy)
        py, pu, pv = planes(frame)
        x, y = x - dx, y - dy
        _blend(py, planes_.y_inv, planes_.y_pre, x, y)
        _blend(pu, planes_.c_inv, planes_.u_pre, x // 2, y // 2)
        _blend(pv, planes_.c_inv, planes_.v_pre, x // 2, y // 2)


def _blend(plane: np.ndarray, inv: np.ndarray, pre: np.ndarray, x: int, y: int) -> None:
    ph, pw = plane.shape
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(pw, x + inv.shape[1]), min(ph, y + inv.shape[0])
    if x0 >= x1 or y0 >= y1:
        return
    region = plane[y0:y1, x0:x1]
    sub_inv = inv[y0 - y : y1 - y, x0 - x : x1 - x]
    sub_pre = pre[y0 - y : y1 - y, x0 - x : x1 - x]
    cv2.add(cv2.multiply(region, sub_inv, scale=1 / 255), sub_pre, dst=region)


class YuvBurnIn:
    """:class:`previz.media.burnin.BurnIn`'s placements, drawn with YUV patches on I420 frames."""

    def __init__(self, burnin) -> None:
        self.burnin = burnin
        self._static: dict[int, tuple[object, YuvPatch]] = {}  # id(patch) -> (patch, its YUV form)

    def draw(self, frame: np.ndarray, labels=None, record_tc: str | None = None, source_frame=None):
        for patch, x, y, static in self.burnin.placements(labels, record_tc, source_frame):
            self._yuv(patch, static).blend(frame, x, y)
        return frame

    def _yuv(self, patch, static: bool) -> YuvPatch:
        if not static:
            return YuvPatch(patch)
        cached = self._static.get(id(patch))
        if cached is None or cached[0] is not patch:
            if len(self._static) > 64:
                self._static.clear()
            cached = self._static[id(patch)] = (patch, YuvPatch(patch))
        return cached[1]


def decode_i420(path: Path, start: int, count: int, fps: Fraction) -> Iterator[np.ndarray]:
    """``count`` frames of ``path`` from frame ``start`` as I420 arrays (frame index by timestamp),
    holding the last frame when the file ends early. For files at the project's size and rate."""
    try:
        container = av.open(str(path), "r")
    except (av.FFmpegError, OSError) as exc:
        raise MediaError(f"{path}: not a readable video file ({exc})") from exc
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        time_base = Fraction(stream.time_base)
        first = int(stream.start_time or 0)
        if start > 0:
            container.seek(first + int(Fraction(start) / fps / time_base), stream=stream, backward=True)
        made = 0
        last = None
        for frame in container.decode(stream):
            if frame.pts is None:
                continue
            index = round((frame.pts - first) * time_base * fps)
            if index < start:
                continue
            last = frame if frame.format.name == "yuv420p" else frame.reformat(format="yuv420p")
            yield last.to_ndarray()
            made += 1
            if made >= count:
                return
        if last is None:
            raise MediaError(f"{path}: frame {start} does not exist (the video is shorter)")
        while made < count:  # a short take holds its last frame (a fresh array each time)
            yield last.to_ndarray()
            made += 1
    except av.FFmpegError as exc:
        raise MediaError(f"{path}: decoding failed ({exc})") from exc
    finally:
        container.close()
