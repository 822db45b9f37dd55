"""Temporary files of work in progress, named after the process that writes them, and the removal of those
whose process has died (``kill -9``, a crash, a power cut) so they do not pile up beside exports or in the
media store.

Names that carry the writer's pid:

- ``.NAME.partial-PID`` — an export's file or folder before its rename (``previz.export.files``);
- ``.STEM.partial-PIDSUFFIX`` — a video being encoded (``previz.media.video.VideoWriter``);
- ``.NAME.old-PID`` — the previous export folder while a new one replaces it;
- ``PID-XXXX.EXT`` and ``.PID-XXXX.partial.EXT`` — the media store's ``media/tmp`` files.

A file whose pid is alive is never touched. The pid is this machine's, so a folder shared between machines
over the network could hold another machine's live work under a pid that is dead here: such folders are
only cleaned of names whose pid is dead here, which is the documented limitation.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

#: Hidden names that an interrupted export or encode leaves beside its destination.
EXPORT_PARTIAL = re.compile(r"^\..+\.(?:partial|old)-(?P<pid>\d+)(?:\.[A-Za-z0-9]{1,8})?$")
#: Names in ``media/tmp``: the pid first (``MediaStore.new_temp_path``), optionally hidden.
MEDIA_TEMP = re.compile(r"^\.?(?P<pid>\d+)-")


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists on this machine (one owned by another user counts)."""
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return True  # cannot tell: keep the file
    return True


def claim_pid_file(lock: Path) -> int | None:
    """Create ``lock`` holding this process's pid, to do work in its folder alone. Returns None once claimed,
    or the pid of the live process that holds it (the caller refuses, saying what that process does); a
    file left by a process that died is taken over. Raises ``FileExistsError`` when it cannot be claimed."""
    for _attempt in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                pid = int(lock.read_text(encoding="utf-8").strip() or 0)
            except (OSError, ValueError):
                pid = 0
            if pid and pid_alive(pid):
                return pid
            lock.unlink(missing_ok=True)  # its process is gone
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()}\n")
        return None
    raise FileExistsError(f"{lock}: cannot claim it (it keeps coming back)")


def owner_pid(name: str, pattern: re.Pattern[str] = EXPORT_PARTIAL) -> int | None:
    match = pattern.match(name)
    return int(match.group("pid")) if match else None


def stale(folder: Path, pattern: re.Pattern[str] = EXPORT_PARTIAL) -> list[Path]:
    """Entries of ``folder`` named by ``pattern`` whose writing process is no longer alive."""
    if not folder.is_dir():
        return []
    out = []
    for entry in sorted(folder.iterdir()):
        pid = owner_pid(entry.name, pattern)
        if pid is not None and not pid_alive(pid):
            out.append(entry)
    return out


def remove(paths: list[Path]) -> list[Path]:
    """Remove these files or folders; returns those that went (one that cannot be removed is left)."""
    gone = []
    for path in paths:
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        except OSError:  # already gone, or not ours to remove
            continue
        gone.append(path)
    return gone


def remove_stale(folder: Path, pattern: re.Pattern[str] = EXPORT_PARTIAL) -> list[Path]:
    """Remove what dead processes left in ``folder``; returns what went."""
    return remove(stale(folder, pattern))
