"""load_image / fit / thumbnails on real files."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from previz.core.errors import MediaError
from previz.media.images import cached_thumbnail, decode_image, fit, load_image, save_image, thumbnail
from previz.media.video import VideoWriter


def test_load_png_unicode_path_rgb_order(tmp_path):
    image = np.zeros((20, 30, 3), np.uint8)
    image[:, :, 0] = 250  # red in RGB
    path = tmp_path / "scène_ü_板.png"
    save_image(path, image)
    loaded = load_image(path)
    assert loaded.shape == (20, 30, 3) and loaded.dtype == np.uint8
    assert tuple(loaded[5, 5]) == (250, 0, 0)


def test_load_grey_and_alpha(tmp_path):
    grey = np.full((8, 8), 77, np.uint8)
    _ok, data = cv2.imencode(".png", grey)
    assert tuple(decode_image(data.tobytes())[0, 0]) == (77, 77, 77)
    bgra = np.zeros((8, 8, 4), np.uint8)
    bgra[:, :, 2] = 200  # red
    bgra[:, :, 3] = 255
    bgra[:4, :, 3] = 0  # top half transparent -> black
    _ok, data = cv2.imencode(".png", bgra)
    rgb = decode_image(data.tobytes())
    assert tuple(rgb[6, 0]) == (200, 0, 0) and tuple(rgb[0, 0]) == (0, 0, 0)


def test_corrupt_and_missing_images_name_the_file(tmp_path):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG not really")
    with pytest.raises(MediaError, match="broken.png"):
        load_image(bad)
    with pytest.raises(MediaError, match="nowhere.jpg"):
        load_image(tmp_path / "nowhere.jpg")
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    with pytest.raises(MediaError, match="empty.jpg"):
        load_image(empty)


def test_fit_letterbox_pillarbox_and_cover():
    wide = np.full((100, 400, 3), 200, np.uint8)  # 4:1 into 16:9 -> bars top and bottom
    out = fit(wide, 160, 90, "letterbox")
    assert out.shape == (90, 160, 3)
    assert out[0, 80].max() == 0 and out[-1, 80].max() == 0  # bars
    assert out[45, 80].min() == 200 and out[45, 0].min() == 200  # picture spans the width
    tall = np.full((200, 100, 3), 150, np.uint8)  # portrait -> pillarbox
    out = fit(tall, 160, 90)
    assert out[45, 0].max() == 0 and out[45, -1].max() == 0 and out[45, 80].min() == 150
    assert out[0, 80].min() == 150 and out[-1, 80].min() == 150
    # cover: fills the frame, crops the sides of a wide image, keeps its centre
    pattern = np.zeros((100, 400, 3), np.uint8)
    pattern[:, 180:220] = 255
    out = fit(pattern, 90, 90, "cover")
    assert out.shape == (90, 90, 3)
    assert out[45, 45].min() == 255 and out[45, 0].max() == 0 and out[0, 45].min() == 255
    with pytest.raises(MediaError, match="fit mode"):
        fit(pattern, 10, 10, "squash")


def test_thumbnail_and_cache(tmp_path):
    source = tmp_path / "board.png"
    save_image(source, np.full((720, 1280, 3), 90, np.uint8))
    small = thumbnail(source, 256)
    assert small.shape == (144, 256, 3)
    assert thumbnail(np.zeros((10, 20, 3), np.uint8), 256).shape == (10, 20, 3)  # never enlarged
    cache = tmp_path / "cache"
    first = cached_thumbnail(source, cache, 128)
    assert first.parent == cache and first.suffix == ".jpg"
    assert load_image(first).shape == (72, 128, 3)
    mtime = first.stat().st_mtime_ns
    assert cached_thumbnail(source, cache, 128) == first and first.stat().st_mtime_ns == mtime
    png = cached_thumbnail(source, cache, 64, fmt="png", key="a" * 64)
    assert png.name.startswith("a" * 32) and load_image(png).shape == (36, 64, 3)
    assert not list(cache.glob(".tmp-*"))


def test_thumbnail_of_a_video(tmp_path):
    video = tmp_path / "take.mp4"
    with VideoWriter(video, 64, 36, 24, preset="ultrafast") as writer:
        for i in range(6):
            writer.write(np.full((36, 64, 3), i * 40, np.uint8))
    thumb = load_image(cached_thumbnail(video, tmp_path / "c", 32, fmt="png"))
    assert thumb.shape == (18, 32, 3)
    assert abs(int(thumb[9, 16, 0]) - 120) <= 6  # middle frame (index 3)
