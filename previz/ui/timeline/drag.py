"""One mouse gesture on the timeline, from press to release, in scene coordinates (the view's mouse events
and the tests call the same three methods).

- on a clip: click selects it (Ctrl toggles it in the selection, Shift extends it over the cut), drag moves
  the selected clips together: a ghost shows where they land, the insertion marker's label names the scene
  they will be in ("→ scene 2" in orange when they change scene);
- on a clip's right edge: drag = ripple trim (the shot's duration; everything after moves), Shift+drag =
  roll trim (the cut point between it and the next shot; nothing else moves), with a readout of the
  change in frames and timecode and the new durations;
- edges snap to clip edges and the playhead (a dashed guide says to what); hold Alt to drag freely;
- in the empty video lane: a rubber band selects the clips it touches (a click there scrubs);
- on the ruler: scrub; on an audio clip: move it along its lane; Escape drops a drag unapplied.

Each drop and each trim is one undoable edit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QPointF, QRectF, Qt

from previz.core.errors import PrevizError
from previz.ui.timeline import editing

CLICK_PIXELS = 4  # a press and release closer than this is a click, not a drag


@dataclass
class Gesture:
    kind: str  # move, ripple, roll, scrub, audio, band
    press: QPointF
    code: str | None = None
    codes: list[str] = field(default_factory=list)
    original: int = 0  # a trim's duration (ripple) or cut point (roll) or an audio clip's start
    other: str | None = None  # the roll's right-hand shot
    other_duration: int = 0
    value: int | None = None  # the frames the release would apply
    target: editing.DropTarget | None = None
    moved: bool = False
    modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
    audio: object = None


def _has(modifiers, flag) -> bool:
    return bool(modifiers & flag)


class TimelineDrag:
    def __init__(self, timeline) -> None:
        self.tl = timeline
        self.gesture: Gesture | None = None

    # -------------------------------------------------------------- press
    def begin(self, pos: QPointF, modifiers=Qt.KeyboardModifier.NoModifier) -> Gesture:
        tl = self.tl
        clip = tl.clip_at(pos)
        audio = tl.audio_at(pos) if pos.y() >= tl.ruler_height() else None
        if audio is not None:
            g = Gesture("audio", pos, original=audio.clip.start_frame, audio=audio)
        elif pos.y() < tl.ruler_height():
            g = Gesture("scrub", pos)
            tl.scrub_to(pos.x())
        elif clip is None:
            g = Gesture("band" if tl.in_video_lane(pos.y()) else "scrub", pos)
            if g.kind == "scrub":
                tl.scrub_to(pos.x())
        elif pos.x() >= clip.rect().right() - tl.handle_width():
            g = self._trim(clip.entry, pos, roll=_has(modifiers, Qt.KeyboardModifier.ShiftModifier))
        else:
            g = Gesture("move", pos, code=clip.code, codes=self._moving(clip.code, modifiers))
        g.modifiers = modifiers
        self.gesture = g
        return g

    def _trim(self, entry, pos: QPointF, roll: bool) -> Gesture:
        order = self.tl.order
        i = order.index(entry.code)
        if roll and i + 1 < len(order):
            nxt = self.tl.clips[order[i + 1]].entry
            return Gesture(
                "roll",
                pos,
                code=entry.code,
                original=entry.record_out,
                other=nxt.code,
                other_duration=nxt.duration,
            )
        return Gesture("ripple", pos, code=entry.code, original=entry.duration)

    def _moving(self, code: str, modifiers) -> list[str]:
        """The clips a drag from ``code`` moves: the selection when ``code`` is in it (in cut order)."""
        selected = self.tl.selected_codes()
        if _has(modifiers, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier):
            return [code]  # decided on release (a click that changes the selection)
        if code in selected:
            return [c for c in self.tl.order if c in selected]
        return [code]

    # -------------------------------------------------------------- move
    def update(self, pos: QPointF, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
        g = self.gesture
        if g is None:
            return
        tl = self.tl
        g.modifiers = modifiers
        g.moved = (
            g.moved or abs(pos.x() - g.press.x()) > CLICK_PIXELS or abs(pos.y() - g.press.y()) > CLICK_PIXELS
        )
        free = _has(modifiers, Qt.KeyboardModifier.AltModifier)
        if g.kind == "scrub":
            tl.scrub_to(pos.x())
        elif g.kind == "audio":
            g.audio.preview_start = max(0, g.original + round((pos.x() - g.press.x()) / tl.ppf))
            tl.layout_items()
        elif g.kind == "band" and g.moved:
            tl.overlay.band.setRect(QRectF(g.press, pos).normalized())
            tl.overlay.band.show()
        elif g.kind == "move" and g.moved:
            self._show_move(g, pos)
        elif g.kind == "ripple":
            entry = tl.clips[g.code].entry
            want = entry.record_out + (pos.x() - g.press.x()) / tl.ppf
            skip = self._moving_edges(entry)
            cands = (
                [] if free else editing.edge_candidates(tl.cut, tl.playhead_frame, skip) + self._audio_edges()
            )
            out, what = editing.snap(want, cands, tl.ppf)
            g.value = max(1, out - entry.record_in)
            what = what if entry.record_in + g.value == out else None
            tl.preview_durations({g.code: g.value})
            self._show_trim(g, entry.record_in + g.value, what)
        elif g.kind == "roll":
            left, right = tl.clips[g.code].entry, tl.clips[g.other].entry
            want = g.original + (pos.x() - g.press.x()) / tl.ppf
            skip = {g.original}
            cands = (
                [] if free else editing.edge_candidates(tl.cut, tl.playhead_frame, skip) + self._audio_edges()
            )
            snapped, what = editing.snap(want, cands, tl.ppf)
            cut = max(left.record_in + 1, min(snapped, right.record_out - 1))
            g.value = cut - g.original
            what = what if cut == snapped else None
            tl.preview_durations({g.code: left.duration + g.value, g.other: right.duration - g.value})
            self._show_trim(g, cut, what)

    def _audio_edges(self) -> list[tuple[int, str]]:
        """Where audio clips start and end: a cut can snap to the music."""
        out = []
        for item in self.tl.audio_items:
            name = item.clip.name or "audio"
            out += [(item.start, f"{name} start"), (item.start + item.frames, f"{name} end")]
        return out

    def _moving_edges(self, entry) -> set[int]:
        """Record frames that move with a ripple of ``entry`` (its end and every edge after it)."""
        return {e.record_out for e in self.tl.cut.entries if e.record_out >= entry.record_out} | {
            e.record_in for e in self.tl.cut.entries if e.record_in >= entry.record_in
        }

    def _show_move(self, g: Gesture, pos: QPointF) -> None:
        tl = self.tl
        target = editing.drop_target(tl.controller.session, tl.cut, g.codes, tl.frame_at(pos.x()))
        g.target = target
        tl.lift(g.codes)
        if target is None:
            tl.overlay.hide()
            return
        top, bottom = tl.video_lane()
        x = tl.x_of(target.frame)
        width = sum(tl.clips[c].entry.duration for c in g.codes) * tl.ppf
        colour = tl.overlay_colour(target.crosses)
        tl.overlay.ghost.set(QRectF(x, top + 6, max(width, 4), bottom - top - 12), " ".join(g.codes), colour)
        tl.overlay.show_insertion(x, top - 4, bottom + 4, target.label, target.crosses)
        at_playhead = target.frame == tl.playhead_frame
        tl.overlay.show_snap(x, 0, bottom + 4, "playhead" if at_playhead else None)

    def _show_trim(self, g: Gesture, edge_frame: int, snapped_to: str | None) -> None:
        tl = self.tl
        top, bottom = tl.video_lane()
        x = tl.x_of(edge_frame)
        if g.kind == "ripple":
            text = editing.trim_readout("ripple", g.code, g.original, g.value, tl.rate)
        else:
            left = tl.clips[g.code].entry.duration
            other = (g.other, g.other_duration, g.other_duration - g.value)
            text = editing.trim_readout("roll", g.code, left, left + g.value, tl.rate, other)
        tl.overlay.readout.set(
            text, tl.overlay_colour(False), x - 120, bottom + 4, tl.overlay.visible_right()
        )
        tl.overlay.show_snap(x, 0, bottom + 4, snapped_to)

    # -------------------------------------------------------------- release
    def cancel(self) -> None:
        """Drop the gesture without an edit (Escape): everything back where it was."""
        g, self.gesture = self.gesture, None
        if g is not None and g.kind == "audio":
            g.audio.preview_start = None
        self.tl.overlay.hide()
        self.tl.lift([])
        self.tl.preview_durations({})

    def finish(self, pos: QPointF, modifiers=Qt.KeyboardModifier.NoModifier) -> bool:
        """Apply what the gesture means; True when an edit was made."""
        self.update(pos, modifiers)
        g, self.gesture = self.gesture, None
        tl = self.tl
        tl.overlay.hide()
        tl.lift([])
        tl.preview_durations({})
        if g is None:
            return False
        try:
            return self._apply(g, pos, modifiers)
        except PrevizError as exc:
            tl.controller.error.emit(exc.one_line())
            tl.layout_items()
            return False

    def _apply(self, g: Gesture, pos: QPointF, modifiers) -> bool:
        tl = self.tl
        if g.kind == "audio":
            start, g.audio.preview_start = g.audio.start, None
            if start != g.original:
                return tl.move_audio_clip(g.audio.clip.id, start)
            tl.layout_items()
        elif g.kind == "ripple" and g.value is not None and g.value != g.original:
            return editing.ripple_trim(tl.controller, g.code, g.value) is not None
        elif g.kind == "roll" and g.value:
            return editing.roll_trim(tl.controller, g.code, g.other, g.value) is not None
        elif g.kind == "move" and g.moved and g.target is not None:
            return editing.move_shots(tl.controller, g.codes, g.target)
        elif g.kind == "move":
            tl.click_clip(g.code, modifiers)
        elif g.kind == "band" and g.moved:
            rect = QRectF(g.press, pos).normalized()
            codes = [c for c in tl.order if tl.clips[c].rect().intersects(rect)]
            extend = _has(modifiers, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
            tl.select(([c for c in tl.selected_codes() if c not in codes] if extend else []) + codes)
        elif g.kind == "band":
            tl.scrub_to(pos.x())
        tl.layout_items()
        return False
