"""The desktop app's speed on this machine (offscreen Qt).

- launch → main window shown with the sample project (a fresh process; torch must not be imported), as
  wall time (best of 3) and the process's CPU time (what the machine's load does not change), with the
  modules' bytecode cached as an installed app has it, and once more compiling every module from source;
- the longest gap of a 10 ms QTimer while an animatic generation job and an export run (``alone``: the
  runner and the export dialog by themselves, as first measured; ``in the window``: the main window open on
  the project, so every view refreshes on the job's progress, and a short job's take arriving from the
  app's worker process mid-run), with what the gaps over 16 ms were made of (the UI thread's CPU, its wait
  for a core, asleep past the timer), and with ``--blame`` what the UI thread was doing in the longest gaps
  (a thread samples its stack every 2 ms: it takes the interpreter's lock 500 times a second, and made
  gaps over 16 ms of its own in a third to a half of the window runs; off by default, so the gaps measured
  are the app's); and the same timer with nothing running, the machine's floor;
  ``--app`` runs only launch and these, ``--app --gaps`` only these (for many alternating runs);
- the viewer's decode + display rate and jump-to-frame latency for a 1080p take of random noise (worst
  case), its 540p proxy, and a 1080p animatic take as the app makes it;
- the viewer's worst case at full resolution: 50 jumps to random frames of the 1080p animatic take while
  it plays, alone and while an export-like 1080p encode runs on a thread, with the worst jump's time
  split into its phases (``--viewer`` runs only this part);
- the timeline's repaint time with a 1,000-shot project (plain repaint and after a zoom).

Each figure is printed beside its target with the ratio measured / target (below 1.0 meets it; for the
playback rate, the target is a minimum and the ratio is target / measured).

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_ui.py
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
#: ``--detail``: print the UI thread's busiest gaps with every stack the sampler saw in them
DETAIL = "--detail" in sys.argv[1:]
#: ``--blame`` (or ``--detail``): sample the UI thread's stack in the event-loop runs (see the docstring)
BLAME = DETAIL or "--blame" in sys.argv[1:]
os.environ.setdefault("PREVIZ_SETTINGS_DIR", tempfile.mkdtemp(prefix="previz-bench-settings-"))

LAUNCH = r"""
import os, sys, time
t0 = time.perf_counter()
from previz.ui.app import create_app
from previz.ui.main_window import MainWindow
app = create_app()
w = MainWindow()
w.show()
w.open_project(sys.argv[1])
app.processEvents()
shown = time.perf_counter() - t0
cpu = sum(os.times()[:2])
print(f"{shown:.4f} {cpu:.4f} {'torch' in sys.modules} {time.thread_time():.4f} {time.time():.4f}")
w.close()
"""


#: Where the launches keep their compiled modules (``bench_launch(cached=True)``).
PYCACHE = Path(tempfile.mkdtemp(prefix="previz-bench-pycache-"))


def bench_launch(root: Path, cached: bool = True) -> tuple[float, float, bool, float]:
    """(best wall time from the command to the window shown (not its close and exit), best CPU time of the
    process, torch?, best CPU time of the UI thread: the process's less its background threads' —
    thumbnails, warm-up).

    ``cached``: as an installed app launches, with its modules' compiled bytecode found (pip compiles an
    install's modules, a checkout writes ``__pycache__`` on first run, the bundle carries them) — here in a
    cache of this run (``PYTHONPYCACHEPREFIX``) that an untimed first launch fills. Without it, under
    ``PYTHONDONTWRITEBYTECODE=1`` (as on the team's machines), every previz module (~90) is compiled from
    source at every launch (~0.15 s of CPU): the figure earlier rounds measured."""
    env = dict(os.environ)
    if cached:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
        subprocess.run([sys.executable, "-c", LAUNCH, str(root)], capture_output=True, env=env, check=True)
    runs, cpus, ui_cpus = [], [], []
    torch = False
    for _ in range(3):
        start = time.time()
        out = subprocess.run(
            [sys.executable, "-c", LAUNCH, str(root)], capture_output=True, text=True, env=env, check=True
        )
        _inside, cpu, imported, ui_cpu, shown_at = out.stdout.split()
        runs.append(float(shown_at) - start)
        cpus.append(float(cpu))
        ui_cpus.append(float(ui_cpu))
        torch = torch or imported == "True"
    return min(runs), min(cpus), torch, min(ui_cpus)


def launch_rows(root: Path) -> list[tuple]:
    """The launch's rows: with the modules' bytecode cached (as installed), then compiled every time."""
    launch, launch_cpu, torch, launch_ui_cpu = bench_launch(root)
    *_rest, uncached_ui_cpu = bench_launch(root, cached=False)
    return [
        ("launch to main window (sample)", f"{launch:.3f} s", "< 1 s", launch / 1.0),
        ("  its CPU time", f"{launch_cpu:.3f} s", "< 1 s", launch_cpu / 1.0),
        ("  its UI thread's CPU time", f"{launch_ui_cpu:.3f} s", "< 1 s", launch_ui_cpu / 1.0),
        ("  UI thread's CPU, no bytecode cache", f"{uncached_ui_cpu:.3f} s", "< 1 s", uncached_ui_cpu / 1.0),
        ("torch imported at launch", str(torch), "False", 0.0 if not torch else float("inf")),
    ]


def dispose(app, *objects) -> None:
    """Delete Qt objects now (not in arbitrary order at interpreter exit)."""
    for obj in objects:
        obj.deleteLater()
    app.sendPostedEvents()
    app.processEvents()


class UiSampler:
    """Samples the UI thread's Python stack every ``interval`` s on a thread, so a long event-loop gap can
    be pinned on what ran in it (innermost previz frame; "Qt" when only Qt's own code was running). Not
    ``enabled``: no thread, and ``blame`` gives the gaps' lengths alone."""

    def __init__(self, interval: float = 0.002, enabled: bool = True) -> None:
        self.enabled = enabled
        self.interval = interval
        self.main = threading.main_thread().ident
        self.samples: list[tuple[float, str]] = []
        self.chains: list[tuple[float, str]] = []  # --detail: each sample's whole previz stack
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ui-sampler", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            frame = sys._current_frames().get(self.main)  # noqa: SLF001 - a profiler's job
            chain = []  # the previz frames, innermost first
            while frame is not None:
                name = frame.f_code.co_filename
                if "/previz/" in name:
                    chain.append(f"{Path(name).stem}.{frame.f_code.co_name}")
                frame = frame.f_back
            # the handler the event loop called (outermost) and where it was (innermost)
            where = "Qt" if not chain else chain[0] if len(chain) == 1 else f"{chain[-1]}>{chain[0]}"
            self.samples.append((time.perf_counter(), where))
            if DETAIL:
                self.chains.append((time.perf_counter(), ">".join(reversed(chain)) or "Qt"))

    def __enter__(self) -> UiSampler:
        if not self.enabled:
            return self
        self._switch = sys.getswitchinterval()
        if DETAIL:  # the sampler gets the GIL more often: finer stacks, a little more overhead
            sys.setswitchinterval(0.001)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.enabled:
            self._stop.set()
            self._thread.join()
            sys.setswitchinterval(self._switch)

    def detail(self, gaps: list[tuple[float, float]], cpu: list[float], top: int = 6) -> str:
        """``--detail``: the ``top`` gaps by the UI thread's CPU, each with every stack sampled in it."""
        from collections import Counter

        out = []
        for i in sorted(range(len(cpu)), key=cpu.__getitem__, reverse=True)[:top]:
            start, end = gaps[i]
            seen = Counter(c for t, c in self.chains if start <= t <= end)
            out.append(f"  gap {(end - start) * 1e3:.0f} ms wall, {cpu[i] * 1e3:.1f} ms UI CPU:")
            out.extend(f"    {n:3d} {c}" for c, n in seen.most_common(12))
        return "\n".join(out)

    def blame(self, gaps: list[tuple[float, float]], top: int = 3) -> str:
        """The most sampled places inside the ``top`` longest (start, end) gaps."""
        from collections import Counter

        out = []
        for start, end in sorted(gaps, key=lambda g: g[0] - g[1])[:top]:
            if not self.enabled:
                out.append(f"{(end - start) * 1e3:.0f} ms")
                continue
            seen = Counter(w for t, w in self.samples if start <= t <= end and w != "Qt")
            where = ", ".join(f"{w} x{n}" for w, n in seen.most_common(2)) or "Qt / other threads"
            out.append(f"{(end - start) * 1e3:.0f} ms: {where}")
        return "; ".join(out)


def _schedstat(path: str = "/proc/thread-self/schedstat") -> tuple[float, float]:
    """A thread's (time on a core, time waiting for one), in seconds, as the Linux scheduler counts them
    (this thread's by default); zeros where there is none."""
    try:
        with open(path, "rb") as f:
            ran, waited, _slices = f.read().split()
    except OSError:
        return 0.0, 0.0
    return int(ran) / 1e9, int(waited) / 1e9


def _others_ran() -> float:
    """Seconds on a core so far of this process's threads other than this one (``--detail``: what may have
    held the interpreter's lock while the UI thread slept; ~0.2 ms to read, so not in plain runs)."""
    me = str(threading.get_native_id())
    tasks = Path("/proc/self/task")
    if not tasks.is_dir():
        return 0.0
    return sum(_schedstat(f"{tasks}/{tid}/schedstat")[0] for tid in os.listdir(tasks) if tid != me)


class TimerGaps:
    """A 10 ms ``QTimer`` on the UI thread: each gap between its ticks (wall), the UI thread's own CPU time
    in it (what the load cannot inflate much) and the time it waited for a core (the scheduler's count).
    What a gap holds beyond the two is time the thread was asleep when its timer was due: waiting for the
    interpreter's lock, or for the machine to wake it (on this VM an idle loop's 10 ms timer now and then
    fires 18–28 ms after the last: ``bench_idle_loop``)."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.gaps: list[tuple[float, float]] = []
        self.cpu: list[float] = []
        self.waited: list[float] = []
        self.others: list[float] = []  # --detail: the process's other threads' CPU in each gap
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)

    def _now(self) -> tuple[float, float, float, float]:
        return time.perf_counter(), time.thread_time(), _schedstat()[1], _others_ran() if DETAIL else 0.0

    def start(self) -> None:
        self._last = self._now()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _tick(self) -> None:
        now = self._now()
        self.gaps.append((self._last[0], now[0]))
        self.cpu.append(now[1] - self._last[1])
        self.waited.append(now[2] - self._last[2])
        self.others.append(now[3] - self._last[3])
        self._last = now

    def longest(self) -> float:
        return max((b - a) * 1e3 for a, b in self.gaps) if self.gaps else float("nan")

    def slow(self) -> list[int]:
        """The indexes of the gaps over 16 ms."""
        return [i for i, (a, b) in enumerate(self.gaps) if b - a > 0.016]

    def over_budget(self) -> str:
        """The gaps over 16 ms split into the UI thread's CPU, its wait for a core, and the rest: asleep,
        waiting for the interpreter's lock or for the machine to wake it (with nothing running: only that)."""
        over = self.slow()
        if not over:
            return "no gap over 16 ms"
        wall = sum(self.gaps[i][1] - self.gaps[i][0] for i in over)
        cpu = sum(self.cpu[i] for i in over)
        waited = sum(self.waited[i] for i in over)
        asleep = wall - cpu - waited
        others = (
            f"; the process's other threads ran {sum(self.others[i] for i in over) * 1e3:.0f} ms in them"
            if DETAIL
            else ""
        )
        return (
            f"the {len(over)} gaps over 16 ms: {wall * 1e3:.0f} ms, of it UI-thread CPU {cpu * 1e3:.0f} ms, "
            f"waiting for a core {waited * 1e3:.0f} ms, asleep {asleep * 1e3:.0f} ms (lock, late wake-up)"
            f"{others}"
        )


def bench_idle_loop(app, seconds: float = 5.0) -> tuple[float, int, str]:
    """The same 10 ms timer with nothing running (no window, no job, no export): this machine's floor. Where
    an idle loop's gaps already pass 16 ms, the goal cannot be met by any program here."""
    ticks = TimerGaps()
    ticks.start()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.001)
    ticks.stop()
    over = len(ticks.slow())
    return ticks.longest(), over, f"{over} of {len(ticks.gaps)} gaps over 16 ms; {ticks.over_budget()}"


def bench_event_loop(
    app, root: Path, seconds: float = 5.0, in_window: bool = False
) -> tuple[float, float, str]:
    """The longest gap of a 10 ms timer while an animatic generation job (through the app's runner) and
    an MP4 export (through the export dialog) run; ``in_window``: with the main window open on the
    project and a short job queued first, whose take arrives from the app's worker process mid-run.

    Returns (longest gap, most CPU time the UI thread itself used within one gap, both in ms; a note)."""
    from PySide6.QtCore import QTimer

    from previz.core.session import ProjectSession
    from previz.ui.dialogs.export import ExportDialog
    from previz.ui.queue.generation_runner import GenerationRunner

    window = None
    if in_window:
        from previz.ui.main_window import MainWindow

        window = MainWindow()
        window.resize(1600, 960)
        window.show()
        window.open_project(root)
        session = window.session
        runner = window.widgets["queue"].runner
        window.controller.edit(lambda: session.set_shot("001_0010", duration_frames=1200))
        window.controller.edit(lambda: session.set_shot("001_0020", duration_frames=12))
    else:
        session = ProjectSession.open(root)
        session.set_shot("001_0010", duration_frames=1200)
        runner = GenerationRunner(session)
    dialog = ExportDialog(root)
    dialog.path.setText(str(Path(tempfile.mkdtemp()) / "reel.mp4"))
    dialog.watermark.setText("PREVIZ")
    dialog.burnins.setChecked(True)
    # the window's thumbnails and first paint, the warm-up's imports, and the dialog's widgets styled (Qt
    # polishes a new widget on the loop's next turn: ~8 ms for the dialog, a gap no user sees: it is made
    # when opened, before any click in it) out of the way before the timer starts
    settle_until = time.monotonic() + 1.0
    while time.monotonic() < settle_until:
        app.processEvents()
        time.sleep(0.005)
    ticks = TimerGaps()
    with UiSampler(enabled=BLAME) as sampler:
        ticks.start()
        codes = ["001_0020", "001_0010"] if in_window else ["001_0010"]
        # the user's clicks, Generate, Run and Export, 30 ms apart: each is a turn of the loop of its own, as
        # a user's clicks are (timed back to back, the three made one gap that no user can make)
        QTimer.singleShot(0, lambda: runner.enqueue_later(codes))  # what Generate does
        if in_window:
            QTimer.singleShot(30, lambda: runner.paused and runner.run())
        QTimer.singleShot(60, dialog.start)
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.001)
        ticks.stop()
    gaps, cpu = ticks.gaps, ticks.cpu
    jobs = session.jobs()
    state = ", ".join(f"{j.kind} {j.state} {j.progress_done}/{j.progress_total}" for j in jobs)
    state = f"{state}; export: {dialog.status.text()}"
    longest = ticks.longest()
    over = len(ticks.slow())
    busiest = max(range(len(cpu)), key=cpu.__getitem__) if cpu else None
    state += f"; {over} of {len(gaps)} gaps over 16 ms; longest: {sampler.blame(gaps)}"
    if busiest is not None:
        state += (
            f"; most UI-thread CPU in one gap: {cpu[busiest] * 1e3:.0f} ms "
            f"({sampler.blame([gaps[busiest]], top=1)})"
        )
        top = " / ".join(f"{c * 1e3:.1f}" for c in sorted(cpu, reverse=True)[:3])
        state += f"; UI-thread CPU of the 3 busiest gaps: {top} ms, {sum(c > 0.016 for c in cpu)} over 16 ms"
    state += f"; {ticks.over_budget()}"
    if DETAIL:
        print(f"the UI thread's busiest gaps ({'in the window' if in_window else 'alone'}):")
        print(sampler.detail(gaps, cpu))
    dialog.done(0)
    if window is not None:
        runner.pause()
        window.close()
        dispose(app, dialog, window)
    else:
        runner.shutdown()
        dispose(app, dialog, runner)
        session.close()
    return longest, (cpu[busiest] * 1e3 if busiest is not None else float("nan")), state


