"""PSNR and SSIM between two videos: clips of known content written through the project's writer."""

from __future__ import annotations

import math
from fractions import Fraction

import cv2
import numpy as np
import pytest

from previz.core.errors import MediaError
from previz.media.compare import compare_videos, luma, psnr, ssim
from previz.media.video import VideoWriter


def textured(i: int, width: int = 96, height: int = 64) -> np.ndarray:
    """A mid-grey frame with smooth gradients and blocks (no clipping when noise is added)."""
    rng = np.random.default_rng(100 + i)
    y, x = np.mgrid[0:height, 0:width]
    base = 80 + 40 * np.sin(x / 7.0 + i) + 30 * np.cos(y / 5.0)
    frame = np.repeat(base[..., None], 3, axis=2)
    for _ in range(6):
        bx, by = int(rng.integers(0, width - 16)), int(rng.integers(0, height - 16))
        frame[by : by + 14, bx : bx + 14] = rng.integers(70, 190, 3)
    return np.clip(frame, 0, 255).astype(np.uint8)


def write(path, frames, codec: str = "png", fps: int = 24) -> str:
    h, w = frames[0].shape[:2]
    kwargs = {"crf": 10, "preset": "ultrafast"} if codec == "h264" else {}
    with VideoWriter(path, w, h, Fraction(fps), codec=codec, **kwargs) as writer:
        for frame in frames:
            writer.write(frame)
    return str(path)


def reference_ssim(x: np.ndarray, y: np.ndarray) -> float:
    """SSIM written out window by window, straight from the paper (slow; for small images only)."""
    size, sigma = 11, 1.5
    r = np.arange(size) - size // 2
    g = np.exp(-(r**2) / (2 * sigma**2))
    window = np.outer(g, g) / np.outer(g, g).sum()
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    values = []
    for top in range(x.shape[0] - size + 1):
        for left in range(x.shape[1] - size + 1):
            px = x[top : top + size, left : left + size]
            py = y[top : top + size, left : left + size]
            mx, my = (window * px).sum(), (window * py).sum()
            vx = (window * (px - mx) ** 2).sum()
            vy = (window * (py - my) ** 2).sum()
            cov = (window * (px - mx) * (py - my)).sum()
            values.append(((2 * mx * my + c1) * (2 * cov + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2)))
    return float(np.mean(values))


def test_vectorised_ssim_matches_the_formula_window_by_window():
    a = luma(textured(0, 40, 30))
    noisy = np.clip(a + np.random.default_rng(1).normal(0, 12, a.shape), 0, 255)
    shifted = np.roll(a, 3, axis=1)
    for b in (noisy, shifted):
        assert ssim(a, b) == pytest.approx(reference_ssim(a, b), abs=1e-6)
    assert ssim(a, a) == 1.0
    # a flat bright area with faint noise: the variance survives float32 (moments taken about mid-grey)
    flat = np.full((30, 40), 250.0)
    faint = flat + np.random.default_rng(2).normal(0, 1, flat.shape)
    assert ssim(flat, faint) == pytest.approx(reference_ssim(flat, faint), abs=1e-4)
    assert reference_ssim(flat, faint) < 0.995


def test_identical_clips_are_infinite_psnr_and_ssim_one(tmp_path):
    frames = [textured(i) for i in range(5)]
    a = write(tmp_path / "a.mp4", frames, codec="h264")
    b = write(tmp_path / "b.mp4", frames, codec="h264")
    result = compare_videos(a, b)
    assert len(result.scores) == 5 and result.notes == ()
    assert all(math.isinf(s.psnr) and s.mse == 0 for s in result.scores)
    assert math.isinf(result.psnr_mean) and math.isinf(result.psnr_min)
    assert result.ssim_mean == pytest.approx(1.0, abs=1e-12) and result.ssim_min == pytest.approx(
        1.0, abs=1e-12
    )


