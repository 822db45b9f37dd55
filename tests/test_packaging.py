"""Packaging: pyproject.toml builds without setuptools warnings, and `make setup` is quiet when it works."""

from __future__ import annotations

import shutil
import subprocess
import sys
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


# ----------------------------------------------------------------------------------- the desktop bundle
def _bundle_contents():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "bundle_contents", ROOT / "packaging" / "bundle_contents.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_bundle_ships_alembic_env_and_every_migration_as_files_beside_the_package():
    contents = _bundle_contents()
    shipped = {Path(dest) / Path(src).name for src, dest in contents.package_data()}
    migrations = ROOT / "previz" / "core" / "migrations"
    wanted = [migrations / "env.py", migrations / "script.py.mako", *sorted(migrations.glob("versions/*.py"))]
    assert len(wanted) >= 4
    for path in wanted:
        assert Path("previz") / path.relative_to(ROOT / "previz") in shipped, path
    # other modules are frozen into the archive, not copied as files
    assert Path("previz/core/session.py") not in shipped
    assert Path("previz/media/fonts/DejaVuSans.ttf") in shipped


def test_the_bundle_ships_the_package_sources_the_runtime_worker_imports():
    contents = _bundle_contents()
    sources = {Path(dest) / Path(src).name for src, dest in contents.package_sources()}
    assert contents.SOURCES_DEST == "previz-src"
    for module in ("generation/worker.py", "generation/request.py", "core/errors.py", "__init__.py"):
        assert Path("previz-src/previz") / module in sources
    assert not [p for p in sources if "__pycache__" in p.parts or p.suffix == ".pyc"]


def test_the_spec_excludes_the_model_libraries_and_nothing_the_app_imports():
    contents = _bundle_contents()
    spec = (ROOT / "packaging" / "previz.spec").read_text()
    assert "excludes=list(contents.EXCLUDED)" in spec and "contents.package_sources()" in spec
    # OTIO loads its EDL, FCP XML and AAF adapters from their files
    assert "include_py_files=package in contents.PLUGIN_SOURCES" in spec
    assert set(contents.PLUGIN_SOURCES) <= set(contents.DATA_PACKAGES)
    for name in (
        "torch",
        "diffusers",
        "transformers",
        "accelerate",
        "ray",
        "triton",
        "nvidia",
        "bitsandbytes",
    ):
        assert name in contents.EXCLUDED
    qt = "PySide6/Qt/lib/"
    assert contents.unused_qt(("libQt6Pdf.so.6", f"{qt}libQt6Pdf.so.6", "SYMLINK"))
    plugins = "PySide6/Qt/plugins/"
    assert contents.unused_qt((f"{plugins}platforminputcontexts/libqtvirtualkeyboardplugin.so", "", ""))
    for kept in ("libQt6Quick.so.6", "libQt6Multimedia.so.6", "libQt6Widgets.so.6", "libQt6Svg.so.6"):
        assert not contents.unused_qt((kept, f"{qt}{kept}", "SYMLINK"))
    assert not contents.unused_qt((f"{plugins}imageformats/libqsvg.so", "", ""))
    # what the CLI, the app's window, the demo and export import must all be in the bundle
    probe = (
        "import sys, previz.cli, previz.demo, previz.export.api, previz.ingest.apply, previz.ui.main_window;"
        "previz.cli.build_parser(); print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=_qt_env(), cwd=ROOT, check=True
    )
    imported = set(done.stdout.split())
    assert "previz" in imported and "PySide6" in imported
    assert imported & set(contents.EXCLUDED) == set()


def _qt_env() -> dict:
    import os

    return dict(os.environ, QT_QPA_PLATFORM="offscreen")


def test_the_desktop_entry_offers_previz_for_previz_projects_only():
    import xml.etree.ElementTree as ET

    entry = (ROOT / "packaging" / "previz.desktop").read_text()
    mime_line = next(line for line in entry.splitlines() if line.startswith("MimeType="))
    offered = [t for t in mime_line.removeprefix("MimeType=").split(";") if t]
    assert "inode/directory" not in offered
    ns = {"m": "http://www.freedesktop.org/standards/shared-mime-info"}
    info = ET.parse(ROOT / "packaging" / "io.previz.Previz.mime.xml").getroot()
    declared = {t.get("type"): t for t in info.findall("m:mime-type", ns)}
    assert offered and set(offered) <= set(declared)
    project = declared["application/x-previz-project"]
    assert [g.get("pattern") for g in project.findall("m:glob", ns)] == ["*.previz"]
    metainfo = (ROOT / "packaging" / "io.previz.Previz.metainfo.xml").read_text()
    assert "<mediatype>application/x-previz-project</mediatype>" in metainfo