def make_1080p(path: Path, frames: int) -> None:
    import numpy as np

    from previz.media.video import VideoWriter

    rng = np.random.default_rng(1)
    base = rng.integers(0, 255, (1080, 1920, 3), np.uint8)
    with VideoWriter(path, 1920, 1080, Fraction(24), preset="ultrafast", crf=23, gop=24) as w:
        for i in range(frames):
            w.write(np.roll(base, i * 8, axis=1))


def _play_and_jump(app, controller, frames: int, use_proxies: bool) -> tuple[float, float, float]:
    from previz.ui.viewer.viewer import Viewer

    viewer = Viewer(controller, use_proxies=use_proxies)
    viewer.resize(1280, 760)
    viewer.show()
    if use_proxies:  # the proxy is made in the background on first use; wait for it
        viewer.proxies.wait(120000)
        app.processEvents()
        viewer.reload()
    viewer.seek(0)
    viewer.wait_displayed(0, 10)
    viewer.transport.speed = 1  # decode ahead as during playback (frames asked for one by one, no clock)
    start = time.perf_counter()
    for i in range(1, frames):
        viewer.seek(i)
        if not viewer.wait_displayed(i, 10):
            raise RuntimeError(f"frame {i} never shown")
        viewer.canvas.repaint()
    fps = (frames - 1) / (time.perf_counter() - start)
    viewer.transport.speed = 0
    rng = random.Random(3)
    latencies = []
    for _ in range(12):
        target = rng.randrange(frames)
        while target == viewer.displayed_position:
            target = rng.randrange(frames)
        t = time.perf_counter()
        viewer.seek(target)
        viewer.wait_displayed(target, 10)
        viewer.canvas.repaint()
        latencies.append(time.perf_counter() - t)
    viewer.shutdown()
    dispose(app, viewer)
    return fps, max(latencies), statistics.median(latencies)


