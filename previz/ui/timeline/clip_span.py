"""Which clips of an edited span need Python's attention, found at C speed.

An add in the middle of a 1,000-shot cut moves every later entry (the shared ``LiveCut`` makes each one a
new object at its new record time): ~600 entries that differ from what their clips hold only by where
they are. Visiting each in Python cost ~3 µs (a few comparisons, its transition, whether it is seen): ~2 ms
per add. Here the span is sorted out with ``map``/``compress``/``bisect`` over whole lists instead:

- *full*: the entries that take the whole step (a new clip, a relabel, a shot or status or take that is
  not what the clip shows, a transition, a clip not laid out at this zoom);
- *seen*: the others whose clip is within (or near) the seen range before or after the edit: placed now;
- the rest are only moved far off screen: their clips are given their entries and wait to be placed when
  the view gets to them (``Timeline.place_deferred``).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from itertools import compress, repeat
from operator import and_, attrgetter, eq, ge, le, ne, not_

_CODE = attrgetter("code")
_SHOT_ID = attrgetter("shot_id")
_LOOKS = attrgetter("shot_id", "status", "take_id")  # what a clip shows of its entry besides its place
_TRANSITION = attrgetter("transition")
_RECORD_IN = attrgetter("record_in")
_RECORD_OUT = attrgetter("record_out")
_ENTRY = attrgetter("entry")
_PPF = attrgetter("placed_ppf")
_LEFT = attrgetter("left")
_RIGHT = attrgetter("right")


def sort_span(span, clips, relabel, transitions, ppf, left, lo, hi) -> tuple[set[int], list[int]]:
    """(full, seen): indexes into ``span`` (the edited entries, in cut order; every one has a clip in
    ``clips``, in the same order) as above. ``relabel``: shot ids whose label may have changed;
    ``transitions``: codes that have a transition item; ``left``: the scene x of frame 0; ``lo``/``hi``:
    the scene x range that counts as seen (infinite when nothing is seen: every clip is placed)."""
    n = len(span)
    index = range(n)
    full = set(compress(index, map(not_, map(eq, map(_LOOKS, map(_ENTRY, clips)), map(_LOOKS, span)))))
    full.update(compress(index, map(ne, map(_TRANSITION, span), repeat("cut"))))
    full.update(compress(index, map(ne, map(_PPF, clips), repeat(ppf))))
    if relabel:
        at = dict(zip(map(_SHOT_ID, span), index))
        full.update(at[i] for i in relabel if i in at)
    if transitions:
        at = dict(zip(map(_CODE, span), index))
        full.update(at[c] for c in transitions if c in at)
    # seen after the edit: the entries are in record order, so a bisect finds them (a frame's slack each
    # side, and a clip is at least 2 pixels wide: a few more clips placed, never one fewer)
    first = bisect_left(list(map(_RECORD_OUT, span)), (lo - left - 2) / ppf - 1)
    last = bisect_right(list(map(_RECORD_IN, span)), (hi - left) / ppf + 1)
    seen = set(range(first, last))
    # seen before it: where each clip is now (clips placed late may be anywhere)
    before = map(and_, map(ge, map(_RIGHT, clips), repeat(lo)), map(le, map(_LEFT, clips), repeat(hi)))
    seen.update(compress(index, before))
    seen -= full
    return full, sorted(seen)
