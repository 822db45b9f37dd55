"""Run one request to an encoded file and describe it: shared by the in-process path and the worker."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from previz.core.jobs import CancelToken, ProgressFn
from previz.generation.encode import encode_frames
from previz.generation.provenance import GenerationResult, library_versions, weight_hashes
from previz.generation.request import GenerationRequest


def encode_result(
    request: GenerationRequest,
    frames: Iterable[np.ndarray],
    out_path: Path,
    cancel: CancelToken,
    provenance: dict[str, Any],
    progress: ProgressFn | None = None,
    layout: str = "rgb",
) -> GenerationResult:
    """Encode ``frames``; with ``progress`` each encoded frame is reported as ``frame n/total``."""

    def on_frame(n: int) -> None:
        cancel.raise_if_cancelled()
        if progress is not None:
            progress(n, request.frames, f"frame {n}/{request.frames}")

    count = encode_frames(
        frames,
        out_path,
        width=request.width,
        height=request.height,
        fps=request.fps_fraction,
        on_frame=on_frame,
        layout=layout,
    )
    return GenerationResult(out_path, count, request.width, request.height, request.fps_fraction, provenance)


def animatic_provenance(request: GenerationRequest, started: float) -> dict[str, Any]:
    return {
        "backend": "animatic",
        "model": "",
        "revision": "",
        "weights": {},
        "licence": "",
        "commercial_use": True,
        "libraries": library_versions(("av", "opencv-python-headless", "numpy")),
        "seed": request.seed,
        "device": "cpu",
        "wall_time_s": round(time.perf_counter() - started, 3),
        "cache_key": request.cache_key(),
        "pid": os.getpid(),
    }


def diffusers_provenance(
    request: GenerationRequest, info, runner, started: float, reused: bool
) -> dict[str, Any]:
    family = info.family_info
    return {
        "backend": "diffusers",
        "model": info.id,
        "model_path": str(info.path),
        "revision": request.revision or info.revision,
        "family": family.key,
        "pipeline": family.pipelines[request.mode],
        "weights": weight_hashes(info.weight_files, Path(info.path)),
        "licence": info.licence,
        "commercial_use": info.commercial_use,
        "libraries": library_versions(),
        "seed": request.seed,
        "steps": request.speed_option("steps", request.steps or family.default_steps),
        "guidance": request.guidance if request.guidance is not None else family.default_guidance,
        "device": runner.device,
        "precision": runner.dtype,
        "native_fps": family.native_fps,
        "pipeline_reused": reused,
        "preset": request.preset,
        "speed": runner.last_speed or {},
        "wall_time_s": round(time.perf_counter() - started, 3),
        "cache_key": request.cache_key(),
        "pid": os.getpid(),
    }


def run_diffusers_job(
    request: GenerationRequest,
    info,
    runner,
    images: dict[str, Path],
    out_path: Path,
    progress: ProgressFn,
    cancel: CancelToken,
) -> GenerationResult:
    """Generate with ``runner`` (a ``PipelineRunner``) and encode; the file exists only on success."""
    started = time.perf_counter()
    loads_before = runner.loads
    frames = runner.run(request, info, images, progress, cancel)
    cancel.raise_if_cancelled()
    provenance = diffusers_provenance(request, info, runner, started, reused=runner.loads == loads_before)
    result = encode_result(request, frames, out_path, cancel, provenance)
    provenance["wall_time_s"] = round(time.perf_counter() - started, 3)
    return result
