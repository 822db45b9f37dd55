"""Running a few lines of the app in a fresh Python process (what a first launch imports and does, which a
test run's process, with everything imported already, cannot show)."""

from __future__ import annotations

import os
import subprocess
import sys


def run_app(code: str, root, tmp_path, timeout: float = 120) -> list[str]:
    """Run ``code`` (``sys.argv[1]`` is ``root``) offscreen with its own settings folder; its stdout lines.
    Fails the test with the process's stderr if it exits non-zero."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PREVIZ_SETTINGS_DIR=str(tmp_path / "settings"))
    out = subprocess.run(
        [sys.executable, "-c", code, str(root)], capture_output=True, text=True, env=env, timeout=timeout
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.splitlines()
