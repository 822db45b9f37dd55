"""Review commands: notes, note add/resolve/reopen/remove/revise, status, report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from previz.cli.common import ellipsize, open_project, print_json, print_table
from previz.core.errors import ImportFileError, ValidationError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("notes", help="list review notes")
    p.add_argument("project")
    p.add_argument("--shot", metavar="CODE", help="only this shot's notes")
    p.add_argument("--open", action="store_true", help="only notes not yet resolved")
    p.add_argument("--author", metavar="NAME", help="only this author's notes")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_notes)

    note = sub.add_parser("note", help="add, resolve, reopen, remove or revise a note")
    nsub = note.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = nsub.add_parser(
        "add",
        help="add a note at a frame of a shot (0 = its first frame)",
        description="Add a note at a frame of a shot (0 = its first frame), optionally with a drawing.",
        epilog=strokes_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("project")
    p.add_argument("shot_code")
    p.add_argument("text")
    p.add_argument("--frame", type=int, required=True)
    p.add_argument("--author", help="default: $PREVIZ_USER, else your login name")
    p.add_argument("--take", type=int, help="the take the note is on (default: the selected take)")
    p.add_argument(
        "--strokes",
        metavar="JSON_OR_FILE",
        help="the drawing: a JSON list of strokes, or a file holding one (below)",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_note_add)
    p = nsub.add_parser("resolve", help="mark a note resolved, recording the take that answered it")
    p.add_argument("project")
    p.add_argument("note_id", type=int)
    p.add_argument("--take", type=int, help="the answering take (default: the note's revision take)")
    p.set_defaults(func=cmd_note_resolve)
    p = nsub.add_parser("reopen", help="mark a resolved note open again")
    p.add_argument("project")
    p.add_argument("note_id", type=int)
    p.set_defaults(func=cmd_note_reopen)
    p = nsub.add_parser("remove", help="remove a note")
    p.add_argument("project")
    p.add_argument("note_id", type=int)
    p.set_defaults(func=cmd_note_remove)
    p = nsub.add_parser("revise", help="queue a new take of the note's shot, linked to the note")
    p.add_argument("project")
    p.add_argument("note_id", type=int)
    p.add_argument("--prompt", help="the shot's new prompt override")
    p.add_argument("--backend", choices=["animatic", "diffusers"])
    p.add_argument("--model")
    p.add_argument("--run", action="store_true", help="run the job here and now")
    p.set_defaults(func=cmd_note_revise)

    p = sub.add_parser("status", help="set a shot's review status")
    p.add_argument("project")
    p.add_argument("shot_code")
    p.add_argument("status", help="approved, needs_changes, omitted or ready")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("report", help="write the review report (OUT.pdf) or the notes (OUT.csv)")
    p.add_argument("project")
    p.add_argument("out", metavar="OUT.pdf|OUT.csv")
    p.add_argument("--shot", action="append", metavar="CODE", help="only this shot (repeatable)")
    p.add_argument("--open", action="store_true", help="only open notes")
    p.set_defaults(func=cmd_report)


def strokes_help() -> str:
    """The ``--strokes`` format for ``note add --help``, from the limits the validator applies."""
    from previz.core import strokes as st

    colours = ", ".join(st.PALETTE)
    return f"""\
--strokes: a JSON list of strokes (or the path of a file holding one); a single stroke may omit the [ ].
Each stroke is an object:
  kind     pen (2 or more points), arrow (tail, head), rect or ellipse (two corners), text (one point)
  points   [[x, y], ...], fractions of the frame: 0..1 from the left and from the top
  colour   {colours} or #rrggbb (default {st.DEFAULT_COLOUR})
  width    line width, {0.5:g} to {st.MAX_WIDTH:g} (default {st.DEFAULT_WIDTH:g}); not for text
  text     the words of a text stroke (up to {st.MAX_TEXT} characters); size {4:g} to {st.MAX_TEXT_SIZE:g} \
(default {st.DEFAULT_TEXT_SIZE:g})
width and size are pixels on a frame {st.REFERENCE_HEIGHT} pixels high and scale with the frame.

example:
  previz note add film.previz 012A_0010 --frame 12 "Lamp too bright" --strokes \\
    '[{{"kind": "ellipse", "colour": "yellow", "width": 6, "points": [[0.62, 0.18], [0.78, 0.40]]}},
      {{"kind": "text", "colour": "white", "points": [[0.60, 0.45]], "text": "dim this"}}]'
