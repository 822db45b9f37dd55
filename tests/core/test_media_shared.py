"""A media root shared by many machines: writes stay atomic and never collide, a write in progress of
another machine is never cleared, and a file whose content does not match its name is reported."""

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import previz
from previz.core.errors import MediaError
from previz.core.mediastore import MediaStore, host_token, sha256_file

HOUR = 3600

WRITER = """
import sys, time
from pathlib import Path
from previz.core.mediastore import MediaStore
store, folder, n = MediaStore(Path(sys.argv[1])), Path(sys.argv[2]), sys.argv[3]
(folder / f"ready-{n}").touch()
deadline = time.monotonic() + 60
while not (folder / "go").exists():
    if time.monotonic() > deadline:
        sys.exit("never told to go")
    time.sleep(0.001)
for round in range(20):
    for source in sorted(folder.glob("content-*")):
        digest, path = store.put_file(source, "mp4")
        print(digest, path, flush=True)
"""


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def _wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.01)


def test_writers_storing_the_same_content_at_once_end_with_one_intact_file_and_no_temp_files(tmp_path):
    store = MediaStore(tmp_path / "media")
    contents = [os.urandom(1 << 20) * (i + 1) for i in range(3)]
    for i, data in enumerate(contents):
        (tmp_path / f"content-{i}").write_bytes(data)
    env = dict(os.environ, PYTHONPATH=str(Path(previz.__file__).parent.parent))
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(store.root), str(tmp_path), str(n)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for n in range(4)
    ]
    _wait_for(lambda: len(list(tmp_path.glob("ready-*"))) == 4, "the writers to start")
    (tmp_path / "go").touch()
    outputs = [w.communicate(timeout=120) for w in writers]
    assert [w.returncode for w in writers] == [0] * 4, [err for _, err in outputs]
    expected = {hashlib.sha256(data).hexdigest() for data in contents}
    reported = {line.split()[0] for out, _ in outputs for line in out.splitlines()}
    assert reported == expected
    stored = store.all_files()
    assert sorted(d for d, _ in stored) == sorted(expected)
    for digest, path in stored:
        assert sha256_file(path) == digest and not path.stat().st_mode & 0o222
    assert list(store.tmp.iterdir()) == []


def test_content_another_writer_stored_first_is_kept_and_ours_dropped(tmp_path):
    mine, theirs = MediaStore(tmp_path / "media"), MediaStore(tmp_path / "media")
    source = tmp_path / "clip.mp4"
    source.write_bytes(b"frames " * 5000)
    digest, placed = theirs.put_file(source)
    inode = placed.stat().st_ino
    assert mine.put_file(source) == (digest, placed)
    assert placed.stat().st_ino == inode  # theirs, untouched (a reader that has it open keeps reading)
    assert list(mine.tmp.iterdir()) == []


def test_a_truncated_file_under_the_final_name_is_replaced_by_a_complete_write(tmp_path):
    store = MediaStore(tmp_path / "media")
    source = tmp_path / "clip.mp4"
    source.write_bytes(b"frames " * 5000)
    digest = sha256_file(source)
    damaged = store.path(digest, "mp4")
    damaged.parent.mkdir(parents=True)
    damaged.write_bytes(source.read_bytes()[:1000])  # a copy cut short on its way to the share
    assert store.put_file(source) == (digest, damaged)
    assert store.verify(digest, "mp4") == damaged
    assert list(store.tmp.iterdir()) == []


def test_temporary_names_carry_the_writer_and_its_machine(tmp_path):
    store = MediaStore(tmp_path / "media")
    first, second = store.new_temp_path("mp4"), store.new_temp_path("mp4")
    assert first != second and first.parent == second.parent == store.tmp
    assert first.name.startswith(f"{os.getpid()}-{host_token()}-") and first.suffix == ".mp4"


def test_only_temporary_files_nobody_is_writing_are_cleared(tmp_path):
    store = MediaStore(tmp_path / "media")
    store.tmp.mkdir(parents=True)
    other_fresh = store.tmp / "4242-render_node_07-abcd1234.mp4"  # another machine, writing now
    other_old = store.tmp / "4242-render_node_07-efgh5678.mp4"  # another machine, abandoned
    encoding = store.tmp / ".4242-render_node_07-ijkl9012.partial-4242.mp4"  # its encoder, writing now
    mine_old = store.new_temp_path("mp4")  # this process is alive: never stale, however old
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    dead_here = store.tmp / f"{int(dead.stdout)}-{host_token()}-mnop3456.mp4"  # killed writer, this machine
    for path in (other_fresh, other_old, encoding, dead_here):
        path.write_bytes(b"half")
    _age(other_old, 2 * HOUR)
    _age(mine_old, 2 * HOUR)
    _age(other_fresh, 0.5 * HOUR)

    assert sorted(store.clear_stale_tmp()) == sorted([other_old, dead_here])
    assert sorted(store.tmp.iterdir()) == sorted([other_fresh, encoding, mine_old])
    _age(other_fresh, 2 * HOUR)
    assert store.clear_stale_tmp(max_age=3 * HOUR) == []
    assert store.clear_stale_tmp() == [other_fresh]


def test_verify_names_a_file_whose_content_does_not_match_its_hash(tmp_path):
    store = MediaStore(tmp_path / "media")
    source = tmp_path / "clip.mp4"
    source.write_bytes(b"frames " * 5000)
    digest, path = store.put_file(source)
    assert store.verify(digest, "mp4") == path
    path.chmod(0o644)
    path.write_bytes(b"frames " * 4000)  # truncated on shared storage
    with pytest.raises(MediaError, match="does not match its name") as caught:
        store.verify(digest, "mp4")
    assert str(path) in caught.value.one_line()
    path.unlink()
    with pytest.raises(MediaError, match=f"{path}: missing from the media root"):
        store.verify(digest, "mp4")


def test_copying_between_media_roots_refuses_a_damaged_source(tmp_path):
    source, target = MediaStore(tmp_path / "a" / "media"), MediaStore(tmp_path / "b" / "media")
    good = tmp_path / "good.png"
    good.write_bytes(b"png " * 100)
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"other " * 100)
    good_hash, _ = source.put_file(good)
    bad_hash, bad_path = source.put_file(bad)
    bad_path.chmod(0o644)
    bad_path.write_bytes(b"other " * 50)

    copied = target.copy_from(source, good_hash, "png")
    assert copied == target.path(good_hash, "png") and copied.read_bytes() == good.read_bytes()
    assert target.copy_from(source, good_hash, "png") == copied  # already there, intact
    damaged_here = target.path(good_hash, "png")
    damaged_here.chmod(0o644)
    damaged_here.write_bytes(b"PNG " * 100)  # same size, other bytes
    assert target.copy_from(source, good_hash, "png") == copied
    assert target.verify(good_hash, "png") == copied  # replaced by a checked copy
    with pytest.raises(MediaError, match=f"{bad_path}: its content does not match its name"):
        target.copy_from(source, bad_hash, "png")
    assert [d for d, _ in target.all_files()] == [good_hash]
    assert list(target.tmp.iterdir()) == []
