"""Conform a project to an editor's cut (:mod:`previz.ingest.editorial_read` reads it).

Clips are matched to shots by the identity an export wrote: the OTIO ``previz`` metadata's shot id, then
the media file (the take's media hash, or an exported per-shot file ``CODE[_Tn].ext``, or the file an Avid
EDL's ``* SOURCE FILE:`` names), then the clip name = the shot code, with or without a file extension
(Premiere and Resolve name clips ``012A_0010.mov``). A clip matching more than one shot is listed and left
alone; a clip matching none (temp footage, a title, a slug) becomes a new shot in the scene where it sits,
with an imported take of its file when the file is reachable inside a folder the user chose (the cut's
folder, ``media_roots``), else a placeholder shot naming the missing file (or the title's text). A clip
the editor disabled is reported and its shot left as it is: neither conformed nor omitted, since a
disabled clip is still in the timeline and is usually switched back on. A cut none of whose clips matches
a shot is refused.

Everything is ONE edit (one undo step) and reported line by line; ``dry_run`` runs the same edit in the
same transaction and rolls it back. The cut exported unchanged conforms to an empty report and no edit.
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath

from previz.core.errors import ImportFileError, PrevizError, ValidationError
from previz.core.session import ProjectSession
from previz.ingest.apply import import_transaction
from previz.ingest.editorial_read import (
    CutClip,
    EditorialCut,
    name_without_extension,
    rate_label,
    read_cut,
)

EXPORTED_MEDIA = re.compile(r"^(?P<code>.+?)(?:_T\d+)?$")


@dataclass
class CutImportReport:
    path: str
    format: str
    rate: str
    dry_run: bool = False
    changes: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)

    def lines(self) -> list[str]:
        verb = "would conform" if self.dry_run else "conformed"
        head = f"{verb} the project to {self.path} ({self.format}, {self.rate})"
        out = [head if self.changes else f"{self.path} ({self.format}, {self.rate}): no change to conform"]
        out += [f"  {c}" for c in self.changes]
        out += [f"  not matched: {u}" for u in self.unmatched]
        out += [f"  note: {n}" for n in self.notices]
        return out


@dataclass
class _Match:
    clip: CutClip
    code: str | None  # the matched shot, or None for a new shot
    scene: str | None = None
    new: bool = False  # a shot made for this clip
    skipped: frozenset[str] = frozenset()  # an ambiguous clip: the shots it may be (left as they are)


def import_cut(
    session: ProjectSession,
    path: str | Path,
    *,
    rate: str | None = None,
    track: int = 1,
    dry_run: bool = False,
    media_roots: tuple[str | Path, ...] = (),
) -> CutImportReport:
    """Conform ``session`` to the cut at ``path`` (one edit); returns the report of every change."""
    path = Path(path)
    cut = read_cut(path, session.rate, rate=rate, track=track)
    roots = [path.parent.resolve()] + [Path(r).resolve() for r in media_roots]
    report = CutImportReport(str(path), cut.format, rate_label(cut.rate), dry_run, notices=list(cut.notices))
    matches = _match(session, cut, roots, report)
    try:
        with import_transaction(session, f"Conform to {path.name}", dry_run):
            _conform(session, cut, matches, roots, report, dry_run)
    except ValidationError as exc:
        raise ImportFileError(str(path), f"cannot be conformed: {exc}") from None
    return report


# ----------------------------------------------------------------------------------------- matching
def _allowed(path: Path, roots: list[Path]) -> bool:
    resolved = path.resolve()
    return any(resolved.is_relative_to(root) for root in roots)


def _match(session: ProjectSession, cut: EditorialCut, roots: list[Path], report) -> list[_Match]:
    from previz.core.mediastore import sha256_file

    shots = session.shots()
    by_id = {s.id: s for s in shots}
    codes = {s.code for s in shots}
    by_hash: dict[str, set[str]] = {}
    for take in session.takes():
        by_hash.setdefault(take.media_hash, set()).add(by_id[take.shot_id].code)
    matches: list[_Match] = []
    used: dict[str, CutClip] = {}
    for clip in cut.clips:
        if clip.disabled:
            # Switched off, not removed: the editor may switch it back on. Its shot is left as it is.
            may_be = _clip_codes(clip, codes)
            what = f"{next(iter(may_be))} left as it is" if len(may_be) == 1 else "no shot added for it"
            report.unmatched.append(
                f"{clip.label} is disabled in the cut; {what} (not conformed, not omitted)"
            )
            matches.append(_Match(clip, None, skipped=frozenset(may_be)))
            continue
        found: set[str] = set()
        how = ""
        by_identity = by_id.get(clip.shot_id)
        # An id is trusted when it names the shot the export wrote (ids of another project are not).
        if by_identity is not None and by_identity.code in (clip.shot_code, clip.name):
            found, how = {by_identity.code}, "previz id"
        if not found:
            media = set(by_hash.get(clip.media_hash or "", ()))
            if clip.media_path is not None:
                stem = EXPORTED_MEDIA.match(clip.media_path.stem)["code"]
                media |= {stem} & codes
                file = clip.media_path if clip.media_path.is_absolute() else cut.path.parent / clip.media_path
                if not media and _allowed(file, roots) and file.is_file():
                    media |= by_hash.get(sha256_file(file), set())
            found, how = media, "media file"
        if not found and clip.file_name:  # Avid's "* SOURCE FILE:" names the exported file
            found, how = (
                {EXPORTED_MEDIA.match(name_without_extension(clip.file_name))["code"]} & codes,
                "file name",
            )
        if not found:
            found, how = _clip_codes(clip, codes), "shot code"
        if len(found) > 1:
            report.unmatched.append(
                f"{clip.label} matches shots {', '.join(sorted(found))} (by {how}); left out of the conform"
            )
            matches.append(_Match(clip, None, skipped=frozenset(found)))
            continue
        code = next(iter(found), None)
        if code is not None and code in used:
            report.unmatched.append(
                f"{clip.label} uses {code} again (as {used[code].label} does); first use conformed"
            )
            matches.append(_Match(clip, None, skipped=frozenset({code})))
            continue
        if code is not None:
            used[code] = clip
        matches.append(_Match(clip, code))
    if not used:
        names = ", ".join(repr(c.name) for c in cut.clips[:3])
        raise ImportFileError(
            str(cut.path),
            f"none of its {len(cut.clips)} clips ({names}{' …' if len(cut.clips) > 3 else ''}) matches a "
            "shot of this project by previz id, media file or shot code; nothing changed: import it into "
            "the project it was exported from",
        )
    return matches


def _clip_codes(clip: CutClip, codes: set[str]) -> set[str]:
    """The shot code the clip is named after: as it is, or without a file extension (``012A_0010.mov``, as
    Premiere and Resolve name clips after their files)."""
    for name in (clip.name.strip(), name_without_extension(clip.name)):
        if name in codes:
            return {name}
    return set()


# ----------------------------------------------------------------------------------------- conform
def merge_order(new: list[str], old: list[str]) -> list[str]:
    """``new`` in its order, with each item of ``old`` that is not in ``new`` kept after the item it
    followed in ``old`` (or first)."""
    order = list(new)
    placed = set(new)
    for i, item in enumerate(old):
        if item in placed:
            continue
        before = next((old[k] for k in range(i - 1, -1, -1) if old[k] in placed), None)
        order.insert(order.index(before) + 1 if before is not None else 0, item)
        placed.add(item)
    return order


def _conform(session, cut: EditorialCut, matches: list[_Match], roots, report, dry_run: bool) -> None:
    shots = {s.code: s for s in session.shots()}
    scenes = {s.number: s for s in session.scenes()}
    ambiguous = {c for m in matches for c in m.skipped}
    placed = [m for m in matches if not m.skipped and not m.clip.disabled]
    # Scenes: a matched shot's own; a new clip sits in the scene of the clip before it (or after it).
    for m in placed:
        if m.code is not None:
            m.scene = shots[m.code].scene_number
    last = None
    for m in placed:
        if m.code is not None:
            last = m.scene
        elif last is not None:
            m.scene = last
    following = None
    for m in reversed(placed):
        if m.code is not None:
            following = m.scene
        elif m.scene is None:
            m.scene = following
    in_cut = {m.code for m in placed if m.code}

    for number in dict.fromkeys(m.scene for m in placed if m.code):
        if scenes[number].omitted:
            session.set_scene(number, omitted=False)
            report.changes.append(f"scene {number}: no longer omitted (its shots are in the cut)")
    for m in placed:
        if m.code is None:
            m.code, m.new = _new_shot(session, cut, m, roots, report, dry_run), True
    _order(session, placed, report)

    updates: dict[str, dict] = {}
    previous = None
    for m in placed:
        shot = shots.get(m.code)
        if shot is not None:
            updates[m.code] = _shot_changes(session, shot, m.clip, previous, report)
        previous = m.clip
    for code, shot in shots.items():
        if (
            code in in_cut
            or code in ambiguous
            or shot.status == "omitted"
            or scenes[shot.scene_number].omitted
        ):
            continue
        updates.setdefault(code, {})["status"] = "omitted"
        report.changes.append(f"{code}: omitted (not in the cut; kept, not deleted)")
    updates = {code: fields for code, fields in updates.items() if fields}
    if updates:
        session.set_shots_bulk(updates, name=f"Conform to {cut.path.name}")
    for m in placed:  # markers of new shots' clips become their notes too
        _notes(session, shots.get(m.code) or session.shot(m.code), m.clip, report)


def _shot_changes(session, shot, clip: CutClip, previous: CutClip | None, report) -> dict:
    fields: dict = {}
    if shot.status == "omitted":
        fields["status"] = "ready" if shot.selected_take_id is not None else "draft"
        report.changes.append(f"{shot.code}: back in the cut (status omitted -> {fields['status']})")
    if clip.duration != shot.duration_frames:
        fields["duration_frames"] = clip.duration
        report.changes.append(f"{shot.code}: duration {shot.duration_frames} -> {clip.duration} frames")
    take = session.take(shot.selected_take_id) if shot.selected_take_id is not None else None
    used = next((t for t in session.takes(shot.id) if t.id == clip.take_id), None)
    if used is not None and (take is None or used.id != take.id):  # a take made since the export
        now = f"take {take.number}" if take is not None else "no take"
        report.notices.append(
            f"{clip.label} was cut with take {used.number} of {shot.code}; the project selects {now} "
            "(kept: the clip's duration and trim apply to it)"
        )
    if clip.speed is not None:
        report.notices.append(
            f"{clip.label} plays {shot.code} at {clip.speed:.0%} speed in the cut; Previz plays it at normal "
            f"speed for the clip's {clip.duration} frames"
        )
    if take is not None and take.frames is not None and clip.source_in + clip.duration > take.frames > 1:
        report.notices.append(
            f"{clip.label}: its source (from frame {clip.source_in}, {clip.duration} frames) runs past take "
            f"{take.number} of {shot.code} ({take.frames} frames); trim kept at {shot.trim_in}"
        )
    elif take is not None and take.frames is not None and take.frames > 1:
        if clip.source_in != shot.trim_in:
            fields["trim_in"] = clip.source_in
            report.changes.append(f"{shot.code}: trim in {shot.trim_in} -> {clip.source_in}")
    elif clip.source_in:
        report.notices.append(
            f"{clip.label}: starts {clip.source_in} frames in, but {shot.code} has no video take to trim"
        )
    fade = _fade(clip, report)
    if fade is not None:
        if (shot.transition, shot.transition_frames) != fade:
            fields.update(transition=fade[0], transition_frames=fade[1])
            was = f"{shot.transition} {shot.transition_frames}" if shot.transition_frames else shot.transition
            report.changes.append(f"{shot.code}: transition {was} -> {fade[0]} {fade[1]} frames")
    elif clip.dissolve_frames:
        # The export draws at most the shorter shot's length: that is no change.
        exported = min(shot.transition_frames, clip.duration, previous.duration if previous else 0)
        if shot.transition != "dissolve" or exported != clip.dissolve_frames:
            fields.update(transition="dissolve", transition_frames=clip.dissolve_frames)
            was = f"{shot.transition} {shot.transition_frames}" if shot.transition_frames else shot.transition
            report.changes.append(f"{shot.code}: transition {was} -> dissolve {clip.dissolve_frames} frames")
    elif shot.transition == "dissolve" and shot.transition_frames > 0 and previous is not None:
        fields.update(transition="cut", transition_frames=0)
        report.changes.append(f"{shot.code}: transition dissolve {shot.transition_frames} -> cut")
    return fields


def _fade(clip: CutClip, report) -> tuple[str, int] | None:
    """An EDL's dissolve from or to black as the shot's fade (a shot has one transition: a fade in wins)."""
    if clip.fade_in_frames and clip.fade_out_frames:
        report.notices.append(
            f"{clip.label} fades in and out; a shot has one transition: fade in kept, "
            f"fade out of {clip.fade_out_frames} frames not"
        )
    if clip.fade_in_frames:
        return "fade_in", clip.fade_in_frames
    if clip.fade_out_frames:
        return "fade_out", clip.fade_out_frames
    return None


def _notes(session, shot, clip: CutClip, report) -> None:
    existing = session.notes(shot.id)
    ids = {n.id for n in existing}
    seen = {(n.frame, n.text.strip().lower()) for n in existing}
    duration = clip.duration
    for marker in clip.markers:
        frame = min(marker.frame, max(duration - 1, 0))
        text = marker.text.strip()
        if not text or marker.note_id in ids or (frame, text.lower()) in seen:
            continue
        session.add_note(shot.code, frame, text, author="editorial")
        seen.add((frame, text.lower()))
        report.changes.append(f"{shot.code}: note at frame {frame} from a marker: {text[:80]!r}")


def _order(session, placed: list[_Match], report) -> None:
    old_scenes = [s.number for s in session.scenes()]
    new_scenes = merge_order(list(dict.fromkeys(m.scene for m in placed)), old_scenes)
    if new_scenes != old_scenes:
        current = list(old_scenes)
        for position, number in enumerate(new_scenes):
            if current[position] != number:
                session.move_scene(number, position)
                current.remove(number)
                current.insert(position, number)
        report.changes.append(f"scene order: {', '.join(new_scenes)} (was {', '.join(old_scenes)})")
    strays: set[int] = set()
    for before, m, after in zip(placed, placed[1:], placed[2:]):
        if before.scene == after.scene != m.scene and before.clip.index not in strays:
            strays.add(m.clip.index)
            report.notices.append(
                f"{m.clip.label} ({m.code}) sits among scene {before.scene}'s shots; "
                f"it stays in scene {m.scene}"
            )
    for number in dict.fromkeys(m.scene for m in placed):
        old = [s.code for s in session.shots(number)]
        cut_codes = [m.code for m in placed if m.scene == number]
        new = merge_order(cut_codes, old)
        if new == old:
            continue
        current = list(old)
        for position, code in enumerate(new):
            if current[position] != code:
                session.move_shot(code, position)
                current.remove(code)
                current.insert(position, code)
        added = {m.code for m in placed if m.new}
        before = [c for c in old if c not in added]
        if [c for c in new if c in before] != before:
            report.changes.append(f"scene {number} shot order: {', '.join(new)} (was {', '.join(before)})")


# ----------------------------------------------------------------------------------------- new shots
def _new_shot(session, cut: EditorialCut, m: _Match, roots, report, dry_run: bool) -> str:
    clip = m.clip
    name = clip.title or clip.name or f"clip {clip.index}"
    file, problem = _media_file(cut, clip, roots)
    action = f"From the editor's cut: {name}"
    if problem:
        action += f" (placeholder: {problem})"
    fade = _fade(clip, report)
    transition = fade or (("dissolve", clip.dissolve_frames) if clip.dissolve_frames else None)
    shot = session.add_shot(
        m.scene,
        action=action[:2000],
        duration_frames=clip.duration,
        **({"transition": transition[0], "transition_frames": transition[1]} if transition else {}),
    )
    if file is None:
        report.changes.append(
            f"new shot {shot.code} in scene {m.scene} for {clip.label}: placeholder, {problem}"
        )
        report.unmatched.append(f"{clip.label} matches no shot; added as {shot.code}")
        return shot.code
    try:
        with _readable(cut, clip, file) as local:
            digest = _store(session, local, dry_run)
    except PrevizError as exc:
        report.changes.append(f"new shot {shot.code} in scene {m.scene} for {clip.label}: placeholder, {exc}")
        report.unmatched.append(f"{clip.label} matches no shot; added as {shot.code}")
        return shot.code
    take = session.add_take(
        shot.code,
        kind="imported",
        media_hash=digest,
        provenance={"source_type": "editorial", "file": str(file)},
        record=True,
    )
    if clip.source_in and take.frames and clip.source_in + clip.duration <= take.frames:
        session.set_shot(shot.code, trim_in=clip.source_in)
    report.changes.append(
        f"new shot {shot.code} in scene {m.scene} for {clip.label}: take {take.number} imported from {file}"
    )
    report.unmatched.append(f"{clip.label} matches no shot; added as {shot.code}")
    return shot.code


def _media_file(cut: EditorialCut, clip: CutClip, roots) -> tuple[Path | None, str]:
    """The clip's file when it may be read, else None and why not (named in the placeholder)."""
    if clip.archive_member is not None:
        member = PurePosixPath(clip.archive_member)
        if member.is_absolute() or ".." in member.parts:
            return None, f"media {clip.archive_member} points outside the archive; not read"
        return Path(clip.archive_member), ""
    if clip.media_path is None:
        what = "a generated title or slug" if clip.generator else "no media file"
        if not clip.generator and clip.file_name:
            what = f"media file {clip.file_name} is named in the EDL but not linked"
        return None, f"{what}{f' ({clip.media_url})' if clip.media_url else ''}"
    file = clip.media_path if clip.media_path.is_absolute() else cut.path.parent / clip.media_path
    if not _allowed(file, roots):
        return (
            None,
            f"media {file} is outside the folders you chose (the cut's folder, --media-root); not read",
        )
    if not file.is_file():
        return None, f"media {file} is missing"
    return file, ""


