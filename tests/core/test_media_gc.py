import hashlib
import os
import time

import cv2
import numpy as np
import pytest

from previz.core.errors import MediaError
from previz.media.library import import_media_file


def _png(path, value=128):
    cv2.imwrite(str(path), np.full((20, 30, 3), value, np.uint8))
    return path


def test_files_are_stored_once_under_their_sha256_and_are_read_only(session, tmp_path):
    src = _png(tmp_path / "a.png")
    info = import_media_file(session, src)
    again = import_media_file(session, _png(tmp_path / "copy.png"))
    assert info.hash == again.hash == hashlib.sha256(src.read_bytes()).hexdigest()
    stored = session.media.path(info.hash, "png")
    assert stored == session.root / "media" / info.hash[:2] / f"{info.hash}.png"
    assert stored.read_bytes() == src.read_bytes()
    assert (info.width, info.height, info.kind) == (30, 20, "image")
    assert not stored.stat().st_mode & 0o222
    assert not list(session.media.tmp.iterdir())


def test_a_file_that_is_not_an_image_is_refused_before_anything_is_stored(session, tmp_path):
    bad = tmp_path / "panel.png"
    bad.write_bytes(b"this is not a png")
    with pytest.raises(MediaError, match="panel.png"):
        import_media_file(session, bad)
    assert session.table_rows("media") == []
    assert session.media.all_files() == []


def test_gc_removes_only_media_nothing_refers_to(populated, tmp_path):
    used = import_media_file(populated, _png(tmp_path / "used.png", 10))
    populated.set_shot("001_0010", board_hash=used.hash)
    unused = import_media_file(populated, _png(tmp_path / "unused.png", 20))
    in_history = import_media_file(populated, _png(tmp_path / "history.png", 30))
    populated.set_shot("001_0020", board_hash=in_history.hash)
    populated.set_shot("001_0020", board_hash=None)  # undo would bring it back: keep it
    writing = populated.media.new_temp_path("mp4")  # this process is alive: a write in progress
    writing.write_bytes(b"half-written")
    (populated.root / "cache" / "thumb.jpg").write_bytes(b"cache")
    for _, path in populated.media.all_files():  # written long ago: past the grace period
        os.utime(path, (time.time() - 2 * 86400,) * 2)
    report = populated.collect_garbage()
    assert (report.removed_files, report.kept_files, report.temp_files, report.kept_recent) == (1, 2, 0, 0)
    assert writing.exists()
    assert not populated.media.path(unused.hash, "png").exists()
    assert populated.media.path(used.hash, "png").exists()
    assert populated.media.path(in_history.hash, "png").exists()
    assert {r["hash"] for r in populated.table_rows("media")} == {used.hash, in_history.hash}
    assert (populated.root / "cache" / "thumb.jpg").exists()
    populated.undo()
    assert populated.media_path(populated.shot("001_0020").board_hash).exists()
