"""Scenes: add, change, reorder, remove.

Mixed into ``ProjectSession``; each public method is one edit (``writes``)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from previz.core.edit_builders.base import (
    EditBase,
    defaults_of,
    reorder_ops,
    update_op,
    writes,
)
from previz.core.edits import TABLES, Changes, Op
from previz.core.errors import ValidationError
from previz.core.snapshots import (
    SceneInfo,
)
from previz.core.validate import (
    SCENE_FIELDS,
    clean,
    integer,
)

T = TABLES


class SceneEdits(EditBase):
    def _next_scene_number(self) -> str:
        numbers = self.conn.execute(select(T["scene"].c.number)).scalars().all()
        digits = [int(m.group(1)) for n in numbers if (m := re.match(r"^(\d+)", n))]
        return str(max(digits, default=0) + 1)

    def _scene_row(self, number: str) -> dict[str, Any]:
        return dict(self.scene(number).__dict__)

    @writes
    def add_scene(
        self, heading: str, number: str | None = None, position: int | None = None, **fields: Any
    ) -> SceneInfo:
        values = clean(
            SCENE_FIELDS, dict(fields, heading=heading, number=number or self._next_scene_number()), "a scene"
        )
        s = T["scene"]
        if self.conn.execute(select(s.c.id).where(s.c.number == values["number"])).first():
            raise ValidationError("number", f"scene {values['number']} already exists; choose another number")
        siblings = self._rows("scene", s.c.id.is_not(None))
        position = len(siblings) if position is None else integer("position", 0, len(siblings))(position)
        row = dict(defaults_of("scene"), **values, id=self._next_id("scene"), position=position)
        ops = reorder_ops("scene", siblings[:position] + [row] + siblings[position:])
        ops = [op for op in ops if op.key != row["id"]] + [Op("insert", "scene", row["id"], None, row)]
        self._commit(f"Add scene {values['number']}", ops)
        return SceneInfo.from_row(row)

    @writes
    def set_scene(self, scene: str, /, *, expect: dict[str, Any] | None = None, **fields: Any) -> Changes:
        """Change a scene's fields (``expect`` as for ``set_shot``)."""
        row = self._scene_row(scene)
        self._check_expected("scene", row, expect)
        values = clean(SCENE_FIELDS, fields, "a scene")
        if "number" in values and values["number"] != row["number"]:
            if self.conn.execute(
                select(T["scene"].c.id).where(T["scene"].c.number == values["number"])
            ).first():
                raise ValidationError("number", f"scene {values['number']} already exists")
        op = update_op("scene", row["id"], row, values)
        return self._commit(f"Change scene {row['number']}", [op] if op else [])

    @writes
    def move_scene(self, number: str, position: int) -> Changes:
        row = self._scene_row(number)
        siblings = [r for r in self._rows("scene", T["scene"].c.id.is_not(None)) if r["id"] != row["id"]]
        position = integer("position", 0, len(siblings))(position)
        return self._commit(
            f"Move scene {row['number']}",
            reorder_ops("scene", siblings[:position] + [row] + siblings[position:]),
        )

    @writes
    def remove_scene(self, number: str) -> Changes:
        row = self._scene_row(number)
        ops: list[Op] = []
        for shot in self._rows("shot", T["shot"].c.scene_id == row["id"]):
            ops += self._shot_removal_ops(shot)
        ops.append(Op("delete", "scene", row["id"], row, None))
        return self._commit(f"Remove scene {row['number']}", ops)
