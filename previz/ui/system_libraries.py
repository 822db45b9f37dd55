"""Before the first window on Linux/X11: does this machine have the system libraries Qt's xcb platform needs?

A fresh Linux machine often lacks a few of them (``libxcb-cursor0`` first of all); Qt then aborts with
"Could not load the Qt platform plugin "xcb"", which says nothing about what to install. This module
checks before ``QApplication`` is created — ``ldd`` on the xcb plugin when both are there, else
``ctypes.util.find_library`` for each library the plugin needs — and names the missing libraries with the
Debian/Ubuntu and Fedora packages that provide them.
"""

from __future__ import annotations

import ctypes.util
import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from previz.core.errors import PrevizError

#: Library the xcb platform plugin loads → (Debian/Ubuntu package, Fedora package).
XCB_LIBRARIES: dict[str, tuple[str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-xinput.so.0": ("libxcb-xinput0", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libSM.so.6": ("libsm6", "libSM"),
    "libICE.so.6": ("libice6", "libICE"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
}


class SystemLibrariesMissing(PrevizError):
    """The window cannot open: system libraries Qt needs are not installed (names them and the packages)."""

    def __init__(self, missing: list[str]) -> None:
        self.missing = missing
        super().__init__(install_message(missing))


def uses_xcb(env: Mapping[str, str]) -> bool:
    """True when Qt will use its xcb (X11) platform: Linux, a ``DISPLAY``, and ``QT_QPA_PLATFORM`` unset
    or naming xcb first."""
    platform = env.get("QT_QPA_PLATFORM", "").strip()
    first = platform.replace(";", ":").split(":")[0].strip()
    return sys.platform.startswith("linux") and bool(env.get("DISPLAY")) and first in ("", "xcb")


def xcb_plugin() -> Path | None:
    """PySide6's ``libqxcb.so``, found without importing Qt."""
    spec = importlib.util.find_spec("PySide6")
    for root in (spec.submodule_search_locations or []) if spec is not None else []:
        plugin = Path(root) / "Qt" / "plugins" / "platforms" / "libqxcb.so"
        if plugin.is_file():
            return plugin
    return None


def not_found_in_ldd(text: str) -> list[str]:
    """The libraries ``ldd`` reports as ``=> not found``, each once, in order."""
    missing: list[str] = []
    for line in text.splitlines():
        name, _, where = line.strip().partition("=>")
        name = name.strip()
        if where.strip() == "not found" and name not in missing:
            missing.append(name)
    return missing


def _library_stem(soname: str) -> str:
    """``libxcb-cursor.so.0`` → ``xcb-cursor`` (what ``find_library`` takes)."""
    return soname.removeprefix("lib").split(".so")[0]


def not_found_by_name(
    libraries: Iterable[str], find_library: Callable[[str], str | None] = ctypes.util.find_library
) -> list[str]:
    """The libraries ``find_library`` does not find."""
    return [so for so in libraries if not find_library(_library_stem(so))]


def missing_libraries(
    plugin: Path | None = None,
    *,
    run_ldd: Callable[[Path], str] | None = None,
    find_library: Callable[[str], str | None] = ctypes.util.find_library,
    use_ldd: bool = True,
) -> list[str]:
    """The system libraries the xcb plugin needs that this machine lacks (empty: all there): ``ldd`` on the
    plugin when both are there (``use_ldd``), else each library of ``XCB_LIBRARIES`` by name."""
    plugin = plugin or xcb_plugin()
    if run_ldd is None and shutil.which("ldd"):
        run_ldd = _ldd
    if use_ldd and plugin is not None and run_ldd is not None:
        try:
            return not_found_in_ldd(run_ldd(plugin))
        except (OSError, subprocess.SubprocessError):
            pass  # no usable ldd: ask the loader's search instead
    return not_found_by_name(XCB_LIBRARIES, find_library)


def _ldd(plugin: Path) -> str:
    return subprocess.run(
        ["ldd", str(plugin)], capture_output=True, text=True, timeout=30, check=False
    ).stdout


def install_message(missing: list[str]) -> str:
    """One line: which libraries are missing, and the apt and dnf commands that install them."""
    debian = sorted({XCB_LIBRARIES[so][0] for so in missing if so in XCB_LIBRARIES})
    fedora = sorted({XCB_LIBRARIES[so][1] for so in missing if so in XCB_LIBRARIES})
    unknown = [so for so in missing if so not in XCB_LIBRARIES]
    text = (
        f"the Qt xcb (X11) platform cannot load: this machine lacks {', '.join(missing)}. "
        f"Install {'them' if len(missing) > 1 else 'it'} — Debian/Ubuntu: "
        f"sudo apt install {' '.join(debian) or '(see below)'}; Fedora: sudo dnf install "
        f"{' '.join(fedora) or '(see below)'}"
    )
    if unknown:
        text += f"; find the package that provides {', '.join(unknown)} for your distribution"
    return text + ", then start Previz again."


def check_system_libraries(env: Mapping[str, str] | None = None, **kw) -> None:
    """Raise ``SystemLibrariesMissing`` when Qt will use xcb and libraries it needs are missing."""
    env = os.environ if env is None else env
    if not uses_xcb(env):
        return
    missing = missing_libraries(**kw)
    if missing:
        raise SystemLibrariesMissing(missing)
