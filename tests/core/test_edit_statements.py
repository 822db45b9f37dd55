"""The edit path's shortcuts give exactly what the plain path gives: an edit's ``Changes`` computed in one
pass equal the merge of each operation's, a renumbering sent as one UPDATE leaves the rows an UPDATE per
row leaves, and an add or a split in the middle of a 100-shot scene renumbers its later shots, names them
as moved, and undoes and redoes exactly (on SQLite and on PostgreSQL)."""

import random

from sqlalchemy import event

from previz.core.edits import SHIFT_MIN, Changes, Op, changes_of


def _same(a: Changes, b: Changes) -> bool:
    return a == b and a.positions == b.positions  # equality ignores the hint: compare it too


def _random_ops(rng: random.Random, n: int) -> list[Op]:
    ops = []
    for _ in range(n):
        table = rng.choice(["shot", "shot", "shot", "take", "scene", "note", "audio_clip", "job"])
        key = rng.randint(1, 12)
        kind = rng.choice(["insert", "update", "update", "delete"])
        if table == "shot" and kind == "update":
            after = rng.choice([{"position": rng.randint(0, 9)}, {"action": "x"}, {"duration_frames": 3}])
        elif table == "take":
            after = {"shot_id": rng.randint(1, 12), "circled": True}
        elif table == "scene" and kind == "update":
            after = rng.choice([{"position": 1}, {"heading": "h"}, {"omitted": True}])
        else:
            after = {"x": 1}
        before = {k: None for k in after}
        if kind == "insert":
            before = None
        elif kind == "delete":
            before, after = after, None
        ops.append(Op(kind, table, key, before, after))
    return ops


def test_changes_of_many_ops_equal_the_merge_of_each_ops_changes_in_any_grouping():
    rng = random.Random(12)
    for _ in range(400):
        ops = _random_ops(rng, rng.randint(0, 14))
        cut = rng.randint(0, len(ops))  # an edit's ops merged with its follow-up's (one undo step)
        assert _same(changes_of(ops), Changes.merge([changes_of(ops[:cut]), changes_of(ops[cut:])])), ops
        assert _same(changes_of(ops), Changes.merge([op.changes() for op in ops])), ops
    # the renumbering of an add: the later shots are moved-only, the new one is content
    ops = [Op("update", "shot", i, {"position": i}, {"position": i + 1}) for i in range(5, 9)]
    ops.append(Op("insert", "shot", 20, None, {"id": 20, "position": 5}))
    got = changes_of(ops)
    assert got.moved == {5: 6, 6: 7, 7: 8, 8: 9} and got.content.shot_ids == {20} and got.timeline


def _statements(session) -> list[tuple[str, bool]]:
    """(SQL, executemany) of every statement the session sends from now on."""
    seen: list[tuple[str, bool]] = []
    event.listen(session.engine, "before_cursor_execute", lambda *a: seen.append((a[2], a[5])))
    return seen


def _order(session, scene="1"):
    return [(s.id, s.code, s.position) for s in session.shots(scene)]


def _hundred_shot_scene(session):
    session.add_scenes_bulk(
        [
            {"heading": "INT. HALL - DAY", "number": "1", "shots": [{"action": f"b{j}"} for j in range(100)]},
            {"heading": "INT. ROOF - DAY", "number": "2", "shots": [{"action": "r"} for _ in range(3)]},
        ]
    )


def test_an_add_in_the_middle_of_a_100_shot_scene_renumbers_and_undoes(session, dump):
    _hundred_shot_scene(session)
    seen: list[Changes] = []
    session.subscribe(seen.append)
    before_rows, before_order = dump(session, history=False), _order(session)
    anchor = before_order[39]
    statements = _statements(session)
    new = session.add_shot_after(anchor[1], action="inserted")
    after_order = _order(session)
    # the new shot is 41st, every shot keeps its order, positions run 0..100 with no gap
    assert [s[2] for s in after_order] == list(range(101))
    assert after_order[40][0] == new.id and new.position == 40 and new.code == "001_0405"
    assert [s[0] for s in after_order if s[0] != new.id] == [s[0] for s in before_order]
    changes = seen[-1]
    later = {i: p + 1 for i, _c, p in before_order[40:]}
    assert changes.moved == later and changes.content.shot_ids == {new.id}
    assert changes.shot_ids == set(later) | {new.id}
    # the 60 later shots moved in one UPDATE, not one per shot
    updates = [(sql, many) for sql, many in statements if sql.lstrip().upper().startswith("UPDATE SHOT")]
    assert len(updates) == 1 and not updates[0][1] and " IN " in updates[0][0].upper()
    # the other scene is untouched
    assert [s[2] for s in _order(session, "2")] == [0, 1, 2]
    session.undo()
    assert _order(session) == before_order and dump(session, history=False) == before_rows
    assert seen[-1].moved == {i: p for i, _c, p in before_order[40:]}
    session.redo()
    assert _order(session) == after_order


