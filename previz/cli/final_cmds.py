"""``previz generate PROJECT --final [--approved | SHOT ...]``: re-render draft takes at the final preset
(``previz.generation.finalize``). Part of the ``generate`` command; its options live in ``generate_cmds``."""

from __future__ import annotations

from previz.cli.common import open_project, print_json
from previz.core.errors import ValidationError

#: ``generate`` options that would change the request a final is made from: refused with --final.
_REQUEST_OPTIONS = (
    ("backend", "--backend"),
    ("model", "--model"),
    ("seed", "--seed"),
    ("preset", "--preset"),
    ("cache", "--cache"),
    ("speed", "--speed"),
    ("all", "--all"),
)


def check_final_args(args) -> None:
    if args.final is None:
        raise ValidationError("--approved", "only goes with --final (re-render the approved shots' drafts)")
    for name, flag in _REQUEST_OPTIONS:
        if getattr(args, name, None) not in (None, False):
            why = (
                "a final uses its draft's own seed, prompt, model and conditioning"
                if name != "all"
                else "--final without shot codes already takes every shot of the cut"
            )
            raise ValidationError(flag, f"does not go with --final: {why}")
    if getattr(args, "takes", 1) != 1:
        raise ValidationError("--takes", "does not go with --final: one final per draft")
    if args.approved and (args.shots or args.final or args.scene):
        raise ValidationError("--approved", "give --approved or shot codes (or --scene), not both")


def _named_shots(session, args) -> list[str]:
    codes = list(args.shots) + list(args.final or [])
    for scene in args.scene or []:
        codes += [s.code for s in session.shots(scene) if s.status != "omitted"]
    return list(dict.fromkeys(codes))


def cmd_generate_final(args) -> int:
    from previz.cli.generate_cmds import (
        ProgressPrinter,
        _report_problems,
        _results,
        run_here,
        running_elsewhere,
    )
    from previz.generation.finalize import enqueue_final, plan_final
    from previz.generation.queue import recover

    check_final_args(args)
    printer = ProgressPrinter()
    problems: list[str] = []
    notes: list[str] = []
    with open_project(args.project, write=True) as session:
        printer.recovered(recover(session))
        plans, skipped = plan_final(session, _named_shots(session, args) or None, approved=args.approved)
        notes += [f"{s.reason}; skipped" for s in skipped]
        queued = enqueue_final(session, plans, priority=args.priority)
        job_ids: list[int] = []
        for item in queued:
            if item.existing is not None:
                notes.append(
                    f"{item.shot}: take {item.existing.number} is already the final of take "
                    f"{item.draft.number}; not made again"
                )
            elif item.already and item.job.state == "running":
                problems.append(running_elsewhere(item.shot, item.job, "making this final"))
            else:
                if item.already:
                    notes.append(f"{item.shot}: the final is already queued as job {item.job.id}")
                job_ids.append(item.job.id)
        results = _results(session, run_here(session, job_ids, args, printer))
        drafts = {item.shot: item.draft.number for item in queued}
        selected = {s.code: s.selected_take_id for s in session.shots()}
        takes = {t.id: t for t in session.takes()}
        for r in results:
            r["finalizes"] = drafts.get(r["shot"])
            chosen = takes.get(selected.get(r["shot"]))
            r["in_cut"] = chosen is not None and chosen.number == r["take"]
    if args.json:
        print_json(
            {
                "queued": job_ids,
                "skipped": [{"shot": s.shot, "reason": s.reason} for s in skipped],
                "finished": results,
                "notes": notes,
                "not_started": problems,
            }
        )
        return _report_problems(results, problems)
    for line in notes:
        print(line)
    if args.queue_only:
        print(f"queued {len(job_ids)} finals; run them with `previz jobs run {args.project} --until-empty`")
    elif not plans:
        print("nothing to finalize")
    for r in results:
        if r["state"] == "done":
            where = "in the cut" if r["in_cut"] else "not in the cut (another take was chosen meanwhile)"
            print(f"{r['shot']}: take {r['take']}, the final of take {r['finalizes']}, {where}")
    return _report_problems(results, problems)
