"""Audio under the cut: ``previz audio add|list|remove`` (temp music, scratch dialogue)."""

from __future__ import annotations

import argparse
from dataclasses import asdict

from previz.cli.common import open_project, print_json, print_table
from previz.core.errors import ValidationError
from previz.core.timecode import FrameRate, timecode_to_frames


def register(sub: argparse._SubParsersAction) -> None:
    audio = sub.add_parser("audio", help="add, list or remove audio clips under the cut")
    asub = audio.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = asub.add_parser("add", help="place an audio file (WAV, MP3, AAC, …) under the cut")
    p.add_argument("project")
    p.add_argument("file")
    p.add_argument(
        "--start",
        default="0",
        help="where the clip starts: a frame of the cut (0 = its first frame) or a timecode counted from "
        "the cut's start (00:00:10:00 = ten seconds in); `audio list` shows the record timecode",
    )
    p.add_argument("--gain", type=float, default=0.0, help="gain in dB")
    p.add_argument("--track", type=int, default=1)
    p.set_defaults(func=cmd_audio_add)
    p = asub.add_parser("list", help="audio clips")
    p.add_argument("project")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_audio_list)
    p = asub.add_parser("remove", help="remove an audio clip")
    p.add_argument("project")
    p.add_argument("clip_id", type=int)
    p.set_defaults(func=cmd_audio_remove)


def _start_frame(value: str, rate: FrameRate) -> int:
    """``--start``: a frame of the cut, or a timecode counted from the cut's start."""
    text = value.strip()
    if ":" in text or ";" in text:
        return timecode_to_frames(text, rate)
    if not text.isdigit():
        raise ValidationError("--start", f"{value!r} is neither a frame number nor a timecode (00:00:10:00)")
    return int(text)


def cmd_audio_add(args) -> int:
    from previz.media.library import import_media_file

    with open_project(args.project, write=True) as session:
        start = _start_frame(args.start, session.rate)
        with session.batch():
            media = import_media_file(session, args.file, kind="audio")
            clip = session.add_audio_clip(
                media.hash, start_frame=start, track=args.track, gain_db=args.gain, name=media.original_name
            )
    print(f"added audio {clip.name} (clip {clip.id}) at frame {clip.start_frame}")
    return 0


def cmd_audio_list(args) -> int:
    with open_project(args.project, write=False) as session:
        clips = session.audio_clips()
        cut = session.cut()
    # Record timecode as `previz cut` shows it: the project's start timecode plus the frame.
    if args.json:
        print_json([dict(asdict(c), start_timecode=cut.timecode(c.start_frame)) for c in clips])
        return 0
    print_table(
        ["id", "name", "track", "start", "frame", "gain dB"],
        [[c.id, c.name, c.track, cut.timecode(c.start_frame), c.start_frame, c.gain_db] for c in clips],
    )
    return 0


def cmd_audio_remove(args) -> int:
    with open_project(args.project, write=True) as session:
        session.remove_audio_clip(args.clip_id)
    print(f"removed audio clip {args.clip_id}")
    return 0
