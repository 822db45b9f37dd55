"""AAF for Avid Media Composer, written by OpenTimelineIO's AAF adapter (``otio-aaf-adapter``, on pyaaf2)
and checked by two readers before the export reports success: the adapter's own (the events compared
like every editorial file's) and pyaaf2 directly (the composition's picture slot, clip by clip, and its
start timecode).

The adapter needs what an AAF says and OTIO does not: each clip's master clip id (derived here from the
shot's identity, so the same shot and take keep one master clip across exports and an Avid bin relinks
them) and each dissolve's effect (the SMPTE video dissolve, its cut point and level curve). pyaaf2 then sets
the timecode's drop-frame flag, which the adapter gets wrong at NTSC rates.
"""

from __future__ import annotations

import copy
import uuid
from pathlib import Path

import opentimelineio as otio

from previz.core.errors import ExportError

#: The AAF video dissolve effect (kAAFEffectVideoDissolve).
VIDEO_DISSOLVE = "0c3bea40-fc05-11d2-8a29-0050040ef7d2"
_NAMESPACE = uuid.UUID("5c1f4a52-6a5e-4d55-9b8e-70726576697a")  # Previz master clip ids


def _master_id(clip: otio.schema.Clip) -> str:
    import aaf2

    meta = clip.metadata.get("previz", {})
    seed = f"{meta.get('shot_id')}:{meta.get('media_hash') or ''}:{clip.name}"  # not the export's path
    mob_id = aaf2.mobid.MobID.new()
    mob_id.material = uuid.uuid5(_NAMESPACE, seed)
    return mob_id.urn


def writable(timeline: otio.schema.Timeline) -> otio.schema.Timeline:
    """A copy of ``timeline`` with the AAF metadata the adapter's writer asks for."""
    copied = copy.deepcopy(timeline)
    for track in copied.tracks:
        for item in track:
            if isinstance(item, otio.schema.Transition):
                item.metadata["AAF"] = {
                    "CutPoint": 0,
                    "PointList": [{"Value": 0, "Time": 0}, {"Value": 1, "Time": 1}],
                    "OperationGroup": {
                        "Operation": {
                            "Identification": VIDEO_DISSOLVE,
                            "Name": "Video Dissolve",
                            "Description": "Video Dissolve",
                            "DataDefinition": {"Name": "Picture"},
                            "IsTimeWarp": False,
                            "Bypass": 1,
                            "NumberInputs": 2,
                            "OperationCategory": "OperationCategory_Effect",
                        }
                    },
                }
            elif isinstance(item, otio.schema.Clip):
                item.metadata["AAF"] = {"MobID": _master_id(item)}
    return copied


def write_aaf(timeline: otio.schema.Timeline, path: Path) -> None:
    """The AAF of ``timeline`` at ``path``; its timecode marked drop-frame exactly when the project's is
    (the adapter marks the sequence's never, and the sources' at every NTSC rate, 23.976 included)."""
    otio.adapters.write_to_file(writable(timeline), str(path), adapter_name="AAF")
    import aaf2

    drop = bool(timeline.metadata["previz"]["drop_frame"])
    with aaf2.open(str(path), "rw") as aaf_file:
        for mob in aaf_file.content.mobs:
            for slot in mob.slots:
                if isinstance(slot.segment, aaf2.components.Timecode):
                    slot.segment.drop = drop


def picture_rows(path: Path) -> tuple[list[tuple[str, int, int, int]], int | None, bool | None]:
    """What pyaaf2 reads from the composition's picture slot: (clip name, source in, duration, record
    in from the start) per clip, and the start timecode (frames) and drop-frame flag."""
    import aaf2

    rows: list[list] = []
    start = drop = None
    with aaf2.open(str(path), "r") as aaf_file:
        [composition] = list(aaf_file.content.toplevel())
        for slot in composition.slots:
            segment = slot.segment
            if isinstance(segment, aaf2.components.Timecode):
                start, drop = int(segment.start), bool(segment.drop)
            elif segment.media_kind == "Picture":
                position = 0
                for component in segment.components:
                    if isinstance(component, aaf2.components.Transition):
                        rows[-1][2] -= component.length  # clips overlap under an AAF transition
                        position -= component.length
                        continue
                    name = component.mob.name if isinstance(component, aaf2.components.SourceClip) else None
                    rows.append(
                        [name, int(getattr(component, "start", 0) or 0), int(component.length), position]
                    )
                    position += component.length
    return [tuple(r) for r in rows if r[0] is not None], start, drop


def check_aaf(path: Path, expected: list, start: int, drop_frame: bool) -> None:
    """pyaaf2's reading of the file matches the cut (rows as :func:`editorial.video_rows` gives them)."""
    try:
        rows, tc_start, drop = picture_rows(path)
    except Exception as exc:  # pyaaf2 raises many kinds on a file it cannot read
        raise ExportError(
            f"{path}: pyaaf2 cannot read the AAF written ({exc}); the file was not kept"
        ) from exc
    want = [(r.name, r.source_in, r.duration, r.record_in - start) for r in expected]
    if rows != want or tc_start != start or drop != drop_frame:
        raise ExportError(
            f"{path}: pyaaf2 reads the AAF differently from the cut ({rows[:3]} at {tc_start}, expected "
            f"{want[:3]} at {start}); the file was not kept"
        )
