"""The model catalog: diffusers-format video model folders on this machine, checked before any load.

A model folder holds ``model_index.json``. It is refused, with the reason, when it is of an unknown
family, needs remote code (a custom pipeline or component class, ``auto_map``), lists a component that
is missing, ships pickle-only weights (``.bin``/``.pt`` and no ``.safetensors``), or has a safetensors
file whose header is unreadable or whose data is cut short. A folder that a download or an import is
still filling (named ``*.partial``, or holding ``.previz-download.json``) is never listed as usable.
"""

from __future__ import annotations

import difflib
import json
import os
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from previz.core.errors import GenerationError
from previz.generation.families import CLASS_TABLE, FAMILIES, Family, resolve_family

_LIBRARIES = {"diffusers", "transformers"}
_PICKLE = (".bin", ".pt", ".pth", ".ckpt", ".pkl")
_MAX_HEADER = 100 * 1024 * 1024
_SCAN_DEPTH = 3
PARTIAL_SUFFIX = ".partial"  # a model folder being downloaded or imported (``model_manager``)
DOWNLOAD_MARKER = ".previz-download.json"


@dataclass(frozen=True)
class ModelInfo:
    id: str
    path: Path
    family: str
    family_name: str
    class_name: str
    modes: tuple[str, ...]
    licence: str
    commercial_use: bool
    size_bytes: int
    source: str = "folder"  # "folder" or "hf_cache"
    revision: str = ""
    weight_files: tuple[Path, ...] = ()

    @property
    def family_info(self) -> Family:
        return FAMILIES[self.family]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "path": str(self.path),
            "family": self.family,
            "family_name": self.family_name,
            "class_name": self.class_name,
            "modes": list(self.modes),
            "licence": self.licence,
            "commercial_use": self.commercial_use,
            "size_bytes": self.size_bytes,
            "source": self.source,
            "revision": self.revision,
        }


@dataclass
class CatalogScan:
    models: list[ModelInfo] = field(default_factory=list)
    problems: list[tuple[Path, str]] = field(default_factory=list)  # refused folders and why


