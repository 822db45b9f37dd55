"""Interrupted generation and queued jobs from the command line: `previz generate` after a `kill -9`,
`previz jobs run`, and the seed column of `previz take list`."""

import json
import signal
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest

from previz.cli import main
from previz.core.session import ProjectSession


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def wait_for(condition, what: str, limit_s: float = 300.0):
    """Poll ``condition`` until it returns something true (a generous limit, for a loaded machine)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


@pytest.fixture
def project(tmp_path, capsys):
    run(capsys, "new", tmp_path / "film", "--size", "128x72")
    path = tmp_path / "film.previz"
    run(capsys, "scene", "add", path, "--heading", "EXT. SEA - NIGHT", "--number", "1")
    run(capsys, "shot", "add", path, "--scene", "1", "--duration", "8", "--move", "pan_right")
    run(capsys, "shot", "add", path, "--scene", "1", "--duration", "6")
    return path


def job_rows(path):
    with ProjectSession.open(path, readonly=True) as s:
        return {j.id: j for j in s.jobs()}


def test_generate_after_a_kill_9_recovers_the_interrupted_job_and_makes_every_take(project, capsys):
    # A long first shot, so that the job is still running when the process is killed.
    run(capsys, "shot", "set", project, "001_0010", "--duration", "3000")
    proc = subprocess.Popen(
        [sys.executable, "-m", "previz", "generate", str(project), "--all", "--backend", "animatic"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:

        def first_job_under_way():
            jobs = job_rows(project)
            return jobs.get(1) if jobs.get(1) and jobs[1].progress_done > 0 else None

        seen = wait_for(first_job_under_way, "job 1 to be running with progress")
        assert seen.state == "running" and proc.poll() is None
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    stuck = job_rows(project)
    assert stuck[1].state == "running" and stuck[2].state == "queued"
    assert str(proc.pid) in stuck[1].holder
    code, out, err = run(capsys, "jobs", project)
    assert code == 0 and "`previz jobs run` queues it again" in out  # the listing says so, read-only

    code, out, err = run(capsys, "generate", project, "--all", "--backend", "animatic")
    assert code == 0, err
    assert f"job 1: interrupted at {stuck[1].progress_done}/3000 (process {proc.pid} on " in err
    assert "queued again for attempt 2 of 3" in err
    assert "001_0010: the same request is already queued as job 1; running it" in out
    assert "001_0020: the same request is already queued as job 2; running it" in out
    assert "001_0010: take 1" in out and "001_0020: take 1" in out
    jobs = job_rows(project)
    assert [(j.id, j.state, j.attempts) for j in jobs.values()] == [(1, "done", 2), (2, "done", 1)]
    with ProjectSession.open(project, readonly=True) as s:
        assert [(t.number, t.frames) for t in s.takes("001_0010")] == [(1, 3000)]
        assert [t.number for t in s.takes("001_0020")] == [1]
        assert [s.shot(c).status for c in ("001_0010", "001_0020")] == ["ready", "ready"]


def test_generate_runs_the_shot_queued_earlier_instead_of_skipping_it(project, capsys):
    code, out, _ = run(capsys, "generate", project, "001_0020", "--queue-only")
    assert code == 0 and "queued 1 jobs; run them with `previz jobs run" in out
    code, out, err = run(capsys, "generate", project, "001_0020")
    assert code == 0, err
    assert out.splitlines() == [
        "001_0020: the same request is already queued as job 1; running it",
        "001_0020: take 1",
    ]
    assert [(j.state, j.attempts) for j in job_rows(project).values()] == [("done", 1)]


def test_jobs_run_runs_the_next_job_then_until_empty(project, capsys):
    assert run(capsys, "generate", project, "--all", "--queue-only")[0] == 0
    code, out, err = run(capsys, "jobs", "run", project)
    assert code == 0, err
    assert out.splitlines() == [
        "001_0010: take 1",
        f"1 jobs still queued; run them with `previz jobs run {project} --until-empty`",
    ]
    assert "001_0010: 100% frame 8/8" in err and "job 1: done — take 1 ready" in err
    code, out, err = run(capsys, "jobs", "run", project, "--until-empty", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result == {
        "finished": [{"job": 2, "state": "done", "error": "", "shot": "001_0020", "take": 1}],
        "still_queued": 0,
    }
    assert run(capsys, "jobs", "run", project, "--until-empty")[1] == "no queued jobs\n"


def test_jobs_run_exits_1_with_one_line_per_failed_job(project, capsys, tmp_path):
    board = tmp_path / "board.png"
    cv2.imwrite(str(board), np.full((72, 128, 3), 90, np.uint8))
    assert run(capsys, "shot", "set", project, "001_0010", "--board", board)[0] == 0
    with ProjectSession.open(project, readonly=True) as s:
        stored = s.media_path(s.shot("001_0010").board_hash)
    assert run(capsys, "generate", project, "--all", "--queue-only")[0] == 0
    stored.chmod(0o644)
    stored.write_bytes(b"\x89PNG broken")
    code, out, err = run(capsys, "jobs", "run", project, "--until-empty")
    assert code == 1
    assert out.splitlines() == ["001_0020: take 1"]
    [line] = [x for x in err.splitlines() if x.startswith("previz: error:")]
    assert line.startswith("previz: error: 001_0010: job 1 failed: image: ")
    assert "not a readable image" in line


def test_jobs_usage_errors_are_one_line(project, capsys):
    code, _, err = run(capsys, "jobs", "walk", project)
    assert (
        code == 1
        and err == f"previz: error: jobs: 'walk {project}': give PROJECT to list jobs, or run PROJECT\n"
    )
    code, _, err = run(capsys, "jobs", project, "--until-empty")
    assert code == 1 and "only `previz jobs run PROJECT` takes it" in err


def test_take_list_shows_each_takes_seed(project, capsys):
    assert run(capsys, "generate", project, "001_0010", "--takes", "2", "--seed", "41")[0] == 0
    code, out, _ = run(capsys, "take", "list", project, "001_0010")
    lines = out.splitlines()
    assert lines[0].split()[:5] == ["take", "kind", "made", "by", "seed"]
    column = lines[0].index("seed")
    assert [line[column:].split()[0] for line in lines[1:]] == ["41", "42"]
    takes = json.loads(run(capsys, "take", "list", project, "001_0010", "--json")[1])
    assert [(t["number"], t["seed"]) for t in takes] == [(1, 41), (2, 42)]


def test_generate_names_each_shot_it_did_not_make_in_text_and_json(project, capsys, tmp_path):
    board = tmp_path / "board.png"
    cv2.imwrite(str(board), np.full((72, 128, 3), 90, np.uint8))
    assert run(capsys, "shot", "set", project, "001_0010", "--board", board)[0] == 0
    with ProjectSession.open(project, readonly=True) as s:
        stored = s.media_path(s.shot("001_0010").board_hash)
    stored.chmod(0o644)
    stored.write_bytes(b"\x89PNG broken")
    code, out, err = run(capsys, "generate", project, "--all", "--json")
    assert code == 1
    assert [(r["shot"], r["state"]) for r in json.loads(out)["finished"]] == [
        ("001_0010", "failed"),
        ("001_0020", "done"),
    ]
    [line] = [x for x in err.splitlines() if x.startswith("previz: error:")]
    assert line.startswith("previz: error: 001_0010: job 1 failed: image: ")
