"""The timeline editor (QGraphicsView): shot clips on a video track, a timecode ruler, the playhead,
transitions, note markers and audio clips.

Mouse gestures are :mod:`previz.ui.timeline.drag`'s (move with a ghost and a labelled insertion marker,
ripple and roll trims with a readout, snapping, multi-select, rubber band, scrub, audio moves), each drop
or trim one undo step; ctrl+wheel zooms on the cursor; the context menu holds the window's authoring
actions (add, split at the playhead, duplicate, merge, omit, delete).
"""

from __future__ import annotations

from itertools import repeat
from operator import attrgetter, is_not

from PySide6.QtCore import QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsLineItem,
    QGraphicsScene,
    QGraphicsView,
)

from previz.core.display_names import shot_framing
from previz.core.errors import PrevizError
from previz.core.live_cut import shots_after
from previz.ui.timeline.audio_lane import AudioClipItem, WaveformCache
from previz.ui.timeline.clip_span import sort_span
from previz.ui.timeline.drag import TimelineDrag
from previz.ui.timeline.items import (
    AUDIO_H,
    AUDIO_Y,
    CLIP_H,
    HANDLE,
    LEFT,
    RULER_H,
    VIDEO_Y,
    ClipItem,
    RulerItem,
)
from previz.ui.timeline.overlay import CROSSING, MARKER, DragOverlay
from previz.ui.viewer.slider import HandleScrollBar

_CODE = attrgetter("code")
_PLACED = attrgetter("placed")
_SHOT_ID = attrgetter("shot_id")


def _same_ends(old, new) -> tuple[int, int]:
    """(head, tail): how many entries at the start and at the end of two cuts are the very same objects
    (compared at C speed: an edit leaves most of a 1,000-entry cut as it was)."""
    n = min(len(old), len(new))
    try:
        head = list(map(is_not, old, new)).index(True)
    except ValueError:
        head = n
    rest = n - head
    try:
        tail = list(map(is_not, reversed(old), reversed(new)))[:rest].index(True)
    except ValueError:
        tail = rest
    return head, tail


