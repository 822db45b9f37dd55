"""``previz farm up|down|status PROJECT``: generation jobs run by Ray workers (``previz[farm]``)."""

from __future__ import annotations

import argparse

from previz.cli.common import print_json, print_table
from previz.core.errors import ValidationError

#: The keys ``farm status --json`` gives for each worker (more may follow).
STATUS_KEYS = (
    "id",
    "host",
    "pid",
    "gpu",
    "model",
    "state",
    "job",
    "shot",
    "progress",
    "jobs_done",
    "loads",
    "heartbeat",
    "heartbeat_age_s",
    "author",
    "started_at",
)


def register(sub: argparse._SubParsersAction) -> None:
    farm = sub.add_parser("farm", help="run the generation queue on a Ray cluster (render farm)")
    fsub = farm.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = fsub.add_parser(
        "up",
        help="start farm workers on a project's queue (foreground until Ctrl+C or `previz farm down`)",
        description="Start one worker per GPU of the Ray cluster, plus --cpu-workers CPU workers; each pulls "
        "jobs from PROJECT's queue, preferring jobs for the model it has loaded. Every node must reach the "
        "project's database and media root. Runs until Ctrl+C or `previz farm down PROJECT`; a job in hand "
        "is then queued again.",
    )
    p.add_argument("project", help="a bundle, or postgresql://user@host/database")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--local", action="store_true", help="start a Ray cluster on this machine")
    where.add_argument("--address", metavar="ray://HOST:PORT", help="join this Ray cluster")
    p.add_argument(
        "--cpu-workers", type=int, metavar="N", help="CPU workers (default: 1 when there is no GPU)"
    )
    p.add_argument("--media", metavar="DIR", help="the media root on these nodes (PostgreSQL projects)")
    p.set_defaults(func=cmd_up)

    p = fsub.add_parser("down", help="ask the farm working on a project to stop")
    p.add_argument("project")
    p.set_defaults(func=cmd_down)

    p = fsub.add_parser("status", help="the farm's workers: host, pid, GPU, model, job, progress, heartbeat")
    p.add_argument("project")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_status)


def cmd_up(args) -> int:
    from previz.generation.farm import run_farm

    if args.cpu_workers is not None and args.cpu_workers < 0:
        raise ValidationError(
            "--cpu-workers", f"{args.cpu_workers} is not a number of workers; give 0 or more"
        )
    ended = run_farm(
        args.project,
        local=args.local,
        address=args.address,
        cpu_workers=args.cpu_workers,
        media=args.media,
        say=lambda line: print(line, flush=True),
    )
    died = [i for i, e in ended.items() if isinstance(e, str)]
    print(f"farm stopped: {sum(e for e in ended.values() if isinstance(e, int))} jobs run", flush=True)
    return 1 if died and len(died) == len(ended) else 0


def cmd_down(args) -> int:
    from previz.generation.farm import request_down

    request_down(args.project)
    print(f"asked the farm on {args.project} to stop")
    return 0


def cmd_status(args) -> int:
    from previz.core.session import ProjectSession
    from previz.generation.farm import read_workers

    with ProjectSession.open(args.project, readonly=True) as session:
        workers = read_workers(session)
    if args.json:
        print_json({"project": args.project, "workers": workers})
        return 0
    if not workers:
        print(f"no farm workers on {args.project}; start some with `previz farm up {args.project} --local`")
        return 0
    rows = []
    for w in workers:
        progress = w.get("progress") or {}
        job = f"{w['job']} ({progress.get('done', 0)}/{progress.get('total', 0)})" if w.get("job") else "-"
        gpu = "cpu" if w.get("gpu") is None else str(w["gpu"])
        beat = f"{w.get('heartbeat_age_s', 0):.0f} s ago"
        rows.append(
            [
                w.get("host"),
                w.get("pid"),
                gpu,
                w.get("model") or "-",
                w.get("state"),
                job,
                w.get("jobs_done"),
                beat,
            ]
        )
    print_table(["HOST", "PID", "GPU", "MODEL", "STATE", "JOB", "DONE", "HEARTBEAT"], rows)
    return 0
