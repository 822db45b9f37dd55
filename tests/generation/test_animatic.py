"""Animatic camera moves: pixel facts on rendered frames."""

from __future__ import annotations

import numpy as np
import pytest

from previz.core.enums import Easing, MoveKind
from previz.core.errors import GenerationError, ValidationError
from previz.generation.animatic import TitleCard, ease, render_camera_move

W, H, N = 192, 108, 12


def board(marker_xy=None, size=(W, H)) -> np.ndarray:
    """A smooth gradient board (distinct centre value) with an optional bright square marker."""
    w, h = size
    y, x = np.mgrid[0:h, 0:w]
    img = np.zeros((h, w, 3), np.uint8)
    img[..., 0] = (x * 120 // w).astype(np.uint8)
    img[..., 1] = (y * 120 // h).astype(np.uint8)
    img[..., 2] = 60
    if marker_xy:
        mx, my = marker_xy
        img[my - 3 : my + 4, mx - 3 : mx + 4] = 255
    return img


def marker(frame: np.ndarray) -> tuple[float, float]:
    ys, xs = np.nonzero(frame.min(axis=2) > 200)
    assert len(xs), "marker not visible"
    return float(xs.mean()), float(ys.mean())


def render(move, source=None, **kw):
    frames = list(render_camera_move(source, width=W, height=H, frames=N, move=move, **kw))
    assert len(frames) == N
    assert all(f.shape == (H, W, 3) and f.dtype == np.uint8 for f in frames)
    return frames


def test_static_board_of_output_size_is_unchanged():
    src = board((60, 40))
    frames = render(MoveKind.static, src)
    assert all(np.array_equal(f, src) for f in frames)


def test_push_in_keeps_centre_and_moves_edges_outward():
    src = board((150, 54))
    frames = render(MoveKind.push_in, src, intensity=1.0)
    centres = [f[H // 2, W // 2].astype(int) for f in frames]
    assert max(np.abs(c - centres[0]).max() for c in centres) <= 2
    x0, _ = marker(frames[0])
    x1, _ = marker(frames[-1])
    assert x1 > x0 + 10  # right-of-centre content moves further right


def test_pull_out_moves_edges_inward():
    frames = render(MoveKind.pull_out, board((150, 54)), intensity=1.0)
    assert marker(frames[-1])[0] < marker(frames[0])[0] - 10


@pytest.mark.parametrize(
    "move, axis, sign",
    [
        (MoveKind.pan_left, 0, +1),
        (MoveKind.pan_right, 0, -1),
        (MoveKind.truck_left, 0, +1),
        (MoveKind.truck_right, 0, -1),
        (MoveKind.tilt_up, 1, +1),
        (MoveKind.tilt_down, 1, -1),
        (MoveKind.pedestal_up, 1, +1),
        (MoveKind.pedestal_down, 1, -1),
    ],
)
def test_directional_moves_shift_content(move, axis, sign):
    frames = render(move, board((W // 2, H // 2)), intensity=1.0, easing=Easing.linear)
    start, end = marker(frames[0])[axis], marker(frames[-1])[axis]
    assert sign * (end - start) > 5, (start, end)
    mid = marker(frames[N // 2])[axis]
    assert min(start, end) <= mid <= max(start, end)  # monotonic through the middle


def test_dolly_zoom_keeps_centre_and_changes_periphery():
    frames = render(MoveKind.dolly_zoom, board((170, 54)), intensity=1.0)
    assert np.abs(frames[0][H // 2, W // 2].astype(int) - frames[-1][H // 2, W // 2]).max() <= 3
    assert not np.array_equal(frames[0], frames[-1])


def test_handheld_is_deterministic_from_seed():
    src = board((W // 2, H // 2))
    a = render(MoveKind.handheld, src, seed=7)
    b = render(MoveKind.handheld, src, seed=7)
    c = render(MoveKind.handheld, src, seed=8)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert any(not np.array_equal(x, y) for x, y in zip(a, c))
    positions = [marker(f) for f in a]
    assert len({(round(x), round(y)) for x, y in positions}) > 1  # it moves
    assert max(abs(x - W / 2) for x, _ in positions) < 20  # but gently


def test_cover_fit_fills_frame_from_other_aspect():
    src = np.full((300, 300, 3), 90, np.uint8)  # square board into 16:9
    frame = render(MoveKind.static, src)[0]
    assert (frame == 90).all()


def test_title_card_without_board():
    card = TitleCard("12A", "MS", "A man walks into the rain and looks up at the sign.")
    frames = render(MoveKind.push_in, None, title=card)
    first = frames[0]
    assert tuple(first[H - 2, W - 2]) == (24, 24, 28)  # dark background
    assert (first.max(axis=2) > 200).sum() > 30  # bright text drawn
    assert not np.array_equal(frames[0], frames[-1])


def test_easing_curves():
    for e in Easing:
        assert ease(0.0, e) == 0.0 and ease(1.0, e) == 1.0
    assert ease(0.25, Easing.ease_in) < 0.25 < ease(0.25, Easing.ease_out)


def test_bad_arguments():
    with pytest.raises(GenerationError, match="intensity"):
        render(MoveKind.push_in, None, intensity=2.0)
    with pytest.raises(ValidationError, match="move"):
        render("zoom_wildly", None)
    with pytest.raises(GenerationError, match="frames"):
        list(render_camera_move(None, width=W, height=H, frames=0))
