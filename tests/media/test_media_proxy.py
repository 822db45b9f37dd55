"""Proxies keep frame count and rate, shrink the picture, and vanish when cancelled."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from previz.core.errors import CancelledError
from previz.core.jobs import CancelToken
from previz.media.proxy import make_proxy, proxy_size
from previz.media.video import VideoWriter, probe, read_frame


def source(path, frames=30):
    with VideoWriter(path, 320, 180, Fraction(24000, 1001), preset="ultrafast") as writer:
        for i in range(frames):
            writer.write(np.full((180, 320, 3), (i * 8) % 256, np.uint8))
    return path


def test_proxy_size_even_and_never_enlarged():
    assert proxy_size(1920, 1080, 540) == (960, 540)
    assert proxy_size(320, 180, 540) == (320, 180)
    assert proxy_size(1000, 563, 270) == (480, 270)


def test_proxy_keeps_frames_and_rate(tmp_path):
    src = source(tmp_path / "take.mp4")
    seen = []
    out = make_proxy(
        src, tmp_path / "proxy" / "take_p.mp4", max_height=90, progress=lambda d, t, m="": seen.append(d)
    )
    info = probe(out)
    assert (info.width, info.height, info.frames, info.fps) == (160, 90, 30, Fraction(24000, 1001))
    assert abs(int(read_frame(out, 17)[45, 80, 0]) - 17 * 8) <= 4
    assert seen[0] == 0 and seen[-1] == 30


def test_cancelled_proxy_leaves_nothing(tmp_path):
    src = source(tmp_path / "take.mp4")
    token = CancelToken()
    token.cancel()
    with pytest.raises(CancelledError):
        make_proxy(src, tmp_path / "p" / "take_p.mp4", cancel=token)
    assert list((tmp_path / "p").iterdir()) == []
