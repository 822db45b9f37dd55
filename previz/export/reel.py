"""Reel writers: H.264 MP4 (review), ProRes 422 HQ MOV, a PNG image sequence and per-shot clips.

Every writer streams frames from :class:`~previz.export.render.CutRenderer`, writes under a temporary
name in the destination folder and renames it when complete; a cancelled or failed export leaves
nothing under the final name and no temporary file behind.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from previz.core.errors import CancelledError, ExportError, MediaError
from previz.core.jobs import CancelToken, ProgressFn, no_progress
from previz.core.prefetch import prefetch
from previz.core.timecode import frames_to_timecode
from previz.export.clip_cache import ClipCache
from previz.export.files import atomic_folder, write_error
from previz.export.identity import base_reel, reel_names
from previz.export.render import CutRenderer, ShotSource
from previz.media.audio import RATE as AUDIO_RATE
from previz.media.video import PRESETS, VideoWriter

BATCH = 24  # frames between progress reports (and audio chunks)
MOVIE_CODECS = {"mp4": "h264", "mov": "prores"}


@dataclass(frozen=True)
class EncodeOptions:
    crf: int = 18
    preset: str = "medium"
    threads: int = 0

    def check(self) -> None:
        if not 0 <= int(self.crf) <= 51:
            raise ExportError(f"crf: {self.crf} is out of range; use 0 (lossless) to 51, 18-23 for review")
        if self.preset not in PRESETS:
            raise ExportError(
                f"preset: {self.preset!r} is not an x264 preset; use one of {', '.join(PRESETS)}"
            )


@contextlib.contextmanager
def pipeline(frames: Iterator[np.ndarray], convert) -> Iterator[Iterator]:
    """Frames rendered on one thread and converted for the encoder on another, ``with``-scoped."""
    rendered = prefetch(frames)
    converted = prefetch(rendered, transform=convert)
    try:
        yield converted
    finally:
        converted.close()
        rendered.close()


def _report(progress: ProgressFn, done: int, total: int, label: str) -> None:
    progress(done, total, f"{label}: frame {done} of {total}")


def write_movie(
    renderer: CutRenderer,
    path: Path,
    fmt: str = "mp4",
    encode: EncodeOptions = EncodeOptions(),
    progress: ProgressFn = no_progress,
    cancel: CancelToken | None = None,
) -> int:
    """Encode the rendered cut (with its audio mix) to ``path``; returns the frames written.

    The movie's timecode track puts the cut's first frame at the cut's start timecode (the record
    timecode of the editorial files; a slate runs before it), its reel name is the project's."""
    cancel = cancel or CancelToken()
    encode.check()
    total = renderer.total_frames
    audio = renderer.has_audio
    cut = renderer.cut
    timecode = frames_to_timecode(max(0, cut.start_frame - renderer.leader_frames), cut.rate)
    try:
        with VideoWriter(
            path,
            renderer.width,
            renderer.height,
            renderer.fps,
            codec=MOVIE_CODECS[fmt],
            crf=encode.crf,
            preset=encode.preset,
            audio_rate=AUDIO_RATE if audio else None,
            threads=encode.threads,
            atomic=True,
            timecode=timecode,
            reel=base_reel(renderer.project.name),
        ) as writer:
            samples = 0
            i420 = fmt == "mp4"
            convert = writer.convert_i420 if i420 else writer.convert
            with pipeline(renderer.frames(i420), convert) as frames:
                for index, frame in enumerate(frames, 1):
                    cancel.raise_if_cancelled()
                    writer.write_video_frame(frame)
                    if index % BATCH == 0 or index == total:
                        if audio:
                            target = renderer.sample_at(index)
                            writer.write_audio(renderer.audio(samples, target - samples))
                            samples = target
                        _report(progress, index, total, path.name)
            if writer.frames_written != total:
                raise ExportError(f"{path}: wrote {writer.frames_written} frames, expected {total}")
            return writer.frames_written
    except (CancelledError, ExportError):
        raise
    except (MediaError, OSError) as exc:
        raise write_error(path, exc) from exc


def write_frames(
    renderer: CutRenderer,
    folder: Path,
    progress: ProgressFn = no_progress,
    cancel: CancelToken | None = None,
    *,
    pattern: str = "%06d.png",
    seal=None,
) -> int:
    """The rendered cut as a PNG image sequence (``000001.png`` …) in ``folder``; with ``seal`` (a
    :class:`~previz.export.credentials.Sealer`) each frame is signed with the shot it shows."""
    cancel = cancel or CancelToken()
    total = renderer.total_frames
    with atomic_folder(folder) as temp:
        try:
            with VideoWriter(
                temp / pattern, renderer.width, renderer.height, renderer.fps, codec="png"
            ) as writer:
                with pipeline(renderer.frames(), writer.convert) as frames:
                    for index, frame in enumerate(frames, 1):
                        cancel.raise_if_cancelled()
                        writer.write_video_frame(frame)
                        if index % BATCH == 0 or index == total:
                            _report(progress, index, total, folder.name)
                written = writer.frames_written
            if seal is not None:
                cut = renderer.cut
                seal.seal_sequence(
                    temp, pattern, written, renderer.leader_frames, cut.entries, progress, cancel
                )
        except (MediaError, OSError) as exc:
            raise write_error(folder, exc) from exc
    return written