def bench_viewer(app, work: Path) -> dict[str, tuple[float, float, float]]:
    from previz.core.session import ProjectSession
    from previz.media.library import register_encoded
    from previz.ui.controller import ProjectController

    frames = 96
    session = ProjectSession.create(work / "hd", size="1920x1080")
    session.add_scene("INT. ROOM - DAY", number="1")
    # Worst case: random noise at CRF 23 (a very high bitrate) with a keyframe every 24 frames.
    session.add_shot("1", duration_frames=frames)
    temp = session.media.new_temp_path("mp4")
    make_1080p(temp, frames)
    session.add_take("001_0010", kind="imported", media_hash=register_encoded(session, temp).hash)
    controller = ProjectController(session)
    out = {
        "1080p noise take": _play_and_jump(app, controller, frames, use_proxies=False),
        "540p proxy of it": _play_and_jump(app, controller, frames, use_proxies=True),
    }
    dispose(app, controller)
    # What the app itself makes: an animatic take of a sample board at 1080p, through the queue.
    from previz.generation.queue import enqueue, run_queue
    from previz.media.library import import_media_file

    board = import_media_file(session, ROOT / "resources" / "sample" / "boards" / "001_0010.png").hash
    session.add_shot("1", duration_frames=frames, move="handheld", board_hash=board)
    enqueue(session, ["001_0020"], backend="animatic")
    run_queue(session)
    session.move_shot("001_0020", 0)
    controller = ProjectController(session)
    out["1080p animatic take"] = _play_and_jump(app, controller, frames, use_proxies=False)
    worst = bench_jump_worst_case(app, controller, frames)
    dispose(app, controller)
    session.close()
    return out, worst