A malformed drawing is refused with the stroke and field, e.g. strokes[1].points, and nothing is added."""


def _warn(warnings: list[str]) -> None:
    for line in warnings:
        print(f"previz: warning: {line}", file=sys.stderr)


def read_strokes_arg(value: str | None) -> list[dict]:
    """``--strokes``: JSON text (starting with ``[`` or ``{``) or the path of a JSON file."""
    from previz.core.strokes import validate_strokes

    if value is None:
        return []
    text = value.strip()
    if text[:1] in "[{":
        if text[:1] == "{":
            text = f"[{text}\n]"  # the ] on its own line keeps error positions where the user typed them
        return validate_strokes(text)
    path = Path(value).expanduser()
    if not path.is_file():
        raise ValidationError("--strokes", f"{value!r} is neither a JSON list of strokes nor a file")
    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportFileError(str(path), f"cannot read the strokes file ({exc})") from None
    try:
        return validate_strokes(content)
    except ValidationError as exc:
        raise ImportFileError(str(path), exc.one_line()) from None


# ---------------------------------------------------------------------------- notes
def cmd_notes(args) -> int:
    from previz.core.review import note_rows, read_notes

    with open_project(args.project, write=False) as session:
        notes, warnings = read_notes(session, args.shot, open_only=args.open, author=args.author)
        rows = note_rows(session, notes)
    _warn(warnings)
    if args.json:
        print_json(
            [
                {
                    "id": r.note.id,
                    "shot": r.shot_code,
                    "take": r.take_number,
                    "frame": r.note.frame,
                    "timecode": r.timecode,
                    "author": r.note.author,
                    "created": r.note.created_at,
                    "resolved": r.note.resolved,
                    "resolved_by_take": r.resolved_by_take_number,
                    "text": r.note.text,
                    "strokes": r.note.strokes,
                }
                for r in rows
            ]
        )
        return 0
    if not rows:
        print("no notes")
        return 0
    print_table(
        ["id", "shot", "take", "frame", "timecode", "author", "state", "drawing", "text"],
        [
            [
                r.note.id,
                r.shot_code,
                "" if r.take_number is None else r.take_number,
                r.note.frame,
                r.timecode,
                r.note.author,
                (
                    "resolved" + (f" (take {r.resolved_by_take_number})" if r.resolved_by_take_number else "")
                    if r.note.resolved
                    else "open"
                ),
                f"{len(r.note.strokes)} strokes" if r.note.strokes else "",
                ellipsize(r.note.text),
            ]
            for r in rows
        ],
    )
    return 0


def cmd_note_add(args) -> int:
    strokes = read_strokes_arg(args.strokes)
    with open_project(args.project, write=True) as session:
        note = session.add_note(
            args.shot_code,
            args.frame,
            args.text,
            author=args.author or session.author,
            take_number=args.take,
            strokes=strokes,
        )
        code = session.shot(note.shot_id).code
    if args.json:
        print_json(note)
    else:
        drawn = f" with {len(note.strokes)} strokes" if note.strokes else ""
        print(f"added note {note.id} to {code} at frame {note.frame}{drawn}")
    return 0


def cmd_note_resolve(args) -> int:
    from previz.core.review import read_note, resolve_note

    with open_project(args.project, write=True) as session:
        resolve_note(session, args.note_id, args.take)
        note, _ = read_note(session, args.note_id)
        take = session.take(note.resolved_by_take_id).number if note.resolved_by_take_id else None
    print(f"resolved note {note.id}" + (f" by take {take}" if take is not None else ""))
    return 0


def cmd_note_reopen(args) -> int:
    from previz.core.review import resolve_note

    with open_project(args.project, write=True) as session:
        resolve_note(session, args.note_id, resolved=False)
    print(f"reopened note {args.note_id}")
    return 0


def cmd_note_remove(args) -> int:
    with open_project(args.project, write=True) as session:
        session.remove_note(args.note_id)
    print(f"removed note {args.note_id}")
    return 0


def cmd_note_revise(args) -> int:
    from previz.generation.queue import run_queue
    from previz.generation.revisions import revise_from_note

    with open_project(args.project, write=True) as session:
        job = revise_from_note(session, args.note_id, args.prompt, backend=args.backend, model=args.model)
        print(f"queued job {job.id} for note {args.note_id}")
        if args.run:
            finished = run_queue(session, job_ids=[job.id])
            done = finished[0] if finished else session.job(job.id)
            if done.state != "done":
                print(
                    f"previz: error: job {done.id} {done.state}: {done.error or done.message}",
                    file=sys.stderr,
                )
                return 1
            print(f"job {done.id}: take {session.take(done.take_id).number} ready")
    return 0


# ---------------------------------------------------------------------------- status and report
def cmd_status(args) -> int:
    from previz.core.review import set_review_status

    with open_project(args.project, write=True) as session:
        set_review_status(session, args.shot_code, args.status)
        shot = session.shot(args.shot_code)
    print(f"{shot.code}: {shot.status}")
    return 0


def cmd_report(args) -> int:
    from previz.export.review_report import write_review_report

    with open_project(args.project, write=False) as session:
        report = write_review_report(session, args.out, shots=args.shot, open_only=args.open)
    _warn(report.warnings)
    size = f"{report.pages} pages" if report.kind == "pdf" else f"{report.rows} notes"
    print(f"wrote {report.path} ({size})")
    return 0
