"""The project settings and the cast (characters).

Mixed into ``ProjectSession``; each public method is one edit (``writes``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from previz.core.edit_builders.base import (
    EditBase,
    update_op,
    writes,
)
from previz.core.edits import TABLES, Changes, Op
from previz.core.errors import NotFoundError, ValidationError
from previz.core.snapshots import (
    CharacterInfo,
)
from previz.core.validate import (
    CHARACTER_FIELDS,
    PROJECT_FIELDS,
    clean,
)

T = TABLES


class ProjectEdits(EditBase):
    @writes
    def set_project(self, **fields: Any) -> Changes:
        values = clean(PROJECT_FIELDS, fields, "the project")
        if "start_timecode" in values:
            from previz.core.timecode import timecode_to_frames

            timecode_to_frames(values["start_timecode"], self.rate)
        row = self._row("project", 1)
        op = update_op("project", 1, row, values)
        return self._commit("Change project settings", [op] if op else [])

    # ---------------------------------------------------------------- characters
    @writes
    def add_character(
        self, name: str, description: str = "", reference_hash: str | None = None
    ) -> CharacterInfo:
        values = clean(
            CHARACTER_FIELDS,
            {"name": name, "description": description, "reference_hash": reference_hash},
            "a character",
        )
        c = T["character"]
        if self.conn.execute(select(c.c.id).where(func.lower(c.c.name) == values["name"].lower())).first():
            raise ValidationError("name", f"a character named {values['name']!r} already exists")
        row = dict(values, id=self._next_id("character"))
        self._commit(f"Add character {values['name']}", [Op("insert", "character", row["id"], None, row)])
        return CharacterInfo.from_row(row)

    def _character(self, name: str) -> dict[str, Any]:
        c = T["character"]
        row = self.conn.execute(select(c).where(func.lower(c.c.name) == str(name).strip().lower())).first()
        if row is None:
            raise NotFoundError(f"character {name!r} not found")
        return dict(row._mapping)

    @writes
    def set_character(self, character: str, /, **fields: Any) -> Changes:
        row = self._character(character)
        values = clean(CHARACTER_FIELDS, fields, "a character")
        op = update_op("character", row["id"], row, values)
        return self._commit(f"Change character {row['name']}", [op] if op else [])

    @writes
    def remove_character(self, name: str) -> Changes:
        row = self._character(name)
        return self._commit(
            f"Remove character {row['name']}", [Op("delete", "character", row["id"], row, None)]
        )
