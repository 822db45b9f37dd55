"""Project commands: new, info, cut, scene, shot, character, undo, redo, gc, demo."""

from __future__ import annotations

import argparse
from pathlib import Path

from previz.cli.common import ellipsize, open_project, print_json, print_table
from previz.core.errors import ValidationError
from previz.core.session import ProjectSession
from previz.core.timecode import FRAME_RATES, frames_to_timecode, seconds_to_frames
from previz.ingest.screenplay import heading_fields


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "new",
        help="create a project: a bundle NAME.previz, or in an empty PostgreSQL database "
        "(postgresql://user@host/film --media DIR)",
    )
    p.add_argument("path", help="NAME(.previz) for a bundle, or postgresql://user@host:5432/database")
    p.add_argument(
        "--media",
        help="a PostgreSQL project's media root: a shared folder every machine mounts (passwords come from "
        "~/.pgpass or PGPASSWORD, never from the URL)",
    )
    p.add_argument("--name")
    p.add_argument("--fps", default="24", help=f"{', '.join(FRAME_RATES)} (or a ratio such as 24000/1001)")
    p.add_argument("--size", default="1280x720", help="WIDTHxHEIGHT (even numbers, 64 to 8192)")
    p.add_argument("--ndf", action="store_true", help="non-drop-frame timecode at 29.97/59.94")
    p.set_defaults(func=cmd_new)

    p = sub.add_parser("info", help="summary of a project")
    p.add_argument("project")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("cut", help="the cut: shots in order with record in/out")
    p.add_argument("project")
    p.add_argument("--scene", action="append", help="only these scenes (repeatable)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_cut)

    _register_scene(sub)
    _register_shot(sub)
    _register_character(sub)

    for name, func in (("undo", cmd_undo), ("redo", cmd_redo)):
        p = sub.add_parser(name, help=f"{name} the last change to a project")
        p.add_argument("project")
        p.set_defaults(func=func)

    p = sub.add_parser(
        "settings", help="show or change the project's generation defaults (backend, model, speed preset)"
    )
    p.add_argument("project")
    p.add_argument("--backend", help="animatic or diffusers")
    p.add_argument("--model", help="model id or folder")
    p.add_argument("--preset", help="speed preset: final (plain diffusers), balanced or draft")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_settings)

    p = sub.add_parser("gc", help="remove media that nothing in the project refers to")
    p.add_argument("project")
    p.set_defaults(func=cmd_gc)

    p = sub.add_parser("demo", help="build the sample project in DIR (default ./previz-demo)")
    p.add_argument("dir", nargs="?", default="previz-demo")
    p.set_defaults(func=cmd_demo)


# ---------------------------------------------------------------------------- project
def cmd_new(args) -> int:
    session = ProjectSession.create(
        args.path,
        name=args.name,
        fps=args.fps,
        size=args.size,
        drop_frame=False if args.ndf else None,
        media=args.media,
    )
    with session:
        info = session.project()
        where = (
            session.location
            if session.location == str(session.root)
            else f"{session.location}, media in {session.root}"
        )
        print(f"created {where} ({info.name}, {info.width}x{info.height} at {info.fps} fps)")
    return 0


def cmd_settings(args) -> int:
    changes = {
        field: value
        for field, value in (
            ("default_backend", args.backend),
            ("default_model", args.model),
            ("default_preset", args.preset),
        )
        if value is not None
    }
    with open_project(args.project, write=bool(changes)) as session:
        if changes:
            session.set_project(**changes)
        info = session.project()
    values = {
        "backend": info.default_backend or "animatic",
        "model": info.default_model,
        "preset": info.default_preset,
    }
    if args.json:
        print_json(values)
    else:
        for key, value in values.items():
            print(f"{key + ':':9}{value or '-'}")
    return 0


