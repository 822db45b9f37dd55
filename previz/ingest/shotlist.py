"""Shot lists from CSV (comma, semicolon or tab separated) and ``.xlsx`` (first sheet).

Header names are matched case-insensitively, ignoring spaces, ``_``, ``-``, ``.``, ``#`` and ``()``,
against the aliases in :data:`COLUMN_ALIASES`. ``scene`` and ``shot`` columns are required; the
others are optional. Unknown columns are ignored (listed in :attr:`ShotList.ignored_columns`).

Duration rule (:func:`parse_duration`), given the project fps:

* ``48f``, ``48 f``, ``48 frames`` -> 48 frames;
* ``2s``, ``2.5 s``, ``2.5 sec`` -> seconds, rounded to the nearest frame (halves up);
* ``00:00:02:00`` (``HH:MM:SS:FF``, ``;`` before the frames for drop-frame) -> SMPTE timecode at the fps;
* a bare number: an integer is **frames** (``48``), a number with a decimal point is **seconds**
  (``2.5``, ``3.0``) -- except in a column headed ``frames`` (always frames) or ``seconds``/``secs``
  (always seconds).

Durations must be positive. Every error names the file, the row (1-based line in the file; the
header is row 1) and the column as written in the header.

Scene numbers are kept as written (leading zeros dropped); :func:`resolve_scenes` points each row at
the project's scene, which may differ only in case when just one scene fits. Input is capped: files
over :data:`MAX_SHOT_LIST_BYTES`; workbooks whose parts declare more than
:data:`MAX_XLSX_UNCOMPRESSED` bytes (checked before openpyxl inflates anything) or whose first sheet
holds more than :data:`MAX_XLSX_CELLS` cells.
"""

from __future__ import annotations

import csv
import datetime
import io
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from previz.core.enums import MoveKind, ShotSize
from previz.core.errors import ImportFileError
from previz.core.timecode import FrameRate, seconds_to_frames
from previz.ingest.screenplay import normalize_scene_number, scene_number_resolver, shot_code
from previz.ingest.textfile import read_bytes_limited, read_text_file

COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "scene": ("scene", "sc", "scenenumber", "sceneno", "scn", "scenenum"),
    "shot": ("shot", "shotno", "shotnumber", "shotnum", "sh"),
    "size": ("size", "shotsize", "framing", "frame"),
    "move": ("move", "cameramove", "camera", "movement", "cameramovement"),
    "lens": ("lens", "focallength", "mm", "lensmm", "focal"),
    "duration": ("duration", "dur", "length", "frames", "seconds", "secs", "durationframes", "durations"),
    "description": ("description", "action", "desc", "shotdescription"),
    "dialogue": ("dialogue", "dialog", "lines"),
    "prompt": ("prompt", "promptoverride"),
    "board": ("board", "image", "panel", "boardimage", "storyboard"),
}
REQUIRED_COLUMNS = ("scene", "shot")

SIZE_ALIASES: dict[str, str] = {
    "extremewide": "ews", "extremewideshot": "ews", "els": "ews", "extremelongshot": "ews",
    "wide": "ws", "wideshot": "ws", "ls": "ws", "longshot": "ws", "fullshot": "ws", "fs": "ws",
    "medium": "ms", "mediumshot": "ms", "mws": "ms", "mediumwide": "ms", "mls": "ms", "midshot": "ms",
    "mediumcloseup": "mcu", "mediumclose": "mcu",
    "closeup": "cu", "close": "cu",
    "extremecloseup": "ecu", "bcu": "ecu", "xcu": "ecu",
    "ins": "insert", "insertshot": "insert",
    "overtheshoulder": "ots", "overshoulder": "ots", "os": "ots",
    "pointofview": "pov",
}  # fmt: skip
MOVE_ALIASES: dict[str, str] = {
    "none": "static", "still": "static", "lockedoff": "static", "lockoff": "static", "locked": "static",
    "push": "push_in", "dollyin": "push_in", "trackin": "push_in", "pushin": "push_in",
    "pull": "pull_out", "dollyout": "pull_out", "pullback": "pull_out", "trackout": "pull_out",
    "pullout": "pull_out",
    "panleft": "pan_left", "panl": "pan_left", "panright": "pan_right", "panr": "pan_right",
    "tiltup": "tilt_up", "tiltdown": "tilt_down",
    "truckleft": "truck_left", "trackleft": "truck_left", "truckright": "truck_right",
    "trackright": "truck_right",
    "pedestalup": "pedestal_up", "craneup": "pedestal_up", "boomup": "pedestal_up",
    "pedestaldown": "pedestal_down", "cranedown": "pedestal_down", "boomdown": "pedestal_down",
    "dollyzoom": "dolly_zoom", "zolly": "dolly_zoom", "vertigo": "dolly_zoom",
    "handheld": "handheld", "hh": "handheld",
}  # fmt: skip

