"""Burn-ins, watermark, slate and slug cards, checked by pixels."""

from __future__ import annotations

import numpy as np

from previz.media.burnin import WATERMARK, BurnIn, ShotLabels, slate, slug_card
from previz.media.text import text_mask

W, H = 640, 360
LABELS = ShotLabels("012A_0010", "T3", "approved", "ltx-video")


def grey() -> np.ndarray:
    return np.full((H, W, 3), 128, np.uint8)


def changed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.any(a != b, axis=2)


def test_fields_draw_boxes_in_corners_only():
    src = grey()
    frame = BurnIn(W, H, watermark=None).draw(src.copy(), LABELS, "01:00:00:12", 12)
    diff = changed(src, frame)
    h3, w3 = H // 3, W // 3
    for rows, cols in [
        (slice(0, h3), slice(0, w3)),
        (slice(0, h3), slice(2 * w3, W)),
        (slice(2 * h3, H), slice(0, w3)),
        (slice(2 * h3, H), slice(2 * w3, W)),
    ]:
        region = frame[rows, cols]
        assert diff[rows, cols].any()
        assert (region.max(axis=2) < 80).any()  # darkened box
        assert (region.min(axis=2) > 220).any()  # white text
    assert not diff[h3 : 2 * h3].any()  # the middle band is untouched
    assert not diff[:, w3 : 2 * w3].any()


def test_only_changing_fields_differ_between_frames():
    burn = BurnIn(W, H, watermark=None)
    a = burn.draw(grey(), LABELS, "01:00:00:12", 12)
    b = burn.draw(grey(), LABELS, "01:00:00:13", 13)
    diff = changed(a, b)
    assert diff[H // 2 :].any()  # timecode and source frame changed
    assert not diff[: H // 2].any()  # shot/take/status/model boxes identical


def test_watermark_semi_transparent_in_lower_middle():
    src = grey()
    frame = BurnIn(W, H, fields=False).draw(src.copy())
    diff = changed(src, frame)
    ys, xs = np.nonzero(diff)
    assert ys.min() > H // 2 and ys.max() < H * 0.85
    assert abs((xs.min() + xs.max()) / 2 - W / 2) < W * 0.05
    brightest = frame[diff].max()
    assert 128 < brightest < 255  # blended, not opaque white


def test_em_dash_is_rendered_not_a_missing_glyph():
    dash = text_mask("—", 40)
    hyphen = text_mask("-", 40)
    assert dash.shape[1] > hyphen.shape[1]  # an em dash is wider than a hyphen
    ink_rows = np.nonzero(dash.max(axis=1) > 128)[0]
    assert 0 < len(ink_rows) <= 6  # a thin horizontal bar, not a tofu box
    assert "—" in WATERMARK


def test_slate_and_slug_cards():
    card = slate(W, H, project="The Last Keeper", version="v003", date="2026-11-28", duration="00:00:41:00")
    assert card.shape == (H, W, 3)
    assert (card.min(axis=2) > 230).sum() > 500  # white title text
    slug = slug_card(W, H, "012A_0010")
    text_rows = np.nonzero((slug.min(axis=2) > 200).any(axis=1))[0]
    assert text_rows.min() > H * 0.35 and text_rows.max() < H * 0.6  # centred line of text
    assert (slug[: H // 4] == slug[0, 0]).all()  # plain background above
    other = slug_card(W, H, "012A_0020")
    assert changed(slug, other).any()