class Load:
    """Other work while the viewer jumps: an export-like 1080p H.264 encode on a thread."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.frames = 0
        self.thread = threading.Thread(target=self._run, name="bench-load", daemon=True)

    def _run(self) -> None:
        import numpy as np

        from previz.media.video import VideoWriter

        rng = np.random.default_rng(5)
        base = rng.integers(0, 255, (1080, 1920, 3), np.uint8)
        while not self.stop.is_set():
            path = Path(tempfile.mkdtemp()) / "load.mp4"
            with VideoWriter(path, 1920, 1080, Fraction(24), preset="veryfast", crf=20, gop=24) as w:
                for i in range(48):
                    if self.stop.is_set():
                        break
                    w.write(np.roll(base, i * 8, axis=1))
                    self.frames += 1
            path.unlink(missing_ok=True)

    def __enter__(self) -> Load:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(30)


def _jumps(app, viewer, frames: int, count: int, seed: int) -> list[dict]:
    """``count`` jumps as a user makes them while the take plays: play, then click a random frame (pause
    and seek), so playback decodes are queued or running when the jump comes. Each jump's phases come
    from the decoder's trace: asked → picked up by the decode thread (wake-up, or waiting behind a
    playback decode), → decoded to RGB (seek to the keyframe, decode forward, convert), → QImage, →
    shown on screen (delivery to the UI thread and paint)."""
    rng = random.Random(seed)
    decoder = viewer.transport.decoders[0]
    out = []
    for _ in range(count):
        start_frame = rng.randrange(frames)
        viewer.seek(start_frame)
        viewer.wait_displayed(viewer.position, 10)
        viewer.play()
        start = viewer.frames_shown
        end = time.monotonic() + 5
        while viewer.frames_shown < start + 3 and time.monotonic() < end:
            app.processEvents()
            time.sleep(0.001)
        target = rng.randrange(frames)
        while abs(target - viewer.position) < 2:
            target = rng.randrange(frames)
        decoder.trace = []
        t = time.perf_counter()
        viewer.pause()
        viewer.seek(target)
        if not viewer.wait_displayed(target, 10):
            raise RuntimeError(f"jump to frame {target} never shown")
        viewer.canvas.repaint()
        shown = time.perf_counter()
        trace = next((r for r in decoder.trace if r["position"] == target), None)
        decoder.trace = None
        row = {"total": shown - t, "target": target, "start": start_frame}
        if trace is None:  # it was in the cache
            row.update(wait=0.0, decode=0.0, image=0.0, deliver=shown - t)
        else:
            row.update(
                wait=trace["woke"] - t,
                decode=trace["decoded"] - trace["woke"],
                image=trace["image"] - trace["decoded"],
                deliver=shown - trace["image"],
            )
        out.append(row)
    return out


def _reader_alone(viewer, jumps: list[dict]) -> float:
    """The worst time ``VideoReader`` alone takes for the same jumps (its reader left where the viewer's
    jump thread left it: at the frame played from), measured right after the viewer's: the decode the
    viewer cannot avoid, beside what the viewer adds."""
    from previz.media.video import VideoReader

    spec = viewer.source.spec_at(jumps[0]["target"])
    worst = 0.0
    with VideoReader(spec.path) as reader:
        for jump in jumps:
            reader.frame(viewer.source.spec_at(jump["start"]).frame)
            t = time.perf_counter()
            reader.frame(viewer.source.spec_at(jump["target"]).frame)
            worst = max(worst, time.perf_counter() - t)
    return worst


def bench_jump_worst_case(app, controller, frames: int, count: int = 50) -> dict[str, list[dict]]:
    """The viewer's worst case at full resolution (no proxy): ``count`` jumps alone, then under load."""
    from previz.ui.viewer.viewer import Viewer

    viewer = Viewer(controller, use_proxies=False)
    viewer.resize(1280, 760)
    viewer.show()
    viewer.seek(0)
    viewer.wait_displayed(0, 10)
    result = {"alone": _jumps(app, viewer, frames, count, seed=11)}
    result["reader alone"] = _reader_alone(viewer, result["alone"])
    with Load() as load:
        result["under load"] = _jumps(app, viewer, frames, count, seed=12)
        result["reader under load"] = _reader_alone(viewer, result["under load"])
    result["load frames"] = load.frames
    viewer.shutdown()
    dispose(app, viewer)
    return result


