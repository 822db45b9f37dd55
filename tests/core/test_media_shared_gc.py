"""`previz gc` on a shared media root: it removes only media that nothing needs, never a file written
within the grace period (another machine may not have committed its row yet) nor one a queued or running
job will read, and never another machine's temporary file in progress."""

import os
import time

import cv2
import numpy as np

from previz.core.gc import collect_garbage
from previz.media.library import import_media_file

HOUR = 3600
DAY = 24 * HOUR


def _png(path, value):
    cv2.imwrite(str(path), np.full((20, 30, 3), value, np.uint8))
    return path


def _stored(session, tmp_path, value):
    info = import_media_file(session, _png(tmp_path / f"{value}.png", value))
    return info.hash, session.media.path(info.hash, "png")


def _age(path, seconds):
    then = time.time() - seconds
    os.utime(path, (then, then))


def _rows(session):
    return {r["hash"] for r in session.table_rows("media")}


def test_unreferenced_media_are_kept_for_the_grace_period_then_removed(populated, tmp_path):
    old, old_path = _stored(populated, tmp_path, 10)
    fresh, fresh_path = _stored(populated, tmp_path, 20)
    _age(old_path, 2 * DAY)
    _age(fresh_path, 2 * HOUR)

    report = collect_garbage(populated)
    assert (report.removed_files, report.kept_recent, report.kept_files) == (1, 1, 0)
    assert report.removed_bytes == len(_png(tmp_path / "again.png", 10).read_bytes())
    assert not old_path.exists() and fresh_path.exists()
    assert _rows(populated) == {fresh}  # its row too: a take may be about to refer to it
    assert "1 written in the last 24 h" in report.summary()

    report = collect_garbage(populated, grace_seconds=HOUR)
    assert (report.removed_files, report.kept_recent, report.grace_seconds) == (1, 0, HOUR)
    assert not fresh_path.exists() and _rows(populated) == set() and old not in _rows(populated)


def test_media_named_by_a_queued_or_running_job_are_kept_until_it_ends(populated, tmp_path):
    panel, panel_path = _stored(populated, tmp_path, 30)
    _age(panel_path, 2 * DAY)
    job = populated.add_job("generate", {"request": {"mode": "i2v", "images": [panel]}}, shot="001_0010")

    report = collect_garbage(populated)
    assert (report.removed_files, report.kept_for_jobs) == (0, 1)
    populated.update_job(job.id, state="running")
    assert collect_garbage(populated).kept_for_jobs == 1
    assert panel_path.exists() and panel in _rows(populated)

    populated.update_job(job.id, state="done")
    report = collect_garbage(populated)
    assert (report.removed_files, report.kept_for_jobs) == (1, 0)
    assert not panel_path.exists() and panel not in _rows(populated)


def test_gc_clears_abandoned_temporary_files_but_not_a_write_in_progress(populated):
    tmp = populated.media.tmp
    tmp.mkdir(parents=True, exist_ok=True)
    in_progress = tmp / "4242-render_node_07-abcd1234.mp4"
    abandoned = tmp / "4242-render_node_07-efgh5678.mp4"
    for path in (in_progress, abandoned):
        path.write_bytes(b"half-written clip")
    _age(abandoned, 3 * HOUR)
    mine = populated.media.new_temp_path("mp4")

    assert collect_garbage(populated).temp_files == 1
    assert sorted(tmp.iterdir()) == sorted([in_progress, mine])


def test_a_damaged_file_in_use_is_reported_by_name_and_kept(populated, tmp_path):
    board, board_path = _stored(populated, tmp_path, 40)
    populated.set_shot("001_0010", board_hash=board)
    data = board_path.read_bytes()
    board_path.chmod(0o644)
    board_path.write_bytes(data[: len(data) // 2])  # truncated on shared storage

    report = collect_garbage(populated)
    assert report.kept_files == 1 and board_path.exists()
    assert len(report.damaged) == 1 and str(board_path) in report.damaged[0]
    assert "truncated or damaged" in report.damaged[0] and "1 damaged" in report.summary()

    board_path.write_bytes(bytes(len(data)))  # same size, other bytes: only reading tells
    assert collect_garbage(populated).damaged == ()
    report = collect_garbage(populated, verify=True)
    assert (
        len(report.damaged) == 1 and f"{board_path}: its content does not match its name" in report.damaged[0]
    )
