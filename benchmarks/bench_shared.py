"""Shared projects (issue 13): PostgreSQL beside SQLite, in one run, on the same machine.

The same 10,000-shot project (1,000 scenes x 10 shots, made with ``add_scenes_bulk``) lives once in a
bundle (SQLite) and once in a PostgreSQL database; on each the benchmark measures:

1. open + list the cut: ``ProjectSession.open`` (for writing, as the app opens it), ``shots()`` and
   ``cut()``; the median of ``--runs`` runs, and PostgreSQL / SQLite;
2. one edit committed: ``set_shot`` of one field (the action), p50 / p95 over ``--edits`` edits;
3. a change reaching another client: 4 writer processes edit their own shots while 1 reader process
   follows the change feed with ``FeedWatcher.poll`` (PostgreSQL: woken by ``LISTEN previz_feed``
   through ``FeedListener``, then the poll; SQLite: a poll every 10 ms). Latency = the reader's
   ``time.time()`` when ``poll`` returned the row - the writer's ``time.time()`` when ``set_shot``
   returned (each writer's k-th feed row is its k-th edit: edits of one writer commit in order). Once
   paced (each writer 10 edits/s, a busy studio) and once flat out (the machine saturated);
4. throughput: 8 writer processes x ``--writer-edits`` edits each against 1 writer x the same, started
   together behind a barrier; total edits/s and the ratio.

PostgreSQL runs on a throwaway server started here (tests/pg_server.py: initdb in a temp folder, fsync
off as in the test suite; ``--durable`` turns fsync and synchronous commit on), or on an existing one with
``--url postgresql://user@host:5432/postgres``: a database ``previz_bench_<random>`` is made there and
dropped at the end (the role needs CREATEDB). Each edit's write-lock wait (SQLite ``BEGIN IMMEDIATE``,
PostgreSQL ``pg_advisory_xact_lock``) is timed apart from the rest, to show where the time goes.

    .venv/bin/python benchmarks/bench_shared.py            # 70-100 s on 2 cores
    .venv/bin/python benchmarks/bench_shared.py --quick    # 2,000 shots, about 15 s
    .venv/bin/python benchmarks/bench_shared.py --profile  # also cProfile the PostgreSQL open and edits
    .venv/bin/python benchmarks/bench_shared.py --durable  # the server flushes each commit to disk

No figure is asserted (the machines are shared); goals are printed beside the figures.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import multiprocessing as mp
import os
import pstats
import signal
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # pg_server.py, the suite's throwaway PostgreSQL server

from previz.core.database import FeedListener, is_server_url  # noqa: E402
from previz.core.feed import FeedWatcher  # noqa: E402
from previz.core.session import ProjectSession  # noqa: E402

CTX = mp.get_context("fork")  # writers start in milliseconds; the parent holds no open session when forking
FEED_WRITERS = 4
FEED_PACE_S = 0.1  # one edit every 100 ms per writer when paced
SQLITE_POLL_S = 0.01
MANY_WRITERS = 8
DEADLINE_S = 300  # generous limit for one phase's processes


@dataclass
class Sizes:
    scenes: int = 1000
    shots: int = 10
    runs: int = 7
    edits: int = 500
    feed_paced: int = 50  # edits per writer
    feed_flat: int = 150
    writer_edits: int = 500
    rounds: int = 3  # of the 1-writer and 8-writer throughput runs, alternating


QUICK = Sizes(
    scenes=200, shots=10, runs=5, edits=200, feed_paced=20, feed_flat=50, writer_edits=150, rounds=1
)


@dataclass
class Result:
    build_s: float = 0.0
    open_list_s: list[float] = field(default_factory=list)
    open_list_cpu_s: list[float] = field(default_factory=list)
    entries: int = 0
    edit_s: list[float] = field(default_factory=list)
    feed: dict[str, list[float]] = field(default_factory=dict)
    feed_missing: dict[str, int] = field(default_factory=dict)
    throughput: dict[int, list[float]] = field(default_factory=dict)
    contended_edit_s: dict[int, list[float]] = field(default_factory=dict)
    lock_wait_s: dict[int, list[float]] = field(default_factory=dict)
    writer_cpu_s: dict[int, list[float]] = field(default_factory=dict)


def pct(values: list[float], p: int) -> float:
    """The p-th percentile (inclusive method, so p95 of a few dozen values is defined)."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