def project_summary(session: ProjectSession) -> dict:
    info = session.project()
    takes_by_shot: dict[int, list] = {}
    for take in session.takes():
        takes_by_shot.setdefault(take.shot_id, []).append(take)
    shots_by_scene: dict[int, list] = {}
    for shot in session.shots():
        shots_by_scene.setdefault(shot.scene_id, []).append(shot)
    scenes = []
    for scene in session.scenes():
        shots = []
        for shot in shots_by_scene.get(scene.id, []):
            takes = takes_by_shot.get(shot.id, [])
            selected = next((t.number for t in takes if t.id == shot.selected_take_id), None)
            shots.append(
                {
                    "code": shot.code,
                    "duration_frames": shot.duration_frames,
                    "status": shot.status,
                    "size": shot.size,
                    "move": shot.move,
                    "takes": len(takes),
                    "selected_take": selected,
                    "stale_takes": sum(t.stale for t in takes),
                }
            )
        scenes.append(
            {"number": scene.number, "heading": scene.heading, "omitted": scene.omitted, "shots": shots}
        )
    cut = session.cut()
    return {
        "name": info.name,
        "path": session.location,
        "fps": info.fps,
        "drop_frame": info.drop_frame,
        "width": info.width,
        "height": info.height,
        "start_timecode": info.start_timecode,
        "cut_frames": cut.duration,
        "cut_duration": frames_to_timecode(cut.duration, info.rate),
        "scenes": scenes,
        "characters": [c.name for c in session.characters()],
    }


def cmd_info(args) -> int:
    with open_project(args.project, write=False) as session:
        summary = project_summary(session)
    if args.json:
        print_json(summary)
        return 0
    shots = sum(len(s["shots"]) for s in summary["scenes"])
    takes = sum(sh["takes"] for s in summary["scenes"] for sh in s["shots"])
    print(f"{summary['name']}  ({summary['path']})")
    print(
        f"  {summary['width']}x{summary['height']} at {summary['fps']} fps"
        + (" drop-frame" if summary["drop_frame"] else "")
    )
    print(
        f"  {len(summary['scenes'])} scenes, {shots} shots, {takes} takes; cut {summary['cut_duration']}"
        f" ({summary['cut_frames']} frames)"
    )
    for scene in summary["scenes"]:
        flag = "  [omitted]" if scene["omitted"] else ""
        print(f"  {scene['number']:>5}  {scene['heading']}  ({len(scene['shots'])} shots){flag}")
    return 0


def cmd_cut(args) -> int:
    with open_project(args.project, write=False) as session:
        cut = session.cut(args.scene)
    rows = [
        {
            "code": e.code,
            "scene": e.scene_number,
            "take": e.take_number,
            "duration": e.duration,
            "record_in": e.record_in,
            "record_out": e.record_out,
            "record_in_tc": cut.timecode(e.record_in),
            "record_out_tc": cut.timecode(e.record_out),
            "source_in": e.source_in,
            "source_out": e.source_out,
            "status": e.status,
        }
        for e in cut.entries
    ]
    if args.json:
        print_json(
            {
                "fps": cut.rate.label,
                "drop_frame": cut.rate.drop_frame,
                "duration": cut.duration,
                "start_timecode": cut.start_timecode,
                "entries": rows,
            }
        )
        return 0
    print_table(
        ["code", "take", "dur", "rec in", "rec out", "status"],
        [
            [r["code"], r["take"] or "-", r["duration"], r["record_in_tc"], r["record_out_tc"], r["status"]]
            for r in rows
        ],
    )
    print(f"{len(rows)} shots, {cut.duration} frames ({cut.timecode(cut.duration)} end)")
    return 0


