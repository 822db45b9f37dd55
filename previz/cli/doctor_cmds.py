"""``previz doctor PROJECT``: check a project's database, media and temporary files; salvage a damaged
database into a recovery copy beside it. Exit 0 when healthy, 1 when problems were found."""

from __future__ import annotations

import argparse

from previz.cli.common import print_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "doctor",
        help="check a project (database integrity, media, leftovers); recover a damaged database",
        description="Check PROJECT: SQLite integrity and foreign keys, media files no row refers to, media "
        "rows whose file is missing, temporary files left by killed processes. When the database is damaged, "
        "what is readable is copied into project.recovered-TIME.sqlite beside it; project.sqlite itself is "
        "never changed. Exit 0 when healthy, 1 when problems were found.",
    )
    p.add_argument("project")
    p.add_argument("--no-recover", action="store_true", help="only check; write no recovery copy")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_doctor)


def cmd_doctor(args) -> int:
    from previz.core.doctor import examine

    report = examine(args.project, recover=not args.no_recover)
    if args.json:
        print_json(report.to_dict())
    else:
        print("\n".join(report.lines()))
    return 1 if report.problems else 0