def jump_rows(worst: dict) -> list[tuple[str, str, str, float]]:
    rows = []
    for name in ("alone", "under load"):
        jumps = worst[name]
        totals = [j["total"] for j in jumps]
        w = max(jumps, key=lambda j: j["total"])
        phases = " + ".join(f"{k} {w[k] * 1e3:.0f}" for k in ("wait", "decode", "image", "deliver"))
        rows.append(
            (
                f"viewer 1080p animatic take: {len(jumps)} jumps while playing, {name}, median",
                f"{statistics.median(totals) * 1e3:.0f} ms",
                "< 100 ms",
                statistics.median(totals) / 0.1,
            )
        )
        rows.append(
            (
                f"viewer 1080p animatic take: {len(jumps)} jumps while playing, {name}, worst",
                f"{w['total'] * 1e3:.0f} ms ({phases})",
                "< 100 ms",
                w["total"] / 0.1,
            )
        )
        reader = worst[f"reader {name}"]
        rows.append(
            (
                f"  the same jumps through VideoReader alone, {name}, worst (viewer / reader)",
                f"{reader * 1e3:.0f} ms",
                "= decode",
                w["total"] / reader,
            )
        )
    return rows


def main_viewer_only() -> int:
    """``bench_ui.py --viewer``: only the viewer's jump worst case (alone and under load)."""
    from previz.core.session import ProjectSession
    from previz.generation.queue import enqueue, run_queue
    from previz.media.library import import_media_file
    from previz.ui.app import create_app
    from previz.ui.controller import ProjectController

    app = create_app()
    work = Path(tempfile.mkdtemp(prefix="previz-bench-ui-"))
    frames = 96
    session = ProjectSession.create(work / "hd", size="1920x1080")
    session.add_scene("INT. ROOM - DAY", number="1")
    board = import_media_file(session, ROOT / "resources" / "sample" / "boards" / "001_0010.png").hash
    session.add_shot("1", duration_frames=frames, move="handheld", board_hash=board)
    enqueue(session, ["001_0010"], backend="animatic")
    run_queue(session)
    controller = ProjectController(session)
    worst = bench_jump_worst_case(app, controller, frames)
    dispose(app, controller)
    session.close()
    print_rows(jump_rows(worst))
    print(f"(load: {worst['load frames']} 1080p frames encoded on a thread during the jumps under load)")
    return 0


