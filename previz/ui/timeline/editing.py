"""What a timeline drag means, worked out without drawing anything: where dropped clips go (which scene,
which place), where a dragged edge snaps, what a trim readout says, and the one undoable edit that each
drop or trim becomes.

The scene rule for a drop: clips dropped between two shots of one scene join that scene. At a boundary
between scene A (left) and scene B (right) the insertion marker stands on the cut point; dropped with the
pointer left of it they go to the end of A, right of it to the start of B. The marker's label names the
scene they will be in and says "→ scene B" in the warning colour whenever a dragged shot changes scene,
so nothing moves into another scene unseen.
"""

from __future__ import annotations

from dataclasses import dataclass

from previz.core.timecode import frames_to_timecode

#: How close (in pixels) a dragged edge must come to a clip edge or the playhead to snap to it.
SNAP_PIXELS = 8.0


@dataclass(frozen=True)
class DropTarget:
    index: int  # in the cut without the moving shots
    frame: int  # record frame (of the cut as it is now) where the insertion marker stands
    scene: str  # the scene the moving shots will be in
    position: int  # among that scene's shots (omitted ones too) without the moving ones
    crosses: bool  # a moving shot changes scene
    label: str


def moving_label(codes: list[str]) -> str:
    return codes[0] if len(codes) == 1 else f"{len(codes)} shots"


def drop_target(session, cut, codes: list[str], pointer_frame: float) -> DropTarget | None:
    """Where ``codes`` (in cut order) land when dropped with the pointer at ``pointer_frame``; None when
    the cut has nothing else to drop beside."""
    moving = set(codes)
    rest = [e for e in cut.entries if e.code not in moving]
    if not rest:
        return None
    index = len(rest)
    for i, entry in enumerate(rest):
        if pointer_frame < (entry.record_in + entry.record_out) / 2:
            index = i
            break
    left = rest[index - 1] if index > 0 else None
    right = rest[index] if index < len(rest) else None
    boundary = right.record_in if right is not None else left.record_out
    if right is None or (
        left is not None and left.scene_number != right.scene_number and pointer_frame < boundary
    ):
        scene, after, frame = left.scene_number, left.code, left.record_out
    else:
        scene, after, frame = right.scene_number, None, right.record_in
    siblings = [s.code for s in session.shots(scene) if s.code not in moving]
    position = siblings.index(after) + 1 if after is not None else siblings.index(right.code)
    scene_of = {e.code: e.scene_number for e in cut.entries}
    crosses = any(scene_of.get(c) != scene for c in codes)
    what = moving_label(codes)
    label = f"{what} → scene {scene}" if crosses else f"{what} · scene {scene}"
    return DropTarget(index, frame, scene, position, crosses, label)


def move_shots(controller, codes: list[str], target: DropTarget):
    """Put ``codes`` (kept in the order given) at ``target``: one undo step; False when nothing moves."""
    session = controller.session
    scene, position = target.scene, target.position
    current = [s.code for s in session.shots(scene)]
    siblings = [c for c in current if c not in codes]
    if current == siblings[:position] + list(codes) + siblings[position:]:
        return False
    name = f"Move {moving_label(codes)}" + (f" to scene {scene}" if target.crosses else "")

    def apply():
        with session.batch(name):
            # first to the end of the target scene in order, then each to its place: the positions
            # counted without the moving shots stay right whatever scene each came from
            for code in codes:
                others = sum(1 for s in session.shots(scene) if s.code != code)
                session.move_shot(code, others, scene)
            for k, code in enumerate(codes):
                session.move_shot(code, position + k, scene)

    controller.edit(apply)
    return True


def snap(frame: float, candidates: list[tuple[int, str]], ppf: float) -> tuple[int, str | None]:
    """``frame`` rounded, or the nearest candidate (frame, what) within :data:`SNAP_PIXELS`."""
    best, what = round(frame), None
    tolerance = SNAP_PIXELS / max(ppf, 1e-6)
    distance = tolerance
    for candidate, name in candidates:
        d = abs(candidate - frame)
        if d <= distance:
            best, what, distance = candidate, name, d
    return best, what


def edge_candidates(cut, playhead: int, skip: set[int] = frozenset()) -> list[tuple[int, str]]:
    """Clip edges and the playhead to snap to (``skip``: record frames that move with the drag)."""
    out = [(playhead, "playhead")]
    for entry in cut.entries:
        for frame, name in ((entry.record_in, f"{entry.code} in"), (entry.record_out, f"{entry.code} out")):
            if frame not in skip:
                out.append((frame, name))
    return out


def signed_timecode(delta: int, rate) -> str:
    return ("-" if delta < 0 else "+") + frames_to_timecode(abs(delta), rate)


def trim_readout(
    kind: str, code: str, old: int, new: int, rate, other: tuple[str, int, int] | None = None
) -> str:
    """``ripple 001_0020  +10f (+00:00:00:10)  25f → 35f (00:00:01:11)``; a roll adds the neighbour."""
    delta = new - old
    text = (
        f"{kind} {code}  {delta:+d}f ({signed_timecode(delta, rate)})  "
        f"{old}f → {new}f ({frames_to_timecode(new, rate)})"
    )
    if other is not None:
        code2, old2, new2 = other
        text += f"  ·  {code2} {old2}f → {new2}f"
    return text


def ripple_trim(controller, code: str, frames: int):
    """A shot's new duration; the shots after it move with its end (the cut is end to end)."""
    return controller.set_shot(code, duration_frames=frames)


def roll_trim(controller, left: str, right: str, delta: int):
    """Move the cut point between two neighbouring shots by ``delta`` frames: ``left`` gets longer by
    what ``right`` loses, so nothing after them moves. One undo step."""
    session = controller.session
    a, b = session.shot(left).duration_frames, session.shot(right).duration_frames
    changes = {left: {"duration_frames": a + delta}, right: {"duration_frames": b - delta}}
    return controller.edit(lambda: session.set_shots_bulk(changes, name=f"Roll {left}/{right} {delta:+d}f"))
