"""``previz demo DIR``: build the sample project from the bundled screenplay, shot list and boards, through
the same import, generation and export code a user's project goes through."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from previz.core.errors import ProjectError
from previz.core.session import ProjectSession

SAMPLE = Path(__file__).resolve().parent.parent / "resources" / "sample"
PROJECT_NAME = "The Last Keeper"
PROJECT_DIR = "the-last-keeper"
STYLE = (
    "moody maritime thriller, storm at night, cold blue moonlight against warm lamp light, 35mm film grain"
)
CHARACTERS = {
    "MARA": "a weathered lighthouse keeper in her sixties, yellow oilskin coat, long grey braid",
    "JONAH": "a young fisherman in a red knit cap and orange waders",
}


def sample_path(name: str) -> Path:
    path = SAMPLE / name
    if not path.exists():
        raise ProjectError(f"{path}: the sample content is missing from this installation")
    return path


def build_sample(path: Path, echo: Callable[[str], None] = lambda line: None) -> ProjectSession:
    """The sample project at ``path`` (scenes, shots, boards, characters) through the import path a
    user's screenplay, shot list and boards take; returns the open session. No takes yet."""
    from previz.ingest.apply import import_path

    session = ProjectSession.create(path, name=PROJECT_NAME, fps="24", size="1280x720")
    try:
        session.set_project(style_prompt=STYLE)
        steps = [
            (sample_path("sample.fountain"), {"breakdown": False}),
            (sample_path("shotlist.csv"), {}),
            (sample_path("boards"), {}),
        ]
        for source, options in steps:
            for line in import_path(session, source, **options).lines():
                echo(line)
        for name, description in CHARACTERS.items():
            session.set_character(name, description=description)
    except BaseException:
        session.close()
        raise
    return session


def generate_all(session: ProjectSession, echo: Callable[[str], None]) -> None:
    """An animatic take of every shot, through the project's job queue."""
    import time

    from previz.generation.queue import enqueue, run_queue

    started = time.perf_counter()
    enqueue(session, [shot.code for shot in session.shots()], backend="animatic")
    jobs = run_queue(session)
    failed = [job for job in jobs if job.state != "done"]
    if failed:
        raise ProjectError(f"demo: {len(failed)} animatic jobs failed, the first with: {failed[0].error}")
    frames = sum(shot.duration_frames for shot in session.shots())
    echo(f"generated {len(jobs)} animatic takes ({frames} frames) in {time.perf_counter() - started:.1f} s")


def export_all(session: ProjectSession, folder: Path, echo: Callable[[str], None]) -> None:
    """The reel with burn-ins, the OTIO timeline, the EDL and the boards PDF, beside the project."""
    from previz.export.api import export_review_package

    for result in export_review_package(session, folder):
        echo(f"wrote {result.path} ({result.format}{_duration(result)})")


def _duration(result) -> str:
    return f", {result.duration}" if getattr(result, "duration", None) else ""


def build_demo(folder: Path, echo: Callable[[str], None] = print) -> Path:
    """Create ``folder/the-last-keeper.previz`` (replacing an earlier demo there) with an animatic take
    of every shot, and write the reel, OTIO, EDL and boards PDF beside it; returns the project's path."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{PROJECT_DIR}.previz"
    if target.exists():
        import shutil

        shutil.rmtree(target)
    with build_sample(folder / PROJECT_DIR, echo) as session:
        generate_all(session, echo)
        export_all(session, folder, echo)
        echo(f"project: {session.root}")
    return target
