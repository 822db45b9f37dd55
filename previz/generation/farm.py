"""The render farm: long-lived Ray actors that pull generation jobs from a project's queue.

``previz farm up`` starts (or joins) a Ray cluster and one actor per GPU (``num_gpus=1``) or ``N`` CPU actors,
detached and named per project, so that a driver that dies leaves them working and the next ``farm up``
re-attaches to them. Each actor opens the project with its own author (``farm:<host>:<n>``), refusing to
start on a node of another Previz version, and loops: ``queue.recover`` (a job whose holder died is queued
again), its order of the queued jobs — those for the model it has loaded first, then models no other worker
has warm, never (with a pipeline of its own warm) one another worker has warm (model affinity) — and
``queue.claim_next``, which takes the first of them no other worker has (a row lock the others skip), then
``queue.run_claimed``: the job seam's executors and its one job loop. Media goes to the project's media
root, which every node must reach; a worker whose node cannot open the project (no media root, no
database) refuses to start and says which. ``RayExecutor`` sends a job to an actor through the same seam.

Each worker rewrites a JSON state file in the project's ``cache/farm/`` on every heartbeat (``farm status``
reads them); ``farm down`` writes a request file there that the workers and the driver poll. This is the
only module that imports ``ray``, and only when a farm is started (``pip install previz[farm]``).
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from previz.core.errors import GenerationError
from previz.core.jobs import CancelToken
from previz.core.session import ProjectSession
from previz.core.snapshots import JobInfo
from previz.generation import queue
from previz.generation.executors import ENDS, Failed, JobSpec

#: Seconds between heartbeats of an idle or busy worker (its state file is rewritten each time).
HEARTBEAT_S = 2.0
#: A worker whose state file is older than this is reported as lost.
LOST_AFTER_S = 15.0
#: Longest wait between two looks at an empty queue.
IDLE_MAX_S = 1.0
#: Seconds between two looks for jobs whose holder died (``queue.recover``) by a worker between jobs.
RECOVER_S = HEARTBEAT_S
#: Claim the next job at the last progress step of the one running (``FarmWorker._claim_ahead``).
PREFETCH = True
#: ... at the latest; sooner when the job running has about this many seconds of steps left (by its step
#: rate so far): on a busy project a claim waits its turn at the write lock longer than a short last step.
CLAIM_AHEAD_S = 0.3
#: Run a job's CPU tail (encode, probe, hash, the take's commit) on a tail thread while the next job starts
#: (``farm_worker``: at most one job in its tail). On a SQLite bundle only: on PostgreSQL (its server on the
#: same 2 cores) the tail's commit and the next claim, both under the project's write lock from one
#: process, slowed each other (claim p50 57 -> 250 ms, take 47 -> 229 ms at 16 workers; T16 8.5 -> 8.6 s, and
#: 7.9 s without it).
PIPELINE = True
DOWN_FILE = "down"
#: Seconds to wait for a Ray cluster's address to answer before saying it is unreachable.
CONNECT_TIMEOUT_S = 5.0


def farm_dir(session: ProjectSession) -> Path:
    return session.paths.cache / "farm"


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _write_json(path: Path, data: dict[str, Any]) -> None:
    """Atomically: a reader sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


def model_key(job: JobInfo) -> str:
    """What a worker must have loaded to run ``job``: the request's model, or its backend if it needs none."""
    request = job.request.get("request") or {}
    return str(request.get("model") or request.get("backend") or "")


def _has_pipeline(key: str | None, job: JobInfo | None = None) -> bool:
    """Whether running ``job`` (or having run one for ``key``) means a pipeline loaded: a model backend's
    job (the backend table's ``in_worker``), not the animatic's."""
    from previz.generation.execute import BACKENDS

    if job is not None:
        kind = BACKENDS.get(str((job.request.get("request") or {}).get("backend") or ""))
        return kind is not None and kind.in_worker
    return bool(key) and key not in BACKENDS


