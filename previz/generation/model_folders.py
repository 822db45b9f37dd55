"""The user's model folders: a small JSON file in the Previz config directory.

The directory is ``platformdirs.user_config_dir("previz")`` unless ``PREVIZ_CONFIG_DIR`` names another
(tests point it at a temporary folder so they never touch the real home).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from previz.core.errors import GenerationError, NotFoundError

CONFIG_ENV = "PREVIZ_CONFIG_DIR"
_FILE = "models.json"


def config_dir() -> Path:
    override = os.environ.get(CONFIG_ENV)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_config_dir("previz"))


def config_path() -> Path:
    return config_dir() / _FILE


def list_model_folders() -> list[Path]:
    """The folders the user added, in the order added."""
    path = config_path()
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        folders = data["model_folders"]
        if not isinstance(folders, list) or not all(isinstance(f, str) for f in folders):
            raise TypeError("model_folders is not a list of strings")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise GenerationError(
            f"{path}: the model folder list is unreadable ({exc}); fix or delete the file"
        ) from exc
    return [Path(f) for f in folders]


def _save(folders: list[Path]) -> None:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(
        json.dumps({"model_folders": [str(f) for f in folders]}, indent=2) + "\n", encoding="utf-8"
    )
    os.replace(tmp, path)


def add_model_folder(folder: str | Path) -> Path:
    """Remember ``folder`` (absolute); adding one already listed changes nothing."""
    resolved = Path(folder).expanduser().resolve()
    if not resolved.is_dir():
        raise GenerationError(f"{folder}: not a folder; give a folder holding diffusers model folders")
    folders = list_model_folders()
    if resolved not in folders:
        folders.append(resolved)
        _save(folders)
    return resolved


def remove_model_folder(folder: str | Path) -> Path:
    resolved = Path(folder).expanduser().resolve()
    folders = list_model_folders()
    if resolved not in folders and Path(folder) not in folders:
        listed = ", ".join(str(f) for f in folders) or "none"
        raise NotFoundError(f"{folder}: not in the model folder list (listed: {listed})")
    folders = [f for f in folders if f not in (resolved, Path(folder))]
    _save(folders)
    return resolved
