"""The cut: the ordered shots that are not omitted (nor in an omitted scene), each with its selected take
trimmed to the shot's duration from its in point, placed end to end on the record side.

Record times are frames from the start of the cut; timecode adds the project's start timecode
(01:00:00:00 by default) and is formatted by OpenTimelineIO's opentime (drop-frame at 29.97/59.94).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import bindparam, select

from previz.core.edits import TABLES as T
from previz.core.enums import ShotStatus
from previz.core.timecode import FrameRate, frames_to_timecode, timecode_to_frames


@dataclass(frozen=True)
class CutEntry:
    shot_id: int
    code: str
    scene_number: str
    status: str
    duration: int
    record_in: int  # frames from the start of the cut
    record_out: int  # exclusive
    source_in: int  # frame of the take where the shot starts (the shot's trim in)
    source_out: int  # exclusive
    take_id: int | None
    take_number: int | None
    take_kind: str | None
    media_hash: str | None
    media_ext: str | None
    media_frames: int | None
    board_hash: str | None
    transition: str
    transition_frames: int
    model: str

    @property
    def short_by(self) -> int:
        """Frames the take lacks to fill the shot (the last frame is held for them)."""
        if self.media_frames is None:
            return 0
        return max(0, self.source_out - self.media_frames)


@dataclass(frozen=True)
class Cut:
    rate: FrameRate
    start_timecode: str
    entries: tuple[CutEntry, ...]

    @property
    def duration(self) -> int:
        return self.entries[-1].record_out if self.entries else 0

    @cached_property
    def start_frame(self) -> int:
        return timecode_to_frames(self.start_timecode, self.rate)

    def timecode(self, record_frame: int) -> str:
        """Record timecode of a frame of the cut."""
        return frames_to_timecode(self.start_frame + record_frame, self.rate)

    @cached_property
    def starts(self) -> tuple[int, ...]:
        """Each entry's record in, in cut order: made once per cut (a cut never changes; an edit makes a
        new one), not on each of the many ``entry_at`` calls a played frame makes."""
        return tuple(e.record_in for e in self.entries)

    def entry_at(self, record_frame: int) -> CutEntry | None:
        i = bisect.bisect_right(self.starts, record_frame) - 1
        if 0 <= i < len(self.entries) and record_frame < self.entries[i].record_out:
            return self.entries[i]
        return None


def cut_query():
    """The select that reads the cut's rows in cut order (``build_cut``, and :mod:`previz.core.live_cut`
    re-reading only some shots): each row also carries its order key (scene position, scene id, shot
    position, shot id)."""
    sh, sc, tk, md = T["shot"], T["scene"], T["take"], T["media"]
    return (
        select(
            sh.c.id,
            sh.c.code,
            sc.c.number,
            sh.c.status,
            sh.c.duration_frames,
            sh.c.trim_in,
            sh.c.board_hash,
            sh.c.transition,
            sh.c.transition_frames,
            sh.c.model,
            tk.c.id.label("take_id"),
            tk.c.number.label("take_number"),
            tk.c.kind,
            tk.c.media_hash,
            md.c.ext,
            md.c.frames,
            tk.c.provenance,
            sc.c.position.label("scene_position"),
            sc.c.id.label("scene_id"),
            sh.c.position,
        )
        .join(sc, sc.c.id == sh.c.scene_id)
        .outerjoin(tk, tk.c.id == sh.c.selected_take_id)
        .outerjoin(md, md.c.hash == tk.c.media_hash)
        .where(sc.c.omitted.is_(False), sh.c.status != ShotStatus.omitted.value)
        .order_by(sc.c.position, sc.c.id, sh.c.position, sh.c.id)
    )


def entry_from_row(r, record_in: int) -> CutEntry:
    """The cut entry of one row of :func:`cut_query`, starting at ``record_in``."""
    # What made the picture: the model's id, or the backend ("animatic") for a take made without one.
    made = r.provenance or {}
    model = (made.get("model") or made.get("backend", "")) if r.take_id is not None else ""
    return CutEntry(
        shot_id=r.id,
        code=r.code,
        scene_number=r.number,
        status=r.status,
        duration=r.duration_frames,
        record_in=record_in,
        record_out=record_in + r.duration_frames,
        source_in=r.trim_in,
        source_out=r.trim_in + r.duration_frames,
        take_id=r.take_id,
        take_number=r.take_number,
        take_kind=r.kind,
        media_hash=r.media_hash,
        media_ext=r.ext,
        media_frames=r.frames,
        board_hash=r.board_hash,
        transition=r.transition,
        transition_frames=r.transition_frames,
        model=model or r.model,
    )


#: The statements of :func:`cut_rows`, built once: building this select cost ~0.6 ms, several times reading
#: the one row an add re-reads with it (SQLAlchemy caches the compiled form of a built statement).
_CUT = cut_query()
_CUT_OF_IDS = _CUT.where(T["shot"].c.id.in_(bindparam("ids", expanding=True)))


def cut_rows(session, where=None, *, ids=None) -> list:
    """The rows of :func:`cut_query` (only those matching ``where``, or only the shots ``ids``, when
    given), in cut order."""
    if ids is not None:
        return session.read(_CUT_OF_IDS, {"ids": list(ids)}) if ids else []
    return session.read(_CUT if where is None else _CUT.where(where))


def build_cut(session, scenes: list[str] | None = None) -> Cut:
    """The cut of a project (optionally only some scenes, by number), in one query; an unknown scene
    number raises the NotFoundError of :meth:`ProjectSession.scene`."""
    where = None
    if scenes:
        # Each scene by the one lookup every command uses: an unknown number is a NotFoundError.
        where = T["scene"].c.id.in_([session.scene(number).id for number in scenes])
    project = session.project()
    rows = cut_rows(session, where)
    entries = []
    record = 0
    for r in rows:
        entries.append(entry_from_row(r, record))
        record += r.duration_frames
    return Cut(project.rate, project.start_timecode, tuple(entries))
