"""``previz app [PROJECT]``: open the desktop app (on PROJECT, else the last project, else the start page)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("app", help="open the desktop app (on PROJECT, or the last project)")
    p.add_argument(
        "project",
        nargs="?",
        help="a project to open: a bundle NAME.previz or postgresql://user@host/database",
    )
    p.add_argument("--no-reopen", dest="reopen", action="store_false", help="start on the start page")
    p.set_defaults(func=cmd_app)


def cmd_app(args) -> int:
    from pathlib import Path

    from previz.core.database import is_server_url
    from previz.core.errors import ProjectError

    if args.project is not None and not is_server_url(args.project) and not Path(args.project).exists():
        raise ProjectError(f"{args.project}: no such project; create one with `previz new {args.project}`")
    try:
        from previz.ui.app import main
    except ImportError as exc:  # PySide6 missing or no display libraries
        raise ProjectError(f"the desktop app cannot start: {exc}") from None
    return main(args.project, reopen_last=args.reopen)
