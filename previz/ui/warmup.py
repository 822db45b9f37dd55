"""Import, on a background thread once the window is idle, the modules the app will need on the UI thread
later but not at launch.

Queueing a take imports the generation layer (``previz.generation.execute``: the animatic backend, PyAV,
OpenCV) to validate the request. On the UI thread that import held the event loop for a third of a second
at the first Generate; imported here, a few hundred milliseconds after the project opens, it costs the
launch nothing and the first Generate finds it in ``sys.modules``. A module that fails to import is left
for its caller to report (a build without the generation layer, for one).
"""

from __future__ import annotations

import importlib
import threading

from PySide6.QtCore import QTimer

#: What the first Generate, export or viewer jump imports on the UI thread when nothing warmed it.
LATER_MODULES = ("numpy", "previz.generation.execute", "previz.media.video", "previz.media.images")

_started: set[str] = set()
_lock = threading.Lock()


def import_in_background(modules=LATER_MODULES) -> threading.Thread | None:
    """Start importing ``modules`` on a daemon thread (each module once per process); the thread, or
    None when all were already started."""
    with _lock:
        todo = [m for m in modules if m not in _started]
        _started.update(todo)
    if not todo:
        return None

    def work() -> None:
        for name in todo:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - the caller that needs it reports the failure
                pass

    thread = threading.Thread(target=work, name="previz-warmup", daemon=True)
    thread.start()
    return thread


def warm_up_when_idle(parent, delay_ms: int = 300, modules=LATER_MODULES) -> None:
    """Call :func:`import_in_background` ``delay_ms`` after the event loop has shown the window."""
    QTimer.singleShot(delay_ms, parent, lambda: import_in_background(modules))
