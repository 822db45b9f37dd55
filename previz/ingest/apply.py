"""Apply imports to a project: screenplays (with breakdown and revisions), shot lists and board folders.

Each import is parsed and validated first, then written as ONE edit (one transaction, one undo step):
a failed import leaves the project exactly as it was. ``dry_run`` runs exactly the same import -- the
same writes and checks in the same transaction -- and then rolls the transaction back, so it never
promises what the real import would refuse (board images are decoded and hashed, not copied in).

What the importer decided for the writer (a repeated scene number renamed, a column ignored) is listed
in :attr:`ImportSummary.warnings` as ``file, line N: …``; it never refuses a whole script for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from previz.core.edit_builders.base import shot_code_for
from previz.core.errors import ImportFileError, PrevizError, ValidationError
from previz.core.session import ProjectSession
from previz.core.timecode import seconds_to_frames
from previz.core.validate import CHARACTER_FIELDS, SCENE_FIELDS, SHOT_FIELDS, clean
from previz.ingest import detect_kind, load_screenplay
from previz.ingest.breakdown import break_down_scene
from previz.ingest.editorial_read import cut_suffix
from previz.ingest.revisions import ExistingScene, assign_scene_numbers, plan_revision
from previz.ingest.screenplay import located, scene_number_resolver

if TYPE_CHECKING:
    from previz.ingest.conform import CutImportReport

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
    shots_unchanged: int = 0
    boards_attached: int = 0
    takes_marked_stale: int = 0
    characters_added: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

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
            f"  shots: {self.shots_added} added, {self.shots_updated} updated, "
            f"{self.shots_unchanged} unchanged; "
            f"boards attached: {self.boards_attached}; takes marked stale: {self.takes_marked_stale}"
        )
        if self.characters_added:
            out.append(f"  characters added: {', '.join(self.characters_added)}")
        out += [f"  warning: {w}" for w in self.warnings]
        return out


class _RolledBack(Exception):
    """Raised inside a dry run's transaction to roll it back."""


@contextmanager
def import_transaction(session: ProjectSession, name: str, dry_run: bool) -> Iterator[None]:
    """One edit for the whole import; a dry run runs the same writes and rolls them back. Call it
    outside any other ``session.batch``: a nested batch does not own the transaction to roll back."""
    try:
        with session.batch(name):
            yield
            if dry_run:
                raise _RolledBack
    except _RolledBack:
        pass


