"""Authoring speed in the app with a 1,000-shot project (10 scenes × 100 shots), offscreen Qt.

For *add shot* (after a shot in the middle of the cut) and *split at a frame*, each after a click on the
shot (made current and scrolled to, as a user selects it first; not timed), it measures, 20 times each:

- the edit: the core edit, its undo step, and every open view's refresh on the ``Changes`` (browser tree
  and grid, timeline, viewer, inspector, notes, queue, empty-project page);
- the repaint: the pending events processed (Qt repaints what the edit marked dirty);

and prints each beside the 16 ms frame budget as a ratio (below 1.0 meets it), with a forced repaint of
the whole window (no edit) beside it.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_authoring.py [--cpu]

``--cpu`` times with this process's CPU time instead of the wall clock: on a machine busy with other
work the wall clock counts their time too (everything measured runs on the one UI thread).
``--thread-cpu`` times with the CPU time of the UI thread alone: the app's background threads (the
warm-up imports after the first paint, the model scan, proxies) are not counted in an edit's figure.
``--window-only`` leaves out each view alone (for many runs alternating trees). ``--profile`` adds a
cProfile of the whole window's adds and splits (the 30 costliest calls by cumulative time): where the time
goes, before changing anything.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import threading
import time
from functools import partial
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PREVIZ_SETTINGS_DIR", tempfile.mkdtemp(prefix="previz-bench-settings-"))

BUDGET = 0.016
RUNS = 20
CLOCK = (
    time.thread_time
    if "--thread-cpu" in sys.argv
    else time.process_time
    if "--cpu" in sys.argv
    else time.perf_counter
)
CLOCK_NAME = {
    time.thread_time: "CPU time of the UI thread",
    time.process_time: "CPU time of this process",
    time.perf_counter: "wall",
}[CLOCK]


def build_project(path: Path):
    from previz.core.session import ProjectSession

    session = ProjectSession.create(path)
    session.add_scenes_bulk(
        [
            {
                "heading": f"INT. ROOM {i} - DAY",
                "number": str(i + 1),
                "shots": [{"action": f"beat {j}", "duration_frames": 24 + j % 48} for j in range(100)],
            }
            for i in range(10)
        ]
    )
    root = session.root
    session.close()
    return root


def measure(app, action) -> tuple[float, float]:
    """(seconds for the edit and the views' refresh, seconds for the pending events: Qt repaints what the
    edit marked dirty)."""
    app.processEvents()
    t0 = CLOCK()
    action()
    t1 = CLOCK()
    app.processEvents()
    t2 = CLOCK()
    return t1 - t0, t2 - t1


def settle(app, timeout: float = 30.0) -> None:
    """Turn the event loop until the app's start-up work is done, as it is before a user's first edit:
    the warm-up's imports (``ui/warmup.py``, from 300 ms after the window shows: NumPy, PyAV, OpenCV and
    the generation layer, which hold the interpreter's lock for a few hundred milliseconds and, timed
    among the first edits, added 10-50 ms to the wall time of the adds they met)."""
    from previz.ui.warmup import LATER_MODULES

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        app.processEvents()
        warming = any(t.name == "previz-warmup" for t in threading.enumerate())
        if not warming and all(name in sys.modules for name in LATER_MODULES):
            return
        time.sleep(0.005)
    raise SystemExit(f"the app's warm-up did not finish in {timeout:.0f} s")


def select(app, controller, code: str) -> None:
    """The shot made current and shown (the tree scrolled to it), as a click on it does."""
    controller.set_current_shot(code)
    app.processEvents()


def bench(app, window, profiler=None) -> dict[str, list[tuple[float, float]]]:
    """``profiler`` (a ``cProfile.Profile``): enabled around the adds and splits only."""
    from previz.ui import authoring

    controller = window.controller
    session = controller.session
    middle = [s.code for s in session.shots("5")]
    out: dict[str, list[tuple[float, float]]] = {"plain repaint": [], "add shot": [], "split shot": []}
    for _ in range(RUNS):
        out["plain repaint"].append(measure(app, window.repaint))
    if profiler is not None:
        profiler.enable()
    # as a user does it: a click on the shot (a turn of the loop of its own, not timed), then the edit
    for i in range(RUNS):
        select(app, controller, middle[i * 2])
        out["add shot"].append(measure(app, lambda i=i: authoring.add_shot(controller, middle[i * 2])))
    for i in range(RUNS):
        code = middle[50 + i]
        select(app, controller, code)
        out["split shot"].append(measure(app, lambda c=code: authoring.split_at(controller, c, 12)))
    if profiler is not None:
        profiler.disable()
    return out


def _views():
    """Each view of the main window alone, as the window builds it (name, factory, shutdown)."""
    from previz.ui.browser.browser import ShotBrowser
    from previz.ui.inspector.inspector import ShotInspector
    from previz.ui.queue.panel import QueuePanel
    from previz.ui.review.notes_panel import NotesPanel
    from previz.ui.thumbnails import ThumbnailCache
    from previz.ui.timeline.timeline import Timeline
    from previz.ui.viewer.viewer import Viewer

    return [
        ("no view (core edit + undo step)", None),
        ("shot browser (tree + grid)", lambda c: ShotBrowser(c, ThumbnailCache(c.session))),
        ("timeline", lambda c: Timeline(c, ThumbnailCache(c.session))),
        ("viewer", lambda c: Viewer(c)),
        ("inspector", lambda c: ShotInspector(c)),
        ("notes panel", lambda c: NotesPanel(c)),
        ("queue panel", lambda c: QueuePanel(c)),
    ]


def bench_views(app, root: Path, runs: int = 10) -> list[tuple[str, float, float]]:
    """(view, median add-shot seconds, median split seconds) with only that view open: which view's
    refresh the time goes to."""
    from previz.core.session import ProjectSession
    from previz.ui import authoring
    from previz.ui.controller import ProjectController

    out = []
    for name, make in _views():
        session = ProjectSession.open(root)
        controller = ProjectController(session)
        widget = make(controller) if make is not None else None
        if widget is not None:
            widget.resize(1200, 700)
            widget.show()
        app.processEvents()
        codes = [s.code for s in session.shots("7")]
        add = [sum(measure(app, partial(authoring.add_shot, controller, codes[i * 2]))) for i in range(runs)]
        split = [
            sum(measure(app, partial(authoring.split_at, controller, codes[50 + i], 12))) for i in range(runs)
        ]
        out.append((name, statistics.median(add), statistics.median(split)))
        if widget is not None:
            for stop in ("shutdown",):
                if hasattr(widget, stop):
                    getattr(widget, stop)()
            widget.close()
            widget.deleteLater()
        controller.deleteLater()
        app.processEvents()
        session.close()
    return out


def main() -> int:
    from previz.ui.app import create_app
    from previz.ui.main_window import MainWindow

    work = Path(tempfile.mkdtemp(prefix="previz-bench-authoring-"))
    root = build_project(work / "big")
    app = create_app()
    window = MainWindow()
    window.resize(1600, 960)
    window.show()
    window.open_project(root)
    settle(app)
    profiler = None
    if "--profile" in sys.argv:
        import cProfile

        profiler = cProfile.Profile()
    results = bench(app, window, profiler)
    print("clock:", CLOCK_NAME)
    print(f"{'1,000-shot project':<34} {'edit + views':>13} {'repaint':>9} {'total':>9} {'/ 16 ms':>8}")
    for name, runs in results.items():
        edits = [e for e, _ in runs]
        paints = [p for _, p in runs]
        totals = [e + p for e, p in runs]
        for label, pick in (("median", statistics.median), ("max", max)):
            total = pick(totals)
            print(
                f"{name + ', ' + label:<34} {pick(edits) * 1e3:>10.1f} ms {pick(paints) * 1e3:>6.1f} ms "
                f"{total * 1e3:>6.1f} ms {total / BUDGET:>8.2f}"
            )
    if profiler is not None:
        import pstats

        print("\ncProfile of the adds and splits above (timings inflated by the profiler):")
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(30)
    window.close()
    app.processEvents()
    if "--window-only" in sys.argv:  # the whole window's figures only (many alternating runs)
        return 0
    print()
    print(f"{'one view open, median':<34} {'add shot':>10} {'split':>10} {'add / 16 ms':>12}")
    for name, add, split in bench_views(app, root):
        print(f"{name:<34} {add * 1e3:>7.1f} ms {split * 1e3:>7.1f} ms {add / BUDGET:>12.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
