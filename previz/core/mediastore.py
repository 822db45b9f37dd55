"""The media store: immutable, content-addressed files ``media/ab/abcdef….ext`` named by SHA-256.

The media root may be a folder shared by many machines (NFS, SMB) that write it at the same time. A file is
written under a temporary name in ``media/tmp/`` (the same file system as its final place), flushed to disk,
then linked or renamed into place, so a crash never leaves a half-written file under a final name and two
writers of the same content end with one intact file: the first in place is kept, the other dropped.

Temporary names are ``PID-HOST-RANDOM.ext``: unique per machine and process, so writers never collide, and
what a killed process left is recognised. ``clear_stale_tmp`` removes a file only when its writer is known
dead (this machine's pid) or when it is old (``STALE_TMP_AGE``): another machine's write in progress is
never touched. Ages are measured against the media root's own clock (the time it gives a file written now),
so a workstation whose clock is wrong does not make fresh files look old.

A file's name is its hash, and :meth:`MediaStore.verify` reads it back to check (a truncated copy on shared
storage is reported, naming the file).
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
import socket
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from previz.core import partials
from previz.core.bundle import os_error
from previz.core.errors import MediaError, PrevizError

HASH_RE = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 1 << 20
#: A temporary file of another machine (or of no known writer) older than this is an abandoned write.
STALE_TMP_AGE = 3600.0
#: ``PID-HOST-RANDOM…`` (optionally hidden, as an encoder's partial output beside it is).
_TEMP_NAME = re.compile(r"^\.?(?P<pid>\d+)-(?P<host>[A-Za-z0-9_]+)-[a-z0-9_]{8}(?:\.|$)")
#: ``link`` refused because the file system has no hard links (some SMB shares): rename instead.
_NO_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS, errno.EMLINK, errno.EXDEV}


def host_token() -> str:
    """This machine's name as it appears in temporary file names: letters, digits and ``_`` only."""
    return re.sub(r"[^A-Za-z0-9]", "_", socket.gethostname())[:40] or "unknown"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class FileDigest:
    """A file's SHA-256 and the size, modification time and inode it had when its bytes were hashed.

    Made where a file is finished (the worker process or thread that encoded a clip), so that storing it
    on the app's UI thread does not read the whole file again: :meth:`MediaStore.adopt` accepts the digest
    only while the file still has this size, modification time and inode (a ``stat``, not a read), and
    refuses it otherwise. Any rewrite of the file after hashing changes at least one of them."""

    digest: str
    size: int
    mtime_ns: int
    inode: int

    @classmethod
    def of(cls, path: Path) -> FileDigest:
        """Hash ``path``; raises MediaError when the file changed while it was read."""
        try:
            before = os.stat(path)
            digest = sha256_file(path)
            after = os.stat(path)
        except OSError as exc:
            raise MediaError(f"{path}: cannot read it to hash ({exc.strerror})") from None
        if _stamp(before) != _stamp(after):
            raise MediaError(f"{path}: it changed while it was hashed; write it again")
        return cls(digest, *_stamp(after))

    def matches(self, path: Path) -> bool:
        """Whether ``path`` still has the size, modification time and inode it had when hashed."""
        try:
            return _stamp(os.stat(path)) == (self.size, self.mtime_ns, self.inode)
        except OSError:
            return False


def _stamp(st: os.stat_result) -> tuple[int, int, int]:
    return st.st_size, st.st_mtime_ns, st.st_ino


def _fsync(path: Path) -> None:
    """Flush a file's bytes (or a folder's entries) to disk; folders that cannot be opened are skipped."""
    is_dir = path.is_dir()
    try:
        fd = os.open(path, os.O_RDONLY if is_dir else os.O_RDWR)
    except OSError:
        if is_dir:
            return  # Windows, or a file system that does not open folders: nothing more to do
        fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:
        if not is_dir:
            raise
    finally:
        os.close(fd)


class MediaStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    def path(self, digest: str, ext: str) -> Path:
        return self.root / digest[:2] / f"{digest}.{ext.lstrip('.').lower()}"

    def _write_error(self, exc: OSError) -> Exception:
        """A read-only project or a full disk as its one-line ProjectError; any other OS error as it is."""
        return os_error(self.root.parent, exc) or exc

    def new_temp_path(self, ext: str) -> Path:
        """A fresh, empty file under ``media/tmp`` for work in progress (e.g. an encoder's output), named
        ``PID-HOST-RANDOM.ext`` so that no other process or machine writing this media root picks it."""
        try:
            self.tmp.mkdir(parents=True, exist_ok=True)
            prefix = f"{os.getpid()}-{host_token()}-"
            fd, name = tempfile.mkstemp(prefix=prefix, suffix=f".{ext.lstrip('.')}", dir=self.tmp)
        except OSError as exc:
            raise self._write_error(exc) from None
        os.close(fd)
        return Path(name)

    def adopt(self, temp_file: Path, ext: str, hashed: FileDigest | None = None) -> tuple[str, Path]:
        """Move a finished file from ``media/tmp`` into place under its hash; returns (hash, path).
        ``hashed``: the file's digest made where it was written (:meth:`FileDigest.of`), used when the file
        is unchanged since (a ``stat``); a file changed since is refused (MediaError) and removed.

        The bytes are flushed to disk before the file gets its final name. When another writer stored the
        same content first, theirs is kept and this file dropped, unless theirs has another size (a
        truncated copy), which this complete one then replaces."""
        if hashed is None:
            digest = sha256_file(temp_file)
        elif hashed.matches(temp_file) and HASH_RE.match(hashed.digest):
            digest = hashed.digest
        else:
            temp_file.unlink(missing_ok=True)
            raise MediaError(
                f"{temp_file}: its bytes changed after they were hashed (size, time or file differ), so "
                "they may not match the digest; make the file again"
            )
        final = self.path(digest, ext)
        try:
            _fsync(temp_file)
            os.chmod(temp_file, 0o444)
            final.parent.mkdir(parents=True, exist_ok=True)
            _place(temp_file, final)
        except OSError as exc:
            temp_file.unlink(missing_ok=True)
            raise self._write_error(exc) from None
        return digest, final

    def put_file(self, source: Path, ext: str | None = None) -> tuple[str, Path]:
        """Copy an outside file into the store; returns (hash, path)."""
        source = Path(source)
        if not source.is_file():
            raise MediaError(f"{source}: no such file")
        ext = ext or source.suffix.lstrip(".").lower() or "bin"
        temp = self.new_temp_path(ext)
        try:
            shutil.copyfile(source, temp)
        except OSError as exc:
            temp.unlink(missing_ok=True)
            if exc.filename == str(temp) or exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise self._write_error(exc) from None
            raise MediaError(f"{source}: cannot copy into the project ({exc.strerror})") from None
        return self.adopt(temp, ext)

    def copy_from(self, source: MediaStore, digest: str, ext: str) -> Path:
        """Copy one stored file from another media root (a project copy), checking its hash on the way: a
        damaged source is refused (MediaError naming it) and nothing is stored. A file already here with
        intact content is kept without copying. Returns the path here."""
        here = self.path(digest, ext)
        if here.is_file():
            try:
                return self.verify(digest, ext)
            except MediaError:
                here.unlink(missing_ok=True)  # a damaged copy here: replaced below by a checked one
        src = source.path(digest, ext)
        if not src.is_file():
            raise MediaError(f"{src}: missing from the media root {source.root}; restore it, then copy again")
        temp = self.new_temp_path(ext)
        try:
            shutil.copyfile(src, temp)
            hashed = FileDigest.of(temp)
        except (OSError, MediaError) as exc:
            temp.unlink(missing_ok=True)
            if isinstance(exc, OSError) and exc.filename == str(temp):
                raise self._write_error(exc) from None
            raise MediaError(f"{src}: cannot copy it ({getattr(exc, 'strerror', None) or exc})") from None
        if hashed.digest != digest:
            temp.unlink(missing_ok=True)
            raise _mismatch(src, digest, hashed.digest)
        _, final = self.adopt(temp, ext, hashed)
        return final

    def verify(self, digest: str, ext: str) -> Path:
        """Read a stored file back and check that its bytes hash to its name; returns its path. Raises
        MediaError naming the file when it is missing or its content does not match (a truncated or
        damaged copy on shared storage)."""
        path = self.path(digest, ext)
        try:
            actual = sha256_file(path)
        except FileNotFoundError:
            raise MediaError(f"{path}: missing from the media root; restore it from a backup") from None
        except OSError as exc:
            raise MediaError(f"{path}: cannot read it to check its content ({exc.strerror})") from None
        if actual != digest:
            raise _mismatch(path, digest, actual)
        return path

    def find(self, digest: str) -> Path | None:
        folder = self.root / digest[:2]
        if not folder.is_dir():
            return None
        for candidate in folder.glob(f"{digest}.*"):
            return candidate
        return None

    def all_files(self) -> list[tuple[str, Path]]:
        """Every stored file as (hash, path); files in ``tmp/`` are not stored media."""
        out = []
        if not self.root.is_dir():
            return out
        for sub in self.root.iterdir():
            if sub.name == "tmp" or not sub.is_dir():
                continue
            for f in sub.iterdir():
                digest = f.name.split(".", 1)[0]
                if HASH_RE.match(digest):
                    out.append((digest, f))
        return out

    def now(self) -> float:
        """The media root's clock: the modification time it gives a file written now (on a network share,
        the server's time), so that ages of files are measured on one clock whatever this machine's says.
        Falls back to this machine's clock where nothing can be written."""
        try:
            probe = self.new_temp_path("clock")
        except (OSError, PrevizError):
            return time.time()
        try:
            return probe.stat().st_mtime
        finally:
            probe.unlink(missing_ok=True)

    def stale_tmp(self, max_age: float = STALE_TMP_AGE, clock: Callable[[], float] = time.time) -> list[Path]:
        """Files in ``media/tmp`` that nobody is writing: those of a process of this machine that is no
        longer alive, and any other (another machine's, or of no known writer) not modified for
        ``max_age`` seconds by ``clock`` (read once, only when such a file is there; this machine's clock
        unless told, so that a check only reads). A live process's file on this machine is never stale."""
        now: float | None = None
        if not self.tmp.is_dir():
            return []
        here = host_token()
        out: list[Path] = []
        for entry in sorted(self.tmp.iterdir()):
            named = _TEMP_NAME.match(entry.name)
            pid = partials.owner_pid(entry.name, partials.MEDIA_TEMP)
            local = pid is not None and (named is None or named["host"] == here)  # unnamed host: older names
            if local:
                if not partials.pid_alive(pid):
                    out.append(entry)
                continue
            if now is None:
                now = clock()
            try:
                age = now - entry.lstat().st_mtime
            except OSError:
                continue  # gone meanwhile
            if age > max_age:
                out.append(entry)
        return out

    def clear_stale_tmp(self, max_age: float = STALE_TMP_AGE) -> list[Path]:
        """Remove the temporary files nobody is writing (:meth:`stale_tmp`, ages by the media root's clock);
        returns what went."""
        return partials.remove(self.stale_tmp(max_age, self.now))


def _place(temp: Path, final: Path) -> None:
    """Give the flushed file ``temp`` its final name ``final``, keeping a complete file another writer
    placed there first. ``link`` fails when the name exists, where a rename would replace it (on NFS,
    under a reader that has it open)."""
    size = temp.stat().st_size
    try:
        os.link(temp, final)
    except FileExistsError:
        if _size(final) == size:
            temp.unlink()  # someone else stored the same content: keep theirs
            return
        os.replace(temp, final)  # theirs is damaged (another size): this complete copy replaces it
    except OSError as exc:
        if exc.errno not in _NO_LINKS:
            raise
        if _size(final) == size:
            temp.unlink()
            return
        os.replace(temp, final)
    else:
        temp.unlink()
    _fsync(final.parent)


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def _mismatch(path: Path, expected: str, actual: str) -> MediaError:
    return MediaError(
        f"{path}: its content does not match its name (SHA-256 {actual[:12]}…, expected {expected[:12]}…): "
        "the copy is damaged or truncated; restore it from a backup, or make the take again"
    )