# ------------------------------------------------------------------------------------------ where
class Postgres:
    """A database for the benchmark: on a throwaway server (default) or on the server at ``url``."""

    #: What a production server does and the test server skips: every commit flushed to disk.
    DURABLE = ("fsync", "synchronous_commit", "full_page_writes")

    def __init__(self, url: str | None, durable: bool = False) -> None:
        self.server = None
        self.admin_url = url
        self.durable = durable
        self.name = f"previz_bench_{uuid.uuid4().hex[:10]}"

    def __enter__(self) -> str:
        if self.admin_url is None:
            from pg_server import PgServer

            self.server = PgServer().start()
            if self.durable:
                import psycopg

                with psycopg.connect(self.server.conninfo("postgres"), autocommit=True) as conn:
                    for setting in self.DURABLE:
                        conn.execute(f"ALTER SYSTEM SET {setting} = on")
                    conn.execute("SELECT pg_reload_conf()")
            return self.server.create_database(self.name)
        base, _, _db = self.admin_url.rpartition("/")
        return f"{base}/{self.name}"  # ProjectSession.create makes the database

    def __exit__(self, *exc) -> None:
        if self.server is not None:
            self.server.close()
            return
        import psycopg

        conninfo = self.admin_url.replace("+psycopg", "", 1)
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (self.name,)
            )
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}"')


def build(location: str, media: Path | None, sizes: Sizes) -> float:
    specs = [
        {
            "heading": f"INT. ROOM {i} - DAY",
            "number": str(i + 1),
            "shots": [
                {"action": f"beat {j} of scene {i + 1}", "duration_frames": 24 + j}
                for j in range(sizes.shots)
            ],
        }
        for i in range(sizes.scenes)
    ]
    extra = {"media": media} if media is not None else {}
    with ProjectSession.create(location, name="Scale", fps="24", author="setup", **extra) as session:
        t0 = time.perf_counter()
        session.add_scenes_bulk(specs)
        return time.perf_counter() - t0


def codes_of(location: str) -> list[str]:
    with ProjectSession.open(location, author="setup") as session:
        return [s.code for s in session.shots()]


# ------------------------------------------------------------------------------------------ 1 and 2
def open_and_list(location: str) -> tuple[float, int]:
    t0 = time.perf_counter()
    with ProjectSession.open(location, author="reader") as session:
        shots = session.shots()
        cut = session.cut()
        n = len(cut.entries)
    elapsed = time.perf_counter() - t0
    assert len(shots) >= n
    return elapsed, n


def single_edits(location: str, codes: list[str], count: int) -> list[float]:
    times = []
    with ProjectSession.open(location, author="editor") as session:
        for i in range(count):
            code = codes[(i * 37) % len(codes)]
            t0 = time.perf_counter()
            session.set_shot(code, action=f"revised {i} {time.time()}")
            times.append(time.perf_counter() - t0)
    return times


# ------------------------------------------------------------------------------------------ 3
def feed_writer(location, author, tag, codes, count, pace, ready, go, out) -> None:
    """Edit one field ``count`` times (every value new, so each is a commit); put the commit times."""
    commits = []
    with ProjectSession.open(location, author=author) as session:
        ready.wait()
        go.wait()
        start = time.monotonic()
        for i in range(count):
            if pace:
                delay = start + i * pace - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            session.set_shot(codes[i % len(codes)], action=f"{author} {tag} edit {i}")
            commits.append(time.time())
    out.put((author, commits))


def feed_reader(location, authors, expected, ready, go, writers_done, out) -> None:
    """Follow the feed until every writer's edits arrived (or a few seconds after the writers finished:
    a row that never comes is counted as missing); put {author: [receive times]}."""
    received: dict[str, list[float]] = {a: [] for a in authors}
    server = is_server_url(location)
    with ProjectSession.open(location, author="reader") as session:
        watcher = FeedWatcher(session)
        listener = FeedListener(location) if server else None
        if listener is not None:
            listener.wait(0)  # connect and LISTEN before the writers start
        ready.wait()
        go.wait()
        got, give_up = 0, None
        while got < expected:
            if give_up is None and writers_done.is_set():
                give_up = time.monotonic() + 5.0
            if give_up is not None and time.monotonic() > give_up:
                break
            if listener is not None:
                listener.wait(1.0)
            update = watcher.poll()
            now = time.time()
            for row in update.entries:
                if row.author in received and row.kind == "edit":
                    received[row.author].append(now)
                    got += 1
            if listener is None and not update:
                time.sleep(SQLITE_POLL_S)
        if listener is not None:
            listener.close()
    out.put(received)