def check_safetensors(path: Path) -> None:
    """Raise ``GenerationError`` when the header is unreadable or the data shorter than it says."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(8)
            if len(head) < 8:
                raise GenerationError(f"{path}: truncated safetensors file ({size} bytes, no header)")
            (length,) = struct.unpack("<Q", head)
            if length > _MAX_HEADER or 8 + length > size:
                raise GenerationError(
                    f"{path}: truncated or corrupt safetensors header; re-download the model"
                )
            header = json.loads(fh.read(length))
    except OSError as exc:
        raise GenerationError(f"{path}: cannot read the weights ({exc})") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise GenerationError(f"{path}: corrupt safetensors header; re-download the model") from exc
    if not isinstance(header, dict):
        raise GenerationError(f"{path}: corrupt safetensors header; re-download the model")
    end = 0
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        try:
            end = max(end, int(entry["data_offsets"][1]))
        except (TypeError, KeyError, IndexError, ValueError) as exc:
            raise GenerationError(f"{path}: corrupt safetensors header (tensor {name!r})") from exc
    if 8 + length + end > size:
        raise GenerationError(
            f"{path}: truncated safetensors file ({size} bytes, header needs {8 + length + end}); "
            "re-download the model"
        )


def _component_weights(folder: Path, component: str, root: Path) -> list[Path]:
    cdir = folder / component
    if not cdir.is_dir():
        raise GenerationError(
            f"{root}: component {component!r} is missing (model_index.json lists it); "
            "the download is incomplete"
        )
    files = [p for p in cdir.iterdir() if p.is_file()]
    if not (cdir / "config.json").exists():
        return []  # scheduler, tokenizer or processor: no weights
    config = _read_json(cdir / "config.json", root)
    if isinstance(config, dict) and config.get("auto_map"):
        raise GenerationError(f"{root}: component {component!r} needs remote code (auto_map); refused")
    safetensors = sorted(p for p in files if p.name.endswith(".safetensors"))
    if not safetensors:
        if any(p.name.endswith(_PICKLE) for p in files):
            raise GenerationError(
                f"{root}: component {component!r} has only pickle weights (.bin/.pt); Previz loads "
                "safetensors only — convert it or download the safetensors variant"
            )
        raise GenerationError(f"{root}: component {component!r} has no weights; the download is incomplete")
    for index in cdir.glob("*.safetensors.index.json"):
        weight_map = _read_json(index, root).get("weight_map", {})
        for shard in sorted(set(weight_map.values())):
            if not (cdir / shard).exists():
                raise GenerationError(f"{root}: weight shard {component}/{shard} is missing")
    for weights in safetensors:
        check_safetensors(weights)
    return safetensors


def _read_json(path: Path, root: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise GenerationError(f"{root}: {path.name} is unreadable ({exc})") from exc


def _size_on_disk(folder: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(folder, followlinks=True):
        for name in files:
            try:
                total += os.stat(os.path.join(dirpath, name)).st_size
            except OSError:
                pass
    return total


def inspect_model_folder(
    path: str | Path,
    *,
    model_id: str | None = None,
    source: str = "folder",
    revision: str = "",
    unfinished_ok: bool = False,
) -> ModelInfo:
    """Check one model folder and describe it, or raise ``GenerationError`` saying why it is refused.

    ``unfinished_ok`` lets the model manager check a ``*.partial`` folder before renaming it into place."""
    folder = Path(path)
    index_path = folder / "model_index.json"
    if not folder.is_dir():
        raise GenerationError(f"{folder}: not a folder")
    if not unfinished_ok and (folder.name.endswith(PARTIAL_SUFFIX) or (folder / DOWNLOAD_MARKER).exists()):
        raise GenerationError(
            f"{folder}: an unfinished download or import, not usable until complete; "
            "resume it with `previz models get NAME` (or delete the folder)"
        )
    if not index_path.exists():
        if not any(folder.iterdir()):
            raise GenerationError(f"{folder}: the model folder is empty (no model_index.json)")
        raise GenerationError(f"{folder}: not a diffusers model folder (no model_index.json)")
    index = _read_json(index_path, folder)
    if not isinstance(index, dict):
        raise GenerationError(f"{folder}: model_index.json is not a JSON object")
    class_name = str(index.get("_class_name", ""))
    if index.get("auto_map") or index.get("custom_pipeline"):
        raise GenerationError(f"{folder}: the pipeline needs remote code (auto_map); refused")
    if class_name not in CLASS_TABLE:
        if (folder / f"{class_name}.py").exists() or any(folder.glob("pipeline*.py")):
            raise GenerationError(
                f"{folder}: pipeline {class_name!r} is custom code; Previz never runs remote code"
            )
    family, modes = resolve_family(index, folder)
    weights: list[Path] = []
    for component, entry in sorted(index.items()):
        if component.startswith("_") or not isinstance(entry, list) or len(entry) != 2:
            continue
        library, cls = entry
        if library is None or cls is None:
            continue  # optional component not shipped
        if library not in _LIBRARIES:
            raise GenerationError(
                f"{folder}: component {component!r} is custom code ({library}.{cls}); refused"
            )
        weights += _component_weights(folder, component, folder)
    return ModelInfo(
        id=model_id or folder.name,
        path=folder,
        family=family.key,
        family_name=family.name,
        class_name=class_name,
        modes=modes,
        licence=family.licence,
        commercial_use=family.commercial_use,
        size_bytes=_size_on_disk(folder),
        source=source,
        revision=revision,
        weight_files=tuple(weights),
    )


def _candidate_folders(root: Path) -> Iterable[Path]:
    """``root`` and folders below it (to depth 3) that hold model_index.json, or are empty model dirs."""
    if (root / "model_index.json").exists():
        yield root
        return
    stack = [(root, 0)]
    while stack:
        folder, depth = stack.pop()
        try:
            children = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
        except OSError:
            continue
        for child in children:
            if (child / "model_index.json").exists():
                yield child
            elif depth + 1 < _SCAN_DEPTH:
                stack.append((child, depth + 1))


def _scan_hf_cache(cache_dir: Path | None, scan: CatalogScan) -> None:
    try:
        from huggingface_hub import scan_cache_dir

        info = scan_cache_dir(cache_dir)
    except Exception:  # no cache yet, unreadable cache: nothing to list
        return
    for repo in sorted(info.repos, key=lambda r: r.repo_id):
        if repo.repo_type != "model" or not repo.revisions:
            continue
        revision = max(repo.revisions, key=lambda r: r.last_modified)
        snapshot = Path(revision.snapshot_path)
        if not (snapshot / "model_index.json").exists():
            continue
        try:
            scan.models.append(
                inspect_model_folder(
                    snapshot, model_id=repo.repo_id, source="hf_cache", revision=revision.commit_hash
                )
            )
        except GenerationError as exc:
            scan.problems.append((snapshot, str(exc)))


def scan_models(
    folders: Iterable[str | Path], *, include_hf_cache: bool = True, hf_cache_dir: str | Path | None = None
) -> CatalogScan:
    """Every usable model in ``folders`` and the Hugging Face cache, plus the refused ones and why."""
    scan = CatalogScan()
    for root in folders:
        root = Path(root)
        if not root.is_dir():
            scan.problems.append((root, f"{root}: model folder does not exist"))
            continue
        for folder in _candidate_folders(root):
            try:
                scan.models.append(inspect_model_folder(folder))
            except GenerationError as exc:
                scan.problems.append((folder, str(exc)))
    if include_hf_cache:
        _scan_hf_cache(Path(hf_cache_dir) if hf_cache_dir else None, scan)
    return scan


def find_model(
    model: str,
    folders: Iterable[str | Path],
    *,
    include_hf_cache: bool = True,
    hf_cache_dir: str | Path | None = None,
) -> ModelInfo:
    """The model named by ``model``: a model folder path, or an id from the catalog."""
    if not model:
        raise GenerationError("model: the diffusers backend needs a model (an id from `previz models list`)")
    as_path = Path(model).expanduser()
    if as_path.is_dir():
        return inspect_model_folder(as_path.resolve())
    scan = scan_models(folders, include_hf_cache=include_hf_cache, hf_cache_dir=hf_cache_dir)
    matches = [m for m in scan.models if m.id == model]
    if len(matches) > 1:
        paths = ", ".join(str(m.path) for m in matches)
        raise GenerationError(f"model: {model!r} names several folders ({paths}); give the path instead")
    if matches:
        return matches[0]
    for path, message in scan.problems:
        if path.name == model:
            raise GenerationError(message)
    ids = [m.id for m in scan.models]
    near = difflib.get_close_matches(model, ids, n=1)
    hint = f"nearest is {near[0]!r}" if near else f"available: {', '.join(ids) or 'none'}"
    raise GenerationError(
        f"model: {model!r} is not in the catalog ({hint}); add its folder with `previz models add`"
    )