class _readable:
    """The clip's file as a local path (an .otioz member extracted to a temporary folder)."""

    def __init__(self, cut: EditorialCut, clip: CutClip, file: Path) -> None:
        self.cut, self.clip, self.file, self.temp = cut, clip, file, None

    def __enter__(self) -> Path:
        if self.clip.archive_member is None:
            return self.file
        self.temp = tempfile.TemporaryDirectory(prefix="previz-otioz-")
        target = Path(self.temp.name) / PurePosixPath(self.clip.archive_member).name
        try:
            with zipfile.ZipFile(self.cut.path) as archive, archive.open(self.clip.archive_member) as src:
                target.write_bytes(src.read())
        except (KeyError, OSError, zipfile.BadZipFile) as exc:
            raise ImportFileError(str(self.cut.path), f"media {self.clip.archive_member}: {exc}") from None
        return target

    def __exit__(self, *exc) -> None:
        if self.temp is not None:
            self.temp.cleanup()


def _store(session, file: Path, dry_run: bool) -> str:
    """The media hash of ``file``: copied into the store, or in a dry run probed and hashed only
    (registered in the transaction that is rolled back)."""
    from previz.core.mediastore import sha256_file
    from previz.media.library import import_media_file, media_kind

    kind = media_kind(file)
    if not dry_run:
        return import_media_file(session, file, kind=kind).hash
    digest = sha256_file(file)
    meta: dict = {}
    if kind == "video":
        from previz.media.video import probe

        info = probe(file)
        meta = {"width": info.width, "height": info.height, "frames": info.frames, "fps": str(info.fps)}
    session.register_media(digest, file.suffix.lstrip("."), kind, file.stat().st_size, **meta)
    return digest