def import_path(
    session: ProjectSession,
    path: str | Path,
    *,
    kind: str | None = None,
    scene: str | None = None,
    encoding: str | None = None,
    dry_run: bool = False,
    breakdown: bool = True,
) -> ImportSummary | CutImportReport:
    """Import a screenplay, shot list or board folder, by ``kind`` or by what ``path`` is; an editor's
    cut (.otio, .otioz, .edl, .xml) conforms the project to it (a ``CutImportReport``)."""
    path = Path(path)
    if not path.exists():
        raise ImportFileError(str(path), "no such file or folder")
    if kind is None and cut_suffix(path):  # the editor's cut (e.g. dropped on the app): conform to it
        from previz.ingest.conform import import_cut

        return import_cut(session, path, dry_run=dry_run)
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
    numbers = assign_scene_numbers(plan, play, [s.number for s in scenes])
    rate = session.rate
    new_characters = _new_characters(session, play)
    summary = ImportSummary(
        str(path),
        kind,
        dry_run,
        scenes_unchanged=len(plan.unchanged),
        characters_added=new_characters,
        warnings=list(plan.warnings),
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
        spec = dict(_scene_fields(added.scene), number=number, shots=shots)
        _check_scene(path, added.scene, spec)
        added_specs.append(spec)
        summary.shots_added += len(shots)
    updates = []
    for match in plan.changed + plan.unchanged:
        fields = dict(_scene_fields(match.scene), number=numbers[match.position], omitted=False)
        _check_scene(path, match.scene, fields)
        updates.append((match.existing.number, fields))

    changed_shot_ids = set()
    if plan.changed:
        by_scene = {m.existing.key for m in plan.changed}
        changed_shot_ids = {s.id for s in session.shots() if s.scene_id in by_scene}
    stale = [
        t for t in session.takes() if t.shot_id in changed_shot_ids and t.kind in MADE_TAKES and not t.stale
    ]
    summary.takes_marked_stale = len(stale)

    try:
        with import_transaction(session, f"Import {path.name}", dry_run):
            for name in new_characters:
                session.add_character(name)
            if added_specs:
                session.add_scenes_bulk(added_specs, name=f"Import {path.name}")
            for number, fields in updates:
                session.set_scene(number, **fields)
            shots_by_id = {s.id: s for s in session.shots()}
            for take in stale:
                session.set_take(shots_by_id[take.shot_id].code, take.number, stale=True)
            for gone in plan.omitted:
                session.set_scene(gone.number, omitted=True)
            _order_scenes(session, numbers, plan)
    except ValidationError as exc:  # checked per scene above; anything left still names the file
        raise ImportFileError(str(path), f"cannot be imported: {exc}") from None
    return summary


def _new_characters(session: ProjectSession, play) -> list[str]:
    """Speaking characters not in the project yet, once each ignoring case (``@McCLANE`` and
    ``MCCLANE`` are one character); a name the project cannot hold is an error naming its line."""
    known = {c.name.upper() for c in session.characters()}
    first_cue = {}
    for sc in play.scenes:
        for el in sc.elements:
            if el.kind == "character" and el.character:
                first_cue.setdefault(el.character, el.line)
    out = []
    for name in play.characters:
        if name.upper() in known:
            continue
        known.add(name.upper())
        try:
            clean(CHARACTER_FIELDS, {"name": name}, "a character")
        except ValidationError as exc:
            raise ImportFileError(play.path, f"character cue: {exc}", line=first_cue.get(name)) from None
        out.append(name)
    return out


def _check_scene(path: Path, scene, spec: dict) -> None:
    """Validate a scene (and its proposed shots) as the project will, naming the script line."""
    fields = {k: v for k, v in spec.items() if k != "shots"}
    try:
        clean(SCENE_FIELDS, fields, "a scene")
        for shot in spec.get("shots", ()):
            clean(SHOT_FIELDS, shot, "a shot")
    except ValidationError as exc:
        where = f"scene {scene.heading[:60]!r}"
        raise ImportFileError(str(path), f"{where}: {exc}", line=scene.line_start) from None


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
    """Add the shot list's new shots and update the fields a row changes; a row that changes nothing
    is counted unchanged and writes nothing. Linear in the number of rows."""
    from previz.ingest.shotlist import load_shot_list, resolve_scenes

    shot_list = load_shot_list(path, session.rate.fps, encoding=encoding)
    resolve_scenes(shot_list, [s.number for s in session.scenes()])
    existing = {s.code: s for s in session.shots()}
    summary = ImportSummary(str(path), "csv", dry_run)
    if shot_list.ignored_columns:
        summary.warnings.append(
            located(
                str(path),
                f"column(s) {', '.join(shot_list.ignored_columns)} not imported (not a shot field)",
                shot_list.header_line,
            )
        )
    for row in shot_list.rows:
        if row.board and not (path.parent / row.board).is_file():
            raise ImportFileError(
                str(path),
                f"board image {row.board} not found beside the shot list",
                line=row.row,
                column=shot_list.columns.get("board", "board"),
            )
    with import_transaction(session, f"Import {path.name}", dry_run):
        added, updates, written = [], {}, []
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
                fields["board_hash"] = _board(session, path.parent / row.board, path, row.row, dry_run)
            current = existing.get(row.code)
            if current is None:
                added.append(dict(fields, scene=row.scene, code=row.code))
                written.append((row, fields))
                summary.boards_attached += "board_hash" in fields
                continue
            changed = {k: v for k, v in fields.items() if getattr(current, k) != v}
            if not changed:
                summary.shots_unchanged += 1
                continue
            summary.shots_updated += 1
            summary.boards_attached += "board_hash" in changed
            updates[row.code] = changed
            written.append((row, changed))
        summary.shots_added = len(added)
        try:
            if updates:
                session.set_shots_bulk(updates, name=f"Import {path.name}")
            if added:
                session.add_shots_bulk(added, name=f"Import {path.name}")
        except ValidationError:
            for row, fields in written:  # only on failure: find the row and column to name
                _check_row(shot_list, row, fields)
            raise
    return summary


def _check_row(shot_list, row, fields: dict) -> None:
    """Validate a row's fields as the project will, naming the file, row and column."""
    try:
        clean(SHOT_FIELDS, fields, "a shot")
    except ValidationError as exc:
        field_column = {"lens_mm": "lens", "duration_frames": "duration", "action": "description"}
        column = field_column.get(exc.field, exc.field)
        raise ImportFileError(
            shot_list.path, str(exc), line=row.row, column=shot_list.columns.get(column, column)
        ) from None


def _board(session: ProjectSession, image: Path, source: Path, line: int | None, dry_run: bool) -> str:
    """The media hash of a board image: copied into the store, or in a dry run decoded and hashed
    only (registered in the transaction that is rolled back)."""
    from previz.core.mediastore import sha256_file
    from previz.media.images import load_image
    from previz.media.library import import_media_file

    try:
        if not dry_run:
            return import_media_file(session, image, kind="image").hash
        pixels = load_image(image)
        digest = sha256_file(image)
        ext = image.suffix.lstrip(".").lower()
        height, width = pixels.shape[:2]
        session.register_media(digest, ext, "image", image.stat().st_size, width=width, height=height)
        return digest
    except PrevizError as exc:
        raise ImportFileError(str(source), str(exc), line=line) from None


def import_boards(
    session: ProjectSession, folder: Path, *, scene: str | None = None, dry_run: bool = False
) -> ImportSummary:
    from previz.ingest.boards import scan_board_folder

    scan = scan_board_folder(folder)
    summary = ImportSummary(str(folder), "boards", dry_run)
    shots = {s.code: s for s in session.shots()}
    scene_numbers = [s.number for s in session.scenes()]
    resolve = scene_number_resolver(scene_numbers)
    plan: list[tuple[Path, str | None, str | None]] = []  # (image, existing code, scene for a new shot)
    for image in scan.matched:
        number = resolve(image.scene)
        if number is None:
            raise ImportFileError(
                str(image.path),
                f"names scene {image.scene}, which is not in the project; "
                "import the screenplay first or rename the file",
            )
        code = shot_code_for(number, image.shot)
        plan.append((image.path, code, None) if code in shots else (image.path, code, number))
    if scan.unmatched:
        target = scene or (scene_numbers[-1] if scene_numbers else None)
        if target is None:
            raise ImportFileError(
                str(folder), "the project has no scenes to put unnamed panels in; add a scene first"
            )
        target = session.scene(target).number
        plan += [(image.path, None, target) for image in scan.unmatched]
    with import_transaction(session, f"Import boards from {folder.name}", dry_run):
        added = []
        for image, code, new_scene in plan:
            digest = _board(session, image, image, None, dry_run)
            if new_scene is not None:
                added.append({"scene": new_scene, "code": code, "board_hash": digest})
            elif shots[code].board_hash == digest:
                summary.shots_unchanged += 1
            else:
                session.set_shot(code, board_hash=digest)
                summary.shots_updated += 1
        if added:
            session.add_shots_bulk(added, name=f"Import boards from {folder.name}")
        summary.shots_added = len(added)
        summary.boards_attached = summary.shots_added + summary.shots_updated
    return summary
