"""What a draft costs: PSNR and SSIM, frame by frame, between two videos (two takes of a shot).

- **PSNR** (dB) over all three RGB channels of 8-bit frames: ``10·log10(255² / MSE)``; infinite when the
  frames are identical. The clip's figure is the PSNR of the mean MSE over the compared frames (as FFmpeg's
  ``psnr`` filter averages), so one identical frame does not make the whole clip "infinite".
- **SSIM** on luma (BT.601 weights, as the SSIM paper's reference code converts colour) with the standard
  formula of Wang et al. (2004): an 11×11 Gaussian window of σ = 1.5, K1 = 0.01, K2 = 0.03, L = 255,
  averaged over the window positions that lie wholly inside the frame (the reference's "valid" region).
  The reference's automatic down-sampling of large frames is not applied: the figure is at full size.
  The clip's figure is the mean over the compared frames.

Frames are matched by index (frame ``i`` of A with frame ``i`` of B). Two clips of different sizes are
compared at the smaller one: the larger clip is resized to it with area averaging first. Two clips of
different lengths are compared over their common frames. Each such adjustment is stated in
``Comparison.notes``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from previz.core.errors import MediaError, NotFoundError
from previz.core.jobs import CancelToken, ProgressFn, no_progress

PEAK = 255.0
SSIM_WINDOW = 11
SSIM_SIGMA = 1.5
SSIM_K1, SSIM_K2 = 0.01, 0.03
_C1 = (SSIM_K1 * PEAK) ** 2
_C2 = (SSIM_K2 * PEAK) ** 2
LUMA_601 = np.array([[0.299, 0.587, 0.114]], np.float32)


@dataclass(frozen=True)
class FrameScore:
    frame: int
    mse: float
    psnr: float  # dB; math.inf for identical frames
    ssim: float


@dataclass(frozen=True)
class Comparison:
    labels: tuple[str, str]
    sizes: tuple[tuple[int, int], tuple[int, int]]  # (width, height) of A and of B as stored
    frame_counts: tuple[int, int]
    size: tuple[int, int]  # the (width, height) the frames were compared at
    scores: tuple[FrameScore, ...]
    notes: tuple[str, ...]

    @property
    def psnr_mean(self) -> float:
        """PSNR of the mean squared error over the compared frames."""
        return psnr_from_mse(sum(s.mse for s in self.scores) / len(self.scores))

    @property
    def psnr_min(self) -> float:
        return min(s.psnr for s in self.scores)

    @property
    def ssim_mean(self) -> float:
        return sum(s.ssim for s in self.scores) / len(self.scores)

    @property
    def ssim_min(self) -> float:
        return min(s.ssim for s in self.scores)


# -- per frame ----------------------------------------------------------------------------------------------
def psnr_from_mse(mse: float) -> float:
    return math.inf if mse <= 0 else 10.0 * math.log10(PEAK * PEAK / mse)


def mse(a: np.ndarray, b: np.ndarray) -> float:
    """Mean squared error of two uint8 images of one shape (all channels), exact (a sum of whole squares)."""
    return cv2.norm(a, b, cv2.NORM_L2SQR) / a.size


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR (dB) of two 8-bit images of one shape; ``math.inf`` when they are identical."""
    return psnr_from_mse(mse(a, b))


def luma(rgb: np.ndarray) -> np.ndarray:
    """BT.601 luma of an RGB uint8 image, as float32 on 0..255 (not rounded to whole levels)."""
    return cv2.transform(rgb.astype(np.float32), LUMA_601)


def ssim(x: np.ndarray, y: np.ndarray) -> float:
    """Mean SSIM of two grey images (2-D, 0..255) of one shape, at least 11×11 (the Gaussian window).

    Computed in float32 (about twice as fast as float64); the second moments are taken about mid-grey
    so that E[x²] − E[x]² does not lose the variance of a flat bright area to rounding. Within ~1e-5 of a
    float64 computation; identical images give exactly 1."""
    if x.shape != y.shape or x.ndim != 2:
        raise ValueError(f"ssim needs two 2-D images of one shape, not {x.shape} and {y.shape}")
    h, w = x.shape
    if h < SSIM_WINDOW or w < SSIM_WINDOW:
        raise MediaError(f"a {w}x{h} frame is smaller than the SSIM window ({SSIM_WINDOW}x{SSIM_WINDOW})")
    x = x.astype(np.float32) - 128.0  # centred: see above (the means are shifted back below)
    y = y.astype(np.float32) - 128.0

    def blur(image: np.ndarray) -> np.ndarray:
        return cv2.GaussianBlur(
            image, (SSIM_WINDOW, SSIM_WINDOW), SSIM_SIGMA, borderType=cv2.BORDER_REFLECT_101
        )

    cx, cy = blur(x), blur(y)  # centred means
    var_x = blur(x * x) - cx * cx
    var_y = blur(y * y) - cy * cy
    cov = blur(x * y) - cx * cy
    mu_x, mu_y = cx + 128.0, cy + 128.0
    mu_xy = mu_x * mu_y
    ssim_map = ((2 * mu_xy + _C1) * (2 * cov + _C2)) / (
        (mu_x * mu_x + mu_y * mu_y + _C1) * (var_x + var_y + _C2)
    )
    pad = SSIM_WINDOW // 2  # keep the windows wholly inside the frame: the reference's "valid" region
    return float(ssim_map[pad : h - pad, pad : w - pad].mean(dtype=np.float64))


