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
    # Internal (make bundle-test): print one line once the main window is shown, then quit.
    p.add_argument("--quit-when-shown", action="store_true", help=argparse.SUPPRESS)
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
    return main(args.project, reopen_last=args.reopen, quit_when_shown=args.quit_when_shown)


def main(argv: list[str]) -> int:
    """``previz app ARGV`` without building every command's parser, which imports every command group (and
    with them SQLAlchemy, PyAV, NumPy …) before the window can start: the desktop bundle starts here when it
    is run with no arguments or ``app``. Errors as ``previz.cli.main`` reports them."""
    import sys

    from previz.core.errors import PrevizError

    parser = argparse.ArgumentParser(prog="previz")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["app", *argv])
    try:
        return int(args.func(args) or 0)
    except PrevizError as exc:
        print(f"previz: error: {exc.one_line()}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
