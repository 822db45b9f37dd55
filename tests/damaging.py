"""Ways to damage a project the way disks and users do: random bytes over a page of project.sqlite, a
truncated file, a read-only mount, a full disk (a small tmpfs). Shared by tests/core and tests/cli."""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from previz.core.session import ProjectSession

#: In shot actions. The undo history stores rows as ASCII JSON (``\u00c9``), so these UTF-8 bytes are found
#: only on the shot table's pages: scrambling the page that holds them damages shot rows and nothing else.
MARKER = "MARKÉR-SHOT"


def make_project(root: Path, shots: int = 6) -> Path:
    """A closed bundle with two scenes and ``shots`` shots whose actions carry MARKER."""
    with ProjectSession.create(root / "film", name="Film") as s:
        s.add_scene("EXT. LIGHTHOUSE - NIGHT", number="1")
        s.add_scene("INT. LANTERN ROOM", number="2")
        for i in range(shots):
            s.add_shot("1" if i % 2 else "2", action=f"{MARKER} {i:05d} the beam sweeps", duration_frames=24)
    return root / "film.previz"


def page_of(db: Path, needle: bytes) -> tuple[int, int]:
    """(page size, 0-based index of the page holding ``needle``) in a database file."""
    data = db.read_bytes()
    size = int.from_bytes(data[16:18], "big")
    size = 65536 if size == 1 else size
    at = data.find(needle)
    assert at >= 0, f"{needle!r} not in {db}"
    return size, at // size


def scramble_page(db: Path, needle: bytes, seed: int = 7) -> int:
    """Overwrite, with random bytes, the page holding ``needle``; returns its index."""
    size, index = page_of(db, needle)
    noise = random.Random(seed).randbytes(size)
    with open(db, "r+b") as fh:
        fh.seek(index * size)
        fh.write(noise)
    return index


def scramble_middle(db: Path, seed: int = 7) -> None:
    """4 KiB of random bytes in the middle of the file, as in the bug report."""
    middle = db.stat().st_size // 2
    with open(db, "r+b") as fh:
        fh.seek(middle)
        fh.write(random.Random(seed).randbytes(4096))


def truncate_half(db: Path) -> None:
    os.truncate(db, db.stat().st_size // 2)


def _mount(*args: str) -> bool:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


def _umount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True)


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """Make ``folder`` read-only for this process the way a user meets it: ``chmod -R a-w`` for an
    ordinary user; root ignores permission bits, so for root a read-only bind mount (EROFS). Skips the test
    when neither is possible."""
    if os.geteuid() != 0:
        subprocess.run(["chmod", "-R", "a-w", str(folder)], check=True)
        try:
            yield
        finally:
            subprocess.run(["chmod", "-R", "u+w", str(folder)], check=True)
        return
    if not _mount("--bind", str(folder), str(folder)):
        pytest.skip("running as root and cannot bind-mount: no way to make a folder read-only for root")
    try:
        if not _mount("-o", "remount,bind,ro", str(folder)):
            pytest.skip("running as root and cannot remount read-only")
        yield
    finally:
        _umount(folder)


@contextlib.contextmanager
def small_disk(folder: Path, kib: int) -> Iterator[Path]:
    """A tmpfs of ``kib`` KiB mounted at ``folder``: a real full disk (ENOSPC from the kernel). Skips the
    test where mounting is not allowed (not root, or a container without CAP_SYS_ADMIN)."""
    folder.mkdir(parents=True, exist_ok=True)
    if not _mount("-t", "tmpfs", "-o", f"size={kib}k", "tmpfs", str(folder)):
        pytest.skip("cannot mount a small tmpfs here (needs root with CAP_SYS_ADMIN)")
    try:
        yield folder
    finally:
        _umount(folder)


def fill(folder: Path, leave_kib: int) -> None:
    """Fill the file system holding ``folder`` until about ``leave_kib`` KiB are free."""
    st = os.statvfs(folder)
    free = st.f_bavail * st.f_frsize
    size = max(0, free - leave_kib * 1024)
    with open(folder / "filler", "wb") as fh:
        fh.write(b"\0" * size)
