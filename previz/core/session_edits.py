"""The edit builders of ``ProjectSession``: each validates its input, reads what it needs to undo, and
commits one ``Edit`` of row operations. Mixed into ``ProjectSession``; uses its connection and reads."""

from __future__ import annotations

import functools
import re
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import func, select

from previz.core.display_names import field_name
from previz.core.edits import TABLES, Changes, Op
from previz.core.enums import JobState, TakeKind
from previz.core.errors import ConflictError, NotFoundError, ServerUnreachableError, ValidationError
from previz.core.snapshots import (
    AudioClipInfo,
    CharacterInfo,
    JobInfo,
    NoteInfo,
    SceneInfo,
    ShotInfo,
    TakeInfo,
)
from previz.core.timecode import seconds_to_frames
from previz.core.validate import (
    CHARACTER_FIELDS,
    PROJECT_FIELDS,
    SCENE_FIELDS,
    SHOT_FIELDS,
    clean,
    integer,
    number,
    text,
)
from previz.core.validate import media_hash as check_hash

T = TABLES
DEFAULT_SHOT_SECONDS = 3.0


def writes(method):
    """Mark an edit builder: what it reads and what it writes run in one write transaction (a ``batch``),
    so no other writer can change a row between the read and the write."""

    @functools.wraps(method)
    def run(self, *args, **kwargs):
        if self.in_batch:
            return method(self, *args, **kwargs)
        try:
            with self.batch():
                return method(self, *args, **kwargs)
        except ServerUnreachableError:
            # The connection was lost (a server restart) and nothing was committed: reconnect and make the
            # edit once more, so the user's change is not lost. A second failure is the user's to see.
            self.recover()
            with self.batch():
                return method(self, *args, **kwargs)

    return run


def utcnow() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def defaults_of(table_name: str) -> dict[str, Any]:
    """Column defaults of a table as a plain dict (JSON columns get an empty list)."""
    out: dict[str, Any] = {}
    for col in T[table_name].columns:
        if col.default is not None:
            out[col.name] = [] if callable(col.default.arg) else col.default.arg
        elif col.nullable:
            out[col.name] = None
    return out


def shot_code_for(scene_number: str, shot_number: int) -> str:
    """``12A`` + 10 → ``012A_0010``: the scene's digits padded to 3, the shot number to 4."""
    m = re.match(r"^(\d+)(.*)$", scene_number)
    scene_part = f"{int(m.group(1)):03d}{m.group(2)}" if m else scene_number
    return f"{scene_part}_{shot_number:04d}"


def _update(table: str, key: Any, row: dict[str, Any], new: dict[str, Any]) -> Op | None:
    """An update op for the values of ``new`` that differ from ``row``; None when nothing changes."""
    after = {k: v for k, v in new.items() if row[k] != v}
    if not after:
        return None
    return Op("update", table, key, {k: row[k] for k in after}, after)


def _reorder(table: str, rows: list[dict[str, Any]]) -> list[Op]:
    """Update ops that give ``rows`` (in their new order) the positions 0..n-1."""
    ops = []
    for position, row in enumerate(rows):
        op = _update(table, row["id"], row, {"position": position})
        if op:
            ops.append(op)
    return ops


