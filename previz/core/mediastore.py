"""The media store: immutable, content-addressed files ``media/ab/abcdef….ext`` named by SHA-256.

Files are written to a temporary name in ``media/tmp/`` and renamed into place, so a crash never leaves a
half-written file under a final name. Storing the same content twice stores it once. Temporary names start
with the writer's pid, so what a killed process left is recognised and removed (``clear_stale_tmp``).
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from previz.core import partials
from previz.core.bundle import os_error
from previz.core.errors import MediaError

HASH_RE = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class FileDigest:
    """A file's SHA-256 and the size, modification time and inode it had when its bytes were hashed.

    Made where a file is finished (the helper process or thread that encoded a clip), so that storing it
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
        """A fresh path under ``media/tmp`` for work in progress (e.g. an encoder's output)."""
        try:
            self.tmp.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f"{os.getpid()}-", suffix=f".{ext.lstrip('.')}", dir=self.tmp)
        except OSError as exc:
            raise self._write_error(exc) from None
        os.close(fd)
        return Path(name)

    def adopt(self, temp_file: Path, ext: str, hashed: FileDigest | None = None) -> tuple[str, Path]:
        """Move a finished file from ``media/tmp`` into place under its hash; returns (hash, path).
        ``hashed``: the file's digest made where it was written (:meth:`FileDigest.of`), used when the file
        is unchanged since (a ``stat``); a file changed since is refused (MediaError) and removed."""
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
        if final.exists():
            temp_file.unlink(missing_ok=True)
        else:
            try:
                final.parent.mkdir(parents=True, exist_ok=True)
                os.chmod(temp_file, 0o444)
                os.replace(temp_file, final)
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

    def stale_tmp(self) -> list[Path]:
        """Files in ``media/tmp`` left by processes that are no longer alive."""
        return partials.stale(self.tmp, partials.MEDIA_TEMP)

    def clear_stale_tmp(self) -> list[Path]:
        """Remove what dead processes left in ``media/tmp``; a live writer's files stay. Returns what went."""
        return partials.remove(self.stale_tmp())

    def clear_tmp(self) -> int:
        """Remove leftovers of interrupted writes; returns how many files went."""
        if not self.tmp.is_dir():
            return 0
        count = 0
        for f in self.tmp.iterdir():
            f.unlink(missing_ok=True)
            count += 1
        return count
