"""The timeline editor (QGraphicsView): shot clips on a video track, a timecode ruler, the playhead,
transitions, note markers and audio clips.

Mouse: drag a clip to reorder (one undoable move), drag a clip's right edge to change the shot's duration
(the whole drag is one undo step), drag an audio clip along its lane to move its start (one undo step),
click or drag on the ruler to scrub; ctrl+wheel zooms on the cursor.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsLineItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsView,
)

from previz.core.display_names import shot_framing
from previz.core.errors import PrevizError
from previz.ui.theme import status_colour
from previz.ui.timeline.audio_lane import AudioClipItem, WaveformCache

RULER_H = 24
VIDEO_Y = 30
CLIP_H = 66
AUDIO_Y = VIDEO_Y + CLIP_H + 8
AUDIO_H = 30
HANDLE = 7
LEFT = 10


class RulerItem(QGraphicsItem):
    def __init__(self, timeline) -> None:
        super().__init__()
        self.timeline = timeline
        self.setZValue(5)
        # paint only the exposed part (the ruler is as wide as the whole cut)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)

    def boundingRect(self) -> QRectF:
        return QRectF(0, 0, self.timeline.scene_width(), RULER_H)

    def paint(self, p: QPainter, option, widget=None) -> None:
        tl = self.timeline
        exposed = option.exposedRect
        p.fillRect(QRectF(exposed.left(), 0, exposed.width(), RULER_H), QColor("#202328"))
        p.setPen(QColor("#3b4047"))
        p.drawLine(QPointF(exposed.left(), RULER_H - 0.5), QPointF(exposed.right(), RULER_H - 0.5))
        if tl.cut is None:
            return
        fps = float(tl.rate.fraction)
        # a labelled tick at least every 90 px, on a whole number of seconds (or frames when zoomed in)
        candidates = [1, 2, 5, 10] + [int(fps * s) for s in (1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)]
        step = next((c for c in candidates if c * tl.ppf >= 90), candidates[-1])
        first = max(0, int(tl.frame_at(exposed.left())) // step * step)
        last = int(tl.frame_at(exposed.right())) + step
        font = QFont()
        font.setPixelSize(10)
        p.setFont(font)
        for frame in range(first, last, step):
            x = tl.x_of(frame)
            p.setPen(QColor("#5b616b"))
            p.drawLine(QPointF(x, RULER_H - 8), QPointF(x, RULER_H))
            p.setPen(QColor("#9aa0a8"))
            p.drawText(QPointF(x + 3, RULER_H - 10), tl.cut.timecode(frame))


class ClipItem(QGraphicsRectItem):
    def __init__(self, timeline, entry) -> None:
        super().__init__()
        self.timeline = timeline
        self.entry = entry
        self.preview_frames: int | None = None  # duration while a trim is dragged
        self.setZValue(1)
        self.setPen(QPen(Qt.PenStyle.NoPen))

    @property
    def code(self) -> str:
        return self.entry.code

    def paint(self, p: QPainter, option, widget=None) -> None:
        r = self.rect()
        selected = self.code == self.timeline.current_code
        colour = status_colour(self.entry.status)
        if r.width() < 6:  # zoomed far out: a plain bar is all that can be seen
            p.fillRect(r, QColor("#ffffff") if selected else colour.darker(160))
            return
        p.setPen(QPen(QColor("#ffffff") if selected else QColor("#0c0d0f"), 2 if selected else 1))
        p.setBrush(QBrush(colour.darker(260)))
        p.drawRoundedRect(r.adjusted(0.5, 0.5, -0.5, -0.5), 3, 3)
        p.fillRect(QRectF(r.left() + 1, r.top() + 1, r.width() - 2, 4), colour)
        image = self.timeline.thumbnail_for(self.entry)
        text_left = r.left() + 5
        if image is not None and r.width() > 40:
            th = r.height() - 24
            tw = min(th * image.width() / max(1, image.height()), r.width() - 8)
            p.drawImage(QRectF(r.left() + 4, r.top() + 7, tw, th), image)
        if r.width() > 24:
            font = QFont()
            font.setPixelSize(11)
            font.setBold(True)
            p.setFont(font)
            p.setPen(QColor("#e6e8eb"))
            framing = self.timeline.framing_of(self.entry)  # "MCU · push in", as a shot list writes it
            label = f"{self.code}  {framing}" if framing else self.code
            label = p.fontMetrics().elidedText(label, Qt.TextElideMode.ElideRight, int(r.width() - 8))
            text_rect = QRectF(text_left, r.bottom() - 16, r.width() - 8, 14)
            p.drawText(text_rect, Qt.AlignmentFlag.AlignLeft, label)
        if self.preview_frames is not None:
            p.setPen(QColor("#ffd166"))
            p.drawText(
                QRectF(r.left(), r.top() + 8, r.width() - 6, 14),
                Qt.AlignmentFlag.AlignRight,
                f"{self.preview_frames}f",
            )
        p.fillRect(QRectF(r.right() - 3, r.top() + 10, 2, r.height() - 20), QColor(255, 255, 255, 60))


class Timeline(QGraphicsView):
    scrubbed = Signal(int)  # record frame
    clipClicked = Signal(str)

    def __init__(self, controller, thumbnails=None, parent=None) -> None:
        super().__init__(parent)
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
        self.audio_items: list[AudioClipItem] = []
        self.waveforms = WaveformCache(controller.session, self)
        self.waveforms.ready.connect(lambda _h: self.viewport().update())
        self.current_code = controller.current_shot
        self._shots = {}
        self._drag = None  # ("move"|"trim"|"scrub", code, press_x, original)
        self.ruler = RulerItem(self)
        self.scene_.addItem(self.ruler)
        self.playhead = QGraphicsLineItem()
        self.playhead.setPen(QPen(QColor("#ff5252"), 1.5))
        self.playhead.setZValue(10)
        self.scene_.addItem(self.playhead)
        self.drop_marker = QGraphicsLineItem()
        self.drop_marker.setPen(QPen(QColor("#ffd166"), 3))
        self.drop_marker.setZValue(9)
        self.drop_marker.hide()
        self.scene_.addItem(self.drop_marker)
        self.playhead_frame = 0
        controller.changed.connect(self._on_changed)
        controller.currentShotChanged.connect(self._on_current)
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
        if (
            changes.timeline
            or changes.shots
            or changes.takes
            or changes.notes
            or changes.audio
            or changes.project
        ):
            self.reload()

    def _on_current(self, code) -> None:
        self.current_code = code
        self.viewport().update()

    def framing_of(self, entry) -> str:
        """The shot's size and move as people write them (``MCU · push in``)."""
        shot = self._shots.get(entry.shot_id)
        return shot_framing(shot.size, shot.move) if shot is not None else ""

    def reload(self) -> None:
        session = self.controller.session
        self.cut = session.cut()
        self.rate = self.cut.rate
        self._shots = {s.id: s for s in session.shots()}
        for item in list(self.clips.values()) + self.markers + self.transitions + self.audio_items:
            self.scene_.removeItem(item)
        self.clips, self.markers, self.transitions, self.audio_items = {}, [], [], []
        self.order = [e.code for e in self.cut.entries]
        for entry in self.cut.entries:
            clip = ClipItem(self, entry)
            clip.setToolTip(" · ".join(t for t in (entry.code, self.framing_of(entry)) if t))
            self.scene_.addItem(clip)
            self.clips[entry.code] = clip
        entry_of = {e.shot_id: e for e in self.cut.entries}
        for note in session.notes():
            entry = entry_of.get(note.shot_id)
            if entry is not None:
                marker = self.scene_.addPolygon(
                    QPolygonF(),
                    QPen(Qt.PenStyle.NoPen),
                    QBrush(QColor("#ffd166" if not note.resolved else "#6b7280")),
                )
                marker.setData(0, entry.record_in + min(note.frame, entry.duration - 1))
                marker.setToolTip(f"{entry.code} frame {note.frame}: {note.text}")
                marker.setZValue(6)
                self.markers.append(marker)
        for entry in self.cut.entries:
            if entry.transition != "cut" and entry.transition_frames > 0:
                item = self.scene_.addPolygon(
                    QPolygonF(), QPen(QColor("#e6e8eb")), QBrush(QColor(255, 255, 255, 40))
                )
                item.setData(0, (entry.record_in, entry.transition_frames, entry.transition))
                item.setToolTip(
                    f"{entry.transition.replace('_', ' ')} {entry.transition_frames}f into {entry.code}"
                )
                item.setZValue(4)
                self.transitions.append(item)
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

    def layout_items(self) -> None:
        for entry in self.cut.entries:
            clip = self.clips[entry.code]
            frames = clip.preview_frames if clip.preview_frames is not None else entry.duration
            clip.setRect(QRectF(self.x_of(entry.record_in), VIDEO_Y, max(frames * self.ppf, 2), CLIP_H))
        for marker in self.markers:
            x = self.x_of(marker.data(0) + 0.5)
            marker.setPolygon(
                QPolygonF([QPointF(x - 5, VIDEO_Y - 6), QPointF(x + 5, VIDEO_Y - 6), QPointF(x, VIDEO_Y + 2)])
            )
        for item in self.transitions:
            start, frames, kind = item.data(0)
            x0, x1 = self.x_of(start - frames / 2), self.x_of(start + frames / 2)
            top, bottom = VIDEO_Y + 8, VIDEO_Y + CLIP_H - 20
            item.setPolygon(
                QPolygonF([QPointF(x0, bottom), QPointF(x1, top), QPointF(x1, bottom), QPointF(x0, top)])
            )
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
        self.scene_.setSceneRect(0, 0, self.scene_width(), height)
        self.playhead.setLine(self.x_of(self.playhead_frame), 0, self.x_of(self.playhead_frame), height)
        self.ruler.prepareGeometryChange()
        self.viewport().update()

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

    def insertion_index(self, scene_x: float, moving: str | None = None) -> int:
        """Index in the cut without ``moving`` where a clip dropped at ``scene_x`` goes."""
        order = [c for c in self.order if c != moving]
        for i, code in enumerate(order):
            r = self.clips[code].rect()
            if scene_x < r.center().x():
                return i
        return len(order)

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt API
        pos = self.mapToScene(event.position().toPoint())
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        clip = self.clip_at(pos)
        audio = self.audio_at(pos) if pos.y() >= RULER_H else None
        if audio is not None:
            self._drag = ("audio", audio, pos.x(), audio.clip.start_frame)
        elif pos.y() < RULER_H or clip is None:
            self._drag = ("scrub", None, pos.x(), None)
            self._scrub(pos.x())
        elif pos.x() >= clip.rect().right() - HANDLE:
            self._drag = ("trim", clip.code, pos.x(), clip.entry.duration)
        else:
            self._drag = ("move", clip.code, pos.x(), None)
        event.accept()

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt API
        pos = self.mapToScene(event.position().toPoint())
        if self._drag is None:
            clip = self.clip_at(pos)
            edge = clip is not None and pos.x() >= clip.rect().right() - HANDLE
            self.viewport().setCursor(Qt.CursorShape.SizeHorCursor if edge else Qt.CursorShape.ArrowCursor)
            return super().mouseMoveEvent(event)
        kind, code, press_x, original = self._drag
        if kind == "scrub":
            self._scrub(pos.x())
        elif kind == "trim":
            clip = self.clips[code]
            clip.preview_frames = max(1, original + round((pos.x() - press_x) / self.ppf))
            self.layout_items()
        elif kind == "audio":
            code.preview_start = max(0, original + round((pos.x() - press_x) / self.ppf))
            self.layout_items()
        elif kind == "move" and abs(pos.x() - press_x) > 4:
            index = self.insertion_index(pos.x(), code)
            order = [c for c in self.order if c != code]
            x = (
                self.clips[order[index]].rect().left()
                if index < len(order)
                else self.clips[order[-1]].rect().right()
            )
            self.drop_marker.setLine(x, VIDEO_Y - 4, x, VIDEO_Y + CLIP_H + 4)
            self.drop_marker.show()
        event.accept()

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self._drag is None:
            return super().mouseReleaseEvent(event)
        pos = self.mapToScene(event.position().toPoint())
        kind, code, press_x, original = self._drag
        self._drag = None
        self.drop_marker.hide()
        if kind == "audio":
            start, code.preview_start = code.start, None
            if start != original:
                self.move_audio_clip(code.clip.id, start)
            else:
                self.layout_items()
        elif kind == "trim":
            clip = self.clips[code]
            frames = clip.preview_frames
            clip.preview_frames = None
            if frames is not None and frames != original:
                self.trim_clip(code, frames)
            else:
                self.layout_items()
        elif kind == "move":
            if abs(pos.x() - press_x) > 4:
                self.move_clip(code, self.insertion_index(pos.x(), code))
            else:
                self.controller.set_current_shot(code)
                self.clipClicked.emit(code)
        event.accept()

    def _scrub(self, x: float) -> None:
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

    def trim_clip(self, code: str, frames: int) -> bool:
        """Set a shot's duration from a trim drag: one undo step."""
        try:
            self.controller.set_shot(code, duration_frames=frames)
        except PrevizError as exc:
            self.controller.error.emit(exc.one_line())
            self.layout_items()
            return False
        return True
