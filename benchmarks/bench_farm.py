"""Render farm benchmarks (issue 14), side by side in one run.

1. **Dispatch and scaling** (``--part sim``): a simulated GPU backend (``farm_sim.py``: each job sleeps
   STEPS steps of STEP_S seconds — the GPU's time, no CPU — then writes a real 2-frame take) runs JOBS jobs
   on 1, 2, 4, 8 and 16 Ray actors (a local cluster with as many logical CPUs). For each N: the wall time
   TN from the actors' start until every job is done, the efficiency T1 / (N · TN) (1.00 is perfect; the
   target is ≥ 0.9 at 16), the ideal time (JOBS · STEPS · STEP_S / N) and the per-job overhead measured in
   the actors: claim, progress+lease write, take write, and the pick (the worker's read of the queue), p50
   and p95 in ms.
2. **The real path** (``--part real``): the same animatic shots on 1 and on 2 CPU actors (rounds alternate;
   medians), printing the speed-up T1 / T2.

    .venv/bin/python benchmarks/bench_farm.py [--part sim|real|both] [--pg] [--profile] [--jobs 200]
        [--steps 10] [--step-s 0.05] [--actors 1,2,4,8,16] [--shots 12] [--frames 48] [--size 640x360]
        [--rounds 3] [--no-pipeline] [--no-warm] [--claim-ahead-s S] [--t1 SECONDS]

``--profile``: the actors of the simulated part also profile their worker loop and job threads (cProfile;
slower) and the benchmark prints, per N, where their CPU went per job (top functions, own time) and each
actor's CPU seconds per job.

``--no-pipeline`` / ``--no-warm``: the workers without their pipelined tail (a job's encode and take commit
beside the next job's GPU phase) / without their warm-up at start, to measure each lever alone.

``--t1 SECONDS``: efficiencies against that T1 (an earlier N = 1 run) instead of the first N's time, so that
``--actors 16`` alone prints T1 / (16 · T16).

``--pg``: the simulated part in a PostgreSQL database of a throwaway server (``tests/pg_server.py``)
instead of a SQLite bundle: there the claims lock rows (``FOR UPDATE SKIP LOCKED``) without the project's
write lock.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: The measures that are write transactions of the project (one writer at a time on SQLite).
WRITES = ("claim", "progress+lease write", "take write")


def make_project(where: Path | str, shots: int, frames: int, size: str, media: Path | None = None) -> str:
    """A project of ``shots`` shots: a bundle at ``where``, or a PostgreSQL database (``where`` its URL)
    with its media at ``media``."""
    from previz.core.session import ProjectSession

    s = ProjectSession.create(where, fps="24", size=size, media=media)
    s.add_scene("EXT. SEA - NIGHT", number="1")
    with s.batch():
        for i in range(shots):
            s.add_shot("1", duration_frames=frames, move="push_in", action=f"wave {i}")
    location = s.location
    s.close()
    return location


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of processes ``pids`` so far (Linux /proc; 0 elsewhere)."""
    total = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 0.0


def box_busy() -> float:
    """CPU seconds the whole machine has spent busy (not idle or waiting on I/O) so far (Linux)."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def descendants(root: int) -> list[int]:
    """The processes below ``root`` (Linux /proc): Ray's raylet, GCS, agents and workers under this driver."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        ppid = int(text[text.rfind(")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(stat.parent.name))
    out, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


LAST_RUN: dict[str, float] = {}


def run(location: str, actors: int, **start) -> tuple[float, float, dict[int, int | str]]:
    """(actor start-up, queue run, jobs per worker): the shots are queued first, so the actors start on a
    full queue and no idle back-off is measured. ``LAST_RUN`` gets the CPU seconds the actors and this
    driver used during the run."""
    from previz.core.session import ProjectSession
    from previz.generation import farm, queue

    with ProjectSession.open(location) as s:
        queue.enqueue(s, [x.code for x in s.shots()])
    t0 = time.perf_counter()
    f = farm.Farm.start(location, cpu_workers=actors, **start)
    started = time.perf_counter()
    pids = [i["pid"] for i in f.infos]
    ray_pids = [p for p in descendants(os.getpid()) if p not in pids]  # Ray's own processes
    actors_cpu, driver_cpu, busy = cpu_seconds(pids), time.process_time(), box_busy()
    ray_cpu = cpu_seconds(ray_pids)
    try:
        with ProjectSession.open(location, readonly=True) as s:  # each read sees the latest commits
            # a count, not the jobs: decoding every job 20 times a second cost this driver 10 s of CPU in
            # the N=1 run, taken from the actors on a 2-core box (the count needs no decoding)
            while jobs_left(s):
                time.sleep(0.05)
        elapsed = time.perf_counter() - started
        LAST_RUN.update(
            actors_cpu=cpu_seconds(pids) - actors_cpu,
            driver_cpu=time.process_time() - driver_cpu,
            box_busy=box_busy() - busy,
            ray_cpu=cpu_seconds(ray_pids) - ray_cpu,
        )
    finally:
        f.stop()
    return started - t0, elapsed, f.done


