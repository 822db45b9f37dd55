"""Video encode, probe and frame-accurate decode through PyAV.

Everything here works on RGB ``uint8`` arrays of shape ``(height, width, 3)``. Frame ``i`` of a file
written by :class:`VideoWriter` has the presentation time ``i / fps`` exactly (the stream time base is
``1 / fps``), so frame numbers, timecode and seconds convert without rounding drift.
"""

from __future__ import annotations

import contextlib
import os
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import av
import cv2
import numpy as np

from previz.core.errors import MediaError
from previz.core.timecode import FrameRate
from previz.media.reader import VideoInfo, VideoReader, probe, read_frame, read_frames

if TYPE_CHECKING:
    from typing import Self

__all__ = [
    "CODECS",
    "PRESETS",
    "VideoInfo",
    "VideoReader",
    "VideoWriter",
    "movie_timecode",
    "probe",
    "read_frame",
    "read_frames",
]

CODECS = ("h264", "prores", "png")
PRESETS = (
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
    "placebo",
)
_MOV_LIKE = {".mp4", ".m4v", ".mov"}


# RGB -> Y'CbCr, ITU-R BT.709, limited ("MPEG") range, as a 3x4 matrix for cv2.transform (which rounds).
_KR, _KB = 0.2126, 0.0722
_KG = 1 - _KR - _KB
RGB_TO_YCC_709 = np.array(
    [
        [_KR * 219 / 255, _KG * 219 / 255, _KB * 219 / 255, 16.0],
        [-_KR / (1 - _KB) / 2 * 224 / 255, -_KG / (1 - _KB) / 2 * 224 / 255, 0.5 * 224 / 255, 128.0],
        [0.5 * 224 / 255, -_KG / (1 - _KR) / 2 * 224 / 255, -_KB / (1 - _KR) / 2 * 224 / 255, 128.0],
    ],
    np.float32,
)


