"""Where the app keeps its settings (``QSettings``): ``previz.ini`` in Previz's config folder, the one the
CLI keeps its model folders and credentials in (``PREVIZ_CONFIG_DIR``, else the user's config folder:
``~/.config/previz`` on Linux), unless ``PREVIZ_SETTINGS_DIR`` names a folder (tests and benchmarks point it
at a temporary folder so they never touch the real settings).

Until this release the app kept them apart, in Qt's place for an organisation and application named
"Previz" (``~/.config/Previz/Previz.ini``): the first time the new file is missing, that file is copied to
it, so existing settings are read; the old file is left as it was (an older version still reads it)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from PySide6.QtCore import QSettings

ORGANISATION = "Previz"
APPLICATION = "Previz"
SETTINGS_FILE = "previz.ini"
MAX_RECENT = 10
#: The "Your name" preference (the key keeps the name notes were signed with before it named every edit).
AUTHOR_KEY = "review/author"

_checked: set[Path] = set()  # settings files whose migration was looked at in this process


def settings_path() -> Path:
    """The settings file the app reads and writes."""
    folder = os.environ.get("PREVIZ_SETTINGS_DIR")
    if folder:
        return Path(folder) / SETTINGS_FILE
    from previz.generation.model_folders import config_dir  # the CLI's config folder: one place for both

    return config_dir() / SETTINGS_FILE


def legacy_settings_path() -> Path:
    """Where versions before this one kept the app's settings (Qt's place for "Previz"/"Previz")."""
    return Path(
        QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION, APPLICATION).fileName()
    )


def _migrate(path: Path) -> None:
    """Copy the old settings file to ``path`` the first time ``path`` is missing (once per process)."""
    if path in _checked:
        return
    _checked.add(path)
    if path.exists() or os.environ.get("PREVIZ_SETTINGS_DIR"):
        return
    legacy = legacy_settings_path()
    if legacy.is_file() and legacy.resolve() != path.resolve():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(legacy, path)
        except OSError:
            pass  # unreadable or unwritable: the app starts with default settings, as on a fresh machine


def app_settings() -> QSettings:
    path = settings_path()
    _migrate(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return QSettings(str(path), QSettings.Format.IniFormat)


def _as_list(value) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def recent_projects() -> list[str]:
    return [p for p in _as_list(app_settings().value("recent/projects")) if p]


def _recent_key(path: str | Path) -> str:
    """A bundle's folder, made absolute; a server project's URL as it is."""
    return str(path) if "://" in str(path) else str(Path(path).resolve())


def add_recent_project(path: str | Path) -> list[str]:
    path = _recent_key(path)
    items = [path] + [p for p in recent_projects() if p != path]
    items = items[:MAX_RECENT]
    s = app_settings()
    s.setValue("recent/projects", items)
    s.sync()
    return items


def remove_recent_project(path: str | Path) -> None:
    path = _recent_key(path)
    s = app_settings()
    s.setValue("recent/projects", [p for p in recent_projects() if p != path])
    s.sync()


def get(key: str, default=None, type_=None):
    s = app_settings()
    if type_ is None:
        return s.value(key, default)
    value = s.value(key, default)
    if type_ is bool:
        return value in (True, "true", "1", 1)
    try:
        return type_(value)
    except (TypeError, ValueError):
        return default


def put(key: str, value) -> None:
    s = app_settings()
    s.setValue(key, value)
    s.sync()


def author_name() -> str | None:
    """Who the app records edits, notes and takes as: the "Your name" preference, or None for the default
    (``PREVIZ_USER``, else the operating-system user)."""
    name = str(get(AUTHOR_KEY, "") or "").strip()
    return name[:255] or None
