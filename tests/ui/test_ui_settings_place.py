"""The app's settings live in one place, Previz's config folder (the CLI's: ``PREVIZ_CONFIG_DIR``), not
also in Qt's "Previz" folder; settings an older version kept there are read (copied once) and left as they
were."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from previz.generation.model_folders import config_dir
from previz.ui import settings


@pytest.fixture
def real_places(tmp_path, monkeypatch, qapp):
    """No PREVIZ_SETTINGS_DIR; the config folder and Qt's user folder in tmp_path."""
    monkeypatch.delenv("PREVIZ_SETTINGS_DIR", raising=False)
    monkeypatch.setenv("PREVIZ_CONFIG_DIR", str(tmp_path / "config"))
    fmt, scope = QSettings.Format.IniFormat, QSettings.Scope.UserScope
    original = settings.legacy_settings_path().parent.parent
    QSettings.setPath(fmt, scope, str(tmp_path / "qt"))
    settings._checked.clear()
    yield tmp_path
    QSettings.setPath(fmt, scope, str(original))
    settings._checked.clear()


def test_settings_go_to_the_cli_config_folder_only(real_places):
    settings.add_recent_project(real_places / "film.previz")
    settings.put("review/author", "Ana")
    assert settings.settings_path() == config_dir() / "previz.ini" == real_places / "config" / "previz.ini"
    assert "Ana" in settings.settings_path().read_text()
    assert not (real_places / "qt").exists()  # nothing in Qt's "Previz" folder
    settings._checked.clear()  # a new process reads them back
    assert settings.get("review/author") == "Ana"
    assert settings.recent_projects() == [str((real_places / "film.previz").resolve())]


def test_an_older_versions_settings_are_read_and_left_alone(real_places):
    legacy = real_places / "qt" / "Previz" / "Previz.ini"
    assert settings.legacy_settings_path() == legacy
    old = QSettings(str(legacy), QSettings.Format.IniFormat)
    old.setValue("recent/projects", ["/films/keeper.previz"])
    old.setValue("review/author", "Bo")
    old.sync()
    before = legacy.read_bytes()
    assert settings.recent_projects() == ["/films/keeper.previz"]
    assert settings.get("review/author") == "Bo"
    settings.put("review/author", "Ana")  # written to the new place only
    assert settings.get("review/author") == "Ana"
    assert legacy.read_bytes() == before
    settings._checked.clear()  # the next launch: the new file exists, the old one is not copied again
    assert settings.get("review/author") == "Ana"
    assert Path(settings.settings_path()).parent == config_dir()
