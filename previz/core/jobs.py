"""The job interface shared by every kind of long work (generation, export, imports, proxies).

A job is a callable taking ``progress(done, total, message)`` and a ``CancelToken``. It never runs on
the UI thread; it checks the token between units of work and raises ``CancelledError`` when set.

A persisted job that runs records its ``JobHolder`` (host, pid and the process's start time), so another
process can tell whether the one running it is still alive.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from previz.core.errors import CancelledError
from previz.core.partials import pid_alive


class ProgressFn(Protocol):
    def __call__(self, done: int, total: int, message: str = "") -> None: ...


def no_progress(done: int, total: int, message: str = "") -> None:
    """A progress callback that ignores what it is told."""


class CancelToken:
    """Thread-safe cancel flag; long work polls it between units of work."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise CancelledError("cancelled by the user")


Job = Callable[[ProgressFn, CancelToken], object]


def process_start(pid: int) -> str:
    """A token for when process ``pid`` started ("" where the system does not say, or it is gone): with the
    pid it names one process, so a pid reused by a later process is not taken for the first."""
    try:
        stat = Path(f"/proc/{int(pid)}/stat").read_text()
    except (OSError, ValueError):
        return ""
    fields = stat[stat.rfind(")") + 2 :].split()
    return fields[19] if len(fields) > 19 else ""  # field 22 of the line: start time in clock ticks


#: ``JobHolder.this_process()`` by pid (one entry; a forked child adds its own).
_THIS_PROCESS: dict[int, JobHolder] = {}


@dataclass(frozen=True)
class JobHolder:
    """The process that runs a job, written to the job as ``host:pid:start``."""

    host: str
    pid: int
    start: str = ""

    @classmethod
    def this_process(cls) -> JobHolder:
        """This process as a holder: looked up once per process (a job's claim asks at every claim; the
        start time is a read of ``/proc``), again in a forked child (another pid)."""
        pid = os.getpid()
        known = _THIS_PROCESS.get(pid)
        if known is None:
            known = _THIS_PROCESS[pid] = cls(socket.gethostname(), pid, process_start(pid))
        return known

    @classmethod
    def parse(cls, text: str) -> JobHolder | None:
        """The holder written by ``str(holder)``; None for "" (nobody) or text that is not one."""
        host, sep, rest = (text or "").rpartition(":")
        if not sep:
            return None
        host, sep, pid = host.rpartition(":")
        try:
            return cls(host, int(pid), rest) if sep and host else None
        except ValueError:
            return None

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}:{self.start}"

    def describe(self) -> str:
        return f"process {self.pid} on {self.host}"

    @property
    def on_this_host(self) -> bool:
        return self.host == socket.gethostname()

    def alive(self) -> bool | None:
        """Whether the holder still runs: None when it is on another host (only its lease can tell)."""
        if not self.on_this_host:
            return None
        if not pid_alive(self.pid):
            return False
        return not self.start or process_start(self.pid) in ("", self.start)
