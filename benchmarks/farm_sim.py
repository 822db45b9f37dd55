"""A simulated GPU backend for ``bench_farm.py``, installed in each Ray actor by a setup hook.

``install()`` replaces the animatic's entry of the backend table (``execute.BACKENDS``) in the process it
runs in: each job sleeps ``PREVIZ_SIM_STEPS`` steps of ``PREVIZ_SIM_STEP_S`` seconds (the GPU's time: the
actor costs no CPU meanwhile), reporting each step, then encodes a 2-frame clip at the request's tiny size so
that the take is real. It also times the farm's per-job overhead in that process — the claim
(``queue.claim_next``), the progress and lease writes (``JobLoop.handle`` of a ``Progress`` that wrote), the
take write (``JobLoop.handle`` of ``Finished``) and the pick (``farm.pick_order``) — appending one JSON
line per measure to ``$PREVIZ_SIM_TIMINGS/<pid>.jsonl``.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path


def _record(kind: str, seconds: float) -> None:
    folder = os.environ.get("PREVIZ_SIM_TIMINGS")
    if folder:
        with open(Path(folder) / f"{os.getpid()}.jsonl", "a", encoding="utf-8") as out:
            out.write(json.dumps([kind, seconds]) + "\n")


def _timed(kind: str, fn, *, when=None):
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            if when is None or when(args):
                _record(kind, time.perf_counter() - started)

    return wrapper


def _run_simulated(request, info, images, out_path, progress, cancel):
    import numpy as np

    from previz.generation.jobrun import animatic_provenance, encode_result

    started = time.perf_counter()
    steps = int(os.environ.get("PREVIZ_SIM_STEPS", "10"))
    step_s = float(os.environ.get("PREVIZ_SIM_STEP_S", "0.05"))
    for n in range(1, steps + 1):
        cancel.raise_if_cancelled()
        time.sleep(step_s)  # the GPU's time
        progress(n, steps, f"step {n}/{steps}")
    shade = request.seed % 250
    frames = [np.full((request.height, request.width, 3), shade + k, np.uint8) for k in range(request.frames)]
    provenance = dict(animatic_provenance(request, started), backend="simulated-gpu")
    return encode_result(request, frames, out_path, cancel, provenance)


def install() -> None:
    """The setup hook: the simulated backend and the timers, in this process."""
    from dataclasses import replace

    from previz.generation import execute, executors, farm, queue

    execute.BACKENDS["animatic"] = replace(execute.BACKENDS["animatic"], run=_run_simulated)
    queue.claim_next = _timed("claim", queue.claim_next)
    farm.pick_order = _timed("pick", farm.pick_order)
    handle = executors.JobLoop.handle

    def timed_handle(self, event):
        before = self._last_write
        started = time.perf_counter()
        ended = handle(self, event)
        took = time.perf_counter() - started
        if isinstance(event, executors.Progress) and self._last_write != before:
            _record("progress+lease write", took)
        elif isinstance(event, executors.Finished):
            _record("take write", took)
        return ended

    executors.JobLoop.handle = timed_handle