# ---------------------------------------------------------------------------- scenes
def _register_scene(sub) -> None:
    scene = sub.add_parser("scene", help="add, list, change, move or remove scenes")
    ssub = scene.add_subparsers(dest="action", metavar="ACTION", required=True)

    p = ssub.add_parser("add", help="add a scene")
    p.add_argument("project")
    p.add_argument("--heading", required=True, help='e.g. "INT. KITCHEN - NIGHT"')
    p.add_argument("--number", help="scene number as in the script (default: next number)")
    p.add_argument("--synopsis", default="")
    p.add_argument("--position", type=int, help="1 = first (default: last)")
    p.set_defaults(func=cmd_scene_add)

    p = ssub.add_parser("list", help="list scenes")
    p.add_argument("project")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_scene_list)

    p = ssub.add_parser("set", help="change a scene's fields")
    p.add_argument("project")
    p.add_argument("number")
    p.add_argument("--heading")
    p.add_argument("--new-number", dest="new_number")
    p.add_argument("--synopsis")
    p.add_argument("--location")
    p.add_argument("--time-of-day", dest="time_of_day")
    p.add_argument("--omitted", choices=["yes", "no"])
    p.set_defaults(func=cmd_scene_set)

    p = ssub.add_parser("move", help="move a scene to a new position (1 = first)")
    p.add_argument("project")
    p.add_argument("number")
    p.add_argument("position", type=int)
    p.set_defaults(func=cmd_scene_move)

    p = ssub.add_parser("remove", help="remove a scene and its shots")
    p.add_argument("project")
    p.add_argument("number")
    p.set_defaults(func=cmd_scene_remove)


def _one_based(position: int | None, field: str = "position") -> int | None:
    if position is None:
        return None
    if position < 1:
        raise ValidationError(field, f"{position} is not a position; 1 is the first")
    return position - 1


def cmd_scene_add(args) -> int:
    with open_project(args.project, write=True) as session:
        scene = session.add_scene(
            args.heading,
            number=args.number,
            position=_one_based(args.position),
            synopsis=args.synopsis,
            **heading_fields(args.heading),
        )
    print(f"added scene {scene.number}: {scene.heading}")
    return 0


def cmd_scene_list(args) -> int:
    with open_project(args.project, write=False) as session:
        scenes = session.scenes()
        counts: dict[int, int] = {}
        for shot in session.shots():
            counts[shot.scene_id] = counts.get(shot.scene_id, 0) + 1
    if args.json:
        print_json([dict(s.__dict__, shots=counts.get(s.id, 0)) for s in scenes])
        return 0
    print_table(
        ["#", "number", "heading", "shots", "omitted"],
        [
            [i + 1, s.number, ellipsize(s.heading), counts.get(s.id, 0), "yes" if s.omitted else ""]
            for i, s in enumerate(scenes)
        ],
    )
    return 0


def cmd_scene_set(args) -> int:
    fields = {
        k: v
        for k, v in {
            "heading": args.heading,
            "number": args.new_number,
            "synopsis": args.synopsis,
            "location": args.location,
            "time_of_day": args.time_of_day,
        }.items()
        if v is not None
    }
    if args.heading is not None:
        fields = {**heading_fields(args.heading), **fields}
    if args.omitted is not None:
        fields["omitted"] = args.omitted == "yes"
    if not fields:
        raise ValidationError("scene set", "nothing to change; give at least one option (see --help)")
    with open_project(args.project, write=True) as session:
        session.set_scene(args.number, **fields)
    print(f"changed scene {args.number}")
    return 0


def cmd_scene_move(args) -> int:
    with open_project(args.project, write=True) as session:
        session.move_scene(args.number, _one_based(args.position))
    print(f"moved scene {args.number} to position {args.position}")
    return 0


def cmd_scene_remove(args) -> int:
    with open_project(args.project, write=True) as session:
        session.remove_scene(args.number)
    print(f"removed scene {args.number} (undo with `previz undo`)")
    return 0