def rgb_to_yuv420p(frame: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """RGB uint8 (h, w, 3), even h and w, to planar BT.709 limited-range yuv420p as PyAV lays it out:
    shape (h * 3 // 2, w), the Y plane then the U and V planes (chroma is the 2x2 box average).
    """
    h, w = frame.shape[:2]
    if out is None or out.shape != (h * 3 // 2, w):
        out = np.empty((h * 3 // 2, w), np.uint8)
    ycc = cv2.transform(frame, RGB_TO_YCC_709)
    y, u, v = cv2.split(ycc)
    half = (w // 2, h // 2)
    flat = out.reshape(-1)
    plane = h * w
    flat[:plane] = y.reshape(-1)
    flat[plane : plane + plane // 4] = cv2.resize(u, half, interpolation=cv2.INTER_AREA).reshape(-1)
    flat[plane + plane // 4 :] = cv2.resize(v, half, interpolation=cv2.INTER_AREA).reshape(-1)
    return out


def i420_planes(frame: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Views of the Y, U and V planes of an I420 (yuv420p) array of shape (h * 3 // 2, w)."""
    h = frame.shape[0] * 2 // 3
    w = frame.shape[1]
    q = h // 4
    y = frame[:h]
    u = frame[h : h + q].reshape(h // 2, w // 2)
    v = frame[h + q : h + 2 * q].reshape(h // 2, w // 2)
    return y, u, v


def rgb_video_frame(frame: np.ndarray) -> av.VideoFrame:
    """An ``rgb24`` VideoFrame holding a copy of ``frame`` (H, W, 3) uint8.

    ``av.VideoFrame.from_ndarray`` costs ~7 ms for a 1080p RGB frame in PyAV 18; updating the plane of
    a freshly allocated frame costs ~0.3 ms.
    """
    height, width = frame.shape[:2]
    video = av.VideoFrame(width, height, "rgb24")
    plane = video.planes[0]
    if plane.line_size == width * 3:
        plane.update(np.ascontiguousarray(frame))
        return video
    return av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")


class VideoWriter:
    """Encode frames (and optionally float32 audio) to H.264 MP4, ProRes 422 HQ MOV or PNG: the one
    video writer of the app (takes, proxies, reels, per-shot clips, image sequences).

    Frames come as RGB arrays (:meth:`write`), or already converted: :meth:`convert` (RGB),
    :meth:`convert_i420` (yuv420p planes) and :meth:`convert_nv12` (NV12, from renderers that hold
    Y'CbCr planes) make a VideoFrame in the encoder's format without touching the writer's state, so
    a producer thread may convert while another thread encodes with :meth:`write_video_frame`.

    ``codec="png"`` writes PNG frames into a MOV/MKV, or an image sequence when ``path`` holds a
    printf pattern such as ``frames/%06d.png`` (numbered from ``sequence_start``). ``gop`` caps the
    keyframe interval (short GOPs make proxies quick to seek). Audio is AAC with H.264, 16-bit PCM
    with ProRes or PNG in MOV/MKV.

    ``timecode`` (``"01:00:00:00"``, ``;`` before the frames for drop-frame) writes a timecode track
    (QuickTime ``tmcd``) starting at that timecode into an MP4/MOV, so an editing system can relink the
    file by timecode; ``reel`` names its reel (the tmcd track's reel name in a MOV, and a ``reel_name``
    tag on the file in both). Read them back with :func:`movie_timecode`.

    With ``atomic=True`` the file is written under a hidden temporary name in the same folder and
    renamed to ``path`` only when :meth:`close` finishes it. :meth:`abort` (called for you when the
    ``with`` block raises) closes the encoder and deletes what was written, so a cancelled or failed
    write leaves nothing under ``path``.
    """

    def __init__(
        self,
        path: str | Path,
        width: int,
        height: int,
        fps: Fraction | float,
        *,
        codec: str = "h264",
        crf: int = 18,
        preset: str = "medium",
        pix_fmt: str | None = None,
        faststart: bool = True,
        audio_rate: int | None = None,
        audio_channels: int = 2,
        threads: int = 0,
        gop: int | None = None,
        atomic: bool = False,
        sequence_start: int = 1,
        timecode: str | None = None,
        reel: str | None = None,
    ) -> None:
        if codec not in CODECS:
            raise MediaError(f"codec: {codec!r} is not supported; use one of {', '.join(CODECS)}")
        if codec == "h264" and preset not in PRESETS:
            raise MediaError(f"preset: {preset!r} is not an x264 preset; use one of {', '.join(PRESETS)}")
        if codec == "h264" and not 0 <= int(crf) <= 51:
            raise MediaError(
                f"crf: {crf} is out of range; use 0 (lossless) to 51 (smallest), 18-23 for review"
            )
        if width <= 0 or height <= 0:
            raise MediaError(f"{path}: frame size {width}x{height} is not valid")
        if codec != "png" and (width % 2 or height % 2):
            raise MediaError(
                f"{path}: width {width} and height {height} must both be even for {codec} "
                "(4:2:0/4:2:2 chroma); letterbox or crop to an even size"
            )
        self.path = Path(path)
        self.width = int(width)
        self.height = int(height)
        self.fps = FrameRate.parse(fps, project=False).fraction
        self.codec = codec
        self.frames_written = 0
        self.samples_written = 0
        self._closed = False
        sequence = "%" in self.path.name
        suffix = self.path.suffix.lower()
        self.atomic = atomic and not sequence
        self.sequence_start = int(sequence_start)
        self._target = (
            self.path.with_name(f".{self.path.stem}.partial-{os.getpid()}{self.path.suffix}")
            if self.atomic
            else self.path
        )
        if (timecode or reel) and (sequence or suffix not in _MOV_LIKE):
            raise MediaError(f"{path}: only an MP4 or MOV file carries a timecode track or reel name")
        options: dict[str, str] = {}
        flags = ("+faststart" if faststart and suffix in _MOV_LIKE else "") + (
            "+use_metadata_tags" if reel else ""
        )
        if flags:
            options["movflags"] = flags
        try:
            if sequence:
                options = {"start_number": str(int(sequence_start))}
                self.container = av.open(str(self._target), "w", format="image2", options=options)
            else:
                self.container = av.open(str(self._target), "w", options=options)
        except (av.FFmpegError, OSError, ValueError) as exc:
            raise MediaError(f"{path}: cannot create the video file ({exc})") from exc
        try:
            self.stream = self._add_video_stream(codec, crf, preset, pix_fmt, threads)
            if timecode:
                self.stream.metadata["timecode"] = str(timecode)  # the muxer adds the tmcd track
            if reel:
                self.stream.metadata["reel_name"] = str(reel)  # MOV: the tmcd track's reel name
                self.container.metadata["reel_name"] = str(reel)  # MP4 and MOV: a file tag
            if gop:
                self.stream.codec_context.gop_size = int(gop)
            self.audio_stream = None
            if audio_rate:
                if sequence:
                    raise MediaError(f"{path}: an image sequence cannot carry audio")
                self._add_audio_stream(int(audio_rate), audio_channels, suffix)
        except BaseException:
            self.abort()
            raise

    # -- setup ----------------------------------------------------------------------------------------
    def _add_video_stream(self, codec: str, crf: int, preset: str, pix_fmt: str | None, threads: int):
        rate = self.fps
        if codec == "h264":
            stream = self.container.add_stream("libx264", rate=rate)
            stream.pix_fmt = pix_fmt or "yuv420p"
            options = {"crf": str(int(crf)), "preset": str(preset)}
            if int(crf) > 0 and stream.pix_fmt == "yuv420p":
                options["profile"] = "high"  # lossless (crf 0) needs High 4:4:4 Predictive instead
            if preset == "ultrafast":
                # ultrafast turns CABAC off, which drops the stream to Constrained Baseline; browsers and
                # the review spec want Main or High, and CABAC costs little.
                options["x264-params"] = "cabac=1"
            stream.options = options
        elif codec == "prores":
            stream = self.container.add_stream("prores_ks", rate=rate)
            stream.pix_fmt = pix_fmt or "yuv422p10le"
            stream.options = {"profile": "3", "vendor": "apl0"}
        else:
            stream = self.container.add_stream("png", rate=rate)
            stream.pix_fmt = pix_fmt or "rgb24"
        stream.width = self.width
        stream.height = self.height
        stream.time_base = Fraction(1) / rate
        stream.codec_context.time_base = Fraction(1) / rate
        stream.codec_context.framerate = rate
        stream.codec_context.thread_count = int(threads)
        stream.codec_context.thread_type = "AUTO"
        if codec != "png":
            # HD video is BT.709; tag it so players convert back with the same matrix we used.
            stream.codec_context.color_primaries = 1
            stream.codec_context.color_trc = 1
            stream.codec_context.colorspace = 1
            stream.codec_context.color_range = 1
        return stream

    def _add_audio_stream(self, rate: int, channels: int, suffix: str) -> None:
        layout = "stereo" if channels == 2 else "mono" if channels == 1 else f"{channels}c"
        name = "pcm_s16le" if suffix in {".mov", ".mkv"} and self.codec != "h264" else "aac"
        stream = self.container.add_stream(name, rate=rate)
        stream.layout = layout
        if name == "aac":
            stream.bit_rate = 192_000
        stream.time_base = Fraction(1, rate)
        self.audio_stream = stream
        self.audio_rate = rate
        self.audio_channels = channels

    # -- writing --------------------------------------------------------------------------------------
    @property
    def closed(self) -> bool:
        """True once :meth:`close` or :meth:`abort` ran: nothing more can be written."""
        return self._closed

    def write(self, frame: np.ndarray) -> None:
        """Encode one RGB uint8 frame of exactly (height, width, 3); it gets pts = frames written."""
        self.write_video_frame(self.convert(frame))

    def write_nv12(self, frame: np.ndarray) -> None:
        """Encode one NV12 frame (see :meth:`convert_nv12`); it gets pts = frames written."""
        self.write_video_frame(self.convert_nv12(frame))

    def convert(self, frame: np.ndarray) -> av.VideoFrame:
        """RGB uint8 (height, width, 3) as a VideoFrame in the encoder's pixel format (BT.709, video
        range). Stateless: safe on another thread than the one encoding."""
        if frame.shape != (self.height, self.width, 3) or frame.dtype != np.uint8:
            raise MediaError(
                f"{self.path}: frame {self.frames_written} is {frame.shape} {frame.dtype}; "
                f"expected ({self.height}, {self.width}, 3) uint8 RGB"
            )
        pix_fmt = self.stream.pix_fmt
        if pix_fmt == "yuv420p":
            # OpenCV converts about 3x faster than swscale's rgb24 -> yuv420p path (the hot path).
            return av.VideoFrame.from_ndarray(rgb_to_yuv420p(frame), format="yuv420p")
        video = rgb_video_frame(frame)
        if pix_fmt == "rgb24":
            return video
        # swscale releases the GIL, so a producer thread converts while the encoder runs.
        return video.reformat(
            format=pix_fmt, src_colorspace="ITU709", dst_colorspace="ITU709", dst_color_range="MPEG"
        )

    def convert_i420(self, frame: np.ndarray) -> av.VideoFrame:
        """An I420 array (height * 3 // 2, width): the Y plane, then U and V at half size, as a yuv420p
        VideoFrame (for an H.264 writer)."""
        self._check_planar(frame, "I420")
        if self.stream.pix_fmt != "yuv420p":
            raise MediaError(f"{self.path}: the encoder takes {self.stream.pix_fmt}, not yuv420p")
        return av.VideoFrame.from_ndarray(frame, format="yuv420p")

    def convert_nv12(self, frame: np.ndarray) -> av.VideoFrame:
        """An NV12 array (height * 3 // 2, width): the Y plane, then interleaved CbCr at half size
        (BT.709 video range), as a VideoFrame; the encoder takes it to its own 4:2:0 format."""
        self._check_planar(frame, "NV12")
        return av.VideoFrame.from_ndarray(frame, format="nv12")

    def _check_planar(self, frame: np.ndarray, layout: str) -> None:
        expected = (self.height * 3 // 2, self.width)
        if frame.shape != expected or frame.dtype != np.uint8:
            raise MediaError(
                f"{self.path}: frame {self.frames_written} is {frame.shape} {frame.dtype}; "
                f"expected {layout} {expected} uint8"
            )

    def write_video_frame(self, video: av.VideoFrame) -> None:
        """Encode a frame made by one of the ``convert`` methods; it gets pts = frames written."""
        if self._closed:
            raise MediaError(f"{self.path}: the writer is closed")
        video.pts = self.frames_written
        video.time_base = self.stream.codec_context.time_base
        self._encode(self.stream, video)
        self.frames_written += 1

    def write_audio(self, samples: np.ndarray) -> None:
        """Encode float32 samples shaped (channels, n) in [-1, 1] at ``audio_rate``."""
        if self.audio_stream is None:
            raise MediaError(f"{self.path}: the writer was opened without audio (pass audio_rate)")
        samples = np.asarray(samples, dtype=np.float32)
        if samples.ndim != 2 or samples.shape[0] != self.audio_channels:
            raise MediaError(
                f"{self.path}: audio is {samples.shape}; expected ({self.audio_channels}, n) float32"
            )
        if samples.shape[1] == 0:
            return
        layout = self.audio_stream.layout.name
        af = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(np.clip(samples, -1, 1)), format="fltp", layout=layout
        )
        af.sample_rate = self.audio_rate
        af.pts = self.samples_written
        af.time_base = Fraction(1, self.audio_rate)
        self._encode(self.audio_stream, af)
        self.samples_written += samples.shape[1]

    def _encode(self, stream, frame) -> None:
        try:
            packets = stream.encode(frame)
        except av.FFmpegError as exc:
            raise MediaError(f"{self.path}: the {stream.codec_context.name} encoder failed ({exc})") from exc
        try:
            self.container.mux(packets)
        except (OSError, av.FFmpegError) as exc:
            raise MediaError(f"{self.path}: writing failed ({exc})") from exc

    def close(self) -> None:
        """Flush the encoders and finish the file (moves the moov atom first for faststart)."""
        if self._closed:
            return
        self._closed = True
        try:
            self._encode(self.stream, None)
            if self.audio_stream is not None:
                self._encode(self.audio_stream, None)
            try:
                self.container.close()
            except (OSError, av.FFmpegError) as exc:
                raise MediaError(f"{self.path}: finishing the file failed ({exc})") from exc
            if self.atomic:
                os.replace(self._target, self.path)
        except BaseException:
            self._discard()
            raise

    def abort(self) -> None:
        """Stop writing and delete what was written (the temporary file, or the partial output)."""
        self._closed = True
        with contextlib.suppress(Exception):  # an abort follows another error; that one matters
            self.container.close()
        self._discard()

    def _discard(self) -> None:
        with contextlib.suppress(Exception):
            self.container.close()
        if "%" in self.path.name:
            for index in range(self.sequence_start, self.sequence_start + self.frames_written):
                with contextlib.suppress(OSError, TypeError):
                    Path(str(self.path) % index).unlink(missing_ok=True)
        else:
            self._target.unlink(missing_ok=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def movie_timecode(path: str | Path) -> tuple[str | None, str | None]:
    """The start timecode of a movie's timecode track and its reel name, as an editing system reads
    them (``(None, None)`` when the file has neither)."""
    try:
        with av.open(str(path)) as container:
            timecode = reel = None
            for stream in container.streams:
                timecode = timecode or stream.metadata.get("timecode")
                reel = reel or stream.metadata.get("reel_name")
            return timecode, reel or container.metadata.get("reel_name")
    except (av.FFmpegError, OSError) as exc:
        raise MediaError(f"{path}: cannot read the movie ({exc})") from exc
