"""``ProjectSession``: the one facade through which the UI and the CLI read and change a project.

Reads return plain snapshots. Every change is an ``Edit`` applied in one SQLite transaction together with
its entry in the persistent undo history; ``batch()`` groups several changes into one edit (one undo step,
all or nothing). Listeners registered with ``subscribe`` receive the ``Changes`` of every edit, undo and redo.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select, text

from previz import __version__
from previz.core import bundle, partials, schema
from previz.core.edits import TABLES, Changes, Edit, Op, run_ops
from previz.core.errors import NotFoundError, ProjectClosedError, ProjectError, ValidationError
from previz.core.mediastore import MediaStore
from previz.core.session_edits import SessionEdits, defaults_of, utcnow
from previz.core.shot_authoring import ShotAuthoring
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
from previz.core.timecode import FrameRate, timecode_to_frames
from previz.core.validate import PROJECT_FIELDS, clean, frame_size

T = TABLES
#: Keep this many undo steps; older ones are dropped.
HISTORY_LIMIT = 500


class ClosedConnection:
    """Stands in for the connection of a closed session: any use raises ``ProjectClosedError``."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def __bool__(self) -> bool:
        return False

    def __getattr__(self, name: str):
        raise ProjectClosedError(f"{self._root}: the project is closed; open it again to read or change it")