# ---------------------------------------------------------------------------- shots
SHOT_OPTIONS = [
    ("--code", "code", str, "shot code (default: SSS_NNNN from the scene)"),
    ("--size", "size", str, "EWS, WS, MS, MCU, CU, ECU, insert, OTS, POV"),
    ("--move", "move", str, "static, push_in, pull_out, pan_left, …, dolly_zoom, handheld"),
    ("--intensity", "move_intensity", float, "camera move intensity 0..1"),
    ("--easing", "move_easing", str, "linear, ease_in, ease_out, ease_in_out"),
    ("--lens", "lens_mm", float, "lens in mm"),
    ("--action", "action", str, "what happens in the shot"),
    ("--dialogue", "dialogue", str, "dialogue heard in the shot"),
    ("--characters", "characters", str, "comma-separated character names"),
    ("--prompt", "prompt", str, "prompt override for generation"),
    ("--negative", "negative_prompt", str, "negative prompt"),
    ("--seed", "seed", int, "generation seed"),
    ("--steps", "steps", int, "diffusion steps"),
    ("--guidance", "guidance", float, "guidance scale"),
    ("--backend", "backend", str, "animatic or diffusers"),
    ("--model", "model", str, "model id or path"),
    ("--preset", "preset", str, "speed preset: final, balanced or draft ('' = the project's)"),
    ("--transition", "transition", str, "cut, dissolve, fade_in, fade_out"),
    ("--transition-frames", "transition_frames", int, "length of the transition"),
]


def _add_shot_options(p, *, is_set: bool) -> None:
    for flag, dest, typ, help_text in SHOT_OPTIONS:
        p.add_argument(flag, dest=dest, type=typ, help=help_text)
    dur = p.add_mutually_exclusive_group()
    dur.add_argument("--duration", dest="duration_frames", type=int, help="duration in frames")
    dur.add_argument("--seconds", type=float, help="duration in seconds at the project rate")
    p.add_argument("--board", help="storyboard panel image")
    if is_set:
        p.add_argument("--status", help="draft, ready, approved, needs_changes, omitted, …")
        p.add_argument("--trim-in", dest="trim_in", type=int, help="first frame of the take used")
        p.add_argument("--no-board", action="store_true", help="remove the board panel")


def _shot_fields(args, session: ProjectSession) -> dict:
    fields = {dest: getattr(args, dest) for _, dest, _, _ in SHOT_OPTIONS if getattr(args, dest) is not None}
    for dest in ("duration_frames", "status", "trim_in"):
        if getattr(args, dest, None) is not None:
            fields[dest] = getattr(args, dest)
    if args.seconds is not None:
        if args.seconds <= 0:
            raise ValidationError("seconds", f"{args.seconds} is not a duration; give a positive number")
        fields["duration_frames"] = max(1, seconds_to_frames(args.seconds, session.rate))
    if args.board:
        from previz.media.library import import_media_file

        fields["board_hash"] = import_media_file(session, args.board, kind="image").hash
    if getattr(args, "no_board", False):
        fields["board_hash"] = None
    return fields


def _register_shot(sub) -> None:
    shot = sub.add_parser("shot", help="add, list, change, move or remove shots")
    ssub = shot.add_subparsers(dest="action", metavar="ACTION", required=True)

    p = ssub.add_parser("add", help="add a shot to a scene")
    p.add_argument("project")
    p.add_argument("--scene", required=True, help="scene number")
    p.add_argument("--position", type=int, help="1 = first in the scene (default: last)")
    _add_shot_options(p, is_set=False)
    p.set_defaults(func=cmd_shot_add)

    p = ssub.add_parser("list", help="list shots")
    p.add_argument("project")
    p.add_argument("--scene")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_shot_list)

    p = ssub.add_parser("set", help="change a shot's fields")
    p.add_argument("project")
    p.add_argument("shot_code")
    _add_shot_options(p, is_set=True)
    p.set_defaults(func=cmd_shot_set)

    p = ssub.add_parser("move", help="move a shot (1 = first in its scene)")
    p.add_argument("project")
    p.add_argument("shot_code")
    p.add_argument("position", type=int)
    p.add_argument("--scene", help="move into this scene")
    p.set_defaults(func=cmd_shot_move)

    p = ssub.add_parser("remove", help="remove a shot with its takes and notes")
    p.add_argument("project")
    p.add_argument("shot_code")
    p.set_defaults(func=cmd_shot_remove)