def pick_order(
    session: ProjectSession,
    loaded: str | None,
    held: set[str] | Callable[[], set[str]] = frozenset(),
    *,
    known: dict[int, JobInfo] | None = None,
) -> list[JobInfo]:
    """The queued jobs in the order a worker with ``loaded`` warm wants them: those for its model first (in
    run order); then those for a model no other worker has loaded (``held``), so that workers spread over
    the models instead of all loading the same one; then the rest, except that a worker with a pipeline
    loaded leaves the jobs of a model another worker has warm to that worker (it would unload its own to
    load a second copy: the reload affinity avoids). The worker claims the first of these that no other
    worker has taken (``queue.claim_next``).

    ``held`` may be a function, called only when a queued job needs another model than ``loaded`` (a
    worker reads the others' state files then, not before every job); ``known``: the worker's jobs read
    before (``queue.queued_order``)."""
    keyed = [(j, model_key(j)) for j in queue.queued_order(session, known)]
    if all(key == loaded for _, key in keyed):
        return [j for j, _ in keyed]
    if callable(held):
        held = held()
    warm = _has_pipeline(loaded)
    mine = [j for j, key in keyed if key == loaded]
    free = [j for j, key in keyed if key != loaded and key not in held]
    rest = [j for j, key in keyed if key != loaded and key in held and not (warm and _has_pipeline(None, j))]
    return mine + free + rest


def pick_job(session: ProjectSession, loaded: str | None, held: set[str] = frozenset()) -> JobInfo | None:
    """The job a worker with ``loaded`` warm wants next (the first of ``pick_order``)."""
    order = pick_order(session, loaded, held)
    return order[0] if order else None


# -- worker state files ------------------------------------------------------------------------------


