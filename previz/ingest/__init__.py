"""Importers (Fountain, Final Draft, shot lists, board folders), breakdown, revisions and prompts.

Everything here turns files into plain data; the project core applies it in one transaction.
Heavy readers (openpyxl, Pillow) are imported only when a shot list or board folder is read.
"""

from __future__ import annotations

import os
from pathlib import Path

from previz.core.errors import ImportFileError
from previz.ingest.screenplay import Screenplay, ScriptElement, ScriptScene, shot_code

__all__ = [
    "IMPORT_KINDS",
    "Screenplay",
    "ScriptElement",
    "ScriptScene",
    "detect_kind",
    "load_screenplay",
    "shot_code",
]

IMPORT_KINDS = ("fountain", "fdx", "csv", "boards")
_SUFFIX_KINDS = {
    ".fountain": "fountain",
    ".spmd": "fountain",
    ".txt": "fountain",
    ".fdx": "fdx",
    ".csv": "csv",
    ".tsv": "csv",
    ".xlsx": "csv",
    ".xlsm": "csv",
}


def detect_kind(path: str | os.PathLike[str]) -> str:
    """``fountain``, ``fdx``, ``csv`` (also .tsv/.xlsx) or ``boards`` (a folder), from the path."""
    p = Path(path)
    if p.is_dir():
        return "boards"
    kind = _SUFFIX_KINDS.get(p.suffix.lower())
    if kind is None:
        raise ImportFileError(
            str(p), "cannot tell what this file is from its extension; pass --kind fountain|fdx|csv|boards"
        )
    return kind


def load_screenplay(path: str | os.PathLike[str], encoding: str | None = None) -> Screenplay:
    """Parse a ``.fdx`` with the Final Draft importer and anything else as Fountain."""
    if Path(path).suffix.lower() == ".fdx":
        from previz.ingest.fdx import load_fdx

        return load_fdx(path, encoding=encoding)
    from previz.ingest.fountain import load_fountain

    return load_fountain(path, encoding=encoding)
