"""Plain, immutable snapshots of project rows handed to the UI and the CLI (never live ORM objects)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from operator import itemgetter
from typing import Any

from previz.core.timecode import FrameRate

#: Each snapshot class's field names, found once (``dataclasses.fields`` on every row was a third of
#: turning a row into a snapshot: the views re-read the shots an edit names on every add or split).
_NAMES: dict[type, frozenset[str]] = {}
#: For a class and a query's columns: the columns it keeps and a getter of their values from a row (a row
#: made a dict through its mapping, then filtered, was most of reading a list: 1,000 jobs for the queue).
_PICKS: dict[tuple[type, tuple[str, ...]], tuple[tuple[str, ...], Callable]] = {}


def _names(cls) -> frozenset[str]:
    names = _NAMES.get(cls)
    if names is None:
        names = _NAMES[cls] = frozenset(f.name for f in fields(cls))
    return names


def _pick(cls, columns: tuple[str, ...]) -> tuple[tuple[str, ...], Callable]:
    names = _names(cls)
    at = [i for i, name in enumerate(columns) if name in names]
    if len(at) > 1:
        get = itemgetter(*at)
    else:  # itemgetter of one index returns the value itself, of none cannot be made
        get = (lambda row, i=at[0]: (row[i],)) if at else (lambda row: ())
    pick = _PICKS[(cls, columns)] = (tuple(columns[i] for i in at), get)
    return pick


def _from_row(cls, row, **extra):
    columns = getattr(row, "_fields", None)  # a SQLAlchemy row: its columns by position
    if columns is not None:
        kept, get = _PICKS.get((cls, columns)) or _pick(cls, columns)
        values = dict(zip(kept, get(row)))
    else:
        data = dict(row._mapping) if hasattr(row, "_mapping") else dict(row)
        names = _names(cls)
        values = {k: v for k, v in data.items() if k in names}
    values.update(extra)
    return cls(**values)


@dataclass(frozen=True)
class ProjectInfo:
    id: int
    name: str
    fps: str
    drop_frame: bool
    width: int
    height: int
    start_timecode: str
    style_prompt: str
    negative_prompt: str
    default_backend: str
    default_model: str
    created_at: str
    created_with: str
    uuid: str = ""
    media_root: str = ""
    default_preset: str = "final"

    @property
    def rate(self) -> FrameRate:
        return FrameRate(self.fps, self.drop_frame)

    from_row = classmethod(_from_row)


@dataclass(frozen=True)
class SceneInfo:
    id: int
    position: int
    number: str
    heading: str
    int_ext: str
    location: str
    time_of_day: str
    synopsis: str
    script_text: str
    omitted: bool

    from_row = classmethod(_from_row)


@dataclass(frozen=True)
class ShotInfo:
    id: int
    scene_id: int
    position: int
    code: str
    action: str
    dialogue: str
    characters: tuple[str, ...]
    size: str
    move: str
    move_intensity: float
    move_easing: str
    lens_mm: float
    duration_frames: int
    trim_in: int
    transition: str
    transition_frames: int
    prompt: str
    negative_prompt: str
    board_hash: str | None
    first_frame_hash: str | None
    last_frame_hash: str | None
    backend: str
    model: str
    seed: int
    steps: int | None
    guidance: float | None
    status: str
    selected_take_id: int | None
    scene_number: str = ""
    preset: str = ""

    @classmethod
    def from_row(cls, row, **extra) -> ShotInfo:
        data = dict(row._mapping)
        data["characters"] = tuple(data.get("characters") or ())
        return _from_row(cls, data, **extra)


@dataclass(frozen=True)
class TakeInfo:
    id: int
    shot_id: int
    number: int
    kind: str
    media_hash: str
    request: dict[str, Any]
    request_key: str
    provenance: dict[str, Any]
    stale: bool
    circled: bool
    created_at: str
    author: str = ""
    finalizes_take_id: int | None = None
    frames: int | None = None
    width: int | None = None
    height: int | None = None
    fps: str | None = None
    ext: str = "mp4"

    from_row = classmethod(_from_row)


@dataclass(frozen=True)
class CharacterInfo:
    id: int
    name: str
    description: str
    reference_hash: str | None

    from_row = classmethod(_from_row)


@dataclass(frozen=True)
class NoteInfo:
    id: int
    shot_id: int
    take_id: int | None
    frame: int
    text: str
    author: str
    created_at: str
    resolved: bool
    resolved_by_take_id: int | None
    strokes: list[Any] = field(default_factory=list)

    from_row = classmethod(_from_row)


@dataclass(frozen=True)
class JobInfo:
    id: int
    kind: str
    shot_id: int | None
    request: dict[str, Any]
    state: str
    priority: int
    progress_done: int
    progress_total: int
    message: str
    error: str
    attempts: int
    take_id: int | None
    created_at: str
    started_at: str | None
    finished_at: str | None
    holder: str = ""
    lease_expires_at: str | None = None
    finalizes_take_id: int | None = None

    from_row = classmethod(_from_row)


@dataclass(frozen=True)
class MediaInfo:
    hash: str
    ext: str
    kind: str
    size_bytes: int
    width: int | None
    height: int | None
    frames: int | None
    fps: str | None
    original_name: str
    created_at: str

    from_row = classmethod(_from_row)


@dataclass(frozen=True)
class AudioClipInfo:
    id: int
    media_hash: str
    name: str
    track: int
    start_frame: int
    gain_db: float

    from_row = classmethod(_from_row)


@dataclass(frozen=True)
class HistoryInfo:
    """One row of the change feed (``ProjectSession.history_after``): who changed what, and when.
    ``kind`` is ``edit``, ``undo``, ``redo`` or ``result``; ``changes`` the ``Changes`` it made."""

    id: int
    kind: str
    name: str
    author: str
    client: str
    created_at: str
    changes: Any
    undone: bool = False
    ref_id: int | None = None

    from_row = classmethod(_from_row)
