"""Editorial files: an OpenTimelineIO timeline of the cut, written as .otio, .otioz, CMX 3600 EDL and
FCP 7 XML, each read back with OTIO and compared before the export reports success.

The video track's clips reference per-shot media exported beside the file (``NAME_media/``, one clip
per shot holding the whole take conformed to the project, so editors get handles); each clip's source
range selects the shot, record timecode starts at the project's start timecode (01:00:00:00 unless
set), notes are markers, dissolves are OTIO transitions (CMX "D" events), fades and the rest of the shot
(code, take, status, provenance) are clip metadata. Audio clips go on audio tracks referencing copies
of their files in ``NAME_media/audio/`` (the EDL carries the picture track only).

Every file carries each shot's stable identity (see :mod:`previz.export.identity`): the clip name is the
shot code, OTIO metadata ``previz`` holds ``shot_id``, ``take_id`` and ``media_hash``, EDL events name
the clip (``* FROM CLIP NAME:``) and the shot's reel, FCP 7 XML keeps clip names, file paths and reels.
The EDL states its timecode mode (``FCM: DROP FRAME`` at 29.97/59.94 drop-frame, else ``NON-DROP
FRAME``); FCP 7 XML is completed by :mod:`previz.export.fcp7`. Per-shot media is cached by content
(:mod:`previz.export.clip_cache`): an unchanged shot is not rendered again.
"""

from __future__ import annotations

import copy
import math
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import opentimelineio as otio
from opentimelineio import opentime

from previz.core.errors import ExportError, PrevizError
from previz.core.jobs import CancelToken, ProgressFn, no_progress
from previz.core.timecode import timecode_to_frames
from previz.export import fcp7
from previz.export.clip_cache import ClipCache
from previz.export.files import atomic_file, atomic_folder, check_replaceable, temp_name, write_error
from previz.export.identity import reel_names, shot_identity
from previz.export.provenance import read_provenance
from previz.export.reel import EncodeOptions, clip_name, write_clips
from previz.export.render import CutRenderer
from previz.export.safe_text import one_line, otio_value, xml_text
from previz.media.audio import RATE as AUDIO_RATE
from previz.media.audio import decode_audio

ADAPTERS = {"otio": "otio_json", "otioz": "otioz", "edl": "cmx_3600", "fcp7xml": "fcp_xml", "aaf": "AAF"}
NAMES = {"otio": "OTIO", "otioz": "OTIOZ", "edl": "EDL", "fcp7xml": "FCP 7 XML", "aaf": "AAF"}
CACHE_FOLDER = "editorial_clips"


@dataclass
class EditorialExport:
    """What :func:`export_editorial` wrote: the timeline, the media folder (None for .otioz, whose media
    is in the archive) and how many per-shot clips were rendered or reused from the cache."""

    timeline: otio.schema.Timeline
    media: Path | None
    rendered: int
    reused: int


@dataclass(frozen=True)
class ClipRow:
    """What the read-back comparison checks for one clip."""

    name: str
    source_in: int
    duration: int
    record_in: int  # absolute record frame (start timecode included)


def _rt(frames: int, rate: float) -> opentime.RationalTime:
    return opentime.RationalTime(frames, rate)


def _range(start: int, duration: int, rate: float) -> opentime.TimeRange:
    return opentime.TimeRange(_rt(start, rate), _rt(duration, rate))


