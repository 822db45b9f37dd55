"""From a shot in a project to the ``GenerationRequest`` that makes its take, and stale takes.

Animatic requests carry the camera move, the board and the title-card text; diffusers requests carry the
composed prompt for the model's family, the conditioning images (board → i2v, first/last keyframes →
flf2v), a frame count valid for the family at its native fps that covers the shot, and the shot's length
in project frames (``extras["duration_frames"]``) that the clip is conformed to, and the speed preset
(run > shot > project, ``previz.generation.presets``) with the options it resolved to.
"""

from __future__ import annotations

from pathlib import Path

from previz.core.errors import GenerationError
from previz.core.session import ProjectSession
from previz.core.snapshots import ShotInfo
from previz.generation.families import FAMILIES, Family, frames_for_duration
from previz.generation.request import GenerationRequest

#: Take kinds made from a shot's fields, which go stale when those fields change.
MADE_KINDS = ("animatic", "generated")


def _project_fps(session: ProjectSession) -> str:
    return session.rate.ratio


def animatic_request(session: ProjectSession, shot: ShotInfo, seed: int) -> GenerationRequest:
    project = session.project()
    return GenerationRequest(
        backend="animatic",
        mode="i2v" if shot.board_hash else "t2v",
        width=project.width,
        height=project.height,
        frames=shot.duration_frames,
        fps=_project_fps(session),
        seed=seed,
        image=shot.board_hash,
        extras={
            "move": shot.move,
            "intensity": shot.move_intensity,
            "easing": shot.move_easing,
            "shot_code": shot.code,
            "shot_size": shot.size.upper(),
            "action": shot.action,
        },
    )


def generation_size(family: Family, width: int, height: int) -> tuple[int, int]:
    """The family's default width, and the height that keeps the project's aspect, both valid sizes."""
    w = family.nearest_size(family.default_width)
    return w, family.nearest_size(round(w * height / width))


def shot_preset(session: ProjectSession, shot: ShotInfo, preset: str | None = None) -> str:
    """The speed preset a run uses: the run's own, else the shot's, else the project's (else final)."""
    from previz.generation.presets import FINAL, check_preset

    return check_preset(preset or shot.preset or session.project().default_preset or FINAL)


def diffusers_request(
    session: ProjectSession,
    shot: ShotInfo,
    *,
    model: str,
    family: Family,
    seed: int,
    revision: str = "",
    preset: str = "final",
    speed: dict | None = None,
) -> GenerationRequest:
    """The request for ``shot``; ``preset`` with ``speed`` overrides (``presets.resolve``) is recorded in
    it."""
    from previz.generation.presets import apply
    from previz.ingest.shot_prompt import shot_prompt

    project = session.project()
    if shot.first_frame_hash and shot.last_frame_hash and "flf2v" in family.modes:
        mode, image, last = "flf2v", shot.first_frame_hash, shot.last_frame_hash
    elif (shot.board_hash or shot.first_frame_hash) and "i2v" in family.modes:
        mode, image, last = "i2v", shot.first_frame_hash or shot.board_hash, None
    else:
        mode, image, last = "t2v", None, None
    width, height = generation_size(family, project.width, project.height)
    composed = shot_prompt(session, shot, family.key)
    request = GenerationRequest(
        backend="diffusers",
        mode=mode,
        model=model,
        revision=revision,
        prompt=composed.prompt,
        negative_prompt=composed.negative_prompt,
        width=width,
        height=height,
        frames=frames_for_duration(family, shot.duration_frames / float(project.rate.fraction)),
        fps=_project_fps(session),
        seed=seed,
        steps=shot.steps,
        guidance=shot.guidance,
        image=image,
        last_image=last,
        extras={"duration_frames": shot.duration_frames, "family": family.key, "shot_code": shot.code},
    )
    return apply(request, family, preset, speed)


def request_for_shot(
    session: ProjectSession,
    shot: ShotInfo | str,
    *,
    backend: str | None = None,
    model: str | None = None,
    seed: int | None = None,
    model_folders=None,
    preset: str | None = None,
    speed: dict | None = None,
) -> GenerationRequest:
    """The request for a new take of ``shot``: its own backend/model/seed/preset unless given here, else
    the project's defaults (the animatic backend and the final preset when nothing is set). ``speed``
    overrides single options of the preset (``cache``, ``cache.<setting>``, ``compile``, ``attention``,
    ``quantize``)."""
    if not isinstance(shot, ShotInfo):
        shot = session.shot(shot)
    project = session.project()
    backend = backend or shot.backend or project.default_backend or "animatic"
    seed = shot.seed if seed is None else seed
    preset = shot_preset(session, shot, preset)
    if backend == "animatic":
        return animatic_request(session, shot, seed)
    if backend != "diffusers":
        raise GenerationError(f"backend: {backend!r} is not one of animatic, diffusers")
    from previz.generation.catalog import find_model
    from previz.generation.model_folders import list_model_folders

    name = model or shot.model or project.default_model
    folders = list_model_folders() if model_folders is None else model_folders
    info = find_model(name, folders)
    return diffusers_request(
        session,
        shot,
        model=str(info.path),
        family=info.family_info,
        seed=seed,
        revision=info.revision,
        preset=preset,
        speed=speed,
    )


def rebuilt_request(session: ProjectSession, shot: ShotInfo, made: GenerationRequest) -> GenerationRequest:
    """What the request that made a take would be from the shot as it is now (for the stale check)."""
    if made.backend == "animatic":
        return animatic_request(session, shot, made.seed)
    family = FAMILIES.get(str(made.extra("family", "")))
    if family is None:
        return made  # made by a family this build does not know: cannot tell, leave it
    rebuilt = diffusers_request(
        session, shot, model=made.model, family=family, seed=made.seed, revision=made.revision
    )
    # The speed preset is how the take was made, not what the shot says: keep the take's own. Options
    # derived from the shot (steps, size) change with it, through the fields they derive from.
    return rebuilt.with_changes(preset=made.preset, speed=dict(made.speed))


def refresh_stale(session: ProjectSession, shot_ids: set[int] | None = None) -> int:
    """Mark takes whose request no longer matches their shot stale (and matching ones fresh again).
    Not an undo step: staleness follows the shot, so undoing the shot's change makes the take fresh."""
    shots = {s.id: s for s in session.shots()}
    changed = 0
    for take in session.takes():
        if (
            take.kind not in MADE_KINDS
            or not take.request
            or (shot_ids is not None and take.shot_id not in shot_ids)
        ):
            continue
        shot = shots[take.shot_id]
        try:
            stale = (
                rebuilt_request(session, shot, GenerationRequest.from_dict(take.request)).cache_key()
                != take.request_key
            )
        except GenerationError:
            stale = True
        if stale != take.stale:
            session.set_take(shot.code, take.number, stale=stale, record=False)
            changed += 1
    return changed


def watch_stale(session: ProjectSession) -> None:
    """Keep stale flags in step with every edit, undo and redo of ``session``."""

    def on_change(changes) -> None:
        if changes.project or changes.characters or changes.scenes:
            refresh_stale(session)
        elif changes.shots and changes.shot_ids:
            refresh_stale(session, set(changes.shot_ids))

    session.subscribe(on_change)


def conditioning_images(session: ProjectSession, request: GenerationRequest) -> dict[str, Path]:
    return {name: session.media_path(digest) for name, digest in request.image_hashes().items()}
