"""Matching a revised screenplay against the project's scenes, on plain data only.

Matching, in this order:

1. **By scene number** (compared in :func:`normalize_scene_number` form: ``012A`` == ``12A``; case
   counts, ``12a`` is another scene; a number matching no scene exactly matches the one scene that
   differs only in case). Scene numbers are the production's locked references, so a number match
   wins even if the heading changed.
2. **By heading and position** for the scenes left over on both sides: the two sequences of
   normalised headings are aligned with :class:`difflib.SequenceMatcher`; equal runs are matched in
   order (so the second ``INT. KITCHEN - DAY`` matches the second one). In a replaced run of equal
   length, scenes pair up by position when their texts are at least 60% similar (a heading rewrite).
   Leftovers with the same heading are then paired in order (a scene moved across others).
3. New scenes left are **added**; existing scenes left are **omitted** (gone from the script). The plan
   never deletes anything: the lead marks omitted scenes and keeps their shots, takes and notes.

A matched scene is **changed** when its normalised script text, heading or number (ignoring case)
differs (a script without scene numbers keeps the project's numbers: no number there is not a change),
else **unchanged**; either way it takes the script's number as written. Text is normalised by
:func:`normalize_script_text`: notes ``[[..]]``, boneyard
``/*..*/`` and the ``#12A#`` scene number are removed, trailing spaces dropped, runs of blank lines
collapsed.

A script that repeats a scene number is still imported (:func:`rename_repeated_numbers`): the repeat
becomes ``<number>-2`` (``-3``, … the first free one), with a warning naming the file and line.

:func:`assign_scene_numbers` gives every scene of the new script the number it should have in the
project: its own, else the matched scene's, else (for scenes added without one) the production
convention: ``1, 2, 3...`` for a first import of an unnumbered script (``N+1, N+2...`` after the
project's highest number when the project has scenes it does not match), otherwise the previous scene's
number plus the next free letter (``2`` -> ``2A`` -> ``2B``), or ``A`` + the next number before the
first scene (``A1``).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from previz.ingest.screenplay import Screenplay, ScriptScene, located, normalize_scene_number

_NOTE = re.compile(r"\[\[.*?\]\]", re.S)
_BONE = re.compile(r"/\*.*?\*/", re.S)
_NUMBER = re.compile(r"[ \t]*#[A-Za-z0-9.\-]+#[ \t]*$", re.M)
SIMILAR_TEXT = 0.6
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class ExistingScene:
    """A scene already in the project. ``key`` is the project's id for it (opaque here)."""

    key: Any
    number: str | None
    heading: str
    order: int
    text: str


@dataclass
class SceneMatch:
    existing: ExistingScene
    scene: ScriptScene
    position: int  # index of the scene in the new script
    reasons: list[str] = field(default_factory=list)  # "text", "heading", "number"; empty if unchanged
    matched_by: str = "number"  # "number", "heading" or "position"


@dataclass
class AddedScene:
    scene: ScriptScene
    position: int


@dataclass
class RevisionPlan:
    added: list[AddedScene] = field(default_factory=list)
    changed: list[SceneMatch] = field(default_factory=list)
    unchanged: list[SceneMatch] = field(default_factory=list)
    omitted: list[ExistingScene] = field(default_factory=list)
    reordered: bool = False  # matched scenes are in a different relative order than before
    warnings: list[str] = field(default_factory=list)  # "file, line N: what was done and why"

    @property
    def is_noop(self) -> bool:
        return not (self.added or self.changed or self.omitted or self.reordered)

    def summary(self) -> dict[str, Any]:
        """Counts and scene labels, ready for ``--json`` or a text summary."""

        def label(number: str | None, heading: str) -> str:
            return f"{number} {heading}" if number else heading

        return {
            "scenes_added": [label(a.scene.number, a.scene.heading) for a in self.added],
            "scenes_changed": [label(m.scene.number, m.scene.heading) for m in self.changed],
            "scenes_unchanged": len(self.unchanged),
            "scenes_omitted": [label(e.number, e.heading) for e in self.omitted],
            "reordered": self.reordered,
        }


