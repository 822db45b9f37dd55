"""Still images: load (unicode-safe), fit to a frame size, and cached thumbnails.

Images are RGB ``uint8`` arrays of shape ``(height, width, 3)`` throughout Previz; OpenCV's BGR order
stays inside this module.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import cv2
import numpy as np

from previz.core.errors import MediaError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
FIT_MODES = ("letterbox", "cover", "stretch")


def load_image(path: str | Path) -> np.ndarray:
    """Read an image file as RGB uint8 (alpha composited over black, grey expanded to RGB)."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError as exc:
        raise MediaError(f"{p}: image file not found") from exc
    except OSError as exc:
        raise MediaError(f"{p}: cannot read the image ({exc.strerror or exc})") from exc
    image = decode_image(data, p)
    return image


def decode_image(data: bytes, name: str | Path = "<bytes>") -> np.ndarray:
    """Decode encoded image bytes (PNG, JPEG, ...) to RGB uint8."""
    buffer = np.frombuffer(data, np.uint8)
    image = cv2.imdecode(buffer, cv2.IMREAD_UNCHANGED) if buffer.size else None
    if image is None:
        raise MediaError(f"{name}: not a readable image (corrupt, empty or an unsupported format)")
    if image.dtype == np.uint16:
        image = (image >> 8).astype(np.uint8)
    elif image.dtype != np.uint8:
        image = cv2.normalize(image, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    if image.shape[2] == 4:
        alpha = image[:, :, 3:4].astype(np.uint16)
        rgb = (image[:, :, :3].astype(np.uint16) * alpha + 127) // 255
        return cv2.cvtColor(rgb.astype(np.uint8), cv2.COLOR_BGR2RGB)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def save_image(path: str | Path, image: np.ndarray, *, quality: int = 90) -> Path:
    """Write RGB ``image`` as PNG or JPEG (by suffix) atomically: temporary name, then rename."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in (".png", ".jpg", ".jpeg"):
        raise MediaError(f"{p}: cannot write images of type {suffix or '(none)'}; use .png or .jpg")
    params = (
        [cv2.IMWRITE_JPEG_QUALITY, int(quality)] if suffix != ".png" else [cv2.IMWRITE_PNG_COMPRESSION, 6]
    )
    ok, encoded = cv2.imencode(suffix, _bgr(image), params)
    if not ok:
        raise MediaError(f"{p}: encoding the image failed")
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=suffix, dir=p.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(encoded.tobytes())
        os.replace(tmp, p)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise MediaError(f"{p}: cannot write the image ({exc.strerror or exc})") from exc
    return p


def _bgr(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return image
    return cv2.cvtColor(image, cv2.COLOR_RGB2BGR)


def _interpolation(scale: float) -> int:
    return cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR


def fit(
    image: np.ndarray,
    width: int,
    height: int,
    mode: str = "letterbox",
    *,
    background: tuple[int, int, int] = (0, 0, 0),
) -> np.ndarray:
    """Scale ``image`` into a ``width`` x ``height`` frame with one resize.

    ``letterbox`` keeps the whole image (bars top/bottom or left/right in ``background``), ``cover``
    fills the frame and crops the overflow centred, ``stretch`` ignores the aspect ratio.
    """
    if mode not in FIT_MODES:
        raise MediaError(f"fit mode: {mode!r} is not one of {', '.join(FIT_MODES)}")
    src_h, src_w = image.shape[:2]
    if src_w == 0 or src_h == 0:
        raise MediaError("fit: the image is empty")
    if (src_w, src_h) == (width, height):
        return image
    if mode == "stretch":
        scale = min(width / src_w, height / src_h)
        return cv2.resize(image, (width, height), interpolation=_interpolation(scale))
    if mode == "cover":
        scale = max(width / src_w, height / src_h)
        # Crop first (in source pixels) so the single resize only touches what is kept.
        crop_w = min(src_w, max(1, round(width / scale)))
        crop_h = min(src_h, max(1, round(height / scale)))
        x0 = (src_w - crop_w) // 2
        y0 = (src_h - crop_h) // 2
        crop = image[y0 : y0 + crop_h, x0 : x0 + crop_w]
        return cv2.resize(crop, (width, height), interpolation=_interpolation(scale))
    scale = min(width / src_w, height / src_h)
    new_w = min(width, max(1, round(src_w * scale)))
    new_h = min(height, max(1, round(src_h * scale)))
    out = np.empty((height, width, 3), np.uint8)
    out[:] = background
    x0 = (width - new_w) // 2
    y0 = (height - new_h) // 2
    resized = cv2.resize(image, (new_w, new_h), interpolation=_interpolation(scale))
    out[y0 : y0 + new_h, x0 : x0 + new_w] = resized if resized.ndim == 3 else resized[:, :, None]
    return out


def thumbnail(source: str | Path | np.ndarray, max_side: int) -> np.ndarray:
    """A copy of ``source`` scaled so its longer side is at most ``max_side`` (never enlarged)."""
    image = load_image(source) if not isinstance(source, np.ndarray) else source
    h, w = image.shape[:2]
    scale = min(1.0, max_side / max(h, w))
    if scale >= 1.0:
        return image.copy()
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def cached_thumbnail(
    source: str | Path,
    cache_dir: str | Path,
    max_side: int = 256,
    *,
    fmt: str = "jpg",
    key: str | None = None,
    frame: int | None = None,
) -> Path:
    """The path of a thumbnail of ``source`` in ``cache_dir``, made on first use.

    ``source`` is an image file or a video (any suffix not in ``IMAGE_SUFFIXES``); of a video the
    thumbnail shows ``frame`` (default: the middle frame).

    The cache name comes from ``key`` (e.g. a media SHA-256) or else from the source's path, size and
    modification time, plus ``max_side``; a changed source gets a new thumbnail. ``fmt`` is jpg or png.
    """
    if fmt not in ("jpg", "png"):
        raise MediaError(f"thumbnail format: {fmt!r} is not jpg or png")
    src = Path(source)
    if key is None:
        try:
            stat = src.stat()
        except OSError as exc:
            raise MediaError(f"{src}: image file not found") from exc
        key = hashlib.sha256(f"{src.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()
    is_video = src.suffix.lower() not in IMAGE_SUFFIXES
    which = f"_f{frame}" if is_video and frame is not None else ""
    target = Path(cache_dir) / f"{key[:32]}{which}_{int(max_side)}.{fmt}"
    if target.is_file():
        return target
    if is_video:
        from previz.media.video import VideoReader

        with VideoReader(src) as reader:
            index = frame if frame is not None else max(0, probe_frames(src) // 2)
            image = reader.frame(index)
    else:
        image = load_image(src)
    return save_image(target, thumbnail(image, max_side), quality=85)


def probe_frames(path: str | Path) -> int:
    from previz.media.video import probe

    return probe(path).frames
