"""Many writers on one project at once (issue 13): real processes writing side by side lose nothing and
refuse nothing; a writer killed in the middle of a batch leaves no trace and stops nobody; an edit made
on a stale value is refused naming who changed it."""

import re

import pytest
import shared_fixtures
from shared_fixtures import OPEN_AND_WAIT, assert_integrity, expect_line, finish, kill9, spawn, start_together

from helpers import dump
from previz.core.errors import ConflictError, ValidationError
from previz.core.session import ProjectSession

shared_project = shared_fixtures.shared_project

ADD_SHOTS = (
    OPEN_AND_WAIT
    + """
for i in range(int(sys.argv[3])):
    s.add_shot("1", action=f"{author} {i}")
s.close()
print("done", flush=True)
"""
)


def test_two_processes_adding_200_shots_each_at_once_end_with_400_unique_shots(shared_project):
    writers = [spawn(ADD_SHOTS, shared_project, name, 200) for name in ("alice", "bob")]
    start_together(writers)
    assert [out.split() for out in finish(writers)] == [["done"], ["done"]]
    with ProjectSession.open(shared_project, author="check") as s:
        shots = s.shots("1")
        history = [r for r in s.table_rows("history") if r["author"] in ("alice", "bob")]
    assert len(shots) == 400
    assert len({sh.code for sh in shots}) == 400
    assert sorted(sh.position for sh in shots) == list(range(400))  # each add saw every earlier one
    for name in ("alice", "bob"):
        assert sorted(sh.action for sh in shots if sh.action.startswith(f"{name} ")) == sorted(
            f"{name} {i}" for i in range(200)
        )
        mine = [r for r in history if r["author"] == name]
        assert len(mine) == 200 and {r["kind"] for r in mine} == {"edit"}
    assert_integrity(shared_project)


BIG_IMPORT = (
    OPEN_AND_WAIT
    + """
import time
with s.batch("Big import"):
    for i in range(2000):
        s.add_shot("2", action=f"import {i}")
        if i == 49:
            print("inside", flush=True)
        if i >= 50:
            time.sleep(0.05)
print("finished the batch: the test should have killed it", flush=True)
"""
)

ONE_SHOT = (
    OPEN_AND_WAIT
    + """
print("writing", flush=True)
s.add_shot("1", action=f"by {author}")
s.close()
print("done", flush=True)
"""
)


def test_sigkill_of_a_writer_mid_batch_leaves_nothing_of_it_and_the_others_carry_on(shared_project):
    with ProjectSession.open(shared_project, author="alice") as s:
        s.add_shot("1", action="before")
        before = dump(s)
    importer = spawn(BIG_IMPORT, shared_project, "importer")
    start_together([importer])
    expect_line(importer, "inside")  # 50 shots written, uncommitted; it holds the write transaction
    waiting = spawn(ONE_SHOT, shared_project, "bob")
    start_together([waiting])
    expect_line(waiting, "writing")  # bob's edit waits for the importer's transaction
    kill9(importer)
    assert finish([waiting]) == ["done\n"]
    later = spawn(ONE_SHOT, shared_project, "carol")
    start_together([later])
    assert finish([later]) == ["writing\ndone\n"]

    assert_integrity(shared_project)
    with ProjectSession.open(shared_project, author="check") as s:
        after = dump(s)
        assert [sh.action for sh in s.shots()] == ["before", "by bob", "by carol"]
        assert s.shots("2") == []
    assert not [r for r in after["history"] if r["author"] == "importer" or "import" in r["name"]]
    assert [(r["author"], r["name"]) for r in after["history"][len(before["history"]) :]] == [
        ("bob", "Add shot 001_0020"),
        ("carol", "Add shot 001_0030"),
    ]
    for table in ("scene", "take", "note", "job", "media", "project"):
        assert after[table] == before[table]


# ------------------------------------------------------------------------------------ stale values
STALE = re.compile(
    r"bob changed the lens of shot 001_0010 (just now|\d+ minutes? ago) \(it is now 50\.0\); "
    r"your change was not made: look at it, then make it again"
)