def read_workers(session: ProjectSession, *, now: float | None = None) -> list[dict[str, Any]]:
    """Every worker's last state (``farm status``), oldest worker first; ``state`` is ``lost`` when its
    heartbeat is older than ``LOST_AFTER_S``."""
    now = time.time() if now is None else now
    out = []
    for path in sorted(farm_dir(session).glob("worker-*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # removed between the listing and the read
        age = now - float(data.get("heartbeat_unix", 0))
        data["heartbeat_age_s"] = round(age, 1)
        if data.get("state") not in ("stopped", "failed") and age > LOST_AFTER_S:
            data["state"] = "lost"
        out.append(data)
    return sorted(out, key=lambda d: (d.get("started_at", ""), d.get("index", 0)))


def request_down(location: str | Path) -> Path:
    """Ask the farm working on ``location`` to stop (``previz farm down``): workers finish or hand back
    their job and exit; the driver then exits."""
    with ProjectSession.open(location, readonly=True) as session:
        flag = farm_dir(session) / DOWN_FILE
    flag.parent.mkdir(parents=True, exist_ok=True)
    flag.write_text(f"{socket.gethostname()}:{os.getpid()} {_now_iso()}\n", encoding="utf-8")
    return flag


def clear_down(session: ProjectSession) -> None:
    """Forget an earlier ``farm down`` and the state files of workers no longer running."""
    folder = farm_dir(session)
    (folder / DOWN_FILE).unlink(missing_ok=True)
    for worker in read_workers(session):
        if worker.get("state") in ("stopped", "failed", "lost"):
            (folder / f"worker-{worker.get('id')}.json").unlink(missing_ok=True)


# -- the driver (the worker, a Ray actor's class: ``farm_worker.FarmWorker``) -------------------------


def _ray():
    try:
        import ray
    except ModuleNotFoundError:
        raise GenerationError(
            "the render farm needs Ray: install it with `pip install 'previz[farm]'`"
        ) from None
    return ray


def connect(*, local: bool, address: str | None = None, num_cpus: int | None = None) -> None:
    """Start a Ray cluster on this machine (``local``) or join the one at ``address`` (``ray://HOST:PORT``
    or ``HOST:PORT``); a cluster this process already joined is kept."""
    ray = _ray()
    if not local and not address:
        raise GenerationError("farm: say where the Ray cluster is (--address ray://HOST:PORT) or use --local")
    if not local:
        check_reachable(address)
    if ray.is_initialized():
        return
    try:
        if local:
            ray.init(num_cpus=num_cpus, include_dashboard=False, log_to_driver=False)
        else:
            ray.init(address=address, log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = "a local Ray cluster" if local else f"the Ray cluster at {address}"
        hint = ""
        if not local and os.environ.get("RAY_AUTH_MODE") != "token":
            # a cluster with token authentication drops a client that sends no token, unheard
            hint = (
                "; if the cluster uses token authentication, set RAY_AUTH_MODE=token here too, with "
                "its token in RAY_AUTH_TOKEN or ~/.ray/auth_token"
            )
        raise GenerationError(
            f"farm: cannot start or join {where}: {' '.join(str(exc).split())}{hint}"
        ) from None


def check_reachable(address: str, timeout: float = CONNECT_TIMEOUT_S) -> None:
    """Refuse in one line, within ``timeout``, a cluster address nothing answers at (Ray itself would retry
    for minutes)."""
    rest = address.split("://", 1)[1] if "://" in address else address
    host, sep, port = rest.rstrip("/").rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise GenerationError(f"--address: {address!r} is not HOST:PORT or ray://HOST:PORT")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise GenerationError(
            f"farm: nothing answers at {address} ({reason}); check the address, that `ray start --head` "
            "runs there and that the firewall lets this machine in"
        ) from None


class RayExecutor:
    """Runs a job on a farm actor (a ``FarmWorker``, started or not) and streams its events back: the same
    seam as the in-process and worker-process executors, for a driver that sends jobs instead of letting
    the actors pull them. The clip is written where the driver said (a path every node reaches)."""

    name = "ray"

    def __init__(self, actor) -> None:
        self.actor = actor

    def submit(self, spec: JobSpec, cancel: CancelToken):
        import uuid

        ray = _ray()
        key = uuid.uuid4().hex
        ended = asked = False
        try:
            stream = self.actor.execute.options(num_returns="streaming").remote(key, spec)
            for ref in stream:  # the actor sends a Waiting tick at least every executors.TICK_S
                if cancel.cancelled and not asked:
                    self.actor.cancel_remote.remote(key)
                    asked = True
                event = ray.get(ref)
                ended = isinstance(event, ENDS)
                yield event
                if ended:
                    return
            yield Failed("the farm worker ended the job without saying how")
            ended = True
        except ray.exceptions.RayError as exc:
            ended = True
            yield Failed(f"the farm worker died: {' '.join(str(exc).split())[:300]}")
        finally:
            if not ended:  # the consumer stopped listening
                self.actor.cancel_remote.remote(key)

    def close(self) -> None:
        pass


class Farm:
    """The actors of one farm on one project (in a Ray cluster this process has joined)."""

    def __init__(self, location: str, actors: list, infos: list[dict[str, Any]]) -> None:
        self.location = location
        self.actors = actors
        self.infos = infos
        self.runs = [a.run.remote() for a in actors]
        self.done: dict[int, int | str] = {}

    @classmethod
    def start(
        cls,
        location: str | Path,
        *,
        cpu_workers: int | None = None,
        gpus: bool = True,
        media: str | None = None,
        env: dict[str, str] | None = None,
        version: str | None = None,
        detached: bool = False,
    ) -> Farm:
        """One actor per GPU in the cluster (when ``gpus``) and ``cpu_workers`` CPU actors (default: 1 when
        the cluster has no GPU). Refuses, naming the node and the reason, when a worker cannot open the
        project, or runs another Previz than ``version`` (default: this one); no actor is left running then.

        ``detached``: the actors outlive this driver (named per project and index in Ray's ``previz``
        namespace), so a driver that dies leaves them running their jobs, and the next ``start`` re-attaches
        to those still alive instead of starting others (``previz farm up`` does this).
        """
        from previz import __version__

        ray = _ray()
        location = str(location)
        with ProjectSession.open(location, media=media) as session:
            clear_down(session)
            project_id = session.project().uuid or location
        n_gpus = int(ray.cluster_resources().get("GPU", 0)) if gpus else 0
        if cpu_workers is None:
            cpu_workers = 0 if n_gpus else 1
        specs = [{"num_gpus": 1, "gpu": i} for i in range(n_gpus)]
        specs += [{"num_gpus": 0, "gpu": None} for _ in range(cpu_workers)]
        if not specs:
            raise GenerationError("farm: no workers to start; give --cpu-workers N or run on GPU nodes")
        from previz.generation.farm_worker import FarmWorker

        remote = ray.remote(FarmWorker)
        options: dict[str, Any] = {"num_cpus": 1, "max_concurrency": 4}
        if env:
            options["runtime_env"] = {"env_vars": dict(env)}
        named: dict[int, dict[str, Any]] = {}
        if detached:
            for i in range(len(specs)):
                named[i] = {
                    "name": f"previz-farm-{project_id}-{i}",
                    "namespace": "previz",
                    "lifetime": "detached",
                    "get_if_exists": True,
                }
        actors = [
            remote.options(num_gpus=spec["num_gpus"], **options, **named.get(i, {})).remote(
                location, i, gpu=spec["gpu"], media=media
            )
            for i, spec in enumerate(specs)
        ]
        errors = [e for e in ray.get([a.start.remote(version or __version__) for a in actors]) if e]
        if errors:
            for a in actors:
                ray.kill(a)
            raise GenerationError(
                f"farm: {errors[0]}" + (f" (and {len(errors) - 1} more)" if errors[1:] else "")
            )
        infos = ray.get([a.info.remote() for a in actors])
        return cls(location, actors, infos)

    def poll(self, timeout: float = 0.5) -> list[tuple[int, int | str]]:
        """Wait up to ``timeout`` for workers to end; returns (index, jobs run or why it died) for those that
        ended now."""
        ray = _ray()
        pending = [r for i, r in enumerate(self.runs) if i not in self.done]
        if not pending:
            return []
        ready, _ = ray.wait(pending, num_returns=len(pending), timeout=timeout)
        out = []
        for ref in ready:
            i = self.runs.index(ref)
            try:
                self.done[i] = ray.get(ref)
            except ray.exceptions.RayError as exc:
                self.done[i] = f"died: {exc.__class__.__name__}"
            out.append((i, self.done[i]))
        return out

    @property
    def running(self) -> bool:
        return len(self.done) < len(self.runs)

    def kill(self, index: int) -> None:
        """Kill worker ``index`` at once, as a crashed node would (its job is recovered by the others)."""
        _ray().kill(self.actors[index], no_restart=True)

    def stop(self, timeout: float = 120.0) -> None:
        """Stop every worker: each cancels its job and queues it again (or has just finished it), closes
        the project and exits; then the actors are released."""
        ray = _ray()
        for i, actor in enumerate(self.actors):
            if i not in self.done:
                try:
                    actor.stop.remote()
                except ray.exceptions.RayError:
                    pass
        deadline = time.monotonic() + timeout
        while self.running and time.monotonic() < deadline:
            self.poll(0.5)
        for actor in self.actors:
            ray.kill(actor, no_restart=True)


def run_farm(
    location: str | Path,
    *,
    local: bool,
    address: str | None = None,
    cpu_workers: int | None = None,
    media: str | None = None,
    say=print,
) -> dict[int, int | str]:
    """``previz farm up``: start the workers (or re-attach to those a previous driver left running) and
    stay in the foreground until Ctrl+C, ``farm down`` or all workers ended; returns what each worker ended
    with."""
    ray = _ray()
    joined = ray.is_initialized()
    connect(local=local, address=address, num_cpus=cpu_workers if local and cpu_workers else None)
    farm = None
    try:
        farm = Farm.start(location, cpu_workers=cpu_workers, media=media, detached=True)
        for info in farm.infos:
            gpu = "cpu" if info["gpu"] is None else f"gpu {info['gpu']}"
            say(f"worker {info['index']} on {info['host']} (pid {info['pid']}, {gpu}) is up")
        say(f"{len(farm.actors)} workers on {location}; Ctrl+C or `previz farm down` stops them")
        with ProjectSession.open(location, readonly=True, media=media) as session:
            down = farm_dir(session) / DOWN_FILE
        while farm.running:
            for index, ended in farm.poll(0.5):
                say(f"worker {index} ended: {ended if isinstance(ended, str) else f'{ended} jobs run'}")
            if down.exists():
                say("farm down requested; stopping the workers")
                break
    except KeyboardInterrupt:
        say("interrupted; stopping the workers (jobs in hand are queued again)")
    finally:
        if farm is not None:
            farm.stop()
            with ProjectSession.open(location, readonly=True, media=media) as session:
                (farm_dir(session) / DOWN_FILE).unlink(missing_ok=True)
        if not joined:
            ray.shutdown()
    return farm.done if farm is not None else {}


def __getattr__(name: str):
    """``FarmWorker`` and ``WorkerState`` live in ``farm_worker`` (which uses this module): found here too."""
    if name in ("FarmWorker", "WorkerState"):
        from previz.generation import farm_worker

        return getattr(farm_worker, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Farm",
    "RayExecutor",
    "connect",
    "farm_dir",
    "pick_job",
    "pick_order",
    "read_workers",
    "request_down",
    "run_farm",
]
