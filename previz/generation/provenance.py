"""Provenance: weight-file hashes (cached by path, size and mtime), library versions, the result type."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import threading
from dataclasses import dataclass, field
from fractions import Fraction
from importlib import metadata
from pathlib import Path
from typing import Any

_lock = threading.Lock()
_memory: dict[str, str] = {}
CACHE_ENV = "PREVIZ_CACHE_DIR"


@dataclass(frozen=True)
class GenerationResult:
    """A finished clip: the encoded file, what it holds, and how it was made."""

    path: Path
    frames: int
    width: int
    height: int
    fps: Fraction
    provenance: dict[str, Any] = field(default_factory=dict)


def _cache_file() -> Path:
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override) / "weight_hashes.json"
    import platformdirs

    return Path(platformdirs.user_cache_dir("previz")) / "weight_hashes.json"


def _load_disk_cache() -> dict[str, str]:
    try:
        data = json.loads(_cache_file().read_text(encoding="utf-8"))
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _save_disk_cache(entries: dict[str, str]) -> None:
    path = _cache_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(entries, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # the cache only saves time


def file_sha256(path: str | Path) -> str:
    """SHA-256 hex of a file, remembered (in memory and on disk) by resolved path, size and mtime."""
    resolved = Path(path).resolve()
    stat = resolved.stat()
    key = f"{resolved}|{stat.st_size}|{stat.st_mtime_ns}"
    with _lock:
        if key in _memory:
            return _memory[key]
        disk = _load_disk_cache()
        if key in disk:
            _memory[key] = disk[key]
            return disk[key]
    digest = hashlib.sha256()
    with resolved.open("rb") as fh:
        for chunk in iter(lambda: fh.read(4 * 1024 * 1024), b""):
            digest.update(chunk)
    value = digest.hexdigest()
    with _lock:
        _memory[key] = value
        disk = _load_disk_cache()
        disk[key] = value
        _save_disk_cache(disk)
    return value


def weight_hashes(files: list[Path] | tuple[Path, ...], root: Path) -> dict[str, str]:
    """``{relative path: sha256}`` for each weight file of a model folder."""
    out = {}
    for f in files:
        try:
            rel = str(Path(f).relative_to(root))
        except ValueError:
            rel = str(f)
        out[rel] = file_sha256(f)
    return out


def library_versions(
    names: tuple[str, ...] = ("torch", "diffusers", "transformers", "av", "opencv-python-headless"),
) -> dict[str, str]:
    """``{"previz": ..., name: version}`` for the installed ones of ``names`` (looked up once)."""
    return dict(_versions(names))


@functools.lru_cache(maxsize=8)
def _versions(names: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    from previz import __version__

    out = [("previz", __version__)]
    for name in names:
        try:
            out.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            continue
    return tuple(out)
