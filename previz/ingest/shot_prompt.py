"""The composed prompt of a shot in a project: the project's style, the scene's setting, the shot's
fields and the descriptions of the characters in it, through the prompt composer."""

from __future__ import annotations

from previz.core.session import ProjectSession
from previz.core.snapshots import CharacterInfo, ProjectInfo, SceneInfo, ShotInfo
from previz.ingest.prompts import ComposedPrompt, PromptContext, compose_prompt


def prompt_context(
    session: ProjectSession,
    shot: ShotInfo | str,
    *,
    project: ProjectInfo | None = None,
    scene: SceneInfo | None = None,
    characters: list[CharacterInfo] | None = None,
) -> PromptContext:
    """What the composer is given for ``shot``. ``project``, ``scene`` (the shot's) and ``characters``:
    reads a caller already holds (the app keeps them between edits that do not change them); each one
    not given is read from ``session``."""
    if not isinstance(shot, ShotInfo):
        shot = session.shot(shot)
    project = project if project is not None else session.project()
    scene = scene if scene is not None else session.scene(shot.scene_number)
    if characters is None:
        characters = session.characters()
    described = {c.name.upper(): c.description for c in characters}
    return PromptContext(
        style=project.style_prompt,
        shot_size=shot.size,
        move=shot.move,
        lens_mm=shot.lens_mm,
        heading=scene.heading,
        int_ext=scene.int_ext or None,
        location=scene.location,
        time_of_day=scene.time_of_day or None,
        action=shot.action,
        dialogue=shot.dialogue,
        characters=tuple((name, described.get(name.upper(), "")) for name in shot.characters),
        prompt_override=shot.prompt or None,
        negative_override=shot.negative_prompt or None,
        default_negative=project.negative_prompt or None,
    )


def shot_prompt(
    session: ProjectSession, shot: ShotInfo | str, family: str | None = None, **reads
) -> ComposedPrompt:
    """The prompt and negative prompt a model of ``family`` (ltx, wan, cogvideox, svd, …) gets for a shot;
    ``reads``: ``project``, ``scene``, ``characters`` already read (:func:`prompt_context`)."""
    return compose_prompt(prompt_context(session, shot, **reads), family)
