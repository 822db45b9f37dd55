"""The animatic renderer: a camera move over a board panel or a title card, with OpenCV, no model.

The source is cover-fitted to the output aspect once (an area resample, to the resolution the
tightest framing of the move needs) and every output frame is then ONE warp of that prepared source:
an affine warp for zooms, trucks, pedestals and handheld, a homography for pans and tilts (a camera
rotating about its own centre sees a planar board through a homography), and one radial remap for the
dolly zoom. Frames are never resampled twice in a row, so they stay sharp.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from previz.core.enums import Easing, MoveKind
from previz.core.errors import GenerationError
from previz.media.video import RGB_TO_YCC_709

BACKGROUND = (24, 24, 28)
_FOCAL = 1.2  # focal length in output widths (about a 45 degree horizontal field of view)


@dataclass(frozen=True)
class TitleCard:
    """What a shot without a board shows: its code large, its size and its action text."""

    shot_code: str
    shot_size: str = ""
    action: str = ""


def ease(t: float, easing: Easing) -> float:
    """Map linear progress ``t`` in [0, 1] through an easing curve."""
    t = min(1.0, max(0.0, t))
    if easing == Easing.ease_in:
        return t * t
    if easing == Easing.ease_out:
        return 1.0 - (1.0 - t) * (1.0 - t)
    if easing == Easing.ease_in_out:
        return t * t * (3.0 - 2.0 * t)
    return t


def render_title_card(card: TitleCard, width: int, height: int) -> np.ndarray:
    """A clean card at ``width`` x ``height``: dark background, shot code, shot size, wrapped action."""
    img = np.empty((height, width, 3), np.uint8)
    img[:] = BACKGROUND
    unit = min(width, height / 0.5625) / 1920.0  # 1.0 at 1920x1080
    margin = int(round(96 * unit))
    font = cv2.FONT_HERSHEY_DUPLEX
    y = margin
    code_scale = 4.0 * unit
    code_thick = max(1, int(round(8 * unit)))
    (_, th), _ = cv2.getTextSize(card.shot_code or "-", font, code_scale, code_thick)
    y += th
    cv2.putText(
        img, card.shot_code or "-", (margin, y), font, code_scale, (240, 240, 240), code_thick, cv2.LINE_AA
    )
    if card.shot_size:
        size_scale = 1.6 * unit
        size_thick = max(1, int(round(3 * unit)))
        (_, sh), _ = cv2.getTextSize(card.shot_size, font, size_scale, size_thick)
        y += int(round(40 * unit)) + sh
        cv2.putText(
            img,
            card.shot_size.upper(),
            (margin, y),
            font,
            size_scale,
            (120, 190, 255),
            size_thick,
            cv2.LINE_AA,
        )
    if card.action:
        body = cv2.FONT_HERSHEY_SIMPLEX
        body_scale = 1.2 * unit
        body_thick = max(1, int(round(2 * unit)))
        (_, ch), _ = cv2.getTextSize("Ag", body, body_scale, body_thick)
        y += int(round(60 * unit))
        for line in _wrap(" ".join(card.action.split()), body, body_scale, body_thick, width - 2 * margin):
            y += int(round(ch * 1.9))
            if y > height - margin // 2:
                break
            cv2.putText(img, line, (margin, y), body, body_scale, (200, 200, 200), body_thick, cv2.LINE_AA)
    return img


def _wrap(text: str, font: int, scale: float, thickness: int, max_width: int) -> list[str]:
    """Greedy word wrap by measured text width."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        trial = f"{current} {word}" if current else word
        if current and cv2.getTextSize(trial, font, scale, thickness)[0][0] > max_width:
            lines.append(current)
            current = word
        else:
            current = trial
    if current:
        lines.append(current)
    return lines


@dataclass(frozen=True)
class _Camera:
    """Where the camera looks at progress p: zoom, centre offset (output px), rotation angles."""

    zoom: float = 1.0
    dx: float = 0.0
    dy: float = 0.0
    yaw: float = 0.0  # radians, positive turns the camera right
    pitch: float = 0.0  # radians, positive turns the camera up
    roll: float = 0.0  # radians
    dolly: float = 0.0  # dolly-zoom strength at this frame


def _handheld_noise(seed: int, frames: int, channels: int = 3) -> np.ndarray:
    """Smooth deterministic noise in [-1, 1]: a few random sinusoids per channel, shape (frames, channels)."""
    rng = np.random.default_rng(seed)
    t = np.arange(frames, dtype=np.float64)[:, None]
    out = np.zeros((frames, channels))
    for octave in range(3):
        freq = rng.uniform(0.02, 0.06, channels) * (2**octave)
        phase = rng.uniform(0, 2 * math.pi, channels)
        out += np.sin(2 * math.pi * freq * t + phase) / (2**octave)
    return out / 1.75


