"""Project core at scale: 1,000 scenes x 10 shots.

Measures, on this machine: bulk creation of the 10,000 shots through the session (one edit), opening the
project and listing the whole cut, and single edits committed one by one (95th percentile). Each figure is
printed beside its target as a ratio (measured / target; below 1.0 meets it).

    .venv/bin/python benchmarks/bench_project.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from previz.core.session import ProjectSession

SCENES, SHOTS = 1000, 10
TARGETS = {"bulk create 10,000 shots": 3.0, "open + list the cut": 0.3, "one edit, p95": 0.005}


def build(path: Path) -> float:
    specs = [
        {
            "heading": f"INT. ROOM {i} - DAY",
            "number": str(i + 1),
            "shots": [
                {"action": f"beat {j} of scene {i + 1}", "duration_frames": 24 + j} for j in range(SHOTS)
            ],
        }
        for i in range(SCENES)
    ]
    with ProjectSession.create(path, name="Scale", fps="24") as session:
        t0 = time.perf_counter()
        session.add_scenes_bulk(specs)
        return time.perf_counter() - t0


def open_and_list(root: Path) -> tuple[float, int]:
    t0 = time.perf_counter()
    with ProjectSession.open(root, readonly=True) as session:
        cut = session.cut()
        listing = [
            (e.code, e.record_in, cut.timecode(e.record_in), cut.timecode(e.record_out)) for e in cut.entries
        ]
    return time.perf_counter() - t0, len(listing)


def edits(root: Path, count: int = 300) -> list[float]:
    times = []
    with ProjectSession.open(root) as session:
        codes = [s.code for s in session.shots()][:count]
        for i, code in enumerate(codes):
            t0 = time.perf_counter()
            session.set_shot(code, duration_frames=30 + i % 7, action=f"revised {i}")
            times.append(time.perf_counter() - t0)
    return times


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scale"
        bulk = build(path)
        root = path.with_name("scale.previz")
        open_list = min(open_and_list(root)[0] for _ in range(3))
        _, n = open_and_list(root)
        edit_times = edits(root)
        p95 = statistics.quantiles(edit_times, n=20)[18]
    figures = {"bulk create 10,000 shots": bulk, "open + list the cut": open_list, "one edit, p95": p95}
    print(f"project core, {SCENES} scenes x {SHOTS} shots ({n} cut entries)")
    print(f"{'measure':28} {'measured':>10} {'target':>10} {'ratio':>7}")
    failed = False
    for name, value in figures.items():
        ratio = value / TARGETS[name]
        failed |= ratio > 1
        print(f"{name:28} {value * 1000:8.1f}ms {TARGETS[name] * 1000:8.1f}ms {ratio:7.2f}")
    print(f"median edit {statistics.median(edit_times) * 1000:.2f} ms over {len(edit_times)} edits")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
