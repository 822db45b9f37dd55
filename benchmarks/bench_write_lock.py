"""The window while another process holds the project's write lock (a render node or the CLI writing its
take, a long import): the longest gap of a 10 ms QTimer on the UI thread.

The main window is open on the sample project and a long animatic job runs through the app's queue (its
progress written every 0.25 s); meanwhile another process takes the bundle's write lock
(``BEGIN IMMEDIATE``) for ``--hold`` seconds, ``--times`` times. A writer on the UI thread waits there for the
lock (SQLite's busy handler): the window freezes for as long as the lock is held. Prints the longest gap,
how many gaps passed 100 ms and 16 ms, and the ratio longest gap / 16 ms (one frame at 60 Hz).

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_write_lock.py [--hold S] [--times N]

Compare two trees side by side: ``PYTHONPATH=/path/to/other/tree`` runs the other tree's app with this
script.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HOLDER = """
import sqlite3, sys, time
hold, times = float(sys.argv[2]), int(sys.argv[3])
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
for _ in range(times):
    c.execute("BEGIN IMMEDIATE")
    time.sleep(hold)
    c.execute("COMMIT")
    time.sleep(1.5)
"""


def pump(app, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.002)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hold", type=float, default=1.0, help="seconds the other process holds the lock")
    parser.add_argument("--times", type=int, default=3)
    args = parser.parse_args()

    from PySide6.QtCore import QTimer

    from previz.demo import build_sample
    from previz.ui.app import create_app
    from previz.ui.main_window import MainWindow

    session = build_sample(Path(tempfile.mkdtemp(prefix="previz-bench-lock-")) / "sample")
    root = session.root
    session.close()
    app = create_app()
    window = MainWindow()
    window.resize(1600, 960)
    window.show()
    window.open_project(root)
    session, runner = window.session, window.widgets["queue"].runner
    window.controller.edit(lambda: session.set_shot("001_0010", duration_frames=4800))
    pump(app, 1.0)  # thumbnails and the first paint out of the way
    runner.enqueue_later(["001_0010"])
    if runner.paused:
        runner.run()
    deadline = time.monotonic() + 120
    while not (session.jobs() and session.jobs()[0].progress_done):  # the job has written progress
        if time.monotonic() > deadline:
            print("the job never reported progress", file=sys.stderr)
            return 1
        pump(app, 0.01)
    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)
    timer.start()
    last[0] = time.perf_counter()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(root / "project.sqlite"), str(args.hold), str(args.times)]
    )
    while holder.poll() is None:
        app.processEvents()
        time.sleep(0.001)
    timer.stop()
    job = session.jobs()[0]
    longest = max(gaps) * 1e3
    print(f"another process held the write lock {args.times} x {args.hold:.1f} s while a job ran")
    print(f"job: {job.state} {job.progress_done}/{job.progress_total}")
    print(f"longest 10 ms timer gap      {longest:7.0f} ms   < 16 ms   {longest / 16:6.2f}")
    print(f"gaps over 100 ms             {sum(g > 0.1 for g in gaps):7d}")
    print(f"gaps over 16 ms              {sum(g > 0.016 for g in gaps):7d} of {len(gaps)}")
    runner.shutdown()
    window.close()
    return 0


if __name__ == "__main__":  # the app's worker process imports this module again: only here does it run
    sys.exit(main())
