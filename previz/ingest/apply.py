"""Apply imports to a project: screenplays (with breakdown and revisions), shot lists and board folders.

Each import is parsed and validated first, then written as ONE edit (one transaction, one undo step):
a failed import leaves the project exactly as it was. ``dry_run`` computes the same summary and writes
nothing.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path

from previz.core.errors import ImportFileError, PrevizError
from previz.core.session import ProjectSession
from previz.core.session_edits import shot_code_for
from previz.core.timecode import seconds_to_frames
from previz.ingest import detect_kind, load_screenplay
from previz.ingest.breakdown import break_down_scene
from previz.ingest.revisions import ExistingScene, assign_scene_numbers, plan_revision

#: Takes made from a shot's fields (and so stale when the scene's script changes).
MADE_TAKES = ("animatic", "generated")


@dataclass
class ImportSummary:
    path: str
    kind: str
    dry_run: bool = False
    scenes_added: list[str] = field(default_factory=list)
    scenes_changed: list[str] = field(default_factory=list)
    scenes_unchanged: int = 0
    scenes_omitted: list[str] = field(default_factory=list)
    shots_added: int = 0
    shots_updated: int = 0
    boards_attached: int = 0
    takes_marked_stale: int = 0
    characters_added: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)

    def lines(self) -> list[str]:
        verb = "would import" if self.dry_run else "imported"
        out = [f"{verb} {self.path} ({self.kind})"]
        if self.kind in ("fountain", "fdx"):
            out.append(
                f"  scenes: {len(self.scenes_added)} added, {len(self.scenes_changed)} changed, "
                f"{self.scenes_unchanged} unchanged, {len(self.scenes_omitted)} omitted"
            )
            out += [f"    omitted (gone from the script; shots kept): {s}" for s in self.scenes_omitted]
            out += [f"    changed: {s}" for s in self.scenes_changed]
        out.append(
            f"  shots: {self.shots_added} added, {self.shots_updated} updated; "
            f"boards attached: {self.boards_attached}; takes marked stale: {self.takes_marked_stale}"
        )
        if self.characters_added:
            out.append(f"  characters added: {', '.join(self.characters_added)}")
        return out


def import_path(
    session: ProjectSession,
    path: str | Path,
    *,
    kind: str | None = None,
    scene: str | None = None,
    encoding: str | None = None,
    dry_run: bool = False,
    breakdown: bool = True,
) -> ImportSummary:
    """Import a screenplay, shot list or board folder, by ``kind`` or by what ``path`` is."""
    path = Path(path)
    if not path.exists():
        raise ImportFileError(str(path), "no such file or folder")
    kind = kind or detect_kind(path)
    if kind in ("fountain", "fdx"):
        return import_screenplay(session, path, encoding=encoding, dry_run=dry_run, breakdown=breakdown)
    if kind == "csv":
        return import_shot_list(session, path, encoding=encoding, dry_run=dry_run)
    if kind == "boards":
        return import_boards(session, path, scene=scene, dry_run=dry_run)
    raise ImportFileError(str(path), f"unknown import kind {kind!r}; use fountain, fdx, csv or boards")


def _label(number: str | None, heading: str) -> str:
    return f"{number} {heading}" if number else heading


def _scene_fields(sc) -> dict:
    return {
        "heading": sc.heading,
        "int_ext": sc.int_ext or "",
        "location": sc.location or "",
        "time_of_day": sc.time_of_day or "",
        "synopsis": sc.synopsis or "",
        "script_text": sc.text,
    }


def import_screenplay(
    session: ProjectSession,
    path: Path,
    *,
    encoding: str | None = None,
    dry_run: bool = False,
    breakdown: bool = True,
) -> ImportSummary:
    """Scenes from a screenplay; new scenes get an initial shot list from the breakdown unless
    ``breakdown`` is False (when the shots will come from the AD's shot list)."""
    play = load_screenplay(path, encoding=encoding)
    kind = "fdx" if path.suffix.lower() == ".fdx" else "fountain"
    if not play.scenes:
        raise ImportFileError(
            str(path), "no scene headings found (e.g. 'INT. KITCHEN - NIGHT'); nothing to import"
        )
    scenes = session.scenes()
    existing = [ExistingScene(s.id, s.number, s.heading, s.position, s.script_text) for s in scenes]
    plan = plan_revision(existing, play)
    numbers = assign_scene_numbers(plan, play)
    rate = session.rate
    known_characters = {c.name.upper() for c in session.characters()}
    new_characters = [name for name in play.characters if name.upper() not in known_characters]
    summary = ImportSummary(
        str(path), kind, dry_run, scenes_unchanged=len(plan.unchanged), characters_added=new_characters
    )
    summary.scenes_added = [_label(numbers[a.position], a.scene.heading) for a in plan.added]
    summary.scenes_changed = [_label(numbers[m.position], m.scene.heading) for m in plan.changed]
    summary.scenes_omitted = [_label(e.number, e.heading) for e in plan.omitted]

    added_specs = []
    for added in plan.added:
        number = numbers[added.position]
        shots = []
        for proposed in break_down_scene(added.scene, play.characters) if breakdown else ():
            shots.append(
                {
                    "code": shot_code_for(number, proposed.number),
                    "size": proposed.size.value,
                    "move": proposed.move.value,
                    "action": proposed.action,
                    "dialogue": proposed.dialogue,
                    "characters": list(proposed.characters),
                    "duration_frames": max(1, seconds_to_frames(proposed.duration_seconds, rate)),
                }
            )
        added_specs.append(dict(_scene_fields(added.scene), number=number, shots=shots))
        summary.shots_added += len(shots)

    changed_shot_ids = set()
    if plan.changed:
        by_scene = {m.existing.key for m in plan.changed}
        changed_shot_ids = {s.id for s in session.shots() if s.scene_id in by_scene}
    stale = [
        t for t in session.takes() if t.shot_id in changed_shot_ids and t.kind in MADE_TAKES and not t.stale
    ]
    summary.takes_marked_stale = len(stale)
    if dry_run:
        return summary

    with session.batch(f"Import {path.name}"):
        for name in new_characters:
            session.add_character(name)
        if added_specs:
            session.add_scenes_bulk(added_specs, name=f"Import {path.name}")
        for match in plan.changed + plan.unchanged:
            fields = dict(_scene_fields(match.scene), number=numbers[match.position], omitted=False)
            session.set_scene(match.existing.number, **fields)
        shots_by_id = {s.id: s for s in session.shots()}
        for take in stale:
            session.set_take(shots_by_id[take.shot_id].code, take.number, stale=True)
        for gone in plan.omitted:
            session.set_scene(gone.number, omitted=True)
        _order_scenes(session, numbers, plan)
    return summary


def _order_scenes(session: ProjectSession, numbers: list[str], plan) -> None:
    """Put scenes in script order; an omitted scene stays after the scene it followed before."""
    order = list(numbers)
    old = [s.number for s in session.scenes()]
    for gone in sorted(plan.omitted, key=lambda e: e.order):
        i = old.index(gone.number)
        before = next((old[k] for k in range(i - 1, -1, -1) if old[k] in order), None)
        order.insert(order.index(before) + 1 if before else 0, gone.number)
    current = [s.number for s in session.scenes()]
    for position, number in enumerate(order):
        if current[position] != number:
            session.move_scene(number, position)
            current.remove(number)
            current.insert(position, number)


def import_shot_list(
    session: ProjectSession, path: Path, *, encoding: str | None = None, dry_run: bool = False
) -> ImportSummary:
    from previz.ingest.shotlist import check_known_scenes, load_shot_list
    from previz.media.library import import_media_file

    shot_list = load_shot_list(path, session.rate.fps, encoding=encoding)
    check_known_scenes(shot_list, [s.number for s in session.scenes()])
    existing = {s.code for s in session.shots()}
    summary = ImportSummary(str(path), "csv", dry_run)
    for row in shot_list.rows:
        if row.board and not (path.parent / row.board).is_file():
            raise ImportFileError(
                str(path),
                f"board image {row.board} not found beside the shot list",
                line=row.row,
                column=shot_list.columns.get("board", "board"),
            )
    with session.batch(f"Import {path.name}") if not dry_run else nullcontext():
        for row in shot_list.rows:
            fields = {
                "size": row.size.value if row.size else None,
                "move": row.move.value if row.move else None,
                "lens_mm": row.lens_mm,
                "duration_frames": row.duration_frames,
                "action": row.description or None,
                "dialogue": row.dialogue or None,
                "prompt": row.prompt or None,
            }
            fields = {k: v for k, v in fields.items() if v is not None}
            if row.board:
                summary.boards_attached += 1
                if not dry_run:
                    fields["board_hash"] = _board(
                        import_media_file, session, path.parent / row.board, path, row.row
                    )
            if row.code in existing:
                summary.shots_updated += 1
                if not dry_run:
                    session.set_shot(row.code, **fields)
            else:
                summary.shots_added += 1
                existing.add(row.code)
                if not dry_run:
                    session.add_shot(row.scene, code=row.code, **fields)
    return summary


def _board(importer, session, image: Path, source: Path, line: int | None = None) -> str:
    try:
        return importer(session, image, kind="image").hash
    except PrevizError as exc:
        raise ImportFileError(str(source), str(exc), line=line) from None


def import_boards(
    session: ProjectSession, folder: Path, *, scene: str | None = None, dry_run: bool = False
) -> ImportSummary:
    from previz.ingest.boards import scan_board_folder
    from previz.media.library import import_media_file

    scan = scan_board_folder(folder)
    summary = ImportSummary(str(folder), "boards", dry_run)
    shots = {s.code: s for s in session.shots()}
    scene_numbers = {s.number for s in session.scenes()}
    plan: list[tuple[Path, str | None, str | None]] = []  # (image, existing code, scene for a new shot)
    for image in scan.matched:
        code = shot_code_for(image.scene, image.shot)
        if code in shots:
            plan.append((image.path, code, None))
        elif image.scene in scene_numbers:
            plan.append((image.path, code, image.scene))
        else:
            raise ImportFileError(
                str(image.path),
                f"names scene {image.scene}, which is not in the project; "
                "import the screenplay first or rename the file",
            )
    if scan.unmatched:
        target = scene or (session.scenes()[-1].number if scene_numbers else None)
        if target is None:
            raise ImportFileError(
                str(folder), "the project has no scenes to put unnamed panels in; add a scene first"
            )
        target = session.scene(target).number
        plan += [(image.path, None, target) for image in scan.unmatched]
    summary.boards_attached = len(plan)
    summary.shots_added = sum(1 for _, code, sc in plan if sc is not None)
    if dry_run:
        return summary
    with session.batch(f"Import boards from {folder.name}"):
        for image, code, new_scene in plan:
            digest = _board(import_media_file, session, image, image)
            if new_scene is None:
                session.set_shot(code, board_hash=digest)
            else:
                session.add_shot(new_scene, code=code, board_hash=digest)
    return summary
