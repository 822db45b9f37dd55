"""The render farm (issue 14): Ray CPU actors pull a project's animatic jobs; a killed actor's job is
finished by another; ``farm status`` and ``farm down`` work from another client."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
from farm_support import actor_env, all_done, new_project, stop, wait_for

from previz.cli import main
from previz.core.errors import GenerationError
from previz.core.session import ProjectSession
from previz.generation import farm, queue

ray = pytest.importorskip("ray")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_workers_make_one_take_per_shot_naming_the_worker(cluster, tmp_path, capsys, request, backend):
    if backend == "postgresql":
        location = new_project(
            tmp_path, 12, where=request.getfixturevalue("pg_url"), media=tmp_path / "media"
        )
    else:
        location = new_project(tmp_path, 12)
    f = farm.Farm.start(location, cpu_workers=2, env=actor_env())
    try:
        wait_for(location, all_done, what="12 jobs")
        workers = {i["author"]: i for i in f.infos}
        assert len(workers) == 2
        with ProjectSession.open(location, readonly=True) as s:
            takes = s.takes()
            assert sorted(t.shot_id for t in takes) == sorted(x.id for x in s.shots())  # one take per shot
            for job in s.jobs():
                take = s.take(job.take_id)
                ran = take.provenance["worker"]  # written with the take, in its commit
                assert take.author == ran["worker"] in workers  # the take names the worker that made it
                assert ran["pid"] == workers[ran["worker"]]["pid"] == take.provenance["pid"]
                assert ran["host"] == workers[ran["worker"]]["host"] and ran["gpu"] is None
                assert job.attempts == 1

        # farm status from another client: both workers, with the keys a studio scripts against
        def both_reported(s):
            ws = farm.read_workers(s)
            done = sum(w["jobs_done"] for w in ws) == 12
            return len(ws) == 2 and done and all(w["state"] == "idle" for w in ws)

        wait_for(location, both_reported, what="both workers' state files")
        capsys.readouterr()
        assert main(["farm", "status", location, "--json"]) == 0

        status = json.loads(capsys.readouterr().out)
        assert len(status["workers"]) == 2
        for w in status["workers"]:
            assert {"host", "pid", "gpu", "model", "job", "progress", "jobs_done", "heartbeat"} <= set(w)
            assert w["model"] == "animatic" and w["gpu"] is None and w["state"] == "idle"
        assert {w["pid"] for w in status["workers"]} == {i["pid"] for i in f.infos}

        # farm down from another client stops both workers; their state files say so
        assert main(["farm", "down", location]) == 0
        deadline = time.monotonic() + 60
        while f.running:
            f.poll(0.5)
            assert time.monotonic() < deadline, "workers did not stop after farm down"
        assert sum(f.done.values()) == 12
        with ProjectSession.open(location, readonly=True) as s:
            assert [w["state"] for w in farm.read_workers(s)] == ["stopped", "stopped"]
    finally:
        stop(f)


def test_a_killed_worker_s_job_is_finished_by_the_other_with_one_take(cluster, tmp_path):
    # Long clips, so that a job is surely in progress when its worker is killed (a farm job writes its
    # progress only after its first second: a short clip could finish before anyone saw it in progress).
    location = new_project(tmp_path, 4, frames=1200, size="640x360")
    f = farm.Farm.start(location, cpu_workers=2, env=actor_env())
    pids = {i["pid"]: n for n, i in enumerate(f.infos)}
    try:

        def in_progress(s):
            for j in s.jobs(("running",)):
                pid = int(j.holder.split(":")[1]) if j.holder else None
                if j.progress_done > 0 and pid in pids:
                    return j
            return None

        victim = wait_for(location, in_progress, what="a job in progress")
        killed = pids[int(victim.holder.split(":")[1])]
        f.kill(killed)
        wait_for(location, all_done, limit=240, what="every job done after the kill")
        survivor = f.infos[1 - killed]["author"]
        with ProjectSession.open(location, readonly=True) as s:
            takes = s.takes()
            assert sorted(t.shot_id for t in takes) == sorted(x.id for x in s.shots())  # no duplicate take
            job = s.job(victim.id)
            assert job.attempts == 2  # queued again by recover, run again by the survivor
            assert s.take(job.take_id).author == survivor
            media = [r for r in s.table_rows("media") if r["kind"] == "video"]
            assert sorted(r["hash"] for r in media) == sorted(t.media_hash for t in takes)  # no orphan
    finally:
        stop(f)


def test_farm_up_runs_the_queue_in_the_foreground_until_farm_down(cluster, tmp_path, capsys):
    location = new_project(tmp_path, 3)
    result = {}
    up = threading.Thread(
        target=lambda: result.update(rc=main(["farm", "up", location, "--local", "--cpu-workers", "2"]))
    )
    up.start()
    try:
        wait_for(location, all_done, what="the farm to run the queue")
    finally:
        assert main(["farm", "down", location]) == 0
        up.join(timeout=120)
    assert not up.is_alive() and result["rc"] == 0
    out = capsys.readouterr().out
    assert "2 workers on" in out and "farm down requested" in out and "farm stopped: 3 jobs run" in out
    with ProjectSession.open(location, readonly=True) as s:
        assert len(s.takes()) == 3
        assert not (farm.farm_dir(s) / farm.DOWN_FILE).exists()  # the next farm up is not stopped at once


def test_a_worker_whose_node_lacks_the_media_root_refuses_to_start_and_says_which(cluster, tmp_path, pg_url):
    location = new_project(tmp_path, 1, where=pg_url, media=tmp_path / "media")
    missing = tmp_path / "not-mounted"
    with pytest.raises(GenerationError) as caught:
        farm.Farm.start(location, cpu_workers=1, env=actor_env(PREVIZ_MEDIA_ROOT=str(missing)))
    message = caught.value.one_line()
    assert message.startswith("farm: worker 0 on ") and str(missing) in message
    with ProjectSession.open(location, readonly=True) as s:  # nothing ran, the job waits for a worker
        assert [j.state for j in s.jobs()] == ["queued"]


def test_stopping_the_farm_mid_job_queues_the_job_again_instead_of_leaving_it_running(cluster, tmp_path):
    location = new_project(tmp_path, 1, frames=1200, size="640x360")
    f = farm.Farm.start(location, cpu_workers=1, env=actor_env())
    try:
        wait_for(
            location, lambda s: any(j.progress_done > 0 for j in s.jobs(("running",))), what="a job running"
        )
    finally:
        stop(f)  # what Ctrl+C on `previz farm up` does
    with ProjectSession.open(location, readonly=True) as s:
        [job] = s.jobs()
        assert (job.state, job.holder, job.take_id) == ("queued", "", None)
        assert "stopped before it ended" in job.message
        assert s.takes() == [] and [r for r in s.table_rows("media") if r["kind"] == "video"] == []


def test_a_worker_prefers_jobs_for_the_model_it_has_loaded(tmp_path):
    s = ProjectSession.create(tmp_path / "film", fps="24", size="160x90")
    s.add_scene("EXT. SEA - NIGHT", number="1")
    shot = s.add_shot("1", duration_frames=12).code
    for n, model in enumerate(["wan", "ltx", "wan", "ltx"]):
        s.add_job(
            queue.JOB_KIND, {"key": f"k{n}", "request": {"backend": "diffusers", "model": model}}, shot=shot
        )
    s.add_job(
        queue.JOB_KIND,
        {"key": "k9", "request": {"backend": "diffusers", "model": "cog"}},
        shot=shot,
        priority=5,
    )
    assert farm.model_key(farm.pick_job(s, None)) == "cog"  # nothing loaded: the queue's order
    assert [farm.pick_job(s, m).id for m in ("ltx", "wan", "svd")] == [2, 1, 5]  # its model first, else next
    # nothing it has loaded left: a model no other worker holds, before one another worker has warm
    assert farm.pick_job(s, "svd", {"cog"}).id == 1
    assert farm.pick_job(s, None, {"cog", "wan"}).id == 2
    assert farm.pick_job(s, None, {"cog", "wan", "ltx"}).id == 5
    # with a pipeline of its own warm, a worker leaves the jobs of models others have warm to them
    assert farm.pick_job(s, "svd", {"cog", "wan", "ltx"}) is None
    s.add_job(queue.JOB_KIND, {"key": "a", "request": {"backend": "animatic"}}, shot=shot)
    assert farm.pick_job(s, "svd", {"cog", "wan", "ltx", "animatic"}).id == 6  # an animatic loads nothing
    s.close()


def test_an_address_nothing_answers_at_is_refused_in_one_line(tmp_path, capsys):
    location = new_project(tmp_path, 1)
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    for address in (f"ray://127.0.0.1:{port}", f"127.0.0.1:{port}"):
        assert main(["farm", "up", location, "--address", address]) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"previz: error: farm: nothing answers at {address} (") and err.count("\n") == 1
    assert main(["farm", "up", location, "--address", "head-node"]) == 1
    assert "--address: 'head-node' is not HOST:PORT or ray://HOST:PORT" in capsys.readouterr().err
    with ProjectSession.open(location, readonly=True) as s:
        assert [j.state for j in s.jobs()] == ["queued"]


def run_worker(location: str, until) -> farm.FarmWorker:
    """A farm worker run in this process (the actors' class, without Ray) until ``until(session)``."""
    worker = farm.FarmWorker(location, 0)
    assert worker.start() is None
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        wait_for(location, until, what="the worker")
    finally:
        worker.stop()
        thread.join(timeout=120)
    assert not thread.is_alive()
    return worker


def test_a_worker_claims_its_next_job_at_the_last_step_of_the_one_running(tmp_path, monkeypatch):
    monkeypatch.setattr(farm, "PIPELINE", False)  # each job ends before the next starts: a strict order
    location = new_project(tmp_path, 3)
    events: list[tuple[str, int]] = []
    claim, finish = queue.claim_next, queue.finish_job

    def logged_claim(session, order):
        job = claim(session, order)
        if job is not None:
            events.append(("claim", job.id))
        return job

    def logged_finish(session, job_id, **kw):
        events.append(("finish", job_id))
        return finish(session, job_id, **kw)

    monkeypatch.setattr(queue, "claim_next", logged_claim)
    monkeypatch.setattr(queue, "finish_job", logged_finish)
    worker = run_worker(location, all_done)
    # the next job is claimed while the one before still runs: the claim's wait is not between jobs
    assert events == [("claim", 1), ("claim", 2), ("finish", 1), ("claim", 3), ("finish", 2), ("finish", 3)]
    assert worker.state.jobs_done == 3
    with ProjectSession.open(location, readonly=True) as s:
        assert [(j.state, j.attempts) for j in s.jobs()] == [("done", 1)] * 3 and len(s.takes()) == 3


def test_a_worker_starts_its_next_job_while_the_last_one_s_take_is_written(tmp_path, monkeypatch):
    location = new_project(tmp_path, 4)
    events: list[tuple[str, int]] = []
    second_started = threading.Event()
    in_tail: list[int] = []  # jobs whose take is being written now
    most = []
    claim, start, finish = queue.claim_next, queue.start_claimed, queue.finish_job

    def logged_claim(session, order):
        job = claim(session, order)
        if job is not None:
            events.append(("claim", job.id))
        return job

    def logged_start(session, job):
        events.append(("start", job.id))
        if job.id == 2:
            second_started.set()
        return start(session, job)

    def logged_finish(session, job_id, **kw):
        if job_id == 1:  # job 1's take is written only once job 2 runs: that fails without a pipeline
            events.append(("job 2 seen running", int(second_started.wait(timeout=60))))
        in_tail.append(job_id)
        most.append(len(in_tail))
        events.append(("finish", job_id))
        try:
            return finish(session, job_id, **kw)
        finally:
            in_tail.remove(job_id)
            events.append(("finished", job_id))

    monkeypatch.setattr(queue, "claim_next", logged_claim)
    monkeypatch.setattr(queue, "start_claimed", logged_start)
    monkeypatch.setattr(queue, "finish_job", logged_finish)
    worker = run_worker(location, all_done)

    def at(event) -> int:
        return events.index(event)

    assert ("job 2 seen running", 1) in events  # job 2 started before job 1's take was written
    assert at(("start", 2)) < at(("finish", 1))
    for n in (1, 2):  # at most one job in its tail: a job's tail waits for the one before to end
        assert at(("finished", n)) < at(("finish", n + 1))
        assert at(("finished", n)) < at(("start", n + 2))
    assert max(most) == 1
    assert worker.state.jobs_done == 4 and worker.state.last_job["state"] == "done"
    with ProjectSession.open(location, readonly=True) as s:
        assert [(j.state, j.attempts, j.progress_done > 0) for j in s.jobs()] == [("done", 1, True)] * 4
        takes = s.takes()
        assert sorted(t.shot_id for t in takes) == sorted(x.id for x in s.shots())
        assert {t.author for t in takes} == {worker.state.author}
        assert all(t.provenance["worker"]["pid"] == worker.state.pid for t in takes)
        media = [r for r in s.table_rows("media") if r["kind"] == "video"]
        assert sorted(r["hash"] for r in media) == sorted(t.media_hash for t in takes)


def test_a_stop_hands_back_the_job_claimed_ahead_uncounted(tmp_path, monkeypatch):
    location = new_project(tmp_path, 2)
    ahead = farm.FarmWorker._claim_ahead

    def claim_then_stop(self):  # farm down just after the next job was claimed ahead
        ahead(self)
        assert self._next is not None
        self.stop()

    monkeypatch.setattr(farm.FarmWorker, "_claim_ahead", claim_then_stop)

    def settled(s) -> bool:
        first, second = s.jobs()
        return first.state != "running" and "before it started" in second.message

    run_worker(location, settled)
    with ProjectSession.open(location, readonly=True) as s:
        first, second = s.jobs()
        # the running job ends as a stop leaves it (done at its last frame, or queued again)
        assert (first.state, first.attempts) in {("done", 1), ("queued", 0)}
        assert (second.state, second.attempts, second.holder) == ("queued", 0, "")
        assert len(s.takes()) == (first.state == "done")


def test_a_stop_while_a_job_is_in_its_tail_lets_it_end_and_hands_back_the_next(tmp_path, monkeypatch):
    location = new_project(tmp_path, 4)
    worker = farm.FarmWorker(location, 0)
    second_started = threading.Event()
    start, finish = queue.start_claimed, queue.finish_job

    def logged_start(session, job):
        if job.id == 2:
            second_started.set()
        return start(session, job)

    def stop_then_finish(session, job_id, **kw):
        if job_id == 1:  # farm down while job 1's take is being written and job 2 runs
            assert second_started.wait(timeout=60)
            worker.stop()
        return finish(session, job_id, **kw)

    monkeypatch.setattr(queue, "start_claimed", logged_start)
    monkeypatch.setattr(queue, "finish_job", stop_then_finish)
    assert worker.start() is None
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive()
    with ProjectSession.open(location, readonly=True) as s:
        first, second, *rest = s.jobs()
        assert (first.state, first.attempts) == ("done", 1)  # its GPU work was done: it ends as it would have
        # the job running when the stop came: cancelled and queued again uncounted (or done, had it ended)
        assert (second.state, second.attempts) in {("done", 1), ("queued", 0)}
        assert [(j.state, j.attempts, j.holder) for j in rest] == [("queued", 0, "")] * 2
        assert not s.jobs(("running",))
        takes = s.takes()
        assert len(takes) == 1 + (second.state == "done")
        media = [r for r in s.table_rows("media") if r["kind"] == "video"]
        assert sorted(r["hash"] for r in media) == sorted(t.media_hash for t in takes)
    assert worker.state.state == "stopped" and worker.state.job is None
