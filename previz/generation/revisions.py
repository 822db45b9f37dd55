"""From a director's note to a new take: an optional prompt revision of the note's shot and a queued
generation job linked to the note (``job.request["note_id"]``).

When the job is done, ``previz.core.review.resolve_note`` without a take records the job's take as the
one that answered the note (``note.resolved_by_take_id``).
"""

from __future__ import annotations

from previz.core.enums import JobState
from previz.core.errors import GenerationError
from previz.core.review import read_note
from previz.core.session import ProjectSession
from previz.core.snapshots import JobInfo
from previz.generation.queue import enqueue
from previz.generation.shot_request import request_for_shot

#: How many seeds past the shot's own are tried for a request no take or job has made yet.
MAX_SEED_TRIES = 1000


def suggested_prompt(session: ProjectSession, note_id: int) -> str:
    """A starting point for the revision: the shot's prompt override (else its action) followed by the
    note's text, for the user to edit."""
    note, _ = read_note(session, note_id)
    shot = session.shot(note.shot_id)
    base = (shot.prompt or shot.action).strip()
    return f"{base}\n{note.text}".strip() if base else note.text


def _fresh_seed(session: ProjectSession, code: str, backend, model, model_folders) -> int:
    """The first seed from the shot's own whose request no take of the shot and no pending job has
    already made, so a revision always makes a new take (the animatic ignores the prompt)."""
    shot = session.shot(code)
    made = {t.request_key for t in session.takes(shot.id)}
    made |= {
        j.request.get("key")
        for j in session.jobs((JobState.queued.value, JobState.running.value))
        if j.shot_id == shot.id
    }
    for seed in range(shot.seed, shot.seed + MAX_SEED_TRIES):
        request = request_for_shot(
            session, shot, backend=backend, model=model, seed=seed, model_folders=model_folders
        )
        if request.cache_key() not in made:
            return seed
    raise GenerationError(f"{code}: no new seed found for a revision after {MAX_SEED_TRIES} tries")


def revise_from_note(
    session: ProjectSession,
    note_id: int,
    prompt: str | None = None,
    *,
    backend: str | None = None,
    model: str | None = None,
    priority: int = 0,
    model_folders=None,
) -> JobInfo:
    """Queue a new take of the note's shot, linked to the note. With ``prompt``, the shot's prompt
    override becomes ``prompt`` first; that change is one undo step ("Revise … from note N") and the
    job (work, not an edit) stays when it is undone. Nothing changes when the request is invalid."""
    note, _ = read_note(session, note_id)
    shot = session.shot(note.shot_id)
    with session.batch(f"Revise {shot.code} from note {note.id}"):
        if prompt is not None and prompt != shot.prompt:
            session.set_shot(shot.code, prompt=prompt)
        seed = _fresh_seed(session, shot.code, backend, model, model_folders)
        queued = enqueue(
            session,
            [shot.code],
            backend=backend,
            model=model,
            seed=seed,
            priority=priority,
            model_folders=model_folders,
        )
        job = queued[0].job if queued else None
        if job is None:  # pragma: no cover - a fresh seed always makes a new request
            raise GenerationError(f"{shot.code}: the revision's request is already queued or made")
        session.update_job(job.id, request={**job.request, "note_id": note.id})
    return session.job(job.id)


def note_jobs(session: ProjectSession, note_id: int) -> list[JobInfo]:
    """The generation jobs queued from a note, oldest first."""
    return [j for j in session.jobs() if j.request.get("note_id") == int(note_id)]
