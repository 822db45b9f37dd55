"""The domain model as SQLAlchemy Core tables: the schema of ``project.sqlite``.

Rows refer to media by SHA-256 hash (``media.hash``), never by path. Timestamps are ISO-8601 UTC text so
that every column value is plain JSON (the undo history stores rows as JSON).
Schema changes are Alembic migrations in ``previz/core/migrations``; keep them in step with this file.

One schema serves SQLite and PostgreSQL: JSON is JSONB on PostgreSQL, closed vocabularies are plain
strings (no native enum types), every constraint is named (``NAMING``), text a user writes is ``Text``
(PostgreSQL enforces ``VARCHAR`` lengths, SQLite does not), and integers that may pass 2**31 are
``BigInteger`` (PostgreSQL's ``INTEGER`` is 32-bit, SQLite's is 64-bit).

The tables are Core ``Table`` objects, not ORM classes: the code reads and writes rows with Core statements
(``previz.core.edits.TABLES``) and hands out snapshots, never mapped objects, so importing
``sqlalchemy.orm`` (and building its mappers) only cost every process's start — about a tenth of the
app's launch, with the PostgreSQL dialect that the JSONB variant imported on a SQLite project.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class JSONDoc(TypeDecorator):
    """A JSON document: JSONB on PostgreSQL (indexable, compact), JSON text on SQLite. The PostgreSQL
    dialect is imported only when a PostgreSQL connection first uses the column."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())


metadata = MetaData(naming_convention=NAMING)


class Base:
    """Where the schema's tables live (``Base.metadata``), as Alembic and the core expect them."""

    metadata = metadata


def _table(name: str, *items, autoincrement: bool = True) -> Table:
    return Table(name, metadata, *items, **({"sqlite_autoincrement": True} if autoincrement else {}))


def _id() -> Column:
    return Column("id", Integer, primary_key=True, autoincrement=True)


def _text(name: str, default: str | None = "", **kw) -> Column:
    """User-written text, NOT NULL (with a default unless ``default`` is None)."""
    return Column(name, Text, nullable=False, **({} if default is None else {"default": default}), **kw)


def _str(name: str, length: int, default=None, *, null: bool = False) -> Column:
    return Column(name, String(length), nullable=null, **({} if default is None else {"default": default}))


def _int(name: str, default=None, *, null: bool = False, kind=Integer) -> Column:
    return Column(name, kind, nullable=null, **({} if default is None else {"default": default}))


def _float(name: str, default=None, *, null: bool = False) -> Column:
    return Column(name, Float, nullable=null, **({} if default is None else {"default": default}))


def _bool(name: str, default: bool = False) -> Column:
    return Column(name, Boolean, nullable=False, default=default)


def _json(name: str, default) -> Column:
    return Column(name, JSONDoc(), nullable=False, default=default)


def _ref(name: str, target: str, *, null: bool = True, ondelete: str | None = None) -> Column:
    """A reference to ``target`` ("table.column"), typed as that column."""
    return Column(name, ForeignKey(target, ondelete=ondelete), nullable=null)


#: An immutable, content-addressed file in ``media/``.
media = _table(
    "media",
    Column("hash", String(64), primary_key=True),
    _str("ext", 16),
    _str("kind", 16),  # image, video, audio
    _int("size_bytes", kind=BigInteger),
    _int("width", null=True),
    _int("height", null=True),
    _int("frames", null=True),
    _str("fps", 32, null=True),
    _text("original_name"),
    _str("created_at", 32),
    autoincrement=False,
)

project = _table(
    "project",
    Column("id", Integer, primary_key=True),
    _text("name", None),
    _str("fps", 16),  # a label of previz.core.timecode.FRAME_RATES
    _bool("drop_frame"),
    _int("width"),
    _int("height"),
    _str("start_timecode", 16, "01:00:00:00"),
    _text("style_prompt"),
    _text("negative_prompt"),
    _str("default_backend", 32, "animatic"),
    _str("default_model", 512, ""),
    _str("created_at", 32),
    _str("created_with", 32),
    _str("uuid", 36, ""),  # stable identity: a shared media root names the project it belongs to
    _text("media_root"),  # where a PostgreSQL project's media live (per machine); empty for a bundle
    # the speed preset generated shots use unless a shot or a run names another (final, balanced, draft)
    _str("default_preset", 16, "final"),
    autoincrement=False,
)

character = _table(
    "character",
    _id(),
    _text("name", None, unique=True),
    _text("description"),
    _ref("reference_hash", "media.hash"),
)

scene = _table(
    "scene",
    _id(),
    _int("position"),
    Column("number", String(32), nullable=False, unique=True),
    _text("heading", None),
    _str("int_ext", 16, ""),
    _text("location"),
    _text("time_of_day"),
    _text("synopsis"),
    _text("script_text"),
    _bool("omitted"),
    Index("ix_scene_position", "position"),
)