def score_frames(index: int, a: np.ndarray, b: np.ndarray) -> FrameScore:
    error = mse(a, b)
    return FrameScore(index, error, psnr_from_mse(error), ssim(luma(a), luma(b)))


# -- two files ----------------------------------------------------------------------------------------------
def compare_videos(
    path_a: str | Path,
    path_b: str | Path,
    *,
    labels: tuple[str, str] = ("A", "B"),
    progress: ProgressFn = no_progress,
    cancel: CancelToken | None = None,
) -> Comparison:
    """PSNR and SSIM of every common frame of two video files (see the module's notes)."""
    from previz.media.reader import probe, read_frames

    info = [probe(path_a), probe(path_b)]
    sizes = ((info[0].width, info[0].height), (info[1].width, info[1].height))
    counts = (info[0].frames, info[1].frames)
    notes: list[str] = []
    small = 0 if sizes[0][0] * sizes[0][1] <= sizes[1][0] * sizes[1][1] else 1
    size = sizes[small]
    resize = None
    if sizes[0] != sizes[1]:
        big = 1 - small
        resize = big
        note = (
            f"{labels[big]} is {sizes[big][0]}x{sizes[big][1]}, {labels[small]} {size[0]}x{size[1]}: "
            f"{labels[big]} was resized to {size[0]}x{size[1]} (area average) before comparing"
        )
        if sizes[big][0] * size[1] != sizes[big][1] * size[0]:
            note += " (the aspect ratios differ, so its picture is stretched)"
        notes.append(note)
    count = min(counts)
    if counts[0] != counts[1]:
        longer = 0 if counts[0] > counts[1] else 1
        notes.append(
            f"{labels[longer]} has {counts[longer]} frames, {labels[1 - longer]} {counts[1 - longer]}: "
            f"compared the first {count} of each (frames matched by index)"
        )
    if info[0].fps != info[1].fps:
        notes.append(
            f"{labels[0]} runs at {float(info[0].fps):g} fps, {labels[1]} at {float(info[1].fps):g} fps: "
            "frames matched by index, not by time"
        )
    scores: list[FrameScore] = []
    progress(0, count, "comparing frames")
    for i, pair in enumerate(zip(read_frames(path_a, 0, count), read_frames(path_b, 0, count))):
        if cancel is not None:
            cancel.raise_if_cancelled()
        frames = list(pair)
        if resize is not None:
            frames[resize] = cv2.resize(frames[resize], size, interpolation=cv2.INTER_AREA)
        scores.append(score_frames(i, frames[0], frames[1]))
        progress(i + 1, count, f"frame {i + 1} of {count}")
    return Comparison(labels, sizes, counts, size, tuple(scores), tuple(notes))


# -- two takes of a shot -----------------------------------------------------------------------------------
def take_video_path(session, shot: str | int, number: int) -> Path:
    """The media file of take ``number`` of ``shot``: NotFoundError naming the shot's takes when it has
    no such take, MediaError when the take's file is missing from the media store."""
    info = session.shot(shot)
    takes = {t.number: t for t in session.takes(info.id)}
    take = takes.get(int(number))
    if take is None:
        have = ", ".join(str(n) for n in sorted(takes)) if takes else "none yet"
        raise NotFoundError(f"{info.code} has no take {number}; its takes are: {have}")
    path = session.media.path(take.media_hash, take.ext)
    if not path.is_file():
        raise MediaError(
            f"{info.code} take {number}: its media file {path} is missing; restore it from a backup or "
            "generate the take again"
        )
    return path


def compare_takes(
    session,
    shot: str | int,
    a: int,
    b: int,
    *,
    progress: ProgressFn = no_progress,
    cancel: CancelToken | None = None,
) -> Comparison:
    """PSNR and SSIM per frame between takes ``a`` and ``b`` of ``shot`` (labelled "take A", "take B")."""
    paths = take_video_path(session, shot, a), take_video_path(session, shot, b)
    return compare_videos(*paths, labels=(f"take {a}", f"take {b}"), progress=progress, cancel=cancel)


def comparison_json(comparison: Comparison) -> dict:
    """A JSON-ready view: PSNR is ``null`` where it is infinite (identical frames: ``mse`` 0)."""

    def finite(value: float) -> float | None:
        return None if math.isinf(value) else round(value, 4)

    return {
        "labels": list(comparison.labels),
        "sizes": [list(s) for s in comparison.sizes],
        "frame_counts": list(comparison.frame_counts),
        "compared_size": list(comparison.size),
        "compared_frames": len(comparison.scores),
        "notes": list(comparison.notes),
        "frames": [
            {"frame": s.frame, "mse": round(s.mse, 6), "psnr": finite(s.psnr), "ssim": round(s.ssim, 6)}
            for s in comparison.scores
        ],
        "psnr": {"mean": finite(comparison.psnr_mean), "min": finite(comparison.psnr_min)},
        "ssim": {"mean": round(comparison.ssim_mean, 6), "min": round(comparison.ssim_min, 6)},
    }


def format_psnr(value: float) -> str:
    return "inf" if math.isinf(value) else f"{value:.2f}"
