"""Fixtures for export tests (helpers live in export_helpers.py beside this file)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from export_helpers import COLOURS, add_video_take, make_project  # noqa: E402


@pytest.fixture
def project(tmp_path):
    """Scene 1: 001_0010 (take, 16 fr), 001_0020 (take, 12 fr). Scene 2: 002_0010 (no take, 12 fr)."""
    session = make_project(tmp_path)
    session.add_scene("EXT. LIGHTHOUSE - NIGHT", number="1")
    session.add_scene("INT. LANTERN ROOM", number="2")
    session.add_shot("1", code="001_0010", action="The lamp turns.", duration_frames=16)
    session.add_shot(
        "1", code="001_0020", action="Waves break — spray.", dialogue="Ça va?", duration_frames=12
    )
    session.add_shot("2", code="002_0010", action="Keeper climbs the stairs.", duration_frames=12)
    add_video_take(session, "001_0010", 20, COLOURS[0])
    add_video_take(session, "001_0020", 12, COLOURS[1])
    yield session
    session.close()