def build_timeline(
    session,
    renderer: CutRenderer,
    media_dir: Path,
    suffix: str,
    start_frame: int,
    audio_files: list[tuple[Any, Path, int]],
) -> otio.schema.Timeline:
    """The OTIO timeline of ``renderer.cut`` whose clips reference ``media_dir/CODE_Tn<suffix>``."""
    cut = renderer.cut
    rate = float(cut.rate.fraction)
    project = session.project()
    timeline = otio.schema.Timeline(name=otio_value(project.name))
    timeline.global_start_time = _rt(start_frame, rate)
    timeline.metadata["previz"] = {
        "project": otio_value(project.name),
        "fps": cut.rate.label,
        "drop_frame": cut.rate.drop_frame,
        "width": project.width,
        "height": project.height,
    }
    reels = reel_names(e.code for e in cut.entries)
    provenance = dict(zip((e.code for e in cut.entries), read_provenance(session, cut), strict=True))
    notes: dict[int, list] = {}
    for note in session.notes():
        notes.setdefault(note.shot_id, []).append(note)
    video = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    previous_duration = 0
    for source in renderer.sources:
        entry = source.entry
        offset = renderer.shot_offset(source)
        path = (media_dir / clip_name(source, suffix)).absolute()
        reference = otio.schema.ExternalReference(
            target_url=path.as_uri(), available_range=_range(0, renderer.shot_length(source), rate)
        )
        clip = otio.schema.Clip(
            name=entry.code, media_reference=reference, source_range=_range(offset, entry.duration, rate)
        )
        shot = provenance[entry.code]
        clip.metadata["previz"] = {
            **shot_identity(entry),
            "reel": reels[entry.code],
            "shot": entry.code,
            "scene": entry.scene_number,
            "status": entry.status,
            "take": entry.take_number,
            "take_kind": entry.take_kind,
            "picture": source.kind,
            "model": entry.model,
            "transition": entry.transition,
            "transition_frames": entry.transition_frames,
            "provenance": otio_value(shot.raw) if entry.take_id is not None else {},
            "source_type": shot.source_type,
            "credit": otio_value(shot.note()),
        }
        for note in notes.get(entry.shot_id, []):
            marker = otio.schema.Marker(
                name=otio_value(note.text),
                marked_range=_range(offset + min(note.frame, entry.duration - 1), 0, rate),
                color=otio.schema.MarkerColor.GREEN if note.resolved else otio.schema.MarkerColor.RED,
            )
            marker.metadata["previz"] = {
                "note_id": note.id,
                "author": otio_value(note.author),
                "frame": note.frame,
            }
            clip.markers.append(marker)
        if entry.transition == "dissolve" and len(video) and entry.transition_frames > 0:
            video.append(_dissolve(entry, previous_duration, rate))
        video.append(clip)
        previous_duration = entry.duration
    timeline.tracks.append(video)
    _audio_tracks(timeline, audio_files, cut.duration, rate)
    return timeline


def _dissolve(entry, previous_duration: int, rate: float) -> otio.schema.Transition:
    """A dissolve as the render draws it: from the cut, N frames into the shot, over the outgoing
    shot's handles (OTIO out_offset; a CMX 3600 "D" event starting at the cut)."""
    frames = min(entry.transition_frames, entry.duration, previous_duration)
    return otio.schema.Transition(
        name=f"{entry.code} dissolve",
        transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
        in_offset=_rt(0, rate),
        out_offset=_rt(frames, rate),
    )


def _audio_tracks(timeline, audio_files: list[tuple[Any, Path, int]], total: int, rate: float) -> None:
    """Audio clips on tracks by their track number (an overlapping clip moves to the next track)."""
    tracks: list[tuple[int, otio.schema.Track]] = []
    for clip_info, path, frames in sorted(audio_files, key=lambda a: (a[0].track, a[0].start_frame)):
        start = clip_info.start_frame
        length = min(frames, total - start)
        if length <= 0:
            continue
        track = next((t for n, t in tracks if n >= clip_info.track and t.duration().value <= start), None)
        if track is None:
            track = otio.schema.Track(name=f"A{len(tracks) + 1}", kind=otio.schema.TrackKind.Audio)
            tracks.append((clip_info.track, track))
        gap = start - round(track.duration().value)
        if gap > 0:
            track.append(otio.schema.Gap(source_range=_range(0, gap, rate)))
        reference = otio.schema.ExternalReference(
            target_url=path.absolute().as_uri(), available_range=_range(0, frames, rate)
        )
        clip = otio.schema.Clip(
            name=otio_value(clip_info.name or path.stem),
            media_reference=reference,
            source_range=_range(0, length, rate),
        )
        clip.metadata["previz"] = {"gain_db": clip_info.gain_db, "media_hash": clip_info.media_hash}
        track.append(clip)
    for _n, track in tracks:
        timeline.tracks.append(track)


