"""Random sequences of edits, all reverted, give back exactly the project they started from; redoing them
all gives back exactly the edited project."""

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import dump
from previz.core.errors import PrevizError
from previz.core.session import ProjectSession

SIZES = ["ews", "ws", "ms", "mcu", "cu", "ecu", "insert", "ots", "pov"]
MOVES = ["static", "push_in", "pull_out", "pan_left", "handheld", "dolly_zoom"]

scene_numbers = st.sampled_from(["1", "2", "3", "4A", "5"])
edit = st.one_of(
    st.tuples(st.just("add_scene"), scene_numbers, st.text(min_size=1, max_size=12)),
    st.tuples(st.just("add_shot"), scene_numbers, st.integers(1, 500), st.sampled_from(SIZES)),
    st.tuples(
        st.just("set_shot"),
        st.integers(0, 30),
        st.sampled_from(MOVES),
        st.integers(1, 300),
        st.text(max_size=20),
    ),
    st.tuples(st.just("move_shot"), st.integers(0, 30), st.integers(0, 6), scene_numbers),
    st.tuples(st.just("move_scene"), scene_numbers, st.integers(0, 5)),
    st.tuples(st.just("set_scene"), scene_numbers, st.text(max_size=20), st.booleans()),
    st.tuples(st.just("remove_shot"), st.integers(0, 30)),
    st.tuples(st.just("remove_scene"), scene_numbers),
    st.tuples(st.just("add_character"), st.sampled_from(["MARA", "JONAH", "GULL"]), st.text(max_size=10)),
    st.tuples(st.just("note"), st.integers(0, 30), st.integers(0, 20), st.text(min_size=1, max_size=10)),
    st.tuples(st.just("status"), st.integers(0, 30), st.sampled_from(["approved", "omitted", "ready"])),
)


def _pick(session, index):
    shots = session.shots()
    return shots[index % len(shots)].code if shots else "none"


def apply(session, step) -> None:
    kind, *a = step
    try:
        if kind == "add_scene":
            session.add_scene(f"INT. {a[1]!r} - DAY", number=a[0])
        elif kind == "add_shot":
            session.add_shot(a[0], duration_frames=a[1], size=a[2])
        elif kind == "set_shot":
            session.set_shot(_pick(session, a[0]), move=a[1], duration_frames=a[2], action=a[3])
        elif kind == "move_shot":
            session.move_shot(_pick(session, a[0]), a[1], scene=a[2])
        elif kind == "move_scene":
            session.move_scene(a[0], a[1])
        elif kind == "set_scene":
            session.set_scene(a[0], synopsis=a[1], omitted=a[2])
        elif kind == "remove_shot":
            session.remove_shot(_pick(session, a[0]))
        elif kind == "remove_scene":
            session.remove_scene(a[0])
        elif kind == "add_character":
            session.add_character(a[0], a[1])
        elif kind == "note":
            session.add_note(_pick(session, a[0]), a[1], a[2])
        elif kind == "status":
            session.set_shot(_pick(session, a[0]), status=a[1])
    except PrevizError:
        pass  # refused edits change nothing and are not undo steps


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(edit, min_size=1, max_size=25))
def test_undo_all_restores_the_start_and_redo_all_restores_the_end(steps):
    folder = Path(tempfile.mkdtemp())
    try:
        with ProjectSession.create(folder / "p") as s:
            s.add_scene("EXT. SEA - NIGHT", number="1")
            s.add_shot("1", duration_frames=24)
            start = dump(s, history=False)
            for step in steps:
                apply(s, step)
            applied = len(s.table_rows("history")) - 2  # edits that changed something are undo steps
            end = dump(s, history=False)
            for _ in range(applied):
                s.undo()
            assert dump(s, history=False) == start
            for _ in range(applied):
                s.redo()
            assert dump(s, history=False) == end
    finally:
        shutil.rmtree(folder, ignore_errors=True)
