"""Audio through PyAV: decode (WAV, MP3, AAC, ...) to float32, mix, limit and draw waveforms.

Samples are float32 arrays shaped ``(channels, n)`` in [-1, 1]; the project rate is :data:`RATE`
(48 kHz) stereo, the one audio rate of the reel, the editorial copies, the timeline and playback.
PyAV is imported only by the functions that decode or encode, so the constants and the mixer cost
nothing to import (the UI plays sound with them without loading FFmpeg).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np

from previz.core.errors import MediaError

#: Samples per second of all project audio: mixes, exported reels, audio media frame counts.
RATE = 48_000
CHANNELS = 2
_LAYOUTS = {1: "mono", 2: "stereo"}
_ENCODERS = {
    ".wav": ("pcm_s16le", "s16"),
    ".m4a": ("aac", "fltp"),
    ".aac": ("aac", "fltp"),
    ".mp3": ("libmp3lame", "s16p"),
}


def _layout(channels: int) -> str:
    if channels not in _LAYOUTS:
        raise MediaError(f"channels: {channels} is not supported; use 1 (mono) or 2 (stereo)")
    return _LAYOUTS[channels]


def decode_audio(path: str | Path, rate: int = RATE, channels: int = CHANNELS) -> np.ndarray:
    """The first audio stream of ``path`` at ``rate`` Hz and ``channels`` as float32 (channels, n)."""
    import av

    p = Path(path)
    if not p.is_file():
        raise MediaError(f"{p}: audio file not found")
    try:
        container = av.open(str(p), "r")
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise MediaError(f"{p}: not a readable audio file ({exc})") from exc
    try:
        if not container.streams.audio:
            raise MediaError(f"{p}: has no audio stream")
        stream = container.streams.audio[0]
        # A mono source is duplicated to every channel at full level (as an editor plays a mono clip
        # on a stereo track), not spread with swresample's -3 dB pan law.
        upmix = stream.codec_context.layout.nb_channels == 1 and channels > 1
        resampler = av.AudioResampler(format="fltp", layout="mono" if upmix else _layout(channels), rate=rate)
        chunks: list[np.ndarray] = []
        try:
            for frame in container.decode(stream):
                chunks.extend(out.to_ndarray() for out in resampler.resample(frame))
            chunks.extend(out.to_ndarray() for out in resampler.resample(None))
        except av.FFmpegError as exc:
            raise MediaError(f"{p}: the audio is damaged ({exc})") from exc
    finally:
        container.close()
    if not chunks:
        return np.zeros((channels, 0), np.float32)
    samples = np.concatenate(chunks, axis=1).astype(np.float32, copy=False)
    if upmix:
        samples = np.repeat(samples, channels, axis=0)
    return np.ascontiguousarray(samples)


def write_audio_file(path: str | Path, samples: np.ndarray, rate: int = RATE) -> Path:
    """Encode float32 (channels, n) ``samples`` as WAV (16-bit), MP3 or AAC (.m4a/.aac) by suffix."""
    import av

    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in _ENCODERS:
        raise MediaError(f"{p}: cannot write audio as {suffix or '(no suffix)'}; use .wav, .mp3 or .m4a")
    samples = np.asarray(samples, np.float32)
    if samples.ndim != 2:
        raise MediaError(f"{p}: audio must be shaped (channels, n), got {samples.shape}")
    codec, _fmt = _ENCODERS[suffix]
    try:
        container = av.open(str(p), "w", format="adts" if suffix == ".aac" else None)
    except (av.FFmpegError, OSError) as exc:
        raise MediaError(f"{p}: cannot create the audio file ({exc})") from exc
    try:
        stream = container.add_stream(codec, rate=rate)
        stream.layout = _layout(samples.shape[0])
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(np.clip(samples, -1, 1)), format="fltp", layout=stream.layout.name
        )
        frame.sample_rate = rate
        frame.pts = 0
        frame.time_base = Fraction(1, rate)
        container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    finally:
        container.close()
    return p


def soft_limit(samples: np.ndarray, threshold: float = 0.9) -> np.ndarray:
    """Leave |x| <= ``threshold`` untouched and bend louder samples smoothly towards 1 (never above).

    Stateless and per-sample, so a mix made in chunks limits exactly as one made at once.
    """
    out = np.asarray(samples, np.float32).copy()
    over = np.abs(out) > threshold
    if over.any():
        knee = 1.0 - threshold
        x = out[over]
        out[over] = np.sign(x) * (threshold + knee * np.tanh((np.abs(x) - threshold) / knee))
    return out


def mix(
    clips: Sequence[tuple[np.ndarray, int, float]],
    total_samples: int,
    *,
    channels: int = CHANNELS,
    offset: int = 0,
    limit: bool = True,
) -> np.ndarray:
    """Sum ``(samples, start_sample, gain)`` clips into float32 (channels, total_samples).

    The result covers timeline samples ``offset .. offset + total_samples`` (export mixes a long cut
    chunk by chunk with ``offset``); clips starting before it or running past it are cut. Mono clips
    are spread to every channel. ``gain`` is linear. Peaks over 0.9 are soft-limited, so the sum
    never clips.
    """
    out = np.zeros((channels, max(0, int(total_samples))), np.float32)
    end = offset + out.shape[1]
    for samples, start, gain in clips:
        samples = np.asarray(samples, np.float32)
        if samples.ndim == 1:
            samples = samples[None, :]
        if samples.shape[0] not in (1, channels):
            raise MediaError(f"mix: a clip has {samples.shape[0]} channels; expected 1 or {channels}")
        lo = max(start, offset)
        hi = min(start + samples.shape[1], end)
        if hi <= lo:
            continue
        out[:, lo - offset : hi - offset] += samples[:, lo - start : hi - start] * np.float32(gain)
    return soft_limit(out) if limit else out


def waveform_peaks(samples: np.ndarray, buckets: int) -> np.ndarray:
    """Min and max of all channels in ``buckets`` equal spans: float32 (buckets, 2), columns (min, max).

    Empty spans (more buckets than samples) repeat the nearest sample; silence gives zeros.
    """
    samples = np.asarray(samples, np.float32)
    if samples.ndim == 1:
        samples = samples[None, :]
    buckets = int(buckets)
    if buckets <= 0:
        raise MediaError(f"waveform: {buckets} buckets; ask for at least 1")
    n = samples.shape[1]
    peaks = np.zeros((buckets, 2), np.float32)
    if n == 0:
        return peaks
    low = samples.min(axis=0)
    high = samples.max(axis=0)
    edges = np.linspace(0, n, buckets + 1).astype(np.int64)
    starts = np.minimum(edges[:-1], n - 1)
    ends = np.maximum(edges[1:], starts + 1)
    if n >= buckets:
        peaks[:, 0] = np.minimum.reduceat(low, starts)
        peaks[:, 1] = np.maximum.reduceat(high, starts)
    else:
        for i, (a, b) in enumerate(zip(starts, ends, strict=True)):
            peaks[i] = low[a:b].min(), high[a:b].max()
    return peaks