def print_rows(rows) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    print(f"{'measure'.ljust(widths[0])}  {'measured'.ljust(widths[1])}  {'target'.ljust(widths[2])}  ratio")
    for name, got, target, ratio in rows:
        print(f"{name.ljust(widths[0])}  {got.ljust(widths[1])}  {target.ljust(widths[2])}  {ratio:.2f}")


def bench_timeline(app, work: Path) -> tuple[float, float, float]:
    from previz.core.session import ProjectSession
    from previz.ui.controller import ProjectController
    from previz.ui.timeline.timeline import Timeline

    session = ProjectSession.create(work / "big")
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
    controller = ProjectController(session)
    timeline = Timeline(controller)
    timeline.resize(1600, 240)
    timeline.show()
    timeline.set_zoom(2.0)
    app.processEvents()
    repaint = []
    for i in range(20):
        timeline.horizontalScrollBar().setValue(i * 400)
        t = time.perf_counter()
        timeline.viewport().repaint()
        repaint.append(time.perf_counter() - t)
    zoom = []
    for i in range(10):
        t = time.perf_counter()
        timeline.set_zoom(0.2 if i % 2 else 2.0, 800)
        timeline.viewport().repaint()
        zoom.append(time.perf_counter() - t)
    t = time.perf_counter()
    timeline.zoom_to_fit()
    timeline.viewport().repaint()
    fit = time.perf_counter() - t
    dispose(app, timeline)
    browser_times = bench_browser(app, controller)
    dispose(app, controller)
    session.close()
    return statistics.median(repaint), max(repaint), max(max(zoom), fit), browser_times


