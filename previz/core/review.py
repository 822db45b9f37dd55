"""Director review: reading notes from a possibly damaged project, resolving them, review statuses and
the default author.

``read_notes`` reads strokes tolerantly (``previz.core.strokes.load_strokes``): a malformed stroke is
skipped with a warning and the rest of the drawing and the note are still shown, even when the stored
JSON is unreadable.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Text, select, type_coerce

from previz.core.edits import TABLES as T
from previz.core.edits import Changes
from previz.core.enums import JobState, ShotStatus
from previz.core.errors import NotFoundError, ValidationError
from previz.core.snapshots import NoteInfo
from previz.core.strokes import load_strokes

#: The statuses a director sets in a review (the others are set by generation work).
REVIEW_STATUSES = (
    ShotStatus.approved.value,
    ShotStatus.needs_changes.value,
    ShotStatus.omitted.value,
    ShotStatus.ready.value,
)


def _note_query():
    n = T["note"]
    cols = [c for c in n.c if c.name != "strokes"] + [type_coerce(n.c.strokes, Text).label("strokes")]
    return select(*cols).order_by(n.c.shot_id, n.c.frame, n.c.id)


def _snapshots(rows, warnings: list[str]) -> list[NoteInfo]:
    out = []
    for r in rows:
        data = dict(r._mapping)
        data["strokes"], problems = load_strokes(data["strokes"], f"note {data['id']}")
        warnings.extend(problems)
        out.append(NoteInfo.from_row(data))
    return out


def read_notes(
    session,
    shot: str | int | None = None,
    *,
    open_only: bool = False,
    author: str | None = None,
) -> tuple[list[NoteInfo], list[str]]:
    """Notes (of one shot, only open ones, only one author's), in shot, frame, creation order, with the
    warnings about drawings that could not be read in full."""
    n = T["note"]
    q = _note_query()
    if shot is not None:
        q = q.where(n.c.shot_id == session.shot(shot).id)
    if open_only:
        q = q.where(n.c.resolved.is_(False))
    if author is not None:
        q = q.where(n.c.author == author)
    rows = session.read(q)
    warnings: list[str] = []
    return _snapshots(rows, warnings), warnings


def read_note(session, note_id: int) -> tuple[NoteInfo, list[str]]:
    rows = session.read(_note_query().where(T["note"].c.id == int(note_id)))
    if not rows:
        raise NotFoundError(f"note {note_id} not found; list notes with `previz notes`")
    warnings: list[str] = []
    return _snapshots(rows, warnings)[0], warnings


def answering_take(session, note: NoteInfo) -> int | None:
    """The take made by the newest finished job queued from this note (``request["note_id"]``)."""
    jobs = [
        j
        for j in session.jobs((JobState.done.value,))
        if j.request.get("note_id") == note.id and j.take_id is not None
    ]
    return jobs[-1].take_id if jobs else None


def resolve_note(session, note_id: int, take_number: int | None = None, *, resolved: bool = True) -> Changes:
    """Mark a note resolved (one undo step), recording the take that answered it: ``take_number`` of the
    note's shot when given, else the take of the newest finished revision job linked to the note.
    ``resolved=False`` opens it again and clears the answering take."""
    note, _ = read_note(session, note_id)
    if not resolved:
        return session.set_note(note.id, resolved=False, resolved_by_take_id=None)
    if take_number is not None:
        takes = {t.number: t for t in session.takes(note.shot_id)}
        number = int(take_number)
        if number not in takes:
            code = session.shot(note.shot_id).code
            raise NotFoundError(f"{code} has no take {number}; list takes with `previz take list`")
        take_id = takes[number].id
    else:
        take_id = answering_take(session, note)
    return session.set_note(note.id, resolved=True, resolved_by_take_id=take_id)


def set_review_status(session, shot: str | int, status: str) -> Changes:
    """Set a shot's review status (approved, needs_changes, omitted or ready) as one undo step."""
    value = ShotStatus.parse(status, "status").value
    if value not in REVIEW_STATUSES:
        raise ValidationError(
            "status", f"{value!r} is set by generation; use one of {', '.join(REVIEW_STATUSES)}"
        )
    return session.set_shot(shot, status=value)


@dataclass(frozen=True)
class NoteRow:
    """A note with what a list or a report shows beside it."""

    note: NoteInfo
    shot_code: str
    take_number: int | None
    resolved_by_take_number: int | None
    timecode: str  # record timecode in the cut ("" when the shot is not in the cut)


def note_rows(session, notes: list[NoteInfo]) -> list[NoteRow]:
    """Notes with shot code, take numbers and record timecode, in cut order (then shots not in the cut)."""
    shots = {s.id: s for s in session.shots()}
    order = {s.id: i for i, s in enumerate(shots.values())}
    takes = {t.id: t.number for t in session.takes()}
    cut = session.cut()
    record_in = {e.shot_id: e.record_in for e in cut.entries}
    out = []
    for note in sorted(notes, key=lambda n: (order.get(n.shot_id, 1 << 30), n.frame, n.id)):
        shot = shots.get(note.shot_id)
        tc = cut.timecode(record_in[note.shot_id] + note.frame) if note.shot_id in record_in else ""
        out.append(
            NoteRow(
                note=note,
                shot_code=shot.code if shot else str(note.shot_id),
                take_number=takes.get(note.take_id) if note.take_id is not None else None,
                resolved_by_take_number=(
                    takes.get(note.resolved_by_take_id) if note.resolved_by_take_id is not None else None
                ),
                timecode=tc,
            )
        )
    return out


__all__ = [
    "REVIEW_STATUSES",
    "NoteRow",
    "answering_take",
    "note_rows",
    "read_note",
    "read_notes",
    "resolve_note",
    "set_review_status",
]
