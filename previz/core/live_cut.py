"""A project's cut kept up to date edit by edit, for views that show the whole cut (the viewer).

Building the cut of a 1,000-shot project reads and converts 1,000 rows (tens of milliseconds). After an
edit that names the shots it touched (``Changes.shot_ids``: a shot added, split, trimmed, moved, a take
made or selected) only those shots' rows are re-read; the other entries are kept and only moved to their
new record times; a shot whose position alone changed (the renumbering of every later shot in its
scene that an add or a split makes, ``Changes.moved``) is moved to its new place without a read.
Anything else (the project's rate or start timecode, scenes, or changes that name no shot) reads the
whole cut again. The result always equals :func:`~previz.core.cut.build_cut`.

Why naming the touched shots is enough: an entry is made from its shot's row, its scene's number and
order, and its selected take's row. A shot op names its shot; a take insert or delete names the take's
shot; take updates only change its flags (circled, stale), which the cut does not hold; scene changes
read everything again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from operator import itemgetter
from typing import Any

from previz.core.cut import Cut, CutEntry, cut_rows, entry_from_row
from previz.core.edits import Changes

_Key = tuple[int, int, int, int]  # scene position, scene id, shot position, shot id: the cut's order


def _key(row) -> _Key:
    return (row.scene_position, row.scene_id, row.position, row.id)


_new = object.__new__
_set = object.__setattr__  # a frozen dataclass refuses its own __setattr__, __dict__ included


def _moved(entry: CutEntry, record_in: int) -> CutEntry:
    """``entry`` at ``record_in``: ``dataclasses.replace`` without its per-call field walk (an add in the
    middle of a 1,000-shot cut moves hundreds of entries; this is several times cheaper, and a copied
    ``__dict__`` given to the new object is half the cost of updating its empty one)."""
    values = entry.__dict__.copy()
    values["record_in"] = record_in
    values["record_out"] = record_in + entry.duration
    moved = _new(CutEntry)
    _set(moved, "__dict__", values)
    return moved


def changes_cut(changes: Changes) -> bool:
    """Whether an edit's ``changes`` may change the cut (a change of audio clips or notes alone does not)."""
    return bool(changes.project or changes.scenes or changes.shots or changes.takes)


class LiveCut:
    """``cut`` is the project's cut; :meth:`update` brings it in line with an edit's ``Changes``."""

    MAX_IDS = 900  # an edit naming more shots reads the whole cut (one query, not a huge IN list)

    def __init__(self, session, project: Callable[[], Any] | None = None) -> None:
        """``project``: returns the project's settings (a read its owner shares with its views), else read."""
        self.session = session
        self._project = project if project is not None else session.project
        self.cut: Cut
        self._entries: dict[int, tuple[_Key, CutEntry]] = {}
        self.reload()

    def reload(self) -> Cut:
        """Read the whole cut again."""
        project = self._project()
        entries: dict[int, tuple[_Key, CutEntry]] = {}
        record = 0
        for row in cut_rows(self.session):
            entries[row.id] = (_key(row), entry_from_row(row, record))
            record += row.duration_frames
        self._entries = entries
        self.cut = Cut(project.rate, project.start_timecode, tuple(e for _k, e in entries.values()))
        return self.cut

    def update(self, changes: Changes) -> frozenset[int] | None:
        """Bring :attr:`cut` in line with ``changes``. Returns the shot ids whose entries were re-read
        (added, removed or changed; the others at most moved to new record times or, for the shots whose
        position alone changed (``Changes.moved``), to their new place without a read), or None when the
        whole cut was read again."""
        if not changes_cut(changes):
            return frozenset()
        if changes.project or changes.scenes or not changes.shot_ids or len(changes.shot_ids) > self.MAX_IDS:
            self.reload()
            return None
        # a shot whose position alone changed keeps its entry under its new key (no read)
        for shot_id, position in changes.moved.items():
            kept = self._entries.get(shot_id)
            if kept is not None:
                (scene_position, scene_id, _old, _id), entry = kept
                self._entries[shot_id] = ((scene_position, scene_id, position, shot_id), entry)
        touched = frozenset(changes.content.shot_ids)
        for shot_id in touched:
            self._entries.pop(shot_id, None)
        if touched:
            for row in cut_rows(self.session, ids=sorted(touched)):
                self._entries[row.id] = (_key(row), entry_from_row(row, 0))
        ordered = sorted(self._entries.values(), key=itemgetter(0))
        entries: list[CutEntry] = []
        record = 0
        for key, entry in ordered:
            if entry.record_in != record:
                entry = _moved(entry, record)
                self._entries[entry.shot_id] = (key, entry)
            entries.append(entry)
            record += entry.duration
        self.cut = Cut(self.cut.rate, self.cut.start_timecode, tuple(entries))
        return touched


def repositioned(shot, position: int):
    """``shot`` (a frozen snapshot) at ``position``: ``dataclasses.replace`` without its per-call field
    walk (an add renumbers every later shot of its scene)."""
    values = shot.__dict__.copy()
    values["position"] = position
    moved = _new(type(shot))
    _set(moved, "__dict__", values)
    return moved


def shots_after(changes: Changes, known: Mapping[int, Any], read: Callable[[Changes], list]) -> list:
    """The shots ``changes`` names, as they are after it (a deleted one missing), for a view holding the
    snapshots ``known`` (by id): the shots whose position alone changed are moved from what the view holds
    without a read; ``read(changes)`` reads the rest (``changes.content``, one object per edit so a read
    cached per ``Changes`` is shared by every view). A moved shot the view does not hold is read too."""
    moved = changes.moved
    if not moved or any(i not in known for i in moved):
        return read(changes)
    fresh = read(changes.content) if changes.content.shot_ids else []
    return [*fresh, *(repositioned(known[i], p) for i, p in moved.items())]
