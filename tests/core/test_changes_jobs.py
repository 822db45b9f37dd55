"""An edit's Changes name the jobs it wrote (``job_ids``), through the change feed too, so a queue view reads
those jobs again and not every job the project keeps; when a change of jobs does not say which (older
history rows, ``Changes.everything``), the merged value says so too (no ids: read them all)."""

from previz.core.edits import Changes
from previz.generation import queue


def _record(session):
    seen: list[Changes] = []
    session.subscribe(seen.append)
    return seen


def test_job_writes_name_their_jobs_and_the_feed_carries_them(populated):
    session = populated
    seen = _record(session)
    codes = [s.code for s in session.shots()[:3]]
    jobs = [e.job for e in queue.enqueue(session, codes, backend="animatic")]
    assert seen[-1].jobs and seen[-1].job_ids == {j.id for j in jobs}
    session.update_job(jobs[1].id, progress_done=3, progress_total=12)
    assert seen[-1].job_ids == {jobs[1].id}
    session.add_shot("1")
    assert not seen[-1].jobs and seen[-1].job_ids == frozenset()
    row = session.history_after(0)[-2]  # the progress write, as another client reads it from the feed
    assert row.changes.jobs and row.changes.job_ids == {jobs[1].id}


def test_merged_changes_know_their_jobs_only_when_each_said_which():
    a, b = Changes(jobs=True, job_ids=frozenset({1})), Changes(jobs=True, job_ids=frozenset({2}))
    shots = Changes(shots=True, shot_ids=frozenset({5}))
    assert Changes.merge([a, b, shots]).job_ids == {1, 2}
    assert Changes.merge([a, Changes(jobs=True)]).job_ids == frozenset()  # one did not say: all of them
    assert Changes.merge([a, Changes.everything()]).job_ids == frozenset()
    assert (a | shots).job_ids == {1}
    assert Changes.from_json(a.to_json()).job_ids == {1}
    assert Changes.from_json('{"jobs":true}').job_ids == frozenset()  # a row written before job ids
    assert a == Changes(jobs=True)  # a hint: equality ignores it, as it does positions and created
