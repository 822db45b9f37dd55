"""Proxy tasks for the tests, run in the viewer's proxy worker process (imported there as
``ui.proxy_tasks``): each says it started and waits to be released, through files in the folder
``$PREVIZ_TEST_PROXY_DIR`` (the worker is another process: no threading event reaches it)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from previz.core.errors import CancelledError


def _held(cancel) -> None:
    """Write ``started`` (this process's id), then wait for ``release`` (a cancel first: write
    ``cancelled`` and stop)."""
    folder = Path(os.environ["PREVIZ_TEST_PROXY_DIR"])
    (folder / "started").write_text(str(os.getpid()))
    while not (folder / "release").exists():
        if cancel.cancelled:
            (folder / "cancelled").touch()
            raise CancelledError("proxy cancelled")
        time.sleep(0.01)


def held_proxy(args, progress, cancel) -> str:
    """The real proxy, once released."""
    from previz.media.proxy import run_proxy_task

    _held(cancel)
    return run_proxy_task(args, progress, cancel)


def held_stand_in(args, progress, cancel) -> str:
    """A few bytes standing for a proxy, once released (for sources that are not videos)."""
    _held(cancel)
    target = Path(args["target"])
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"proxy")
    return str(target)


class Release:
    """The test's side: ``started()`` once the task waits, ``set()`` releases it, ``cancelled()`` once a
    cancel reached it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def started(self) -> bool:
        return (self.folder / "started").exists()

    def pid(self) -> int:
        """The id of the process the task ran in."""
        return int((self.folder / "started").read_text())

    def cancelled(self) -> bool:
        return (self.folder / "cancelled").exists()

    def set(self) -> None:
        (self.folder / "release").touch()