def test_an_edit_on_a_value_someone_changed_since_is_refused_naming_them_and_keeps_theirs(shared_project):
    with (
        ProjectSession.open(shared_project, author="alice") as alice,
        ProjectSession.open(shared_project, author="bob") as bob,
    ):
        code = alice.add_shot("1", lens_mm=35).code
        seen = alice.shot(code).lens_mm
        bob.set_shot(code, lens_mm=50)
        before = dump(alice)
        with pytest.raises(ConflictError) as refused:
            alice.set_shot(code, expect={"lens_mm": seen}, lens_mm=28)
        assert STALE.fullmatch(str(refused.value)), str(refused.value)
        assert dump(alice) == before
        assert bob.shot(code).lens_mm == 50
        assert alice.undo_name() == f"Add shot {code}"  # the refused edit is no undo step


def test_a_stale_edit_from_another_process_is_refused_the_same_way(shared_project):
    with ProjectSession.open(shared_project, author="alice") as alice:
        code = alice.add_shot("1", lens_mm=35).code
        seen = alice.shot(code).lens_mm
        bob = spawn(OPEN_AND_WAIT + "s.set_shot('001_0010', lens_mm=50)\n", shared_project, "bob")
        start_together([bob])
        finish([bob])
        with pytest.raises(ConflictError) as refused:
            alice.set_shot(code, expect={"lens_mm": seen}, lens_mm=28)
        assert STALE.fullmatch(str(refused.value)), str(refused.value)
        assert alice.shot(code).lens_mm == 50


def test_an_edit_whose_seen_values_still_hold_goes_through_beside_other_fields_changed(shared_project):
    with (
        ProjectSession.open(shared_project, author="alice") as alice,
        ProjectSession.open(shared_project, author="bob") as bob,
    ):
        code = alice.add_shot("1", lens_mm=35, action="waves").code
        bob.set_shot(code, action="storm")  # another field: no conflict with what alice saw
        alice.set_shot(code, expect={"lens_mm": 35}, lens_mm=28)
        shot = bob.shot(code)
        assert (shot.lens_mm, shot.action) == (28, "storm")


SAME_CODE = (
    OPEN_AND_WAIT
    + """
from previz.core.errors import PrevizError
try:
    s.add_shot("1", code="001_0500", action=author)
    print("added", flush=True)
except PrevizError as exc:
    print("refused", exc, flush=True)
"""
)


def test_two_processes_adding_the_same_code_at_once_one_wins_the_other_is_told(shared_project):
    writers = [spawn(SAME_CODE, shared_project, name) for name in ("alice", "bob")]
    start_together(writers)
    outs = sorted(out.strip() for out in finish(writers))
    assert outs == ["added", "refused code: shot code 001_0500 already exists; choose another code"]
    with ProjectSession.open(shared_project, author="check") as s:
        assert [(sh.code, sh.action in ("alice", "bob")) for sh in s.shots()] == [("001_0500", True)]


def test_an_expected_value_for_a_field_the_shot_does_not_have_is_refused(shared_project):
    with (
        ProjectSession.open(shared_project, author="alice") as alice,
        ProjectSession.open(shared_project, author="bob") as bob,
    ):
        code = alice.add_shot("1", lens_mm=35).code
        bob.set_shot(code, lens_mm=50)
        before = dump(alice)
        with pytest.raises(ValidationError, match="lens"):
            alice.set_shot(code, expect={"lens": 35}, lens_mm=28)
        assert dump(alice) == before


def test_a_stale_edit_over_my_own_change_from_another_window_says_so(shared_project):
    with (
        ProjectSession.open(shared_project, author="alice") as app,
        ProjectSession.open(shared_project, author="alice") as terminal,
    ):
        code = app.add_shot("1", lens_mm=35).code
        terminal.set_shot(code, lens_mm=50)
        with pytest.raises(ConflictError) as refused:
            app.set_shot(code, expect={"lens_mm": 35}, lens_mm=28)
        assert re.fullmatch(
            rf"you \(in another window or command\) changed the lens of shot {code} "
            r"(just now|\d+ minutes? ago) \(it is now 50\.0\); "
            r"your change was not made: look at it, then make it again",
            str(refused.value),
        ), str(refused.value)
        assert app.shot(code).lens_mm == 50
