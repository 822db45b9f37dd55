"""Per-shot editorial media cached by content, so an unchanged shot is not rendered again on the next
editorial export.

A clip's key is the SHA-256 of everything that determines its pixels and tags: the take's (or board's)
media hash, the shot's trim and duration, the handle length, the project size and rate, the codec and
its quality settings, the burn-in and watermark settings (and, with burn-ins, what they print), the
timecode track and reel name, and :data:`CLIP_FORMAT` (bumped when the writer changes what it writes).
Cached clips live in the project's ``cache/editorial_clips/`` (safe to delete) and are hard-linked (or
copied, across disks) to the export; :meth:`ClipCache.prune` keeps the folder under :data:`LIMIT_BYTES`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from dataclasses import astuple
from pathlib import Path

import av

from previz import __version__

CLIP_FORMAT = 1
LIMIT_BYTES = 4 * 1024**3


class ClipCache:
    """A folder of rendered clips by key; counts what it rendered and what it reused."""

    def __init__(self, folder: Path, limit_bytes: int = LIMIT_BYTES) -> None:
        self.folder = Path(folder)
        self.limit_bytes = limit_bytes
        self.rendered = 0
        self.reused = 0
        self._used: set[str] = set()

    @staticmethod
    def key(
        renderer, source, *, codec: str, encode, handles: bool, timecode: str, reel: str, extra=None
    ) -> str:
        """The key of one shot's clip; ``extra`` is anything else its bytes depend on (JSON-able), such
        as what a signed clip's credentials say."""
        entry = source.entry
        options = renderer.options
        fields = {
            "format": CLIP_FORMAT,
            "previz": __version__,
            "av": av.__version__,
            "kind": source.kind,
            "media": entry.media_hash if source.kind == "video" or entry.media_hash else entry.board_hash,
            "slug": [entry.code, source.message, source.detail] if source.kind == "slug" else None,
            "source_in": entry.source_in,
            "duration": entry.duration,
            "length": renderer.shot_length(source) if handles else entry.duration,
            "handles": handles,
            "size": [renderer.width, renderer.height],
            "fps": str(renderer.fps),
            "codec": codec,
            "crf": encode.crf,
            "preset": encode.preset,
            "watermark": options.watermark,
            "burnins": options.burnins,
            "timecode": timecode,
            "reel": reel,
            "extra": extra,
        }
        if options.burnins:  # what the burn-ins print: labels and record timecode
            fields["labels"] = list(astuple(renderer.labels(source)))
            fields["record"] = [entry.record_in, renderer.cut.start_timecode, renderer.cut.rate.label]
        text = json.dumps(fields, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def _path(self, key: str, suffix: str) -> Path:
        return self.folder / f"{key}{suffix}"

    def fetch(self, key: str, target: Path) -> bool:
        """Put the cached clip of ``key`` at ``target``; False when there is none (render it)."""
        cached = self._path(key, target.suffix)
        if not cached.is_file():
            return False
        try:
            _link_or_copy(cached, target)
            os.utime(cached)  # recently used: pruned last
        except OSError:
            target.unlink(missing_ok=True)
            return False
        self._used.add(cached.name)
        self.reused += 1
        return True

    def store(self, key: str, rendered: Path) -> None:
        """Keep a just-rendered clip under ``key``; a cache that cannot be written is skipped."""
        self.rendered += 1
        cached = self._path(key, rendered.suffix)
        temp = cached.with_name(f".{cached.name}.partial-{os.getpid()}")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            _link_or_copy(rendered, temp)
            os.replace(temp, cached)
            self._used.add(cached.name)
        except OSError:
            temp.unlink(missing_ok=True)

    def prune(self) -> None:
        """Remove the least recently used clips not used by this export while the folder is over the limit."""
        with contextlib.suppress(OSError):
            files = [(p.stat(), p) for p in self.folder.iterdir() if p.is_file()]
            total = sum(st.st_size for st, _p in files)
            for st, path in sorted(files, key=lambda f: f[0].st_mtime):
                if total <= self.limit_bytes:
                    break
                if path.name in self._used:
                    continue
                path.unlink(missing_ok=True)
                total -= st.st_size


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
