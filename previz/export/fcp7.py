"""FCP 7 XML (xmeml) as Premiere Pro, DaVinci Resolve and Final Cut Pro 7 read it.

OpenTimelineIO's ``fcp_xml`` adapter writes the events; what it leaves short is completed here, through
the metadata the adapter reads where it reads some, and by editing its XML where it cannot:

- the sequence's ``<format>`` holds the frame size, rate (with the NTSC flag) and square pixels, and
  its audio (when the cut has audio) the 48 kHz stereo format;
- every clip item has one ``<rate>`` (the adapter writes two);
- each file lists only the media it has (a per-shot movie is picture only, with its frame format) and
  its timecode carries the shot's reel name and drop-frame display at 29.97/59.94.

:func:`check_fcp7` reads a written file back (with defusedxml) and checks all of that.
"""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET

import defusedxml.ElementTree as SafeET
import opentimelineio as otio

from previz.core.errors import ExportError
from previz.media.audio import RATE as AUDIO_RATE

AUDIO_SUFFIXES = (".wav", ".aif", ".aiff", ".mp3", ".m4a", ".aac", ".flac")


def _rate(fps: float) -> tuple[int, bool]:
    """FCP's (timebase, ntsc) of a rate: 23.976 -> (24, True)."""
    timebase = round(fps)
    return timebase, abs(timebase - fps) > 1e-6


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


def _rate_element(parent: ET.Element, fps: float) -> ET.Element:
    timebase, ntsc = _rate(fps)
    rate = _sub(parent, "rate")
    _sub(rate, "timebase", str(timebase))
    _sub(rate, "ntsc", "TRUE" if ntsc else "FALSE")
    return rate


def writable(timeline: otio.schema.Timeline, reels: dict[str, str]) -> otio.schema.Timeline:
    """A copy of ``timeline`` with the ``fcp_xml`` metadata the adapter reads: each file's timecode
    (reel name, DF/NDF display) and the media kinds it lists."""
    copied = copy.deepcopy(timeline)
    display = "DF" if timeline.metadata["previz"]["drop_frame"] else "NDF"
    copied.metadata["fcp_xml"] = {"timecode": {"displayformat": display}}
    for track in copied.tracks:
        for clip in track.find_clips():
            reference = clip.media_reference
            timecode: dict = {"displayformat": display}
            if track.kind == otio.schema.TrackKind.Audio:
                media = {"audio": {}}  # the copied file as it is: its format is its own
            else:
                media = {"video": {}}
                reel = reels.get(clip.name)
                if reel:
                    timecode["reel"] = {"name": reel}
            reference.metadata["fcp_xml"] = {"timecode": timecode, "media": media}
    return copied


def complete(text: str, width: int, height: int, fps: float, has_audio: bool) -> str:
    """The adapter's XML with the sequence format filled in and one rate per clip item."""
    root = SafeET.fromstring(text)
    for sequence in root.iter("sequence"):
        video = sequence.find("./media/video")
        if video is not None:
            old = video.find("format")
            if old is not None:
                video.remove(old)
            video.insert(0, _video_format(width, height, fps))
        audio = sequence.find("./media/audio")
        if audio is not None and has_audio:
            audio.insert(0, _audio_format())
            outputs = ET.Element("numOutputChannels")
            outputs.text = "2"
            audio.insert(0, outputs)
    for item in list(root.iter("clipitem")) + list(root.iter("transitionitem")):
        rates = item.findall("rate")
        for extra in rates[1:]:
            item.remove(extra)
    for file in root.iter("file"):
        video = file.find("./media/video")
        if video is not None and len(video) == 0:
            video.append(_samplecharacteristics(width, height, fps))
        media = file.find("media")
        if media is not None:  # after name, pathurl, rate, duration and timecode, as FCP 7 writes it
            file.remove(media)
            file.append(media)
    ET.indent(root, space="    ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _samplecharacteristics(width: int, height: int, fps: float) -> ET.Element:
    chars = ET.Element("samplecharacteristics")
    _rate_element(chars, fps)
    _sub(chars, "width", str(width))
    _sub(chars, "height", str(height))
    _sub(chars, "anamorphic", "FALSE")
    _sub(chars, "pixelaspectratio", "square")
    _sub(chars, "fielddominance", "none")
    _sub(chars, "colordepth", "24")
    return chars


def _video_format(width: int, height: int, fps: float) -> ET.Element:
    fmt = ET.Element("format")
    fmt.append(_samplecharacteristics(width, height, fps))
    return fmt


def _audio_format() -> ET.Element:
    fmt = ET.Element("format")
    chars = _sub(fmt, "samplecharacteristics")
    _sub(chars, "depth", "16")
    _sub(chars, "samplerate", str(AUDIO_RATE))
    return fmt


def check_fcp7(path, width: int, height: int, fps: float, has_audio: bool) -> None:
    """Read the written file back and check what an NLE needs beyond the events OTIO compares."""
    try:
        root = SafeET.fromstring(path.read_bytes())
    except Exception as exc:  # defusedxml and expat errors alike: the file is not what we wrote
        raise ExportError(f"{path}: the FCP 7 XML written does not parse ({exc})") from exc
    timebase, ntsc = _rate(fps)
    problems = []
    for sequence in root.iter("sequence"):
        chars = sequence.find("./media/video/format/samplecharacteristics")
        got = (
            None
            if chars is None
            else (
                chars.findtext("width"),
                chars.findtext("height"),
                chars.findtext("rate/timebase"),
                chars.findtext("rate/ntsc"),
                chars.findtext("pixelaspectratio"),
            )
        )
        want = (str(width), str(height), str(timebase), "TRUE" if ntsc else "FALSE", "square")
        if got != want:
            problems.append(f"sequence format {got} (expected {want})")
        if has_audio and sequence.find("./media/audio/track") is None:
            problems.append("no audio track")
    for item in root.iter("clipitem"):
        if len(item.findall("rate")) != 1:
            problems.append(f"clip {item.findtext('name')!r} has {len(item.findall('rate'))} rates")
            break
    if problems:
        raise ExportError(f"{path}: the FCP 7 XML read back is incomplete ({'; '.join(problems)})")
