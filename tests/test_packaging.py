"""Packaging: pyproject.toml builds without setuptools warnings, and `make setup` is quiet when it works."""

from __future__ import annotations

import shutil
import subprocess
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

FAKE_PYTHON = """#!/bin/sh
# "python3 -m venv DIR" makes DIR/bin/python (this script); "python -m pip ..." prints what pip does
# on this machine (a warning from its config) and fails when asked to
if [ "$1 $2" = "-m venv" ]; then mkdir -p "$3/bin"; cp "$0" "$3/bin/python"; exit 0; fi
echo "WARNING: Location '/opt/wheels' is ignored" >&2
case "$*" in *"$FAIL_ON"*) [ -n "$FAIL_ON" ] && { echo "ERROR: no matching distribution" >&2; exit 1; };; esac
exit 0
"""


def test_pyproject_reads_without_a_setuptools_warning(monkeypatch):
    from setuptools.config.pyprojecttoml import apply_configuration
    from setuptools.dist import Distribution

    monkeypatch.chdir(ROOT)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dist = apply_configuration(Distribution(), ROOT / "pyproject.toml")
    assert [str(w.message).splitlines()[0] for w in caught] == []
    assert dist.metadata.license_expression == "LicenseRef-Proprietary"


def _make_setup(tmp_path: Path, fail_on: str = "") -> subprocess.CompletedProcess:
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    fake = tmp_path / "fakepython"
    fake.write_text(FAKE_PYTHON)
    fake.chmod(0o755)
    return subprocess.run(
        ["make", "--no-print-directory", "setup", f"PYTHON={fake}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "FAIL_ON": fail_on},
    )


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_setup_is_quiet_on_success_and_shows_the_log_on_failure(tmp_path):
    done = _make_setup(tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (0, "setting up .venv\n", "")
    assert (tmp_path / ".venv" / ".installed").exists()
    assert "is ignored" in (tmp_path / ".venv" / "setup.log").read_text()

    shutil.rmtree(tmp_path / ".venv")
    failed = _make_setup(tmp_path, fail_on=".[dev,farm]")
    assert failed.returncode != 0 and not (tmp_path / ".venv" / ".installed").exists()
    assert "ERROR: no matching distribution" in failed.stdout
    assert "make setup failed; log: .venv/setup.log" in failed.stderr
