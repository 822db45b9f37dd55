"""Render farm, the real path on this machine (issue 14): the same animatic shots on 1 and on 2 CPU actors.

A local Ray cluster (``ray.init(num_cpus=2)``); for each actor count a fresh project of SHOTS shots is made,
the shots are queued, the farm's actors started, and the wall time from their start until every job is
done is measured (actor start-up printed apart); rounds alternate 1 and 2 actors and the medians are
compared: the speed-up T1 / T2 (2.0 is perfect scaling; the driver, the database and the encoder share the
machine's 2 cores with the actors).

    .venv/bin/python benchmarks/bench_farm.py [--shots 12] [--frames 48] [--size 640x360] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path


def make_project(where: Path, shots: int, frames: int, size: str) -> str:
    from previz.core.session import ProjectSession

    s = ProjectSession.create(where, fps="24", size=size)
    s.add_scene("EXT. SEA - NIGHT", number="1")
    for i in range(shots):
        s.add_shot("1", duration_frames=frames, move="push_in", action=f"wave {i}")
    location = s.location
    s.close()
    return location


def run(location: str, actors: int) -> tuple[float, float, dict[int, int | str]]:
    """(actor start-up, queue run, jobs per worker): the shots are queued first, so the actors start on a
    full queue and no idle back-off is measured."""
    from previz.core.session import ProjectSession
    from previz.generation import farm, queue

    with ProjectSession.open(location) as s:
        queue.enqueue(s, [x.code for x in s.shots()])
    t0 = time.perf_counter()
    f = farm.Farm.start(location, cpu_workers=actors)
    started = time.perf_counter()
    try:
        with ProjectSession.open(location, readonly=True) as s:  # each read sees the latest commits
            while not all(j.state == "done" for j in s.jobs()):
                time.sleep(0.05)
        elapsed = time.perf_counter() - started
    finally:
        f.stop()
    return started - t0, elapsed, f.done


def main() -> None:
    import ray

    parser = argparse.ArgumentParser()
    parser.add_argument("--shots", type=int, default=12)
    parser.add_argument("--frames", type=int, default=48)
    parser.add_argument("--size", default="640x360")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    times: dict[int, list[float]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory(prefix="previz-bench-farm-") as tmp:
        for round_ in range(args.rounds):
            for actors in (1, 2):
                where = Path(tmp) / f"film{actors}-{round_}"
                location = make_project(where, args.shots, args.frames, args.size)
                startup, elapsed, done = run(location, actors)
                times[actors].append(elapsed)
                per = ", ".join(f"worker {i}: {n}" for i, n in sorted(done.items()))
                print(
                    f"{actors} CPU actor(s): {args.shots} shots in {elapsed:.2f} s "
                    f"(actors started in {startup:.2f} s; jobs {per})"
                )
    ray.shutdown()
    t1, t2 = statistics.median(times[1]), statistics.median(times[2])
    print(f"median of {args.rounds}: 1 actor {t1:.2f} s, 2 actors {t2:.2f} s")
    print(f"speed-up T1 / T2 = {t1 / t2:.2f} (2.00 = perfect on 2 actors)")


if __name__ == "__main__":
    main()
