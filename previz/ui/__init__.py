"""The desktop app (PySide6). Only this package imports Qt.

PySide6 6.12 on Python < 3.12 drops a reference to ``None`` on every call of a Qt method that returns
nothing, and sometimes to ``True``/``False`` (it assumes the immortal singletons of Python 3.12+), so a
long session would eventually free one of them and abort ("none_dealloc", "bool_dealloc"). On those
versions we give the three singletons a very large reference count once, which makes them immortal in
practice — exactly what Python 3.12+ does — and is harmless otherwise.
"""

from __future__ import annotations

import sys


def _immortalise_singletons() -> None:
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return
    import ctypes

    for singleton in (None, True, False):
        refcnt = ctypes.c_ssize_t.from_address(id(singleton))
        if refcnt.value < 2**40:
            refcnt.value += 2**50


_immortalise_singletons()


def _import_core_before_qt() -> None:
    """PySide6 installs an import hook that reads the source of every Python module imported after it
    (looking for its ``__feature__`` switches): at launch that was some 400 modules of SQLAlchemy and the
    core, a tenth of the launch's CPU time. The app needs the core's session (SQLAlchemy, the schema, the
    snapshots) and OpenTimelineIO's timecode at once anyway, so they are imported first, out of its way
    (the timecode extension alone: ``core.timecode.opentime``, not OpenTimelineIO's package).

    Python's cyclic garbage collector is paused meanwhile and what they made is then frozen out of its way
    (``gc.freeze``): some 50,000 objects that live as long as the process (modules, classes, SQLAlchemy's
    constructs), which collections during the launch scanned over and over, finding nothing to free. (Only a
    process that imports the app before Qt gets here: the app's own launch, not a test run.)"""
    if "PySide6" in sys.modules:
        return
    import gc

    collecting = gc.isenabled()
    gc.disable()
    try:
        import previz.core.review  # noqa: F401
        import previz.core.session  # noqa: F401
        from previz.core.timecode import opentime

        opentime()
    finally:
        if collecting:
            gc.freeze()
            gc.enable()


_import_core_before_qt()
