"""Shots: add, change, move, remove, and in bulk (imports).

Mixed into ``ProjectSession``; each public method is one edit (``writes``)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import bindparam, func, select

from previz.core.display_names import field_name
from previz.core.edit_builders.base import (
    EditBase,
    RowView,
    defaults_of,
    reorder_ops,
    shot_code_for,
    update_op,
    writes,
)
from previz.core.edits import TABLES, Changes, Op
from previz.core.errors import NotFoundError, ValidationError
from previz.core.snapshots import (
    SceneInfo,
    ShotInfo,
)
from previz.core.validate import (
    SCENE_FIELDS,
    SHOT_FIELDS,
    clean,
    integer,
)

T = TABLES
DEFAULT_SHOT_SECONDS = 3.0
_SH = T["shot"]
# Reads every add, split and change makes, built once (building a statement costs more than running it).
_SHOT_ROW_BY_ID = select(_SH).where(_SH.c.id == bindparam("key"))
_SHOT_ROW_BY_CODE = select(_SH).where(_SH.c.code == bindparam("key"))
_SHOT_ID_BY_CODE = select(_SH.c.id).where(_SH.c.code == bindparam("key"))
_SCENE_ORDER = (
    select(_SH.c.id, _SH.c.code, _SH.c.position)
    .where(_SH.c.scene_id == bindparam("scene_id"))
    .order_by(_SH.c.position, _SH.c.id)
)
_SCENE_ORDER_NUMBER = (
    select(_SH.c.id, _SH.c.code, _SH.c.position, T["scene"].c.number)
    .join(T["scene"], T["scene"].c.id == _SH.c.scene_id)
    .where(_SH.c.scene_id == bindparam("scene_id"))
    .order_by(_SH.c.position, _SH.c.id)
)


class ShotEdits(EditBase):
    def _shot_row(self, code: str | int) -> dict[str, Any]:
        """The row of a shot named by code or id, in one read; NotFoundError as ``shot()`` raises it."""
        if isinstance(code, int):
            row = self.conn.execute(_SHOT_ROW_BY_ID, {"key": code}).first()
        else:
            row = self.conn.execute(_SHOT_ROW_BY_CODE, {"key": str(code).strip()}).first()
        if row is None:
            raise NotFoundError(f"shot {code!r} not found; list shots with `previz shot list`")
        return dict(row._mapping)

    def _scene_order(self, scene_id: int) -> list[tuple[int, str, int]]:
        """(id, code, position) of a scene's shots in order: what placing a shot needs, read lightly."""
        return [tuple(r) for r in self.conn.execute(_SCENE_ORDER, {"scene_id": scene_id})]

    def _scene_order_of(self, row: dict[str, Any]) -> tuple[list[tuple[int, str, int]], str]:
        """:meth:`_scene_order` of the scene of shot ``row``, and that scene's number, in one read."""
        rows = self.conn.execute(_SCENE_ORDER_NUMBER, {"scene_id": row["scene_id"]}).all()
        if not rows:  # pragma: no cover - ``row`` is one of them, read in this write transaction
            raise NotFoundError(f"shot {row['code']} not found in its scene")
        return [(i, c, p) for i, c, p, _n in rows], rows[0][3]

    def _code_taken(self, code: str) -> bool:
        return self.conn.execute(_SHOT_ID_BY_CODE, {"key": code}).first() is not None

    def _check_code_free(self, code: str) -> None:
        if self._code_taken(code):
            raise ValidationError("code", f"shot code {code} already exists; choose another code")

    def _auto_code(self, scene: SceneInfo, taken: set[str]) -> str:
        codes = self.conn.execute(select(T["shot"].c.code).where(T["shot"].c.scene_id == scene.id)).scalars()
        return self._auto_code_of(scene.number, codes, taken)

    @staticmethod
    def _auto_code_of(number: str, codes, taken: set[str]) -> str:
        """The next code in steps of 10 after the highest of a scene's ``codes``, not in ``taken``."""
        numbers = [int(m.group(1)) for c in codes if (m := re.search(r"_(\d+)$", c))]
        n = (max(numbers, default=0) // 10 + 1) * 10
        while shot_code_for(number, n) in taken:
            n += 10
        return shot_code_for(number, n)

    @writes
    def add_shot(
        self, scene: str, code: str | None = None, position: int | None = None, **fields: Any
    ) -> ShotInfo:
        sc = self.scene(scene)
        return self._insert_shot(sc.id, sc.number, self._scene_order(sc.id), position, fields, code=code)

    def _insert_shot(
        self,
        scene_id: int,
        number: str,
        siblings: list[tuple[int, str, int]],
        position: int | None,
        fields: dict[str, Any],
        *,
        code: str | None,
        code_checked: bool = False,
    ) -> ShotInfo:
        """The edit of ``add_shot``: a shot with ``fields`` at ``position`` (None: the end) of the scene
        whose shots are ``siblings`` (``_scene_order``, read in this write transaction); the shots from
        ``position`` on are renumbered."""
        values = clean(SHOT_FIELDS, fields, "a shot")
        if code:
            values["code"] = SHOT_FIELDS["code"](code)
        else:
            values["code"] = self._auto_code_of(number, [c for _i, c, _p in siblings], set())
        if not code_checked:  # else the caller found it free in this write transaction
            self._check_code_free(values["code"])
        if "duration_frames" not in values:
            values["duration_frames"] = self._default_duration()
        position = len(siblings) if position is None else integer("position", 0, len(siblings))(position)
        row = dict(defaults_of("shot"), **values, id=self._next_id("shot"), scene_id=scene_id)
        row["position"] = position
        # the siblings at their places around the new row: 0..n (what reorder_ops makes, without its
        # per-row dicts: an add in a 100-shot scene renumbers ~50)
        ops = [
            Op("update", "shot", i, {"position": p}, {"position": n + (n >= position)})
            for n, (i, _c, p) in enumerate(siblings)
            if p != n + (n >= position)
        ]
        self._commit(f"Add shot {values['code']}", ops + [Op("insert", "shot", row["id"], None, row)])
        return ShotInfo.from_row(RowView(row), scene_number=number)

    @writes
    def set_shot(
        self, shot: str | int, /, *, record: bool = True, expect: dict[str, Any] | None = None, **fields: Any
    ) -> Changes:
        """Change a shot's fields. ``record=False`` is for changes made by work, not by the user (a job
        moving the status from queued to ready): they are not undo steps. ``expect`` holds the values the
        user saw (``{"lens_mm": 35}``): if someone has changed one since, the edit is refused with a
        ``ConflictError`` naming who, instead of overwriting their change."""
        row = self._shot_row(shot)
        self._check_expected("shot", row, expect)
        values = clean(SHOT_FIELDS, fields, "a shot")
        if "code" in values and values["code"] != row["code"]:
            self._check_code_free(values["code"])
        if "selected_take_id" in fields:
            raise ValidationError("selected_take_id", "use select_take to choose a take")
        if "trim_in" in values:
            self._check_trim(row, values["trim_in"], values.get("duration_frames", row["duration_frames"]))
        op = update_op("shot", row["id"], row, values)
        label = (
            f"Change {row['code']}"
            if len(values) != 1
            else f"Change {field_name(next(iter(values)))} of {row['code']}"
        )
        return self._commit(label, [op] if op else [], record=record)

    def _check_trim(self, row: dict[str, Any], trim: int, duration: int) -> None:
        """A trim in must leave the shot's ``duration`` inside the selected take, when the shot has one
        with a known frame count (an untrimmed shot may still run past a short take: it holds)."""
        if not trim or row["selected_take_id"] is None:
            return
        take = self.takes_by_id([row["selected_take_id"]])[0]
        if take.frames is None or take.frames <= 1 or trim + duration <= take.frames:
            return
        last = max(0, take.frames - duration)
        allowed = "use 0" if last == 0 else f"use 0 to {last}"
        raise ValidationError(
            "trim_in",
            f"{trim} does not fit take {take.number} of {row['code']}, which has {take.frames} frames, "
            f"with the shot's {duration} frames; {allowed}",
        )

    @writes
    def move_shot(self, code: str | int, position: int, scene: str | None = None) -> Changes:
        row = self._shot_row(code)
        old_scene = row["scene_id"]
        target = self.scene(scene).id if scene is not None else old_scene
        siblings = [r for r in self._rows("shot", T["shot"].c.scene_id == target) if r["id"] != row["id"]]
        position = integer("position", 0, len(siblings))(position)
        moved = dict(row, scene_id=target)
        ops = []
        if target != old_scene:
            ops.append(Op("update", "shot", row["id"], {"scene_id": old_scene}, {"scene_id": target}))
            rest = [r for r in self._rows("shot", T["shot"].c.scene_id == old_scene) if r["id"] != row["id"]]
            ops += reorder_ops("shot", rest)
        ops += reorder_ops("shot", siblings[:position] + [moved] + siblings[position:])
        return self._commit(f"Move {row['code']}", ops)

    def _shot_removal_ops(self, shot: dict[str, Any]) -> list[Op]:
        ops: list[Op] = []
        note_ids = self.conn.execute(
            select(T["note"].c.id).where(T["note"].c.shot_id == shot["id"])
        ).scalars()
        for note in [self._note_row(i) for i in note_ids]:  # read tolerantly: a drawing may be damaged
            ops.append(Op("delete", "note", note["id"], note, None))
        for job in self._rows("job", T["job"].c.shot_id == shot["id"]):
            ops.append(Op("update", "job", job["id"], {"shot_id": shot["id"]}, {"shot_id": None}))
        takes = self._rows("take", T["take"].c.shot_id == shot["id"])
        # Links to the takes are cleared first (as ops), so an undo puts every take back before the links
        # between them (a final and the draft it finalizes) are restored.
        for take in takes:
            for job in self._rows("job", T["job"].c.take_id == take["id"]):
                ops.append(Op("update", "job", job["id"], {"take_id": take["id"]}, {"take_id": None}))
            for job in self._rows("job", T["job"].c.finalizes_take_id == take["id"]):
                ops.append(update_op("job", job["id"], job, {"finalizes_take_id": None}))
            if take["finalizes_take_id"] is not None:
                ops.append(update_op("take", take["id"], take, {"finalizes_take_id": None}))
        for take in takes:
            ops.append(Op("delete", "take", take["id"], dict(take, finalizes_take_id=None), None))
        ops.append(Op("delete", "shot", shot["id"], shot, None))
        return ops

    @writes
    def remove_shot(self, code: str | int) -> Changes:
        row = self._shot_row(code)
        return self._commit(f"Remove {row['code']}", self._shot_removal_ops(row))

    @writes
    def add_scenes_bulk(self, scenes: list[dict[str, Any]], name: str = "Add scenes") -> Changes:
        """Add many scenes, each ``{"heading", "number"?, …scene fields, "shots": [{shot fields}]}``, as one
        edit (one transaction, one undo step). Validation happens before anything is written."""
        s = T["scene"]
        existing_numbers = set(self.conn.execute(select(s.c.number)).scalars())
        existing_codes = set(self.conn.execute(select(T["shot"].c.code)).scalars())
        position = self.conn.execute(select(func.count()).select_from(s)).scalar_one()
        scene_id, shot_id = self._next_id("scene"), self._next_id("shot")
        default_duration = self._default_duration()
        scene_defaults, shot_defaults = defaults_of("scene"), defaults_of("shot")
        next_number = int(self._next_scene_number())
        scene_ops, shot_ops = [], []
        for i, spec in enumerate(scenes):
            spec = dict(spec)
            shots = spec.pop("shots", [])
            if not spec.get("number"):
                spec["number"] = str(next_number)
            values = clean(SCENE_FIELDS, spec, f"scene #{i + 1}")
            if values["number"] in existing_numbers:
                raise ValidationError("number", f"scene {values['number']} already exists")
            existing_numbers.add(values["number"])
            digits = re.match(r"^(\d+)", values["number"])
            if digits:
                next_number = max(next_number, int(digits.group(1)) + 1)
            row = dict(scene_defaults, **values, id=scene_id, position=position)
            scene_ops.append(Op("insert", "scene", scene_id, None, row))
            for j, shot_spec in enumerate(shots):
                shot_values = clean(SHOT_FIELDS, shot_spec, f"shot #{j + 1} of scene {values['number']}")
                code = shot_values.get("code") or shot_code_for(values["number"], (j + 1) * 10)
                if code in existing_codes:
                    raise ValidationError("code", f"shot code {code} already exists; choose another code")
                existing_codes.add(code)
                shot_values.setdefault("duration_frames", default_duration)
                shot_row = {
                    **shot_defaults,
                    **shot_values,
                    "code": code,
                    "id": shot_id,
                    "scene_id": scene_id,
                    "position": j,
                }
                shot_ops.append(Op("insert", "shot", shot_id, None, shot_row))
                shot_id += 1
            scene_id += 1
            position += 1
        return self._commit(name, scene_ops + shot_ops)

    @writes
    def add_shots_bulk(self, shots: list[dict[str, Any]], name: str = "Add shots") -> Changes:
        """Add many shots, each ``{"scene": number, "code"?, …shot fields}``, at the end of their scenes,
        as one edit. Linear in the number of shots (``add_shot`` reads the scene's shots each time);
        everything is validated before anything is written."""
        scenes = {sc.number: sc for sc in self.scenes()}
        sh = T["shot"]
        taken = set(self.conn.execute(select(sh.c.code)).scalars())
        counts = dict(self.conn.execute(select(sh.c.scene_id, func.count()).group_by(sh.c.scene_id)).all())
        shot_id, defaults = self._next_id("shot"), defaults_of("shot")
        default_duration = self._default_duration()
        ops = []
        for spec in shots:
            spec = dict(spec)
            number, code = spec.pop("scene"), spec.pop("code", None)
            sc = scenes.get(number) or self.scene(number)
            values = clean(SHOT_FIELDS, spec, "a shot")
            values["code"] = SHOT_FIELDS["code"](code) if code else self._auto_code(sc, taken)
            if values["code"] in taken:
                raise ValidationError("code", f"shot code {values['code']} already exists; choose another")
            taken.add(values["code"])
            values.setdefault("duration_frames", default_duration)
            position = counts.get(sc.id, 0)
            counts[sc.id] = position + 1
            row = dict(defaults, **values, id=shot_id, scene_id=sc.id, position=position)
            ops.append(Op("insert", "shot", shot_id, None, row))
            shot_id += 1
        return self._commit(name, ops)

    @writes
    def set_shots_bulk(self, changes: dict[str, dict[str, Any]], name: str = "Change shots") -> Changes:
        """Change many shots, ``{code: {field: value}}``, as one edit, checked as ``set_shot`` checks
        them (codes and the selected take are changed one shot at a time). Linear in the shots."""
        sh = T["shot"]
        rows = {r["code"]: r for r in (dict(x._mapping) for x in self.conn.execute(select(sh)))}
        ops = []
        for code, fields in changes.items():
            if code not in rows:
                raise NotFoundError(f"shot {code!r} not found; list shots with `previz shot list`")
            row = rows[code]
            values = clean(SHOT_FIELDS, fields, "a shot")
            alone = sorted({"code", "selected_take_id"} & set(fields))
            if alone:
                raise ValidationError(alone[0], "change it for one shot at a time (set_shot)")
            if "trim_in" in values:
                duration = values.get("duration_frames", row["duration_frames"])
                self._check_trim(row, values["trim_in"], duration)
            op = update_op("shot", row["id"], row, values)
            if op:
                ops.append(op)
        return self._commit(name, ops)
