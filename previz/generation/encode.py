"""Write generated frames to an H.264 MP4 atomically (a temporary name, renamed when complete)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from fractions import Fraction
from pathlib import Path

import numpy as np

from previz.core.errors import GenerationError, MediaError

CRF = 16


def partial_path(out_path: Path) -> Path:
    return out_path.with_name(f".{out_path.stem}.partial{out_path.suffix}")


class NV12Writer:
    """H.264 (High, yuv420p, BT.709 limited range, time base 1/fps) from NV12 arrays.

    For renderers that already hold Y'CbCr planes (the animatic): no per-frame RGB conversion. Frames
    are arrays of shape (height * 3 // 2, width): the luma plane, then interleaved CbCr at half size.
    """

    def __init__(
        self, path: Path, width: int, height: int, fps: Fraction, *, crf: int, preset: str, gop: int
    ) -> None:
        import av

        self.width, self.height = width, height
        try:
            self.container = av.open(str(path), "w", options={"movflags": "+faststart"})
        except (av.FFmpegError, OSError, ValueError) as exc:
            raise MediaError(f"{path}: cannot create the video file ({exc})") from exc
        stream = self.container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"crf": str(int(crf)), "preset": preset, "profile": "high"}
        stream.time_base = stream.codec_context.time_base = Fraction(1) / fps
        ctx = stream.codec_context
        ctx.gop_size = gop
        ctx.framerate = fps
        ctx.color_primaries = ctx.color_trc = ctx.colorspace = ctx.color_range = 1  # BT.709, limited
        self.stream = stream
        self.count = 0

    def write(self, nv12: np.ndarray) -> None:
        import av

        if nv12.shape != (self.height * 3 // 2, self.width) or nv12.dtype != np.uint8:
            raise MediaError(
                f"frame {self.count} is {nv12.shape}; expected NV12 ({self.height * 3 // 2}, {self.width})"
            )
        frame = av.VideoFrame.from_ndarray(nv12, format="nv12")
        frame.pts = self.count
        self.container.mux(self.stream.encode(frame))
        self.count += 1

    def __enter__(self) -> NV12Writer:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self.container.mux(self.stream.encode(None))
        finally:
            self.container.close()


def encode_frames(
    frames: Iterable[np.ndarray],
    out_path: str | Path,
    *,
    width: int,
    height: int,
    fps: Fraction,
    crf: int = CRF,
    preset: str = "superfast",
    on_frame: Callable[[int], None] | None = None,
    layout: str = "rgb",
) -> int:
    """Encode frames to ``out_path`` (H.264 yuv420p, time base 1/fps); return the frame count.

    ``layout`` is ``"rgb"`` (RGB uint8 HxWx3, through ``previz.media.video.VideoWriter``) or ``"nv12"``
    (see ``NV12Writer``). The file appears only when every frame is written: on any error or cancel
    (``on_frame`` may raise ``CancelledError``) the partial file is removed and ``out_path`` is left
    untouched.
    """
    from previz.media.video import VideoWriter

    # A keyframe every second: the viewer's jump to any frame of a take then decodes at most a second.
    gop = max(1, round(fps))
    out_path = Path(out_path)
    tmp = partial_path(out_path)
    count = 0
    try:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        if layout == "nv12":
            writer_cm = NV12Writer(tmp, width, height, fps, crf=crf, preset=preset, gop=gop)
        else:
            writer_cm = VideoWriter(tmp, width, height, fps, codec="h264", crf=crf, preset=preset, gop=gop)
        with writer_cm as writer:
            for frame in frames:
                writer.write(np.ascontiguousarray(frame))
                count += 1
                if on_frame is not None:
                    on_frame(count)
        if count == 0:
            raise GenerationError(f"{out_path}: the backend produced no frames")
        os.replace(tmp, out_path)
    except MediaError as exc:
        tmp.unlink(missing_ok=True)
        raise GenerationError(f"{out_path}: cannot encode the clip ({exc})") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        close = getattr(frames, "close", None)
        if close is not None:
            close()  # stop a generator (and its prefetch thread) that was not used up
    return count
