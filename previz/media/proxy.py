"""Proxies: small, short-GOP H.264 copies of takes for the viewer and the timeline to scrub quickly.

A proxy keeps the source's frame count and rate exactly (frame ``i`` of the proxy is frame ``i`` of the
source), so the viewer can show it in place of the full-size take at any frame.
"""

from __future__ import annotations

from pathlib import Path

from previz.core.errors import CancelledError
from previz.core.jobs import CancelToken, ProgressFn, no_progress
from previz.media.images import fit
from previz.media.video import VideoReader, VideoWriter, probe


def proxy_size(width: int, height: int, max_height: int) -> tuple[int, int]:
    """Even dimensions no taller than ``max_height`` with the source's aspect ratio (never enlarged)."""
    scale = min(1.0, max_height / height)
    w = max(2, int(round(width * scale / 2)) * 2)
    h = max(2, int(round(height * scale / 2)) * 2)
    return w, h


def make_proxy(
    source: str | Path,
    target: str | Path,
    *,
    max_height: int = 540,
    gop: int = 12,
    crf: int = 23,
    preset: str = "veryfast",
    progress: ProgressFn = no_progress,
    cancel: CancelToken | None = None,
) -> Path:
    """Write a proxy of video ``source`` to ``target`` (atomically; nothing is left there on cancel).

    ``gop`` frames between keyframes bound the decode work of a random jump to ``gop`` frames.
    """
    info = probe(source)
    width, height = proxy_size(info.width, info.height, max_height)
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    progress(0, info.frames, "proxy")
    with (
        VideoReader(source) as reader,
        VideoWriter(target, width, height, info.fps, crf=crf, preset=preset, gop=gop, atomic=True) as out,
    ):
        for done, frame in enumerate(reader.frames(0), start=1):
            if cancel is not None and cancel.cancelled:
                raise CancelledError(f"{target}: proxy cancelled")
            out.write(fit(frame, width, height, "stretch") if frame.shape[:2] != (height, width) else frame)
            if done % 12 == 0 or done == info.frames:
                progress(done, info.frames, "proxy")
    return target


def run_proxy_task(args: dict, progress: ProgressFn, cancel: CancelToken) -> str:
    """``make_proxy`` as a worker task (``previz.generation.worker``: ``"module:function"``, called with
    ``args``: ``source``, ``target``, ``max_height``); returns the proxy's path."""
    made = make_proxy(
        args["source"], args["target"], max_height=args["max_height"], progress=progress, cancel=cancel
    )
    return str(made)
