"""Helpers shared by the command modules: opening projects, printing tables and JSON."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from typing import Any

from previz.core.session import ProjectSession


@contextmanager
def open_project(path: str, *, write: bool) -> Iterator[ProjectSession]:
    session = ProjectSession.open(path, readonly=not write)
    if write:
        from previz.generation.shot_request import watch_stale

        watch_stale(session)
    try:
        yield session
    finally:
        session.close()


def print_json(data: Any) -> None:
    def default(obj):
        if is_dataclass(obj):
            return asdict(obj)
        if isinstance(obj, (set, frozenset, tuple)):
            return list(obj)
        return str(obj)

    json.dump(data, sys.stdout, indent=2, default=default, ensure_ascii=False)
    sys.stdout.write("\n")


def print_table(headers: list[str], rows: list[list[Any]]) -> None:
    cells = [[str(c) for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths))
    print(line.rstrip())
    for row in cells:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())


def ellipsize(text: str, width: int = 48) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


class ProgressBar:
    """A ``progress(done, total, message)`` callable for long commands (export, project copy): a bar on a
    terminal, plain lines (every 10 %) otherwise."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.last_decile = -1
        self.started = time.perf_counter()

    def __call__(self, done: int, total: int, message: str = "") -> None:
        fraction = done / total if total else 1.0
        if self.tty:
            width = 30
            filled = round(fraction * width)
            bar = "█" * filled + "·" * (width - filled)
            self.stream.write(f"\r[{bar}] {fraction:4.0%} {message[:60]:<60}")
            if done >= total:
                self.stream.write("\n")
            self.stream.flush()
            return
        decile = int(fraction * 10)
        if decile != self.last_decile:
            self.last_decile = decile
            self.stream.write(f"{fraction:.0%} {message}\n")
            self.stream.flush()
