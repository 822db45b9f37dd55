"""Output paths for exports: writable checks, temporary names in the destination folder, atomic renames
and clear messages for the OS errors that end an export (disk full, permission denied).

Temporary names carry the writer's pid (``.NAME.partial-PID``); an export starting in a folder first removes
what killed exports left there (``previz.core.partials``)."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from previz.core import partials
from previz.core.errors import ExportError, MediaError

TEMP_MARK = ".partial-"


def temp_name(final: Path) -> Path:
    """A hidden temporary name beside ``final`` (same folder, so the rename is atomic)."""
    return final.with_name(f".{final.name}{TEMP_MARK}{os.getpid()}")


def check_output(path: Path, *, folder: bool = False) -> Path:
    """``path`` made absolute after checking its folder exists and is writable; what exports killed before
    they finished left in that folder (partial files of processes no longer alive) is removed."""
    path = Path(path).expanduser().absolute()
    parent = path.parent
    if not parent.is_dir():
        raise ExportError(f"{path}: the folder {parent} does not exist; create it or choose another output")
    if path.exists() and path.is_dir() != folder:
        kind = "a folder" if path.is_dir() else "a file"
        raise ExportError(f"{path}: is {kind}; choose another output name")
    try:
        fd, probe = tempfile.mkstemp(prefix=".previz-write-test-", dir=parent)
    except OSError as exc:
        raise ExportError(
            f"{parent}: the output folder is not writable ({exc.strerror or exc}); choose another folder"
        ) from exc
    os.close(fd)
    Path(probe).unlink(missing_ok=True)
    partials.remove_stale(parent)
    return path


def check_replaceable(folder: Path, pattern: str) -> None:
    """Refuse to replace an existing folder that holds anything an export would not have written
    (names not matching the regular expression ``pattern``): exporting to ~/Desktop must never empty it."""
    if not folder.is_dir():
        return
    strangers = sorted(p.name for p in folder.iterdir() if not re.fullmatch(pattern, p.name))
    if strangers:
        shown = ", ".join(strangers[:3]) + (" …" if len(strangers) > 3 else "")
        raise ExportError(
            f"{folder}: the folder exists and holds other files ({shown}); an export replaces the whole "
            "folder, so choose a new folder name"
        )


def write_error(path: Path, exc: BaseException) -> ExportError:
    """The ExportError for an OS or media error raised while writing ``path``."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, OSError) and cause.errno == errno.ENOSPC:
            return ExportError(
                f"{path}: the disk is full ({cause.strerror or 'no space left on device'}); "
                "free some space or export to another disk, then export again"
            )
        if isinstance(cause, OSError) and cause.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return ExportError(f"{path}: cannot write here ({cause.strerror}); choose another output folder")
        cause = cause.__cause__
    if isinstance(exc, ExportError):
        return exc
    text = exc.one_line() if isinstance(exc, MediaError) else str(exc)
    return ExportError(f"{path}: writing the export failed ({text})")


@contextlib.contextmanager
def atomic_folder(final: Path) -> Iterator[Path]:
    """A temporary folder beside ``final`` that replaces ``final`` when the block succeeds; removed,
    with ``final`` untouched, when the block raises."""
    temp = temp_name(final)
    shutil.rmtree(temp, ignore_errors=True)
    try:
        temp.mkdir()
    except OSError as exc:
        raise write_error(final, exc) from exc
    try:
        yield temp
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    replace_folder(temp, final)


def replace_folder(temp: Path, final: Path) -> None:
    old = None
    try:
        if final.exists():
            old = final.with_name(f".{final.name}.old-{os.getpid()}")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(final, old)
        os.replace(temp, final)
    except OSError as exc:
        shutil.rmtree(temp, ignore_errors=True)
        if old is not None and not final.exists():
            os.replace(old, final)
        raise write_error(final, exc) from exc
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def atomic_file(final: Path) -> Iterator[Path]:
    """A temporary file name beside ``final``, renamed to ``final`` when the block succeeds."""
    temp = temp_name(final)
    try:
        yield temp
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    try:
        os.replace(temp, final)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise write_error(final, exc) from exc
