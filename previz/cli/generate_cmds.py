"""Generation commands: generate, jobs, cancel, take (models: ``models_cmds``)."""

from __future__ import annotations

import argparse
import sys

from previz.cli.common import ellipsize, open_project, print_json, print_table
from previz.core.errors import ValidationError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "generate",
        help="make new takes of shots (queued, then run here)",
        usage="previz generate [options] PROJECT [SHOT_CODE ...]\n"
        "       previz generate [options] PROJECT --final [--approved | SHOT_CODE ...]",
    )
    # optional to argparse only: `generate --final SHOT PROJECT` gives --final the project too (see
    # _project_after_final); missing, it is said by cmd_generate
    p.add_argument("project", nargs="?", metavar="PROJECT", help="the project (required)")
    p.add_argument("shots", nargs="*", metavar="SHOT_CODE")
    p.add_argument("--scene", action="append", help="every shot of this scene (repeatable)")
    p.add_argument("--all", action="store_true", help="every shot that is not omitted")
    p.add_argument("--backend", choices=["animatic", "diffusers"])
    p.add_argument("--model", help="model id (see `previz models list`) or a model folder")
    p.add_argument("--takes", type=int, default=1, help="takes per shot (seeds SEED, SEED+1, …)")
    p.add_argument("--seed", type=int)
    p.add_argument("--priority", type=int, default=0)
    p.add_argument("--queue-only", action="store_true", help="queue the jobs and return")
    p.add_argument(
        "--preset",
        metavar="PRESET",
        help="speed preset for this run: final (plain diffusers), balanced or draft "
        "(default: the shot's, else the project's)",
    )
    p.add_argument(
        "--cache",
        metavar="METHOD",
        help="with --preset: the cache method (first_block, taylorseer, pab, faster, none)",
    )
    p.add_argument(
        "--speed",
        action="append",
        metavar="KEY=VALUE",
        help="one speed option of the preset (cache.threshold=0.1, compile=none, attention=native, "
        "quantize=torchao-int8; repeatable)",
    )
    p.add_argument(
        "--final",
        nargs="*",
        metavar="SHOT_CODE",
        help="re-render the named shots' (default: every shot's) selected draft take at the final preset, "
        "with its own seed, prompt and conditioning; the final replaces the draft in the cut",
    )
    p.add_argument("--approved", action="store_true", help="with --final: the approved shots only")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser(
        "jobs",
        help="list the project's generation jobs, or run the queued ones (`previz jobs run PROJECT`)",
        usage="previz jobs [--json] PROJECT\n       previz jobs run [--until-empty] [--json] PROJECT",
    )
    p.add_argument("words", nargs="+", metavar="[run] PROJECT", help="`run PROJECT` runs queued jobs")
    p.add_argument(
        "--until-empty",
        action="store_true",
        help="with run: run queued jobs until none is left (without it: the next one only)",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_jobs)

    p = sub.add_parser("cancel", help="cancel a queued or running job")
    p.add_argument("project")
    p.add_argument("job_id", type=int)
    p.set_defaults(func=cmd_cancel)

    take = sub.add_parser("take", help="list a shot's takes or select the one the cut uses")
    tsub = take.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = tsub.add_parser("list", help="takes of a shot")
    p.add_argument("project")
    p.add_argument("shot_code")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_take_list)
    p = tsub.add_parser("select", help="use this take in the cut")
    p.add_argument("project")
    p.add_argument("shot_code")
    p.add_argument("take_number", type=int)
    p.set_defaults(func=cmd_take_select)


