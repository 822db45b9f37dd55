"""SIGKILL in the middle of a large batch of edits: the project opens, integrity_check is ok, and the batch
is wholly there or wholly absent."""

import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

from previz.core.session import ProjectSession

WRITER = textwrap.dedent(
    """
    import sys
    from previz.core.session import ProjectSession
    s = ProjectSession.open(sys.argv[1])
    round = 0
    while True:
        round += 1
        with s.batch(f"Batch {round}"):
            s.add_scene(f"INT. ROOM {round} - DAY", number=str(round + 1))
            for i in range(300):
                s.add_shot(str(round + 1), action=f"beat {i}")
        print(round, flush=True)
    """
)


def test_sigkill_mid_batch_leaves_whole_batches_only(tmp_path):
    with ProjectSession.create(tmp_path / "film") as s:
        s.add_scene("INT. START - DAY", number="1")
    root = tmp_path / "film.previz"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(root)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "1"  # one batch committed, the next one under way
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    con = sqlite3.connect(root / "project.sqlite")
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    con.close()
    with ProjectSession.open(root) as s:
        scenes = s.scenes()
        assert len(scenes) >= 2
        for scene in scenes[1:]:
            assert len(s.shots(scene.number)) == 300, f"scene {scene.number} is half there"
        assert len(s.table_rows("history")) == len(scenes)
