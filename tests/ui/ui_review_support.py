"""Shared set-up for the review UI tests: a small project with animatic takes, picture helpers."""

from __future__ import annotations

import cv2
import numpy as np
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest

from previz.core.session import ProjectSession

CODES = ("001_0010", "001_0020")


def board_image(path, seed: int) -> None:
    """A board with shapes to tell the animatic's camera moves apart."""
    rng = np.random.default_rng(seed)
    image = np.zeros((360, 640, 3), np.uint8)
    image[:] = np.linspace(30, 140, 640, dtype=np.uint8)[None, :, None]
    for _ in range(14):
        x, y = int(rng.integers(0, 600)), int(rng.integers(0, 320))
        image[y : y + 40, x : x + 40] = rng.integers(60, 255, 3, dtype=np.uint8)
    cv2.imwrite(str(path), image[..., ::-1])


def build_review_project(path) -> ProjectSession:
    """Two 12-frame shots at 320x180 with boards and animatic takes through the job queue: 001_0010 gets
    two takes (a push in, then, revised, a pull out), 001_0020 one."""
    from previz.generation.queue import enqueue, run_queue
    from previz.media.library import import_media_file

    session = ProjectSession.create(path, name="Review", fps="24", size="320x180")
    session.add_scene("EXT. SEA - NIGHT", number="1")
    boards = []
    for i in range(2):
        board_image(session.root.parent / f"board{i}.png", i)
        boards.append(import_media_file(session, session.root.parent / f"board{i}.png").hash)
    session.add_shot("1", duration_frames=12, action="Waves break.", move="push_in", board_hash=boards[0])
    session.add_shot("1", duration_frames=12, action="A boat.", move="handheld", board_hash=boards[1])
    enqueue(session, list(CODES), backend="animatic")
    run_queue(session)
    session.set_shot(CODES[0], move="pull_out")
    enqueue(session, [CODES[0]], backend="animatic")
    run_queue(session)
    assert [len(session.takes(code)) for code in CODES] == [2, 1], [j.error for j in session.jobs()]
    return session


def pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    arr = np.frombuffer(image.constBits(), np.uint8, image.bytesPerLine() * image.height())
    return arr.reshape(image.height(), image.bytesPerLine())[:, : image.width() * 3].reshape(
        image.height(), image.width(), 3
    )


def at(rect: QRect, fx: float, fy: float) -> QPoint:
    """The widget point at fraction (fx, fy) of the picture rectangle."""
    return QPoint(round(rect.x() + fx * rect.width()), round(rect.y() + fy * rect.height()))


def drag(widget, rect: QRect, points: list[tuple[float, float]]) -> None:
    """A left-button drag through ``points`` (fractions of ``rect``) on ``widget``."""
    QTest.mousePress(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(rect, *points[0]))
    for p in points[1:]:
        QTest.mouseMove(widget, at(rect, *p))
    QTest.mouseRelease(
        widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(rect, *points[-1])
    )