def test_a_split_in_the_middle_of_a_100_shot_scene_renumbers_and_undoes(session, dump):
    _hundred_shot_scene(session)
    before_rows, before_order = dump(session, history=False), _order(session)
    code = before_order[70][1]
    duration = session.shot(code).duration_frames
    first, second = session.split_shot(code, 10)
    # what split returns is what the project now holds
    assert first == session.shot(first.id) and second == session.shot(second.id)
    assert first.duration_frames == 10 and second.duration_frames == duration - 10
    order = _order(session)
    assert [s[2] for s in order] == list(range(101)) and order[71][0] == second.id
    session.undo()
    assert dump(session, history=False) == before_rows


def test_an_add_at_the_end_and_in_front_of_the_first_shot(session, dump):
    _hundred_shot_scene(session)
    before = dump(session, history=False)
    last = _order(session)[-1]
    new = session.add_shot_after(last[1])
    assert new.position == 100 and _order(session)[-1][0] == new.id
    front = session.add_shot("1", position=0, action="front")
    order = _order(session)
    assert order[0][0] == front.id and [s[2] for s in order] == list(range(102))
    session.undo()
    session.undo()
    assert dump(session, history=False) == before


def test_a_shift_that_names_a_row_twice_or_mixes_amounts_runs_op_by_op(session, dump):
    """``run_ops`` sends a run of position moves as one UPDATE only when every row moves once by the same
    amount; otherwise the rows end where running the ops one by one leaves them, and undo restores them."""
    _hundred_shot_scene(session)
    a, b, c, d, e = [s[0] for s in _order(session)][:5]
    before = dump(session, history=False)

    def move(key, old, new):
        return Op("update", "shot", key, {"position": old}, {"position": new})

    twice = [move(a, 0, 1), move(b, 1, 2), move(c, 2, 3), move(a, 1, 2), move(d, 3, 4)]
    assert len(twice) >= SHIFT_MIN
    changes = session._commit("Twice", twice)
    assert {i: session.shot(i).position for i in (a, b, c, d)} == {a: 2, b: 2, c: 3, d: 4}
    assert changes.moved == {a: 2, b: 2, c: 3, d: 4}
    session.undo()
    assert dump(session, history=False) == before
    mixed = [move(a, 0, 4), move(b, 1, 0), move(c, 2, 1), move(d, 3, 2), move(e, 4, 3)]
    session._commit("Mixed", mixed)
    assert [s[0] for s in _order(session)][:5] == [b, c, d, e, a]
    session.undo()
    assert dump(session, history=False) == before
    shift = [move(k, p, p + 3) for k, p in zip((b, c, d, e), (1, 2, 3, 4))]
    session._commit("Shift", shift)
    assert [session.shot(k).position for k in (a, b, c, d, e)] == [0, 4, 5, 6, 7]
    session.undo()
    assert dump(session, history=False) == before