# ---------------------------------------------------------------------------- generate
class ProgressPrinter:
    """A progress bar per job on a terminal; plain lines (at 25% steps) otherwise."""

    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self._last: dict[int, int] = {}

    def __call__(self, job, done: int, total: int, message: str) -> None:
        code = (job.request.get("request", {}).get("extras") or {}).get("shot_code", f"job {job.id}")
        if isinstance(code, list):  # extras travel as sorted key/value pairs
            code = dict(code).get("shot_code", f"job {job.id}")
        pct = int(100 * done / total) if total else 0
        if self.tty:
            bar = "#" * (pct // 4) + "." * (25 - pct // 4)
            self.stream.write(f"\r{code:12} [{bar}] {pct:3d}% {ellipsize(message, 30):30}")
            self.stream.flush()
        elif pct // 25 != self._last.get(job.id, -1):
            self._last[job.id] = pct // 25
            self.stream.write(f"{code}: {pct}% {message}\n")

    def finished(self, job) -> None:
        if self.tty:
            self.stream.write("\n")
        detail = job.error or job.message
        self.stream.write(f"job {job.id}: {job.state}{' — ' + detail if detail else ''}\n")

    def recovered(self, jobs) -> None:
        """Say what became of the jobs a dead process had left running (``queue.recover``)."""
        for job in jobs:
            self.stream.write(f"job {job.id}: {job.error or job.message}\n")


def _chosen_shots(session, args) -> list[str]:
    if args.all:
        return [e.code for e in session.cut().entries]
    codes = list(args.shots)
    for scene in args.scene or []:
        codes += [s.code for s in session.shots(scene) if s.status != "omitted"]
    if not codes:
        raise ValidationError("shots", "name shots, or give --scene N or --all")
    return list(dict.fromkeys(codes))


def _results(session, jobs) -> list[dict]:
    takes = {t.id: t for t in session.takes()}
    return [
        {
            "job": j.id,
            "state": j.state,
            "error": j.error,
            "shot": session.shot(j.shot_id).code if j.shot_id else None,
            "take": takes[j.take_id].number if j.take_id in takes else None,
        }
        for j in jobs
    ]


def _report_problems(results: list[dict], problems: list[str]) -> int:
    """One line on stderr per shot not made (``problems``) and per job that did not end done; 1 when
    there was any."""
    lines = list(problems)
    for r in results:
        if r["state"] != "done":
            reason = f": {r['error']}" if r["error"] else ""
            lines.append(f"{r['shot'] or 'job ' + str(r['job'])}: job {r['job']} {r['state']}{reason}")
    for line in lines:
        print(f"previz: error: {line}", file=sys.stderr)
    return 1 if lines else 0


def _print_outcome(results: list[dict], problems: list[str]) -> int:
    """Print each made take, then report what was not made (``_report_problems``)."""
    for r in results:
        if r["state"] == "done":
            print(f"{r['shot']}: take {r['take']}")
    return _report_problems(results, problems)


def _speed_options(args) -> dict | None:
    """``--cache`` and ``--speed KEY=VALUE`` as the preset's overrides (None: the preset as it is)."""
    from previz.core.errors import ValidationError

    options: dict = {}
    if args.cache:
        options["cache"] = args.cache
    for item in args.speed or ():
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValidationError("--speed", f"{item!r} is not KEY=VALUE, e.g. cache.threshold=0.1")
        options[key.strip()] = value.strip()
    return options or None


def running_elsewhere(shot: str, job, what: str) -> str:
    """Why a job already running in a live process (another app, CLI or render node) is not started here."""
    from previz.core.jobs import JobHolder

    holder = JobHolder.parse(job.holder)
    where = holder.describe() if holder else "another process"
    return f"{shot}: job {job.id} {what} is running in {where}; not started twice (see `previz jobs`)"


def run_here(session, job_ids: list[int], args, printer) -> list:
    """Run ``job_ids`` in this process with progress (none with ``--queue-only``); the jobs as they ended."""
    from previz.generation.queue import run_queue

    if not job_ids or args.queue_only:
        return []
    run_queue(session, job_ids=job_ids, progress=printer, on_finished=printer.finished)
    return [session.job(i) for i in job_ids]


def _project_after_final(args) -> None:
    """``previz generate --final SHOT … PROJECT``: ``--final`` takes every value after it, the project
    too; the last is the project, as in every command's own order (``generate PROJECT --final SHOT …``)."""
    if args.project is None and args.final:
        args.project = args.final.pop()
    if args.project is None:
        raise ValidationError(
            "PROJECT", "name the project: previz generate PROJECT [SHOT_CODE ...] [options]"
        )


def cmd_generate(args) -> int:
    from previz.generation.queue import enqueue, recover

    _project_after_final(args)
    if args.final is not None or args.approved:
        from previz.cli.final_cmds import cmd_generate_final

        return cmd_generate_final(args)
    printer = ProgressPrinter()
    problems: list[str] = []
    with open_project(args.project, write=True) as session:
        codes = _chosen_shots(session, args)
        printer.recovered(recover(session))
        queued = enqueue(
            session,
            codes,
            backend=args.backend,
            model=args.model,
            takes=args.takes,
            seed=args.seed,
            priority=args.priority,
            preset=args.preset,
            speed=_speed_options(args),
        )
        job_ids: list[int] = []
        for item in queued:
            if item.reused is not None:
                print(f"{item.shot}: identical take {item.reused.number} exists; reused it")
            elif item.already and item.job.state == "running":  # a live process is making it
                problems.append(running_elsewhere(item.shot, item.job, "with the same request"))
            else:
                if item.already:
                    then = "left queued" if args.queue_only else "running it"
                    print(f"{item.shot}: the same request is already queued as job {item.job.id}; {then}")
                job_ids.append(item.job.id)
        job_ids = list(dict.fromkeys(job_ids))
        results = _results(session, run_here(session, job_ids, args, printer))
    if args.json:
        print_json(
            {
                "queued": job_ids,
                "reused": [i.shot for i in queued if i.reused],
                "finished": results,
                "not_started": problems,
            }
        )
        return _report_problems(results, problems)
    if args.queue_only:
        print(f"queued {len(job_ids)} jobs; run them with `previz jobs run {args.project} --until-empty`")
    return _print_outcome(results, problems)


def cmd_jobs(args) -> int:
    words = args.words
    if len(words) == 2 and words[0] == "run":
        return cmd_jobs_run(args, words[1])
    if len(words) != 1:
        raise ValidationError("jobs", f"{' '.join(words)!r}: give PROJECT to list jobs, or run PROJECT")
    if args.until_empty:
        raise ValidationError("--until-empty", "only `previz jobs run PROJECT` takes it")
    return cmd_jobs_list(args, words[0])


def cmd_jobs_list(args, project: str) -> int:
    from previz.generation.leases import why_not_held

    with open_project(project, write=False) as session:
        jobs = session.jobs()
        codes = {s.id: s.code for s in session.shots()}

    def message(j) -> str:
        if j.state == "running" and why_not_held(j):  # read-only here: the next runner takes it back
            return "interrupted; `previz jobs run` queues it again"
        return j.error or j.message

    if args.json:
        print_json([dict(j.__dict__, shot=codes.get(j.shot_id)) for j in jobs])
        return 0
    print_table(
        ["id", "shot", "state", "progress", "attempts", "message"],
        [
            [
                j.id,
                codes.get(j.shot_id, "-"),
                j.state,
                f"{j.progress_done}/{j.progress_total}" if j.progress_total else "-",
                j.attempts,
                ellipsize(message(j), 60),
            ]
            for j in jobs
        ],
    )
    return 0


def cmd_jobs_run(args, project: str) -> int:
    """Run the next queued job (all of them with --until-empty) here, with progress like generate."""
    from previz.generation.queue import queued_order, recover, run_queue

    printer = ProgressPrinter()
    with open_project(project, write=True) as session:
        printer.recovered(recover(session))
        ran = []
        if queued_order(session):
            ran = run_queue(
                session,
                progress=printer,
                on_finished=printer.finished,
                limit=None if args.until_empty else 1,
            )
        results = _results(session, ran)
        left = len(queued_order(session))
    if args.json:
        print_json({"finished": results, "still_queued": left})
        return _report_problems(results, [])
    if not ran:
        print("no queued jobs")
    code = _print_outcome(results, [])
    if left:
        print(f"{left} jobs still queued; run them with `previz jobs run {project} --until-empty`")
    return code


def cmd_cancel(args) -> int:
    from previz.generation.queue import cancel_job

    print(cancel_job(args.project, args.job_id))
    return 0


def _take_seed(take) -> int | None:
    """The seed a take was made with (its request's; None for an imported take, which has none)."""
    return take.request.get("seed", take.provenance.get("seed"))


def cmd_take_list(args) -> int:
    with open_project(args.project, write=False) as session:
        shot = session.shot(args.shot_code)
        takes = session.takes(shot.code)
    if args.json:
        print_json(
            [dict(t.__dict__, selected=t.id == shot.selected_take_id, seed=_take_seed(t)) for t in takes]
        )
        return 0
    print_table(
        ["", "take", "kind", "made by", "seed", "frames", "size", "stale", "circled", "created"],
        [
            [
                "*" if t.id == shot.selected_take_id else "",
                t.number,
                t.kind,
                t.provenance.get("model") or t.provenance.get("backend", ""),
                "" if _take_seed(t) is None else _take_seed(t),
                t.frames,
                f"{t.width}x{t.height}",
                "stale" if t.stale else "",
                "yes" if t.circled else "",
                t.created_at,
            ]
            for t in takes
        ],
    )
    return 0


def cmd_take_select(args) -> int:
    with open_project(args.project, write=True) as session:
        session.select_take(args.shot_code, args.take_number)
    print(f"{args.shot_code}: take {args.take_number} selected")
    return 0
