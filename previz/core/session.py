"""``ProjectSession``: the one facade through which the UI and the CLI read and change a project.

Reads return plain snapshots. Every change is an ``Edit`` applied in one SQLite transaction together with
its entry in the persistent undo history; ``batch()`` groups several changes into one edit (one undo step,
all or nothing). Listeners registered with ``subscribe`` receive the ``Changes`` of every edit, undo and redo.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select

from previz import __version__
from previz.core import bundle, database, partials, schema
from previz.core.authors import default_author
from previz.core.edits import TABLES, Changes, Conflict, Edit, Op, conflicts, run_ops
from previz.core.errors import ConflictError, NotFoundError, ProjectClosedError, ProjectError, ValidationError
from previz.core.mediastore import MediaStore
from previz.core.session_edits import SessionEdits, defaults_of, utcnow
from previz.core.shot_authoring import ShotAuthoring
from previz.core.snapshots import (
    AudioClipInfo,
    CharacterInfo,
    HistoryInfo,
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
#: Keep this many undo steps per author; older ones are dropped.
HISTORY_LIMIT = 500
#: Keep this many of the newest change-feed rows that are not undo steps (results, undos, redos).
FEED_KEEP = 20_000
#: Prune the history whenever a row id is a multiple of this.
PRUNE_EVERY = 200


class ClosedConnection:
    """Stands in for the connection of a closed session: any use raises ``ProjectClosedError``."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def __bool__(self) -> bool:
        return False

    def __getattr__(self, name: str):
        raise ProjectClosedError(f"{self._root}: the project is closed; open it again to read or change it")


