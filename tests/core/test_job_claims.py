"""Job leases (issue 14 item 2): concurrent claimers each get a distinct job, none twice, on SQLite (one
immediate write transaction) and PostgreSQL (``FOR UPDATE SKIP LOCKED``: a claimer skips a row another
holds instead of waiting for it); a job the farm stopped is queued again with its earlier attempts kept."""

from __future__ import annotations

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