class SessionEdits:
    # ---------------------------------------------------------------- helpers
    def _row(self, table: str, key: Any) -> dict[str, Any]:
        tbl = T[table]
        pk = list(tbl.primary_key.columns)[0]
        row = self.conn.execute(select(tbl).where(pk == key)).first()
        if row is None:
            raise NotFoundError(f"{table} {key!r} not found")
        return dict(row._mapping)

    def _rows(self, table: str, where) -> list[dict[str, Any]]:
        tbl = T[table]
        order = [tbl.c.position, tbl.c.id] if "position" in tbl.c else [tbl.c.id]
        return [dict(r._mapping) for r in self.conn.execute(select(tbl).where(where).order_by(*order))]

    def _check_expected(self, table: str, row: dict[str, Any], expect: dict[str, Any] | None) -> None:
        """ConflictError when a value the user saw (``expect``) is no longer the row's."""
        for name, seen in (expect or {}).items():
            if name in row and row[name] != seen:
                from previz.core.conflicts import describe_stale

                raise ConflictError(describe_stale(self, table, row["id"], name, row[name]))

    def _default_duration(self) -> int:
        return seconds_to_frames(DEFAULT_SHOT_SECONDS, self.rate)

    # ---------------------------------------------------------------- project
    @writes
    def set_project(self, **fields: Any) -> Changes:
        values = clean(PROJECT_FIELDS, fields, "the project")
        if "start_timecode" in values:
            from previz.core.timecode import timecode_to_frames

            timecode_to_frames(values["start_timecode"], self.rate)
        row = self._row("project", 1)
        op = _update("project", 1, row, values)
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
        op = _update("character", row["id"], row, values)
        return self._commit(f"Change character {row['name']}", [op] if op else [])

    @writes
    def remove_character(self, name: str) -> Changes:
        row = self._character(name)
        return self._commit(
            f"Remove character {row['name']}", [Op("delete", "character", row["id"], row, None)]
        )

    # ---------------------------------------------------------------- scenes
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
        ops = _reorder("scene", siblings[:position] + [row] + siblings[position:])
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
        op = _update("scene", row["id"], row, values)
        return self._commit(f"Change scene {row['number']}", [op] if op else [])

    @writes
    def move_scene(self, number: str, position: int) -> Changes:
        row = self._scene_row(number)
        siblings = [r for r in self._rows("scene", T["scene"].c.id.is_not(None)) if r["id"] != row["id"]]
        position = integer("position", 0, len(siblings))(position)
        return self._commit(
            f"Move scene {row['number']}",
            _reorder("scene", siblings[:position] + [row] + siblings[position:]),
        )

    @writes
    def remove_scene(self, number: str) -> Changes:
        row = self._scene_row(number)
        ops: list[Op] = []
        for shot in self._rows("shot", T["shot"].c.scene_id == row["id"]):
            ops += self._shot_removal_ops(shot)
        ops.append(Op("delete", "scene", row["id"], row, None))
        return self._commit(f"Remove scene {row['number']}", ops)

    # ---------------------------------------------------------------- shots
    def _shot_row(self, code: str | int) -> dict[str, Any]:
        return self._row("shot", self.shot(code).id)

    def _check_code_free(self, code: str) -> None:
        if self.conn.execute(select(T["shot"].c.id).where(T["shot"].c.code == code)).first():
            raise ValidationError("code", f"shot code {code} already exists; choose another code")

    def _auto_code(self, scene: SceneInfo, taken: set[str]) -> str:
        codes = self.conn.execute(select(T["shot"].c.code).where(T["shot"].c.scene_id == scene.id)).scalars()
        numbers = [int(m.group(1)) for c in codes if (m := re.search(r"_(\d+)$", c))]
        n = (max(numbers, default=0) // 10 + 1) * 10
        while shot_code_for(scene.number, n) in taken:
            n += 10
        return shot_code_for(scene.number, n)

    @writes
    def add_shot(
        self, scene: str, code: str | None = None, position: int | None = None, **fields: Any
    ) -> ShotInfo:
        sc = self.scene(scene)
        values = clean(SHOT_FIELDS, fields, "a shot")
        values["code"] = SHOT_FIELDS["code"](code) if code else self._auto_code(sc, set())
        self._check_code_free(values["code"])
        values.setdefault("duration_frames", self._default_duration())
        siblings = self._rows("shot", T["shot"].c.scene_id == sc.id)
        position = len(siblings) if position is None else integer("position", 0, len(siblings))(position)
        row = dict(defaults_of("shot"), **values, id=self._next_id("shot"), scene_id=sc.id, position=position)
        ops = [
            op
            for op in _reorder("shot", siblings[:position] + [row] + siblings[position:])
            if op.key != row["id"]
        ]
        self._commit(f"Add shot {values['code']}", ops + [Op("insert", "shot", row["id"], None, row)])
        return ShotInfo.from_row(_RowView(row), scene_number=sc.number)

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
        op = _update("shot", row["id"], row, values)
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
            ops += _reorder("shot", rest)
        ops += _reorder("shot", siblings[:position] + [moved] + siblings[position:])
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
        for take in self._rows("take", T["take"].c.shot_id == shot["id"]):
            for job in self._rows("job", T["job"].c.take_id == take["id"]):
                ops.append(Op("update", "job", job["id"], {"take_id": take["id"]}, {"take_id": None}))
            ops.append(Op("delete", "take", take["id"], take, None))
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
            op = _update("shot", row["id"], row, values)
            if op:
                ops.append(op)
        return self._commit(name, ops)

    # ---------------------------------------------------------------- takes
    @writes
    def add_take(
        self,
        shot: str | int,
        *,
        kind: str,
        media_hash: str,
        request: dict[str, Any] | None = None,
        request_key: str = "",
        provenance: dict[str, Any] | None = None,
        select_if_none: bool = True,
        record: bool = False,
    ) -> TakeInfo:
        """A new take of a shot (numbered after the last). Not an undo step unless ``record``: a take is the
        result of work (generation, import), and undoing an unrelated edit must not throw it away."""
        row = self._shot_row(shot)
        kind = TakeKind.parse(kind, "kind").value
        t = T["take"]
        number = (
            self.conn.execute(select(func.max(t.c.number)).where(t.c.shot_id == row["id"])).scalar() or 0
        ) + 1
        take = {
            "id": self._next_id("take"),
            "shot_id": row["id"],
            "number": number,
            "kind": kind,
            "media_hash": media_hash,
            "request": request or {},
            "request_key": request_key,
            "provenance": provenance or {},
            "stale": False,
            "circled": False,
            "created_at": utcnow(),
            "author": self.author,
        }
        ops = [Op("insert", "take", take["id"], None, take)]
        if select_if_none and row["selected_take_id"] is None:
            ops.append(
                Op("update", "shot", row["id"], {"selected_take_id": None}, {"selected_take_id": take["id"]})
            )
        self._commit(f"Add take {number} of {row['code']}", ops, record=record)
        return self.take(take["id"])

    def _take_row(self, shot_row: dict[str, Any], number: int) -> dict[str, Any]:
        t = T["take"]
        found = self.conn.execute(
            select(t).where(t.c.shot_id == shot_row["id"], t.c.number == number)
        ).first()
        if found is None:
            raise NotFoundError(
                f"{shot_row['code']} has no take {number}; list takes with `previz take list`"
            )
        return dict(found._mapping)

    @writes
    def select_take(self, shot: str | int, number: int | None) -> Changes:
        """Choose which take of a shot the cut uses (None: no take, the board holds)."""
        row = self._shot_row(shot)
        take_id = None if number is None else self._take_row(row, int(number))["id"]
        op = _update("shot", row["id"], row, {"selected_take_id": take_id})
        label = (
            f"Select take {number} of {row['code']}" if number is not None else f"Clear take of {row['code']}"
        )
        return self._commit(label, [op] if op else [])

    @writes
    def set_take(self, shot: str | int, number: int, /, *, record: bool = True, **fields: Any) -> Changes:
        """Change a take's ``circled`` or ``stale`` flag."""
        row = self._shot_row(shot)
        take = self._take_row(row, int(number))
        unknown = set(fields) - {"circled", "stale"}
        if unknown:
            raise ValidationError(sorted(unknown)[0], "a take has only the flags circled and stale")
        op = _update("take", take["id"], take, {k: bool(v) for k, v in fields.items()})
        return self._commit(f"Change take {number} of {row['code']}", [op] if op else [], record=record)

    # ---------------------------------------------------------------- notes
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
        op = _update("note", row["id"], row, values)
        return self._commit(f"Change note {note_id}", [op] if op else [])

    @writes
    def remove_note(self, note_id: int) -> Changes:
        row = self._note_row(note_id)
        return self._commit(f"Remove note {note_id}", [Op("delete", "note", row["id"], row, None)])

    # ---------------------------------------------------------------- audio
    @writes
    def add_audio_clip(
        self, media_hash: str, *, start_frame: int = 0, track: int = 1, gain_db: float = 0.0, name: str = ""
    ) -> AudioClipInfo:
        """Place an audio file (already in the media store) under the cut, e.g. temp music."""
        clip = {
            "id": self._next_id("audio_clip"),
            "media_hash": check_hash("media")(media_hash),
            "name": text("name", 255)(name),
            "track": integer("track", 1, 99)(track),
            "start_frame": integer("start_frame", 0, 10**9)(start_frame),
            "gain_db": number("gain_db", -96.0, 24.0)(gain_db),
        }
        if clip["media_hash"] is None:
            raise ValidationError("media", "an audio clip needs a media file")
        self._commit(
            f"Add audio {name or clip['media_hash'][:8]}",
            [Op("insert", "audio_clip", clip["id"], None, clip)],
        )
        return AudioClipInfo.from_row(clip)

    @writes
    def set_audio_clip(self, clip_id: int, /, **fields: Any) -> Changes:
        row = self._row("audio_clip", int(clip_id))
        allowed = {
            "start_frame": integer("start_frame", 0, 10**9),
            "gain_db": number("gain_db", -96.0, 24.0),
            "track": integer("track", 1, 99),
            "name": text("name", 255),
        }
        op = _update("audio_clip", row["id"], row, clean(allowed, fields, "an audio clip"))
        return self._commit(f"Change audio {row['name'] or row['id']}", [op] if op else [])

    @writes
    def remove_audio_clip(self, clip_id: int) -> Changes:
        row = self._row("audio_clip", int(clip_id))
        return self._commit(
            f"Remove audio {row['name'] or row['id']}", [Op("delete", "audio_clip", row["id"], row, None)]
        )

    # ---------------------------------------------------------------- jobs (not undo steps)
    @writes
    def add_job(
        self, kind: str, request: dict[str, Any], *, shot: str | int | None = None, priority: int = 0
    ) -> JobInfo:
        shot_id = self.shot(shot).id if shot is not None else None
        job = dict(
            defaults_of("job"),
            id=self._next_id("job"),
            kind=kind,
            shot_id=shot_id,
            request=request,
            state=JobState.queued.value,
            priority=int(priority),
            created_at=utcnow(),
        )
        self._commit(f"Queue {kind}", [Op("insert", "job", job["id"], None, job)], record=False)
        return self.job(job["id"])

    @writes
    def update_job(self, job_id: int, /, **fields: Any) -> Changes:
        row = self._row("job", int(job_id))
        unknown = set(fields) - set(row)
        if unknown:
            raise ValidationError(sorted(unknown)[0], "a job has no such field")
        op = _update("job", row["id"], row, fields)
        return self._commit(f"Update job {job_id}", [op] if op else [], record=False)

    @writes
    def remove_jobs(self, job_ids: list[int]) -> Changes:
        ops = [Op("delete", "job", r["id"], r, None) for r in self._rows("job", T["job"].c.id.in_(job_ids))]
        return self._commit("Clear jobs", ops, record=False)


class _RowView:
    """Lets a plain dict pass where a SQLAlchemy row is expected (``row._mapping``)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._mapping = data
