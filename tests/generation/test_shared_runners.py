"""Several runners on one project (two apps, render nodes): each queued job runs exactly once."""

import subprocess
import sys

import pytest

from previz.core.session import ProjectSession
from previz.generation import queue

RUNNER = """
import sys
from previz.core.session import ProjectSession
from previz.generation import queue
with ProjectSession.open(sys.argv[1], author=sys.argv[2]) as s:
    print("ready", flush=True)
    sys.stdin.readline()
    print(len(queue.run_queue(s)), flush=True)
"""


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_runners_share_the_queue_and_no_job_runs_twice(request, tmp_path, backend):
    if backend == "postgresql":
        where = request.getfixturevalue("pg_url")
        s = ProjectSession.create(where, media=tmp_path / "media", fps="24", size="160x90")
    else:
        s = ProjectSession.create(tmp_path / "film", fps="24", size="160x90")
    location = s.location
    s.add_scene("EXT. SEA - NIGHT", number="1")
    for i in range(8):
        s.add_shot("1", duration_frames=6, move="push_in", action=f"wave {i}")
    jobs = [r.job for r in queue.enqueue(s, [x.code for x in s.shots()])]
    s.close()
    runners = [
        subprocess.Popen(
            [sys.executable, "-c", RUNNER, location, name],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("node-a", "node-b")
    ]
    for r in runners:
        assert r.stdout.readline().strip() == "ready"
    for r in runners:  # both start at once
        r.stdin.write("go\n")
        r.stdin.flush()
    counts = []
    for r in runners:
        out, err = r.communicate(timeout=600)
        assert r.returncode == 0, err
        counts.append(int(out.strip()))
    assert sum(counts) == len(jobs)
    with ProjectSession.open(location, readonly=True) as s:
        assert [j.state for j in s.jobs()] == ["done"] * len(jobs)
        assert all(j.attempts == 1 for j in s.jobs())
        takes = s.takes()
        assert sorted(t.shot_id for t in takes) == sorted(x.id for x in s.shots())  # one take per shot
        assert {t.author for t in takes} <= {"node-a", "node-b"}
