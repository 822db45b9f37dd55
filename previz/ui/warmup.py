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

from PySide6.QtCore import QObject, QTimer, Signal

#: What the first Generate, export or viewer jump imports on the UI thread when nothing warmed it.
LATER_MODULES = ("numpy", "previz.generation.execute", "previz.media.video", "previz.media.images")

_started: set[str] = set()
_lock = threading.Lock()


class _Imported(QObject):
    """Carries "imported" from the warm-up thread to the UI thread. Made there, without a parent, and kept
    in ``_pending`` until its signal has been delivered there (so it is deleted on its own thread); a
    receiver deleted meanwhile just drops its connection."""

    done = Signal()


_pending: set[_Imported] = set()


def import_in_background(modules=LATER_MODULES, then=None) -> threading.Thread | None:
    """Start importing ``modules`` on a daemon thread (each module once per process); the thread, or
    None when all were already started. ``then``: called on the UI thread once ``modules`` are imported
    (or failed to import), also when another thread started them (this one waits for them)."""
    with _lock:
        todo = [m for m in modules if m not in _started]
        _started.update(todo)
    if not todo and then is None:
        return None
    imported = None
    if then is not None:
        imported = _Imported()
        imported.done.connect(then)
        imported.done.connect(lambda: _pending.discard(imported))  # on the UI thread, after ``then``
        _pending.add(imported)

    def work() -> None:
        nonlocal imported
        for name in modules if then is not None else todo:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - the caller that needs it reports the failure
                pass
        if imported is not None:
            bridge, imported = imported, None  # the UI thread's ``_pending`` holds it from here on
            try:
                bridge.done.emit()
            except RuntimeError:  # deleted meanwhile (the app quit during the imports): nobody waits
                pass

    thread = threading.Thread(target=work, name="previz-warmup", daemon=True)
    thread.start()
    return thread


def warm_up_when_idle(parent, delay_ms: int = 300, modules=LATER_MODULES, then=None) -> None:
    """Call :func:`import_in_background` ``delay_ms`` after the event loop has shown the window (counted
    from its first turn: a window that took longer than ``delay_ms`` to build is painted first)."""

    def later() -> None:
        QTimer.singleShot(delay_ms, parent, lambda: import_in_background(modules, then))

    QTimer.singleShot(0, parent, later)