def bench_browser(app, controller) -> tuple[float, float]:
    """Scroll repaint of the scene tree and the board grid with the same 1,000 shots (max of 20 each)."""
    from previz.ui.browser.browser import ShotBrowser
    from previz.ui.thumbnails import ThumbnailCache

    browser = ShotBrowser(controller, ThumbnailCache(controller.session))
    browser.resize(420, 900)
    browser.show()
    app.processEvents()
    out = []
    for tab, view in ((0, browser.tree), (1, browser.grid)):
        browser.tabs.setCurrentIndex(tab)
        app.processEvents()
        bar = view.verticalScrollBar()
        times = []
        for i in range(20):
            bar.setValue(int(bar.maximum() * i / 19))
            t = time.perf_counter()
            view.viewport().repaint()
            times.append(time.perf_counter() - t)
        out.append(max(times))
    dispose(app, browser)
    return out[0], out[1]


def main() -> int:
    from previz.demo import build_sample
    from previz.ui.app import create_app

    work = Path(tempfile.mkdtemp(prefix="previz-bench-ui-"))
    session = build_sample(work / "sample")
    root = session.root
    session.close()
    launch = launch_rows(root)
    app = create_app()
    gap_ms, gap_cpu_ms, busy_state = bench_event_loop(app, root)
    viewer, worst = bench_viewer(app, work)
    repaint_median, repaint_max, zoom_max, (tree_max, grid_max) = bench_timeline(app, work)
    rows = [
        *launch,
        ("longest 10 ms timer gap (generation + export)", f"{gap_ms:.0f} ms", "< 16 ms", gap_ms / 16),
        ("  most UI-thread CPU in one gap", f"{gap_cpu_ms:.0f} ms", "< 16 ms", gap_cpu_ms / 16),
        *[
            row
            for name, (fps, jump_max, jump_median) in viewer.items()
            for row in (
                (f"viewer {name}: play", f"{fps:.1f} fps ({fps / 24:.1f}x)", ">= 48 fps (2x)", 48 / fps),
                (f"viewer {name}: jump, max", f"{jump_max * 1000:.0f} ms", "< 100 ms", jump_max / 0.1),
                (
                    f"viewer {name}: jump, median",
                    f"{jump_median * 1000:.0f} ms",
                    "< 100 ms",
                    jump_median / 0.1,
                ),
            )
        ],
        *jump_rows(worst),
        (
            "timeline repaint, 1,000 shots, median",
            f"{repaint_median * 1000:.1f} ms",
            "< 16 ms",
            repaint_median / 0.016,
        ),
        (
            "timeline repaint, 1,000 shots, max",
            f"{repaint_max * 1000:.1f} ms",
            "< 16 ms",
            repaint_max / 0.016,
        ),
        (
            "timeline zoom + repaint, 1,000 shots, max",
            f"{zoom_max * 1000:.1f} ms",
            "< 16 ms",
            zoom_max / 0.016,
        ),
        (
            "shot tree scroll repaint, 1,000 shots, max",
            f"{tree_max * 1e3:.1f} ms",
            "< 16 ms",
            tree_max / 16e-3,
        ),
        (
            "board grid scroll repaint, 1,000 shots, max",
            f"{grid_max * 1e3:.1f} ms",
            "< 16 ms",
            grid_max / 16e-3,
        ),
    ]
    print_rows(rows)
    print(f"(during the timer test: {busy_state}; load during the jumps: {worst['load frames']} frames)")
    return 0


