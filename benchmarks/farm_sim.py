"""A simulated GPU backend for ``bench_farm.py``, installed in each Ray actor by a setup hook.

``install()`` replaces the animatic's entry of the backend table (``execute.BACKENDS``) in the process it
runs in: each job sleeps ``PREVIZ_SIM_STEPS`` steps of ``PREVIZ_SIM_STEP_S`` seconds (the GPU's time: the
actor costs no CPU meanwhile), reporting each step, then encodes a 2-frame clip at the request's tiny size so
that the take is real. It also times the farm's per-job overhead in that process — the claim
(``queue.claim_next``), the progress and lease writes (``JobLoop.handle`` of a ``Progress`` that wrote), the
take write (``JobLoop.handle`` of ``Finished``), the pick (``farm.pick_order``), the sleep overshoot (how
much longer the steps took than the GPU's time: the job thread's wake-ups on a busy CPU) and the GPU's idle
time between two jobs of the actor (from the last step's end to the next job's first step: the per-job
overhead on the GPU's critical path, what efficiency loses per job) — appending one JSON
line per measure to ``$PREVIZ_SIM_TIMINGS/<pid>.jsonl``.

``PREVIZ_SIM_NO_PIPELINE`` / ``PREVIZ_SIM_NO_WARM`` turn the worker's pipelined tail / its warm-up at start
off (``bench_farm.py --no-pipeline / --no-warm``: each lever measured on its own).

With ``PREVIZ_SIM_PROFILE`` set (``bench_farm.py --profile``), each actor also profiles (cProfile, thread CPU
time) its worker loop's thread and its job thread, and writes, when its loop ends, ``<pid>-loop.prof``,
``<pid>-job.prof`` and ``<pid>-cpu.json`` (the process's CPU seconds, its threads' and Ray's own together)
to that folder.
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


#: When this process's simulated GPU last finished a job's steps (``GPU idle between jobs``).
_GPU_FREE_SINCE: list[float] = []


def _run_simulated(request, info, images, out_path, progress, cancel):
    import numpy as np

    from previz.generation.jobrun import animatic_provenance, encode_result

    started = time.perf_counter()
    if _GPU_FREE_SINCE:  # the actor's per-job overhead on the GPU's critical path: how long its GPU sat idle
        _record("GPU idle between jobs", started - _GPU_FREE_SINCE.pop())
    steps = int(os.environ.get("PREVIZ_SIM_STEPS", "10"))
    step_s = float(os.environ.get("PREVIZ_SIM_STEP_S", "0.05"))
    for n in range(1, steps + 1):
        cancel.raise_if_cancelled()
        time.sleep(step_s)  # the GPU's time
        if n == steps:
            _GPU_FREE_SINCE[:] = [time.perf_counter()]
        progress(n, steps, f"step {n}/{steps}")
    # how much later than the GPU's time the steps ended: the thread's wake-ups on a busy CPU
    _record("sleep overshoot", time.perf_counter() - started - steps * step_s)
    shade = request.seed % 250
    frames = [np.full((request.height, request.width, 3), shade + k, np.uint8) for k in range(request.frames)]
    provenance = dict(animatic_provenance(request, started), backend="simulated-gpu")
    return encode_result(request, frames, out_path, cancel, provenance)


def _profiled(fn, profile):
    """``fn`` run under ``profile`` (cProfile, one thread at a time)."""

    def wrapper(*args, **kwargs):
        profile.enable()
        try:
            return fn(*args, **kwargs)
        finally:
            profile.disable()

    return wrapper


def _install_profiles(folder: str) -> None:
    import cProfile
    import resource
    import time as clock

    from previz.generation import executors, farm

    loop, job = cProfile.Profile(clock.thread_time), cProfile.Profile(clock.thread_time)  # CPU, not waits
    run = farm.FarmWorker.run
    executors.describe_clip = _profiled(executors.describe_clip, job)

    def profiled_run(self):
        started = resource.getrusage(resource.RUSAGE_SELF)
        try:
            return _profiled(run, loop)(self)
        finally:
            ended = resource.getrusage(resource.RUSAGE_SELF)
            loop.dump_stats(Path(folder) / f"{os.getpid()}-loop.prof")
            job.dump_stats(Path(folder) / f"{os.getpid()}-job.prof")
            cpu = (ended.ru_utime - started.ru_utime) + (ended.ru_stime - started.ru_stime)
            done = self.state.jobs_done
            Path(folder, f"{os.getpid()}-cpu.json").write_text(json.dumps({"cpu_s": cpu, "jobs": done}))

    farm.FarmWorker.run = profiled_run
    global _run_simulated
    _run_simulated = _profiled(_run_simulated, job)


def install() -> None:
    """The setup hook: the simulated backend and the timers, in this process."""
    from dataclasses import replace

    from previz.generation import execute, executors, farm, queue

    if os.environ.get("PREVIZ_SIM_PROFILE"):
        _install_profiles(os.environ["PREVIZ_SIM_PROFILE"])
    if os.environ.get("PREVIZ_SIM_NO_PIPELINE") and hasattr(farm, "PIPELINE"):  # bench_farm --no-pipeline
        farm.PIPELINE = False
    if os.environ.get("PREVIZ_SIM_CLAIM_AHEAD_S") and hasattr(farm, "CLAIM_AHEAD_S"):  # --claim-ahead-s
        farm.CLAIM_AHEAD_S = float(os.environ["PREVIZ_SIM_CLAIM_AHEAD_S"])
    if os.environ.get("PREVIZ_SIM_NO_WARM"):  # bench_farm --no-warm
        from previz.generation import farm_worker

        farm_worker.FarmWorker._warm = lambda self: None
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
