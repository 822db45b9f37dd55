"""Frame-size and frame-rate conform."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from previz.media.conform import conform_rate, conform_size, conformed_frames, dissolve, fade
from previz.media.video import VideoWriter


def test_conform_rate_identity_repeat_and_drop():
    assert conform_rate(24, 24, 5) == [0, 1, 2, 3, 4]
    assert conform_rate(24, 24, 3, src_start=10) == [10, 11, 12]
    assert conform_rate(12, 24, 6) == [0, 1, 1, 2, 2, 3]  # each frame shown twice (nearest, ties up)
    assert conform_rate(48, 24, 4) == [0, 2, 4, 6]  # every other frame dropped
    assert conform_rate(16, 24, 24)[-1] == 15  # 1 s at 16 fps stretched over 1 s at 24
    ntsc = conform_rate(Fraction(24000, 1001), 24, 1000)  # 23.976 -> 24: one frame repeats in 1000
    assert ntsc[-1] == 998 and len(set(ntsc)) == 999
    back = conform_rate(24, Fraction(24000, 1001), 1000)  # 24 -> 23.976: one frame dropped
    assert back[-1] == 1000 and len(set(back)) == 1000
    assert conform_rate(24, 24, 5, src_frames=3) == [0, 1, 2, 2, 2]


def test_conform_size_letterbox_keeps_picture():
    frame = np.full((512, 768, 3), 100, np.uint8)  # 3:2 into 16:9 -> pillarbox
    out = conform_size(frame, 1280, 720)
    assert out.shape == (720, 1280, 3)
    assert out[360, 5].max() == 0 and out[360, 640].min() == 100


def test_conformed_frames_from_a_file(tmp_path):
    path = tmp_path / "take16.mp4"
    with VideoWriter(path, 96, 64, 16, preset="ultrafast") as writer:
        for i in range(8):
            writer.write(np.full((64, 96, 3), i * 30, np.uint8))
    frames = list(conformed_frames(path, 128, 72, 24, 15))
    assert len(frames) == 15 and frames[0].shape == (72, 128, 3)
    levels = [round(int(f[36, 64, 0]) / 30) for f in frames]
    assert levels == [min(i, 7) for i in conform_rate(16, 24, 15)]
    frames[1][:] = 255  # drawing on one yielded frame never leaks into a repeat
    assert frames[2][36, 64, 0] < 100


def test_dissolve_and_fade_steps():
    a = np.full((4, 4, 3), 200, np.uint8)
    b = np.full((4, 4, 3), 100, np.uint8)
    assert dissolve(a, b, 0.0)[0, 0, 0] == 200 and dissolve(a, b, 1.0)[0, 0, 0] == 100
    assert dissolve(a, b, 0.5)[0, 0, 0] == 150
    assert fade(a, 0.25)[0, 0, 0] == 50 and fade(a, 0)[0, 0, 0] == 0 and fade(a, 1)[0, 0, 0] == 200


def test_an_i420_fade_goes_to_video_range_black_and_matches_the_rgb_fade():
    """The reel's I420 fast path fades with the same function as RGB frames (Y to 16, U/V to 128)."""
    from previz.media.video import rgb_to_yuv420p

    rgb = np.empty((8, 8, 3), np.uint8)
    rgb[:] = (200, 120, 40)
    i420 = rgb_to_yuv420p(rgb)
    black = fade(i420, 0, i420=True)
    assert (black[:8] == 16).all() and (black[8:] == 128).all()
    assert np.array_equal(fade(i420, 1, i420=True), i420) and fade(i420, 1, i420=True) is not i420
    half = fade(i420, 0.5, i420=True)
    expected = rgb_to_yuv420p(fade(rgb, 0.5))
    assert np.abs(half.astype(int) - expected).max() <= 2
