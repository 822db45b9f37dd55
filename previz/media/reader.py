"""Probe and frame-accurate decode through PyAV (re-exported by :mod:`previz.media.video`).

Frame indices come from presentation timestamps: frame ``i`` is the frame shown at ``i / fps`` after
the stream's start, whatever the GOP structure, B-frames or edit lists.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import av
import numpy as np

from previz.core.errors import MediaError
from previz.core.timecode import FrameRate

if TYPE_CHECKING:
    from typing import Self


@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    fps: Fraction
    frames: int
    duration_s: float
    codec: str
    pix_fmt: str
    profile: str | None
    has_audio: bool


# -- reading ----------------------------------------------------------------------------------------------
def _open(path: str | Path) -> av.container.InputContainer:
    p = Path(path)
    if not p.is_file():
        raise MediaError(f"{p}: video file not found")
    try:
        container = av.open(str(p), "r")
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise MediaError(f"{p}: not a readable video file ({exc})") from exc
    if not container.streams.video:
        container.close()
        raise MediaError(f"{p}: has no video stream")
    return container


def _stream_rate(stream) -> Fraction:
    """The constant frame rate: the stream's base rate when it agrees with its average (CFR), else the
    average (frames over duration), snapped to the exact NTSC fraction when within rounding of one."""
    base = Fraction(stream.base_rate) if stream.base_rate else None
    average = Fraction(stream.average_rate) if stream.average_rate else None
    if base and average and abs(float(base - average)) <= 0.01 * float(average):
        return FrameRate.from_rational(base).fraction
    for rate in (average, base, stream.guessed_rate):
        if rate:
            return FrameRate.from_rational(rate).fraction
    return Fraction(24)


def probe(path: str | Path) -> VideoInfo:
    """Size, rate, exact frame count, codec and profile of the first video stream of ``path``."""
    container = _open(path)
    try:
        stream = container.streams.video[0]
        ctx = stream.codec_context
        fps = _stream_rate(stream)
        frames = int(stream.frames or 0)
        fmt_names = set(container.format.name.split(","))
        if frames <= 0 or not fmt_names & {"mov", "mp4"}:
            frames = _count_packets(container, stream, path)
        elif not _tail_readable(container, stream, Path(path)):
            raise MediaError(
                f"{path}: the file is truncated or damaged (its index lists {frames} frames but the "
                "picture data ends early); export or copy it again"
            )
        if frames <= 0:
            raise MediaError(f"{path}: the video stream holds no frames")
        return VideoInfo(
            width=ctx.width,
            height=ctx.height,
            fps=fps,
            frames=frames,
            duration_s=float(frames / fps),
            codec=ctx.name,
            pix_fmt=ctx.pix_fmt or (stream.format.name if stream.format else ""),
            profile=ctx.profile or None,
            has_audio=bool(container.streams.audio),
        )
    finally:
        container.close()


def _tail_readable(container, stream, path: Path) -> bool:
    """Whether the last indexed video sample is present in the file (a cut-off copy loses it)."""
    if not stream.duration:
        return True
    try:
        container.seek((stream.start_time or 0) + stream.duration - 1, stream=stream, any_frame=True)
        for packet in container.demux(stream):
            return (
                bool(packet.size)
                and packet.pos is not None
                and packet.pos + packet.size <= path.stat().st_size
            )
    except av.FFmpegError:
        return False
    return False


def _count_packets(container, stream, path) -> int:
    try:
        return sum(1 for packet in container.demux(stream) if packet.size and packet.pts is not None)
    except av.FFmpegError as exc:
        raise MediaError(f"{path}: the video stream is damaged ({exc})") from exc


class VideoReader:
    """A video kept open for repeated, frame-accurate access (the viewer's decoder).

    ``frame(i)`` decodes forward when ``i`` is just ahead of the last frame read, and seeks to the
    keyframe before ``i`` otherwise; frame indices come from presentation timestamps, never from
    counting decoded frames after a seek.
    """

    def __init__(self, path: str | Path, *, threads: int = 0) -> None:
        self.path = Path(path)
        self.container = _open(path)
        self.stream = self.container.streams.video[0]
        self.stream.thread_type = "AUTO"
        self.stream.codec_context.thread_count = int(threads)
        self.fps = _stream_rate(self.stream)
        self.time_base = Fraction(self.stream.time_base)
        self.start_pts = int(self.stream.start_time or 0)
        self.width = self.stream.codec_context.width
        self.height = self.stream.codec_context.height
        self._frames: Iterator[av.VideoFrame] | None = None
        self._next = 0  # index of the frame the current decode iterator yields next (at least)

    def index_of(self, pts: int) -> int:
        return round((pts - self.start_pts) * self.time_base * self.fps)

    def _pts_of(self, index: int) -> int:
        return self.start_pts + int(Fraction(index) / self.fps / self.time_base)

    def _decode(self) -> Iterator[av.VideoFrame]:
        try:
            for frame in self.container.decode(self.stream):
                if frame.pts is not None:
                    yield frame
        except av.FFmpegError as exc:
            raise MediaError(f"{self.path}: decoding failed ({exc})") from exc

    def _seek(self, index: int) -> None:
        target = self._pts_of(index)
        try:
            self.container.seek(max(target, self.start_pts), stream=self.stream, backward=True)
        except av.FFmpegError as exc:
            raise MediaError(f"{self.path}: cannot seek to frame {index} ({exc})") from exc
        self._frames = self._decode()
        self._next = -1

    def frames(self, start: int = 0, count: int | None = None) -> Iterator[np.ndarray]:
        """RGB frames ``start``, ``start+1``, ... (``count`` of them, or to the end of the file)."""
        if start < 0:
            raise MediaError(f"{self.path}: frame {start} does not exist")
        end = None if count is None else start + count
        if self._frames is None or not (0 <= self._next <= start) or start - self._next > 12:
            self._seek(start)
        retried = start == 0
        while end is None or start < end:
            frame = next(self._frames, None)  # type: ignore[arg-type]
            if frame is None:
                self._frames = None
                if end is not None:
                    raise MediaError(f"{self.path}: frame {start} does not exist (the video is shorter)")
                return
            index = self.index_of(frame.pts)
            if index > start and not retried:
                # The seek landed past the target (bad index): decode from the beginning instead.
                retried = True
                self.container.seek(self.start_pts, stream=self.stream, backward=True)
                self._frames = self._decode()
                continue
            self._next = index + 1
            if index < start:
                continue
            yield frame.to_ndarray(format="rgb24")
            start = index + 1

    def frame(self, index: int) -> np.ndarray:
        """Exactly frame ``index`` (0-based) as RGB uint8."""
        for image in self.frames(index, 1):
            return image
        raise MediaError(f"{self.path}: frame {index} does not exist")

    def close(self) -> None:
        self._frames = None
        self.container.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_frames(path: str | Path, start: int = 0, count: int | None = None) -> Iterator[np.ndarray]:
    """Decode RGB uint8 frames from ``start`` (``count`` of them, or to the end).

    The file is opened (and a missing or broken one reported) at the call, not at the first ``next``.
    """
    reader = VideoReader(path)

    def frames() -> Iterator[np.ndarray]:
        try:
            yield from reader.frames(start, count)
        finally:
            reader.close()

    return frames()


def read_frame(path: str | Path, index: int) -> np.ndarray:
    """Frame ``index`` of ``path``, frame-accurately (seek to the keyframe before, decode forward)."""
    with VideoReader(path) as reader:
        return reader.frame(index)
