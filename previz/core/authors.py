"""Who makes an edit: the name every history row, note, approval and take records.

The app passes the name from its preferences; otherwise ``PREVIZ_USER`` (``PREVIZ_AUTHOR``, its older name
for review notes, still counts), else the operating-system user.
"""

from __future__ import annotations

import getpass
import os


def default_author() -> str:
    name = os.environ.get("PREVIZ_USER", "").strip() or os.environ.get("PREVIZ_AUTHOR", "").strip()
    if name:
        return name
    try:
        return getpass.getuser() or "unknown"
    except (OSError, KeyError):  # no user name in a container without /etc/passwd entry
        return "unknown"
