"""Read an editor's cut (.otio, .otioz, CMX 3600 .edl, FCP 7 .xml) through OpenTimelineIO's adapters into
plain data: the clips of one video track in record order, each with its source in, duration, the
dissolve before it, its markers and what identifies it (the previz metadata an export wrote, its media
file, its name). :mod:`previz.ingest.conform` matches the clips to shots and conforms the project.

Bad input is refused with an :class:`~previz.core.errors.ImportFileError` naming the file (and the line,
for an EDL) before anything is read from the project: an FCP XML is parsed with ``defusedxml`` first, so
an entity-expansion bomb or an external entity is refused before the adapter's parser sees it.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from urllib.parse import unquote, urlparse

from previz.core.errors import ImportFileError, PrevizError
from previz.core.timecode import FrameRate

#: Cut file suffixes and the OpenTimelineIO adapter that reads each.
CUT_ADAPTERS = {".otio": "otio_json", ".otioz": "otioz", ".edl": "cmx_3600", ".xml": "fcp_xml"}
FORMAT_NAMES = {".otio": "OTIO", ".otioz": "OTIOZ", ".edl": "EDL", ".xml": "FCP 7 XML"}


@dataclass
class CutMarker:
    frame: int  # frames from the clip's first frame
    text: str
    note_id: int | None = None


@dataclass
class CutClip:
    """One clip of the cut (1-based ``index`` in record order) and what may identify it."""

    index: int
    name: str
    source_in: int
    duration: int
    dissolve_frames: int = 0  # a dissolve into this clip from the one before
    fade_in_frames: int = 0  # an EDL dissolve from black (BL) into this clip
    fade_out_frames: int = 0  # an EDL dissolve from this clip to black
    shot_id: int | None = None
    shot_code: str | None = None  # the code the export wrote beside the id
    take_id: int | None = None
    media_hash: str | None = None
    media_url: str | None = None
    media_path: Path | None = None  # a local file the reference names (not yet checked to be allowed)
    archive_member: str | None = None  # media inside an .otioz archive
    generator: bool = False  # a title, slug or colour card (no file)
    title: str | None = None  # a generator's text (an FCP XML title's "str" parameter)
    file_name: str | None = None  # an EDL's "* SOURCE FILE:" comment (Avid)
    disabled: bool = False  # switched off in the editor (FCP XML <enabled>FALSE</enabled>)
    speed: float | None = None  # a speed change (EDL M2, an OTIO LinearTimeWarp): 2.0 plays twice as fast
    markers: list[CutMarker] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"clip {self.index} {self.name!r}" if self.name else f"clip {self.index}"


@dataclass
class EditorialCut:
    path: Path
    format: str  # OTIO, OTIOZ, EDL, FCP 7 XML
    rate: FrameRate
    clips: list[CutClip]
    notices: list[str] = field(default_factory=list)  # what the reader decided (rate, other tracks, gaps)


def cut_suffix(path: Path) -> str | None:
    suffix = path.suffix.lower()
    return suffix if suffix in CUT_ADAPTERS else None


def read_cut(
    path: str | Path, project_rate: FrameRate, *, rate: str | None = None, track: int = 1
) -> EditorialCut:
    """The clips of video track ``track`` (1 = the first) of the cut at ``path``.

    An EDL has no rate: it is read at ``rate`` (default: the project's, and the notices say so). A cut at
    another rate than the project's is refused, naming both."""
    path = Path(path)
    suffix = cut_suffix(path)
    if suffix is None:
        raise ImportFileError(str(path), "not a cut file; use .otio, .otioz, .edl or FCP 7 .xml")
    if not path.is_file():
        raise ImportFileError(str(path), "no such file")
    notices: list[str] = []
    if suffix == ".edl":
        cut_rate = _edl_rate(path, project_rate, rate, notices)
        timeline = _read_edl(path, cut_rate)
    else:
        if rate is not None:
            notices.append(f"--rate {rate} ignored: a {FORMAT_NAMES[suffix]} file states its own rate")
        if suffix == ".xml":
            _check_xml(path)
        elif suffix == ".otio":
            _check_schemas(path, path.read_text(encoding="utf-8", errors="replace"))
        elif suffix == ".otioz":
            _check_otioz(path)
        timeline = _read_other(path, CUT_ADAPTERS[suffix])
        cut_rate = None
    clips = _track_clips(path, timeline, track, notices)
    if cut_rate is None:
        cut_rate = _clip_rate(path, timeline, clips, project_rate)
    cut_clips = _clips(path, clips, suffix, notices)
    if suffix == ".otioz":  # relative references name files inside the archive
        for clip in cut_clips:
            if clip.media_url and not urlparse(clip.media_url).scheme:
                clip.archive_member, clip.media_path = clip.media_url, None
    return EditorialCut(path, FORMAT_NAMES[suffix], cut_rate, cut_clips, notices)


# ----------------------------------------------------------------------------------------- rates
def rate_label(rate: FrameRate) -> str:
    return f"{rate.label} fps{' drop-frame' if rate.drop_frame else ''}"


def _refuse_rate(path: Path, cut: FrameRate, project: FrameRate) -> None:
    raise ImportFileError(
        str(path),
        f"the cut runs at {rate_label(cut)} and the project at {rate_label(project)}; conform the cut "
        "to the project's rate in the editor, or import it into a project at the cut's rate",
    )


def _edl_rate(path: Path, project: FrameRate, rate: str | None, notices: list[str]) -> FrameRate:
    text = path.read_text(encoding="utf-8", errors="replace")
    fcm = re.search(r"^\s*FCM:\s*(NON[- ]DROP FRAME|DROP FRAME)\s*$", text, re.MULTILINE | re.IGNORECASE)
    if rate is None:
        cut = project
        notices.append(f"an EDL has no frame rate: read at the project's {rate_label(project)} (--rate)")
    else:
        try:
            cut = FrameRate.parse(rate, project.drop_frame if rate == project.label else None)
        except PrevizError as exc:
            raise ImportFileError(str(path), f"--rate {rate}: {exc}") from None
    if fcm is not None:
        drop = not fcm.group(1).upper().startswith("NON")
        if drop != cut.drop_frame:
            if drop and cut.label not in ("29.97", "59.94"):
                raise ImportFileError(
                    str(path),
                    f"the EDL counts drop-frame timecode (FCM: DROP FRAME), which {cut.label} "
                    "fps does not have; pass --rate 29.97 or 59.94",
                )
            cut = FrameRate(cut.fraction, drop)
    if cut != project:
        _refuse_rate(path, cut, project)
    return cut


def _clip_rate(path: Path, timeline, clips: list, project: FrameRate) -> FrameRate:
    """The rate the cut's clips count at (OTIO and FCP XML state it), refused unless the project's."""
    ranges = [getattr(c, "source_range", None) for c in clips]
    rates = {float(r.duration.rate) for r in ranges if r is not None}
    if not rates:
        return project
    value = min(rates)
    try:
        cut = FrameRate.from_rational(Fraction(value).limit_denominator(1001))
    except PrevizError:
        raise ImportFileError(str(path), f"the cut's frame rate {value:g} is not a frame rate") from None
    cut = FrameRate(cut.fraction, project.drop_frame and cut.fraction == project.fraction)
    if len(rates) > 1 or cut.fraction != project.fraction:
        _refuse_rate(path, cut, project)
    return cut


# ----------------------------------------------------------------------------------------- reading
_DROP_TC = re.compile(r"\b\d\d:\d\d:\d\d;\d\d\b")
_COMMENT_WITH_TC = re.compile(r"^\s*(?:M2\s|\*\s*LOC\s*:)")


def _edl_text(text: str, rate: float) -> str:
    """The EDL as the cmx adapter can read it: drop-frame timecode (``01:00:01;15``) in ``M2`` speed lines
    and ``* LOC:`` locators (as Avid writes them at 29.97) fails the adapter's patterns, which want colons
    (an M2 line crashes it, a locator is dropped unread); it is rewritten as the non-drop timecode of the
    same frame, which the adapter reads back to that frame. Event lines (which it reads) and the line
    count (errors name lines) are kept."""
    from opentimelineio import opentime

    def non_drop(match: re.Match) -> str:
        frame = opentime.from_timecode(match.group(0), rate)
        return opentime.to_timecode(frame, rate, drop_frame=False)

    lines = text.split("\n")
    for i, line in enumerate(lines):
        if _COMMENT_WITH_TC.match(line) and _DROP_TC.search(line):
            try:
                lines[i] = _DROP_TC.sub(non_drop, line)
            except Exception:  # not drop-frame at this rate: the adapter names the problem
                pass
    return "\n".join(lines)


def _read_edl(path: Path, rate: FrameRate):
    import opentimelineio as otio

    value = float(rate.fraction)
    if not rate.drop_frame and rate.fraction.denominator != 1:
        value = float(round(rate.fraction))  # non-drop NTSC timecode counts whole-number frames
    text = _edl_text(path.read_text(encoding="utf-8", errors="replace"), value)
    try:
        return otio.adapters.read_from_string(text, adapter_name="cmx_3600", rate=value)
    except Exception as exc:
        line = _failing_edl_line(text, value)
        reason = " ".join(str(exc).split())[:200] or exc.__class__.__name__
        raise ImportFileError(str(path), f"not a readable CMX 3600 EDL ({reason})", line=line) from None


def _failing_edl_line(text: str, rate: float) -> int | None:
    """The first line at which the EDL stops being readable: the shortest failing prefix (the cmx
    adapter's errors do not carry the line)."""
    import opentimelineio as otio

    lines = text.split("\n")

    def reads(n: int) -> bool:
        try:
            otio.adapters.read_from_string("\n".join(lines[:n]), adapter_name="cmx_3600", rate=rate)
            return True
        except Exception:
            return False

    low, high = 0, len(lines)  # reads(low) holds; reads(high) fails
    if reads(high):
        return None
    while high - low > 1:
        mid = (low + high) // 2
        if reads(mid):
            low = mid
        else:
            high = mid
    return high


def _check_xml(path: Path) -> None:
    """Parse with defusedxml first: entities (an expansion bomb) and external references are refused
    before OpenTimelineIO's FCP XML reader, which uses the standard library's parser, sees the file."""
    import xml.etree.ElementTree as ET

    import defusedxml
    import defusedxml.ElementTree as DET

    try:
        root = DET.parse(str(path), forbid_dtd=False, forbid_entities=True, forbid_external=True).getroot()
    except defusedxml.EntitiesForbidden as exc:
        what = (
            f"an external entity {exc.name!r} ({exc.sysid})"
            if exc.sysid
            else f"XML entity {exc.name!r} (an entity-expansion bomb, possibly)"
        )
        raise ImportFileError(str(path), f"declares {what}; refused unread") from None
    except (defusedxml.ExternalReferenceForbidden, defusedxml.DTDForbidden):
        raise ImportFileError(str(path), "refers to external entities or files; refused unread") from None
    except ET.ParseError as exc:
        raise ImportFileError(str(path), f"not well-formed XML ({exc.msg})", line=exc.position[0]) from None
    if root.tag != "xmeml":
        raise ImportFileError(str(path), f"not an FCP 7 XML file (its root is <{root.tag}>, not <xmeml>)")


def _unknown_schemas(data) -> list[str]:
    import opentimelineio as otio

    known = set(otio.core.type_version_map()) | {"RationalTime", "TimeRange", "TimeTransform"}
    found: list[str] = []
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            schema = item.get("OTIO_SCHEMA")
            if isinstance(schema, str) and schema.rsplit(".", 1)[0] not in known and schema not in found:
                found.append(schema)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _check_schemas(path: Path, text: str) -> None:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(str(path), f"not OTIO JSON ({exc.msg})", line=exc.lineno) from None
    unknown = _unknown_schemas(data)
    if unknown:
        raise ImportFileError(
            str(path),
            f"uses schema {unknown[0]}, which this OpenTimelineIO does not know; export the cut again "
            "as plain OTIO (clips, gaps, transitions, markers)",
        )
    if not isinstance(data, dict) or not str(data.get("OTIO_SCHEMA", "")).startswith("Timeline."):
        raise ImportFileError(str(path), "holds no OTIO timeline at its top; export a single timeline")


def _check_otioz(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            text = archive.read("content.otio").decode("utf-8", errors="replace")
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise ImportFileError(str(path), f"not an OTIOZ archive ({exc})") from None
    _check_schemas(path, text)


def _read_other(path: Path, adapter: str):
    import opentimelineio as otio

    try:
        timeline = otio.adapters.read_from_file(str(path), adapter_name=adapter)
    except Exception as exc:
        reason = " ".join(str(exc).split())[:200] or exc.__class__.__name__
        raise ImportFileError(str(path), f"OpenTimelineIO cannot read it ({reason})") from None
    if not isinstance(timeline, otio.schema.Timeline):
        found = getattr(timeline, "schema_name", lambda: type(timeline).__name__)()
        raise ImportFileError(str(path), f"holds a {found}, not one timeline; export a single timeline")
    return timeline


def _track_clips(path: Path, timeline, track: int, notices: list[str]) -> list:
    """The items (clips, transitions) of video track ``track``; the other tracks go to ``notices``."""
    import opentimelineio as otio

    video = [t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Video]
    if not video:
        raise ImportFileError(str(path), "the timeline is empty: it has no video track")
    if not 1 <= track <= len(video):
        raise ImportFileError(str(path), f"--track {track}: the cut has video tracks 1 to {len(video)}")
    for number, other in enumerate(video, 1):
        if number != track:
            count = len(list(other.find_clips()))
            named = f" {other.name!r}" if other.name else ""  # FCP XML tracks have no names
            notices.append(
                f"video track {number}{named} ({count} clips) not conformed; --track {number} "
                "conforms it instead"
            )
    audio = [t for t in timeline.tracks if t.kind != otio.schema.TrackKind.Video]
    for number, other in enumerate(audio, 1):
        count = len(list(other.find_clips()))
        named = f" {other.name!r}" if other.name else f" {number}"
        notices.append(f"{other.kind.lower()} track{named} ({count} clips) not conformed")
    chosen = video[track - 1]
    items = []
    for item in chosen:
        if isinstance(item, (otio.schema.Clip, otio.schema.Transition)):
            items.append(item)
        elif isinstance(item, otio.schema.Gap):
            if items:  # a leading gap is record timecode, not an edit
                notices.append(f"a gap of {round(item.duration().value)} frames in the cut ignored")
        else:
            notices.append(f"a nested {item.schema_name()} {item.name!r} on the track ignored")
    if not any(isinstance(i, otio.schema.Clip) for i in items):
        raise ImportFileError(str(path), f"the timeline is empty: video track {track} has no clips")
    return items


def _local_path(url: str | None) -> Path | None:
    if not url:
        return None
    parsed = urlparse(url)
    if parsed.scheme in ("", "file"):
        return Path(unquote(parsed.path)) if parsed.path else None
    return None


FILLER = {"black": "black (BL)", "SMPTEBars": "colour bars (BARS)"}  # EDL special sources: not shots
_MEDIA_SUFFIX = re.compile(r"\.[A-Za-z0-9]{2,5}$")


def name_without_extension(name: str) -> str:
    """``012A_0010.mov`` -> ``012A_0010``: Premiere and Resolve name a clip after its file."""
    return _MEDIA_SUFFIX.sub("", name.strip())


def _clips(path: Path, items: list, suffix: str = ".otio", notices: list[str] | None = None) -> list[CutClip]:
    import opentimelineio as otio

    notices = notices if notices is not None else []
    clips: list[CutClip] = []
    dissolve = 0
    previous = None
    after_black = False  # the item before a dissolve was black: the dissolve is a fade in
    for item in items:
        if isinstance(item, otio.schema.Transition):
            dissolve = round(item.in_offset.value + item.out_offset.value)
            continue
        source = item.source_range or item.trimmed_range()
        reference = item.media_reference
        if suffix == ".edl" and isinstance(reference, otio.schema.GeneratorReference):
            kind = FILLER.get(reference.generator_kind)
            if kind is not None:
                frames = round(source.duration.value)
                notices.append(f"{kind} of {frames} frames in the cut: filler, not a shot")
                if dissolve and previous is not None and not after_black:  # Avid's fade to black
                    previous.fade_out_frames = dissolve
                dissolve, after_black = 0, reference.generator_kind == "black"
                continue
        meta = _previz(item)
        url = getattr(reference, "target_url", None)
        start = round(source.start_time.value)
        media_start = _media_start(reference) if suffix == ".xml" else 0
        markers = _markers(item, start, media_start, _record_in(item) if suffix == ".edl" else None)
        if (
            dissolve
            and previous is not None
            and url
            and url == previous.media_url
            and item.name != previous.name
        ):
            # The CMX reader gives a dissolve's incoming clip the outgoing clip's file and comments.
            url = None
            copied = {p.text for p in previous.markers}
            markers = [m for m in markers if m.text not in copied]
        fade_in = dissolve if after_black else 0  # Avid writes a fade from black as a dissolve from BL
        clip = CutClip(
            index=len(clips) + 1,
            name=str(item.name or ""),
            source_in=start - media_start,
            duration=round(source.duration.value),
            dissolve_frames=0 if fade_in else dissolve,
            fade_in_frames=fade_in,
            shot_id=_int(meta.get("shot_id")),
            shot_code=meta.get("shot") if isinstance(meta.get("shot"), str) else None,
            take_id=_int(meta.get("take_id")),
            media_hash=meta.get("media_hash") if isinstance(meta.get("media_hash"), str) else None,
            media_url=url,
            media_path=_local_path(url),
            generator=isinstance(reference, otio.schema.GeneratorReference),
            title=_generator_text(reference),
            file_name=_source_file(item),
            disabled=not item.enabled or _fcp(item).get("enabled") == "FALSE",
            speed=_speed(item),
            markers=markers,
        )
        if clip.duration <= 0:
            raise ImportFileError(str(path), f"{clip.label} has no frames")
        clips.append(clip)
        previous, dissolve, after_black = clip, 0, False
    return clips


def _fcp(item) -> dict:
    meta = item.metadata.get("fcp_xml")
    return dict(meta) if isinstance(meta, Mapping) else {}


def _media_start(reference) -> int:
    """The first frame of the media (an FCP XML file's timecode): the adapter counts a clip's source from
    it (camera footage at 14:22:10:05 starts near frame 1,241,525), a take from 0."""
    available = getattr(reference, "available_range", None)
    return round(available.start_time.value) if available is not None else 0


def _record_in(item) -> int | None:
    """An EDL clip's record frame: the cmx reader starts its track at minus the first record timecode."""
    track = item.parent()
    if track is None or track.source_range is None:
        return None
    return round(item.range_in_parent().start_time.value - track.source_range.start_time.value)


def _markers(item, start: int, media_start: int, record_in: int | None) -> list[CutMarker]:
    """The clip's markers, at frames from its first frame.

    OTIO marks in the clip's source time; the FCP XML reader keeps a clip marker's ``<in>`` in frames of
    the media (without the file's timecode); Avid writes an EDL locator (``* LOC:``) in record timecode,
    Previz's own export in source timecode: a locator inside the event's record range is record time.
    Premiere and Resolve keep the marker's words in ``<comment>`` (the name is often empty or
    "Marker 1"): both are kept."""
    duration = round((item.source_range or item.trimmed_range()).duration.value)
    out: list[CutMarker] = []
    for marker in item.markers:
        at = round(marker.marked_range.start_time.value)
        if record_in is not None and record_in <= at < record_in + duration:
            frame = at - record_in
        elif media_start:
            frame = at - (start - media_start)
        else:
            frame = at - start
        name = str(marker.name or "").strip()
        comment = _fcp(marker).get("comment")
        comment = comment.strip() if isinstance(comment, str) else ""
        text = f"{name}: {comment}" if name and comment and comment != name else (name or comment)
        out.append(CutMarker(max(0, frame), text, _int(_previz(marker).get("note_id"))))
    return out


def _generator_text(reference) -> str | None:
    """An FCP XML title's words: its effect's ``str`` parameter (Premiere's and FCP 7's Text generator)."""
    meta = reference.metadata.get("fcp_xml") if reference is not None else None
    params = meta.get("parameter") if isinstance(meta, Mapping) else None
    if isinstance(params, Mapping) or isinstance(params, str) or params is None:
        params = [params]  # one <parameter> is a mapping, several a list (OTIO's AnyVector)
    for param in params:
        if isinstance(param, Mapping) and param.get("parameterid") == "str":
            value = param.get("value")
            if isinstance(value, str) and value.strip():
                return " ".join(value.split())
    return None


def _source_file(item) -> str | None:
    """Avid's ``* SOURCE FILE: NAME`` comment (the clip's media file name), when the event has one."""
    comments = (item.metadata.get("cmx_3600") or {}).get("comments") or []
    found = [str(c)[len("SOURCE FILE:") :].strip() for c in comments if str(c).startswith("SOURCE FILE:")]
    return found[-1] if found else None


def _speed(item) -> float | None:
    import opentimelineio as otio

    for effect in item.effects:
        if isinstance(effect, otio.schema.LinearTimeWarp) and abs(effect.time_scalar - 1.0) > 1e-3:
            return float(effect.time_scalar)
    return None


def _previz(item) -> dict:
    """The ``previz`` metadata an export wrote (OTIO keeps it as a mapping), or nothing."""
    meta = item.metadata.get("previz")
    return dict(meta) if isinstance(meta, Mapping) else {}


def _int(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
