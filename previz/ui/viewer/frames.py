"""What the viewer shows at each frame, and the decoder thread that makes those frames.

A *source* maps a frame number to a :class:`FrameSpec` (a frame of a video file, a still image, or a
card with text). :class:`CutSource` maps a record frame of the cut to its ``CutEntry`` and the take's
source frame (shots without a take show the board or a slug card; a take whose file is missing shows a
placeholder). :class:`FrameDecoder` decodes on two threads (jumps, playback) with an LRU frame cache.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QRect, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter

from previz.core.cut import Cut, CutEntry
from previz.core.timecode import FrameRate, frames_to_timecode


@dataclass(frozen=True)
class FrameSpec:
    kind: str  # "video" | "image" | "card"
    path: str = ""
    frame: int = 0
    title: str = ""
    text: str = ""
    warning: bool = False

    @property
    def key(self) -> tuple:
        return (self.kind, self.path, self.frame, self.title, self.text)


class CutSource:
    """The whole cut: record frame → entry → source frame of the selected take (or board / slug).

    :meth:`update` takes the cut after an edit and re-resolves only the shots it names (their files and
    proxies); a slug card's text (the shot's action) is read when a card is first shown, unless ``fresh``
    (shot id → the shot as read after the last edit, or None: no read) has it (a shot just added)."""

    def __init__(self, session, cut: Cut, proxies=None, fresh=None, project=None) -> None:
        self.session = session
        self.proxies = proxies
        self.fresh = fresh
        self.cut = cut
        self.rate: FrameRate = cut.rate
        project = project if project is not None else session.project()
        self.size = (project.width, project.height)
        self._paths: dict[int, tuple[str, bool]] = {}
        self._actions: dict[int, str] = {}
        heights = {t.media_hash: t.height for t in session.takes()} if proxies is not None else {}
        self._resolve(cut.entries, heights)

    def update(self, cut: Cut, shot_ids) -> None:
        """Show ``cut``, in which only the entries of ``shot_ids`` may differ from the current cut's other
        than by their record times."""
        touched = set(shot_ids)
        for shot_id in touched:
            self._paths.pop(shot_id, None)
            self._actions.pop(shot_id, None)
        self.cut = cut
        entries = [e for e in cut.entries if e.shot_id in touched]
        heights = {}
        take_ids = [e.take_id for e in entries if e.media_hash and e.take_id is not None]
        if self.proxies is not None and take_ids:
            heights = {t.media_hash: t.height for t in self.session.takes_by_id(take_ids)}
        self._resolve(entries, heights)

    def _resolve(self, entries, heights: dict) -> None:
        """The file each entry shows (a take's proxy when made) and whether it exists."""
        session, proxies = self.session, self.proxies
        try:  # every board in one read (media are content-addressed: looked up once per session)
            boards = session.media_paths([e.board_hash for e in entries if e.board_hash and not e.media_hash])
        except Exception:  # the project was closed under us: nothing to resolve
            boards = {}
        for e in entries:
            if e.media_hash:
                path = session.media.path(e.media_hash, e.media_ext or "mp4")
                exists = path.is_file()
                proxy = (
                    proxies.path(e.media_hash, path, heights.get(e.media_hash))
                    if proxies and exists
                    else None
                )
                self._paths[e.shot_id] = (str(proxy or path), exists)
            elif e.board_hash in boards:
                path = boards[e.board_hash]
                self._paths[e.shot_id] = (str(path), path.is_file())

    def _action(self, shot_id: int) -> str:
        """The shot's action (a slug card's text), read once."""
        action = self._actions.get(shot_id)
        if action is None:
            try:
                shot = self.fresh(shot_id) if self.fresh is not None else None
                action = (shot if shot is not None else self.session.shot(shot_id)).action
            except Exception:  # gone meanwhile: the next update drops it from the cut
                action = ""
            self._actions[shot_id] = action
        return action

    @property
    def duration(self) -> int:
        return self.cut.duration

    def entry_at(self, frame: int) -> CutEntry | None:
        return self.cut.entry_at(frame)

    def timecode(self, frame: int) -> str:
        return self.cut.timecode(frame)

    def label(self, frame: int) -> str:
        e = self.entry_at(frame)
        if e is None:
            return ""
        take = f"take {e.take_number}" if e.take_number else "no take"
        return f"{e.code} · {take} · {frame - e.record_in + 1}/{e.duration}"

    def spec_at(self, frame: int) -> FrameSpec:
        e = self.entry_at(frame)
        if e is None:
            return FrameSpec("card", title="", text="")
        path, exists = self._paths.get(e.shot_id, ("", False))
        if e.media_hash:
            if not exists:
                return FrameSpec(
                    "card",
                    title=f"{e.code}: media missing",
                    text=f"take {e.take_number}: {path}",
                    warning=True,
                )
            source = e.source_in + (frame - e.record_in)
            if e.media_frames:
                source = min(source, e.media_frames - 1)
            return FrameSpec("video", path=path, frame=source)
        if e.board_hash and exists:
            return FrameSpec("image", path=path, title=e.code)
        return FrameSpec("card", title=e.code, text=self._action(e.shot_id))

    def shot_starts(self) -> list[int]:
        return [e.record_in for e in self.cut.entries]


class TakeSource:
    """One take (its own frames, timecode from zero) — or a shot's board when it has no take."""

    def __init__(self, session, shot, take=None, proxies=None) -> None:
        self.rate = session.project().rate
        self.size = (session.project().width, session.project().height)
        self.code = shot.code
        self.take = take
        self.spec: FrameSpec | None = None
        if take is not None:
            self.path = session.media.path(take.media_hash, take.ext)
            self.frames = take.frames or shot.duration_frames
            if self.path.is_file() and proxies is not None:
                self.path = proxies.path(take.media_hash, self.path, take.height) or self.path
            elif not self.path.is_file():
                self.spec = FrameSpec(
                    "card",
                    title=f"{shot.code}: media missing",
                    text=f"take {take.number}: {self.path}",
                    warning=True,
                )
        else:
            self.frames = shot.duration_frames
            self.path = None
            if shot.board_hash:
                path = session.media_path(shot.board_hash)
                self.spec = FrameSpec("image", path=str(path), title=shot.code)
            else:
                self.spec = FrameSpec("card", title=shot.code, text=shot.action)

    @property
    def duration(self) -> int:
        return self.frames

    def timecode(self, frame: int) -> str:
        return frames_to_timecode(frame, self.rate)

    def label(self, frame: int) -> str:
        take = f"take {self.take.number}" if self.take is not None else "board"
        return f"{self.code} · {take} · {frame + 1}/{self.frames}"

    def spec_at(self, frame: int) -> FrameSpec:
        if self.spec is not None:
            return self.spec
        return FrameSpec("video", path=str(self.path), frame=min(frame, self.frames - 1))

    def shot_starts(self) -> list[int]:
        return [0]


def letterbox(area: QRect, aspect: float) -> QRect:
    """The largest rectangle of ``aspect`` (width / height) centred in ``area``."""
    w, h = area.width(), area.height()
    if w / max(h, 1) > aspect:
        pw, ph = int(h * aspect), h
    else:
        pw, ph = w, int(w / aspect)
    return QRect(area.x() + (w - pw) // 2, area.y() + (h - ph) // 2, pw, ph)


def render_card(spec: FrameSpec, size: tuple[int, int]) -> QImage:
    """A slug card (shot code and action) or a warning placeholder, drawn at ``size``."""
    w, h = max(64, size[0] // 2), max(36, size[1] // 2)
    image = QImage(w, h, QImage.Format.Format_RGB32)
    image.fill(QColor("#2a1d1d" if spec.warning else "#15171a"))
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(QColor("#ff8a80" if spec.warning else "#e6e8eb"))
    font = QFont()
    font.setPixelSize(max(12, h // 12))
    font.setBold(True)
    p.setFont(font)
    # the title fills the sixth above the middle: room for descenders (the "_" of a shot code) at small sizes
    p.drawText(QRect(0, h // 2 - h // 6, w, h // 6), Qt.AlignmentFlag.AlignCenter, spec.title)
    font.setBold(False)
    font.setPixelSize(max(10, h // 22))
    p.setFont(font)
    p.setPen(QColor("#9aa0a8"))
    p.drawText(
        QRect(w // 10, h // 2, w * 8 // 10, h // 3),
        Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap,
        spec.text,
    )
    p.end()
    return image


def array_to_qimage(rgb) -> QImage:
    """An RGB array as a QImage in Qt's native 32-bit format: converting here, on the decoder thread, costs
    what the copy did, and painting it is several times cheaper than painting RGB888 (no per-paint
    conversion on the UI thread)."""
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, rgb.strides[0], QImage.Format.Format_RGB888).convertToFormat(
        QImage.Format.Format_RGB32
    )


class _Lane:
    """One decode thread's state: its pending request and its open readers."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.pending: tuple | None = None
        self.readers: OrderedDict[str, object] = OrderedDict()
        self.thread: threading.Thread | None = None


class FrameDecoder(QObject):
    """Decodes frames on two worker threads: one serves jumps (requests without ``ahead``: a seek, a step,
    a click on the timeline), the other playback (a request with the ``ahead`` frames to decode into the
    cache while nothing new is asked). Each has its own readers, so a jump never queues behind a playback
    decode in flight. A new request replaces whatever was pending on either thread and stops the
    decoding ahead."""

    frameReady = Signal()  # results wait in ``take_results()`` (no Python objects cross threads in events)

    CACHE_FRAMES = 48
    CACHE_BYTES = 320 * 1024 * 1024  # 38 frames of 1080p: enough to play from, bounded for 4K takes
    READERS = 4  # open files per thread

    def __init__(self, parent: QObject | None = None, *, open_reader=None) -> None:
        """``open_reader(path)`` opens a video for ``frame(i)`` / ``close()`` (``VideoReader`` by default)."""
        super().__init__(parent)
        self._open_reader = open_reader
        self._cond = threading.Condition()
        self._stop = False
        self._generation = 0  # bumped by every request: decoding ahead stops when it changes
        self._cache: OrderedDict[tuple, QImage] = OrderedDict()
        self._cache_bytes = 0
        self._results: list[tuple[int, FrameSpec, QImage]] = []
        self.decoded = 0
        #: Set to a list to record, per requested frame, when it was asked for, picked up by a thread,
        #: decoded to RGB, made a QImage and handed over (``time.perf_counter`` seconds; benchmarks).
        self.trace: list[dict] | None = None
        self._lanes = {"jump": _Lane("jump"), "play": _Lane("play")}
        for lane in self._lanes.values():
            lane.thread = threading.Thread(
                target=self._run, args=(lane,), name=f"previz-viewer-{lane.name}", daemon=True
            )
            lane.thread.start()

    def request(self, position: int, spec: FrameSpec, ahead: list[FrameSpec], size: tuple[int, int]) -> None:
        with self._cond:
            self._generation += 1
            for lane in self._lanes.values():
                lane.pending = None
            lane = self._lanes["play" if ahead else "jump"]
            lane.pending = (position, spec, ahead, size, time.perf_counter(), self._generation)
            self._cond.notify_all()

    def take_results(self) -> list[tuple[int, FrameSpec, QImage]]:
        """The frames decoded since the last call: (position, spec, image), oldest first."""
        with self._cond:
            results, self._results = self._results, []
        return results

    def cached(self, spec: FrameSpec) -> QImage | None:
        with self._cond:
            return self._cache.get(spec.key)

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            for lane in self._lanes.values():
                lane.pending = None
            self._cond.notify_all()
        for lane in self._lanes.values():
            if lane.thread is not None:
                lane.thread.join(timeout=2)
            for reader in lane.readers.values():
                try:
                    reader.close()
                except Exception:
                    pass
            lane.readers.clear()

    def _run(self, lane: _Lane) -> None:
        while True:
            with self._cond:
                while lane.pending is None and not self._stop:
                    self._cond.wait()
                if self._stop:
                    return
                position, spec, ahead, size, asked, generation = lane.pending
                lane.pending = None
            woke = time.perf_counter()
            image, decoded = self._image(lane, spec, size)
            done = time.perf_counter()
            with self._cond:
                self._results.append((position, spec, image))
            try:
                self.frameReady.emit()
            except RuntimeError:  # the owner was deleted meanwhile
                return
            if self.trace is not None:
                self.trace.append(
                    {
                        "position": position,
                        "thread": lane.name,
                        "asked": asked,
                        "woke": woke,
                        "decoded": decoded or done,
                        "image": done,
                    }
                )
            for extra in ahead:
                with self._cond:
                    if self._generation != generation or self._stop:
                        break
                self._image(lane, extra, size)

    def _store(self, key, image) -> None:
        with self._cond:
            old = self._cache.pop(key, None)
            if old is not None:
                self._cache_bytes -= old.sizeInBytes()
            self._cache[key] = image
            self._cache_bytes += image.sizeInBytes()
            while len(self._cache) > 1 and (
                len(self._cache) > self.CACHE_FRAMES or self._cache_bytes > self.CACHE_BYTES
            ):
                _key, dropped = self._cache.popitem(last=False)
                self._cache_bytes -= dropped.sizeInBytes()

    def _image(self, lane: _Lane, spec: FrameSpec, size: tuple[int, int]) -> tuple[QImage, float]:
        """The picture for ``spec`` and when its RGB was decoded (0.0 when it was not a video frame)."""
        with self._cond:
            hit = self._cache.get(spec.key)
        if hit is not None:
            return hit, 0.0
        decoded = 0.0
        try:
            if spec.kind == "video":
                rgb = self._reader(lane, spec.path).frame(spec.frame)
                decoded = time.perf_counter()
                image = array_to_qimage(rgb)
            elif spec.kind == "image":
                image = QImage(spec.path)
                if image.isNull():
                    raise OSError(f"{spec.path}: not a readable image")
                image = image.convertToFormat(QImage.Format.Format_RGB32)
            else:
                image = render_card(spec, size)
        except Exception as exc:  # a damaged file shows a placeholder with the reason, never a crash
            lane.readers.pop(spec.path, None)
            image = render_card(
                FrameSpec("card", title="cannot show this frame", text=str(exc), warning=True), size
            )
        self.decoded += 1
        self._store(spec.key, image)
        return image, decoded

    def _reader(self, lane: _Lane, path: str):
        reader = lane.readers.get(path)
        if reader is None:
            if self._open_reader is None:
                from previz.media.video import VideoReader

                self._open_reader = VideoReader
            reader = self._open_reader(Path(path))
            lane.readers[path] = reader
            while len(lane.readers) > self.READERS:
                _, old = lane.readers.popitem(last=False)
                old.close()
        lane.readers.move_to_end(path)
        return reader