def feed_latency(location: str, codes: list[str], count: int, pace: float) -> tuple[list[float], int]:
    """4 writers' edits followed by 1 reader: (latencies in seconds, rows the reader never got)."""
    tag = uuid.uuid4().hex[:8]
    authors = [f"writer{k}" for k in range(FEED_WRITERS)]
    ready, go = CTX.Barrier(FEED_WRITERS + 2), CTX.Barrier(FEED_WRITERS + 2)
    writers_done = CTX.Event()
    sent_q, received_q = CTX.Queue(), CTX.Queue()
    reader = CTX.Process(
        target=feed_reader,
        args=(location, authors, FEED_WRITERS * count, ready, go, writers_done, received_q),
        daemon=True,
    )
    writers = [
        CTX.Process(
            target=feed_writer,
            args=(location, a, tag, codes[k * 50 : (k + 1) * 50], count, pace, ready, go, sent_q),
            daemon=True,
        )
        for k, a in enumerate(authors)
    ]
    for p in [reader, *writers]:
        p.start()
    ready.wait(timeout=DEADLINE_S)
    go.wait(timeout=DEADLINE_S)
    commits = dict(sent_q.get(timeout=DEADLINE_S) for _ in writers)
    writers_done.set()
    received = received_q.get(timeout=DEADLINE_S)
    for p in [reader, *writers]:
        p.join(timeout=DEADLINE_S)
    latencies, missing = [], 0
    for author, sent in commits.items():
        got = received[author]
        missing += len(sent) - len(got)
        latencies += [r - s for s, r in zip(sent, got)]
    return latencies, missing


# ------------------------------------------------------------------------------------------ 4
def lock_timer(session: ProjectSession) -> list[float]:
    """Seconds spent in the statement that takes the project's write lock (SQLite ``BEGIN IMMEDIATE``,
    PostgreSQL ``pg_advisory_xact_lock``), appended per statement: the wait for the other writers."""
    from sqlalchemy import event

    waits: list[float] = []
    started: list[float] = []

    def before(conn, cursor, statement, *_):
        if statement.startswith("BEGIN IMMEDIATE") or "pg_advisory_xact_lock" in statement:
            started.append(time.perf_counter())

    def after(conn, cursor, statement, *_):
        if started and (statement.startswith("BEGIN IMMEDIATE") or "pg_advisory_xact_lock" in statement):
            waits.append(time.perf_counter() - started.pop())

    event.listen(session.engine, "before_cursor_execute", before)
    event.listen(session.engine, "after_cursor_execute", after)
    return waits


def throughput_writer(location, author, tag, codes, count, ready, out) -> None:
    """``count`` edits as fast as they go; put (start, end, per-edit seconds, per-edit lock waits, CPU s)."""
    times = []
    with ProjectSession.open(location, author=author) as session:
        waits = lock_timer(session)
        ready.wait()
        start, cpu = time.time(), time.process_time()
        for i in range(count):
            t0 = time.perf_counter()
            session.set_shot(codes[i % len(codes)], action=f"{author} {tag} throughput {i}")
            times.append(time.perf_counter() - t0)
        out.put((start, time.time(), times, waits, time.process_time() - cpu))


def throughput(location: str, codes: list[str], writers: int, count: int) -> tuple[float, list, list, float]:
    """``writers`` processes x ``count`` edits: (edits/s over the whole span, edit times, lock waits, the
    writers' own CPU time per edit)."""
    tag = uuid.uuid4().hex[:8]
    ready = CTX.Barrier(writers)
    out = CTX.Queue()
    procs = [
        CTX.Process(
            target=throughput_writer,
            args=(location, f"bulk{k}", tag, codes[k * 50 : (k + 1) * 50], count, ready, out),
            daemon=True,
        )
        for k in range(writers)
    ]
    for p in procs:
        p.start()
    results = [out.get(timeout=DEADLINE_S) for _ in procs]
    for p in procs:
        p.join(timeout=DEADLINE_S)
    span = max(r[1] for r in results) - min(r[0] for r in results)
    cpu_per_edit = sum(r[4] for r in results) / (writers * count)
    edit_s, waits = [t for r in results for t in r[2]], [w for r in results for w in r[3]]
    return writers * count / span, edit_s, waits, cpu_per_edit