class ProjectSession(SessionEdits, ShotAuthoring):
    def __init__(self, paths: bundle.BundlePaths, *, readonly: bool) -> None:
        self.paths = paths
        self.readonly = readonly
        self._lock = bundle.ProjectLock(paths)
        self._listeners: list[Callable[[Changes], None]] = []
        self._batch: Edit | None = None
        self._batch_changes = Changes()
        self.media = MediaStore(paths.media)
        self.engine = None
        self.conn: Connection | ClosedConnection = ClosedConnection(paths.root)

    # ------------------------------------------------------------------ lifecycle
    @classmethod
    def create(
        cls,
        path: str | Path,
        *,
        name: str | None = None,
        fps: str = "24",
        size: str = "1280x720",
        drop_frame: bool | None = None,
        **settings: Any,
    ) -> ProjectSession:
        """Create ``PATH.previz/`` at the newest schema and open it for writing. ``settings`` are other
        project fields (``start_timecode``, ``style_prompt``, ``default_backend``, ``default_model`` …),
        validated like ``set_project``'s before anything is written.

        The bundle is built in a hidden sibling folder and renamed into place when complete, so a full disk
        or a crash never leaves a half-made project under the name (what a killed ``create`` left is
        removed by the next one)."""
        rate = FrameRate.parse(fps, drop_frame)
        width, height = frame_size(size)
        paths = bundle.resolve_new(path)
        project_name = PROJECT_FIELDS["name"](name if name is not None else paths.root.stem)
        settable = {k: v for k, v in PROJECT_FIELDS.items() if k not in ("name", "width", "height")}
        extra = clean(settable, settings, "the project")
        if "start_timecode" in extra:
            try:
                timecode_to_frames(extra["start_timecode"], rate)
            except ValidationError as exc:
                raise ValidationError("start_timecode", str(exc).removeprefix(f"{exc.field}: ")) from None
        prefix = f".{paths.root.name}.partial-"
        partials.remove([p for p in partials.stale(paths.root.parent) if p.name.startswith(prefix)])
        building = bundle.BundlePaths(paths.root.with_name(f"{prefix}{os.getpid()}"))
        shutil.rmtree(building.root, ignore_errors=True)
        row = dict(
            defaults_of("project"),
            id=1,
            name=project_name,
            fps=rate.label,
            drop_frame=rate.drop_frame,
            width=width,
            height=height,
            created_at=utcnow(),
            created_with=__version__,
            **extra,
        )
        try:
            try:
                for folder in (building.root, building.media, building.cache):
                    folder.mkdir()
            except OSError as exc:
                raise (bundle.os_error(paths.root, exc) or exc) from None
            engine = bundle.make_engine(building, readonly=False, shown_as=paths)
            try:
                with engine.connect() as conn:
                    schema.upgrade(conn)
                    conn.execute(T["project"].insert(), row)
                    conn.commit()
            finally:
                engine.dispose()
            try:
                os.replace(building.root, paths.root)
            except OSError as exc:
                raise (bundle.os_error(paths.root, exc) or exc) from None
        except BaseException:
            shutil.rmtree(building.root, ignore_errors=True)
            raise
        try:
            return cls.open(paths.root)
        except BaseException:
            shutil.rmtree(paths.root, ignore_errors=True)  # made just now: nothing of the user's in it
            raise

    @classmethod
    def open(cls, path: str | Path, *, readonly: bool = False) -> ProjectSession:
        """Open a bundle (its folder or its project.sqlite). Writers take the project lock and remove what
        killed processes left in ``media/tmp``. A bundle in a read-only folder opens for reading."""
        paths = bundle.resolve_existing(path)
        self = cls(paths, readonly=readonly)
        if not readonly:
            self._lock.acquire()
            if not os.access(paths.db, os.W_OK):  # SQLite would open it read-only and fail on the first write
                self._lock.release()
                raise bundle.read_only(paths.root, f"{bundle.DB_NAME} is not writable")
        try:
            self.engine = bundle.make_engine(paths, readonly=readonly)
            self.conn = self.engine.connect()
            try:
                schema.check_or_migrate(self.conn, paths.db, writable=not readonly)
                has_project = self.conn.execute(select(T["project"].c.id)).first()
            except ProjectError:
                raise
            except Exception as exc:  # a foreign SQLite file
                raise ProjectError(
                    f"{paths.db}: not a readable Previz project ({exc.__class__.__name__})"
                ) from None
            if not has_project:
                raise ProjectError(f"{paths.db}: not a Previz project (no project row)")
            self.conn.commit()
            if not readonly:
                self.media.clear_stale_tmp()
        except BaseException:
            self.close()
            raise
        return self

    @property
    def closed(self) -> bool:
        return isinstance(self.conn, ClosedConnection)

    def close(self) -> None:
        """Close the connection and release the lock. Closing a closed session does nothing; reading or
        changing it afterwards raises ``ProjectClosedError``."""
        if not self.closed:
            self.conn.close()
            self.conn = ClosedConnection(self.paths.root)
        if self.engine is not None:
            self.engine.dispose()
            self.engine = None
        self._lock.release()

    def __enter__(self) -> ProjectSession:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def root(self) -> Path:
        return self.paths.root

    # ------------------------------------------------------------------ transactions and history
    def subscribe(self, listener: Callable[[Changes], None]) -> None:
        self._listeners.append(listener)

    def _notify(self, changes: Changes) -> None:
        if changes:
            for listener in list(self._listeners):
                listener(changes)

    def _writable(self) -> Connection:
        if self.readonly:
            raise ProjectError(f"{self.root}: opened read-only; open it for writing to change it")
        return self.conn

    def _end_read(self) -> None:
        if self._batch is None and not self.closed and self.conn.in_transaction():
            self.conn.commit()

    @contextmanager
    def batch(self, name: str | None = None) -> Iterator[None]:
        """Group every change made inside into one edit: one undo step, committed all or nothing.
        Without a name the undo step takes the name of the first change made inside."""
        if self._batch is not None:  # nested: the outer batch owns the transaction
            yield
            return
        conn = self._writable()
        self._end_read()
        self._batch = Edit(name or "")
        self._batch_changes = Changes()
        try:
            yield
            edit, changes = self._batch, self._batch_changes
            if edit.ops:
                self._record(edit)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            self._batch = None
        self._notify(changes)

    def _commit(self, name: str, ops: list[Op], *, record: bool = True) -> Changes:
        conn = self._writable()
        if not ops:
            return Changes()
        if self._batch is not None:
            changes = run_ops(conn, ops)
            if record:
                self._batch.ops.extend(ops)
                self._batch.name = self._batch.name or name
            self._batch_changes |= changes
            return changes
        edit = Edit(name, ops)
        try:
            changes = edit.apply(conn)
            if record:
                self._record(edit)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        self._notify(changes)
        return changes

    def _record(self, edit: Edit) -> None:
        h = T["history"]
        self.conn.execute(h.delete().where(h.c.undone.is_(True)))
        self.conn.execute(
            h.insert(), {"name": edit.name, "ops": edit.ops_json(), "undone": False, "created_at": utcnow()}
        )
        count = self.conn.execute(select(func.count()).select_from(h)).scalar_one()
        if count > HISTORY_LIMIT:
            oldest = select(h.c.id).order_by(h.c.id).limit(count - HISTORY_LIMIT).scalar_subquery()
            self.conn.execute(h.delete().where(h.c.id.in_(oldest)))

    def _history_row(self, undone: bool):
        h = T["history"]
        order = h.c.id.asc() if undone else h.c.id.desc()
        return self.conn.execute(select(h).where(h.c.undone.is_(undone)).order_by(order).limit(1)).first()

    def undo_name(self) -> str | None:
        row = self._history_row(False)
        self._end_read()
        return row.name if row else None

    def redo_name(self) -> str | None:
        row = self._history_row(True)
        self._end_read()
        return row.name if row else None

    def history_names(self) -> tuple[list[str], list[str]]:
        """The names of the undo steps (oldest first) and of the redo steps (the next one first)."""
        h = T["history"]
        rows = self.conn.execute(select(h.c.name, h.c.undone).order_by(h.c.id)).all()
        self._end_read()
        return [r.name for r in rows if not r.undone], [r.name for r in rows if r.undone]

    def history_mark(self) -> tuple[int, int]:
        """(newest applied history id, number of undone steps): it changes exactly when an edit is recorded,
        so a caller can tell whether a change became an undo step."""
        h = T["history"]
        top = self.conn.execute(select(func.max(h.c.id)).where(h.c.undone.is_(False))).scalar()
        undone_rows = select(func.count()).select_from(h).where(h.c.undone.is_(True))
        undone = self.conn.execute(undone_rows).scalar_one()
        self._end_read()
        return top or 0, undone

    def undo(self) -> tuple[str, Changes]:
        return self._step(undo=True)

    def redo(self) -> tuple[str, Changes]:
        return self._step(undo=False)

    def _step(self, *, undo: bool) -> tuple[str, Changes]:
        conn = self._writable()
        if self._batch is not None:
            raise ProjectError("cannot undo or redo inside a batch of edits")
        row = self._history_row(not undo)
        if row is None:
            self._end_read()
            raise ProjectError("nothing to undo" if undo else "nothing to redo")
        edit = Edit.from_json(row.name, row.ops)
        try:
            changes = edit.revert(conn) if undo else edit.apply(conn)
            conn.execute(T["history"].update().where(T["history"].c.id == row.id).values(undone=undo))
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        self._notify(changes)
        return row.name, changes

    def _next_id(self, table: str) -> int:
        seq = self.conn.execute(
            text("SELECT seq FROM sqlite_sequence WHERE name = :n"), {"n": table}
        ).scalar()
        top = self.conn.execute(select(func.max(T[table].c.id))).scalar()
        return max(seq or 0, top or 0) + 1

    # ------------------------------------------------------------------ reads
    def project(self) -> ProjectInfo:
        row = self.conn.execute(select(T["project"])).first()
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
        row = self.conn.execute(select(s).where(s.c.number == key)).first()
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
        sh, sc = T["shot"], T["scene"]
        return (
            select(sh, sc.c.number.label("scene_number"))
            .join(sc, sc.c.id == sh.c.scene_id)
            .order_by(sc.c.position, sc.c.id, sh.c.position, sh.c.id)
        )

    def shots(self, scene: str | None = None) -> list[ShotInfo]:
        q = self._shot_query()
        if scene is not None:
            q = q.where(T["shot"].c.scene_id == self.scene(scene).id)
        rows = self.conn.execute(q).all()
        self._end_read()
        return [ShotInfo.from_row(r) for r in rows]

    def shot(self, code_or_id: str | int) -> ShotInfo:
        sh = T["shot"]
        cond = sh.c.id == code_or_id if isinstance(code_or_id, int) else sh.c.code == str(code_or_id).strip()
        row = self.conn.execute(self._shot_query().where(cond)).first()
        self._end_read()
        if row is None:
            raise NotFoundError(f"shot {code_or_id!r} not found; list shots with `previz shot list`")
        return ShotInfo.from_row(row)

    def takes(self, shot: str | int | None = None) -> list[TakeInfo]:
        t, m = T["take"], T["media"]
        q = (
            select(t, m.c.frames, m.c.width, m.c.height, m.c.fps, m.c.ext)
            .join(m, m.c.hash == t.c.media_hash)
            .order_by(t.c.shot_id, t.c.number)
        )
        if shot is not None:
            q = q.where(t.c.shot_id == self.shot(shot).id)
        rows = self.conn.execute(q).all()
        self._end_read()
        return [TakeInfo.from_row(r) for r in rows]

    def take(self, take_id: int) -> TakeInfo:
        for tk in self.takes_by_id([take_id]):
            return tk
        raise NotFoundError(f"take {take_id} not found")

    def takes_by_id(self, ids: list[int]) -> list[TakeInfo]:
        t, m = T["take"], T["media"]
        q = select(t, m.c.frames, m.c.width, m.c.height, m.c.fps, m.c.ext).join(m, m.c.hash == t.c.media_hash)
        rows = self.conn.execute(q.where(t.c.id.in_(ids))).all()
        self._end_read()
        return [TakeInfo.from_row(r) for r in rows]

    def characters(self) -> list[CharacterInfo]:
        c = T["character"]
        rows = self.conn.execute(select(c).order_by(c.c.name)).all()
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
        info = self.media_info(digest)
        return self.media.path(info.hash, info.ext)

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

    def collect_garbage(self):
        """Remove media no row refers to (``previz gc``); returns a ``GcReport``."""
        from previz.core.gc import collect_garbage

        return collect_garbage(self)

    # ------------------------------------------------------------------ media registry
    def register_media(
        self,
        digest: str,
        ext: str,
        kind: str,
        size_bytes: int,
        *,
        width: int | None = None,
        height: int | None = None,
        frames: int | None = None,
        fps: str | None = None,
        original_name: str = "",
    ) -> MediaInfo:
        """Record a stored file in the media table (idempotent; part of the current batch if any)."""
        conn = self._writable()
        m = T["media"]
        exists = conn.execute(select(m.c.hash).where(m.c.hash == digest)).first()
        if not exists:
            conn.execute(
                m.insert(),
                {
                    "hash": digest,
                    "ext": ext.lstrip(".").lower(),
                    "kind": kind,
                    "size_bytes": size_bytes,
                    "width": width,
                    "height": height,
                    "frames": frames,
                    "fps": fps,
                    "original_name": original_name[:255],
                    "created_at": utcnow(),
                },
            )
        if self._batch is None:
            conn.commit()
        return self.media_info(digest)
