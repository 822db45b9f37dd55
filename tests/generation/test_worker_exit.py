"""A diffusers generation from the command line ends cleanly: the worker process exits in order, so the
multiprocessing resource tracker has no leaked semaphore to report; a worker whose parent was killed
stops its job and exits."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time

import pytest

from previz.core.session import ProjectSession
from previz.generation import queue
from previz.generation.shot_request import request_for_shot


def queued_tiny_job(tmp_path, models_root, *, frames: int = 9, steps: int = 2) -> tuple:
    """A project with one queued diffusers job on the tiny LTX model at 32x32 (the size the catalog
    tests use: the family's default size would take minutes on a CPU)."""
    with ProjectSession.create(tmp_path / "film", size="640x360") as s:
        s.add_scene("EXT. SEA - NIGHT", number="1")
        shot = s.add_shot("1", duration_frames=frames, action="Waves.")
        request = request_for_shot(
            s, shot.code, backend="diffusers", model="tiny-ltx-video", model_folders=[models_root]
        )
        request = dataclasses.replace(request, width=32, height=32, steps=steps)
        job = s.add_job(
            queue.JOB_KIND, {"key": request.cache_key(), "request": request.to_dict()}, shot=shot.code
        )
    return tmp_path / "film.previz", job.id


def previz(*argv, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "previz", *map(str, argv)], capture_output=True, text=True, timeout=timeout
    )


def test_a_diffusers_job_from_the_cli_reports_no_leaked_semaphore(tmp_path, models_root):
    path, job_id = queued_tiny_job(tmp_path, models_root)
    assert previz("models", "add", models_root).returncode == 0
    result = previz("jobs", "run", path)
    assert result.returncode == 0, result.stderr
    assert "001_0010: take 1" in result.stdout
    assert "leaked" not in result.stderr, result.stderr
    assert "resource_tracker" not in result.stderr, result.stderr
    with ProjectSession.open(path, readonly=True) as s:
        job = s.job(job_id)
        assert job.state == "done" and s.take(job.take_id).frames == 9


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="finds the worker process through /proc")
def test_the_worker_stops_its_job_and_exits_when_its_parent_is_killed(tmp_path, models_root):
    # Steps enough for hours, so that the job is still running when its parent dies.
    path, job_id = queued_tiny_job(tmp_path, models_root, steps=1_000_000)
    assert previz("models", "add", models_root).returncode == 0
    parent = subprocess.Popen(
        [sys.executable, "-m", "previz", "jobs", "run", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker_pid = None
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            with ProjectSession.open(path, readonly=True) as s:
                job = s.job(job_id)
            if job.message.startswith("step "):  # the worker is in the diffusion loop
                worker_pid = _child_pid(parent.pid)
                break
            time.sleep(0.1)
        assert worker_pid is not None, "the job never reached the diffusion loop"
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and _alive(worker_pid):
            time.sleep(0.1)
        assert not _alive(worker_pid), "the worker ran on for a parent that is gone"
    finally:
        if _alive(worker_pid):
            os.kill(worker_pid, signal.SIGKILL)


def _child_pid(pid: int) -> int | None:
    """The generation worker among ``pid``'s children (the one that is not the resource tracker)."""
    children = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                cmdline = fh.read()
        except OSError:
            continue
        if int(stat[stat.rfind(")") + 2 :].split()[1]) == pid and b"spawn_main" in cmdline:
            children.append(int(entry))
    return children[0] if children else None


def _alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie waiting for its reaper has exited)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            stat = fh.read()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2 :].split()[0] != "Z"