shot = _table(
    "shot",
    _id(),
    _ref("scene_id", "scene.id", null=False, ondelete="CASCADE"),
    _int("position"),
    Column("code", String(64), nullable=False, unique=True),
    _text("action"),
    _text("dialogue"),
    _json("characters", list),
    _str("size", 16, "ms"),
    _str("move", 32, "static"),
    _float("move_intensity", 0.5),
    _str("move_easing", 16, "ease_in_out"),
    _float("lens_mm", 35.0),
    _int("duration_frames"),
    _int("trim_in", 0),
    _str("transition", 16, "cut"),
    _int("transition_frames", 0),
    _text("prompt"),
    _text("negative_prompt"),
    _ref("board_hash", "media.hash"),
    _ref("first_frame_hash", "media.hash"),
    _ref("last_frame_hash", "media.hash"),
    _str("backend", 32, ""),
    _str("model", 512, ""),
    _int("seed", 0, kind=BigInteger),
    _int("steps", null=True),
    _float("guidance", null=True),
    _str("status", 16, "draft"),
    _int("selected_take_id", null=True),
    _str("preset", 16, ""),  # this shot's speed preset; empty: the project's ``default_preset``
    Index("ix_shot_scene_position", "scene_id", "position"),
)

take = _table(
    "take",
    _id(),
    _ref("shot_id", "shot.id", null=False, ondelete="CASCADE"),
    _int("number"),
    _str("kind", 16),
    _ref("media_hash", "media.hash", null=False),
    _json("request", dict),
    _str("request_key", 64, ""),
    _json("provenance", dict),
    _bool("stale"),
    _bool("circled"),
    _str("created_at", 32),
    _text("author"),
    # the draft take this (final) take re-renders; NULL for any other take or once the draft is deleted
    _ref("finalizes_take_id", "take.id", ondelete="SET NULL"),
    Index("ix_take_shot", "shot_id", "number", unique=True),
    Index("ix_take_key", "request_key"),
)

note = _table(
    "note",
    _id(),
    _ref("shot_id", "shot.id", null=False, ondelete="CASCADE"),
    _ref("take_id", "take.id", ondelete="SET NULL"),
    _int("frame", 0),
    _text("text", None),
    _text("author"),
    _str("created_at", 32),
    _bool("resolved"),
    _ref("resolved_by_take_id", "take.id", ondelete="SET NULL"),
    _json("strokes", list),
    Index("ix_note_shot", "shot_id"),
)

audio_clip = _table(
    "audio_clip",
    _id(),
    _ref("media_hash", "media.hash", null=False),
    _text("name"),
    _int("track", 1),
    _int("start_frame", 0),
    _float("gain_db", 0.0),
)

job = _table(
    "job",
    _id(),
    _str("kind", 32),
    _ref("shot_id", "shot.id", ondelete="SET NULL"),
    _json("request", dict),
    _str("state", 16, "queued"),
    _int("priority", 0),
    _int("progress_done", 0),
    _int("progress_total", 0),
    _text("message"),
    _text("error"),
    _int("attempts", 0),
    _ref("take_id", "take.id", ondelete="SET NULL"),
    _str("created_at", 32),
    _str("started_at", 32, null=True),
    _str("finished_at", 32, null=True),
    # who runs a running job ("host:pid:start", see ``previz.core.jobs.JobHolder``) and until when its
    # lease holds; a job whose holder is dead or whose lease expired is queued again
    _text("holder"),
    _str("lease_expires_at", 32, null=True),
    _ref("finalizes_take_id", "take.id", ondelete="SET NULL"),  # see take.finalizes_take_id
    Index("ix_job_state", "state", "priority"),
)

#: The change feed and the undo history, newest last: one row per committed change, with its author.
#: ``kind`` is ``edit`` (undoable: ``ops`` applies it, ``undone`` marks it undone), ``undo``/``redo`` (of
#: the edit ``ref_id``) or ``result`` (a change that is not an edit: a take, a job's progress). ``changes``
#: is the ``Changes`` JSON other clients refresh their views by.
history = _table(
    "history",
    _id(),
    _text("name", None),
    _text("ops", None),
    _bool("undone"),
    _str("created_at", 32),
    _text("author"),
    _str("client", 64, ""),
    _str("kind", 16, "edit"),
    _text("changes", "{}"),
    _int("ref_id", null=True),
    Index("ix_history_author", "author", "kind", "undone"),
)

#: Tables that edits change; the undo history and media registry are not among them.
EDITABLE_TABLES = ("project", "character", "scene", "shot", "take", "note", "audio_clip", "job")