def _camera_path(
    move: MoveKind, frames: int, width: int, height: int, intensity: float, easing: Easing, seed: int
):
    """One ``_Camera`` per frame, and the largest zoom used (the prepared source's resolution)."""
    i = min(1.0, max(0.0, float(intensity)))
    zoom_amount = 0.08 + 0.42 * i  # push/pull: up to 1.5x
    travel = 0.06 + 0.19 * i  # fraction of the frame the camera travels for truck/pedestal/pan/tilt
    margin_zoom = 1.0 + travel
    shift_x = (margin_zoom - 1.0) * width / 2
    shift_y = (margin_zoom - 1.0) * height / 2
    f = _FOCAL * width
    noise = _handheld_noise(seed, frames) if move == MoveKind.handheld else None
    cams = []
    for n in range(frames):
        p = ease(n / (frames - 1) if frames > 1 else 1.0, easing)
        s = 2.0 * p - 1.0  # -1 .. 1 across the move
        if move == MoveKind.push_in:
            cam = _Camera(zoom=1.0 + zoom_amount * p)
        elif move == MoveKind.pull_out:
            cam = _Camera(zoom=1.0 + zoom_amount * (1.0 - p))
        elif move in (MoveKind.truck_left, MoveKind.truck_right):
            sign = -1.0 if move == MoveKind.truck_left else 1.0
            cam = _Camera(zoom=margin_zoom, dx=sign * s * shift_x)
        elif move in (MoveKind.pedestal_up, MoveKind.pedestal_down):
            sign = -1.0 if move == MoveKind.pedestal_up else 1.0
            cam = _Camera(zoom=margin_zoom, dy=sign * s * shift_y)
        elif move in (MoveKind.pan_left, MoveKind.pan_right):
            sign = -1.0 if move == MoveKind.pan_left else 1.0
            cam = _Camera(zoom=margin_zoom * 1.04, yaw=sign * s * math.atan(shift_x / f))
        elif move in (MoveKind.tilt_up, MoveKind.tilt_down):
            sign = 1.0 if move == MoveKind.tilt_up else -1.0
            cam = _Camera(zoom=margin_zoom * 1.04, pitch=sign * s * math.atan(shift_y / f))
        elif move == MoveKind.dolly_zoom:
            cam = _Camera(zoom=1.0 + 0.25 * i * p + 0.02, dolly=(0.15 + 0.45 * i) * p)
        elif move == MoveKind.handheld:
            amp = 0.004 + 0.016 * i
            cam = _Camera(
                zoom=1.0 + 2.5 * amp + 0.01,
                dx=noise[n, 0] * amp * width,
                dy=noise[n, 1] * amp * height,
                roll=noise[n, 2] * amp * 0.5,
            )
        else:
            cam = _Camera()
        cams.append(cam)
    return cams, max(c.zoom for c in cams)


def _matrix(cam: _Camera, scale: float, src_w: int, src_h: int, width: int, height: int) -> np.ndarray:
    """3x3 matrix mapping prepared-source pixels to output pixels for one frame."""
    cx_src, cy_src = (src_w - 1) / 2.0, (src_h - 1) / 2.0
    cx, cy = (width - 1) / 2.0, (height - 1) / 2.0
    to_centre = np.array([[1, 0, -cx_src], [0, 1, -cy_src], [0, 0, 1]], np.float64)
    k = scale * cam.zoom
    cr, sr = math.cos(cam.roll), math.sin(cam.roll)
    zoom_roll = np.array([[k * cr, -k * sr, 0], [k * sr, k * cr, 0], [0, 0, 1]], np.float64)
    shift = np.array([[1, 0, -cam.dx], [0, 1, -cam.dy], [0, 0, 1]], np.float64)
    m = shift @ zoom_roll @ to_centre
    if cam.yaw or cam.pitch:
        f = _FOCAL * width
        cy_, sy_ = math.cos(cam.yaw), math.sin(cam.yaw)
        cp, sp = math.cos(cam.pitch), math.sin(cam.pitch)
        # Camera turning right (yaw > 0) moves the world left in the frame; turning up moves it down.
        r_yaw = np.array([[cy_, 0, -sy_], [0, 1, 0], [sy_, 0, cy_]])
        r_pitch = np.array([[1, 0, 0], [0, cp, sp], [0, -sp, cp]])
        kmat = np.diag([f, f, 1.0])
        m = kmat @ r_pitch @ r_yaw @ np.linalg.inv(kmat) @ m
    return np.array([[1, 0, cx], [0, 1, cy], [0, 0, 1]], np.float64) @ m


