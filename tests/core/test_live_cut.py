"""The live cut (kept up to date from each edit's Changes, re-reading only the shots an edit names) always
equals the cut built from scratch: after adds, splits, trims, moves, omits, takes, scene edits, undo, redo."""

from previz.core.cut import build_cut
from previz.core.edits import Changes
from previz.core.errors import ConflictError
from previz.core.live_cut import LiveCut


def _video_take(session, code, frames=100):
    source = session.root / f"stand-in-{code}.mp4"
    source.write_bytes(f"video {code}".encode())
    digest, path = session.media.put_file(source, "mp4")
    session.register_media(digest, "mp4", "video", path.stat().st_size, width=64, height=64, frames=frames)
    return session.add_take(code, kind="imported", media_hash=digest)


def test_live_cut_equals_a_fresh_cut_after_every_edit(populated):
    session = populated
    live = LiveCut(session)
    seen: list = []
    session.subscribe(lambda changes: seen.append(live.update(changes)))
    codes = [s.code for s in session.shots()]
    steps = [
        lambda: session.add_shot_after(codes[1], action="new", duration_frames=30),
        lambda: _video_take(session, codes[4], 80),
        lambda: session.split_shot(codes[4], 10),
        lambda: session.set_shot(codes[0], duration_frames=50),
        lambda: session.set_shot(codes[2], trim_in=3),
        lambda: session.move_shot(codes[6], 0, scene="1"),
        lambda: session.set_shot(codes[3], status="omitted"),
        lambda: session.set_shot(codes[5], action="rewritten"),
        lambda: session.set_scene("2", number="2B"),
        lambda: session.set_scene("2A", omitted=True),
        lambda: session.select_take(codes[4], None),
        lambda: session.merge_shots([codes[7], codes[8]]),
    ]
    for step in steps:
        step()
        assert live.cut == build_cut(session)
    assert any(r is None for r in seen) and any(r for r in seen)  # both paths ran
    while session.undo_name() is not None:
        try:
            session.undo()
        except ConflictError as exc:  # undoing the shot's "Add shot" would delete the take made since
            assert f"shot {codes[4]} has take 1" in str(exc)
            break
        assert live.cut == build_cut(session)
    assert session.undo_name() == f"Add shot {codes[4]}" and len(session.takes(codes[4])) == 1
    while session.redo_name() is not None:
        session.redo()
        assert live.cut == build_cut(session)


def test_an_add_rereads_only_the_shots_it_names(populated):
    session = populated
    live = LiveCut(session)
    before = {e.shot_id: e for e in live.cut.entries}
    touched: list = []
    session.subscribe(lambda changes: touched.append(live.update(changes)))
    new = session.add_shot("2", action="added", duration_frames=10, position=1)
    assert live.cut == build_cut(session)
    assert new.id in touched[-1] and len(touched[-1]) < len(live.cut.entries)
    # shots before the new one keep their very entry objects; later ones only move 10 frames
    after = {e.shot_id: e for e in live.cut.entries}
    first = live.cut.entries[0]
    assert after[first.shot_id] is before[first.shot_id]
    last = live.cut.entries[-1]
    assert last.record_in == before[last.shot_id].record_in + 10
    # a change of notes or audio alone does not touch the cut
    assert live.update(Changes(notes=True)) == frozenset()