def normalize_script_text(text: str) -> str:
    """Text form compared to decide whether a scene changed (see the module docstring)."""
    t = text.replace("\r\n", "\n").replace("\r", "\n")
    t = _BONE.sub("", _NOTE.sub("", t))
    t = _NUMBER.sub("", t)
    lines = [ln.rstrip() for ln in t.split("\n")]
    out: list[str] = []
    for ln in lines:
        if ln or (out and out[-1]):
            out.append(ln)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)


def normalize_heading(heading: str) -> str:
    return " ".join(heading.upper().replace("\u2013", "-").replace("\u2014", "-").split())


def plan_revision(existing: list[ExistingScene], play: Screenplay) -> RevisionPlan:
    """Compare the project's scenes with a newly parsed screenplay (rules in the module docstring)."""
    new = play.scenes
    plan = RevisionPlan(warnings=rename_repeated_numbers(play))
    old = sorted(existing, key=lambda e: e.order)
    pairs: dict[int, tuple[int, str]] = {}  # new index -> (old index, matched_by)
    by_number = {normalize_scene_number(e.number): i for i, e in enumerate(old) if e.number}
    used_old: set[int] = set()
    for j, sc in enumerate(new):
        n = normalize_scene_number(sc.number)
        if n is not None and n in by_number and by_number[n] not in used_old:
            pairs[j] = (by_number[n], "number")
            used_old.add(by_number[n])
    # A number that matches no scene exactly matches the one left that differs only in case.
    by_fold: dict[str, list[int]] = {}
    for key, i in by_number.items():
        if i not in used_old:
            by_fold.setdefault(key.casefold(), []).append(i)
    for j, sc in enumerate(new):
        n = normalize_scene_number(sc.number)
        folded = by_fold.get(n.casefold(), []) if n is not None and j not in pairs else []
        if len(folded) == 1 and folded[0] not in used_old:
            pairs[j] = (folded[0], "number")
            used_old.add(folded[0])

    rest_new = [j for j in range(len(new)) if j not in pairs]
    rest_old = [i for i in range(len(old)) if i not in used_old]
    matcher = difflib.SequenceMatcher(
        None,
        [normalize_heading(old[i].heading) for i in rest_old],
        [normalize_heading(new[j].heading) for j in rest_new],
        autojunk=False,
    )
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            for k in range(a1 - a0):
                pairs[rest_new[b0 + k]] = (rest_old[a0 + k], "heading")
        elif tag == "replace" and a1 - a0 == b1 - b0:
            for k in range(a1 - a0):
                o, nj = old[rest_old[a0 + k]], new[rest_new[b0 + k]]
                ratio = difflib.SequenceMatcher(
                    None, normalize_script_text(o.text), normalize_script_text(nj.text), autojunk=False
                ).ratio()
                if ratio >= SIMILAR_TEXT:
                    pairs[rest_new[b0 + k]] = (rest_old[a0 + k], "position")

    # Moved scenes: the alignment above cannot cross; pair leftovers with the same heading in order.
    taken = {i for i, _ in pairs.values()}
    for j in rest_new:
        if j in pairs:
            continue
        h = normalize_heading(new[j].heading)
        i = next((i for i in rest_old if i not in taken and normalize_heading(old[i].heading) == h), None)
        if i is not None:
            pairs[j] = (i, "heading")
            taken.add(i)

    matched_old_order: list[int] = []
    for j, sc in enumerate(new):
        if j not in pairs:
            plan.added.append(AddedScene(sc, j))
            continue
        i, how = pairs[j]
        ex = old[i]
        matched_old_order.append(i)
        reasons = []
        if normalize_script_text(ex.text) != normalize_script_text(sc.text):
            reasons.append("text")
        if normalize_heading(ex.heading) != normalize_heading(sc.heading):
            reasons.append("heading")
        if sc.number is not None and _fold(ex.number) != _fold(sc.number):
            reasons.append("number")  # a number differing only in case is taken as written, unchanged
        match = SceneMatch(ex, sc, j, reasons, how)
        (plan.changed if reasons else plan.unchanged).append(match)
    matched = set(matched_old_order)
    plan.omitted = [e for i, e in enumerate(old) if i not in matched]
    plan.reordered = matched_old_order != sorted(matched_old_order)
    return plan


