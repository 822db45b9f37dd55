"""The change feed on a shared project (issue 13): a client's ``FeedWatcher`` hears every change other
clients commit — edits, undos and results, with who made them and the shots they touched — in commit
order, none twice, none missed, and never its own."""

import re
import time

import pytest
import shared_fixtures
from shared_fixtures import OPEN_AND_WAIT, PROCESS_TIMEOUT_S, finish, spawn, start_together, video_take

from previz.core.feed import FeedWatcher
from previz.core.session import ProjectSession

shared_project = shared_fixtures.shared_project


def test_a_watcher_sees_bobs_changes_in_commit_order_with_author_and_shots_and_never_its_own(shared_project):
    with (
        ProjectSession.open(shared_project, author="alice") as alice,
        ProjectSession.open(shared_project, author="bob") as bob,
    ):
        watcher = FeedWatcher(alice)
        shot = bob.add_shot("1")
        mine = alice.add_shot("2")
        bob.set_shot(shot.code, lens_mm=50)
        alice.set_shot(mine.code, lens_mm=28)
        video_take(bob, shot.code, "render")
        bob.undo()
        job = bob.add_job("generate", {"shot": shot.code}, shot=shot.code)
        bob.update_job(job.id, state="running", progress_done=1, progress_total=8)

        update = watcher.poll()
        seen = [(e.author, e.kind, e.name, e.changes.shot_ids) for e in update.entries]
        assert seen == [
            ("bob", "edit", f"Add shot {shot.code}", {shot.id}),
            ("bob", "edit", f"Change lens of {shot.code}", {shot.id}),
            ("bob", "result", f"Add take 1 of {shot.code}", {shot.id}),
            ("bob", "undo", f"Undo Change lens of {shot.code}", {shot.id}),
            ("bob", "result", "Queue generate", set()),
            ("bob", "result", f"Update job {job.id}", set()),
        ]
        ids = [e.id for e in update.entries]
        assert ids == sorted(ids) and len(set(ids)) == len(ids)
        assert update.changes.shot_ids == {shot.id}  # alice's own shot is not named: she made it
        assert update.changes.shots and update.changes.takes and update.changes.jobs
        assert not update.changes.notes
        assert re.fullmatch(
            rf"bob: Update job {job.id} \(and 5 more\) · (just now|\d+ minutes? ago)", update.summary()
        )
        assert not watcher.poll()  # nothing twice

        alice.set_shot(mine.code, action="alice again")
        assert not watcher.poll()  # her own edits never come back to her


def test_another_window_of_the_same_author_is_another_client_and_is_heard(shared_project):
    with (
        ProjectSession.open(shared_project, author="alice") as app,
        ProjectSession.open(shared_project, author="alice") as terminal,
    ):
        watcher = FeedWatcher(app)
        shot = terminal.add_shot("1")
        update = watcher.poll()
        assert [(e.author, e.name, e.client) for e in update.entries] == [
            ("alice", f"Add shot {shot.code}", terminal.client)
        ]
        assert app.client != terminal.client


def test_a_new_watcher_starts_at_the_newest_change(shared_project):
    with (
        ProjectSession.open(shared_project, author="alice") as alice,
        ProjectSession.open(shared_project, author="bob") as bob,
    ):
        bob.add_shot("1")
        watcher = FeedWatcher(alice)
        assert not watcher.poll()
        later = bob.add_shot("1")
        assert [e.name for e in watcher.poll().entries] == [f"Add shot {later.code}"]


BOB_EDITS = (
    OPEN_AND_WAIT
    + """
for i in range(500):
    s.set_shot("001_0010", action=f"edit {i}")
s.close()
print("done", flush=True)
"""
)


def test_500_quick_edits_from_another_process_all_arrive_once_in_order_while_alice_edits_too(shared_project):
    with ProjectSession.open(shared_project, author="alice") as alice:
        target = alice.add_shot("1")
        mine = alice.add_shot("2")
        watcher = FeedWatcher(alice)
        bob = spawn(BOB_EDITS, shared_project, "bob")
        start_together([bob])
        heard = []
        own = 0
        give_up = time.monotonic() + PROCESS_TIMEOUT_S  # a hung writer fails the test instead of hanging it
        while len(heard) < 500:  # stops on the count, or once bob has finished and nothing more comes
            if time.monotonic() > give_up:
                pytest.fail(f"heard {len(heard)} of bob's 500 edits; bob is still running")
            update = watcher.poll()
            heard += update.entries
            alice.set_shot(mine.code, action=f"alice {own}")  # alice keeps editing while bob does
            own += 1
            if bob.poll() is not None and not update:
                heard += watcher.poll().entries
                assert bob.returncode == 0, bob.stderr.read()
                break
        assert finish([bob]) == ["done\n"]
        heard += watcher.poll().entries

        assert len(heard) == 500, f"heard {len(heard)} of bob's 500 edits"
        ids = [e.id for e in heard]
        assert all(a < b for a, b in zip(ids, ids[1:])), "the feed went back or repeated a row"
        assert {(e.author, e.kind, e.name) for e in heard} == {
            ("bob", "edit", f"Change action of {target.code}")
        }
        assert all(e.changes.shot_ids == {target.id} for e in heard)
        assert alice.shot(target.code).action == "edit 499"
        assert own > 0
        theirs = [r for r in alice.table_rows("history") if r["author"] == "bob"]
        assert [r["id"] for r in theirs] == ids  # exactly the rows in the table, none skipped


def test_a_watcher_that_fell_far_behind_still_hears_every_change(shared_project):
    with (
        ProjectSession.open(shared_project, author="alice") as alice,
        ProjectSession.open(shared_project, author="bob") as bob,
    ):
        code = bob.add_shot("1").code
        watcher = FeedWatcher(alice)  # the app asleep (a laptop lid closed) while a script runs
        for i in range(700):
            bob.set_shot(code, action=f"edit {i}")
        heard = []
        while update := watcher.poll():
            heard += update.entries
        assert len(heard) == 700
