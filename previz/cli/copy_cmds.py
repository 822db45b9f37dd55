"""``previz project copy SRC DST [--media DIR]``: a project copied between a bundle and a PostgreSQL database
(every row, history included, and every media file), checked row by row."""

from __future__ import annotations

import argparse
import sys

from previz.cli.common import ProgressBar, print_json


def register(sub: argparse._SubParsersAction) -> None:
    project = sub.add_parser("project", help="copy a project between a bundle and a PostgreSQL database")
    psub = project.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = psub.add_parser(
        "copy",
        help="copy a project (rows, history, media) to a new bundle or an empty PostgreSQL database",
        description="Copy the project SRC to DST, each a bundle (NAME.previz) or a PostgreSQL URL "
        "(postgresql://user@host:5432/database): every row with its id, the history and undo steps, and "
        "every media file (hashes checked); then compare both row by row. SRC is only read. DST must not "
        "exist (a bundle) or be an empty database; nothing is left of it when the copy fails.",
    )
    p.add_argument("src", help="the project to copy: a bundle, or postgresql://user@host/database")
    p.add_argument("dst", help="the new project: a bundle path, or an empty PostgreSQL database's URL")
    p.add_argument(
        "--media",
        metavar="DIR",
        help="DST's media root when DST is PostgreSQL (required then): a new or empty shared folder",
    )
    p.add_argument("--json", action="store_true", help="print what was copied as JSON")
    p.set_defaults(func=cmd_copy)


def cmd_copy(args) -> int:
    from previz.core.project_copy import copy_project

    report = copy_project(args.src, args.dst, media=args.media, progress=ProgressBar(sys.stderr))
    if args.json:
        print_json(report.to_dict())
        return 0
    tables = sum(1 for n in report.rows.values() if n)
    print(
        f"copied {report.source} to {report.destination}: {report.total_rows:,} rows in {tables} tables, "
        f"{report.media_files:,} media files ({_size(report.media_bytes)}), in {report.seconds:.1f} s; "
        "checked row by row, every media file's hash verified"
    )
    for name, n in report.rows.items():
        if n:
            print(f"  {name:<12} {n:>9,}")
    return 0


def _size(n: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:,} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"
