"""Job leases (issue 14 item 2): concurrent claimers each get a distinct job, none twice, on SQLite (one
immediate write transaction) and PostgreSQL (``FOR UPDATE SKIP LOCKED``: a claimer skips a row another
holds instead of waiting for it); a job the farm stopped is queued again with its earlier attempts kept."""

from __future__ import annotations

import os
import threading

import pytest
import sqlalchemy as sa

from previz.core.session import ProjectSession
from previz.generation import queue

CLAIMERS, JOBS = 6, 48


def add_jobs(session, n: int) -> list[int]:
    session.add_scene("EXT. SEA - NIGHT", number="1")
    shot = session.add_shot("1", duration_frames=12).code
    with session.batch():
        return [
            session.add_job(queue.JOB_KIND, {"key": f"k{i}", "request": {}}, shot=shot).id for i in range(n)
        ]


def reopen(session, tmp_path, backend) -> ProjectSession:
    media = tmp_path / "media" if backend == "postgresql" else None
    return ProjectSession.open(session.location, media=media, author=f"claimer-{threading.get_ident()}")


def test_concurrent_claimers_get_distinct_jobs_and_none_twice(session, tmp_path, backend):
    ids = add_jobs(session, JOBS)
    start = threading.Barrier(CLAIMERS)
    claimed: list[list[int]] = [[] for _ in range(CLAIMERS)]
    errors: list[BaseException] = []

    def claimer(n: int) -> None:
        try:
            with reopen(session, tmp_path, backend) as s:
                start.wait(timeout=60)
                while order := queue.queued_order(s):
                    job = queue.claim_next(s, order)
                    if job is not None:
                        assert job.state == "running" and job.attempts == 1
                        claimed[n].append(job.id)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=claimer, args=(n,)) for n in range(CLAIMERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    every = [j for mine in claimed for j in mine]
    assert sorted(every) == ids  # each job claimed once: none twice, none left
    assert sum(1 for mine in claimed if mine) >= 2  # the claims really were concurrent
    jobs = {j.id: j for j in session.jobs()}
    assert {j.state for j in jobs.values()} == {"running"} and {j.attempts for j in jobs.values()} == {1}
    assert len({j.holder for j in jobs.values()}) >= 1 and all(j.lease_expires_at for j in jobs.values())


@pytest.mark.parametrize("backend", ["postgresql"])  # row locks are PostgreSQL's; SQLite claims in one write
def test_a_claimer_skips_a_job_another_transaction_holds_on_postgresql(session, request, backend):
    first, second = add_jobs(session, 2)
    engine = sa.create_engine(request.getfixturevalue("pg_url"))
    try:
        with engine.connect() as other:
            job = sa.table("job", sa.column("id"))
            other.execute(
                sa.select(job.c.id).where(job.c.id == first).with_for_update()
            )  # held, not committed
            got = queue.claim_next(session, queue.queued_order(session))
            assert got is not None and got.id == second  # skipped, not waited for
            other.rollback()
    finally:
        engine.dispose()
    assert queue.claim_next(session, queue.queued_order(session)).id == first


def test_a_job_the_farm_stopped_keeps_its_earlier_attempts(session):
    (job_id,) = add_jobs(session, 1)
    session.update_job(job_id, attempts=2)  # two workers died under it before
    job = queue.claim_next(session, queue.queued_order(session))
    assert job.attempts == 3
    session.update_job(job_id, state="cancelled")  # what a stop's cancel records
    back = queue.hand_back(session, job_id, "queued again: farm:test stopped before it ended")
    assert (back.state, back.attempts, back.holder) == ("queued", 2, "")  # the stop's attempt is not counted
    assert session.shot(back.shot_id).status == "queued"


def test_a_claim_and_its_shot_generating_reach_the_feed_in_one_commit(session):
    """One write transaction a job start: SQLite claims, marks the shot generating and appends the feed row
    in one; PostgreSQL's lock-free claim writes no feed row, its one announcing commit carries both."""
    (job_id,) = add_jobs(session, 1)
    before = session.last_history_id()
    job = queue.claim_next(session, queue.queued_order(session))
    assert (job.id, job.state, job.message) == (job_id, "running", "starting")
    [row] = session.history_after(before)
    assert row.changes.jobs and row.changes.shots and row.changes.shot_ids == {job.shot_id}
    assert session.shot(job.shot_id).status == "generating"
    assert queue.claim_next(session, queue.queued_order(session)) is None  # nothing left: no commit
    assert session.last_history_id() == row.id


def test_a_runner_s_cached_look_at_the_queue_follows_claims_priorities_and_new_jobs(session):
    """``queued_order(known=…)`` reads only ids once a job is known, yet gives the same jobs in the same order
    as a full read after every kind of change."""
    ids = add_jobs(session, 5)
    known: dict = {}

    def same() -> list[int]:
        cached = [j.id for j in queue.queued_order(session, known)]
        assert cached == [j.id for j in queue.queued_order(session)]
        assert set(known) == set(cached)  # jobs no longer queued are forgotten
        return cached

    assert same() == ids
    assert queue.claim_next(session, queue.queued_order(session, known)).id == ids[0]
    assert same() == ids[1:]
    queue.set_priority(session, ids[3], 5)
    assert same() == [ids[3], ids[1], ids[2], ids[4]]
    shot = session.shot(session.job(ids[0]).shot_id).code
    new = session.add_job(queue.JOB_KIND, {"key": "new", "request": {"model": "m"}}, shot=shot).id
    assert same()[-1] == new and known[new].request == {"key": "new", "request": {"model": "m"}}
    assert session.count_jobs(("queued",)) == 5 and session.count_jobs(("queued", "running")) == 6
    assert [j.id for j in session.jobs_by_id([new, ids[0], 10_000])] == [ids[0], new]  # gone ones left out


def test_a_claim_on_a_bundle_takes_the_runners_turn_and_a_claim_in_a_batch_does_not(session, backend):
    """On a SQLite bundle a claim (and a take) runs while holding ``cache/jobs/write.lock``, where runners
    queue and are woken in turn instead of sleeping in SQLite's busy handler; inside a batch, which may hold
    the database's write lock already, it is not taken (a runner waiting for it could be waiting for us)."""
    fcntl = pytest.importorskip("fcntl")
    add_jobs(session, 2)
    lock = session.paths.cache / "jobs" / "write.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    seen: list[bool] = []

    def turn_held(_job) -> None:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            seen.append(False)
        except BlockingIOError:
            seen.append(True)
        finally:
            os.close(fd)

    ids = [j.id for j in queue.queued_order(session)]
    assert session.claim_job(ids, {"state": "running", "holder": "h"}, announce=turn_held).id == ids[0]
    with session.batch():
        assert session.claim_job(ids, {"state": "running", "holder": "h"}, announce=turn_held).id == ids[1]
    # PostgreSQL queues waiters on its own write lock: no turn file there
    assert seen == ([True, False] if backend == "sqlite" else [False, False])
