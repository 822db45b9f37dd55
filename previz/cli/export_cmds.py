"""``previz export PROJECT OUT``: the cut as a reel, frames, per-shot clips, editorial files or boards PDF."""

from __future__ import annotations

import argparse
import sys

from previz.cli.common import ProgressBar, open_project, print_json
from previz.core.jobs import CancelToken


def register(sub: argparse._SubParsersAction) -> None:
    from previz.export.api import ALIASES, FORMATS, SUFFIXES

    suffixes = ", ".join(f"{s}={f}" for s, f in SUFFIXES.items())
    p = sub.add_parser(
        "export",
        help="export the cut: mp4/mov reel, frames, per-shot clips, otio/otioz/edl/FCP 7 XML, boards pdf",
        description=f"Export the cut of PROJECT to OUT. The format defaults from OUT's suffix ({suffixes}); "
        "fcp7xml is FCP 7 XML (.xml, read by Premiere Pro and DaVinci Resolve; fcpxml is accepted for it); "
        "frames and clips write a folder.",
    )
    p.add_argument("project")
    p.add_argument("out")
    p.add_argument(
        "--format", choices=FORMATS + tuple(ALIASES), help="the format (default: from OUT's suffix)"
    )
    p.add_argument("--burnins", action="store_true", help="burn in shot, take, timecode, source frame, model")
    p.add_argument("--slate", action="store_true", help="start the reel with a slate/leader")
    wm = p.add_mutually_exclusive_group()
    wm.add_argument(
        "--watermark", metavar="TEXT", help="watermark text (default: PREVIZ — NOT FOR DISTRIBUTION)"
    )
    wm.add_argument("--no-watermark", action="store_true", help="no watermark")
    p.add_argument("--scene", action="append", metavar="N", help="only these scenes (repeatable)")
    p.add_argument("--crf", type=int, default=18, help="H.264 quality, 0-51 (default 18)")
    p.add_argument("--preset", default="medium", help="x264 preset (default medium)")
    p.add_argument("--clip-codec", choices=("h264", "prores"), default="h264", help="codec of per-shot media")
    p.add_argument("--per-page", type=int, choices=(1, 4, 6), default=4, help="boards PDF panels per page")
    p.add_argument(
        "--start-timecode", metavar="TC", help="record start of editorial files (default: project's)"
    )
    p.add_argument("--version-label", default="v001", help="version shown on the slate")
    p.add_argument("--commercial", action="store_true", help="refuse clips from non-commercial models")
    p.add_argument(
        "--allow-missing", action="store_true", help="show a slug for takes whose media is missing"
    )
    p.add_argument(
        "--no-credentials",
        action="store_true",
        help="do not sign MP4/MOV with content credentials (C2PA); recorded in the report",
    )
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=cmd_export)


def cmd_export(args) -> int:
    from previz.export.api import export_project
    from previz.export.reel import EncodeOptions
    from previz.export.render import WATERMARK, RenderOptions

    watermark = None if args.no_watermark else (args.watermark or WATERMARK)
    options = RenderOptions(
        burnins=args.burnins,
        watermark=watermark,
        slate=args.slate,
        version=args.version_label,
        allow_missing=args.allow_missing,
    )
    progress = ProgressBar(sys.stderr)
    with open_project(args.project, write=False) as session:
        result = export_project(
            session,
            args.out,
            args.format,
            scenes=args.scene,
            options=options,
            encode=EncodeOptions(crf=args.crf, preset=args.preset),
            commercial=args.commercial,
            clip_codec=args.clip_codec,
            per_page=args.per_page,
            start_timecode=args.start_timecode,
            credentials=not args.no_credentials,
            progress=progress,
            cancel=CancelToken(),
        )
    _warn_missing(result.missing)
    if args.json:
        print_json(result.to_dict())
        return 0
    print(f"wrote {result.path} ({result.format})")
    for extra in result.files:
        print(f"  with {extra}")
    line = f"duration {result.duration} ({result.frames} frames, {result.seconds:.2f} s)"
    if result.pages is not None:
        line += f", {result.pages} pages"
    if result.clips_rendered is not None:
        line += (
            f"; per-shot clips: {result.clips_rendered} rendered, {result.clips_reused} unchanged (cached)"
        )
    print(line)
    print("models and licences:")
    for group in result.licences:
        print(f"  {group.line()}: {', '.join(group.shots)}")
    if result.credentials is not None:
        print(f"content credentials: {credentials_line(result.credentials)}")
    return 0


def credentials_line(info: dict) -> str:
    """One line on the export's content credentials (from ``ExportResult.credentials``)."""
    if not info.get("signed"):
        return info.get("note", "none")
    return f"signed by {info['signer']} ({info['note']}); source type {info['source_type']}"


def _warn_missing(missing) -> None:
    """Say on stderr what --allow-missing replaced by placeholders (the JSON lists them too)."""
    if not missing:
        return
    print(
        f"previz: warning: {len(missing)} placeholder(s) exported for missing media (--allow-missing):",
        file=sys.stderr,
    )
    for item in missing:
        print(f"previz: warning:   {item.line()}", file=sys.stderr)