def _prepare_source(source: np.ndarray, width: int, height: int, max_zoom: float) -> tuple[np.ndarray, float]:
    """Cover-fit once: resample the source (area filter) to what the tightest framing needs."""
    sh, sw = source.shape[:2]
    cover = max(width / sw, height / sh)
    need = cover * max_zoom  # output px per source px at the tightest framing
    if need < 1.0:
        new_w, new_h = max(1, round(sw * need)), max(1, round(sh * need))
        prepared = cv2.resize(source, (new_w, new_h), interpolation=cv2.INTER_AREA)
        return prepared, cover * sw / new_w
    return source, cover


def _validate(source: np.ndarray | None, width: int, height: int, frames: int, intensity: float) -> None:
    if width <= 0 or height <= 0:
        raise GenerationError(f"width/height: {width}x{height} is not a frame size")
    if frames <= 0:
        raise GenerationError(f"frames: {frames} must be at least 1")
    if not 0.0 <= float(intensity) <= 1.0:
        raise GenerationError(f"intensity: {intensity} is out of range; use 0 to 1 (default 0.5)")
    if source is not None and (source.ndim != 3 or source.shape[2] != 3 or source.dtype != np.uint8):
        raise GenerationError(f"image: board is {source.shape} {source.dtype}; expected RGB uint8 HxWx3")


def _plan(source, width, height, frames, move, intensity, easing, seed, title):
    """Validate, plan the camera path and prepare the source once: (cams, move, prepared, scale)."""
    move = MoveKind.parse(move, "move")
    easing = Easing.parse(easing, "easing")
    _validate(source, width, height, frames, intensity)
    cams, max_zoom = _camera_path(move, frames, width, height, intensity, easing, seed)
    if source is None:
        card_scale = max(1.0, max_zoom)
        cw, ch = round(width * card_scale), round(height * card_scale)
        source = render_title_card(title or TitleCard(""), cw, ch)
    prepared, scale = _prepare_source(np.ascontiguousarray(source), width, height, max_zoom)
    return cams, move, prepared, scale


def _warp(image: np.ndarray, m: np.ndarray, size: tuple[int, int], perspective: bool) -> np.ndarray:
    border = cv2.BORDER_REFLECT101
    if perspective:
        return cv2.warpPerspective(image, m, size, flags=cv2.INTER_LINEAR, borderMode=border)
    return cv2.warpAffine(image, m[:2], size, flags=cv2.INTER_LINEAR, borderMode=border)


def render_camera_move(
    source_rgb: np.ndarray | None,
    *,
    width: int,
    height: int,
    frames: int,
    move: MoveKind | str = MoveKind.static,
    intensity: float = 0.5,
    easing: Easing | str = Easing.ease_in_out,
    seed: int = 0,
    title: TitleCard | None = None,
) -> Iterator[np.ndarray]:
    """Yield ``frames`` RGB uint8 frames of ``height`` x ``width``: the move over the board or card."""
    cams, move, prepared, scale = _plan(
        source_rgb, width, height, frames, move, intensity, easing, seed, title
    )
    src_h, src_w = prepared.shape[:2]
    dolly = _DollyMaps(width, height) if move == MoveKind.dolly_zoom else None
    for cam in cams:
        m = _matrix(cam, scale, src_w, src_h, width, height)
        if dolly is not None:
            map_x, map_y = dolly.maps(m, cam.dolly)
            yield cv2.remap(prepared, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT101)
        else:
            yield _warp(prepared, m, (width, height), bool(cam.yaw or cam.pitch))


