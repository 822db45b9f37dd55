"""Where the app keeps its settings (``QSettings``): the user's config unless ``PREVIZ_SETTINGS_DIR`` names a
folder (tests and benchmarks point it at a temporary folder so they never touch the real settings)."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings

ORGANISATION = "Previz"
APPLICATION = "Previz"
MAX_RECENT = 10
#: The "Your name" preference (the key keeps the name notes were signed with before it named every edit).
AUTHOR_KEY = "review/author"


def app_settings() -> QSettings:
    folder = os.environ.get("PREVIZ_SETTINGS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        return QSettings(str(Path(folder) / "previz.ini"), QSettings.Format.IniFormat)
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION, APPLICATION)


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