# ---------------------------------------------------------------------------------------- read back
def video_rows(timeline: otio.schema.Timeline, start_frame: int = 0) -> list[ClipRow]:
    """(name, source in, duration, absolute record in) of the clips of the first video track."""
    track = next(t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Video)
    offset = 0
    if track.source_range is not None:  # the EDL reader keeps the first record in here
        offset = -round(track.source_range.start_time.value)
    base = round(timeline.global_start_time.value) if timeline.global_start_time is not None else start_frame
    rows = []
    for clip in track.find_clips():
        record = clip.range_in_parent()
        rows.append(
            ClipRow(
                clip.name,
                round(clip.source_range.start_time.value),
                round(clip.source_range.duration.value),
                (offset if offset else base) + round(record.start_time.value),
            )
        )
    return rows


def _read_back(path: Path, fmt: str, rate: float) -> otio.schema.Timeline:
    kwargs = {"rate": rate} if fmt == "edl" else {}
    try:
        return otio.adapters.read_from_file(str(path), adapter_name=ADAPTERS[fmt], **kwargs)
    except Exception as exc:  # any adapter failure means the file is not what we meant to write
        raise ExportError(
            f"{path}: reading the written {fmt} back with OpenTimelineIO failed ({exc})"
        ) from exc


def _check(path: Path, fmt: str, written: otio.schema.Timeline, back: otio.schema.Timeline, start: int):
    expected = video_rows(written, start)
    got = video_rows(back, start)
    if got != expected:
        first = next(
            (f"{e} != {g}" for e, g in zip(expected, got) if e != g), f"{len(expected)} != {len(got)}"
        )
        raise ExportError(
            f"{path}: the {fmt} read back differs from the cut ({first}); the file was not kept"
        )


def _with_safe_names(timeline: otio.schema.Timeline, clean) -> otio.schema.Timeline:
    """A copy of ``timeline`` whose names (timeline, tracks, clips, transitions, markers) went through
    ``clean``: the text an EDL or FCP XML writer copies verbatim into the file."""
    copied = copy.deepcopy(timeline)
    copied.name = clean(copied.name)
    for track in copied.tracks:
        track.name = clean(track.name)
        for item in track:
            item.name = clean(item.name)
            for marker in getattr(item, "markers", ()):
                marker.name = clean(marker.name)
    return copied


def _with_fcp_notes(timeline: otio.schema.Timeline) -> otio.schema.Timeline:
    """Safe names, and each clip's model and licence as its FCP XML master comment."""
    copied = _with_safe_names(timeline, xml_text)
    for clip in copied.find_clips():
        credit = clip.metadata.get("previz", {}).get("credit")
        if credit:
            clip.metadata["fcp_xml"] = {"comments": {"mastercomment1": xml_text(credit)}}
    return copied


def _writable_for_edl(timeline: otio.schema.Timeline, start: int, rate: float) -> otio.schema.Timeline:
    """The video track alone (a CMX 3600 list is one picture track here), led by a gap of ``start``
    frames: the writer takes record timecode from track time. Names are one line each (a note with a
    line break would otherwise write lines the list reads as events). Reels are the shots' reel names,
    which their media carries too."""
    copied = _with_safe_names(timeline, one_line)
    for index in reversed(range(len(copied.tracks))):
        if copied.tracks[index].kind != otio.schema.TrackKind.Video:
            del copied.tracks[index]
    for clip in copied.tracks[0].find_clips():
        reel = clip.metadata.get("previz", {}).get("reel") or reel_names([clip.name])[clip.name]
        clip.metadata["cmx_3600"] = {"reel": reel.ljust(8)}
        credit = clip.metadata.get("previz", {}).get("credit")
        if credit:  # written as a "* PREVIZ: ..." comment under the event
            clip.metadata["cmx_3600"]["comments"] = [one_line(f"PREVIZ: {credit}")]
    if start:
        copied.tracks[0].insert(0, otio.schema.Gap(source_range=_range(0, start, rate)))
    if edl_rate(timeline) != rate:
        _renumber(copied.tracks[0], edl_rate(timeline))
    return copied


