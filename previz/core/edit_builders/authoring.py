"""Authoring edits beyond add/set/remove: duplicate, split and merge shots, and renumber a scene.

Mixed into ``ProjectSession`` beside ``SessionEdits``; each method is one edit (one undo step, all or
nothing) built from row operations, so undo/redo return the rows exactly. A split gives two shots that
share the board and the take (the second half gets its own take row over the same media) with trims set
so the halves play exactly the original frames; merging adjacent shots is its inverse.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from previz.core.edit_builders.base import EditBase, RowView, shot_code_for, utcnow, writes
from previz.core.edits import TABLES, Changes, Op
from previz.core.enums import ShotStatus, Transition
from previz.core.errors import ValidationError
from previz.core.session_reads import _SHOTS_BY_IDS
from previz.core.snapshots import ShotInfo
from previz.core.validate import SCENE_FIELDS, integer

T = TABLES
_SHOT_COUNT = select(func.count()).select_from(T["shot"])
#: Codes step by this much; a shot put between two others takes a number halfway between theirs.
CODE_STEP = 10


_NUMBER = re.compile(r"_(\d+)$")


def _shot_number(code: str) -> int | None:
    m = _NUMBER.search(code)
    return int(m.group(1)) if m else None


def _label(verb: str, codes: list[str]) -> str:
    return f"{verb} {codes[0]}" if len(codes) == 1 else f"{verb} {len(codes)} shots"


class ShotAuthoring(EditBase):
    def shot_count(self) -> int:
        """How many shots the project has (omitted ones too), without reading them."""
        count = self.conn.execute(_SHOT_COUNT).scalar_one()
        self._end_read()
        return count

    def shots_by_id(self, ids) -> list[ShotInfo]:
        """The shots with these ids that exist (in cut order): what a view re-reads after an edit names
        them in ``Changes.shot_ids``, instead of every shot."""
        ids = [int(i) for i in ids]
        if not ids:
            return []
        rows = self.conn.execute(_SHOTS_BY_IDS, {"ids": ids}).all()
        self._end_read()
        return [ShotInfo.from_row(r) for r in rows]

    # ---------------------------------------------------------------- codes
    def _scene_shot_rows(self, scene_id: int) -> list[dict[str, Any]]:
        return self._rows("shot", T["shot"].c.scene_id == scene_id)

    def code_after(self, code: str | None, scene: str | None = None) -> str:
        """A free shot code for a new shot placed right after ``code`` (or at the end of ``scene``):
        halfway between its neighbours' numbers when there is room (``0010`` → ``0015`` before ``0020``),
        else the scene's next step. ``renumber_scene`` tidies them back to steps of 10."""
        try:
            if code is not None:
                row = self._shot_row(code)
                scene_id = row["scene_id"]
            else:
                scene_id, row = self.scene(scene).id, None
            number = self._row("scene", scene_id)["number"]
            return self._code_after(row, number, self._scene_order(scene_id))
        finally:
            self._end_read()

    def _code_after(self, row: dict[str, Any] | None, number: str, siblings: list[tuple]) -> str:
        """:meth:`code_after` for ``row`` (None: the end of the scene) of scene ``number`` whose shots are
        ``siblings`` (:meth:`_scene_order`), read by the caller."""
        search = _NUMBER.search  # once per shot of the scene: the pattern is not looked up each time
        numbers = [int(m.group(1)) for _id, c, _p in siblings if (m := search(c))]
        candidates: list[int] = []
        if row is not None and (n := _shot_number(row["code"])) is not None:
            ids = [i for i, _c, _p in siblings]
            later = siblings[ids.index(row["id"]) + 1 :]
            nxt = _shot_number(later[0][1]) if later else None
            if nxt is None:
                candidates.append((max([n] + numbers) // CODE_STEP + 1) * CODE_STEP)
            elif nxt - n > 1:
                candidates.append(n + (nxt - n) // 2)
        n = (max(numbers, default=0) // CODE_STEP + 1) * CODE_STEP
        candidates.append(n)
        for candidate in candidates:
            if not self._code_taken(shot_code_for(number, candidate)):
                return shot_code_for(number, candidate)
        while self._code_taken(shot_code_for(number, n)):
            n += CODE_STEP
        return shot_code_for(number, n)

    @writes
    def add_shot_after(self, code: str, **fields: Any) -> ShotInfo:
        """A new shot right after ``code`` in its scene, coded by :meth:`code_after`. The anchor, its scene
        and the scene's order are read once, for the code and the place alike."""
        row = self._shot_row(code)
        siblings, number = self._scene_order_of(row)
        new_code = self._code_after(row, number, siblings)  # free: checked in this write transaction
        position = [i for i, _c, _p in siblings].index(row["id"]) + 1
        return self._insert_shot(
            row["scene_id"], number, siblings, position, fields, code=new_code, code_checked=True
        )

    # ---------------------------------------------------------------- row builders
    def _copy_after(self, row: dict[str, Any], **changes: Any) -> tuple[dict[str, Any], list[Op], str]:
        """A new shot row right after ``row`` (with ``changes``) and a copy of its selected take over the
        same media, selected; returns the new row, the ops that make room for it and insert them, and the
        scene's number."""
        siblings, number = self._scene_order_of(row)
        new = dict(row, **changes)
        new.update(
            id=self._next_id("shot"),
            code=self._code_after(row, number, siblings),
            position=row["position"] + 1,
            selected_take_id=None,
        )
        # the shots after ``row`` move one place down
        ops = [
            Op("update", "shot", i, {"position": position}, {"position": position + 1})
            for i, _code, position in siblings
            if position > row["position"]
        ]
        ops.append(Op("insert", "shot", new["id"], None, new))
        if row["selected_take_id"] is not None:
            take = self._row("take", row["selected_take_id"])
            copy = dict(take, id=self._next_id("take"), shot_id=new["id"], number=1, created_at=utcnow())
            copy["circled"] = False
            new["selected_take_id"] = copy["id"]
            ops.append(Op("insert", "take", copy["id"], None, copy))
        return new, ops, number

    def _info(self, shot_id: int) -> ShotInfo:
        return self.shot(int(shot_id))

    # ---------------------------------------------------------------- duplicate
    @writes
    def duplicate_shots(self, codes: list[str]) -> list[ShotInfo]:
        """Copy each shot (its fields, board, trims and selected take) to a new shot right after it.
        The copy starts as a draft (ready when it has a take; omitted stays omitted)."""
        codes = list(codes)
        if not codes:
            raise ValidationError("shots", "choose at least one shot to duplicate")
        new_ids = []
        with self.batch(_label("Duplicate", codes)):
            for code in codes:
                row = self._shot_row(code)
                status = row["status"]
                if status != ShotStatus.omitted.value:
                    status = (
                        ShotStatus.ready.value
                        if row["selected_take_id"] is not None
                        else ShotStatus.draft.value
                    )
                new, ops, _number = self._copy_after(row, status=status)
                self._commit(f"Duplicate {row['code']}", ops)
                new_ids.append(new["id"])
        return [self._info(i) for i in new_ids]

    # ---------------------------------------------------------------- split
    @writes
    def split_shot(self, code: str | int, frame: int) -> tuple[ShotInfo, ShotInfo]:
        """Split a shot at ``frame`` (0 = its first frame): the first part keeps the code and plays frames
        0…frame-1, a new shot after it plays frame…end of the same take (same board, trim moved on).
        Notes at or after the split move with their frames to the second part."""
        row = self._shot_row(code)
        duration = row["duration_frames"]
        if duration < 2:
            raise ValidationError("frame", f"{row['code']} is 1 frame long; there is nothing to split")
        try:
            frame = integer("frame", 1, duration - 1)(frame)
        except ValidationError:
            raise ValidationError(
                "frame",
                f"{frame!r} does not split {row['code']}; put the playhead inside the shot, "
                f"after its first frame (frame 1 to {duration - 1} of the shot)",
            ) from None
        new, ops, number = self._copy_after(
            row,
            duration_frames=duration - frame,
            trim_in=(row["trim_in"] or 0) + frame,
            transition=Transition.cut.value,
            transition_frames=0,
        )
        ops.insert(
            0, Op("update", "shot", row["id"], {"duration_frames": duration}, {"duration_frames": frame})
        )
        take_map = {row["selected_take_id"]: new["selected_take_id"]} if row["selected_take_id"] else {}
        for note in self._rows("note", T["note"].c.shot_id == row["id"]):
            if note["frame"] >= frame:
                after = {
                    "shot_id": new["id"],
                    "frame": note["frame"] - frame,
                    "take_id": take_map.get(note["take_id"]),
                    "resolved_by_take_id": take_map.get(note["resolved_by_take_id"]),
                }
                ops.append(Op("update", "note", note["id"], {k: note[k] for k in after}, after))
        self._commit(f"Split {row['code']} at frame {frame}", ops)
        first = dict(row, duration_frames=frame)  # the rows as just written: no read back
        return ShotInfo.from_row(RowView(first), scene_number=number), ShotInfo.from_row(
            RowView(new), scene_number=number
        )

    # ---------------------------------------------------------------- merge
    @writes
    def merge_shots(self, codes: list[str]) -> ShotInfo:
        """Merge adjacent shots of one scene into the first: its duration becomes their sum (it plays on
        from its own take), the others' action and dialogue are appended, their notes move onto it at
        their frames, and the others are removed."""
        rows = [self._shot_row(c) for c in dict.fromkeys(codes)]
        if len(rows) < 2:
            raise ValidationError("shots", "choose two or more neighbouring shots of one scene to merge")
        scenes = {r["scene_id"] for r in rows}
        if len(scenes) > 1:
            raise ValidationError(
                "shots",
                f"{rows[0]['code']} and {rows[1]['code']} are in different scenes; merge shots of one scene",
            )
        siblings = [r["id"] for r in self._scene_shot_rows(rows[0]["scene_id"])]
        rows.sort(key=lambda r: siblings.index(r["id"]))
        first_index = siblings.index(rows[0]["id"])
        for i, r in enumerate(rows):
            if siblings[first_index + i] != r["id"]:
                between = self._row("shot", siblings[first_index + i])["code"]
                raise ValidationError(
                    "shots", f"{between} lies between the shots to merge; select neighbouring shots"
                )
        first, rest = rows[0], rows[1:]
        codes = [r["code"] for r in rows]
        with self.batch(f"Merge {codes[0]}–{codes[-1]}"):
            offset = first["duration_frames"]
            ops: list[Op] = []
            for r in rest:
                for note in self._rows("note", T["note"].c.shot_id == r["id"]):
                    after = {
                        "shot_id": first["id"],
                        "frame": note["frame"] + offset,
                        "take_id": None,
                        "resolved_by_take_id": None,
                    }
                    ops.append(Op("update", "note", note["id"], {k: note[k] for k in after}, after))
                offset += r["duration_frames"]
            joined = {
                field: "\n".join(t for t in dict.fromkeys(r[field].strip() for r in rows) if t)
                for field in ("action", "dialogue")
            }
            new_values = dict(joined, duration_frames=offset)
            after = {k: v for k, v in new_values.items() if first[k] != v}
            if after:
                ops.append(Op("update", "shot", first["id"], {k: first[k] for k in after}, after))
            self._commit(f"Merge {codes[0]}", ops)
            for r in rest:
                self.remove_shot(r["id"])
        return self._info(first["id"])

    # ---------------------------------------------------------------- renumber
    @writes
    def renumber_scene(self, number: str, new_number: str | None = None) -> Changes:
        """Give a scene a new number (optional) and its shots the codes ``<scene>_0010``, ``_0020`` … in
        their order, as one edit. Refused when a code is taken by a shot of another scene."""
        scene = self._row("scene", self.scene(number).id)
        target = SCENE_FIELDS["number"](new_number) if new_number not in (None, "") else scene["number"]
        s = T["scene"]
        if target != scene["number"]:
            clash = self.conn.execute(select(s.c.id).where(s.c.number == target)).first()
            if clash:
                raise ValidationError("number", f"scene {target} already exists; choose another number")
        shots = self._scene_shot_rows(scene["id"])
        wanted = {r["id"]: shot_code_for(target, CODE_STEP * (i + 1)) for i, r in enumerate(shots)}
        sh = T["shot"]
        query = select(sh.c.code, sh.c.scene_id).where(sh.c.scene_id != scene["id"])
        elsewhere = {code: scene_id for code, scene_id in self.conn.execute(query)}
        self._end_read()
        for code in wanted.values():
            if code in elsewhere:
                other = self._row("scene", elsewhere[code])["number"]
                raise ValidationError(
                    "number",
                    f"renumbering would give {code}, which scene {other} already uses; renumber that first",
                )
        ops: list[Op] = []
        if target != scene["number"]:
            ops.append(Op("update", "scene", scene["id"], {"number": scene["number"]}, {"number": target}))
        moving = [r for r in shots if r["code"] != wanted[r["id"]]]
        # Two passes through codes no shot can have, so swapping two codes never meets the unique index.
        for r in moving:
            ops.append(Op("update", "shot", r["id"], {"code": r["code"]}, {"code": f"~renumber~{r['id']}"}))
        for r in moving:
            ops.append(
                Op("update", "shot", r["id"], {"code": f"~renumber~{r['id']}"}, {"code": wanted[r["id"]]})
            )
        name = f"Renumber scene {scene['number']}" + (f" as {target}" if target != scene["number"] else "")
        return self._commit(name, ops)