_TIMECODE = re.compile(r"^\d{1,2}:\d{2}:\d{2}[:;.]\d{1,3}$")
_NUMBER_UNIT = re.compile(r"^([0-9]*\.?[0-9]+)\s*([a-z]*)$")


@dataclass
class ShotListRow:
    row: int
    scene: str
    shot: int
    code: str
    size: ShotSize | None = None
    move: MoveKind | None = None
    lens_mm: float | None = None
    duration_frames: int | None = None
    description: str = ""
    dialogue: str = ""
    prompt: str = ""
    board: str | None = None


@dataclass
class ShotList:
    path: str
    fps: float
    rows: list[ShotListRow] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # field -> header as written
    ignored_columns: list[str] = field(default_factory=list)
    header_line: int = 1


def _key(s: str) -> str:
    return re.sub(r"[\s_\-.#()/]", "", s.strip().lower())


def parse_duration(value: str, fps: FrameRate | float | str, unit_hint: str = "duration") -> int:
    """Parse a duration to whole frames by the rule in the module docstring; ValueError if bad."""
    from opentimelineio import opentime

    v = value.strip().lower()
    rate = FrameRate.parse(fps, project=False)
    if _TIMECODE.match(v):
        frames = round(opentime.from_timecode(v.replace(".", ":"), rate.fps).value)
    else:
        m = _NUMBER_UNIT.match(v)
        if not m:
            raise ValueError(f"{value!r} is not a duration (use 48f, 2.5s or 00:00:02:00)")
        number, unit = m.group(1), m.group(2)
        if unit in ("f", "fr", "frame", "frames"):
            if "." in number:
                raise ValueError(f"{value!r}: a frame count must be a whole number")
            frames = int(number)
        elif unit in ("s", "sec", "secs", "second", "seconds"):
            frames = seconds_to_frames(number, rate)
        elif unit:
            raise ValueError(f"{value!r}: unknown unit {unit!r} (use f for frames or s for seconds)")
        elif unit_hint == "frames":
            if "." in number:
                raise ValueError(f"{value!r}: a frame count must be a whole number")
            frames = int(number)
        elif unit_hint == "seconds" or "." in number:
            frames = seconds_to_frames(number, rate)
        else:
            frames = int(number)
    if frames <= 0:
        raise ValueError(f"{value!r} is not a positive duration")
    return frames


def _enum(value: str, aliases: dict[str, str], enum_cls, what: str):
    k = _key(value)
    if k in aliases:
        return enum_cls(aliases[k])
    for member in enum_cls:
        if _key(member.value) == k:
            return member
    allowed = ", ".join(m.value for m in enum_cls)
    raise ValueError(f"{value!r} is not a {what}; use one of: {allowed}")


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return f"{v:.1f}"
    if isinstance(v, datetime.time):
        return f"{v.hour * 3600 + v.minute * 60 + v.second + v.microsecond / 1e6:g}s"
    if isinstance(v, datetime.timedelta):
        return f"{v.total_seconds():g}s"
    return str(v).strip()


