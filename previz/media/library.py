"""Bring files into a project's media store: check that they are what they claim, copy them in under
their SHA-256, and register them (size, dimensions, frame count) in the media table."""

from __future__ import annotations

from pathlib import Path

from previz.core.errors import MediaError
from previz.core.snapshots import MediaInfo
from previz.media.images import IMAGE_SUFFIXES, load_image

VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v")
AUDIO_SUFFIXES = (".wav", ".mp3", ".aac", ".m4a", ".flac", ".ogg")


def media_kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        return "image"
    if suffix in VIDEO_SUFFIXES:
        return "video"
    if suffix in AUDIO_SUFFIXES:
        return "audio"
    known = ", ".join(IMAGE_SUFFIXES + VIDEO_SUFFIXES + AUDIO_SUFFIXES)
    raise MediaError(f"{path}: unsupported file type {suffix or '(none)'}; use one of {known}")


def import_media_file(session, path: str | Path, kind: str | None = None) -> MediaInfo:
    """Validate ``path``, copy it into the store and register it; returns its ``MediaInfo``.

    The file is decoded before anything is written, so a corrupt file leaves the project unchanged.
    """
    path = Path(path)
    if not path.is_file():
        raise MediaError(f"{path}: no such file")
    kind = kind or media_kind(path)
    meta: dict = {}
    if kind == "image":
        image = load_image(path)
        meta = {"width": int(image.shape[1]), "height": int(image.shape[0])}
    elif kind == "video":
        from previz.media.video import probe

        info = probe(path)
        meta = {"width": info.width, "height": info.height, "frames": info.frames, "fps": str(info.fps)}
    elif kind == "audio":
        from previz.media.audio import decode_audio

        samples = decode_audio(path)
        meta = {"frames": int(samples.shape[-1])}
    ext = path.suffix.lstrip(".").lower()
    digest, stored = session.media.put_file(path, ext)
    return session.register_media(digest, ext, kind, stored.stat().st_size, original_name=path.name, **meta)


def register_encoded(
    session, temp_file: Path, ext: str = "mp4", *, info=None, hashed=None, adopted=None
) -> MediaInfo:
    """Move a finished video from ``media/tmp`` into the store and register it. ``info``: the file's
    ``probe`` when the caller already has it (made off the UI thread), else it is probed here; ``hashed``:
    its ``mediastore.FileDigest`` made where it was written, else it is hashed here; ``adopted``: what
    ``session.media.adopt`` returned when the caller moved it already (the farm does, before it waits for
    the project's write turn: the flush to disk is then not under the lock)."""
    from previz.media.video import probe

    info = info if info is not None else probe(temp_file)
    digest, stored = adopted if adopted is not None else session.media.adopt(temp_file, ext, hashed)
    return session.register_media(
        digest,
        ext,
        "video",
        stored.stat().st_size,
        width=info.width,
        height=info.height,
        frames=info.frames,
        fps=str(info.fps),
    )