class Timeline(QGraphicsView):
    scrubbed = Signal(int)  # record frame
    clipClicked = Signal(str)

    def __init__(self, controller, thumbnails=None, parent=None) -> None:
        super().__init__(parent)
        # its range follows the cut: repainted only where the handle moves (an add makes the cut longer)
        self.setHorizontalScrollBar(HandleScrollBar(Qt.Orientation.Horizontal))
        self.setObjectName("Timeline")
        self.controller = controller
        self.thumbnails = thumbnails
        self.scene_ = QGraphicsScene(self)
        # Clips move on every zoom and edit; a BSP index would be rebuilt each time, a linear scan of a
        # thousand items is cheaper.
        self.scene_.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        self.setScene(self.scene_)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setBackgroundBrush(QColor("#16181b"))
        self.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.MinimalViewportUpdate)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.setMinimumHeight(AUDIO_Y + AUDIO_H + 24)
        self.ppf = 2.0
        self.cut = None
        self.rate = None
        self.clips: dict[str, ClipItem] = {}
        self.order: list[str] = []
        self.markers: list[QGraphicsItem] = []
        self.transitions: list[QGraphicsItem] = []
        self._transition_of: dict[str, QGraphicsItem] = {}  # the transition into each clip that has one
        self._shaped_ppf: float | None = None  # the zoom the transitions were last shaped for
        self._ruler_for: tuple | None = None  # (zoom, rate, start) the ruler was last painted for
        self._previewing = False  # a trim is being dragged: durations shown are not the cut's
        # clips an edit moved while they were far off screen, before and after: laid out when the view
        # scrolls, resizes or is shown (an add mid-cut moves ~500 clips, a screenful of them is seen)
        self._deferred = False
        self.audio_items: list[AudioClipItem] = []
        self.waveforms = WaveformCache(controller.session, self)
        self.waveforms.ready.connect(lambda _h: self.viewport().update())
        self.current_code = controller.current_shot
        self.selected: set[str] = set(controller.selection)
        self.lifted: set[str] = set()
        self._previews: dict[str, int] = {}
        self._shots = {}
        self.drag = TimelineDrag(self)
        self.ruler = RulerItem(self)
        self.scene_.addItem(self.ruler)
        self.playhead = QGraphicsLineItem()
        self.playhead.setPen(QPen(QColor("#ff5252"), 1.5))
        self.playhead.setZValue(10)
        self.scene_.addItem(self.playhead)
        self.overlay = DragOverlay(
            self.scene_, lambda: self.mapToScene(self.viewport().rect().bottomRight()).x()
        )
        self.playhead_frame = 0
        # the background's lane label sits at the view's left edge: a scroll (which moves the pixels
        # already painted) must paint it again where it belongs
        self.horizontalScrollBar().valueChanged.connect(self._on_scroll)
        controller.changed.connect(self._on_changed)
        controller.currentShotChanged.connect(self._on_current)
        controller.selectionChanged.connect(self._on_selection)
        if thumbnails is not None:
            thumbnails.ready.connect(lambda _k: self.viewport().update())
        self.reload()

    # -------------------------------------------------------------- geometry
    def x_of(self, frame: float) -> float:
        return LEFT + frame * self.ppf

    def frame_at(self, x: float) -> float:
        return (x - LEFT) / self.ppf

    def scene_width(self) -> float:
        end = max([self.cut.duration if self.cut else 0] + [a.start + a.frames for a in self.audio_items])
        return self.x_of(end) + 40

    def audio_lanes(self) -> int:
        return max([2] + [a.lane + 1 for a in self.audio_items])

    # -------------------------------------------------------------- model
    def _on_changed(self, changes) -> None:
        if changes.notes or changes.audio or changes.project:
            self.reload()
        elif changes.timeline or changes.shots or changes.takes:
            self.refresh_clips(changes)

    def refresh_clips(self, changes) -> None:
        """After an edit of shots or takes (a shot added, split, moved, trimmed; a job moving a status
        along; a take made): the clips are brought in line with the new cut in place. Only the shots the
        edit names (``Changes.shot_ids``) and ones new to the cut are re-read, clips are made only for new
        shots and removed only for gone ones; the rest keep their items and are moved. With no shot ids
        named every shot is re-read. Keeps the UI thread short in a 1,000-shot project: the entries at the
        start and the end of the cut that the edit left as they were (the shared ``LiveCut`` keeps them as
        the same objects) are not visited at all, only the span between them."""
        session = self.controller.session
        shot_ids = changes.shot_ids
        cut = self.controller.live_cut().cut  # brought up to date by the controller before this signal
        # a shot renumbered only (Changes.positions) shows the same label: only the others are relabelled
        relabel = changes.content.shot_ids if shot_ids else frozenset()
        if shot_ids:  # the same read the browser makes of them, once per edit (not of shots only renumbered)
            fresh = shots_after(changes, self._shots, self.controller.changed_shots)
            self._shots.update({s.id: s for s in fresh})
        else:
            self._shots = {s.id: s for s in session.shots()}
        old = self.cut.entries if self.cut is not None else ()
        new = cut.entries
        head, tail = _same_ends(old, new)
        span = new[head : len(new) - tail]
        missing = set(map(_SHOT_ID, span)).difference(self._shots)
        if missing:
            self._shots.update({s.id: s for s in session.shots_by_id(missing)})
        self.cut, self.rate = cut, cut.rate
        codes = list(map(_CODE, span))
        kept = set(codes)
        for entry in old[head : len(old) - tail]:
            if entry.code not in kept:
                self.scene_.removeItem(self.clips.pop(entry.code))
                self._drop_transition(entry.code)
        place = not self._previewing  # a trim being previewed: layout_items lays out the whole cut
        seen = self._seen_span() if place else None
        lo, hi = seen if seen is not None else (float("-inf"), float("inf"))  # not shown: nothing waits
        self._refresh_span(span, codes, relabel, place, lo, hi)
        if len(old) != len(new) or list(map(_CODE, old[head : len(old) - tail])) != codes:
            order = list(map(_CODE, new))  # in cut order, as reload builds it
            self.clips = dict(zip(order, map(self.clips.__getitem__, order)))
            self.order = order
        if self.markers:
            self._place_markers()
        self.layout_items(head, head)  # the clips are placed: the rest (markers, scene, ruler)

    def _refresh_span(self, span, codes, relabel, place, lo, hi) -> None:
        """Bring the clips of ``span`` (the entries an edit may have changed, ``codes`` theirs) in line:
        the entries that need it take the whole step (:meth:`_refresh_clip`); the many only moved are given
        their entries at C speed and placed when seen (``clip_span``)."""
        clips = list(map(self.clips.get, codes))
        if None in clips:  # new shots: their clips first
            for i in [i for i, clip in enumerate(clips) if clip is None]:
                clip = clips[i] = self.clips[codes[i]] = ClipItem(self, span[i])
                self.scene_.addItem(clip)
                self._label(clip)
        ppf = self.ppf
        full, seen = sort_span(span, clips, relabel, self._transition_of, ppf, LEFT, lo, hi)
        for i in sorted(full):
            self._refresh_clip(clips[i], span[i], relabel, place, lo, hi)
        any(map(setattr, clips, repeat("entry"), span))  # only moved: a clip's entry is only replaced
        if not place:
            return
        for i in seen:
            clip, entry = clips[i], span[i]
            if clip.placed is not entry:
                left = LEFT + entry.record_in * ppf
                clip.place(left, left + max(entry.duration * ppf, 2))
                clip.placed = entry
        if any(map(is_not, map(_PLACED, clips), span)):  # far off screen before and after: placed when seen
            self._deferred = True

    def _refresh_clip(self, clip, entry, relabel, place, lo, hi) -> None:
        """One clip brought in line with its ``entry``: relabelled, repainted, its transition and place."""
        if entry.shot_id in relabel or entry.shot_id != clip.entry.shot_id:
            clip.entry = entry
            self._label(clip)
            clip.update()
        elif entry is not clip.entry:  # an untouched entry is the same object
            looks = clip.entry.status != entry.status or clip.entry.take_id != entry.take_id
            clip.entry = entry
            if looks:
                clip.update()
        if (entry.transition != "cut" and entry.transition_frames > 0) or entry.code in self._transition_of:
            self._place_transition(entry)
        ppf = self.ppf
        if place and (clip.placed is not entry or clip.placed_ppf != ppf):
            # as layout_items puts it (no trim previewed): laid out here, not in a second pass
            left = LEFT + entry.record_in * ppf
            right = left + max(entry.duration * ppf, 2)
            far = (clip.right < lo and right < lo) or (clip.left > hi and left > hi)
            if clip.placed_ppf == ppf and far:  # off screen before and after: placed when it can be seen
                self._deferred = True
                return
            clip.place(left, right)
            clip.placed, clip.placed_ppf = entry, ppf

    def _seen_span(self) -> tuple[float, float] | None:
        """The scene's x range the view shows, widened by a screen each side; None while not shown (every
        clip is placed then)."""
        if not self.isVisible():
            return None
        left = self.mapToScene(0, 0).x()
        width = self.viewport().width() / self.transform().m11()
        return left - width, left + 2 * width

    def place_deferred(self) -> None:
        """Lay out the clips an edit moved while they were off screen (the view is about to show more)."""
        if self._deferred:
            self._deferred = False
            self.layout_items()

    def _on_scroll(self, _value: int) -> None:
        self.place_deferred()
        self.viewport().update()  # the background's lane label follows the view's left edge

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.place_deferred()
        super().resizeEvent(event)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.place_deferred()
        super().showEvent(event)

    def _label(self, clip: ClipItem) -> None:
        entry = clip.entry
        clip.setToolTip(" · ".join(t for t in (entry.code, self.framing_of(entry)) if t))

    def _place_markers(self) -> None:
        """Put each note's marker on its record frame in the current cut (hidden when its shot is not in
        the cut)."""
        entry_of = {e.shot_id: e for e in self.cut.entries}
        for marker in self.markers:
            note = marker.data(1)
            entry = entry_of.get(note.shot_id)
            marker.setVisible(entry is not None)
            if entry is not None:
                marker.setData(0, entry.record_in + min(note.frame, entry.duration - 1))
                marker.setToolTip(f"{entry.code} frame {note.frame}: {note.text}")

    def _on_current(self, code) -> None:
        self._repaint_clips({self.current_code, code})
        self.current_code = code

    def _on_selection(self, codes) -> None:
        selected = set(codes)
        self._repaint_clips(self.selected ^ selected)
        self.selected = selected

    def _repaint_clips(self, codes) -> None:
        """Repaint only these clips (their highlight changed), not the whole timeline."""
        for code in codes:
            clip = self.clips.get(code) if code else None
            if clip is not None:
                clip.update()

    def framing_of(self, entry) -> str:
        """The shot's size and move as people write them (``MCU · push in``)."""
        shot = self._shots.get(entry.shot_id)
        return shot_framing(shot.size, shot.move) if shot is not None else ""

    def reload(self) -> None:
        session = self.controller.session
        self.cut = self.controller.live_cut().cut  # kept current edit by edit by the controller
        self.rate = self.cut.rate
        self._shots = {s.id: s for s in session.shots()}
        for item in list(self.clips.values()) + self.markers + self.transitions + self.audio_items:
            self.scene_.removeItem(item)
        self.clips, self.markers, self.transitions, self.audio_items = {}, [], [], []
        self._transition_of, self._shaped_ppf, self._ruler_for = {}, None, None
        self.order = [e.code for e in self.cut.entries]
        for entry in self.cut.entries:
            clip = ClipItem(self, entry)
            self._label(clip)
            self.scene_.addItem(clip)
            self.clips[entry.code] = clip
        for note in session.notes():
            marker = self.scene_.addPolygon(
                QPolygonF(),
                QPen(Qt.PenStyle.NoPen),
                QBrush(QColor("#ffd166" if not note.resolved else "#6b7280")),
            )
            marker.setData(1, note)
            marker.setZValue(6)
            self.markers.append(marker)
        self._place_markers()
        self._add_transitions()
        self._shaped_ppf = self.ppf
        for clip in session.audio_clips():
            frames = 0
            try:
                info = session.media_info(clip.media_hash)
                frames = round((info.frames or 0) / 48000 * float(self.rate.fraction))
            except PrevizError:
                pass
            item = AudioClipItem(self, clip, frames)
            self.waveforms.peaks(clip.media_hash)  # starts computing them off the UI thread
            self.scene_.addItem(item)
            self.audio_items.append(item)
        self.layout_items()
        self.viewport().update()  # the background's lanes follow the audio clips

    def _add_transitions(self) -> None:
        for entry in self.cut.entries:
            self._place_transition(entry)

    def _place_transition(self, entry) -> None:
        """Give ``entry``'s transition (into it) its item, or drop the item when it has none; an item whose
        place and kind did not change is kept as it is."""
        if entry.transition == "cut" or entry.transition_frames <= 0:
            self._drop_transition(entry.code)
            return
        data = (entry.record_in, entry.transition_frames, entry.transition)
        item = self._transition_of.get(entry.code)
        if item is not None and item.data(0) == data:
            return
        if item is None:
            item = self.scene_.addPolygon(
                QPolygonF(), QPen(QColor("#e6e8eb")), QBrush(QColor(255, 255, 255, 40))
            )
            item.setZValue(4)
            self._transition_of[entry.code] = item
            self.transitions.append(item)
        item.setData(0, data)
        item.setToolTip(f"{entry.transition.replace('_', ' ')} {entry.transition_frames}f into {entry.code}")
        self._shape_transition(item)

    def _drop_transition(self, code: str) -> None:
        item = self._transition_of.pop(code, None)
        if item is not None:
            self.scene_.removeItem(item)
            self.transitions.remove(item)

    def _shape_transition(self, item) -> None:
        start, frames, _kind = item.data(0)
        x0, x1 = self.x_of(start - frames / 2), self.x_of(start + frames / 2)
        top, bottom = VIDEO_Y + 8, VIDEO_Y + CLIP_H - 20
        item.setPolygon(
            QPolygonF([QPointF(x0, bottom), QPointF(x1, top), QPointF(x1, bottom), QPointF(x0, top)])
        )

    def layout_items(self, first: int = 0, last: int | None = None) -> None:
        """Put the items where the cut and the zoom say. ``first``/``last``: after an edit, the span of
        entries it may have moved (the clips before and after it are where they were); a trim preview
        shifts everything after it, so the whole cut is laid out then."""
        shift = 0  # what trims being dragged add before a clip (a ripple moves everything after)
        ppf, clips = self.ppf, self.clips
        entries = self.cut.entries
        if self._previewing:
            first, last = 0, None
        for entry in entries[first:last]:
            clip = clips[entry.code]
            if clip.placed is entry and clip.placed_ppf == ppf and not shift and clip.preview_frames is None:
                continue  # where it was put last time (an edit moves only the clips after it)
            frames = clip.preview_frames if clip.preview_frames is not None else entry.duration
            left = LEFT + (entry.record_in + shift) * ppf
            clip.place(left, left + max(frames * ppf, 2))
            # remembered only when the rect is the entry's own (not a trim's preview, nor shifted by one)
            still = not shift and clip.preview_frames is None
            clip.placed, clip.placed_ppf = (entry, ppf) if still else (None, None)
            shift += frames - entry.duration
        for marker in self.markers:
            if not marker.isVisible():  # its shot is not in the cut
                continue
            x = self.x_of(marker.data(0) + 0.5)
            marker.setPolygon(
                QPolygonF([QPointF(x - 5, VIDEO_Y - 6), QPointF(x + 5, VIDEO_Y - 6), QPointF(x, VIDEO_Y + 2)])
            )
        if self._shaped_ppf != ppf:  # an edit shapes the transitions it moves itself (_place_transition)
            for item in self.transitions:
                self._shape_transition(item)
            self._shaped_ppf = ppf
        for item in self.audio_items:
            item.setRect(
                QRectF(
                    self.x_of(item.start),
                    AUDIO_Y + item.lane * (AUDIO_H + 4),
                    item.frames * self.ppf,
                    AUDIO_H,
                )
            )
        height = AUDIO_Y + (AUDIO_H + 4) * self.audio_lanes() + 6
        old = self.scene_.sceneRect()
        self.scene_.setSceneRect(0, 0, self.scene_width(), height)
        if old.height() != height:  # the lanes changed: the whole background
            self.viewport().update()
        elif old.width() != self.scene_.sceneRect().width():
            # the strip the scene grew into or left (the ruler's end, the background): no item covers it
            left = self.mapFromScene(QPointF(min(old.width(), self.scene_.sceneRect().width()), 0)).x()
            view = self.viewport()
            view.update(QRect(left - 1, 0, view.width() - left + 2, view.height()))
        self.playhead.setLine(self.x_of(self.playhead_frame), 0, self.x_of(self.playhead_frame), height)
        ruler = (ppf, self.cut.rate, self.cut.start_timecode)
        if ruler != self._ruler_for:  # its ticks and labels follow these (its length: the strip above)
            self._ruler_for = ruler
            self.ruler.update()
        # no viewport().update(): every item moved above repaints its old and new place itself
        # (MinimalViewportUpdate), so an edit off screen paints nothing and one on screen only what moved

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802 - Qt API
        painter.fillRect(rect, QColor("#16181b"))
        lanes = [(VIDEO_Y - 2, CLIP_H + 4)] + [
            (AUDIO_Y + t * (AUDIO_H + 4), AUDIO_H) for t in range(self.audio_lanes())
        ]
        for top, height in lanes:
            painter.fillRect(QRectF(rect.left(), top, rect.width(), height), QColor("#1c1f23"))
        if not self.audio_items:
            painter.setPen(QColor("#4b515a"))
            left = self.mapToScene(0, 0).x()
            painter.drawText(QPointF(left + 12, AUDIO_Y + 19), "A1 · no audio clips")

    def thumbnail_for(self, entry):
        if self.thumbnails is None:
            return None
        shot = self._shots.get(entry.shot_id)
        return self.thumbnails.image_for(shot) if shot is not None else None

    # -------------------------------------------------------------- playhead and zoom
    def set_playhead(self, frame: int) -> None:
        self.playhead_frame = frame
        x = self.x_of(frame)
        self.playhead.setLine(x, 0, x, self.scene_.sceneRect().height())

    def zoom_to_fit(self) -> None:
        if not self.cut or not self.cut.duration:
            return
        width = max(100, self.viewport().width() - LEFT - 20)
        self.set_zoom(width / self.cut.duration)

    def set_zoom(self, ppf: float, anchor_view_x: float | None = None) -> None:
        ppf = max(0.02, min(ppf, 60.0))
        if anchor_view_x is None:
            anchor_view_x = self.viewport().width() / 2
        frame = self.frame_at(self.mapToScene(int(anchor_view_x), 0).x())
        self.ppf = ppf
        self.layout_items()
        self.horizontalScrollBar().setValue(int(self.x_of(frame) - anchor_view_x))

    def wheelEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            factor = 1.25 if event.angleDelta().y() > 0 else 0.8
            self.set_zoom(self.ppf * factor, event.position().x())
            event.accept()
        else:
            super().wheelEvent(event)

    # -------------------------------------------------------------- editing
    def audio_at(self, scene_pos: QPointF) -> AudioClipItem | None:
        for item in self.scene_.items(scene_pos):
            if isinstance(item, AudioClipItem):
                return item
        return None

    def clip_at(self, scene_pos: QPointF) -> ClipItem | None:
        for item in self.scene_.items(scene_pos):
            if isinstance(item, ClipItem):
                return item
        return None

    # -------------------------------------------------------------- what the drag gestures use
    def ruler_height(self) -> float:
        return RULER_H

    def handle_width(self) -> float:
        return HANDLE

    def video_lane(self) -> tuple[float, float]:
        return VIDEO_Y, VIDEO_Y + CLIP_H

    def in_video_lane(self, y: float) -> bool:
        return VIDEO_Y - 2 <= y <= VIDEO_Y + CLIP_H + 2

    def overlay_colour(self, crossing: bool):
        return CROSSING if crossing else MARKER

    def preview_durations(self, frames: dict[str, int]) -> None:
        """Show these durations while a trim is dragged ({}: the real ones again)."""
        for code, clip in self.clips.items():
            clip.preview_frames = frames.get(code)
        self._previewing = bool(frames)
        self.layout_items()

    def lift(self, codes: list[str]) -> None:
        """Draw these clips faded (they are being dragged)."""
        if set(codes) != self.lifted:
            self.lifted = set(codes)
            self.viewport().update()

    def selected_codes(self) -> list[str]:
        return [c for c in self.order if c in self.selected]

    def select(self, codes: list[str]) -> None:
        self.controller.set_selection(list(codes))
        self._on_selection(codes)

    def click_clip(self, code: str, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
        """A click on a clip: select it (Ctrl: toggle it, Shift: extend the selection to it)."""
        selected = self.selected_codes() or ([self.current_code] if self.current_code in self.order else [])
        if modifiers & Qt.KeyboardModifier.ControlModifier:
            codes = [c for c in selected if c != code] if code in selected else selected + [code]
        elif modifiers & Qt.KeyboardModifier.ShiftModifier and selected:
            anchor = (
                self.order.index(selected[0])
                if self.current_code not in self.order
                else self.order.index(self.current_code)
            )
            i = self.order.index(code)
            lo, hi = min(anchor, i), max(anchor, i)
            codes = self.order[lo : hi + 1]
        else:
            codes = [code]
        self.select(codes)
        if not modifiers & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier):
            self.controller.set_current_shot(code)
            self.clipClicked.emit(code)

    def begin_drag(self, scene_pos: QPointF, modifiers=Qt.KeyboardModifier.NoModifier):
        return self.drag.begin(QPointF(scene_pos), modifiers)

    def drag_to(self, scene_pos: QPointF, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
        self.drag.update(QPointF(scene_pos), modifiers)

    def end_drag(self, scene_pos: QPointF, modifiers=Qt.KeyboardModifier.NoModifier) -> bool:
        return self.drag.finish(QPointF(scene_pos), modifiers)

    def cancel_drag(self) -> None:
        self.drag.cancel()

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.key() == Qt.Key.Key_Escape and self.drag.gesture is not None:
            self.cancel_drag()
            event.accept()
            return
        super().keyPressEvent(event)

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        self.begin_drag(self.mapToScene(event.position().toPoint()), event.modifiers())
        event.accept()

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt API
        pos = self.mapToScene(event.position().toPoint())
        if self.drag.gesture is None:
            clip = self.clip_at(pos)
            edge = clip is not None and pos.x() >= clip.rect().right() - HANDLE
            self.viewport().setCursor(Qt.CursorShape.SizeHorCursor if edge else Qt.CursorShape.ArrowCursor)
            return super().mouseMoveEvent(event)
        self.drag_to(pos, event.modifiers())
        event.accept()

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self.drag.gesture is None:
            return super().mouseReleaseEvent(event)
        self.end_drag(self.mapToScene(event.position().toPoint()), event.modifiers())
        event.accept()

    def build_context_menu(self, scene_pos: QPointF):
        """The window's authoring actions (the same QActions as the Shot menu and toolbar) for the clip at
        ``scene_pos`` (selected first when it is not); None outside a main window."""
        from PySide6.QtWidgets import QMenu

        from previz.ui.authoring import authoring_actions

        clip = self.clip_at(scene_pos)
        if clip is not None and clip.code not in self.selected:
            self.click_clip(clip.code)
        actions = authoring_actions(self)
        if not actions:
            return None
        menu = QMenu(self)
        menu.addActions(actions)
        return menu

    def contextMenuEvent(self, event) -> None:  # noqa: N802 - Qt API
        menu = self.build_context_menu(self.mapToScene(event.pos()))
        if menu is not None:
            menu.exec(event.globalPos())
            menu.deleteLater()

    def scrub_to(self, x: float) -> None:
        if not self.cut or not self.cut.duration:
            return
        frame = int(max(0, min(self.frame_at(x), self.cut.duration - 1)))
        self.set_playhead(frame)
        self.scrubbed.emit(frame)

    def move_clip(self, code: str, index: int) -> bool:
        """Move a shot to ``index`` of the cut (counted without it): one undo step."""
        if code not in self.order or self.order.index(code) == index:
            return False
        try:
            self.controller.move_shot_to_cut_index(code, index)
        except PrevizError as exc:
            self.controller.error.emit(exc.one_line())
            return False
        return True

    def move_audio_clip(self, clip_id: int, start_frame: int) -> bool:
        """Move an audio clip to start at ``start_frame``: one undo step."""
        session = self.controller.session
        try:
            self.controller.edit(lambda: session.set_audio_clip(clip_id, start_frame=max(0, start_frame)))
        except PrevizError as exc:
            self.controller.error.emit(exc.one_line())
            self.layout_items()
            return False
        return True
