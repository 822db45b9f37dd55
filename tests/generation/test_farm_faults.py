"""The render farm, continued (issue 14): a cancel from another process reaches a job running on the farm;
model affinity loads each of two models once over two workers; a node of another Previz version is refused
naming both; a driver that dies leaves its (detached) workers running and the next driver re-attaches; a
driver sends a job through the Ray executor."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import textwrap

import pytest
from farm_support import actor_env, all_done, new_project, stop, wait_for

from previz.core.errors import GenerationError
from previz.core.session import ProjectSession
from previz.generation import farm, queue
from previz.generation.shot_request import request_for_shot

ray = pytest.importorskip("ray")


def previz(*argv) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "previz", *map(str, argv)], capture_output=True, text=True, timeout=300
    )


def videos(s: ProjectSession) -> list[str]:
    return [r["hash"] for r in s.table_rows("media") if r["kind"] == "video"]


def test_a_cancel_from_another_process_stops_the_job_the_farm_runs(cluster, tmp_path):
    location = new_project(tmp_path, 2, frames=2000, size="640x360")  # long: surely running when cancelled
    f = farm.Farm.start(location, cpu_workers=1, env=actor_env())
    try:
        job = wait_for(
            location,
            lambda s: next((j for j in s.jobs(("running",)) if j.progress_done > 0), None),
            what="a job in progress on the farm",
        )
        done = previz("cancel", location, job.id)  # another process: the CLI
        assert done.returncode == 0, done.stderr
        assert f"asked the running process to cancel job {job.id}" in done.stdout
        ended = wait_for(
            location, lambda s: s.job(job.id).state != "running" and s.job(job.id), what="cancel"
        )
        assert ended.state == "cancelled" and ended.take_id is None
        # the worker carries on with the next job, and nothing of the cancelled one is left
        other = wait_for(location, lambda s: next((j for j in s.jobs(("running",)) if j.id != job.id), None))
        assert other.id != job.id
        with ProjectSession.open(location, readonly=True) as s:
            assert videos(s) == [] and not queue.cancel_flag(s, job.id).exists()
    finally:
        stop(f)


def test_a_node_of_another_previz_version_is_refused_naming_both(cluster, tmp_path):
    from previz import __version__

    location = new_project(tmp_path, 1)
    with pytest.raises(GenerationError) as caught:
        farm.Farm.start(location, cpu_workers=1, env=actor_env(), version="0.0.0-other")
    message = caught.value.one_line()
    assert f"runs Previz {__version__}" in message and "this client runs Previz 0.0.0-other" in message
    with ProjectSession.open(location, readonly=True) as s:
        assert [j.state for j in s.jobs()] == ["queued"]  # no worker was left to run it


DRIVER = textwrap.dedent(
    """
    import json, sys, ray
    from previz.generation import farm
    ray.init(address=sys.argv[1], log_to_driver=False)
    f = farm.Farm.start(sys.argv[2], cpu_workers=1, env=json.loads(sys.argv[3]), detached=True)
    print(json.dumps([i["pid"] for i in f.infos]), flush=True)
    # the driver dies here without stopping its workers
    """
)


def test_workers_carry_on_after_their_driver_died_and_the_next_driver_re_attaches(cluster, tmp_path):
    location = new_project(tmp_path, 6, frames=96, size="320x180")
    address = ray.get_runtime_context().gcs_address
    first = subprocess.run(
        [sys.executable, "-c", DRIVER, address, location, json.dumps(actor_env())],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert first.returncode == 0, first.stderr
    pids = json.loads(first.stdout.splitlines()[-1])
    # the driver is gone; its worker finishes the queue all the same
    wait_for(location, all_done, limit=300, what="the queue, run by the orphaned worker")
    f = farm.Farm.start(location, cpu_workers=1, env=actor_env(), detached=True)  # a new driver
    try:
        assert [i["pid"] for i in f.infos] == pids  # re-attached, not a second worker
        with ProjectSession.open(location, readonly=True) as s:
            takes = s.takes()
            assert len(takes) == 6 and {t.provenance["worker"]["pid"] for t in takes} == set(pids)
        with ProjectSession.open(location) as s:
            queue.enqueue(s, [s.shots()[0].code], seed=99)
        wait_for(location, all_done, what="a job queued after the re-attach")
    finally:
        stop(f)


def test_a_driver_runs_a_job_on_an_actor_through_the_ray_executor(cluster, tmp_path):
    from previz.generation.executors import Executors

    location = new_project(tmp_path, 1)
    actor = ray.remote(farm.FarmWorker).options(runtime_env={"env_vars": actor_env()}).remote(location, 0)
    try:
        ray_executors = Executors(here=farm.RayExecutor(actor), worker=None)
        with ProjectSession.open(location) as s:
            [ended] = queue.run_queue(s, executors=ray_executors)
            assert ended.state == "done"
            take = s.take(ended.take_id)
            assert take.provenance["pid"] == ray.get(actor.info.remote())["pid"]  # made in the actor
            assert s.media_info(take.media_hash).frames == 12
    finally:
        ray.kill(actor)


@pytest.fixture(scope="module")
def two_models(tmp_path_factory):
    from previz.generation.tiny_models import build_all

    root = tmp_path_factory.mktemp("models")
    build_all(root, ("tiny-ltx-video", "tiny-wan21-t2v"))
    return root


def test_affinity_two_models_two_workers_twelve_mixed_jobs_load_each_model_once(
    cluster, tmp_path, two_models
):
    from previz.generation.model_folders import add_model_folder

    add_model_folder(two_models)  # in the isolated config the actors read too
    with ProjectSession.create(tmp_path / "film", fps="24", size="640x360") as s:
        s.add_scene("EXT. SEA - NIGHT", number="1")
        for i in range(12):
            shot = s.add_shot("1", duration_frames=9, action=f"wave {i}")
            model = ("tiny-ltx-video", "tiny-wan21-t2v")[i % 2]
            request = request_for_shot(
                s, shot.code, backend="diffusers", model=model, model_folders=[two_models]
            )
            request = dataclasses.replace(request, width=32, height=32, steps=2)
            s.add_job(
                queue.JOB_KIND, {"key": request.cache_key(), "request": request.to_dict()}, shot=shot.code
            )
        location = s.location
    f = farm.Farm.start(location, cpu_workers=2, env=actor_env())
    try:
        wait_for(location, all_done, limit=600, what="12 diffusers jobs")
        with ProjectSession.open(location, readonly=True) as s:
            takes = s.takes()
            assert len(takes) == 12
            loads = [t for t in takes if not t.provenance["pipeline_reused"]]
            assert len(loads) <= 2, [(t.provenance["model"], t.provenance["worker"]["worker"]) for t in loads]
            by_worker = {}
            for t in takes:
                by_worker.setdefault(t.provenance["worker"]["worker"], set()).add(t.provenance["model"])
            assert all(len(models) == 1 for models in by_worker.values())  # no worker switched models
    finally:
        stop(f)
