"""Helpers for the cut import tests: a small project with animatic takes, exported with the real editorial
exporter, and a few OTIO edits an editor makes."""

from __future__ import annotations

import sys
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio

sys.path.insert(0, str(Path(__file__).parents[1] / "export"))

from export_helpers import COLOURS, add_video_take, make_project, shot_frame  # noqa: E402, F401

from previz.export.api import export_project  # noqa: E402
from previz.export.reel import EncodeOptions  # noqa: E402
from previz.media.video import VideoWriter  # noqa: E402

FAST = EncodeOptions(crf=20, preset="ultrafast")
RATE = 24


def small_project(tmp_path: Path, fps: str = "24"):
    """Scene 1: 001_0010 (animatic take 20 fr, 16 fr from frame 2), 001_0020 (take 12 fr, 12 fr).
    Scene 2: 002_0010 (no take, 12 fr), 002_0020 (take 16 fr, 10 fr)."""
    session = make_project(tmp_path, fps=fps)
    session.add_scene("EXT. LIGHTHOUSE - NIGHT", number="1")
    session.add_scene("INT. LANTERN ROOM", number="2")
    session.add_shot("1", code="001_0010", duration_frames=16)
    session.add_shot("1", code="001_0020", duration_frames=12)
    session.add_shot("2", code="002_0010", duration_frames=12)
    session.add_shot("2", code="002_0020", duration_frames=10)
    add_video_take(session, "001_0010", 20, COLOURS[0], kind="animatic")
    add_video_take(session, "001_0020", 12, COLOURS[1], kind="animatic")
    add_video_take(session, "002_0020", 16, COLOURS[2], kind="animatic")
    session.set_shot("001_0010", trim_in=2)
    return session


def export(session, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    export_project(session, path, encode=FAST, credentials=False)
    return path


def write_movie(path: Path, frames: int, colour=COLOURS[3]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with VideoWriter(path, 320, 180, Fraction(RATE), crf=20, preset="ultrafast") as writer:
        for i in range(frames):
            writer.write(shot_frame(colour, i))
    return path


def rt(frames: int, rate: float = RATE) -> otio.opentime.RationalTime:
    return otio.opentime.RationalTime(frames, rate)


def span(start: int, duration: int, rate: float = RATE) -> otio.opentime.TimeRange:
    return otio.opentime.TimeRange(rt(start, rate), rt(duration, rate))


def clip_named(track, name: str):
    return next(c for c in track.find_clips() if c.name == name)


def external_clip(name: str, file: Path, start: int, duration: int) -> otio.schema.Clip:
    return otio.schema.Clip(
        name=name,
        media_reference=otio.schema.ExternalReference(target_url=file.absolute().as_uri()),
        source_range=span(start, duration),
    )


def shot_rows(session) -> dict[str, dict]:
    """What the conform changes, per shot code, read from the database."""
    scenes = {s.id: s.number for s in session.scenes()}
    return {
        r["code"]: {
            "scene": scenes[r["scene_id"]],
            "position": r["position"],
            "duration": r["duration_frames"],
            "trim_in": r["trim_in"],
            "status": r["status"],
            "transition": (r["transition"], r["transition_frames"]),
        }
        for r in session.table_rows("shot")
    }
