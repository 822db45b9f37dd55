"""The generation queue panel with a project's job history: 20, 200 and 1,000 jobs (all but 20 finished),
offscreen Qt, the UI thread's CPU time.

A project keeps its finished jobs, and the panel lists every one. Measured: the jobs listed anew (the panel
opening, a Clear or a Retry: every row made), and a job that starts or ends (the order changes: running
first, finished last) — the same pause each time the queue moves on. Each beside the 16 ms frame budget as
a ratio (below 1.0 meets it).

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_queue_panel.py [JOBS ...]

``JOBS``: other project sizes than 20, 200 and 1,000.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PREVIZ_SETTINGS_DIR", tempfile.mkdtemp(prefix="previz-bench-settings-"))

BUDGET = 0.016
CLOCK = time.thread_time


def build(path: Path, jobs: int):
    """A project of 20 shots and ``jobs`` animatic jobs: the first 20 queued, the rest done."""
    from previz.core.session import ProjectSession
    from previz.generation import queue

    session = ProjectSession.create(path, name="Film", size="320x192")
    session.add_scene("INT. ROOM - DAY", number="1")
    for _ in range(20):
        session.add_shot("1", duration_frames=12)
    codes = [s.code for s in session.shots()]
    for seed in range(jobs // len(codes)):
        queue.enqueue(session, codes, backend="animatic", seed=seed)
    for job in session.jobs()[20:]:
        session.update_job(job.id, state="done", progress_done=12, progress_total=12)
    return session


def measure(app, jobs: int, work: Path) -> tuple[float, float]:
    """(listed anew, a job starting or ending): medians, seconds of the UI thread's CPU."""
    from previz.ui.controller import ProjectController
    from previz.ui.queue.panel import QueuePanel

    session = build(work / f"film-{jobs}", jobs)
    panel = QueuePanel(ProjectController(session))
    panel.resize(900, 300)
    panel.show()
    panel.pause()
    app.processEvents()
    anew, moves = [], []
    for _ in range(5):
        t = CLOCK()
        panel.reload()
        app.processEvents()
        anew.append(CLOCK() - t)
    for job in session.jobs()[:5]:
        for fields in ({"state": "running", "progress_total": 12}, {"state": "done", "progress_done": 12}):
            session.update_job(job.id, **fields)
            t = CLOCK()
            panel.refresh_jobs()
            app.processEvents()
            moves.append(CLOCK() - t)
    panel.shutdown()
    panel.deleteLater()
    app.processEvents()
    session.close()
    return statistics.median(anew), statistics.median(moves)


def main() -> int:
    from previz.ui.app import create_app

    app = create_app()
    work = Path(tempfile.mkdtemp(prefix="previz-bench-queue-"))
    print(f"{'jobs':<6} {'listed anew':>12} {'/ 16 ms':>8} {'a job starts or ends':>22} {'/ 16 ms':>8}")
    for jobs in [int(a) for a in sys.argv[1:]] or (20, 200, 1000):
        anew, move = measure(app, jobs, work)
        anew_ms, move_ms = anew * 1e3, move * 1e3
        print(f"{jobs:<6} {anew_ms:>9.1f} ms {anew / BUDGET:>8.2f} {move_ms:>19.1f} ms {move / BUDGET:>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