def _fold(number: str | None) -> str | None:
    key = normalize_scene_number(number)
    return key.casefold() if key is not None else None


def rename_repeated_numbers(play: Screenplay) -> list[str]:
    """Give each scene whose number repeats an earlier one (in :func:`normalize_scene_number` form)
    the number ``<number>-2`` (or ``-3``, …: the first not used in the script); return one warning
    per renamed scene, naming the file and line."""
    used = {normalize_scene_number(sc.number) for sc in play.scenes if sc.number}
    first: dict[str, int] = {}
    warnings: list[str] = []
    for sc in play.scenes:
        key = normalize_scene_number(sc.number)
        if key is None:
            continue
        if key not in first:
            first[key] = sc.line_start
            continue
        k = 2
        while normalize_scene_number(f"{sc.number}-{k}") in used:
            k += 1
        renamed = f"{sc.number}-{k}"
        used.add(normalize_scene_number(renamed))
        warnings.append(
            located(
                play.path,
                f"scene number {sc.number} is used twice (first at line {first[key]}); "
                f"this scene is imported as {renamed}",
                sc.line_start,
            )
        )
        sc.number = renamed
    return warnings


def _next_letter_number(prev: str, taken: set[str]) -> str:
    m = re.match(r"^(.*?\d+)([A-Z]*)$", prev)
    base, suffix = (m.group(1), m.group(2)) if m else (prev, "")
    start = ord(suffix[-1]) + 1 if suffix else ord("A")
    head = base + suffix[:-1] if suffix else base
    for code in range(start, ord("Z") + 1):
        cand = head + chr(code)
        if normalize_scene_number(cand) not in taken:
            return cand
    k = 1
    while normalize_scene_number(f"{prev}{'A' * k}") in taken:
        k += 1
    return f"{prev}{'A' * k}"


def assign_scene_numbers(
    plan: RevisionPlan, play: Screenplay, project_numbers: Iterable[str] = ()
) -> list[str]:
    """The project scene number for each scene of ``play``, in script order (see the module docstring).
    ``project_numbers`` are all the project's scene numbers: none is given to a new scene."""
    project_numbers = [n for n in project_numbers if n]
    by_pos: dict[int, SceneMatch] = {m.position: m for m in [*plan.changed, *plan.unchanged]}
    if not by_pos and all(sc.number is None for sc in play.scenes):
        digits = [int(m.group(1)) for n in project_numbers if (m := re.match(r"^(\d+)", n))]
        start = max(digits, default=0) + 1
        return [str(start + i) for i in range(len(play.scenes))]
    known: list[str | None] = []
    for j, sc in enumerate(play.scenes):
        m = by_pos.get(j)
        known.append(sc.number or (m.existing.number if m else None))
    taken = {normalize_scene_number(n) for n in known if n}
    taken |= {normalize_scene_number(e.number) for e in plan.omitted if e.number}
    taken |= {normalize_scene_number(n) for n in project_numbers}
    out: list[str] = []
    for j, num in enumerate(known):
        if num is None:
            if out:
                num = _next_letter_number(normalize_scene_number(out[-1]) or "0", taken)
            else:
                first = normalize_scene_number(next((n for n in known[j + 1 :] if n), None)) or "1"
                num = next((c + first for c in _LETTERS if c + first not in taken), "A" + first + "A")
            taken.add(normalize_scene_number(num))
        out.append(num)
    return out
