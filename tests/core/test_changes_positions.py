"""An edit's Changes say which shots changed only their position (the renumbering an add, split, delete or
move makes), with the new positions; the live cut moves those without reading them and still equals the
cut built from scratch."""

from previz.core import live_cut as live_cut_module
from previz.core.cut import build_cut
from previz.core.edits import Changes, Op
from previz.core.live_cut import LiveCut, shots_after


def _record(session):
    seen: list[Changes] = []
    session.subscribe(seen.append)
    return seen


def _positions(session, scene_number):
    return {s.id: s.position for s in session.shots() if s.scene_number == scene_number}


def test_an_add_names_the_renumbered_shots_as_moved(populated):
    session = populated
    seen = _record(session)
    first = session.shots()[0]  # scene 1 has three shots: the new one goes second, two are renumbered
    new = session.add_shot_after(first.code, action="new")
    changes = seen[-1]
    later = {s.id for s in session.shots() if s.scene_number == "1" and s.position > new.position}
    assert len(later) == 2 and changes.moved.keys() == later
    assert changes.moved == {i: p for i, p in _positions(session, "1").items() if i in later}
    assert changes.shot_ids == later | {new.id}  # still names every shot (views that ignore the hint)
    assert changes.content.shot_ids == {new.id} and changes.content is changes.content
    name, undone = session.undo()
    assert undone.content.shot_ids == {new.id} and undone.moved.keys() == later
    assert undone.moved == {i: p for i, p in _positions(session, "1").items() if i in later}


def test_a_shot_also_changed_otherwise_is_not_moved_only(populated):
    session = populated
    seen = _record(session)
    shots = [s for s in session.shots() if s.scene_number == "2"]
    session.split_shot(shots[1].code, 10)  # shots[1] is shortened (content), the later ones renumbered
    changes = seen[-1]
    assert shots[1].id in changes.content.shot_ids and shots[1].id not in changes.moved
    assert {shots[2].id, shots[3].id} <= changes.moved.keys()
    session.move_shot(shots[3].code, 0, scene="1")  # to another scene: its scene changed, read again
    changes = seen[-1]
    assert shots[3].id in changes.content.shot_ids and shots[3].id not in changes.moved


def test_merge_keeps_a_shot_moved_only_when_nothing_else_names_it():
    moved = Op("update", "shot", 7, {"position": 1}, {"position": 2}).changes()
    again = Op("update", "shot", 7, {"position": 2}, {"position": 3}).changes()
    edited = Op("update", "shot", 7, {"action": "a"}, {"action": "b"}).changes()
    assert moved.moved == {7: 2} and edited.moved == {}
    assert Changes.merge([moved, again]).moved == {7: 3}
    assert (moved | edited).moved == {} and (edited | moved).moved == {}
    assert (moved | edited).content.shot_ids == {7}
    assert moved == Changes(shots=True, timeline=True, shot_ids=frozenset({7}))  # a hint only
    back = Changes.from_json(Changes.merge([moved, again]).to_json())
    assert back.moved == {7: 3} and back.shot_ids == {7}
    assert Changes.from_json('{"shots":true,"shot_ids":[1],"positions":[[9,4]]}').moved == {}  # not named


def test_live_cut_moves_renumbered_shots_without_reading_them(populated, monkeypatch):
    session = populated
    live = LiveCut(session)
    read: list[set] = []
    real = live_cut_module.cut_rows

    def counting(session_, *where, **ids):
        rows = list(real(session_, *where, **ids))
        read.append({r.id for r in rows})
        return rows

    monkeypatch.setattr(live_cut_module, "cut_rows", counting)
    touched: list = []
    session.subscribe(lambda changes: touched.append(live.update(changes)))
    codes = [s.code for s in session.shots()]
    new = session.add_shot_after(codes[3], action="new", duration_frames=30)
    assert live.cut == build_cut(session)
    assert read == [{new.id}] and touched[-1] == {new.id}
    session.move_shot(codes[6], 0)  # within its scene: every shot of the scene only changes position
    assert live.cut == build_cut(session) and read[-1] == {new.id}  # no read at all for the move
    session.split_shot(codes[4], 5)
    session.undo()
    session.undo()
    session.undo()
    session.redo()
    assert live.cut == build_cut(session)


def test_shots_after_moves_what_the_view_holds(populated):
    session = populated
    seen = _record(session)
    held = {s.id: s for s in session.shots()}
    new = session.add_shot_after(session.shots()[3].code, action="new")
    changes = seen[-1]
    reads: list = []

    def read(c):
        reads.append(c)
        return session.shots_by_id(c.shot_ids)

    fresh = {s.id: s for s in shots_after(changes, held, read)}
    assert reads == [changes.content] and fresh == {s.id: s for s in session.shots_by_id(changes.shot_ids)}
    assert new.id in fresh
    del held[next(iter(changes.moved))]  # a moved shot the view does not hold: all are read
    reads.clear()
    assert {s.id for s in shots_after(changes, held, read)} == set(changes.shot_ids) and reads == [changes]
