"""Jobs left running by a process that is gone are taken back: queued again with the attempt counted,
failed with the reason after the last attempt; a live holder keeps its job; an identical request already
queued is that job, never silently dropped."""

import socket
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from previz.core.jobs import JobHolder
from previz.core.session import ProjectSession
from previz.generation import leases, queue


@pytest.fixture
def project(tmp_path):
    s = ProjectSession.create(tmp_path / "film", fps="24", size="320x180")
    s.add_scene("EXT. SEA - NIGHT", number="1")
    s.add_shot("1", duration_frames=12, move="push_in", action="Waves.")
    yield s
    s.close()


@pytest.fixture(scope="module")
def dead_pid():
    """The pid of a process of this machine that has exited."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def left_running(session, holder: str, *, attempts: int = 1, lease: str | None = None):
    """A job as a process leaves it when it dies mid-run: running, 5/12 done, its holder recorded."""
    job = queue.enqueue(session, ["001_0010"])[0].job
    queue.begin_job(session, job)
    session.update_job(
        job.id,
        holder=holder,
        attempts=attempts,
        progress_done=5,
        progress_total=12,
        lease_expires_at=lease,
    )
    return session.job(job.id)


def test_begin_job_records_this_process_as_holder_with_a_lease(project):
    job = queue.enqueue(project, ["001_0010"])[0].job
    started = queue.begin_job(project, job).job
    assert JobHolder.parse(started.holder) == JobHolder.this_process()
    assert datetime.fromisoformat(started.lease_expires_at) > datetime.now(timezone.utc)
    assert queue.recover(project) == [] and project.job(job.id).state == "running"  # we are alive


def test_a_job_whose_process_is_gone_is_queued_again_and_run_with_its_attempt_counted(project, dead_pid):
    host = socket.gethostname()
    job = left_running(project, f"{host}:{dead_pid}:1")
    assert project.shot("001_0010").status == "generating"
    [recovered] = queue.recover(project)
    assert recovered.id == job.id and recovered.state == "queued"
    assert recovered.message == (
        f"interrupted at 5/12 (process {dead_pid} on {host} that ran it is gone); "
        "queued again for attempt 2 of 3"
    )
    assert (recovered.attempts, recovered.holder, recovered.progress_done) == (1, "", 0)
    assert project.shot("001_0010").status == "queued"
    [ended] = queue.run_queue(project)
    assert (ended.id, ended.state, ended.attempts) == (job.id, "done", 2)
    assert len(project.takes("001_0010")) == 1


def test_a_reused_pid_is_not_taken_for_the_holder(project):
    # The pid is alive (it is ours) but the process started at another time: not the holder.
    me = JobHolder.this_process()
    if not me.start:
        pytest.skip("this system does not say when a process started")
    left_running(project, f"{me.host}:{me.pid}:{int(me.start) + 1}")
    assert [j.state for j in queue.recover(project)] == ["queued"]


def test_a_holder_on_another_machine_keeps_its_job_until_its_lease_expires(project):
    t0 = datetime(2026, 1, 5, 22, 0, tzinfo=timezone.utc)
    job = left_running(project, "render-07:4242:99", lease=leases.lease_until(t0))
    assert queue.recover(project, now=t0 + timedelta(seconds=leases.LEASE_S - 1)) == []
    assert project.job(job.id).state == "running"
    [recovered] = queue.recover(project, now=t0 + timedelta(seconds=leases.LEASE_S + 1))
    assert recovered.state == "queued"
    assert "the lease of process 4242 on render-07 expired at 2026-01-05T22:02:00+00:00" in recovered.message


def test_a_job_left_by_an_older_previz_without_a_holder_is_queued_again(project):
    job = left_running(project, "")
    assert "no process holds it" in queue.recover(project)[0].message
    assert project.job(job.id).state == "queued"


def test_the_last_interrupted_attempt_fails_the_job_with_the_reason_and_retry_starts_afresh(
    project, dead_pid
):
    job = left_running(project, f"{socket.gethostname()}:{dead_pid}:1", attempts=leases.MAX_ATTEMPTS)
    [failed] = queue.recover(project)
    assert failed.state == "failed" and failed.finished_at
    assert failed.error.startswith(
        f"job {job.id}: interrupted 3 times, the last at 5/12: process {dead_pid} on"
    )
    assert failed.error.endswith("queue it again with `previz generate PROJECT 001_0010`")
    assert project.shot("001_0010").status == "draft"
    again = queue.retry_job(project, job.id)
    assert (again.state, again.attempts) == ("queued", 0)
    assert queue.run_queue(project)[0].attempts == 1


def test_an_identical_request_already_queued_is_that_job_not_a_dropped_shot(project, dead_pid):
    first = queue.enqueue(project, ["001_0010"])[0]
    second = queue.enqueue(project, ["001_0010"])[0]
    assert (second.job.id, second.already, first.already) == (first.job.id, True, False)
    assert len(project.jobs()) == 1
    # Left running by a dead process, it is taken back before enqueue looks, and handed back queued.
    queue.begin_job(project, project.job(first.job.id))
    project.update_job(first.job.id, holder=f"{socket.gethostname()}:{dead_pid}:1")
    third = queue.enqueue(project, ["001_0010"])[0]
    assert (third.job.id, third.already, third.job.state) == (first.job.id, True, "queued")


def test_a_progress_write_renews_the_lease(project):
    job = queue.enqueue(project, ["001_0010"])[0].job
    leases_seen = []

    def progress(job_info, done, total, message):
        if done == total:
            leases_seen.append(project.job(job.id).lease_expires_at)

    t_before = datetime.now(timezone.utc)
    assert queue.run_job(project, job, progress=progress).state == "done"
    assert datetime.fromisoformat(leases_seen[0]) >= t_before + timedelta(seconds=leases.LEASE_S - 1)


def test_a_job_cancelled_while_its_process_died_stays_cancelled(project, dead_pid):
    job = left_running(project, f"{socket.gethostname()}:{dead_pid}:1")
    flag = queue.cancel_flag(project, job.id)
    flag.parent.mkdir(parents=True, exist_ok=True)
    flag.write_text(str(dead_pid))  # `previz cancel` asked the process, which never saw it
    assert [j.state for j in queue.recover(project)] == ["cancelled"]
    assert not flag.exists() and queue.run_queue(project) == []
    assert project.shot("001_0010").status == "draft"
