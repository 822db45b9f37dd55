"""The generation worker: a long-lived process that keeps the last pipeline loaded between jobs.

The parent talks to it through a ``multiprocessing`` pipe (spawn context, so CUDA and fork never mix):

* parent -> worker: ``("run", job, request_json, model_info, images, out_path, options)``,
  ``("cancel", job)``, ``("stop",)``
* worker -> parent: ``("ready", pid)``, ``("progress", job, done, total, message)``,
  ``("done", job, result)``, ``("failed", job, kind, message)`` with kind ``generation``/``cancelled``/
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
from fractions import Fraction
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


def worker_main(conn) -> None:
    """Entry point of the worker process."""
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
            elif message[0] == "stop":
                jobs.put(None)
                return

    threading.Thread(target=reader, name="previz-worker-reader", daemon=True).start()
    import diffusers  # noqa: F401  (warm the import before the first job)

    from previz.generation.diffusers_backend import PipelineRunner
    from previz.generation.jobrun import run_diffusers_job

    _quiet_libraries()
    send("ready", os.getpid())
    runner: PipelineRunner | None = None
    while True:
        message = jobs.get()
        if message is None:
            return
        _, job, request_json, info, images, out_path, options = message
        token = tokens[job]
        if runner is None or runner.options != options:
            if runner is not None:
                runner.unload()  # new device/precision/offload options: drop the old pipeline first
            runner = PipelineRunner(options)

        def progress(done: int, total: int, text: str = "", _job=job) -> None:
            send("progress", _job, int(done), int(total), str(text))

        try:
            request = GenerationRequest.from_json(request_json)
            paths = {k: Path(v) for k, v in images.items()}
            result = run_diffusers_job(request, info, runner, paths, Path(out_path), progress, token)
            send("done", job, _result_dict(result))
        except CancelledError as exc:
            send("failed", job, "cancelled", str(exc))
        except PrevizError as exc:
            send("failed", job, "generation", exc.one_line())
        except Exception as exc:  # a library bug must not take the worker down silently
            send("failed", job, "internal", f"{type(exc).__name__}: {exc}".splitlines()[0])
        finally:
            tokens.pop(job, None)


def _result_dict(result: GenerationResult) -> dict[str, Any]:
    return {
        "path": str(result.path),
        "frames": result.frames,
        "width": result.width,
        "height": result.height,
        "fps": str(result.fps),
        "provenance": result.provenance,
    }


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
    ) -> None:
        from previz.generation.diffusers_backend import RuntimeOptions

        self.options = options or RuntimeOptions()
        self.cancel_grace_s = cancel_grace_s
        self.start_timeout_s = start_timeout_s
        #: How long ``stop`` waits for the worker to exit on its own (freeing a loaded pipeline and the
        #: interpreter takes seconds on a busy machine) before it kills it.
        self.stop_timeout_s = stop_timeout_s
        self._ctx = worker_context()  # spawn here; in a bundle, the managed runtime's Python
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
        """Start the worker (and wait until it has imported diffusers) unless one is running."""
        if self.alive():
            return
        self._discard()
        parent, child = self._ctx.Pipe(duplex=True)
        proc = self._ctx.Process(
            target=worker_main, args=(child,), name="previz-generation-worker", daemon=True
        )
        proc.start()
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
        cancel = cancel or CancelToken()
        out_path = Path(out_path)
        with self._lock:
            try:
                return self._run(request, info, images, out_path, progress, cancel)
            except BaseException:
                partial_path(out_path).unlink(missing_ok=True)
                raise

    def _run(self, request, info, images, out_path, progress, cancel) -> GenerationResult:
        cancel.raise_if_cancelled()
        self.start()
        self._jobs += 1
        job = f"job-{os.getpid()}-{self._jobs}"
        conn = self._conn
        images = {k: str(v) for k, v in images.items()}
        try:
            conn.send(("run", job, request.to_json(), info, images, str(out_path), self.options))
        except (OSError, EOFError) as exc:
            self._discard()
            raise GenerationError(f"worker crashed: cannot send the job ({exc})") from exc
        settled = False
        try:
            outcome = self._wait(job, conn, progress, cancel)
            settled = True
            return outcome
        except (GenerationError, CancelledError):
            settled = True  # the worker reported it, or it was already stopped
            raise
        finally:
            if not settled:
                # The caller's progress callback raised, or the wait was interrupted: the job would
                # run on and write its file for nobody, so stop the worker.
                self._discard()

    def _wait(self, job: str, conn, progress: ProgressFn, cancel: CancelToken) -> GenerationResult:
        cancel_sent_at: float | None = None
        while True:
            if cancel.cancelled and cancel_sent_at is None:
                with contextlib.suppress(OSError, EOFError):
                    conn.send(("cancel", job))
                cancel_sent_at = time.monotonic()
            if cancel_sent_at is not None and time.monotonic() - cancel_sent_at > self.cancel_grace_s:
                self._discard()  # busy in a model load or a long step: stop it now
                raise CancelledError("cancelled by the user (the worker was stopped)")
            try:
                ready = conn.poll(_POLL_S)
                message = conn.recv() if ready else None
            except (EOFError, OSError):
                message = None
                self._proc.join(timeout=1)
            if message is None:
                if not self._proc.is_alive():
                    code = self._proc.exitcode
                    self._discard()
                    raise GenerationError(f"worker crashed: {_describe_exit(code)} during {job}")
                continue
            kind = message[0]
            if kind == "progress" and message[1] == job:
                progress(message[2], message[3], message[4])
            elif kind == "done" and message[1] == job:
                data = message[2]
                return GenerationResult(
                    Path(data["path"]),
                    int(data["frames"]),
                    int(data["width"]),
                    int(data["height"]),
                    Fraction(data["fps"]),
                    data["provenance"],
                )
            elif kind == "failed" and message[1] == job:
                if message[2] == "cancelled":
                    raise CancelledError(message[3])
                prefix = "worker error: " if message[2] == "internal" else ""
                raise GenerationError(prefix + message[3])


def main() -> int:  # pragma: no cover - manual use: python -m previz.generation.worker
    """Smoke test: start a worker, report its pid, stop it."""
    with WorkerClient() as client:
        client.start()
        print(f"previz generation worker ready (pid {client.pid})", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
