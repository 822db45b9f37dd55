"""Generate's duplicate check read beside the plan (``queue.read_known``, before the write transaction
opens) and brought up to date where the jobs are written (``enqueue_planned(known=)``): the same
outcome as the check made at write time — a take reused, an identical job not queued twice — also when
the queue changed between the two (a Generate written meanwhile, a job that ended with its take)."""

import pytest

from previz.core.session import ProjectSession
from previz.generation import queue


@pytest.fixture
def project(tmp_path):
    s = ProjectSession.create(tmp_path / "film", fps="24", size="320x180")
    s.add_scene("EXT. SEA - NIGHT", number="1")
    s.add_shot("1", duration_frames=8, move="push_in", action="Waves.")
    s.add_shot("1", duration_frames=6, move="handheld", action="Gulls.")
    yield s
    s.close()


def plan_elsewhere(project, codes):
    """What the planner thread hands over: the plan and its reads, made on a read-only session."""
    with ProjectSession.open(project.root, readonly=True) as other:
        planned = queue.plan_requests(other, codes)
        return planned, queue.read_known(other, planned)


def test_two_plans_made_before_either_is_written_queue_the_request_once(project, monkeypatch):
    first = plan_elsewhere(project, ["001_0010"])
    second = plan_elsewhere(project, ["001_0010", "001_0020"])  # read before the first was written
    assert second[1].jobs == {} and second[1].takes == {}
    reads = []
    for name in ("takes", "jobs"):  # every take, every active job: read where the plan was made instead
        real = getattr(project, name)
        monkeypatch.setattr(project, name, lambda *a, real=real, name=name: reads.append(name) or real(*a))
    [one] = queue.enqueue_planned(project, first[0], known=first[1])
    again, other = queue.enqueue_planned(project, second[0], known=second[1])
    assert again.already and again.job.id == one.job.id  # the first plan's job, not a second
    assert not other.already and other.job.id != one.job.id
    assert reads == []
    monkeypatch.undo()
    assert sorted(j.shot_id for j in project.jobs()) == sorted(
        [project.shot("001_0010").id, project.shot("001_0020").id]
    )


def test_a_job_known_queued_that_made_its_take_since_is_that_take(project):
    queue.enqueue(project, ["001_0010"])
    planned, known = plan_elsewhere(project, ["001_0010"])  # sees the job queued
    assert list(known.jobs.values())[0].state == "queued"
    [done] = queue.run_queue(project)  # it ends with its take before the plan is written
    [result] = queue.enqueue_planned(project, planned, known=known)
    assert result.job is None and result.reused.id == done.take_id  # reused, nothing queued
    assert [j.state for j in project.jobs()] == ["done"]


def test_a_take_known_is_reused_and_a_job_seen_running_counts(project):
    queue.enqueue(project, ["001_0010"])
    queue.run_queue(project)
    queue.enqueue(project, ["001_0020"])
    order = queue.queued_order(project)
    queue.claim_next(project, order)  # running, held by this live process
    planned, known = plan_elsewhere(project, ["001_0010", "001_0020"])
    reused, running = queue.enqueue_planned(project, planned, known=known)
    assert reused.job is None and reused.reused.shot_id == project.shot("001_0010").id
    assert running.already and running.job.state == "running"
    assert len(project.jobs()) == 2  # nothing new queued


def test_a_job_left_by_a_dead_process_is_taken_back_when_known_saw_one(project):
    queue.enqueue(project, ["001_0010"])
    [job] = project.jobs()
    project.update_job(job.id, state="running", holder="gone-host:1:1")  # a holder that no longer runs
    planned, known = plan_elsewhere(project, ["001_0010"])
    assert known.orphans
    [result] = queue.enqueue_planned(project, planned, known=known)
    assert result.already and result.job.id == job.id
    assert project.job(job.id).state == "queued"  # taken back (recover), queued again: that job makes it
