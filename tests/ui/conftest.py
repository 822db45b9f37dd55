"""Fixtures for the app's tests: settings in a temp folder, a small project, a video whose frames encode
their index."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from previz.core.session import ProjectSession

BITS = 10
BLOCK = 16


def index_frame(i: int, width: int = 320, height: int = 192) -> np.ndarray:
    """A frame whose top row of blocks spells ``i`` in binary (white = 1), readable after H.264."""
    frame = np.full((height, width, 3), 40, np.uint8)
    for bit in range(BITS):
        if i >> bit & 1:
            frame[0 : BLOCK * 2, bit * BLOCK * 2 : (bit + 1) * BLOCK * 2] = 255
    return frame


def read_index(rgb: np.ndarray) -> int:
    value = 0
    for bit in range(BITS):
        block = rgb[4 : BLOCK * 2 - 4, bit * BLOCK * 2 + 4 : (bit + 1) * BLOCK * 2 - 4]
        if block.mean() > 128:
            value |= 1 << bit
    return value


def write_index_video(path, frames: int, fps: int = 24) -> None:
    from previz.media.video import VideoWriter

    with VideoWriter(path, 320, 192, Fraction(fps), crf=12, preset="ultrafast", gop=12) as w:
        for i in range(frames):
            w.write(index_frame(i))


@pytest.fixture
def themed():
    """The app's theme (style, style sheet, palette) for one test, the application's own put back after."""
    from PySide6.QtWidgets import QApplication

    from previz.ui.theme import apply_theme

    app = QApplication.instance()
    style, sheet, palette = app.style().name(), app.styleSheet(), app.palette()
    apply_theme(app)
    yield
    app.setStyleSheet(sheet)
    app.setStyle(style)
    app.setPalette(palette)


@pytest.fixture(autouse=True)
def _settings_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("PREVIZ_SETTINGS_DIR", str(tmp_path / "settings"))


@pytest.fixture
def project(tmp_path):
    s = ProjectSession.create(tmp_path / "film", name="Film", fps="24", size="320x192")
    s.add_scene("EXT. LIGHTHOUSE - NIGHT", number="1")
    s.add_scene("INT. LANTERN ROOM - CONTINUOUS", number="2")
    for scene, n in (("1", 3), ("2", 2)):
        for i in range(n):
            s.add_shot(scene, action=f"beat {i} of scene {scene}", duration_frames=24 + i)
    yield s
    if s.conn is not None:
        s.close()


@pytest.fixture
def controller(project, qtbot):
    from previz.ui.controller import ProjectController

    return ProjectController(project)


def wait_claimed(session, job_id: int, seconds: float = 60) -> None:
    """Wait until the generation runner's desk has claimed ``job_id`` (its row says running), processing
    no event meanwhile: the claim's answer is not delivered, so the job is claimed and not yet started."""
    import time

    deadline = time.monotonic() + seconds
    while session.job(job_id).state != "running":
        assert time.monotonic() < deadline, f"job {job_id} was not claimed"
        time.sleep(0.01)


def add_video_take(session, code: str, frames: int, tmp_path) -> None:
    """Give ``code`` a take whose frames encode their index."""
    from previz.media.library import register_encoded

    temp = session.media.new_temp_path("mp4")
    write_index_video(temp, frames)
    info = register_encoded(session, temp)
    session.add_take(code, kind="imported", media_hash=info.hash)


@pytest.fixture
def video_take(tmp_path):
    """``video_take(session, code, frames)`` adds a take whose frames encode their index."""
    return lambda session, code, frames: add_video_take(session, code, frames, tmp_path)


@pytest.fixture
def frame_index():
    """``frame_index(rgb)`` reads back the index drawn by ``index_frame``."""
    return read_index


@pytest.fixture(autouse=True)
def dialogs(monkeypatch):
    """Message boxes never block a test: each call is recorded as (kind, title, text)."""
    from PySide6.QtWidgets import QMessageBox

    shown: list[tuple[str, str, str]] = []
    for kind in ("critical", "warning", "information", "about"):
        monkeypatch.setattr(
            QMessageBox,
            kind,
            staticmethod(lambda parent, title, text, *a, _k=kind, **kw: shown.append((_k, title, text))),
        )
    return shown