def rgb_to_nv12_planes(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """RGB uint8 -> (Y plane, half-size interleaved CbCr plane), BT.709 limited range."""
    ycc = cv2.transform(rgb, RGB_TO_YCC_709)  # BT.709 limited range, as the takes are tagged
    h, w = rgb.shape[:2]
    uv = cv2.resize(ycc[..., 1:], ((w + 1) // 2, (h + 1) // 2), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(ycc[..., 0]), uv


def _chroma_matrix(m: np.ndarray, src_w: int, src_h: int, uv_w: int, uv_h: int) -> np.ndarray:
    """``m`` (source luma px -> output luma px) re-expressed between the chroma planes."""
    sx, sy = src_w / uv_w, src_h / uv_h
    src_from_uv = np.array([[sx, 0, 0.5 * sx - 0.5], [0, sy, 0.5 * sy - 0.5], [0, 0, 1]], np.float64)
    uv_from_out = np.array([[0.5, 0, -0.25], [0, 0.5, -0.25], [0, 0, 1]], np.float64)
    return uv_from_out @ m @ src_from_uv


def render_camera_move_nv12(
    source_rgb: np.ndarray | None,
    *,
    width: int,
    height: int,
    frames: int,
    move: MoveKind | str = MoveKind.static,
    intensity: float = 0.5,
    easing: Easing | str = Easing.ease_in_out,
    seed: int = 0,
    title: TitleCard | None = None,
) -> Iterator[np.ndarray]:
    """The same frames as ``render_camera_move``, as NV12 arrays of shape (height * 3 // 2, width).

    The source is converted to BT.709 Y'CbCr once; each frame is then one warp of the luma plane and
    one of the half-size chroma plane, ready for the H.264 encoder with no per-frame colour conversion.
    """
    if width % 2 or height % 2:
        raise GenerationError(f"width/height: {width}x{height} must be even for 4:2:0 video")
    cams, move, prepared, scale = _plan(
        source_rgb, width, height, frames, move, intensity, easing, seed, title
    )
    src_h, src_w = prepared.shape[:2]
    y_src, uv_src = rgb_to_nv12_planes(prepared)
    uv_h, uv_w = uv_src.shape[:2]
    dolly = _DollyMaps(width, height) if move == MoveKind.dolly_zoom else None
    cw, ch = width // 2, height // 2
    for cam in cams:
        out = np.empty((height + ch, width), np.uint8)
        m = _matrix(cam, scale, src_w, src_h, width, height)
        if dolly is not None:
            map_x, map_y = dolly.maps(m, cam.dolly)
            out[:height] = cv2.remap(y_src, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT101)
            # chroma sample c sits at luma 2c + 0.5: average the luma maps over 2x2, then go to chroma px
            cmx = cv2.resize(map_x, (cw, ch), interpolation=cv2.INTER_AREA)
            cmy = cv2.resize(map_y, (cw, ch), interpolation=cv2.INTER_AREA)
            cmx = (cmx + 0.5) * (uv_w / src_w) - 0.5
            cmy = (cmy + 0.5) * (uv_h / src_h) - 0.5
            uv = cv2.remap(uv_src, cmx, cmy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT101)
        else:
            perspective = bool(cam.yaw or cam.pitch)
            out[:height] = _warp(y_src, m, (width, height), perspective)
            uv = _warp(uv_src, _chroma_matrix(m, src_w, src_h, uv_w, uv_h), (cw, ch), perspective)
        out[height:] = uv.reshape(ch, width)
        yield out


class _DollyMaps:
    """Per-frame remap tables for the dolly zoom, built from separable precomputed rows and columns.

    The output pixel (x, y) (relative to the centre) samples ``(x, y) * (1 + s * r^2)`` before the
    frame's zoom: the centre keeps its size while the periphery falls away as ``s`` grows.
    """

    def __init__(self, width: int, height: int) -> None:
        self.gx = np.arange(width, dtype=np.float32) - (width - 1) / 2.0
        self.gy = np.arange(height, dtype=np.float32) - (height - 1) / 2.0
        radius2 = float(((width - 1) / 2.0) ** 2 + ((height - 1) / 2.0) ** 2)
        self.qx = self.gx * self.gx / radius2
        self.qy = self.gy * self.gy / radius2
        self.map_x = np.empty((height, width), np.float32)
        self.map_y = np.empty((height, width), np.float32)

    def maps(self, m: np.ndarray, strength: float) -> tuple[np.ndarray, np.ndarray]:
        """Source pixel coordinates for every output pixel (valid until the next call)."""
        inv = np.linalg.inv(m)  # the dolly camera has no roll or rotation: inv is scale + shift
        w, h = self.gx.size, self.gy.size
        sx, tx = inv[0, 0], inv[0, 2] + inv[0, 0] * (w - 1) / 2.0
        sy, ty = inv[1, 1], inv[1, 2] + inv[1, 1] * (h - 1) / 2.0
        # x_src = sx * gx * (1 + s*qx + s*qy) + tx  =  row(x) + col(y) * row2(x)
        row = (sx * self.gx * (1.0 + strength * self.qx) + tx).astype(np.float32)
        row2 = (sx * strength * self.gx).astype(np.float32)
        np.multiply(self.qy[:, None], row2[None, :], out=self.map_x)
        self.map_x += row[None, :]
        col = (sy * self.gy * (1.0 + strength * self.qy) + ty).astype(np.float32)
        col2 = (sy * strength * self.gy).astype(np.float32)
        np.multiply(col2[:, None], self.qx[None, :], out=self.map_y)
        self.map_y += col[:, None]
        return self.map_x, self.map_y
