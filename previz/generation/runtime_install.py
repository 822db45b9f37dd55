"""``previz runtime install``: make the managed runtime a ``RuntimePlan`` describes.

A job (``progress(done, total, message)`` and a ``CancelToken``): ``python -m venv`` into a hidden
``.env.partial-PID`` folder beside the runtime, pip updated there (a pip that has ``--progress-bar raw``
reports each download's bytes), one ``pip install`` per plan step (pip's lines as progress messages,
everything else pip says in ``logs/install-TIME.log``), the probe run in the new environment, its manifest
written, then the folder renamed to ``env`` (a previous runtime is replaced only then). A cancel
stops pip at once; a cancel or a failure removes the partial folder, so nothing half-made is ever used. A
partial folder left by a killed install is removed by the next one. The environment is used through
``python -m`` only: console scripts keep the partial folder's path in their first line.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from previz import __version__
from previz.core import partials
from previz.core.errors import CancelledError
from previz.core.jobs import CancelToken, ProgressFn, no_progress
from previz.generation.runtime import MANIFEST, RuntimeSetupError, env_dir, env_python
from previz.generation.runtime_check import RuntimeReport, check_runtime
from previz.generation.runtime_plan import RuntimePlan

LOCK = "install.lock"
_POLL_S = 0.1
#: pip's lines worth showing as progress (the rest goes to the log only).
_SHOWN = (
    "Collecting",
    "Downloading",
    "Installing",
    "Successfully",
    "Requirement already",
    "Building",
    "ERROR",
)


@dataclass(frozen=True)
class InstallResult:
    env: Path
    python: Path
    log: Path
    seconds: float
    size_bytes: int
    report: RuntimeReport | None


def folder_size(path: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(dirpath, name)).st_size
    return total


def _take_lock(root: Path) -> Path:
    lock = root / LOCK
    try:
        holder = partials.claim_pid_file(lock)
    except FileExistsError as exc:
        raise RuntimeSetupError(f"cannot take the install lock: {exc}") from None
    if holder is not None:
        raise RuntimeSetupError(
            f"another runtime install is running into {root} (process {holder}): wait for it to end"
        )
    return lock


def _size(n: int) -> str:
    return f"{n / 2**20:.0f} MB" if n >= 2**20 else f"{n / 1024:.0f} kB"


class PipOutput:
    """Turns pip's lines into progress messages: the lines worth showing, and with ``--progress-bar raw``
    the bytes of the file being downloaded (``Progress N of M`` lines, which are not logged)."""

    RAW = re.compile(r"^Progress (\d+) of (\d+)$")

    def __init__(self, what: str, report) -> None:
        self.what, self.report, self.file = what, report, ""

    def __call__(self, line: str) -> bool:
        """Report ``line``; False when it should stay out of the log."""
        text = line.strip()
        raw = self.RAW.match(text)
        if raw:
            done, total = int(raw.group(1)), int(raw.group(2))
            if total:
                self.report(f"{self.what}: downloading {self.file} ({_size(done)} of {_size(total)})")
            return False
        if text.startswith("Downloading "):
            name = text.split()[1].rsplit("/", 1)[-1].replace("%2B", "+")
            self.file = "-".join(name.split("-")[:2])  # torch-2.9.0+cu128
        if text.startswith(_SHOWN):
            self.report(f"{self.what}: {text[:160]}")
        return True


def pip_has_raw_progress(python: str) -> bool:
    """Whether this pip offers ``--progress-bar raw`` (pip 24.2 and later)."""
    try:
        done = subprocess.run(
            [python, "-m", "pip", "install", "--help"], capture_output=True, text=True, timeout=120
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    text = done.stdout or ""
    start = text.find("--progress-bar")
    option = text[start : text.find("\n  --", start + 1)] if start >= 0 else ""  # its help, to the next one
    return "raw" in option


class _Run:
    """One command whose output goes to the log, line by line to ``on_line`` (which may answer False to
    keep a line out of the log), stoppable by ``cancel``."""

    def __init__(self, command: list[str], log, on_line, cancel: CancelToken) -> None:
        self.command, self.log, self.on_line, self.cancel = command, log, on_line, cancel

    def __call__(self) -> int:
        self.log.write(f"$ {' '.join(self.command)}\n")
        self.log.flush()
        kwargs = {"start_new_session": True} if os.name != "nt" else {}
        env = {**os.environ, "PYTHONNOUSERSITE": "1", "PIP_NO_INPUT": "1", "PYTHONUNBUFFERED": "1"}
        proc = subprocess.Popen(
            self.command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            errors="replace",
            env=env,
            **kwargs,
        )
        lines: queue.Queue = queue.Queue()

        def read() -> None:
            for line in proc.stdout:
                lines.put(line)
            lines.put(None)

        threading.Thread(target=read, name="previz-runtime-pip", daemon=True).start()
        try:
            while True:
                if self.cancel.cancelled:
                    self.log.write("-- cancelled by the user\n")
                    raise CancelledError("runtime install cancelled by the user; nothing was installed")
                try:
                    line = lines.get(timeout=_POLL_S)
                except queue.Empty:
                    continue
                if line is None:
                    break
                if self.on_line(line.rstrip()) is not False:
                    self.log.write(line)
        except BaseException:  # cancelled, Ctrl+C, a failing progress callback: pip must not run on
            self._stop(proc)
            raise
        code = proc.wait()
        self.log.write(f"-- exit code {code}\n")
        self.log.flush()
        return code

    @staticmethod
    def _stop(proc: subprocess.Popen) -> None:
        with contextlib.suppress(OSError):
            if os.name != "nt":
                os.killpg(proc.pid, signal.SIGTERM)  # pip and the builds it started
            else:
                proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL) if os.name != "nt" else proc.kill()
            proc.wait(10)


def _tail(log_path: Path, lines: int = 3) -> str:
    try:
        text = log_path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    useful = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith(("$ ", "-- "))]
    errors = [ln for ln in useful if ln.startswith("ERROR")]
    return " | ".join((errors or useful)[-lines:])


def install_runtime(
    plan: RuntimePlan,
    progress: ProgressFn = no_progress,
    cancel: CancelToken | None = None,
    *,
    pip_args: tuple[str, ...] = (),
    verify: bool = True,
) -> InstallResult:
    """Install ``plan`` into ``plan.root/env`` (``pip_args``: more pip options, e.g. ``--no-index
    --find-links DIR``; ``verify``: run the probe in the new environment before it is used)."""
    cancel = cancel or CancelToken()
    root = Path(plan.root)
    try:
        root.mkdir(parents=True, exist_ok=True)
        free = shutil.disk_usage(root).free
    except OSError as exc:
        raise RuntimeSetupError(f"cannot write the runtime folder {root}: {exc.strerror or exc}") from exc
    if free < plan.disk_needed_mib * 2**20:
        raise RuntimeSetupError(
            f"{root}: {free / 2**30:.1f} GB free; the {plan.build} runtime needs about "
            f"{plan.disk_needed_mib / 1024:.0f} GB: free some space or choose another folder (--dir)"
        )
    lock = _take_lock(root)
    started = time.monotonic()
    staging = root / f".env.partial-{os.getpid()}"
    log_path = root / "logs" / f"install-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
    total = len(plan.steps) + 3 + (1 if verify else 0)
    try:
        log_path.parent.mkdir(exist_ok=True)
        partials.remove_stale(root)
        shutil.rmtree(staging, ignore_errors=True)
        with open(log_path, "w", encoding="utf-8") as log:
            log.write(json.dumps(plan.to_dict(), indent=2, default=str) + "\n")
            done = 0

            def step(command: list[str], what: str) -> None:
                progress(done, total, what)
                code = _Run(command, log, PipOutput(what, lambda m: progress(done, total, m)), cancel)()
                if code != 0:
                    raise RuntimeSetupError(
                        f"{what} failed (exit code {code}): {_tail(log_path) or 'no output'}; "
                        f"full log: {log_path}"
                    )

            step([plan.python.path, "-m", "venv", str(staging)], "creating the Python environment")
            done += 1
            python = str(env_python(staging))
            pip = [python, "-m", "pip", "install", "--disable-pip-version-check", "--no-cache-dir"]
            step([*pip, "--upgrade", "pip", *pip_args], "updating pip")
            done += 1
            if pip_has_raw_progress(python):
                pip += ["--progress-bar", "raw"]
            for item in plan.steps:
                command = pip + list(item.requirements)
                if item.index_url:
                    command += ["--index-url", item.index_url]
                step(command + list(pip_args), f"installing {item.label}")
                done += 1
            report = None
            if verify:
                cancel.raise_if_cancelled()
                progress(done, total, "checking the new runtime")
                report = check_runtime(python=python)
                log.write("\n".join(report.lines()) + "\n")
                if report.torch is None:
                    raise RuntimeSetupError(
                        f"the new runtime does not work: {'; '.join(report.problems())}; full log: {log_path}"
                    )
                done += 1
            cancel.raise_if_cancelled()
            manifest = {
                "previz": __version__,
                "installed": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "plan": plan.to_dict(),
                "torch": report.torch if report else None,
                "log": str(log_path),
            }
            (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
            progress(done, total, "putting the runtime in place")
            env = _replace(staging, env_dir(root))
            progress(total, total, f"runtime installed in {env}")
        return InstallResult(
            env, env_python(env), log_path, time.monotonic() - started, folder_size(env), report
        )
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        lock.unlink(missing_ok=True)


def _replace(staging: Path, env: Path) -> Path:
    """Rename ``staging`` to ``env``, moving a previous runtime aside first and removing it after."""
    old = env.with_name(f".{env.name}.old-{os.getpid()}")
    if env.exists():
        try:
            env.rename(old)
        except OSError as exc:
            raise RuntimeSetupError(
                f"cannot replace the runtime in {env} ({exc.strerror or exc}): close Previz's generation "
                "worker (quit the app) and install again"
            ) from exc
    try:
        staging.rename(env)
    except OSError as exc:
        if old.exists():
            old.rename(env)
        raise RuntimeSetupError(f"cannot put the runtime in place at {env}: {exc.strerror or exc}") from exc
    shutil.rmtree(old, ignore_errors=True)
    return env