def clip_name(source: ShotSource, suffix: str) -> str:
    take = f"_T{source.entry.take_number}" if source.entry.take_number is not None else ""
    return f"{source.entry.code}{take}{suffix}"


def write_shot_clip(
    renderer: CutRenderer,
    source: ShotSource,
    path: Path,
    codec: str,
    encode: EncodeOptions,
    *,
    handles: bool,
    cancel: CancelToken,
    on_frame=None,
    reel: str | None = None,
) -> int:
    """One shot's frames (or its whole take with ``handles``) as a movie at ``path``, whose timecode
    track counts the take's frames (:func:`clip_timecode`) under the reel name ``reel``."""
    with VideoWriter(
        path,
        renderer.width,
        renderer.height,
        renderer.fps,
        codec=codec,
        crf=encode.crf,
        preset=encode.preset,
        threads=encode.threads,
        atomic=True,
        timecode=clip_timecode(renderer, source, handles=handles),
        reel=reel,
    ) as writer:
        for frame in renderer.shot_frames(source, handles=handles):
            cancel.raise_if_cancelled()
            writer.write_video_frame(writer.convert(frame))
            if on_frame is not None:
                on_frame()
    return writer.frames_written


def clip_timecode(renderer: CutRenderer, source: ShotSource, *, handles: bool) -> str:
    """The timecode of a per-shot clip's first frame: the take's frame number it shows (00:00:00:00
    with handles, which start at the take's first frame; the shot's trim in without), so the source
    timecode of an EDL event is the clip's own timecode."""
    return frames_to_timecode(0 if handles else renderer.shot_offset(source), renderer.cut.rate)


def write_clips(
    renderer: CutRenderer,
    folder: Path,
    codec: str = "h264",
    encode: EncodeOptions = EncodeOptions(),
    progress: ProgressFn = no_progress,
    cancel: CancelToken | None = None,
    *,
    handles: bool = False,
    seal=None,
    cache: ClipCache | None = None,
) -> list[Path]:
    """One movie per shot in ``folder`` (``CODE_T2.mp4``, or ``.mov`` for ProRes), for editorial.

    Without ``handles`` each clip is exactly the shot; with them it is the whole take conformed
    (see :meth:`CutRenderer.shot_length`). Returns the final paths, in cut order. With ``seal`` (a
    :class:`~previz.export.credentials.Sealer`) each clip is signed with its shot's content credentials.
    Each clip carries a timecode track and its shot's reel name (:func:`~previz.export.identity.reel_names`).
    With ``cache`` a clip rendered before with the same inputs is reused instead of rendered.
    """
    cancel = cancel or CancelToken()
    encode.check()
    suffix = ".mov" if codec == "prores" else ".mp4"
    lengths = [renderer.shot_length(s) if handles else s.entry.duration for s in renderer.sources]
    total = sum(lengths)
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if done % BATCH == 0 or done == total:
            _report(progress, done, total, folder.name)

    names = []
    reels = reel_names(s.entry.code for s in renderer.sources)
    with atomic_folder(folder) as temp:
        for source, length in zip(renderer.sources, lengths):
            name = clip_name(source, suffix)
            reel = reels[source.entry.code]
            key = None
            if cache is not None:
                signed = _sealed_by(seal, name, source.entry.code)
                timecode = clip_timecode(renderer, source, handles=handles)
                key = cache.key(
                    renderer,
                    source,
                    codec=codec,
                    encode=encode,
                    handles=handles,
                    timecode=timecode,
                    reel=reel,
                    extra=signed,
                )
                if cache.fetch(key, temp / name):
                    if seal is not None and seal.enabled:
                        seal.signed.append(folder / name)
                    for _ in range(length):
                        tick()
                    names.append(name)
                    continue
            plain = contextlib.nullcontext(temp / name)
            sealing = seal.sealing(temp / name, source.entry.code) if seal else plain
            try:
                with sealing as target:
                    write_shot_clip(
                        renderer,
                        source,
                        target,
                        codec,
                        encode,
                        handles=handles,
                        cancel=cancel,
                        on_frame=tick,
                        reel=reel,
                    )
            except (CancelledError, ExportError):
                raise
            except (MediaError, OSError) as exc:
                raise write_error(folder / name, exc) from exc
            if cache is not None and key is not None:
                cache.store(key, temp / name)
            names.append(name)
    if cache is not None:
        cache.prune()
    return [folder / n for n in names]


def _sealed_by(seal, name: str, code: str) -> object:
    """What a signed clip's bytes depend on beyond its pixels (None when not signing)."""
    if seal is None or not seal.enabled:
        return None
    shots = [repr(s) for s in seal.shots if s.code == code]
    return [name, seal.identity.describe().get("subject"), seal.project, shots]