def test_a_postgresql_edit_stamps_announces_and_times_out_in_fewer_round_trips(pg_url, tmp_path):
    """The feed row is stamped with the server's clock and announced (at commit, not before, and not for an
    edit that failed) by the statement that inserts it; the write lock's timeout holds for the edit only."""
    from datetime import datetime, timezone

    from sqlalchemy import text

    from previz.core import bundle, database
    from previz.core.errors import ValidationError
    from previz.core.session import ProjectSession

    session = ProjectSession.create(pg_url, media=tmp_path / "media")
    listener = database.FeedListener(pg_url)
    try:
        assert listener.wait(0) == []
        session.add_scene("INT. HALL - DAY", number="1")
        first = session.last_commit.history_id
        assert listener.wait(10) == [first]
        with session.batch("Look"):
            timeout = session.conn.execute(text("SHOW lock_timeout")).scalar_one()
            session.add_shot("1", action="a")
        assert timeout == f"{bundle.BUSY_TIMEOUT_MS // 1000}s"
        assert session.conn.execute(text("SHOW lock_timeout")).scalar_one() != timeout  # SET LOCAL
        session.conn.rollback()
        second = session.last_commit.history_id
        try:
            session.add_shot("1", duration_frames=-3)
        except ValidationError:
            pass
        assert listener.wait(10) == [second]  # the failed edit announced nothing
        feed = session.history_after(0)
        assert [r.id for r in feed] == [first, second]
        stamped = datetime.fromisoformat(feed[-1].created_at)
        assert abs(stamped - datetime.now(timezone.utc)).total_seconds() < 300
        # a statement counts: an add names no clock or notify query of its own
        seen = _statements(session)
        session.add_shot("1", action="b")
        assert not any("clock_timestamp" in sql and "INSERT" not in sql for sql, _many in seen)
        assert not any(sql.lstrip().upper().startswith("SELECT PG_NOTIFY") for sql, _many in seen)
        assert not any("setval" in sql for sql, _many in seen)  # its id came from the sequence
    finally:
        listener.close()
        session.close()


def test_a_delete_finds_every_dependent_in_one_read_in_cascade_order(session):
    """``conflicts`` reads all of a delete's dependents (notes, jobs, shots) in one query and reports them per
    table in the order of the schema's cascades, ids ascending."""
    from previz.core.edits import Conflict, conflicts

    session.add_scene("INT. HALL - DAY", number="1")
    shot = session.add_shot("1", action="a")
    other = session.add_shot("1", action="b")
    notes = [session.add_note(shot.code, f, f"note {f}").id for f in (3, 1)]
    job = session.add_job("animatic", {"x": 1}, shot=shot.code).id
    row = dict(session.table_rows("shot")[0])
    assert row["id"] == shot.id
    found = conflicts(session.conn, [Op("delete", "shot", shot.id, row, None)])
    assert found == [
        Conflict("shot", shot.id, "dependents", "note", tuple(sorted(notes)), "delete"),
        Conflict("shot", shot.id, "dependents", "job", (job,), "detach"),
    ]
    scene_row = dict(session.table_rows("scene")[0])
    found = conflicts(session.conn, [Op("delete", "scene", scene_row["id"], scene_row, None)])
    assert found[0] == Conflict("scene", scene_row["id"], "dependents", "shot", (shot.id, other.id), "delete")
    session.conn.rollback()


def test_a_shift_longer_than_a_chunk_goes_in_several_updates(session, dump, monkeypatch):
    from previz.core import edits

    monkeypatch.setattr(edits, "SHIFT_CHUNK", 7)
    _hundred_shot_scene(session)
    before_rows, before_order = dump(session, history=False), _order(session)
    statements = _statements(session)
    new = session.add_shot_after(before_order[9][1])
    updates = [sql for sql, _many in statements if sql.lstrip().upper().startswith("UPDATE SHOT")]
    assert len(updates) == 13  # the 90 later shots, 7 at a time
    order = _order(session)
    assert [s[2] for s in order] == list(range(101)) and order[10][0] == new.id
    session.undo()
    assert dump(session, history=False) == before_rows


def test_a_watcher_parses_only_the_other_clients_changes(session, monkeypatch):
    """A feed poll hears another client's changes in full and does not parse its own session's rows."""
    from previz.core import session_history
    from previz.core.feed import FeedWatcher
    from previz.core.session import ProjectSession

    _hundred_shot_scene(session)
    location = session.location if "://" in session.location else session.root
    watcher = FeedWatcher(session)
    mine = session.add_shot_after("001_0400")
    with ProjectSession.open(location, author="bob") as bob:
        theirs = bob.add_shot_after("001_0100")
        bob_changes = bob.last_commit.changes
    parsed: list[str] = []
    real = session_history.Changes.from_json

    def counting(text):
        parsed.append(text)
        return real(text)

    monkeypatch.setattr(session_history.Changes, "from_json", staticmethod(counting))
    update = watcher.poll()
    assert [e.author for e in update.entries] == ["bob"] and len(parsed) == 1
    assert update.changes == bob_changes and update.changes.moved == bob_changes.moved
    assert update.changes.content.shot_ids == {theirs.id} and update.changes.moved[mine.id] == 41
    full = session.history_after(0)  # without the option every row's changes are read
    assert full[-2].changes.content.shot_ids == {mine.id}
