"""The cut rendered as a stream of RGB frames (and its audio mix), never held in memory.

Each cut entry shows its selected take's frames ``[source_in, source_out)`` conformed to the project
size and rate (the last frame held when the take is short), or its board held, or a slug card
("012A_0010 — NOT YET GENERATED"). Transitions keep the cut's duration: a dissolve of N frames blends
the previous shot's handle frames (what follows its out point, held when the take ends) under the
first N frames of the shot; ``fade_in``/``fade_out`` ramp from/to black over N frames. Burn-ins and
the watermark are drawn last, a slate/leader optionally precedes the cut.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from pathlib import Path

import numpy as np

from previz.core.cut import Cut, CutEntry
from previz.core.errors import ExportError, MediaError, PrevizError
from previz.core.timecode import frames_to_timecode
from previz.export.provenance import read_provenance
from previz.export.yuv import YuvBurnIn, decode_i420, rgb_to_i420
from previz.media.audio import RATE as AUDIO_RATE
from previz.media.audio import decode_audio, mix
from previz.media.burnin import WATERMARK, BurnIn, ShotLabels, slate, slug_card
from previz.media.conform import conformed_frames, fade
from previz.media.conform import dissolve as dissolve_step
from previz.media.images import IMAGE_SUFFIXES, fit, load_image
from previz.media.video import probe

__all__ = ["WATERMARK", "CutRenderer", "MissingMedia", "RenderOptions", "ShotSource"]


@dataclass(frozen=True)
class RenderOptions:
    """How the cut is drawn. ``watermark=None`` turns the watermark off."""

    burnins: bool = False
    watermark: str | None = WATERMARK
    slate: bool = False
    slate_seconds: float = 2.0
    version: str = "v001"
    allow_missing: bool = False
    audio: bool = True


@dataclass(frozen=True)
class ShotSource:
    """What a cut entry shows: ``kind`` is "video", "image" or "slug"."""

    entry: CutEntry
    kind: str
    path: Path | None = None
    fps: Fraction | None = None
    frames: int | None = None
    size: tuple[int, int] | None = None
    message: str = "NOT YET GENERATED"
    detail: str | None = None

    @property
    def take_label(self) -> str | None:
        if self.entry.take_number is not None and self.kind != "slug":
            return f"T{self.entry.take_number}"
        return "BOARD" if self.kind == "image" else None


@dataclass(frozen=True)
class MissingMedia:
    """What ``allow_missing`` replaced by a placeholder: a shot's picture (a slug card) or an audio
    clip (left out of the mix), and why."""

    kind: str  # "shot" or "audio"
    name: str  # the shot code or the audio clip's name
    reason: str

    def line(self) -> str:
        return f"{self.kind} {self.name}: {self.reason}"

    def to_dict(self) -> dict:
        return {"kind": self.kind, "name": self.name, "reason": self.reason}


@dataclass
class _AudioClip:
    name: str
    samples: np.ndarray
    start: int
    gain: float


@dataclass
class CutRenderer:
    """Renders ``cut`` of ``session`` at the project size and rate.

    Construction checks every take's media (and decodes the audio clips), so a missing or corrupt
    file fails before anything is written: ExportError naming the shot, or a slug with
    ``allow_missing`` (each listed in :attr:`missing`, for the export to tell the user).
    """

    session: object
    cut: Cut
    options: RenderOptions = field(default_factory=RenderOptions)

    def __post_init__(self) -> None:
        project = self.session.project()
        self.project = project
        self.width, self.height = int(project.width), int(project.height)
        self.fps: Fraction = self.cut.rate.fraction
        self.missing: list[MissingMedia] = []
        self.sources = [self._resolve(e) for e in self.cut.entries]
        self.leader_frames = max(1, round(self.options.slate_seconds * self.fps)) if self.options.slate else 0
        self._overlay = (
            BurnIn(self.width, self.height, fields=self.options.burnins, watermark=self.options.watermark)
            if self.options.burnins or self.options.watermark
            else None
        )
        self._yuv_overlay: YuvBurnIn | None = None
        # what the burn-ins print of each shot's making comes from the one provenance reader
        self.provenance = (
            {p.code: p for p in read_provenance(self.session, self.cut)} if self.options.burnins else {}
        )
        self.audio_clips = self._load_audio() if self.options.audio else []

    # ------------------------------------------------------------------ sizes
    @property
    def total_frames(self) -> int:
        return self.leader_frames + self.cut.duration

    def sample_at(self, frame: int) -> int:
        """The first audio sample of output frame ``frame`` (exact: frame / fps * 48 kHz, rounded)."""
        return round(Fraction(frame) * AUDIO_RATE / self.fps)

    @property
    def has_audio(self) -> bool:
        return bool(self.audio_clips)

    # ------------------------------------------------------------------ resolving media
    def _missing(self, entry: CutEntry, what: str, path: Path | None, why: str) -> ShotSource:
        where = f" ({path})" if path else ""
        if not self.options.allow_missing:
            raise ExportError(
                f"shot {entry.code}: {what}{where} {why}; regenerate or re-import it, "
                "or export with --allow-missing to show a slug card instead"
            )
        self.missing.append(MissingMedia("shot", entry.code, f"{what}{where} {why}"))
        return ShotSource(entry, "slug", message="MEDIA MISSING", detail=f"{what} {why}")

    def _media(self, digest: str) -> tuple[Path | None, object | None]:
        try:
            info = self.session.media_info(digest)
        except PrevizError:
            return None, None
        return self.session.media.path(info.hash, info.ext), info

    def _resolve(self, entry: CutEntry) -> ShotSource:
        if entry.media_hash:
            what = f"take {entry.take_number} media"
            path, info = self._media(entry.media_hash)
            if path is None:
                return self._missing(entry, what, None, "is not registered in the project")
            if not path.is_file():
                return self._missing(entry, what, path, "is missing")
            if path.suffix.lower() in IMAGE_SUFFIXES:
                try:
                    load_image(path)
                except MediaError:
                    return self._missing(entry, what, path, "is not a readable image")
                return ShotSource(entry, "image", path)
            try:
                video = probe(path)
            except MediaError:
                return self._missing(entry, what, path, "is corrupt (cannot be decoded)")
            return ShotSource(
                entry, "video", path, fps=video.fps, frames=video.frames, size=(video.width, video.height)
            )
        if entry.board_hash:
            path, _info = self._media(entry.board_hash)
            if path is None or not path.is_file():
                return self._missing(entry, "board image", path, "is missing")
            return ShotSource(entry, "image", path)
        return ShotSource(entry, "slug")

    def _load_audio(self) -> list[_AudioClip]:
        clips = []
        for clip in self.session.audio_clips():
            path, _info = self._media(clip.media_hash)
            name = clip.name or clip.media_hash[:12]
            try:
                if path is None:
                    raise MediaError(f"audio clip {name}: its media is not registered in the project")
                samples = decode_audio(path, AUDIO_RATE, 2)
            except MediaError as exc:
                if self.options.allow_missing:
                    self.missing.append(MissingMedia("audio", name, exc.one_line()))
                    continue
                raise ExportError(
                    f"audio clip {name!r}: {exc}; re-import it or export with --allow-missing"
                ) from exc
            start = self.sample_at(self.leader_frames + clip.start_frame)
            clips.append(_AudioClip(name, samples, start, 10 ** (clip.gain_db / 20)))
        return clips

    # ------------------------------------------------------------------ pictures
    def still(self, source: ShotSource) -> np.ndarray:
        """The held picture of an image or slug source, fitted to the project size."""
        if source.kind == "image":
            assert source.path is not None
            return fit(load_image(source.path), self.width, self.height)
        return slug_card(self.width, self.height, source.entry.code, source.message, source.detail)

    def picture(self, source: ShotSource, start: int, count: int) -> Iterator[np.ndarray]:
        """``count`` frames of a source from ``start`` frames after the shot's in point (project rate).

        Frames past the end of the take (handles, a short take) hold its last frame. Every yielded
        array is the caller's to draw on.
        """
        if count <= 0:
            return
        if source.kind != "video":
            image = self.still(source)
            for _ in range(count):
                yield image.copy()
            return
        assert source.path is not None and source.fps is not None and source.frames is not None
        ratio = source.fps / self.fps
        src_start = math.floor((source.entry.source_in + start) * ratio + Fraction(1, 2))
        src_start = min(max(0, src_start), source.frames - 1)
        try:
            yield from conformed_frames(
                source.path, self.width, self.height, self.fps, count, src_start=src_start
            )
        except MediaError as exc:
            raise ExportError(f"shot {source.entry.code}: take {source.entry.take_number}: {exc}") from exc

    def source_frame(self, source: ShotSource, offset: int) -> int | None:
        """The take's frame number shown ``offset`` frames into the shot (for the SRC burn-in)."""
        if source.kind == "slug":
            return None
        if source.kind == "image" or source.fps is None:
            return max(0, offset)
        index = math.floor((source.entry.source_in + offset) * source.fps / self.fps + Fraction(1, 2))
        return min(max(0, index), (source.frames or 1) - 1)

    def labels(self, source: ShotSource) -> ShotLabels:
        entry = source.entry
        made = self.provenance.get(entry.code)
        preset = made.preset if made is not None and made.generated and source.kind == "video" else None
        return ShotLabels(entry.code, source.take_label, entry.status, entry.model or None, preset or None)

    def leader(self) -> np.ndarray:
        duration = frames_to_timecode(self.cut.duration, self.cut.rate)
        return slate(
            self.width,
            self.height,
            project=self.project.name,
            version=self.options.version,
            date=date.today().isoformat(),
            duration=f"{duration}  ({self.cut.duration} frames @ {self.cut.rate.label} fps)",
            watermark=self.options.watermark,
        )

    # ------------------------------------------------------------------ the stream
    def frames(self, i420: bool = False) -> Iterator[np.ndarray]:
        """Every output frame in order: the leader (when asked for), then the cut.

        RGB arrays, or with ``i420`` yuv420p arrays for the H.264 encoder (see :mod:`.yuv`).
        """
        if self.leader_frames:
            card = self.leader()
            if i420:
                card = rgb_to_i420(card)
            for _ in range(self.leader_frames):
                yield card.copy()
        previous: ShotSource | None = None
        for source in self.sources:
            yield from self._shot(source, previous, i420)
            previous = source

    def _native(self, source: ShotSource) -> bool:
        return source.kind == "video" and source.size == (self.width, self.height) and source.fps == self.fps

    def _pictures(self, source: ShotSource, start: int, count: int, i420: bool) -> Iterator[np.ndarray]:
        if not i420:
            yield from self.picture(source, start, count)
        elif self._native(source):
            assert source.path is not None and source.frames is not None
            first = min(max(0, source.entry.source_in + start), source.frames - 1)
            try:
                yield from decode_i420(source.path, first, count, self.fps)
            except MediaError as exc:
                raise ExportError(
                    f"shot {source.entry.code}: take {source.entry.take_number}: {exc}"
                ) from exc
        elif source.kind != "video":
            still = rgb_to_i420(self.still(source))
            for _ in range(count):
                yield still.copy()
        else:
            for frame in self.picture(source, start, count):
                yield rgb_to_i420(frame)

    def _shot(self, source: ShotSource, previous: ShotSource | None, i420: bool) -> Iterator[np.ndarray]:
        entry = source.entry
        n = max(0, min(entry.transition_frames, entry.duration))
        dissolve = n if entry.transition == "dissolve" and previous is not None else 0
        if dissolve:
            dissolve = min(dissolve, previous.entry.duration)
        under = self._pictures(previous, previous.entry.duration, dissolve, i420) if dissolve else iter(())
        labels = self.labels(source)
        for k, frame in enumerate(self._pictures(source, 0, entry.duration, i420)):
            if k < dissolve:  # a per-pixel weighted sum: the same on RGB and on I420 planes
                frame = dissolve_step(next(under), frame, (k + 1) / (dissolve + 1))
            elif entry.transition == "fade_in" and k < n:
                frame = fade(frame, (k + 1) / (n + 1), i420=i420)
            elif entry.transition == "fade_out" and k >= entry.duration - n:
                frame = fade(frame, (entry.duration - k) / (n + 1), i420=i420)
            yield self.overlay(frame, labels, entry.record_in + k, self.source_frame(source, k), i420)

    def overlay(
        self,
        frame: np.ndarray,
        labels: ShotLabels | None,
        record_frame: int | None,
        source_frame: int | None,
        i420: bool = False,
    ) -> np.ndarray:
        """Burn-ins and watermark onto ``frame`` (in place; an I420 frame with ``i420``)."""
        if self._overlay is None:
            return frame
        overlay = self._overlay
        if i420:
            if self._yuv_overlay is None:
                self._yuv_overlay = YuvBurnIn(self._overlay)
            overlay = self._yuv_overlay
        if not self.options.burnins:
            return overlay.draw(frame)
        tc = self.cut.timecode(record_frame) if record_frame is not None else None
        return overlay.draw(frame, labels, tc, source_frame)

    def shot_frames(self, source: ShotSource, *, handles: bool = False) -> Iterator[np.ndarray]:
        """One shot on its own (no transitions; burn-ins/watermark as the options say).

        With ``handles`` the whole take from its first frame, extended to the shot's out point:
        :meth:`shot_length` frames, the shot starting at ``shot_offset``.
        """
        offset = self.shot_offset(source) if handles else 0
        count = self.shot_length(source) if handles else source.entry.duration
        labels = self.labels(source)
        for k, frame in enumerate(self.picture(source, -offset, count)):
            shot_k = k - offset
            inside = 0 <= shot_k < source.entry.duration
            record = source.entry.record_in + shot_k if inside else None
            yield self.overlay(frame, labels, record, self.source_frame(source, shot_k))

    def shot_offset(self, source: ShotSource) -> int:
        """Where the shot starts inside its handle media (project frames)."""
        return source.entry.source_in if source.kind == "video" else 0

    def shot_length(self, source: ShotSource) -> int:
        """Frames of a shot's handle media: the whole take conformed, at least to the shot's end."""
        if source.kind != "video" or source.fps is None or source.frames is None:
            return source.entry.duration
        conformed = math.floor(Fraction(source.frames) * self.fps / source.fps)
        return max(conformed, source.entry.source_out)

    # ------------------------------------------------------------------ audio
    def audio(self, start_sample: int, count: int) -> np.ndarray:
        """Mixed stereo float32 (2, count) for output samples ``start_sample`` onwards."""
        clips = [(c.samples, c.start, c.gain) for c in self.audio_clips]
        return mix(clips, count, offset=start_sample)
