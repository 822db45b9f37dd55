"""Helpers of the render farm tests (issue 14): projects with queued animatic jobs, waiting on a condition
read through a fresh session, the environment the actors need."""

from __future__ import annotations

import os
import time

from previz.core.session import ProjectSession
from previz.generation import farm, queue

FORWARDED = ("PREVIZ_CONFIG_DIR", "PREVIZ_CACHE_DIR", "HF_HUB_CACHE", "HF_HUB_OFFLINE")


def actor_env(**extra) -> dict[str, str]:
    """The test's isolated config and caches, for the actors too (their processes predate the test)."""
    return {**{k: os.environ[k] for k in FORWARDED if k in os.environ}, **extra}


def new_project(tmp_path, shots: int, *, frames: int = 12, size: str = "160x90", **create) -> str:
    s = ProjectSession.create(create.pop("where", tmp_path / "film"), fps="24", size=size, **create)
    s.add_scene("EXT. SEA - NIGHT", number="1")
    for i in range(shots):
        s.add_shot("1", duration_frames=frames, move="push_in", action=f"wave {i}")
    queue.enqueue(s, [x.code for x in s.shots()])
    location = s.location
    s.close()
    return location


def wait_for(location: str, check, limit: float = 120.0, what: str = "the condition"):
    """Poll a fresh read-only session until ``check(session)`` is truthy (generous limit, no timing)."""
    deadline = time.monotonic() + limit
    while True:
        with ProjectSession.open(location, readonly=True) as s:
            value = check(s)
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def all_done(s: ProjectSession) -> bool:
    return all(j.state == "done" for j in s.jobs())


def stop(f: farm.Farm) -> None:
    f.stop()
    assert not f.running