class ProjectSession(SessionEdits, ShotAuthoring):
    def __init__(
        self, paths: bundle.BundlePaths, *, readonly: bool, author: str | None = None, location: str = ""
    ) -> None:
        #: The bundle folder, or (PostgreSQL) the media root: ``media/`` and ``cache/`` are in it.
        self.paths = paths
        #: Where the project's rows live, as messages name it: the bundle folder or the database URL.
        self.location = location or str(paths.root)
        self.readonly = readonly
        #: Who this session's edits, notes and takes are recorded as.
        self.author = (author or "").strip() or default_author()
        #: This open session among all clients of the project (its own rows in the change feed).
        self.client = uuid.uuid4().hex[:16]
        self._lock = bundle.ProjectLock(paths)
        self._listeners: list[Callable[[Changes], None]] = []
        self._batch: Edit | None = None
        self._batch_changes = Changes()
        self._batch_results = Changes()
        self._batch_results_name = ""
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
        author: str | None = None,
        media: str | Path | None = None,
        **settings: Any,
    ) -> ProjectSession:
        """Create ``PATH.previz/`` at the newest schema and open it for writing. ``settings`` are other
        project fields (``start_timecode``, ``style_prompt``, ``default_backend``, ``default_model`` …),
        validated like ``set_project``'s before anything is written.

        The bundle is built in a hidden sibling folder and renamed into place when complete, so a full disk
        or a crash never leaves a half-made project under the name (what a killed ``create`` left is
        removed by the next one)."""
        if database.is_server_url(path):
            from previz.core.server_project import create_on_server

            shown = database.display_url(path)
            row = cls._new_project_row(shown.rsplit("/", 1)[-1], name, fps, size, drop_frame, settings)
            return create_on_server(cls, str(path), media=media, row=row, author=author)
        if media is not None:
            raise ValidationError(
                "media", "a bundle keeps its media inside itself; --media is for PostgreSQL"
            )
        paths = bundle.resolve_new(path)
        row = cls._new_project_row(paths.root.stem, name, fps, size, drop_frame, settings)
        prefix = f".{paths.root.name}.partial-"
        partials.remove([p for p in partials.stale(paths.root.parent) if p.name.startswith(prefix)])
        building = bundle.BundlePaths(paths.root.with_name(f"{prefix}{os.getpid()}"))
        shutil.rmtree(building.root, ignore_errors=True)
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
            return cls.open(paths.root, author=author)
        except BaseException:
            shutil.rmtree(paths.root, ignore_errors=True)  # made just now: nothing of the user's in it
            raise

    @staticmethod
    def _new_project_row(default_name, name, fps, size, drop_frame, settings) -> dict[str, Any]:
        """The project row of a new project, every field validated before anything is written."""
        rate = FrameRate.parse(fps, drop_frame)
        width, height = frame_size(size)
        project_name = PROJECT_FIELDS["name"](name if name is not None else default_name)
        settable = {k: v for k, v in PROJECT_FIELDS.items() if k not in ("name", "width", "height")}
        extra = clean(settable, settings, "the project")
        if "start_timecode" in extra:
            try:
                timecode_to_frames(extra["start_timecode"], rate)
            except ValidationError as exc:
                raise ValidationError("start_timecode", str(exc).removeprefix(f"{exc.field}: ")) from None
        return dict(
            defaults_of("project"),
            id=1,
            name=project_name,
            fps=rate.label,
            drop_frame=rate.drop_frame,
            width=width,
            height=height,
            created_at=utcnow(),
            created_with=__version__,
            uuid=str(uuid.uuid4()),
            **extra,
        )

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        readonly: bool = False,
        author: str | None = None,
        media: str | Path | None = None,
    ) -> ProjectSession:
        """Open a bundle (its folder or its project.sqlite). Any number of processes may have it open for
        writing; each holds the project lock shared, and an older schema is upgraded with the lock held
        alone. ``author`` is who this session's changes are recorded as (default: ``PREVIZ_USER``, else
        the OS user). A bundle in a read-only folder opens for reading.

        ``path`` may also be a PostgreSQL URL (``postgresql://user@host/film``); ``media`` then overrides the
        media root the project records (as ``PREVIZ_MEDIA_ROOT`` does)."""
        if database.is_server_url(path):
            from previz.core.server_project import open_on_server

            return open_on_server(cls, str(path), readonly=readonly, author=author, media=media)
        if media is not None:
            raise ValidationError(
                "media", "a bundle keeps its media inside itself; --media is for PostgreSQL"
            )
        paths = bundle.resolve_existing(path)
        self = cls(paths, readonly=readonly, author=author)
        if not readonly:
            self._lock.acquire()
            if not os.access(paths.db, os.W_OK):  # SQLite would open it read-only and fail on the first write
                self._lock.release()
                raise bundle.read_only(paths.root, f"{bundle.DB_NAME} is not writable")
        try:
            self.engine = bundle.make_engine(paths, readonly=readonly)
            self.conn = self.engine.connect()
            try:
                if readonly or schema.current_revision(self.conn) == schema.HEAD_REVISION:
                    schema.check_or_migrate(self.conn, paths.db, writable=not readonly)
                else:
                    self.conn.commit()
                    with self._lock.exclusive("upgrading the project's schema"):
                        schema.check_or_migrate(self.conn, paths.db, writable=True)
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

    @contextmanager
    def exclusive(self, purpose: str) -> Iterator[None]:
        """Hold the project alone for ``purpose`` (``previz gc``); ProjectLockedError naming what to close
        when another process has it open."""
        self._writable()
        with self._lock.exclusive(purpose):
            yield

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

    def _begin_write(self) -> Connection:
        """Begin a write transaction: one writer at a time per project (SQLite's IMMEDIATE transaction), so
        what an edit reads inside it is what it writes over, and history ids commit in order."""
        conn = self._writable()
        self.recover()
        database.begin_write(conn)
        return conn

    def recover(self) -> None:
        """After the database connection was lost (a server restart), make the next statement reconnect
        (SQLAlchemy waits for the dead transaction to be rolled back first). The feed poll calls it, so an
        open app is back within one poll of the server."""
        if not self.closed and (self.conn.invalidated or self._needs_rollback()):
            self.conn.rollback()

    def _needs_rollback(self) -> bool:
        tx = self.conn.get_transaction()
        return tx is not None and not tx.is_valid

    @property
    def in_batch(self) -> bool:
        """Whether a batch (one write transaction, one undo step) is open."""
        return self._batch is not None

    @contextmanager
    def batch(self, name: str | None = None) -> Iterator[None]:
        """Group every change made inside into one edit: one undo step, committed all or nothing, in one
        write transaction (reads inside see what the edit writes over). Without a name the undo step takes
        the name of the first change made inside."""
        if self._batch is not None:  # nested: the outer batch owns the transaction
            if name and not self._batch.name:  # an edit builder's own batch inside its ``writes`` wrapper
                self._batch.name = name
            yield
            return
        conn = self._begin_write()
        self._batch = Edit(name or "")
        self._batch_changes = Changes()
        self._batch_results = Changes()
        try:
            yield
            edit, changes = self._batch, self._batch_changes | self._batch_results
            if edit.ops:
                self._append_history("edit", edit.name, changes, ops=edit.ops_json())
            elif changes:
                self._append_history("result", self._batch_results_name or edit.name, changes)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            self._batch = None
            self._batch_results_name = ""
        self._notify(changes)

    def _commit(self, name: str, ops: list[Op], *, record: bool = True) -> Changes:
        """Run ``ops`` in the current batch (one is opened when there is none). ``record=False`` marks a
        result that is not an edit (a take, a job's progress): it reaches the change feed but no undo step."""
        self._writable()
        if not ops:
            return Changes()
        if self._batch is None:
            with self.batch():
                return self._commit(name, ops, record=record)
        changes = run_ops(self.conn, ops)
        inserted: dict[str, int] = {}
        for op in ops:
            if op.kind == "insert" and isinstance(op.key, int):
                inserted[op.table] = max(inserted.get(op.table, 0), op.key)
        database.claim_ids(self.conn, inserted)
        if record:
            self._batch.ops.extend(ops)
            self._batch.name = self._batch.name or name
            self._batch_changes |= changes
        else:
            self._batch_results |= changes
            self._batch_results_name = self._batch_results_name or name
        return changes

    def _append_history(self, kind: str, name: str, changes: Changes, *, ops: str = "[]", ref_id=None) -> int:
        """Add a row to the change feed (inside the current write transaction); an ``edit`` also starts this
        author's redo list afresh."""
        h = T["history"]
        if kind == "edit":
            self.conn.execute(
                h.delete().where(h.c.author == self.author, h.c.kind == "edit", h.c.undone.is_(True))
            )
        row_id = self.conn.execute(
            h.insert().returning(h.c.id),
            {
                "name": name[:255],
                "ops": ops,
                "undone": False,
                "created_at": database.now_text(self.conn) or utcnow(),
                "author": self.author,
                "client": self.client,
                "kind": kind,
                "changes": changes.to_json(),
                "ref_id": ref_id,
            },
        ).scalar_one()
        database.notify_feed(self.conn, row_id)
        if row_id % PRUNE_EVERY == 0:
            self._prune_history(row_id)
        return row_id

    def _prune_history(self, newest: int) -> None:
        """Keep the feed bounded: rows other than undo steps older than ``FEED_KEEP`` ids, and each
        author's undo steps beyond ``HISTORY_LIMIT``, go."""
        h = T["history"]
        self.conn.execute(h.delete().where(h.c.kind != "edit", h.c.id <= newest - FEED_KEEP))
        authors = self.conn.execute(select(h.c.author).where(h.c.kind == "edit").distinct()).scalars().all()
        for author in authors:
            mine = select(h.c.id).where(h.c.kind == "edit", h.c.author == author).order_by(h.c.id.desc())
            cutoff = self.conn.execute(mine.offset(HISTORY_LIMIT).limit(1)).scalar()
            if cutoff is not None:
                self.conn.execute(
                    h.delete().where(h.c.kind == "edit", h.c.author == author, h.c.id <= cutoff)
                )

    def _history_row(self, undone: bool):
        """This author's next undo step (``undone=False``: the newest applied) or redo step."""
        h = T["history"]
        order = h.c.id.asc() if undone else h.c.id.desc()
        mine = select(h).where(h.c.kind == "edit", h.c.author == self.author, h.c.undone.is_(undone))
        return self.conn.execute(mine.order_by(order).limit(1)).first()

    def undo_name(self) -> str | None:
        row = self._history_row(False)
        self._end_read()
        return row.name if row else None

    def redo_name(self) -> str | None:
        row = self._history_row(True)
        self._end_read()
        return row.name if row else None

    def history_names(self) -> tuple[list[str], list[str]]:
        """The names of this author's undo steps (oldest first) and redo steps (the next one first)."""
        h = T["history"]
        mine = select(h.c.name, h.c.undone).where(h.c.kind == "edit", h.c.author == self.author)
        rows = self.conn.execute(mine.order_by(h.c.id)).all()
        self._end_read()
        return [r.name for r in rows if not r.undone], [r.name for r in rows if r.undone]

    def history_mark(self) -> tuple[int, int]:
        """(this author's newest applied undo step, their number of redo steps): it changes exactly when
        one of their edits is recorded, so a caller can tell whether a change became an undo step."""
        h = T["history"]
        mine = (h.c.kind == "edit", h.c.author == self.author)
        top = self.conn.execute(select(func.max(h.c.id)).where(*mine, h.c.undone.is_(False))).scalar()
        undone = self.conn.execute(select(func.count()).where(*mine, h.c.undone.is_(True))).scalar_one()
        self._end_read()
        return top or 0, undone

    def last_history_id(self) -> int:
        """The newest row of the change feed (0 for none); ``history_after`` it reads what comes next."""
        self.recover()
        top = self.conn.execute(select(func.max(T["history"].c.id))).scalar()
        self._end_read()
        return top or 0

    def history_after(self, last_id: int, limit: int = 1000) -> list[HistoryInfo]:
        """The change feed: every committed change after ``last_id``, oldest first, with who made it."""
        self.recover()
        h = T["history"]
        cols = [h.c.id, h.c.kind, h.c.name, h.c.author, h.c.client, h.c.created_at, h.c.changes, h.c.undone]
        query = select(*cols, h.c.ref_id).where(h.c.id > last_id).order_by(h.c.id).limit(limit)
        rows = self.conn.execute(query).all()
        self._end_read()
        return [HistoryInfo.from_row(r, changes=Changes.from_json(r.changes)) for r in rows]

    def undo(self) -> tuple[str, Changes]:
        """Undo this author's last edit; ConflictError (nothing changed) when someone has changed the same
        rows since, or when undoing would delete work made since (a take of an added shot)."""
        return self._step(undo=True)

    def redo(self) -> tuple[str, Changes]:
        return self._step(undo=False)

    def _step(self, *, undo: bool) -> tuple[str, Changes]:
        if self._batch is not None:
            raise ProjectError("cannot undo or redo inside a batch of edits")
        conn = self._begin_write()
        try:
            row = self._history_row(not undo)
            if row is None:
                raise ProjectError("nothing to undo" if undo else "nothing to redo")
            edit = Edit.from_json(row.name, row.ops)
            ops = [op.inverse() for op in reversed(edit.ops)] if undo else edit.ops
            found = conflicts(conn, ops)
            if found:
                raise ConflictError(self._conflict_message(row, undo, found[0]))
            changes = run_ops(conn, ops)
            h = T["history"]
            conn.execute(h.update().where(h.c.id == row.id).values(undone=undo))
            verb = "Undo" if undo else "Redo"
            self._append_history(verb.lower(), f"{verb} {row.name}", changes, ref_id=row.id)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        self._notify(changes)
        return row.name, changes

    def _conflict_message(self, row, undo: bool, conflict: Conflict) -> str:
        from previz.core.conflicts import describe

        return describe(self, row, undo, conflict)

    def who_changed(self, table: str, key: Any, after_id: int) -> HistoryInfo | None:
        """The newest feed row after ``after_id`` that changed row ``key`` of ``table`` (None if none is
        left in the feed)."""
        from previz.core.conflicts import who_changed

        return who_changed(self, table, key, after_id)

    def _next_id(self, table: str) -> int:
        return database.next_ids(self.conn, table, 1)[0]

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

    def collect_garbage(self, *, grace_seconds: float | None = None, verify: bool = False):
        """Remove media no row refers to (``previz gc``), with the project to this process alone (no other
        writer could be storing a file whose row is not committed yet); returns a ``GcReport``."""
        from previz.core.gc import DEFAULT_GRACE_SECONDS, collect_garbage

        grace = DEFAULT_GRACE_SECONDS if grace_seconds is None else grace_seconds
        with self.exclusive("previz gc"):
            return collect_garbage(self, grace_seconds=grace, verify=verify)

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
        m = T["media"]
        with self.batch():
            exists = self.conn.execute(select(m.c.hash).where(m.c.hash == digest)).first()
            if exists:
                return self.media_info(digest)
            self.conn.execute(
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
        return self.media_info(digest)
