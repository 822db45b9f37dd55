"""Takes: the results of work (generation, import), their choice and flags.

Mixed into ``ProjectSession``; each public method is one edit (``writes``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from previz.core.edit_builders.base import (
    EditBase,
    update_op,
    utcnow,
    writes,
)
from previz.core.edits import TABLES, Changes, Op
from previz.core.enums import TakeKind
from previz.core.errors import NotFoundError, ValidationError
from previz.core.snapshots import (
    TakeInfo,
)

T = TABLES


class TakeEdits(EditBase):
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
        finalizes_take_id: int | None = None,
    ) -> TakeInfo:
        """A new take of a shot (numbered after the last). Not an undo step unless ``record``: a take is the
        result of work (generation, import), and undoing an unrelated edit must not throw it away.

        ``finalizes_take_id``: the draft take of the same shot this take re-renders at the final preset;
        when that draft is the shot's selected take, this take replaces it in the cut (in the same commit;
        the shot's trims stay as they are). A draft no longer there (deleted since) links nothing."""
        row = self._shot_row(shot)
        draft = self._finalized_draft(row, finalizes_take_id)
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
            "finalizes_take_id": draft["id"] if draft else None,
        }
        ops = [Op("insert", "take", take["id"], None, take)]
        replaces = draft is not None and row["selected_take_id"] == draft["id"]
        if replaces or (select_if_none and row["selected_take_id"] is None):
            before = {"selected_take_id": row["selected_take_id"]}
            ops.append(Op("update", "shot", row["id"], before, {"selected_take_id": take["id"]}))
        label = f"Add take {number} of {row['code']}"
        if draft is not None:
            label += f" (final of take {draft['number']})"
        self._commit(label, ops, record=record)
        return self.take(take["id"])

    def _finalized_draft(self, shot_row: dict[str, Any], take_id: int | None) -> dict[str, Any] | None:
        if take_id is None:
            return None
        t = T["take"]
        found = self.conn.execute(select(t).where(t.c.id == int(take_id))).first()
        if found is None:
            return None  # the draft was deleted while its final was made: the final stands on its own
        draft = dict(found._mapping)
        if draft["shot_id"] != shot_row["id"]:
            raise ValidationError(
                "finalizes_take_id",
                f"take {take_id} is a take of another shot, not of {shot_row['code']}",
            )
        return draft

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
        op = update_op("shot", row["id"], row, {"selected_take_id": take_id})
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
        op = update_op("take", take["id"], take, {k: bool(v) for k, v in fields.items()})
        return self._commit(f"Change take {number} of {row['code']}", [op] if op else [], record=record)
