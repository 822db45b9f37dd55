"""The project's generation queue with the animatic backend: takes, reuse, staleness, cancel, recovery."""

import socket
import subprocess
import sys

import cv2
import numpy as np
import pytest

from previz.core.errors import ValidationError
from previz.core.jobs import CancelToken, JobHolder, process_start
from previz.core.session import ProjectSession
from previz.generation import leases, queue
from previz.generation.executors import Executors
from previz.generation.shot_request import watch_stale
from previz.media.library import import_media_file
from previz.media.video import probe


@pytest.fixture
def project(tmp_path):
    s = ProjectSession.create(tmp_path / "film", fps="24", size="320x180")
    watch_stale(s)
    s.add_scene("EXT. SEA - NIGHT", number="1")
    cv2.imwrite(
        str(tmp_path / "board.png"), np.tile(np.arange(64, dtype=np.uint8), (36, 1))[..., None].repeat(3, 2)
    )
    board = import_media_file(s, tmp_path / "board.png").hash
    s.add_shot("1", duration_frames=12, move="push_in", board_hash=board, action="Waves.")
    s.add_shot("1", duration_frames=10, move="handheld", action="No board here.")
    yield s
    s.close()


def media_files(session):
    return sorted(p.name for _, p in session.media.all_files())


def test_a_finished_job_is_a_take_with_its_request_and_provenance(project):
    queued = queue.enqueue(project, ["001_0010", "001_0020"])
    assert [q.job.state for q in queued] == ["queued", "queued"]
    assert project.shot("001_0010").status == "queued"
    seen = []
    jobs = queue.run_queue(project, progress=lambda job, done, total, msg: seen.append((job.id, done, total)))
    assert [j.state for j in jobs] == ["done", "done"]
    assert seen[-1] == (jobs[1].id, 10, 10)
    shot = project.shot("001_0010")
    take = project.take(shot.selected_take_id)
    assert (shot.status, take.kind, take.number) == ("ready", "animatic", 1)
    info = probe(project.media_path(take.media_hash))
    assert (info.frames, info.width, info.height, info.fps) == (12, 320, 180, 24)
    assert take.request["mode"] == "i2v" and take.request["image"] == shot.board_hash
    assert take.request_key == take.provenance["cache_key"] and take.provenance["backend"] == "animatic"
    assert project.take(project.shot("001_0020").selected_take_id).request["mode"] == "t2v"


def test_an_identical_request_reuses_the_take_and_a_changed_shot_makes_it_stale(project):
    queue.enqueue(project, ["001_0010"])
    queue.run_queue(project)
    again = queue.enqueue(project, ["001_0010"])
    assert again[0].job is None and again[0].reused.number == 1
    assert len(project.jobs()) == 1
    project.set_shot("001_0010", move="pan_left")
    assert project.takes("001_0010")[0].stale
    project.set_shot("001_0010", dialogue="unrelated to the picture")  # an animatic ignores dialogue
    assert project.takes("001_0010")[0].stale
    project.undo()
    project.undo()
    assert not project.takes("001_0010")[0].stale
    assert queue.enqueue(project, ["001_0010"], seed=5)[0].job is not None  # another seed is another take


def test_cancel_mid_run_leaves_no_take_and_no_media(project):
    before = media_files(project)
    job = queue.enqueue(project, ["001_0010"])[0].job
    token = CancelToken()

    def progress(job, done, total, message):
        if done == 5:
            token.cancel()

    ended = queue.run_job(project, job, progress=progress, cancel=token)
    assert ended.state == "cancelled" and ended.take_id is None
    assert project.takes() == [] and media_files(project) == before
    assert list(project.media.tmp.iterdir()) == []
    assert project.shot("001_0010").status == "draft"


def test_a_cancel_request_from_another_process_stops_the_running_job(project):
    job = queue.enqueue(project, ["001_0010"])[0].job

    def progress(job, done, total, message):
        if done == 3:
            queue.cancel_flag(project, job.id).parent.mkdir(parents=True, exist_ok=True)
            queue.cancel_flag(project, job.id).write_text("other pid")

    assert queue.run_job(project, job, progress=progress).state == "cancelled"
    assert not queue.cancel_flag(project, job.id).exists()