def jobs_left(session) -> int:
    """How many jobs are queued or running: one count, whichever Previz version runs (a "before" tree
    without ``count_jobs`` counts by the same query), so both sides of a comparison poll alike."""
    states = ("queued", "running")
    if hasattr(session, "count_jobs"):
        return session.count_jobs(states)
    from sqlalchemy import text

    query = text("SELECT count(*) FROM job WHERE state IN ('queued', 'running')")
    count = session.conn.execute(query).scalar_one()
    session.conn.commit()  # end the read: the next one sees the latest commits
    return count


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def read_timings(folder: Path) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for path in folder.glob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            kind, seconds = json.loads(line)
            out.setdefault(kind, []).append(seconds)
    return out


def simulated(args, tmp: Path) -> None:
    import ray

    counts = [int(n) for n in args.actors.split(",")]
    path = os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH", "")]))
    hook = {"env_vars": {"PYTHONPATH": path}, "worker_process_setup_hook": "farm_sim.install"}
    ray.init(num_cpus=max(counts), include_dashboard=False, log_to_driver=False, runtime_env=hook)
    ideal1 = args.jobs * args.steps * args.step_s
    each = f"{args.steps} steps x {args.step_s * 1000:.0f} ms"
    server = start_pg() if args.pg else None
    where = "PostgreSQL (throwaway server, tests/pg_server.py)" if server else "a SQLite bundle"
    print(f"simulated GPU: {args.jobs} jobs of {each} ({ideal1:.1f} s of GPU time) in {where}")
    times: dict[int, float] = {}
    floor = 0.0
    for n in counts:
        timings = tmp / f"timings-{n}"
        timings.mkdir()
        env = {
            "PYTHONPATH": path,
            "PREVIZ_SIM_STEPS": str(args.steps),
            "PREVIZ_SIM_STEP_S": str(args.step_s),
            "PREVIZ_SIM_TIMINGS": str(timings),
        }
        if args.profile:
            env["PREVIZ_SIM_PROFILE"] = str(timings)
        if args.no_pipeline:
            env["PREVIZ_SIM_NO_PIPELINE"] = "1"
        if args.no_warm:
            env["PREVIZ_SIM_NO_WARM"] = "1"
        if args.claim_ahead_s is not None:
            env["PREVIZ_SIM_CLAIM_AHEAD_S"] = str(args.claim_ahead_s)
        if server is not None:
            url = server.create_database(f"bench_farm_sim{n}_{os.getpid()}")
            location = make_project(url, args.jobs, 2, "64x64", media=tmp / f"media{n}")
        else:
            location = make_project(tmp / f"sim{n}", args.jobs, 2, "64x64")
        startup, elapsed, done = run(location, n, env=env)
        times[n] = elapsed
        base = (args.t1, 1) if args.t1 else (times[counts[0]], counts[0])
        eff = base[0] * base[1] / (n * elapsed)
        measured = read_timings(timings)
        parts = "; ".join(
            f"{kind} p50 {percentile(v, 0.5) * 1000:.1f} / p95 {percentile(v, 0.95) * 1000:.1f} ms"
            for kind, v in sorted(measured.items())
        )
        print(
            f"N={n:2d}: T={elapsed:7.2f} s (ideal {ideal1 / n:6.2f} s), efficiency T1/(N*TN) = {eff:.2f}; "
            f"start-up {startup:.1f} s; jobs per actor {sorted(done.values())}"
        )
        print(f"       per-job overhead in the actors: {parts}")
        per_job = sum(statistics.median(measured[k]) * len(measured[k]) for k in WRITES if k in measured)
        per_job /= args.jobs
        floor = floor or per_job * args.jobs  # uncontended (the first N): one writer at a time
        cores = elapsed * (os.cpu_count() or 1)
        print(
            f"       write transactions {per_job * 1000:.0f} ms a job; uncontended (N={counts[0]}) they need "
            f"{floor:.1f} s of the single writer (ideal T{n} {ideal1 / n:.2f} s) | CPU: actors "
            f"{LAST_RUN['actors_cpu']:.1f} s, driver {LAST_RUN['driver_cpu']:.1f} s, Ray's own processes "
            f"{LAST_RUN['ray_cpu']:.1f} s of {cores:.0f} core-s; actors "
            f"{LAST_RUN['actors_cpu'] / args.jobs * 1000:.0f} ms of CPU a job"
            f" (the whole machine was busy {LAST_RUN['box_busy']:.1f} core-s: Ray, the database, other"
            f" work) | load average {os.getloadavg()[0]:.1f}"
        )
        if args.profile:
            print_profile(timings, args.jobs)
    ray.shutdown()
    if server is not None:
        server.close()


