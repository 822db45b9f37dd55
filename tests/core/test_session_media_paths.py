"""``media_paths``: the files of many media in one read (the boards of a whole cut), each looked up once per
session; ``media_path`` shares what it found and still refuses a digest the project has no media for."""

import cv2
import numpy as np
import pytest
from sqlalchemy import event

from previz.core.errors import NotFoundError
from previz.media.library import import_media_file


def _png(path, value):
    cv2.imwrite(str(path), np.full((20, 30, 3), value, np.uint8))
    return path


def test_media_paths_reads_many_once_and_media_path_shares_them(session, tmp_path):
    infos = [import_media_file(session, _png(tmp_path / f"b{i}.png", 10 * i + 5)) for i in range(5)]
    hashes = [i.hash for i in infos]
    selects = []

    def count(_conn, _cursor, statement, *_args):
        if "FROM media" in statement:
            selects.append(statement)

    event.listen(session.engine, "before_cursor_execute", count)
    try:
        paths = session.media_paths([*hashes, "0" * 64, hashes[0], ""])
        assert paths == {h: session.media.path(h, "png") for h in hashes}  # the unknown one left out
        assert all(p.is_file() for p in paths.values())
        assert len(selects) == 1
        assert [session.media_path(h) for h in hashes] == [paths[h] for h in hashes]
        assert session.media_paths(hashes[:2]) == {h: paths[h] for h in hashes[:2]}
        assert len(selects) == 1  # looked up once per session
        with pytest.raises(NotFoundError):
            session.media_path("0" * 64)
    finally:
        event.remove(session.engine, "before_cursor_execute", count)


def test_a_media_whose_file_is_gone_is_looked_up_again(session, tmp_path):
    info = import_media_file(session, _png(tmp_path / "b.png", 40))
    path = session.media_path(info.hash)
    path.chmod(0o644)
    path.unlink()  # as the garbage collector removes a file with its row
    assert session.media_path(info.hash) == path  # its row is still there: the same place
    assert session.media_paths([info.hash]) == {info.hash: path}