def _read_csv_rows(path: str, encoding: str | None) -> list[tuple[int, list[str]]]:
    text = read_text_file(path, encoding=encoding, max_bytes=MAX_SHOT_LIST_BYTES)
    first = text.split("\n", 1)[0]
    delim = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text), delimiter=delim)
    rows: list[tuple[int, list[str]]] = []
    try:
        line = 1
        for rec in reader:
            rows.append((line, rec))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ImportFileError(path, f"is not valid CSV ({exc})", line=reader.line_num) from None
    return rows


MAX_SHOT_LIST_BYTES = 64 * 1024 * 1024
"""Largest shot-list file (64 MiB: 100,000 rows of 650 bytes; a screenplay's 10 MiB is too few)."""
MAX_XLSX_UNCOMPRESSED = 256 * 1024 * 1024
"""Largest total uncompressed size of a workbook's parts (256 MiB: a 100,000-row shot list is ~40 MiB)."""
MAX_XLSX_CELLS = 5_000_000
"""Most cells read from the first sheet (100,000 rows of 50 columns)."""


def _check_workbook_size(path: str) -> None:
    """Refuse a workbook whose parts declare more than :data:`MAX_XLSX_UNCOMPRESSED` bytes, before
    openpyxl inflates anything (a small file can inflate to gigabytes). ``zipfile`` stops reading a
    part at its declared size, so the declaration is a real bound."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            total = sum(info.file_size for info in zf.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImportFileError(
            path, f"is not a readable .xlsx workbook ({exc}); re-save it from the spreadsheet"
        ) from None
    if total > MAX_XLSX_UNCOMPRESSED:
        raise ImportFileError(
            path,
            f"workbook inflates to {total / 2**20:,.0f} MiB, over the "
            f"{MAX_XLSX_UNCOMPRESSED / 2**20:g} MiB import limit; save the shot list alone as .xlsx or .csv",
        )


def _read_xlsx_rows(path: str) -> list[tuple[int, list[str]]]:
    import zipfile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    read_bytes_limited(path, MAX_SHOT_LIST_BYTES)  # existence and size checks
    _check_workbook_size(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as exc:
        raise ImportFileError(
            path, f"is not a readable .xlsx workbook ({exc}); re-save it from the spreadsheet"
        ) from None
    rows: list[tuple[int, list[str]]] = []
    cells = 0
    try:
        ws = wb.worksheets[0]
        ws.reset_dimensions()  # a declared A1:XFD1048576 must not pad every row to 16,384 cells
        for i, rec in enumerate(ws.iter_rows(values_only=True), 1):
            cells += len(rec)
            if cells > MAX_XLSX_CELLS:
                raise ImportFileError(
                    path,
                    f"the first sheet has more than {MAX_XLSX_CELLS:,} cells (the import limit); "
                    "delete the unused rows and columns or split the shot list",
                    line=i,
                )
            rows.append((i, [_cell(v) for v in rec]))
    finally:
        wb.close()
    return rows


def load_shot_list(path: str | os.PathLike[str], fps: float, encoding: str | None = None) -> ShotList:
    """Read a shot list (``.csv``/``.tsv``/``.txt`` or ``.xlsx``) into :class:`ShotListRow` values."""
    p = str(path)
    if Path(p).suffix.lower() in (".xlsx", ".xlsm"):
        records = _read_xlsx_rows(p)
    else:
        records = _read_csv_rows(p, encoding)
    records = [(ln, rec) for ln, rec in records if any(c.strip() for c in rec)]
    if not records:
        raise ImportFileError(p, "file is empty; there is nothing to import")
    header_line, header = records[0]
    result = ShotList(path=p, fps=fps, header_line=header_line)
    index: dict[str, int] = {}
    for col, name in enumerate(header):
        k = _key(name)
        for fld, aliases in COLUMN_ALIASES.items():
            if k in aliases and fld not in index:
                index[fld] = col
                result.columns[fld] = name.strip()
                break
        else:
            if name.strip():
                result.ignored_columns.append(name.strip())
    missing = [c for c in REQUIRED_COLUMNS if c not in index]
    if missing:
        found = ", ".join(h.strip() for h in header if h.strip()) or "nothing"
        raise ImportFileError(
            p,
            f"missing required column(s) {', '.join(missing)} in the header (found: {found}); "
            "add them to the first row",
            line=header_line,
        )
    hk = _key(result.columns.get("duration", "duration"))
    unit_hint = "frames" if "frame" in hk else "seconds" if "sec" in hk else "duration"
    seen: dict[str, int] = {}
    parsed: dict[tuple[str, str], Any] = {}  # a shot list repeats its values: parse each once

    def once(fld: str, value: str, parse: Callable[[str], Any]) -> Any:
        if (fld, value) not in parsed:
            parsed[fld, value] = parse(value)
        return parsed[fld, value]

    for line, rec in records[1:]:

        def get(fld: str, rec=rec) -> str:
            col = index.get(fld)
            return rec[col].strip() if col is not None and col < len(rec) else ""

        def fail(fld: str, message: str, line=line) -> ImportFileError:
            return ImportFileError(p, message, line=line, column=result.columns.get(fld, fld))

        scene = normalize_scene_number(get("scene"))
        if not scene:
            raise fail("scene", "scene number is empty")
        shot_text = get("shot")
        try:
            shot = int(float(shot_text)) if re.fullmatch(r"\d+(\.0*)?", shot_text) else int(shot_text)
        except ValueError:
            raise fail("shot", f"{shot_text!r} is not a whole shot number (e.g. 10, 20, 30)") from None
        if shot < 0 or shot > 9999:
            raise fail("shot", f"shot number {shot} is outside 0..9999")
        row = ShotListRow(row=line, scene=scene, shot=shot, code=shot_code(scene, shot))
        if row.code in seen:
            raise fail("shot", f"shot {row.code} is listed twice (first on row {seen[row.code]})")
        seen[row.code] = line
        try:
            if get("size"):
                row.size = once("size", get("size"), lambda v: _enum(v, SIZE_ALIASES, ShotSize, "shot size"))
        except ValueError as exc:
            raise fail("size", str(exc)) from None
        try:
            if get("move"):
                row.move = once(
                    "move", get("move"), lambda v: _enum(v, MOVE_ALIASES, MoveKind, "camera move")
                )
        except ValueError as exc:
            raise fail("move", str(exc)) from None
        lens = get("lens").lower().removesuffix("mm").strip()
        if lens:
            try:
                row.lens_mm = float(lens)
            except ValueError:
                raise fail("lens", f"{get('lens')!r} is not a focal length in mm (e.g. 35)") from None
            if not 1 <= row.lens_mm <= 2000:
                raise fail("lens", f"{get('lens')!r} is not a focal length between 1 and 2000 mm")
        if get("duration"):
            try:
                row.duration_frames = once(
                    "duration", get("duration"), lambda v: parse_duration(v, fps, unit_hint)
                )
            except ValueError as exc:
                raise fail("duration", str(exc)) from None
        row.description = get("description")
        row.dialogue = get("dialogue")
        row.prompt = get("prompt")
        row.board = get("board") or None
        result.rows.append(row)
    return result


def resolve_scenes(shots: ShotList, project_numbers: list[str]) -> None:
    """Point every row at the project's scene its scene column names (same number, or the one scene
    differing only in case: :func:`scene_number_resolver`) and give it that scene's shot code. Raise
    naming the first row whose scene is not in the project, or two rows that name one shot."""
    resolve = scene_number_resolver(project_numbers)
    seen: dict[str, int] = {}
    for row in shots.rows:
        number = resolve(row.scene)
        if number is None:
            listed = ", ".join(n for n in project_numbers[:20]) or "none"
            raise ImportFileError(
                shots.path,
                f"scene {row.scene} is not in the project (scenes: {listed}); import the screenplay first",
                line=row.row,
                column=shots.columns.get("scene", "scene"),
            )
        row.scene, row.code = number, shot_code(number, row.shot)
        if row.code in seen:
            raise ImportFileError(
                shots.path,
                f"shot {row.code} is listed twice (first on row {seen[row.code]})",
                line=row.row,
                column=shots.columns.get("shot", "shot"),
            )
        seen[row.code] = row.row