def test_known_noise_level_gives_the_expected_psnr(tmp_path):
    """Gaussian noise of sigma 8 on every channel: MSE ~ 64, PSNR = 10 log10(255^2 / 64) = 30.07 dB. The PNG
    codec is lossless, so the files hold exactly these pictures."""
    rng = np.random.default_rng(7)
    clean = [textured(i) for i in range(4)]
    noisy = [np.clip(f + rng.normal(0, 8, f.shape).round(), 0, 255).astype(np.uint8) for f in clean]
    result = compare_videos(write(tmp_path / "a.mov", clean), write(tmp_path / "b.mov", noisy))
    expected = 10 * math.log10(255**2 / 64)
    assert [s.frame for s in result.scores] == [0, 1, 2, 3]
    for s in result.scores:
        assert s.psnr == pytest.approx(expected, abs=0.25)
    assert result.psnr_mean == pytest.approx(expected, abs=0.15)
    # the figures are those of the pictures written (nothing lost or shifted on the way through the file)
    assert result.scores[2].psnr == pytest.approx(psnr(clean[2], noisy[2]), abs=1e-9)
    assert 0.3 < result.ssim_min <= result.ssim_mean < 0.95


def test_a_shifted_image_has_ssim_below_one(tmp_path):
    frames = [textured(i) for i in range(3)]
    shifted = [np.roll(f, 4, axis=1) for f in frames]
    slight = [np.roll(f, 1, axis=1) for f in frames]
    a = write(tmp_path / "a.mp4", frames, codec="h264")
    result = compare_videos(a, write(tmp_path / "b.mp4", shifted, codec="h264"))
    near = compare_videos(a, write(tmp_path / "c.mp4", slight, codec="h264"))
    assert result.ssim_mean < 0.9 and near.ssim_mean < 0.99
    assert result.ssim_mean < near.ssim_mean  # the further the shift, the lower the similarity
    assert not math.isinf(result.psnr_min) and result.psnr_mean < near.psnr_mean


def test_different_sizes_compare_at_the_smaller_after_a_stated_resize(tmp_path):
    small = [textured(i) for i in range(3)]
    big = [cv2.resize(f, (192, 128), interpolation=cv2.INTER_NEAREST) for f in small]  # each pixel 2x2
    result = compare_videos(write(tmp_path / "big.mov", big), write(tmp_path / "small.mov", small))
    assert result.size == (96, 64) and result.sizes == ((192, 128), (96, 64))
    assert result.notes == ("A is 192x128, B 96x64: A was resized to 96x64 (area average) before comparing",)
    assert math.isinf(result.psnr_mean)  # area-averaging 2x2 copies gives back the small picture exactly
    wide = [cv2.resize(f, (192, 64)) for f in small]
    stretched = compare_videos(write(tmp_path / "s.mov", small), write(tmp_path / "w.mov", wide))
    assert "aspect ratios differ" in stretched.notes[0]


def test_different_lengths_compare_the_common_frames_and_say_so(tmp_path):
    frames = [textured(i) for i in range(6)]
    result = compare_videos(
        write(tmp_path / "a.mov", frames),
        write(tmp_path / "b.mov", frames[:4], fps=25),
        labels=("take 1", "take 2"),
    )
    assert [s.frame for s in result.scores] == [0, 1, 2, 3] and result.frame_counts == (6, 4)
    assert (
        "take 1 has 6 frames, take 2 4: compared the first 4 of each (frames matched by index)"
        in result.notes
    )
    assert any("24 fps" in n and "25 fps" in n for n in result.notes)
    assert math.isinf(result.psnr_mean)


def test_bad_input(tmp_path):
    frames = [textured(0)]
    a = write(tmp_path / "a.mov", frames)
    with pytest.raises(MediaError, match="missing.mp4: video file not found"):
        compare_videos(a, tmp_path / "missing.mp4")
    (tmp_path / "junk.mp4").write_bytes(b"not a video")
    with pytest.raises(MediaError, match="junk.mp4: not a readable video"):
        compare_videos(tmp_path / "junk.mp4", a)
    tiny = write(tmp_path / "tiny.mov", [np.zeros((8, 8, 3), np.uint8)])
    with pytest.raises(MediaError, match="smaller than the SSIM window"):
        compare_videos(tiny, tiny)
