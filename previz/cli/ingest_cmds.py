"""Import commands: ``previz import`` (screenplays, shot lists, board folders) and ``previz prompt``."""

from __future__ import annotations

import argparse

from previz.cli.common import open_project, print_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import",
        help="import a screenplay (.fountain/.fdx), a shot list (.csv/.xlsx), boards, or the editor's cut "
        "(.otio/.otioz/.edl/FCP 7 .xml: the project is conformed to it)",
    )
    p.add_argument("project")
    p.add_argument("source", metavar="FILE_OR_FOLDER")
    p.add_argument("--kind", choices=["fountain", "fdx", "csv", "boards"], help="default: from the path")
    p.add_argument("--scene", help="scene for board panels whose names do not say their shot")
    p.add_argument("--encoding", help="text encoding when the file is not UTF-8 (e.g. latin-1)")
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="run the whole import with every check, print what would change, then roll it back",
    )
    p.add_argument(
        "--no-breakdown",
        dest="breakdown",
        action="store_false",
        help="screenplays: add scenes only, no initial shots (e.g. when a shot list follows)",
    )
    p.add_argument("--rate", help="cuts: the EDL's frame rate (default: the project's)")
    p.add_argument("--track", type=int, default=1, help="cuts: the video track that is the cut (default 1)")
    p.add_argument(
        "--media-root",
        action="append",
        default=[],
        help="cuts: another folder whose media may be read for new shots (the cut's folder always is)",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("prompt", help="the prompt a model gets for a shot")
    p.add_argument("project")
    p.add_argument("shot_code")
    p.add_argument("--family", default="ltx", help="ltx, wan, cogvideox, hunyuan or svd")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_prompt)


def cmd_import(args) -> int:
    from pathlib import Path

    from previz.ingest.apply import import_path
    from previz.ingest.editorial_read import cut_suffix

    if args.kind is None and cut_suffix(Path(args.source)):
        return _import_cut(args)

    # A dry run writes in a transaction it rolls back, so it needs the project open for writing.
    with open_project(args.project, write=True) as session:
        summary = import_path(
            session,
            args.source,
            kind=args.kind,
            scene=args.scene,
            encoding=args.encoding,
            dry_run=args.dry_run,
            breakdown=args.breakdown,
        )
    if args.json:
        print_json(summary.as_dict())
    else:
        print("\n".join(summary.lines()))
    return 0


def _import_cut(args) -> int:
    from previz.ingest.conform import import_cut

    with open_project(args.project, write=True) as session:
        report = import_cut(
            session,
            args.source,
            rate=args.rate,
            track=args.track,
            dry_run=args.dry_run,
            media_roots=tuple(args.media_root),
        )
    if args.json:
        print_json(report.as_dict())
    else:
        print("\n".join(report.lines()))
    return 0


def cmd_prompt(args) -> int:
    from previz.ingest.shot_prompt import shot_prompt

    with open_project(args.project, write=False) as session:
        composed = shot_prompt(session, args.shot_code, args.family)
    if args.json:
        print_json(
            {
                "family": composed.family,
                "prompt": composed.prompt,
                "negative_prompt": composed.negative_prompt,
            }
        )
    else:
        print(composed.prompt or "(this family takes no prompt)")
        if composed.negative_prompt:
            print(f"\nnegative: {composed.negative_prompt}")
    return 0
