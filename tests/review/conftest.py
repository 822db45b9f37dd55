"""A small project for review tests: 320x180 at 24 fps; 001_0010 (board, 12 frames) and 001_0020
(12 frames) with one animatic take each; 002_0010 (12 frames) without a take."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from previz.core.session import ProjectSession

RED = (235, 40, 40)  # the palette's red


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    monkeypatch.setenv("PREVIZ_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PREVIZ_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PREVIZ_AUTHOR", "Director")


@pytest.fixture
def bare(tmp_path):
    """The project without takes (no generation)."""
    from previz.media.library import import_media_file

    s = ProjectSession.create(tmp_path / "film", name="Review Film", fps="24", size="320x180")
    s.add_scene("EXT. SEA - NIGHT", number="1")
    s.add_scene("INT. LANTERN ROOM", number="2")
    board = np.zeros((180, 320, 3), np.uint8)
    board[:, :] = (40, 90, 60)  # BGR
    cv2.imwrite(str(tmp_path / "board.png"), board)
    board_hash = import_media_file(s, tmp_path / "board.png").hash
    s.add_shot(
        "1", code="001_0010", duration_frames=12, move="push_in", board_hash=board_hash, action="Waves."
    )
    s.add_shot("1", code="001_0020", duration_frames=12, move="static", action="The lamp turns.")
    s.add_shot("2", code="002_0010", duration_frames=12, action="Keeper climbs.")
    yield s
    s.close()


@pytest.fixture
def project(bare):
    """The project with an animatic take of 001_0010 and 001_0020."""
    from previz.generation.queue import enqueue, run_queue

    enqueue(bare, ["001_0010", "001_0020"])
    jobs = run_queue(bare)
    assert [j.state for j in jobs] == ["done", "done"]
    return bare
