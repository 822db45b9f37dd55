"""The media root of a PostgreSQL project: a shared folder every workstation and render node mounts, with
``media/`` (content-addressed, immutable) and ``cache/`` like a bundle's, and ``previz-media.json`` naming
the project it belongs to, so a wrong mount or a mistyped path is refused before anything is written.

Where it is: the path recorded in the project, unless this machine says otherwise (``--media``, the app's
preference, or the ``PREVIZ_MEDIA_ROOT`` environment variable): mount points differ between machines.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from previz.core.bundle import BundlePaths, os_error, read_only
from previz.core.errors import ProjectError

MARKER = "previz-media.json"
ENV = "PREVIZ_MEDIA_ROOT"


def chosen(recorded: str, override: str | os.PathLike | None = None) -> Path:
    """The media root this machine uses: ``override``, else ``PREVIZ_MEDIA_ROOT``, else the recorded one."""
    value = str(override) if override else os.environ.get(ENV, "").strip() or recorded
    if not value:
        raise ProjectError(f"the project records no media root; give one with --media or {ENV}")
    return Path(value).expanduser()


def prepare(root: Path, project_uuid: str, shown: str) -> BundlePaths:
    """Make ``root`` the media root of a new project (``shown`` names it in the marker): an empty or new
    folder only, never one holding anything else."""
    root = root.expanduser()
    if root.exists() and any(root.iterdir()):
        raise ProjectError(
            f"{root}: the media root of a new project must be empty or new; choose another folder"
        )
    try:
        for folder in (root, root / "media", root / "cache"):
            folder.mkdir(parents=True, exist_ok=True)
        (root / MARKER).write_text(json.dumps({"project": project_uuid, "database": shown}, indent=2) + "\n")
    except OSError as exc:
        raise (os_error(root, exc) or exc) from None
    return BundlePaths(root.resolve())


def check(root: Path, project_uuid: str, shown: str, *, writable: bool) -> BundlePaths:
    """The media root ``root`` of the project ``project_uuid``, or a ProjectError saying what is wrong."""
    hint = f"mount the shared folder, or tell Previz where it is on this machine (--media or {ENV})"
    if not root.is_dir():
        raise ProjectError(f"{root}: the media root of {shown} is missing; {hint}")
    try:
        marker = json.loads((root / MARKER).read_text())
    except FileNotFoundError:
        raise ProjectError(f"{root}: not a Previz media root (no {MARKER}); {hint}") from None
    except (OSError, ValueError) as exc:
        raise ProjectError(f"{root / MARKER}: unreadable ({exc}); {hint}") from None
    if marker.get("project") != project_uuid:
        raise ProjectError(
            f"{root}: the media root of another project ({marker.get('database') or marker.get('project')}), "
            f"not of {shown}; {hint}"
        )
    if writable and not os.access(root / "media", os.W_OK):
        raise read_only(root, "its media folder is not writable from this machine")
    return BundlePaths(root.resolve())
