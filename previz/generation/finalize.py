"""Draft → final: re-render shots at the ``final`` preset from their selected draft take.

A draft take is one made from a generation request at a speed preset other than ``final``. Its final is
made from that take's own stored request with only the preset changed — the same seed, prompt, model,
size and conditioning images; the prompt is not composed again from the shot, so edits to the shot since
the draft do not leak in. Each final is queued as a generation job linked to the draft
(``job.finalizes_take_id``); when the job finishes, its take records the draft it finalizes and, when that
draft is still the shot's selected take, replaces it in the cut, the shot's trims unchanged
(``ProjectSession.add_take``).

Which shots: those named, else every shot of the cut (``approved=True``: only approved shots). A shot whose
selected take is already final, or that has no take, is skipped with the reason; a named shot whose selected
take has no request (imported media, a board) is refused, as is any request that no longer validates
(e.g. its model is gone), before anything is queued.
"""

from __future__ import annotations

from dataclasses import dataclass

from previz.core.enums import JobState, ShotStatus
from previz.core.errors import GenerationError
from previz.core.session import ProjectSession
from previz.core.snapshots import JobInfo, ShotInfo, TakeInfo
from previz.generation.presets import FINAL, as_final
from previz.generation.request import GenerationRequest


@dataclass(frozen=True)
class FinalPlan:
    """One shot to finalize: its selected draft take and the request of its final."""

    shot: str
    draft: TakeInfo
    request: GenerationRequest


@dataclass(frozen=True)
class Skipped:
    shot: str
    reason: str


@dataclass(frozen=True)
class Finalizing:
    """What ``enqueue_final`` did for a shot: queued ``job``; found the same final queued or running
    (``already``); or found the final already made (``existing``, put in the cut when the draft was)."""

    shot: str
    draft: TakeInfo
    job: JobInfo | None = None
    existing: TakeInfo | None = None
    already: bool = False


def take_preset(take: TakeInfo) -> str | None:
    """The speed preset a take was made at; None for a take without a generation request (imported media,
    a board). A request from before presets existed ran plain diffusers: ``final``."""
    if not take.request:
        return None
    return str(take.request.get("preset") or FINAL)


def is_draft(take: TakeInfo) -> bool:
    preset = take_preset(take)
    return preset is not None and preset != FINAL


def no_request_reason(shot: str, take: TakeInfo) -> str:
    what = "imported media" if take.kind == "imported" else f"a {take.kind} take"
    return (
        f"{shot}: take {take.number} is {what} without a generation request (nothing records the seed, "
        "prompt and conditioning it was made with), so there is no draft to re-render at final; generate "
        "a draft of the shot first"
    )


def final_request(shot: str, take: TakeInfo) -> GenerationRequest:
    """The request of ``take``'s final: its own stored request with the preset set to ``final`` and the
    options the draft's preset resolved to dropped (``final`` resolves to none: plain diffusers)."""
    if not take.request:
        raise GenerationError(no_request_reason(shot, take))
    return as_final(GenerationRequest.from_dict(take.request))


def plan_final(
    session: ProjectSession,
    shots: list[str] | None = None,
    *,
    approved: bool = False,
    model_folders=None,
) -> tuple[list[FinalPlan], list[Skipped]]:
    """What ``--final`` would queue (see the module's notes). Raises before anything is queued for a named
    shot that is unknown or whose selected take has no request, and for a final request that fails to
    validate."""
    from previz.generation.execute import validate

    named = bool(shots)
    if named:
        chosen: list[ShotInfo] = [session.shot(code) for code in dict.fromkeys(shots)]
    else:
        chosen = [s for s in session.shots() if s.status != ShotStatus.omitted.value]
        if approved:
            chosen = [s for s in chosen if s.status == ShotStatus.approved.value]
    takes = {t.id: t for t in session.takes()}
    plans: list[FinalPlan] = []
    skipped: list[Skipped] = []
    for shot in chosen:
        take = takes.get(shot.selected_take_id) if shot.selected_take_id is not None else None
        if take is None:
            skipped.append(Skipped(shot.code, f"{shot.code}: no take in the cut to finalize"))
            continue
        preset = take_preset(take)
        if preset is None:
            if named:
                raise GenerationError(no_request_reason(shot.code, take))
            skipped.append(Skipped(shot.code, no_request_reason(shot.code, take)))
            continue
        if preset == FINAL:
            skipped.append(Skipped(shot.code, f"{shot.code}: take {take.number} in the cut is already final"))
            continue
        request = final_request(shot.code, take)
        try:
            validate(request, model_folders=model_folders)
        except GenerationError as exc:
            raise GenerationError(f"{shot.code}: the final of take {take.number}: {exc.one_line()}") from None
        plans.append(FinalPlan(shot.code, take, request))
    return plans, skipped


def enqueue_final(session: ProjectSession, plans: list[FinalPlan], *, priority: int = 0) -> list[Finalizing]:
    """Queue the finals of ``plans`` (one commit), each job linked to its draft. A final already made (the
    same request's take of the shot) is not made again: it goes into the cut in place of its draft."""
    from previz.generation.queue import JOB_KIND, recover

    recover(session)  # a job a dead process left running must not pass for one being made
    existing = {(t.shot_id, t.request_key): t for t in session.takes()}
    active = (JobState.queued.value, JobState.running.value)
    pending = {j.request.get("key"): j for j in session.jobs(active)}
    out: list[Finalizing] = []
    with session.batch():
        for plan in plans:
            key = plan.request.cache_key()
            made = existing.get((plan.draft.shot_id, key))
            if made is not None:
                if session.shot(plan.shot).selected_take_id == plan.draft.id:
                    session.select_take(plan.shot, made.number)
                out.append(Finalizing(plan.shot, plan.draft, existing=made))
                continue
            if key in pending:
                out.append(Finalizing(plan.shot, plan.draft, job=pending[key], already=True))
                continue
            job = session.add_job(
                JOB_KIND, {"key": key, "request": plan.request.to_dict()}, shot=plan.shot, priority=priority
            )
            session.update_job(job.id, finalizes_take_id=plan.draft.id)
            pending[key] = session.job(job.id)
            out.append(Finalizing(plan.shot, plan.draft, job=pending[key]))
    return out