# ------------------------------------------------------------------------------------------ run
def open_list_alternating(results: dict[str, Result], locations: dict[str, str], runs: int) -> None:
    """Open + list each project ``runs`` times, alternating (a drift in the machine's load hits both)."""
    for _ in range(runs):
        for label, location in locations.items():
            cpu = time.process_time()
            elapsed, results[label].entries = open_and_list(location)
            results[label].open_list_s.append(elapsed)
            results[label].open_list_cpu_s.append(time.process_time() - cpu)


def measure_writes(res: Result, location: str, sizes: Sizes, label: str) -> None:
    codes = codes_of(location)
    print(f"[{label}] {sizes.edits} single edits …", flush=True)
    res.edit_s = single_edits(location, codes, sizes.edits)
    print(f"[{label}] change feed, {FEED_WRITERS} writers + 1 reader …", flush=True)
    for name, count, pace in (("paced", sizes.feed_paced, FEED_PACE_S), ("flat out", sizes.feed_flat, 0.0)):
        res.feed[name], res.feed_missing[name] = feed_latency(location, codes, count, pace)
    print(f"[{label}] throughput, 1 and {MANY_WRITERS} writers × {sizes.writer_edits} edits …", flush=True)
    for _ in range(sizes.rounds):  # alternating, so a change in the machine's load hits both
        for n in (1, MANY_WRITERS):
            rate, edit_s, waits, cpu = throughput(location, codes, n, sizes.writer_edits)
            res.writer_cpu_s.setdefault(n, []).append(cpu)
            res.throughput.setdefault(n, []).append(rate)
            res.contended_edit_s.setdefault(n, []).extend(edit_s)
            res.lock_wait_s.setdefault(n, []).extend(waits)


def profile(location: str, sizes: Sizes) -> None:
    codes = codes_of(location)
    for title, call in (
        ("open + list", lambda: open_and_list(location)),
        ("single edits", lambda: single_edits(location, codes, sizes.edits)),
    ):
        prof = cProfile.Profile()
        prof.enable()
        call()
        prof.disable()
        for order, lines in (("cumulative", 40), ("tottime", 25)):
            text = io.StringIO()
            pstats.Stats(prof, stream=text).sort_stats(order).print_stats(lines)
            print(f"\n--- cProfile, PostgreSQL, {title}, by {order} ---")
            print("\n".join(line for line in text.getvalue().splitlines() if line.strip())[:6000])