def edl_rate(timeline: otio.schema.Timeline) -> float:
    """The rate an EDL's timecode counts at: the project's, but the whole-number rate (30, 60) for a
    non-drop-frame NTSC project, whose timecode counts 30 frames a second without dropping numbers
    (OpenTimelineIO's writer would otherwise write drop-frame timecode at 29.97)."""
    rate = float(timeline.global_start_time.rate)
    if timeline.metadata["previz"]["drop_frame"] or abs(rate - round(rate)) < 1e-6:
        return rate
    return float(round(rate))


def _renumber(track: otio.schema.Track, rate: float) -> None:
    """The same frame numbers counted at ``rate`` (every range and offset of ``track``'s items)."""

    def at(t: opentime.RationalTime) -> opentime.RationalTime:
        return _rt(round(t.value), rate)

    def span(r: opentime.TimeRange) -> opentime.TimeRange:
        return opentime.TimeRange(at(r.start_time), at(r.duration))

    for item in track:
        if isinstance(item, otio.schema.Transition):
            item.in_offset, item.out_offset = at(item.in_offset), at(item.out_offset)
            continue
        item.source_range = span(item.source_range)
        reference = getattr(item, "media_reference", None)
        if reference is not None and reference.available_range is not None:
            reference.available_range = span(reference.available_range)
        for marker in getattr(item, "markers", ()):
            marker.marked_range = span(marker.marked_range)


def fcm_line(drop_frame: bool) -> str:
    """The CMX 3600 frame code mode line of a list."""
    return f"FCM: {'DROP FRAME' if drop_frame else 'NON-DROP FRAME'}"


def _with_fcm(text: str, drop_frame: bool) -> str:
    """The list with its FCM line after the title (before the first event)."""
    lines = text.split("\n")
    at = 1 if lines and lines[0].startswith("TITLE:") else 0
    lines.insert(at, fcm_line(drop_frame))
    return "\n".join(lines)


def _has_audio(timeline: otio.schema.Timeline) -> bool:
    return any(t.kind == otio.schema.TrackKind.Audio for t in timeline.tracks)


def _fcp7_text(timeline: otio.schema.Timeline) -> str:
    meta = timeline.metadata["previz"]
    reels = {
        c.name: c.metadata["previz"]["reel"] for c in timeline.find_clips() if "reel" in c.metadata["previz"]
    }
    text = otio.adapters.write_to_string(
        fcp7.writable(_with_fcp_notes(timeline), reels), adapter_name="fcp_xml"
    )
    rate = float(timeline.global_start_time.rate)
    return fcp7.complete(text, meta["width"], meta["height"], rate, _has_audio(timeline))


