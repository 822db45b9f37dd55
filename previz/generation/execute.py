"""One entry point for a generation, and the backend table the job seam chooses from.

``BACKENDS`` says for each backend how a request is validated, how it runs here, which kind of take it
makes and whether it runs in the worker process (a model: a crash or an out-of-memory error there fails the
job only). Nothing else branches on a backend's name.

``execute(request, images, out_path, progress, cancel)`` validates the request (before any model is
loaded), runs it through its executor (``executors``), and returns a ``GenerationResult`` whose file
exists only when the run succeeded.
"""

from __future__ import annotations

import atexit
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from previz.core.errors import GenerationError
from previz.core.jobs import CancelToken, ProgressFn, no_progress
from previz.core.prefetch import prefetch
from previz.generation.backends import AnimaticBackend, DiffusersBackend
from previz.generation.encode import partial_path
from previz.generation.jobrun import animatic_provenance, encode_result, run_diffusers_job
from previz.generation.provenance import GenerationResult
from previz.generation.request import GenerationRequest

_default_worker = None
_default_lock = threading.Lock()


def default_worker():
    """The process-wide worker client (started on first diffusers job, stopped at exit)."""
    global _default_worker
    with _default_lock:
        if _default_worker is None:
            from previz.generation.worker import WorkerClient

            _default_worker = WorkerClient()
            atexit.register(_default_worker.stop)
        return _default_worker


# -- the backend table --------------------------------------------------------------------------------
def _validate_animatic(request, model_folders, include_hf_cache):
    AnimaticBackend().validate(request)
    return None


def _validate_diffusers(request, model_folders, include_hf_cache):
    return DiffusersBackend(model_folders, include_hf_cache=include_hf_cache).validate(request)


def _run_animatic(request, info, images, out_path, progress, cancel) -> GenerationResult:
    backend = AnimaticBackend()
    backend.validate(request)
    started = time.perf_counter()
    frames = prefetch(backend.frames(request, images, nv12=True))
    provenance = animatic_provenance(request, started)
    result = encode_result(request, frames, out_path, cancel, provenance, progress, layout="nv12")
    result.provenance["wall_time_s"] = round(time.perf_counter() - started, 3)
    return result


def _run_diffusers(request, info, images, out_path, progress, cancel) -> GenerationResult:
    from previz.generation.worker import pipeline_runner

    if info is None:
        info = _validate_diffusers(request, None, True)
    return run_diffusers_job(request, info, pipeline_runner(), images, out_path, progress, cancel)


@dataclass(frozen=True)
class BackendKind:
    name: str
    #: The take a run makes (``Take.kind``).
    take_kind: str
    #: True: runs in the worker process (a model); False: wherever the job loop is.
    in_worker: bool
    #: ``(request, model_folders, include_hf_cache) -> ModelInfo | None``; raises ``GenerationError``.
    validate: Callable[..., Any]
    #: ``(request, info, images, out_path, progress, cancel) -> GenerationResult`` in this process.
    run: Callable[..., GenerationResult]


BACKENDS: dict[str, BackendKind] = {
    "animatic": BackendKind("animatic", "animatic", False, _validate_animatic, _run_animatic),
    "diffusers": BackendKind("diffusers", "generated", True, _validate_diffusers, _run_diffusers),
}


def backend_kind(request: GenerationRequest) -> BackendKind:
    try:
        return BACKENDS[request.backend]
    except KeyError:
        raise GenerationError(
            f"backend: {request.backend!r} is not a backend; use one of {', '.join(sorted(BACKENDS))}"
        ) from None


def validate(
    request: GenerationRequest, *, model_folders: list[Path] | None = None, include_hf_cache: bool = True
):
    """Check a request without running it; returns the ``ModelInfo`` for a model, else None."""
    return backend_kind(request).validate(request, model_folders, include_hf_cache)


def run_here(
    request: GenerationRequest,
    images: dict[str, Path],
    out_path: Path,
    progress: ProgressFn,
    cancel: CancelToken,
    info=None,
) -> GenerationResult:
    """Run ``request`` in this process (an executor's thread, or the worker process); no file is left at
    ``out_path`` when it fails."""
    out_path = Path(out_path)
    missing = [name for name in request.image_hashes() if name not in images]
    if missing:
        raise GenerationError(f"{missing[0]}: the request needs this image but no file was given for it")
    try:
        return backend_kind(request).run(request, info, images, out_path, progress, cancel)
    except BaseException:
        partial_path(out_path).unlink(missing_ok=True)
        out_path.unlink(missing_ok=True)
        raise


def run_task(args: dict, progress: ProgressFn, cancel: CancelToken):
    """In the worker process: one generation (``WorkerProcessExecutor``), described where it was made."""
    from previz.generation.executors import describe_clip

    request = GenerationRequest.from_json(args["request"])
    images = {k: Path(v) for k, v in args["images"].items()}
    result = run_here(request, images, Path(args["out"]), progress, cancel, info=args.get("info"))
    return describe_clip(result)


def execute(
    request: GenerationRequest,
    images: dict[str, Path],
    out_path: str | Path,
    progress: ProgressFn = no_progress,
    cancel: CancelToken | None = None,
    *,
    worker=None,
    model_folders: list[Path] | None = None,
    include_hf_cache: bool = True,
) -> GenerationResult:
    """Generate ``request`` into the video file ``out_path`` (H.264 MP4 at the request's size and fps).

    ``images`` maps ``"image"``/``"last_image"`` to the conditioning files (the media-store paths of
    the request's hashes). ``worker`` is a ``WorkerClient``; by default one shared worker is used.
    ``model_folders`` defaults to the user's configured folders. Raises ``GenerationError`` or
    ``CancelledError``; on any failure no file is left at ``out_path``.
    """
    from previz.generation.executors import Executors, JobSpec, outcome

    cancel = cancel or CancelToken()
    missing = [name for name in request.image_hashes() if name not in images]
    if missing:
        raise GenerationError(f"{missing[0]}: the request needs this image but no file was given for it")
    executor = Executors(worker=worker, model_folders=model_folders, include_hf_cache=include_hf_cache)
    spec = JobSpec(request, dict(images), Path(out_path))
    return outcome(executor.for_request(request).submit(spec, cancel), progress)
