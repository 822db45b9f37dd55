"""Review notes on a shot or a take, with drawn strokes.

Mixed into ``ProjectSession``; each public method is one edit (``writes``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from previz.core.edit_builders.base import (
    EditBase,
    update_op,
    utcnow,
    writes,
)
from previz.core.edits import TABLES, Changes, Op
from previz.core.errors import NotFoundError, ValidationError
from previz.core.snapshots import (
    NoteInfo,
)
from previz.core.validate import (
    clean,
    integer,
    text,
)

T = TABLES


class NoteEdits(EditBase):
    def _note_row(self, note_id: int) -> dict[str, Any]:
        """A note row with its strokes read tolerantly: a damaged drawing reads as the strokes that
        survive ``load_strokes`` (an edit then stores only those)."""
        from sqlalchemy import Text, type_coerce

        from previz.core.strokes import load_strokes

        n = T["note"]
        cols = [c for c in n.c if c.name != "strokes"] + [type_coerce(n.c.strokes, Text).label("strokes")]
        found = self.conn.execute(select(*cols).where(n.c.id == int(note_id))).first()
        if found is None:
            raise NotFoundError(f"note {note_id} not found; list notes with `previz notes`")
        row = dict(found._mapping)
        row["strokes"] = load_strokes(row["strokes"])[0]
        return row

    def _note_frame(self, shot_row: dict[str, Any], frame: Any, take: dict[str, Any] | None) -> int:
        """``frame`` checked against the shot's length and, when the note is on a given take, the take's
        frame count (the shot starts at its trim in on the take)."""
        frame = integer("frame", 0, max(shot_row["duration_frames"] - 1, 0))(frame)
        if take is not None:
            frames = self.takes_by_id([take["id"]])[0].frames
            trim = shot_row["trim_in"] or 0
            if frames is not None and frames > 1 and trim + frame >= frames:
                last = frames - 1 - trim
                raise ValidationError(
                    "frame",
                    f"{frame} is beyond take {take['number']} of {shot_row['code']}, which has {frames} "
                    f"frames; use a frame from 0 to {max(last, 0)}",
                )
        return frame

    @writes
    def add_note(
        self,
        shot: str | int,
        frame: int,
        note_text: str,
        *,
        author: str = "",
        take_number: int | None = None,
        strokes: list[Any] | None = None,
    ) -> NoteInfo:
        """A note at a frame of a shot (0 = the shot's first frame), on ``take_number`` or else the
        selected take. Several notes may share a frame; they are kept in the order they were added."""
        from previz.core.strokes import validate_strokes

        row = self._shot_row(shot)
        take = None
        if take_number is not None:
            take = self._take_row(row, int(take_number))
        take_id = take["id"] if take is not None else row["selected_take_id"]
        frame = self._note_frame(row, frame, take)
        note = {
            "id": self._next_id("note"),
            "shot_id": row["id"],
            "take_id": take_id,
            "frame": frame,
            "text": text("text", required=True)(note_text),
            "author": text("author", 255)(author) or self.author,
            "created_at": utcnow(),
            "resolved": False,
            "resolved_by_take_id": None,
            "strokes": validate_strokes(strokes),
        }
        self._commit(f"Add note to {row['code']}", [Op("insert", "note", note["id"], None, note)])
        return NoteInfo.from_row(note)

    @writes
    def set_note(self, note_id: int, /, **fields: Any) -> Changes:
        """Change a note's text, author, frame, strokes, resolved flag or ``resolved_by_take_id`` (a take
        of the note's shot, or None)."""
        from previz.core.strokes import validate_strokes

        row = self._note_row(note_id)
        shot_row = self._row("shot", row["shot_id"])

        def take_of_shot(value: Any) -> int | None:
            if value is None:
                return None
            t = T["take"]
            found = self.conn.execute(
                select(t.c.id).where(t.c.id == value, t.c.shot_id == row["shot_id"])
            ).first()
            if found is None:
                raise ValidationError(
                    "resolved_by_take_id", f"take {value!r} is not a take of {shot_row['code']}"
                )
            return int(value)

        allowed = {
            "text": text("text", required=True),
            "author": text("author", 255),
            "resolved": bool,
            "strokes": validate_strokes,
            "resolved_by_take_id": take_of_shot,
            "frame": lambda v: self._note_frame(shot_row, v, None),
        }
        values = clean(allowed, fields, "a note")
        op = update_op("note", row["id"], row, values)
        return self._commit(f"Change note {note_id}", [op] if op else [])

    @writes
    def remove_note(self, note_id: int) -> Changes:
        row = self._note_row(note_id)
        return self._commit(f"Remove note {note_id}", [Op("delete", "note", row["id"], row, None)])