def write_timeline(timeline: otio.schema.Timeline, path: Path, fmt: str, start: int) -> None:
    """Write ``timeline`` to ``path`` (atomically), read it back and compare the video clips (and, for
    FCP 7 XML, the sequence format and rates)."""
    rate = float(timeline.global_start_time.rate)
    meta = timeline.metadata["previz"]
    with atomic_file(path) as temp:
        try:
            if fmt == "edl":
                text = otio.adapters.write_to_string(
                    _writable_for_edl(timeline, start, rate), adapter_name="cmx_3600", rate=edl_rate(timeline)
                )
                temp.write_text(_with_fcm(text, bool(meta["drop_frame"])), encoding="utf-8")
            elif fmt == "otioz":
                otio.adapters.write_to_file(timeline, str(temp), adapter_name="otioz")
            elif fmt == "fcp7xml":
                temp.write_text(_fcp7_text(timeline), encoding="utf-8")
            elif fmt == "aaf":
                from previz.export.aaf import write_aaf

                write_aaf(_with_safe_names(timeline, one_line), temp)
            else:
                otio.adapters.write_to_file(timeline, str(temp), adapter_name=ADAPTERS[fmt])
        except OSError as exc:
            raise write_error(path, exc) from exc
        except PrevizError:
            raise
        except Exception as exc:
            raise ExportError(f"{path}: OpenTimelineIO could not write {NAMES[fmt]} ({exc})") from exc
        _check(path, fmt, timeline, _read_back(temp, fmt, rate), start)
        if fmt == "fcp7xml":
            fcp7.check_fcp7(temp, meta["width"], meta["height"], rate, _has_audio(timeline))
        elif fmt == "aaf":
            from previz.export.aaf import check_aaf

            check_aaf(temp, video_rows(timeline, start), start, bool(meta["drop_frame"]))


def export_editorial(
    session,
    renderer: CutRenderer,
    path: Path,
    fmt: str,
    *,
    codec: str = "h264",
    encode: EncodeOptions = EncodeOptions(),
    start_timecode: str | None = None,
    progress: ProgressFn = no_progress,
    cancel: CancelToken | None = None,
    seal=None,
) -> EditorialExport:
    """Export media beside ``path`` (``NAME_media/``; inside the archive for .otioz) and the timeline.

    With ``seal`` (a :class:`~previz.export.credentials.Sealer`) each clip carries its content
    credentials. A clip identical to one rendered before comes from the project's
    ``cache/editorial_clips`` instead of being rendered again.
    """
    cancel = cancel or CancelToken()
    cut = renderer.cut
    start = timecode_to_frames(start_timecode or cut.start_timecode, cut.rate)
    rate = float(cut.rate.fraction)
    suffix = ".mov" if codec == "prores" else ".mp4"
    bundled = fmt == "otioz"
    media_dir = temp_name(path.with_name(f"{path.stem}_otioz_media")) if bundled else _media_dir(path)
    if bundled:
        shutil.rmtree(media_dir, ignore_errors=True)
    else:
        check_replaceable(media_dir, r"[^/]+\.(mp4|mov)|audio")
    cache = ClipCache(Path(session.paths.cache) / CACHE_FOLDER)
    write_clips(renderer, media_dir, codec, encode, progress, cancel, handles=True, seal=seal, cache=cache)
    try:
        audio_files = _copy_audio(session, media_dir / "audio", rate)
        timeline = build_timeline(session, renderer, media_dir, suffix, start, audio_files)
        write_timeline(timeline, path, fmt, start)
    except BaseException:
        shutil.rmtree(media_dir, ignore_errors=True)
        raise
    if bundled:
        shutil.rmtree(media_dir, ignore_errors=True)
    return EditorialExport(timeline, None if bundled else media_dir, cache.rendered, cache.reused)


def _media_dir(path: Path) -> Path:
    return path.with_name(f"{path.stem}_media")


def _copy_audio(session, folder: Path, rate: float) -> list[tuple[Any, Path, int]]:
    clips = session.audio_clips()
    if not clips:
        return []
    out = []
    with atomic_folder(folder) as temp:
        for index, clip in enumerate(clips, 1):
            source = session.media_path(clip.media_hash)
            name = f"{index:02d}_{Path(clip.name).stem or clip.media_hash[:12]}{source.suffix}"
            try:
                shutil.copyfile(source, temp / name)
                samples = decode_audio(source).shape[1]
            except OSError as exc:
                raise write_error(folder / name, exc) from exc
            except PrevizError as exc:
                raise ExportError(f"audio clip {clip.name or clip.media_hash[:12]!r}: {exc}") from exc
            frames = math.ceil(samples * rate / AUDIO_RATE - 1e-9)
            out.append((clip, folder / name, frames))
    return out
