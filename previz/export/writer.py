"""A :class:`~previz.media.video.VideoWriter` whose RGB -> encoder-format conversion can run on another
thread than the encoder, with a fast copy into the frame.

``av.VideoFrame.from_ndarray`` costs ~7 ms for a 1080p RGB frame in PyAV 18; updating the plane of a
freshly allocated frame costs ~0.3 ms, and ``reformat`` (swscale) releases the GIL, so the export's
frame producer converts frames while the main thread encodes. (A candidate to fold into
``previz.media.video.VideoWriter`` itself.)
"""

from __future__ import annotations

import av
import numpy as np

from previz.core.errors import MediaError
from previz.media.video import VideoWriter


def rgb_video_frame(frame: np.ndarray) -> av.VideoFrame:
    """An ``rgb24`` VideoFrame holding a copy of ``frame`` (H, W, 3) uint8."""
    height, width = frame.shape[:2]
    video = av.VideoFrame(width, height, "rgb24")
    plane = video.planes[0]
    if plane.line_size == width * 3:
        plane.update(np.ascontiguousarray(frame))
        return video
    return av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")


class ReelWriter(VideoWriter):
    """``VideoWriter`` plus :meth:`convert` (thread-safe, stateless) and :meth:`write_video_frame`."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._pix_fmt = self.stream.pix_fmt
        self._shape = (self.height, self.width, 3)

    def convert(self, frame: np.ndarray) -> av.VideoFrame:
        """``frame`` (RGB uint8) as a VideoFrame in the encoder's pixel format (BT.709, video range)."""
        if frame.shape != self._shape or frame.dtype != np.uint8:
            raise MediaError(
                f"{self.path}: a frame is {frame.shape} {frame.dtype}; expected {self._shape} uint8 RGB"
            )
        video = rgb_video_frame(frame)
        if self._pix_fmt == "rgb24":
            return video
        return video.reformat(
            format=self._pix_fmt, src_colorspace="ITU709", dst_colorspace="ITU709", dst_color_range="MPEG"
        )

    def convert_i420(self, frame: np.ndarray) -> av.VideoFrame:
        """An I420 array (from ``CutRenderer.frames(i420=True)``) as a yuv420p VideoFrame."""
        if self._pix_fmt != "yuv420p":
            raise MediaError(f"{self.path}: the encoder takes {self._pix_fmt}, not yuv420p")
        return av.VideoFrame.from_ndarray(frame, format="yuv420p")

    def write_video_frame(self, video: av.VideoFrame) -> None:
        """Encode a frame made by :meth:`convert`; it gets pts = frames written."""
        if self._closed:
            raise MediaError(f"{self.path}: the writer is closed")
        video.pts = self.frames_written
        video.time_base = self.stream.codec_context.time_base
        self._encode(self.stream, video)
        self.frames_written += 1

    def write(self, frame: np.ndarray) -> None:
        self.write_video_frame(self.convert(frame))
