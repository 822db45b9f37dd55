"""One entry point for a generation: animatic in-process, diffusers through the worker.

``execute(request, images, out_path, progress, cancel)`` validates the request (before any model is
loaded), runs it, and returns a ``GenerationResult`` whose file exists only when the run succeeded.
"""

from __future__ import annotations

import atexit
import threading
import time
from pathlib import Path

from previz.core.errors import GenerationError
from previz.core.jobs import CancelToken, ProgressFn, no_progress
from previz.core.prefetch import prefetch
from previz.generation.backends import AnimaticBackend, DiffusersBackend
from previz.generation.encode import partial_path
from previz.generation.jobrun import animatic_provenance, encode_result
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


def validate(
    request: GenerationRequest, *, model_folders: list[Path] | None = None, include_hf_cache: bool = True
):
    """Check a request without running it; returns the ``ModelInfo`` for diffusers, else None."""
    if request.backend == "animatic":
        AnimaticBackend().validate(request)
        return None
    return DiffusersBackend(model_folders, include_hf_cache=include_hf_cache).validate(request)


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
    cancel = cancel or CancelToken()
    out_path = Path(out_path)
    missing = [name for name in request.image_hashes() if name not in images]
    if missing:
        raise GenerationError(f"{missing[0]}: the request needs this image but no file was given for it")
    if request.backend == "animatic":
        backend = AnimaticBackend()
        backend.validate(request)
        started = time.perf_counter()
        try:
            frames = prefetch(backend.frames(request, images, nv12=True))
            provenance = animatic_provenance(request, started)
            result = encode_result(request, frames, out_path, cancel, provenance, progress, layout="nv12")
        except BaseException:
            partial_path(out_path).unlink(missing_ok=True)
            raise
        result.provenance["wall_time_s"] = round(time.perf_counter() - started, 3)
        return result
    info = DiffusersBackend(model_folders, include_hf_cache=include_hf_cache).validate(request)
    client = worker if worker is not None else default_worker()
    return client.run(request, info, images, out_path, progress, cancel)