#: The farm's own modules: ``--profile`` also lists their functions by cumulative time.
OURS = ("farm.py", "queue.py", "executors.py", "jobs.py", "farm_sim.py", "leases.py", "jobrun.py")


def print_profile(folder: Path, jobs: int, top: int = 18) -> None:
    """Where the actors' CPU went, summed over the actors (``farm_sim`` wrote one profile per thread)."""
    import pstats

    cpu = [json.loads(p.read_text()) for p in folder.glob("*-cpu.json")]
    total = sum(c["cpu_s"] for c in cpu)
    per_actor = ", ".join(f"{c['cpu_s'] / max(1, c['jobs']) * 1000:.0f}" for c in cpu)
    print(
        f"       profile: actor processes' CPU {total:.2f} s = {total / jobs * 1000:.1f} ms a job; "
        f"per actor, ms a job: {per_actor}"
    )
    for thread in ("loop", "job"):
        files = [str(p) for p in folder.glob(f"*-{thread}.prof")]
        if not files:
            continue
        stats = pstats.Stats(*files)
        rows = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)[: top // 2]
        print(f"       {thread} thread: {stats.total_tt / jobs * 1000:.1f} ms of CPU a job (thread CPU time)")
        ours = [
            kv for kv in stats.stats.items() if Path(kv[0][0]).name in OURS and not kv[0][2].startswith("<")
        ]
        rows += sorted(ours, key=lambda kv: kv[1][3], reverse=True)[:top]
        for (path, line, name), (_cc, calls, tt, ct, _callers) in rows:
            where = f"{Path(path).name}:{line}({name})"
            print(
                f"         own {tt / jobs * 1000:6.2f} cum {ct / jobs * 1000:6.2f} ms/job  "
                f"{calls / jobs:6.1f} calls/job  {where}"
            )


def start_pg():
    """A throwaway PostgreSQL server (the test suite's ``tests/pg_server.py``)."""
    import sys

    sys.path.insert(0, str(HERE.parent / "tests"))
    from pg_server import PgServer

    return PgServer().start()


def real(args, tmp: Path) -> None:
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    times: dict[int, list[float]] = {1: [], 2: []}
    for round_ in range(args.rounds):
        for actors in (1, 2):
            location = make_project(tmp / f"film{actors}-{round_}", args.shots, args.frames, args.size)
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--part", choices=("sim", "real", "both"), default="both")
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--step-s", type=float, default=0.05)
    parser.add_argument("--actors", default="1,2,4,8,16")
    parser.add_argument("--shots", type=int, default=12)
    parser.add_argument("--frames", type=int, default=48)
    parser.add_argument("--size", default="640x360")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pg", action="store_true", help="the simulated part on PostgreSQL, not SQLite")
    parser.add_argument("--profile", action="store_true", help="profile the actors (simulated part)")
    parser.add_argument("--no-pipeline", action="store_true", help="workers without the pipelined tail")
    parser.add_argument("--no-warm", action="store_true", help="workers without the warm-up at start")
    parser.add_argument(
        "--claim-ahead-s", type=float, default=None, help="farm.CLAIM_AHEAD_S in the workers (seconds)"
    )
    parser.add_argument(
        "--t1", type=float, default=0.0, help="efficiency against this T1 (s), e.g. for --actors 16 alone"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="previz-bench-farm-") as tmp:
        if args.part in ("sim", "both"):
            simulated(args, Path(tmp))
        if args.part in ("real", "both"):
            real(args, Path(tmp))


if __name__ == "__main__":
    main()