# -------------------------------------------- a project that cannot be made leaves nothing and says why
@pytest.fixture
def no_migrations(tmp_path, monkeypatch):
    """An installation whose Alembic env.py is missing (what the first desktop bundle shipped)."""
    from previz.core import schema

    broken = tmp_path / "install" / "migrations"
    shutil.copytree(schema.MIGRATIONS_DIR / "versions", broken / "versions")
    monkeypatch.setattr(schema, "MIGRATIONS_DIR", broken)
    parent = tmp_path / "films"
    parent.mkdir()
    return parent


def test_a_project_whose_migrations_are_missing_is_refused_and_nothing_is_left(no_migrations):
    from previz.core.errors import ProjectError
    from previz.core.session import ProjectSession

    with pytest.raises(ProjectError) as caught:
        ProjectSession.create(no_migrations / "Harbour", name="Harbour")
    message = caught.value.one_line()
    assert message.startswith(f"{no_migrations / 'Harbour.previz'}: not created")
    assert "env.py" in message and "reinstall" in message
    assert list(no_migrations.iterdir()) == []  # neither the project nor its hidden build folder


def test_previz_new_says_why_in_one_line_and_exits_1(no_migrations, capsys):
    from previz.cli import main

    assert main(["new", str(no_migrations / "Harbour")]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"previz: error: {no_migrations / 'Harbour.previz'}: not created")
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert list(no_migrations.iterdir()) == []


def test_file_new_project_shows_the_failure_and_leaves_nothing(no_migrations, qtbot, monkeypatch):
    monkeypatch.setenv("PREVIZ_SETTINGS_DIR", str(no_migrations.parent / "settings"))
    from previz.ui.dialogs.new_project import NewProjectDialog

    dialog = NewProjectDialog(folder=str(no_migrations))
    qtbot.addWidget(dialog)
    dialog.name.setText("Harbour")
    assert not dialog.create_project()
    assert dialog.session is None
    shown = dialog.fields.general
    assert not shown.isHidden() and shown.text().startswith(
        f"{no_migrations / 'Harbour.previz'}: not created"
    )
    assert list(no_migrations.iterdir()) == []


def test_file_new_project_shows_an_unexpected_fault_too(tmp_path, qtbot, monkeypatch):
    monkeypatch.setenv("PREVIZ_SETTINGS_DIR", str(tmp_path / "settings"))
    from previz.core import schema
    from previz.ui.dialogs.new_project import NewProjectDialog

    def broken_upgrade(conn):
        raise RuntimeError("simulated fault")

    monkeypatch.setattr(schema, "upgrade", broken_upgrade)
    films = tmp_path / "films"
    films.mkdir()
    dialog = NewProjectDialog(folder=str(films))
    qtbot.addWidget(dialog)
    dialog.name.setText("Harbour")
    assert not dialog.create_project()
    assert dialog.fields.general.text() == f"{films / 'Harbour.previz'}: not created: simulated fault"
    assert list(films.iterdir()) == []


def test_the_bundle_entry_opens_the_window_straight_and_runs_every_other_command(tmp_path):
    """packaging/previz_main.py (the bundle's entry): `app …` and a lone NAME.previz go straight to the app
    (which, with the hidden --quit-when-shown, says when its window is up and quits); anything else is the
    CLI."""
    from previz import __version__

    env = dict(_qt_env(), PREVIZ_SETTINGS_DIR=str(tmp_path / "settings"))
    entry = [sys.executable, str(ROOT / "packaging" / "previz_main.py")]
    shown = subprocess.run(
        [*entry, "app", "--no-reopen", "--quit-when-shown"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert (shown.returncode, shown.stdout) == (0, "main window shown\n"), shown.stderr
    missing = subprocess.run(
        [*entry, str(tmp_path / "gone.previz")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert missing.returncode == 1
    assert missing.stderr.startswith(f"previz: error: {tmp_path / 'gone.previz'}: no such project")
    version = subprocess.run([*entry, "--version"], capture_output=True, text=True, env=env, timeout=300)
    assert (version.returncode, version.stdout.strip()) == (0, f"previz {__version__}")
