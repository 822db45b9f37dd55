"""The reads of ``ProjectSession``: plain snapshots of the rows, each read in its own short transaction
(never left open: other writers' commits are seen by the next read)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, func, select

from previz.core.edits import TABLES
from previz.core.errors import NotFoundError
from previz.core.snapshots import (
    AudioClipInfo,
    CharacterInfo,
    JobInfo,
    MediaInfo,
    NoteInfo,
    ProjectInfo,
    SceneInfo,
    ShotInfo,
    TakeInfo,
)
from previz.core.timecode import FrameRate

T = TABLES


def _shot_query():
    sh, sc = T["shot"], T["scene"]
    return (
        select(sh, sc.c.number.label("scene_number"))
        .join(sc, sc.c.id == sh.c.scene_id)
        .order_by(sc.c.position, sc.c.id, sh.c.position, sh.c.id)
    )


# The reads an edit and a view's refresh make most, built once (building a statement costs several times
# running a built one; SQLAlchemy caches the compiled form of a built statement).
_PROJECT = select(T["project"])
_SCENE_BY_NUMBER = select(T["scene"]).where(T["scene"].c.number == bindparam("number"))
_SHOT_BY_ID = _shot_query().where(T["shot"].c.id == bindparam("key"))
_SHOT_BY_CODE = _shot_query().where(T["shot"].c.code == bindparam("key"))
_SHOTS_BY_IDS = _shot_query().where(T["shot"].c.id.in_(bindparam("ids", expanding=True)))
_TK, _MD = T["take"], T["media"]
_TAKES = (
    select(_TK, _MD.c.frames, _MD.c.width, _MD.c.height, _MD.c.fps, _MD.c.ext)
    .join(_MD, _MD.c.hash == _TK.c.media_hash)
    .order_by(_TK.c.shot_id, _TK.c.number)
)
_TAKES_OF_SHOT = _TAKES.where(_TK.c.shot_id == bindparam("shot_id"))
_TAKES_BY_IDS = _TAKES.order_by(None).where(_TK.c.id.in_(bindparam("ids", expanding=True)))
_CHARACTERS = select(T["character"]).order_by(T["character"].c.name)


class SnapshotReader:
    def read(self, statement, params: dict[str, Any] | None = None) -> list[Any]:
        """Rows of one query (with the values of its bound ``params``) in a short read transaction (for
        the core's own modules: cut, review, …)."""
        rows = self.conn.execute(statement, params).all()
        self._end_read()
        return rows

    def project(self) -> ProjectInfo:
        row = self.conn.execute(_PROJECT).first()
        self._end_read()
        return ProjectInfo.from_row(row)

    @property
    def rate(self) -> FrameRate:
        return self.project().rate

    def scenes(self) -> list[SceneInfo]:
        s = T["scene"]
        rows = self.conn.execute(select(s).order_by(s.c.position, s.c.id)).all()
        self._end_read()
        return [SceneInfo.from_row(r) for r in rows]

    def scene(self, number: str) -> SceneInfo:
        s = T["scene"]
        key = str(number).strip()
        row = self.conn.execute(_SCENE_BY_NUMBER, {"number": key}).first()
        if row is None:  # numbers are case-sensitive; another case names the one scene it fits
            rows = self.conn.execute(select(s).where(func.upper(s.c.number) == key.upper()).limit(2)).all()
            row = rows[0] if len(rows) == 1 else None
        self._end_read()
        if row is None:
            known = [sc.number for sc in self.scenes()]
            listing = ", ".join(known[:12]) + (" …" if len(known) > 12 else "")
            raise NotFoundError(f"scene {number!r} not found; scenes are: {listing or 'none yet'}")
        return SceneInfo.from_row(row)

    def _shot_query(self):
        return _shot_query()

    def shots(self, scene: str | None = None) -> list[ShotInfo]:
        q = self._shot_query()
        if scene is not None:
            q = q.where(T["shot"].c.scene_id == self.scene(scene).id)
        rows = self.conn.execute(q).all()
        self._end_read()
        return [ShotInfo.from_row(r) for r in rows]

    def shot(self, code_or_id: str | int) -> ShotInfo:
        if isinstance(code_or_id, int):
            row = self.conn.execute(_SHOT_BY_ID, {"key": code_or_id}).first()
        else:
            row = self.conn.execute(_SHOT_BY_CODE, {"key": str(code_or_id).strip()}).first()
        self._end_read()
        if row is None:
            raise NotFoundError(f"shot {code_or_id!r} not found; list shots with `previz shot list`")
        return ShotInfo.from_row(row)

    def takes(self, shot: str | int | None = None) -> list[TakeInfo]:
        if shot is None:
            rows = self.conn.execute(_TAKES).all()
        elif isinstance(shot, int):  # one read transaction: the shot is looked up only when it has no take
            rows = self.conn.execute(_TAKES_OF_SHOT, {"shot_id": shot}).all()
            if not rows and self.conn.execute(_SHOT_BY_ID, {"key": shot}).first() is None:
                self._end_read()
                self.shot(shot)  # raises the not-found error
        else:
            rows = self.conn.execute(_TAKES_OF_SHOT, {"shot_id": self.shot(shot).id}).all()
        self._end_read()
        return [TakeInfo.from_row(r) for r in rows]

    def take(self, take_id: int) -> TakeInfo:
        for tk in self.takes_by_id([take_id]):
            return tk
        raise NotFoundError(f"take {take_id} not found")

    def takes_by_id(self, ids: list[int]) -> list[TakeInfo]:
        rows = self.conn.execute(_TAKES_BY_IDS, {"ids": list(ids)}).all()
        self._end_read()
        return [TakeInfo.from_row(r) for r in rows]

    def characters(self) -> list[CharacterInfo]:
        rows = self.conn.execute(_CHARACTERS).all()
        self._end_read()
        return [CharacterInfo.from_row(r) for r in rows]

    def notes(self, shot: str | int | None = None) -> list[NoteInfo]:
        """Notes in shot, frame, creation order; a damaged drawing reads as the strokes that survive
        (``previz.core.review.read_notes`` also returns the warnings)."""
        from previz.core.review import read_notes

        return read_notes(self, shot)[0]

    def jobs(self, states: tuple[str, ...] | None = None) -> list[JobInfo]:
        j = T["job"]
        q = select(j).order_by(j.c.id)
        if states:
            q = q.where(j.c.state.in_(states))
        rows = self.conn.execute(q).all()
        self._end_read()
        return [JobInfo.from_row(r) for r in rows]

    def job(self, job_id: int) -> JobInfo:
        row = self.conn.execute(select(T["job"]).where(T["job"].c.id == job_id)).first()
        self._end_read()
        if row is None:
            raise NotFoundError(f"job {job_id} not found; list jobs with `previz jobs`")
        return JobInfo.from_row(row)

    def audio_clips(self) -> list[AudioClipInfo]:
        a = T["audio_clip"]
        rows = self.conn.execute(select(a).order_by(a.c.start_frame, a.c.id)).all()
        self._end_read()
        return [AudioClipInfo.from_row(r) for r in rows]

    def media_info(self, digest: str) -> MediaInfo:
        row = self.conn.execute(select(T["media"]).where(T["media"].c.hash == digest)).first()
        self._end_read()
        if row is None:
            raise NotFoundError(f"media {digest[:12]}… is not in this project")
        return MediaInfo.from_row(row)

    def media_path(self, digest: str) -> Path:
        """The file of the media ``digest`` (``NotFoundError`` when the project has no such media). Media are
        content-addressed: a hash's file never moves, so each is looked up once per session (again while its
        file is missing: the garbage collector removes a file with its row)."""
        known = self._media_file_paths.get(digest)
        if known is not None and known.is_file():
            return known
        info = self.media_info(digest)
        path = self._media_file_paths[digest] = self.media.path(info.hash, info.ext)
        return path

    def media_paths(self, digests) -> dict[str, Path]:
        """The files of the media ``digests``, in one query for those not looked up before (the boards of a
        whole cut); a digest the project has no media for is left out."""
        known = self._media_file_paths
        missing = sorted({d for d in digests if d and (d not in known or not known[d].is_file())})
        for start in range(0, len(missing), 900):  # SQLite's bound parameters
            media = T["media"]
            chunk = missing[start : start + 900]
            rows = self.conn.execute(select(media.c.hash, media.c.ext).where(media.c.hash.in_(chunk))).all()
            self._end_read()
            for digest in chunk:
                known.pop(digest, None)
            for digest, ext in rows:
                known[digest] = self.media.path(digest, ext)
        return {d: known[d] for d in digests if d in known}

    def table_rows(self, table: str) -> list[dict[str, Any]]:
        """Every row of one table as plain dicts, in primary-key order (for tests and exports)."""
        tbl = T[table]
        rows = self.conn.execute(select(tbl).order_by(*tbl.primary_key.columns)).all()
        self._end_read()
        return [dict(r._mapping) for r in rows]

    def cut(self, scenes: list[str] | None = None):
        """The cut (``previz.core.cut.Cut``): ordered, non-omitted shots with record in/out."""
        from previz.core.cut import build_cut

        return build_cut(self, scenes)