def test_cancel_job_cancels_a_queued_job_and_asks_a_live_holder_of_a_running_one(project):
    first, second = (r.job for r in queue.enqueue(project, ["001_0010", "001_0020"]))
    assert queue.cancel_job(project.location, first.id) == f"cancelled job {first.id}"
    assert project.job(first.id).state == "cancelled"
    # Another live process runs the second job: it is asked, through the request file, and stops itself.
    runner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        holder = JobHolder(socket.gethostname(), runner.pid, process_start(runner.pid))
        project.update_job(
            second.id, state="running", holder=str(holder), lease_expires_at=leases.lease_until()
        )
        assert "asked the running process" in queue.cancel_job(project.location, second.id)
        assert queue.cancel_flag(project, second.id).exists()
        assert project.job(second.id).state == "running"
    finally:
        runner.kill()
        runner.wait()
    # Its holder gone, the job is cancelled at once.
    assert queue.cancel_job(project.location, second.id) == f"cancelled job {second.id}"
    assert project.job(second.id).state == "cancelled"


def test_a_job_left_running_by_a_dead_process_is_resumed(project):
    job = queue.enqueue(project, ["001_0020"])[0].job
    project.update_job(job.id, state="running")
    jobs = queue.run_queue(project)
    assert [j.state for j in jobs] == ["done"] and jobs[0].attempts == 1


def test_a_corrupt_board_fails_the_job_with_the_reason_and_retry_works(project, tmp_path):
    path = project.media_path(project.shot("001_0010").board_hash)
    path.chmod(0o644)
    good = path.read_bytes()
    path.write_bytes(b"\x89PNG broken")
    job = queue.enqueue(project, ["001_0010"])[0].job
    ended = queue.run_queue(project)[0]
    assert ended.state == "failed" and "not a readable image" in ended.error
    assert project.takes() == [] and project.shot("001_0010").status == "draft"
    path.write_bytes(good)
    assert queue.retry_job(project, job.id).state == "queued"
    assert queue.run_queue(project)[0].state == "done"


def test_bad_requests_are_refused_before_anything_is_queued(project):
    with pytest.raises(ValidationError, match="takes"):
        queue.enqueue(project, ["001_0010"], takes=0)
    from previz.core.errors import GenerationError

    with pytest.raises(GenerationError, match="model"):
        queue.enqueue(project, ["001_0010"], backend="diffusers", model="no-such-model", model_folders=[])
    assert project.jobs() == []


def test_a_job_start_and_its_take_each_reach_the_views_as_one_change(project):
    """Starting a job (running + shot generating) and storing its take (media, take, job done, shot
    ready) are each one commit: the app's views refresh once for each, never for a status change alone."""
    queue.enqueue(project, ["001_0020"])
    seen = []
    project.subscribe(seen.append)
    [job] = queue.run_queue(project)
    assert job.state == "done" and job.attempts == 1
    with_shots = [c for c in seen if c.shots]
    assert len(with_shots) == 2  # generating, then ready with its take
    assert all(c.jobs for c in with_shots)
    assert with_shots[1].takes and project.shot("001_0020").status == "ready"


def test_a_job_whose_shot_is_gone_counts_its_attempt_and_fails(project):
    [queued] = queue.enqueue(project, ["001_0020"])
    project.remove_shot("001_0020")
    job = project.job(queued.job.id)
    with pytest.raises(Exception, match="not found|removed"):
        queue.begin_job(project, job)
    job = project.job(job.id)
    assert (job.state, job.attempts) == ("failed", 1)


def test_a_farm_job_shorter_than_its_first_progress_write_writes_only_its_claim_and_its_take(project):
    """``first_write_s`` (the farm's FARM_FIRST_WRITE_S): a job that ends sooner makes two write
    transactions, its claim and its take, and the take's commit records the last progress it reported;
    without it (the app, the CLI) the job's progress reaches the database as it runs."""
    executors = Executors()
    writes = {}
    for first_write_s, code in ((3600.0, "001_0020"), (0.0, "001_0010")):
        [queued] = queue.enqueue(project, [code])
        before = project.last_history_id()
        job = queue.claim_next(project, [queued.job])
        ended = queue.run_claimed(project, job, executors=executors, first_write_s=first_write_s)
        assert ended.state == "done" and ended.progress_done == ended.progress_total > 0
        rows = project.history_after(before)
        assert all(r.changes.jobs for r in rows)
        writes[first_write_s] = len(rows)
    assert writes[3600.0] == 2  # the claim (job running, shot generating), the take (job done, shot ready)
    assert writes[0.0] >= 3  # and at least the last step's progress between them
