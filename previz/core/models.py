"""The domain model as SQLAlchemy 2 typed ORM classes: the schema of ``project.sqlite``.

Rows refer to media by SHA-256 hash (``media.hash``), never by path. Timestamps are ISO-8601 UTC text so
that every column value is plain JSON (the undo history stores rows as JSON).
Schema changes are Alembic migrations in ``previz/core/migrations``; keep them in step with this file.

One schema serves SQLite and PostgreSQL: JSON is JSONB on PostgreSQL, closed vocabularies are plain
strings (no native enum types), every constraint is named (``NAMING``), text a user writes is ``Text``
(PostgreSQL enforces ``VARCHAR`` lengths, SQLite does not), and integers that may pass 2**31 are
``BigInteger`` (PostgreSQL's ``INTEGER`` is 32-bit, SQLite's is 64-bit).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Index, Integer, MetaData, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


#: A JSON document: JSONB on PostgreSQL (indexable, compact), JSON text on SQLite.
JSONDoc = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSONDoc, list[Any]: JSONDoc}


class Media(Base):
    """An immutable, content-addressed file in ``media/``."""

    __tablename__ = "media"
    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    ext: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))  # image, video, audio
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    frames: Mapped[int | None] = mapped_column(Integer)
    fps: Mapped[str | None] = mapped_column(String(32))
    original_name: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[str] = mapped_column(String(32))


class Project(Base):
    __tablename__ = "project"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    fps: Mapped[str] = mapped_column(String(16))  # a label of previz.core.timecode.FRAME_RATES
    drop_frame: Mapped[bool] = mapped_column(Boolean, default=False)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    start_timecode: Mapped[str] = mapped_column(String(16), default="01:00:00:00")
    style_prompt: Mapped[str] = mapped_column(Text, default="")
    negative_prompt: Mapped[str] = mapped_column(Text, default="")
    default_backend: Mapped[str] = mapped_column(String(32), default="animatic")
    default_model: Mapped[str] = mapped_column(String(512), default="")
    created_at: Mapped[str] = mapped_column(String(32))
    created_with: Mapped[str] = mapped_column(String(32))
    #: Stable identity: a shared media root names the project it belongs to.
    uuid: Mapped[str] = mapped_column(String(36), default="")
    #: Where a PostgreSQL project's media live (overridable per machine); empty for a bundle.
    media_root: Mapped[str] = mapped_column(Text, default="")
    #: The speed preset generated shots use unless a shot or a run names another (final, balanced, draft).
    default_preset: Mapped[str] = mapped_column(String(16), default="final")


class Character(Base):
    __tablename__ = "character"
    __table_args__ = {"sqlite_autoincrement": True}
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    reference_hash: Mapped[str | None] = mapped_column(ForeignKey("media.hash"))


class Scene(Base):
    __tablename__ = "scene"
    __table_args__ = (Index("ix_scene_position", "position"), {"sqlite_autoincrement": True})
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    position: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    heading: Mapped[str] = mapped_column(Text)
    int_ext: Mapped[str] = mapped_column(String(16), default="")
    location: Mapped[str] = mapped_column(Text, default="")
    time_of_day: Mapped[str] = mapped_column(Text, default="")
    synopsis: Mapped[str] = mapped_column(Text, default="")
    script_text: Mapped[str] = mapped_column(Text, default="")
    omitted: Mapped[bool] = mapped_column(Boolean, default=False)


class Shot(Base):
    __tablename__ = "shot"
    __table_args__ = (Index("ix_shot_scene_position", "scene_id", "position"), {"sqlite_autoincrement": True})
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scene_id: Mapped[int] = mapped_column(ForeignKey("scene.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    action: Mapped[str] = mapped_column(Text, default="")
    dialogue: Mapped[str] = mapped_column(Text, default="")
    characters: Mapped[list[Any]] = mapped_column(JSONDoc, default=list)
    size: Mapped[str] = mapped_column(String(16), default="ms")
    move: Mapped[str] = mapped_column(String(32), default="static")
    move_intensity: Mapped[float] = mapped_column(Float, default=0.5)
    move_easing: Mapped[str] = mapped_column(String(16), default="ease_in_out")
    lens_mm: Mapped[float] = mapped_column(Float, default=35.0)
    duration_frames: Mapped[int] = mapped_column(Integer)
    trim_in: Mapped[int] = mapped_column(Integer, default=0)
    transition: Mapped[str] = mapped_column(String(16), default="cut")
    transition_frames: Mapped[int] = mapped_column(Integer, default=0)
    prompt: Mapped[str] = mapped_column(Text, default="")
    negative_prompt: Mapped[str] = mapped_column(Text, default="")
    board_hash: Mapped[str | None] = mapped_column(ForeignKey("media.hash"))
    first_frame_hash: Mapped[str | None] = mapped_column(ForeignKey("media.hash"))
    last_frame_hash: Mapped[str | None] = mapped_column(ForeignKey("media.hash"))
    backend: Mapped[str] = mapped_column(String(32), default="")
    model: Mapped[str] = mapped_column(String(512), default="")
    seed: Mapped[int] = mapped_column(BigInteger, default=0)
    steps: Mapped[int | None] = mapped_column(Integer)
    guidance: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    selected_take_id: Mapped[int | None] = mapped_column(Integer)
    #: This shot's speed preset; empty: the project's ``default_preset``.
    preset: Mapped[str] = mapped_column(String(16), default="")


class Take(Base):
    __tablename__ = "take"
    __table_args__ = (
        Index("ix_take_shot", "shot_id", "number", unique=True),
        Index("ix_take_key", "request_key"),
        {"sqlite_autoincrement": True},
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    shot_id: Mapped[int] = mapped_column(ForeignKey("shot.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    media_hash: Mapped[str] = mapped_column(ForeignKey("media.hash"))
    request: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    request_key: Mapped[str] = mapped_column(String(64), default="")
    provenance: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    stale: Mapped[bool] = mapped_column(Boolean, default=False)
    circled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[str] = mapped_column(String(32))
    author: Mapped[str] = mapped_column(Text, default="")
    #: The draft take this (final) take re-renders; NULL for any other take or once the draft is deleted.
    finalizes_take_id: Mapped[int | None] = mapped_column(ForeignKey("take.id", ondelete="SET NULL"))


class Note(Base):
    __tablename__ = "note"
    __table_args__ = (Index("ix_note_shot", "shot_id"), {"sqlite_autoincrement": True})
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    shot_id: Mapped[int] = mapped_column(ForeignKey("shot.id", ondelete="CASCADE"))
    take_id: Mapped[int | None] = mapped_column(ForeignKey("take.id", ondelete="SET NULL"))
    frame: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[str] = mapped_column(String(32))
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    resolved_by_take_id: Mapped[int | None] = mapped_column(ForeignKey("take.id", ondelete="SET NULL"))
    strokes: Mapped[list[Any]] = mapped_column(JSONDoc, default=list)


class AudioClip(Base):
    __tablename__ = "audio_clip"
    __table_args__ = {"sqlite_autoincrement": True}
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    media_hash: Mapped[str] = mapped_column(ForeignKey("media.hash"))
    name: Mapped[str] = mapped_column(Text, default="")
    track: Mapped[int] = mapped_column(Integer, default=1)
    start_frame: Mapped[int] = mapped_column(Integer, default=0)
    gain_db: Mapped[float] = mapped_column(Float, default=0.0)


class Job(Base):
    __tablename__ = "job"
    __table_args__ = (Index("ix_job_state", "state", "priority"), {"sqlite_autoincrement": True})
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    shot_id: Mapped[int | None] = mapped_column(ForeignKey("shot.id", ondelete="SET NULL"))
    request: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    state: Mapped[str] = mapped_column(String(16), default="queued")
    priority: Mapped[int] = mapped_column(Integer, default=0)
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    take_id: Mapped[int | None] = mapped_column(ForeignKey("take.id", ondelete="SET NULL"))
    created_at: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[str | None] = mapped_column(String(32))
    finished_at: Mapped[str | None] = mapped_column(String(32))
    #: Who runs a running job ("host:pid:start", see ``previz.core.jobs.JobHolder``) and until when its
    #: lease holds; a job whose holder is dead or whose lease expired is queued again.
    holder: Mapped[str] = mapped_column(Text, default="")
    lease_expires_at: Mapped[str | None] = mapped_column(String(32))
    #: The draft take the take this job makes will finalize (see ``Take.finalizes_take_id``).
    finalizes_take_id: Mapped[int | None] = mapped_column(ForeignKey("take.id", ondelete="SET NULL"))


class HistoryEntry(Base):
    """The change feed and the undo history, newest last: one row per committed change, with its author.

    ``kind`` is ``edit`` (undoable: ``ops`` applies it, ``undone`` marks it undone), ``undo``/``redo`` (of the
    edit ``ref_id``) or ``result`` (a change that is not an edit: a take, a job's progress). ``changes`` is
    the ``Changes`` JSON other clients refresh their views by."""

    __tablename__ = "history"
    __table_args__ = (Index("ix_history_author", "author", "kind", "undone"), {"sqlite_autoincrement": True})
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(Text)
    ops: Mapped[str] = mapped_column(Text)
    undone: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[str] = mapped_column(String(32))
    author: Mapped[str] = mapped_column(Text, default="")
    client: Mapped[str] = mapped_column(String(64), default="")
    kind: Mapped[str] = mapped_column(String(16), default="edit")
    changes: Mapped[str] = mapped_column(Text, default="{}")
    ref_id: Mapped[int | None] = mapped_column(Integer)


#: Tables that edits change; the undo history and media registry are not among them.
EDITABLE_TABLES = ("project", "character", "scene", "shot", "take", "note", "audio_clip", "job")