def report(lite: Result, pg: Result, sizes: Sizes) -> None:
    ms = 1000.0

    def row(name: str, a: float, b: float, unit: str = "ms", goal: str = "", scale: float = ms) -> None:
        ratio = f"{b / a:9.2f}" if a else f"{'':9}"
        print(f"{name:46} {a * scale:9.1f}{unit:3} {b * scale:9.1f}{unit:3} {ratio} {goal}")

    print(
        f"\nshared projects, {lite.entries:,} cut entries; load average {os.getloadavg()[0]:.1f} at the end"
    )
    print(f"{'measure':46} {'SQLite':>12} {'PostgreSQL':>12} {'PG/SQLite':>9} goal")
    row("bulk create (add_scenes_bulk, one edit)", lite.build_s, pg.build_s)
    med = statistics.median
    row(
        f"open + list the cut, median of {sizes.runs}",
        med(lite.open_list_s),
        med(pg.open_list_s),
        goal="PG/SQLite ≤ 1.5",
    )
    row("  the same, this process's CPU time", med(lite.open_list_cpu_s), med(pg.open_list_cpu_s))
    for p in (50, 95):
        goal = "PG p95 < 10 ms" if p == 95 else ""
        row(f"one edit committed, p{p} of {sizes.edits}", pct(lite.edit_s, p), pct(pg.edit_s, p), goal=goal)
    for name in lite.feed:
        count = sizes.feed_paced if name == "paced" else sizes.feed_flat
        for p in (50, 95):
            goal = "p95 < 1 s (aim 100 ms)" if p == 95 else ""
            label = f"change reaches a reader, {name} {FEED_WRITERS}×{count}, p{p}"
            row(label, pct(lite.feed[name], p), pct(pg.feed[name], p), goal=goal)
        if lite.feed_missing[name] or pg.feed_missing[name]:
            missing = f"SQLite {lite.feed_missing[name]}, PostgreSQL {pg.feed_missing[name]}"
            print(f"  !! rows the reader never received ({name}): {missing}")
    for w in (1, MANY_WRITERS):
        plural = "s" if w > 1 else ""
        a, b = med(lite.throughput[w]), med(pg.throughput[w])
        row(
            f"throughput, {w} writer{plural} × {sizes.writer_edits}, median of {sizes.rounds}",
            a,
            b,
            "/s",
            scale=1.0,
        )
    scaling = [med(r.throughput[MANY_WRITERS]) / med(r.throughput[1]) for r in (lite, pg)]
    print(f"{f'  {MANY_WRITERS} writers / 1 writer':46} {scaling[0]:9.2f}×   {scaling[1]:9.2f}×")
    if sizes.rounds > 1:
        spread = [
            f"{min(r.throughput[MANY_WRITERS]) / max(r.throughput[1]):.2f}–"
            f"{max(r.throughput[MANY_WRITERS]) / min(r.throughput[1]):.2f}"
            for r in (lite, pg)
        ]
        print(f"{'  (the same, widest range over the rounds)':46} {spread[0]:>10}   {spread[1]:>10}")
    for w in (1, MANY_WRITERS):
        for p in (50, 95, 99):
            a, b = lite.contended_edit_s[w], pg.contended_edit_s[w]
            row(f"  one edit with {w} writer{'s' if w > 1 else ''}, p{p}", pct(a, p), pct(b, p))
        a, b = lite.lock_wait_s[w], pg.lock_wait_s[w]
        row("    of which waiting for the write lock, p50", pct(a, 50), pct(b, 50))
        row("    of which waiting for the write lock, mean", statistics.mean(a), statistics.mean(b))
        held = [[t - w_ for t, w_ in zip(r.contended_edit_s[w], r.lock_wait_s[w])] for r in (lite, pg)]
        row("    the rest (lock held + client work), p50", pct(held[0], 50), pct(held[1], 50))
        row("  writer's own CPU time per edit, median", med(lite.writer_cpu_s[w]), med(pg.writer_cpu_s[w]))


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so a killed run still stops its server
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--url", help="an existing PostgreSQL server (a database URL the role may connect to)"
    )
    parser.add_argument(
        "--durable",
        action="store_true",
        help="the throwaway server flushes every commit (fsync, synchronous_commit on), as production does",
    )
    parser.add_argument("--quick", action="store_true", help="smaller sizes (2,000 shots, fewer edits)")
    parser.add_argument("--runs", type=int, help="open + list runs of each backend (median)")
    parser.add_argument("--edits", type=int, help="single edits timed")
    parser.add_argument("--writer-edits", type=int, help="edits per writer in the throughput runs")
    parser.add_argument("--rounds", type=int, help="rounds of the 1- and 8-writer throughput runs (median)")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the PostgreSQL open + list and edits"
    )
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else Sizes()
    for name in ("runs", "edits", "writer_edits", "rounds"):
        if getattr(args, name):
            setattr(sizes, name, getattr(args, name))
    if args.url and not is_server_url(args.url):
        parser.error(f"--url {args.url}: expected postgresql://user@host:5432/database")
    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, Postgres(args.url, args.durable) as url:
        locations = {"SQLite": str(Path(tmp) / "scale.previz"), "PostgreSQL": url}
        media = {"SQLite": None, "PostgreSQL": Path(tmp) / "pg-media"}
        results = {label: Result() for label in locations}
        for label, location in locations.items():
            print(f"[{label}] building {sizes.scenes * sizes.shots:,} shots …", flush=True)
            results[label].build_s = build(location, media[label], sizes)
        print(f"[both] open + list ×{sizes.runs} each, alternating …", flush=True)
        open_list_alternating(results, locations, sizes.runs)
        for label, location in locations.items():
            measure_writes(results[label], location, sizes, label)
        report(results["SQLite"], results["PostgreSQL"], sizes)
        if args.profile:
            profile(url, sizes)
    print(f"\n(benchmark took {time.perf_counter() - t_start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
