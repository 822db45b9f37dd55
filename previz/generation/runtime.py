"""The GPU runtime: the Python environment the generation worker runs in.

In a source install the current environment is the runtime. The desktop bundle holds no torch, so there
the worker runs in an environment Previz manages (``previz runtime install``). This module says where that
runtime lives (``runtime_root``: ``PREVIZ_RUNTIME_DIR`` or the user data folder), whether one is installed
(``installed_runtime``: only a complete one, its manifest written), which interpreter runs the worker
(``worker_interpreter``) and how it is started (``worker_context``).

The plan (which torch build for the machine's driver) is in ``runtime_plan``, the install in
``runtime_install``, the check (a probe run in the runtime's Python) in ``runtime_check``. Nothing here
imports torch.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from previz.core.errors import GenerationError

RUNTIME_DIR_ENV = "PREVIZ_RUNTIME_DIR"
#: Written into the environment as the last step of an install; an environment without it is not used.
MANIFEST = "previz-runtime.json"


class RuntimeSetupError(GenerationError):
    """The runtime cannot be planned, installed or used (names what was found and what is needed)."""


def version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.strip().split("."):
        digits = "".join(c for c in piece if c.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


# -- where it lives ----------------------------------------------------------------------------------------
def runtime_root(override: str | os.PathLike | None = None) -> Path:
    """``--dir``, else ``PREVIZ_RUNTIME_DIR``, else the user data folder's ``runtime``
    (``~/.local/share/previz/runtime`` on Linux, ``%LOCALAPPDATA%\\previz\\runtime`` on Windows)."""
    if override:
        return Path(override).expanduser().absolute()
    if os.environ.get(RUNTIME_DIR_ENV):
        return Path(os.environ[RUNTIME_DIR_ENV]).expanduser().absolute()
    import platformdirs

    return Path(platformdirs.user_data_dir("previz", appauthor=False)) / "runtime"


def env_dir(root: Path) -> Path:
    return Path(root) / "env"


def env_python(env: Path) -> Path:
    return Path(env) / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


@dataclass(frozen=True)
class InstalledRuntime:
    env: Path
    python: Path
    manifest: dict

    @property
    def build(self) -> str:
        return str(self.manifest.get("plan", {}).get("build", "?"))


def installed_runtime(root: str | os.PathLike | None = None) -> InstalledRuntime | None:
    """The complete runtime under ``root`` (its manifest written, its Python present), or None."""
    env = env_dir(runtime_root(root))
    try:
        manifest = json.loads((env / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    python = env_python(env)
    return InstalledRuntime(env, python, manifest) if python.exists() else None


# -- which interpreter runs the worker ------------------------------------------------------------------
@dataclass(frozen=True)
class WorkerInterpreter:
    python: Path
    env: dict[str, str]  # variables set for the worker on top of this process's environment
    description: str
    managed: bool


def previz_sources() -> Path:
    """The folder holding the ``previz`` package sources: the bundle ships them in ``previz-src``."""
    if getattr(sys, "frozen", False):
        return Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent)) / "previz-src"
    return Path(__file__).resolve().parents[2]


def worker_interpreter(root: str | os.PathLike | None = None) -> WorkerInterpreter:
    """The current environment in a source install; the managed runtime in a bundle (or when ``root``
    names one). Refused with what to do when that runtime is not installed."""
    if root is None and not getattr(sys, "frozen", False):
        return WorkerInterpreter(Path(sys.executable), {}, "the current environment (source install)", False)
    runtime = installed_runtime(root)
    if runtime is None:
        where = env_dir(runtime_root(root))
        raise RuntimeSetupError(
            f"the GPU runtime is not installed (looked in {where}): run `previz runtime install`, or "
            "Preferences → Runtime → Install runtime…"
        )
    env = {"PYTHONPATH": str(previz_sources()), "PYTHONNOUSERSITE": "1"}
    return WorkerInterpreter(runtime.python, env, f"the Previz runtime at {runtime.env}", True)


def worker_context():
    """The process context that starts the generation worker: ``multiprocessing``'s spawn context in a
    source install; in a bundle, one that starts the managed runtime's Python (``runtime_launch``),
    because a frozen app's ``multiprocessing`` can only start itself."""
    if not getattr(sys, "frozen", False):
        import multiprocessing

        return multiprocessing.get_context("spawn")
    from previz.generation.runtime_launch import RuntimeContext

    return RuntimeContext()
