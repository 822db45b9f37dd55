"""Helpers for export tests: small real projects, 320x180 at 24 fps, a few shots of 12-24 frames, takes
encoded with previz.media.video and registered like generated clips."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

from previz.core.session import ProjectSession
from previz.media.audio import RATE, write_audio_file
from previz.media.images import save_image
from previz.media.library import import_media_file, register_encoded
from previz.media.video import VideoWriter

W, H = 320, 180
COLOURS = [(200, 60, 60), (60, 170, 60), (60, 80, 200), (200, 180, 40), (160, 60, 170)]


def shot_frame(colour, index: int, width: int = W, height: int = H) -> np.ndarray:
    """A flat colour with a bright bar whose position moves with ``index``."""
    frame = np.empty((height, width, 3), np.uint8)
    frame[:] = colour
    x = (index * 7) % (width - 8)
    frame[height // 2 - 10 : height // 2 + 10, x : x + 8] = 255
    return frame


def add_video_take(
    session,
    code: str,
    frames: int,
    colour,
    *,
    width: int = W,
    height: int = H,
    fps=24,
    provenance: dict | None = None,
    kind: str = "generated",
):
    temp = session.media.new_temp_path("mp4")
    with VideoWriter(temp, width, height, Fraction(fps), crf=12, preset="ultrafast") as writer:
        for i in range(frames):
            writer.write(shot_frame(colour, i, width, height))
    info = register_encoded(session, temp)
    prov = provenance if provenance is not None else {"backend": "animatic", "model": "", "licence": ""}
    return session.add_take(code, kind=kind, media_hash=info.hash, provenance=prov)


def add_board(session, code: str, colour, tmp_path: Path) -> None:
    image = np.empty((H, W, 3), np.uint8)
    image[:] = colour
    image[40:140, 100:220] = 20
    path = save_image(tmp_path / f"{code}-board.png", image)
    info = import_media_file(session, path)
    session.set_shot(code, board_hash=info.hash)


def add_audio_clip(session, tmp_path: Path, *, seconds: float = 1.0, start_frame: int = 0) -> None:
    """A 440 Hz tone as an audio clip."""
    t = np.arange(int(RATE * seconds)) / RATE
    tone = (0.4 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    path = write_audio_file(tmp_path / "tone.wav", np.stack([tone, tone]))
    info = import_media_file(session, path)
    session.add_audio_clip(info.hash, start_frame=start_frame, name="tone.wav")


def make_project(tmp_path: Path, name: str = "film", fps: str = "24", drop_frame=None) -> ProjectSession:
    return ProjectSession.create(
        tmp_path / name, name="Film", fps=fps, size=f"{W}x{H}", drop_frame=drop_frame
    )
