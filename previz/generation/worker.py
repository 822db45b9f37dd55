"""The generation worker: a long-lived process that keeps the last pipeline loaded between jobs.

It is the one spawned-process runtime: the worker-process executor runs model jobs here (a crash fails
the job, not the app), and the app runs its animatics and exports here too, off its UI interpreter's lock.
A job is a task function (``"module:function"``) called as ``fn(args, progress, cancel)``; a model task
gets the warm pipeline from ``pipeline_runner()``. ``WorkerClient.events`` answers with the job seam's
events (``executors``).

The parent talks to it through a ``multiprocessing`` pipe (spawn context, so CUDA and fork never mix):

* parent -> worker: ``("warm",)`` (import diffusers now), ``("run", job, fn, args, options)``,
  ``("cancel", job)``, ``("stop",)``
* worker -> parent: ``("ready", pid)``, ``("progress", job, done, total, message)``,
  ``("done", job, value)``, ``("failed", job, kind, message)`` with kind ``generation``/``cancelled``/
  ``internal``.

The worker runs with ``HF_HUB_OFFLINE=1``. Cancel is cooperative between diffusion steps; when the
worker does not answer within ``cancel_grace_s`` (it may be inside a model load) the parent kills it.
When the parent goes away (it exited, or was killed) the worker cancels its job and exits.

The worker creates no cross-process semaphores (tqdm's progress-bar lock is a thread lock there), and
``stop`` waits for it to exit on its own: a worker killed while it held a ``multiprocessing`` semaphore
left it for the resource tracker to report as leaked when the parent exited. ``multiprocessing.util`` is
imported with this module so that its exit handler, which terminates daemon children, runs after the
``atexit`` hook that stops the default worker in order (``atexit`` runs the last registered first).
A worker that dies mid-job (killed, segfault, out of host memory) makes ``WorkerClient.run`` raise
``GenerationError("worker crashed: ...")``; the next job starts a fresh worker.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.util  # noqa: F401  (see below: its exit handler must be registered before ours)
import os
import queue
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from previz.core.errors import CancelledError, GenerationError, PrevizError
from previz.core.jobs import CancelToken, ProgressFn, no_progress
from previz.generation.encode import partial_path
from previz.generation.provenance import GenerationResult
from previz.generation.request import GenerationRequest
from previz.generation.runtime import worker_context

_POLL_S = 0.02


# -- worker side ------------------------------------------------------------------------------------------
def _quiet_libraries() -> None:
    import logging

    with contextlib.suppress(Exception):
        from diffusers.utils import logging as dlogging

        dlogging.set_verbosity_error()
        dlogging.disable_progress_bar()
    with contextlib.suppress(Exception):
        from transformers.utils import logging as tlogging

        tlogging.set_verbosity_error()
        tlogging.disable_progress_bar()
    logging.getLogger("huggingface_hub").setLevel(logging.ERROR)


def _thread_lock_for_progress_bars() -> None:
    """tqdm (the progress bars of diffusers, transformers and the hub) guards its bars with a
    ``multiprocessing`` lock by default, a named semaphore; in this process a thread lock serves."""
    with contextlib.suppress(ImportError):
        from tqdm import tqdm

        tqdm.set_lock(threading.RLock())


_runner = None
_options = None


def pipeline_runner():
    """In the worker process: the ``PipelineRunner`` kept warm between jobs (for the options of the job in
    hand; new device/precision/offload options drop the old pipeline first)."""
    global _runner
    from previz.generation.diffusers_backend import PipelineRunner

    if _runner is None or _runner.options != _options:
        if _runner is not None:
            _runner.unload()
        else:
            _quiet_libraries()
        _runner = PipelineRunner(_options)
    return _runner


def _resolve(fn):
    """A task given as ``"module:function"`` (the parent need not import the task's module) or a function."""
    if isinstance(fn, str):
        import importlib

        module, _, name = fn.partition(":")
        return getattr(importlib.import_module(module), name)
    return fn


def lowered_priority(nice: int) -> int | None:
    """The CPU priority (a nice value) ``nice`` below the calling thread's; None for the same, or where
    priorities cannot be set (Windows: the worker runs as it is)."""
    if not nice or not hasattr(os, "setpriority"):
        return None
    return min(os.getpriority(os.PRIO_PROCESS, 0) + nice, 19)


def set_priority(priority: int | None, pid: int = 0) -> None:
    """Give process ``pid`` (0: this one) the CPU priority ``priority``: every thread it has now and,
    inherited, every thread it starts (the job's, the encoder's). On Linux a priority belongs to a thread:
    the thread numpy's OpenBLAS starts when previz's modules are imported kept the app's priority when
    only the main thread's was set. A priority that cannot be set is no reason not to run."""
    if priority is None:
        return
    tasks = f"/proc/{pid or 'self'}/task"
    try:
        threads = [int(tid) for tid in os.listdir(tasks)]
    except OSError:  # no /proc (macOS: there a priority is the whole process's)
        threads = [pid]
    for tid in threads:
        with contextlib.suppress(OSError):  # a thread that ended meanwhile; a priority not allowed
            os.setpriority(os.PRIO_PROCESS, tid, priority)


def worker_main(conn, priority: int | None = None) -> None:
    """Entry point of the worker process. A ``("warm",)`` message imports diffusers before the first job
    (a worker for models); without it, the first model job does (the app's worker, which runs its
    animatics and exports too, and may never need diffusers). ``priority``: the CPU priority of every
    thread (``set_priority``; the parent set the main thread's as soon as it started)."""
    global _options
    set_priority(priority)
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    _thread_lock_for_progress_bars()
    send_lock = threading.Lock()

    def send(*message: Any) -> None:
        with send_lock, contextlib.suppress(OSError):  # the parent is gone: the reader ends the worker
            conn.send(message)

    jobs: queue.Queue = queue.Queue()
    tokens: dict[str, CancelToken] = {}

    def reader() -> None:
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):  # the parent went away: nobody wants the job's file any more
                for token in list(tokens.values()):
                    token.cancel()
                jobs.put(None)
                return
            if message[0] == "cancel":
                token = tokens.get(message[1])
                if token is not None:
                    token.cancel()
            elif message[0] == "run":
                tokens[message[1]] = CancelToken()
                jobs.put(message)
            elif message[0] == "warm":
                jobs.put(message)
            elif message[0] == "stop":
                jobs.put(None)
                return

    threading.Thread(target=reader, name="previz-worker-reader", daemon=True).start()
    send("ready", os.getpid())
    while True:
        message = jobs.get()
        if message is None:
            return
        if message[0] == "warm":
            with contextlib.suppress(ImportError):  # a model job then says what is missing
                import diffusers  # noqa: F401

                _quiet_libraries()
            continue
        _, job, fn, args, options = message
        token = tokens[job]
        _options = options

        def progress(done: int, total: int, text: str = "", _job=job) -> None:
            send("progress", _job, int(done), int(total), str(text))

        try:
            send("done", job, _resolve(fn)(args, progress, token))
        except CancelledError as exc:
            send("failed", job, "cancelled", str(exc))
        except PrevizError as exc:
            send("failed", job, "generation", exc.one_line())
        except Exception as exc:  # a library bug must not take the worker down silently
            send("failed", job, "internal", f"{type(exc).__name__}: {exc}".splitlines()[0])
        finally:
            tokens.pop(job, None)


