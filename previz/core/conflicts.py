"""Messages for edits, undos and redos refused because someone changed the same rows since: who changed
what, and when, in the words of the app ("bob changed the lens of 001_0010 2 minutes ago")."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from previz.core.display_names import field_name
from previz.core.edits import TABLES, Changes, Conflict
from previz.core.snapshots import HistoryInfo

if TYPE_CHECKING:
    from previz.core.session import ProjectSession

T = TABLES
#: How many feed rows back to look for who changed a row.
LOOK_BACK = 2000


def ago(created_at: str, now: datetime | None = None) -> str:
    """``just now``, ``3 minutes ago``, ``2 hours ago``, or the date, for an ISO UTC timestamp. A time in
    the future (a client whose clock runs ahead) reads as ``just now``."""
    try:
        then = datetime.fromisoformat(created_at)
    except (TypeError, ValueError):
        return created_at or "at an unknown time"
    if then.tzinfo is None:
        then = then.replace(tzinfo=timezone.utc)
    seconds = ((now or datetime.now(timezone.utc)) - then).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        n = int(seconds // 60)
        return f"{n} minute{'s' if n != 1 else ''} ago"
    if seconds < 86400:
        n = int(seconds // 3600)
        return f"{n} hour{'s' if n != 1 else ''} ago"
    return f"on {then.date().isoformat()}"


def _touches(ops_json: str, table: str, key: Any) -> bool:
    try:
        return any(op[1] == table and op[2] == key for op in json.loads(ops_json or "[]"))
    except (ValueError, TypeError, IndexError):
        return False


def who_changed(session: ProjectSession, table: str, key: Any, after_id: int) -> HistoryInfo | None:
    """The newest feed row after ``after_id`` that changed row ``key`` of ``table``: an edit (or an undo or
    redo of one) whose operations name the row, or a result that names the shot."""
    h = T["history"]
    rows = session.conn.execute(
        select(h).where(h.c.id > after_id).order_by(h.c.id.desc()).limit(LOOK_BACK)
    ).all()
    ops_of = {r.id: r.ops for r in rows}
    found = None
    for r in rows:
        ops = ops_of.get(r.ref_id, "") if r.kind in ("undo", "redo") else r.ops
        if ops and _touches(ops, table, key):
            found = r
            break
        if r.kind == "result" and table == "shot" and key in Changes.from_json(r.changes).shot_ids:
            found = r
            break
    if found is None:
        return None
    return HistoryInfo.from_row(found, changes=Changes.from_json(found.changes))


def row_label(session: ProjectSession, table: str, key: Any) -> str:
    """How a user names a row: a shot by its code, a scene by its number."""
    if table == "shot":
        code = session.conn.execute(select(T["shot"].c.code).where(T["shot"].c.id == key)).scalar()
        return f"shot {code}" if code else f"a shot (id {key})"
    if table == "scene":
        number = session.conn.execute(select(T["scene"].c.number).where(T["scene"].c.id == key)).scalar()
        return f"scene {number}" if number else f"a scene (id {key})"
    if table == "project":
        return "the project settings"
    return f"{table.replace('_', ' ')} {key}"


def _who(info: HistoryInfo | None, session: ProjectSession) -> tuple[str, str]:
    """Who made a feed row and when, as words: ("bob", "2 minutes ago")."""
    if info is None:
        return "someone", "since"
    who = "you (in another window or command)" if info.author == session.author else info.author
    return who, ago(info.created_at, session.now())


def describe(session: ProjectSession, row, undo: bool, conflict: Conflict) -> str:
    """The one-line message for an undo or redo of history row ``row`` refused by ``conflict``."""
    verb = "undo" if undo else "redo"
    head = f"cannot {verb} “{row.name}”"
    label = row_label(session, conflict.table, conflict.key)
    if conflict.reason == "dependents":
        child = conflict.field or "row"
        made = []
        if child == "take":
            t = T["take"]
            for number, author in session.conn.execute(
                select(t.c.number, t.c.author).where(t.c.id.in_(conflict.ids)).order_by(t.c.number)
            ):
                made.append(f"take {number}" + (f" by {author}" if author else ""))
        what = ", ".join(made) or f"{len(conflict.ids)} {child}{'s' if len(conflict.ids) != 1 else ''}"
        them = "it" if len(conflict.ids) == 1 else "them"
        effect = conflict.effect or "delete"
        return (
            f"{head}: {label} has {what} made since, and {verb}ing would {effect} {them}; nothing was "
            f"changed (delete the {conflict.table.replace('_', ' ')} itself if you mean to)"
        )
    who, when = _who(who_changed(session, conflict.table, conflict.key, row.id), session)
    if conflict.reason == "changed":
        name = field_name(conflict.field or "")
        return f"{head}: {who} changed the {name} of {label} {when}; nothing was changed"
    if conflict.reason == "missing":
        return f"{head}: {who} deleted {label} {when}; nothing was changed"
    return f"{head}: {label} exists again ({who}, {when}); nothing was changed"


def describe_stale(session: ProjectSession, table: str, key: Any, field: str, now: Any) -> str:
    """The message for an edit refused because ``field`` of the row changed after the user saw it."""
    label = row_label(session, table, key)
    who, when = _who(who_changed(session, table, key, 0), session)
    shown = "nothing" if now in (None, "") else repr(now) if isinstance(now, str) else str(now)
    return (
        f"{who} changed the {field_name(field)} of {label} {when} (it is now {shown}); your change was not "
        "made: look at it, then make it again"
    )
