"""``previz``: headless commands over the same ``ProjectSession`` the desktop app uses.

Exit codes: 0 success; 1 a user error (one line on stderr naming the field, file or line, and what to do;
no traceback); 2 a usage error (argparse).
"""

from __future__ import annotations

import argparse
import sys

from previz import __version__
from previz.core.errors import PrevizError


def build_parser() -> argparse.ArgumentParser:
    from previz.cli import project_cmds

    parser = argparse.ArgumentParser(prog="previz", description="Offline film previsualization.")
    parser.add_argument("--version", action="version", version=f"previz {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    project_cmds.register(sub)
    for name in (
        "ingest_cmds",
        "generate_cmds",
        "models_cmds",
        "audio_cmds",
        "export_cmds",
        "review_cmds",
        "compare_cmds",
        "doctor_cmds",
        "credentials_cmds",
        "copy_cmds",
        "farm_cmds",
        "runtime_cmds",
        "app_cmds",
    ):
        try:
            module = __import__(f"previz.cli.{name}", fromlist=["register"])
        except ModuleNotFoundError as exc:  # a command group that is not part of this build
            if exc.name != f"previz.cli.{name}":
                raise
            continue
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    if not argv:
        argv = ["app"] if "app" in parser._subparsers._group_actions[0].choices else ["--help"]
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except PrevizError as exc:
        print(f"previz: error: {exc.one_line()}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("previz: interrupted", file=sys.stderr)
        return 130