def cmd_shot_add(args) -> int:
    with open_project(args.project, write=True) as session:
        with session.batch():
            fields = _shot_fields(args, session)
            code = fields.pop("code", None)
            shot = session.add_shot(args.scene, code=code, position=_one_based(args.position), **fields)
        print(f"added shot {shot.code} ({shot.duration_frames} frames, {shot.size}, {shot.move})")
    return 0


def cmd_shot_list(args) -> int:
    with open_project(args.project, write=False) as session:
        shots = session.shots(args.scene)
        takes: dict[int, int] = {}
        for take in session.takes():
            takes[take.shot_id] = takes.get(take.shot_id, 0) + 1
    if args.json:
        print_json([dict(s.__dict__, takes=takes.get(s.id, 0)) for s in shots])
        return 0
    print_table(
        ["code", "scene", "size", "move", "dur", "status", "takes", "action"],
        [
            [
                s.code,
                s.scene_number,
                s.size.upper(),
                s.move,
                s.duration_frames,
                s.status,
                takes.get(s.id, 0),
                ellipsize(s.action, 40),
            ]
            for s in shots
        ],
    )
    return 0


def cmd_shot_set(args) -> int:
    with open_project(args.project, write=True) as session:
        with session.batch():
            fields = _shot_fields(args, session)
            if not fields:
                raise ValidationError("shot set", "nothing to change; give at least one option (see --help)")
            session.set_shot(args.shot_code, **fields)
    print(f"changed {fields.get('code', args.shot_code)}")
    return 0


def cmd_shot_move(args) -> int:
    with open_project(args.project, write=True) as session:
        session.move_shot(args.shot_code, _one_based(args.position), scene=args.scene)
    print(f"moved {args.shot_code} to position {args.position}")
    return 0


def cmd_shot_remove(args) -> int:
    with open_project(args.project, write=True) as session:
        session.remove_shot(args.shot_code)
    print(f"removed {args.shot_code} (undo with `previz undo`)")
    return 0


# ---------------------------------------------------------------------------- characters
def _register_character(sub) -> None:
    ch = sub.add_parser("character", help="add or list characters")
    csub = ch.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = csub.add_parser("add", help="add a character")
    p.add_argument("project")
    p.add_argument("name")
    p.add_argument("--description", default="", help="how they look (folded into prompts)")
    p.add_argument("--reference", help="reference image")
    p.set_defaults(func=cmd_character_add)
    p = csub.add_parser("list", help="list characters")
    p.add_argument("project")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_character_list)


def cmd_character_add(args) -> int:
    with open_project(args.project, write=True) as session:
        with session.batch():
            ref = None
            if args.reference:
                from previz.media.library import import_media_file

                ref = import_media_file(session, args.reference, kind="image").hash
            character = session.add_character(args.name, args.description, ref)
    print(f"added character {character.name}")
    return 0


def cmd_character_list(args) -> int:
    with open_project(args.project, write=False) as session:
        characters = session.characters()
    if args.json:
        print_json(characters)
        return 0
    print_table(["name", "description"], [[c.name, ellipsize(c.description, 60)] for c in characters])
    return 0


# ---------------------------------------------------------------------------- history, gc, demo
def cmd_undo(args) -> int:
    with open_project(args.project, write=True) as session:
        name, _ = session.undo()
    print(f"undid: {name}")
    return 0


def cmd_redo(args) -> int:
    with open_project(args.project, write=True) as session:
        name, _ = session.redo()
    print(f"redid: {name}")
    return 0


def cmd_gc(args) -> int:
    with open_project(args.project, write=True) as session:
        report = session.collect_garbage()
    print(report.summary())
    return 0


def cmd_demo(args) -> int:
    from previz.demo import build_demo

    build_demo(Path(args.dir), echo=print)
    return 0