# -- parent side ------------------------------------------------------------------------------------------
def _describe_exit(code: int | None) -> str:
    if code is None:
        return "no exit status"
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"killed by signal {signal.Signals(-code).name}"
        return f"killed by signal {-code}"
    return f"exit code {code}"


class WorkerClient:
    """Starts the worker on first use and restarts it after a crash. One job at a time."""

    def __init__(
        self,
        options=None,
        *,
        cancel_grace_s: float = 3.0,
        start_timeout_s: float = 120.0,
        stop_timeout_s: float = 60.0,
        warm: bool = True,
        own_interpreter: bool = False,
        nice: int = 0,
    ) -> None:
        from previz.generation.diffusers_backend import RuntimeOptions

        #: Import diffusers as soon as the worker has started (False: on its first model job).
        self.warm = warm
        self.options = options or RuntimeOptions()
        self.cancel_grace_s = cancel_grace_s
        self.start_timeout_s = start_timeout_s
        #: How long ``stop`` waits for the worker to exit on its own (freeing a loaded pipeline and the
        #: interpreter takes seconds on a busy machine) before it kills it.
        self.stop_timeout_s = stop_timeout_s
        #: How much lower than this process's CPU priority the worker runs (``os.nice``; 0: the same).
        self.nice = nice
        # spawn here; in a bundle, the managed runtime's Python, unless the work needs no model
        self._ctx = multiprocessing.get_context("spawn") if own_interpreter else worker_context()
        self._proc = None
        self._conn = None
        self._lock = threading.Lock()
        self._jobs = 0
        self.starts = 0

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None and self._proc.is_alive() else None

    def alive(self) -> bool:
        return self._proc is not None and self._proc.is_alive()

    def start(self) -> None:
        """Start the worker unless one runs; wait until it is ready (with ``warm``: diffusers imported)."""
        if self.alive():
            return
        self._discard()
        parent, child = self._ctx.Pipe(duplex=True)
        priority = lowered_priority(self.nice)
        proc = self._ctx.Process(
            target=worker_main, args=(child, priority), name="previz-generation-worker", daemon=True
        )
        proc.start()
        # now, not once the worker's code runs: its interpreter's start and imports (~0.17 s of CPU here)
        # ran at the app's priority, beside the UI thread
        set_priority(priority, proc.pid)
        child.close()
        self._proc, self._conn = proc, parent
        self.starts += 1
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            if parent.poll(_POLL_S):
                try:
                    message = parent.recv()
                except (EOFError, OSError):
                    break
                if message[0] == "ready":
                    if self.warm:
                        with contextlib.suppress(OSError, EOFError):
                            parent.send(("warm",))
                    return
            elif not proc.is_alive():
                break
        code = proc.exitcode
        self._discard()
        raise GenerationError(f"worker crashed: it did not start ({_describe_exit(code)})")

    def _discard(self) -> None:
        """Forget the current worker, killing it if it still runs."""
        proc, conn = self._proc, self._conn
        self._proc = self._conn = None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()
        if proc is not None:
            if proc.is_alive():
                proc.kill()
            proc.join(timeout=5)

    def stop(self) -> None:
        """Ask the worker to exit (it frees the pipeline and cleans up after itself); kill it only if it
        has not exited within ``stop_timeout_s``."""
        if self._conn is not None and self.alive():
            with contextlib.suppress(Exception):
                self._conn.send(("stop",))
            self._proc.join(timeout=self.stop_timeout_s)
        self._discard()

    close = stop

    def __enter__(self) -> WorkerClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def run(
        self,
        request: GenerationRequest,
        info,
        images: dict[str, Path],
        out_path: Path,
        progress: ProgressFn = no_progress,
        cancel: CancelToken | None = None,
    ) -> GenerationResult:
        """Run one validated diffusers request (``info``: its ``ModelInfo``) to ``out_path``."""
        from previz.generation.executors import outcome

        args = {
            "request": request.to_json(),
            "info": info,
            "images": {k: str(v) for k, v in images.items()},
            "out": str(out_path),
        }
        return outcome(self.events("previz.generation.execute:run_task", args, cancel), progress)

    def call(self, fn, args, progress: ProgressFn = no_progress, cancel: CancelToken | None = None):
        """Run ``fn(args, progress, cancel)`` in the worker (``fn``: ``"module:function"`` or a function);
        returns what it returned, or raises its failure."""
        from previz.generation.executors import outcome

        return outcome(self.events(fn, args, cancel), progress)

    def events(self, fn, args, cancel: CancelToken | None = None):
        """Run ``fn(args, progress, cancel)`` in the worker, one job at a time: its events (``executors``:
        ``Started``, ``Progress``, ``Waiting`` ticks, then ``Finished`` with what it returned, ``Failed`` or
        ``Cancelled``). A worker that dies fails the job (``worker crashed: ...``); the next job starts a
        fresh one. Closing the iterator before the end stops the worker (its job would run for nobody)."""
        from previz.generation.executors import (
            TICK_S,
            Cancelled,
            Failed,
            Finished,
            Progress,
            Started,
            Waiting,
            failure,
        )

        cancel = cancel or CancelToken()
        with self._lock:
            settled = finished = False
            try:
                cancel.raise_if_cancelled()
                self.start()
                self._jobs += 1
                job = f"job-{os.getpid()}-{self._jobs}"
                conn = self._conn
                try:
                    conn.send(("run", job, fn, args, self.options))
                except (OSError, EOFError) as exc:
                    self._discard()
                    raise GenerationError(f"worker crashed: cannot send the job ({exc})") from exc
                yield Started(self.pid)
                cancel_sent_at: float | None = None
                last = time.monotonic()
                while True:
                    if cancel.cancelled and cancel_sent_at is None:
                        with contextlib.suppress(OSError, EOFError):
                            conn.send(("cancel", job))
                        cancel_sent_at = time.monotonic()
                    if cancel_sent_at is not None and time.monotonic() - cancel_sent_at > self.cancel_grace_s:
                        self._discard()  # busy in a model load or a long step: stop it now
                        settled = True
                        yield Cancelled("cancelled by the user (the worker was stopped)")
                        return
                    try:
                        message = conn.recv() if conn.poll(_POLL_S) else None
                    except (EOFError, OSError):
                        message = None
                        self._proc.join(timeout=1)
                    if message is None:
                        if not self._proc.is_alive():
                            code = self._proc.exitcode
                            self._discard()
                            settled = True
                            yield Failed(f"worker crashed: {_describe_exit(code)} during {job}")
                            return
                        if time.monotonic() - last >= TICK_S:
                            last = time.monotonic()
                            yield Waiting()
                        continue
                    if message[1] != job:
                        continue
                    kind, last = message[0], time.monotonic()
                    if kind == "progress":
                        yield Progress(message[2], message[3], message[4])
                    elif kind == "done":
                        settled = finished = True
                        value = message[2]
                        yield value if isinstance(value, Finished) else Finished(value)
                        return
                    elif kind == "failed":
                        settled = True
                        if message[2] == "cancelled":
                            yield Cancelled(message[3])
                        else:
                            prefix = "worker error: " if message[2] == "internal" else ""
                            yield Failed(prefix + message[3])
                        return
            except (PrevizError, CancelledError) as exc:
                settled = True
                yield failure(exc)
            finally:
                if not settled:
                    # The consumer stopped listening (or its progress callback raised): the job would run
                    # on and write its file for nobody, so stop the worker.
                    self._discard()
                out = args.get("out") if isinstance(args, dict) else None
                if out and not finished:  # a worker that died mid-encode leaves its partial file
                    partial_path(Path(out)).unlink(missing_ok=True)


def main() -> int:  # pragma: no cover - manual use: python -m previz.generation.worker
    """Smoke test: start a worker, report its pid, stop it."""
    with WorkerClient() as client:
        client.start()
        print(f"previz generation worker ready (pid {client.pid})", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