def main_app_only() -> int:
    """``bench_ui.py --app``: launch and the event-loop gaps (alone and in the window)."""
    from previz.demo import build_sample
    from previz.ui.app import create_app

    work = Path(tempfile.mkdtemp(prefix="previz-bench-ui-"))
    roots = []
    for name in ("sample", "sample-window"):
        session = build_sample(work / name)
        roots.append(session.root)
        session.close()
    launch = [] if "--gaps" in sys.argv[1:] else launch_rows(roots[0])
    app = create_app()
    idle_ms, idle_over, idle_state = bench_idle_loop(app)
    gap_ms, gap_cpu_ms, busy_state = bench_event_loop(app, roots[0])
    window_gap_ms, window_cpu_ms, window_state = bench_event_loop(app, roots[1], in_window=True)
    print_rows(
        [
            *launch,
            ("longest timer gap, nothing running (the floor)", f"{idle_ms:.0f} ms", "< 16 ms", idle_ms / 16),
            ("  its gaps over 16 ms", f"{idle_over}", "0", float(idle_over)),
            ("longest timer gap, generation + export alone", f"{gap_ms:.0f} ms", "< 16 ms", gap_ms / 16),
            ("  most UI-thread CPU in one gap", f"{gap_cpu_ms:.0f} ms", "< 16 ms", gap_cpu_ms / 16),
            (
                "longest timer gap, in the window, take arriving",
                f"{window_gap_ms:.0f} ms",
                "< 16 ms",
                window_gap_ms / 16,
            ),
            ("  most UI-thread CPU in one gap", f"{window_cpu_ms:.0f} ms", "< 16 ms", window_cpu_ms / 16),
        ]
    )
    print(f"(nothing running: {idle_state})")
    print(f"(alone: {busy_state})\n(in the window: {window_state})")
    print(f"(load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    return 0


if __name__ == "__main__":
    if "--viewer" in sys.argv[1:]:
        sys.exit(main_viewer_only())
    sys.exit(main_app_only() if "--app" in sys.argv[1:] else main())
