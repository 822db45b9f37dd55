"""A digest made where a file was written (``FileDigest.of``) lets the media store adopt the file without
reading it again, but only while the file is unchanged: bytes that may not match the digest are refused,
so a stored file is always named by the SHA-256 of its own bytes."""

import os

import pytest

from previz.core.errors import MediaError
from previz.core.mediastore import FileDigest, MediaStore, sha256_file


def _temp(store: MediaStore, data: bytes):
    path = store.new_temp_path("mp4")
    path.write_bytes(data)
    return path


def test_a_digest_made_elsewhere_stores_the_file_under_the_hash_of_its_bytes(tmp_path):
    store = MediaStore(tmp_path / "media")
    path = _temp(store, b"frames " * 1000)
    hashed = FileDigest.of(path)
    digest, stored = store.adopt(path, "mp4", hashed)
    assert digest == hashed.digest == sha256_file(stored)
    assert stored == store.path(digest, "mp4") and not path.exists()


def test_a_file_rewritten_after_hashing_is_refused_and_nothing_is_stored(tmp_path):
    store = MediaStore(tmp_path / "media")
    path = _temp(store, b"frames " * 1000)
    hashed = FileDigest.of(path)
    path.write_bytes(b"other! " * 1000)  # same size, other bytes
    os.utime(path, ns=(hashed.mtime_ns + 1_000_000, hashed.mtime_ns + 1_000_000))
    with pytest.raises(MediaError, match="bytes changed after they were hashed"):
        store.adopt(path, "mp4", hashed)
    assert store.all_files() == [] and not path.exists()


def test_a_digest_of_another_file_is_refused(tmp_path):
    store = MediaStore(tmp_path / "media")
    first, second = _temp(store, b"a" * 100), _temp(store, b"b" * 100)
    with pytest.raises(MediaError, match="may not match the digest"):
        store.adopt(second, "mp4", FileDigest.of(first))  # another inode
    assert store.all_files() == []
    digest, stored = store.adopt(first, "mp4", FileDigest.of(first))
    assert sha256_file(stored) == digest
