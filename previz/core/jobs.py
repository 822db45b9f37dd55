"""The job interface shared by every kind of long work (generation, export, imports, proxies).

A job is a callable taking ``progress(done, total, message)`` and a ``CancelToken``. It never runs on
the UI thread; it checks the token between units of work and raises ``CancelledError`` when set.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol

from previz.core.errors import CancelledError


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
