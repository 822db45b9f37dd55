"""Import a model copied from another machine (``previz models import``), for machines with no internet.

The source is a diffusers model folder, or a ``.zip``/``.tar``/``.tar.gz``/``.tgz``/``.tar.bz2``/
``.tar.xz`` archive holding one (at its top or one or two folders down). A folder is checked by the
catalog before anything is copied; an archive is checked for unsafe member paths and free space, then
unpacked into ``NAME.partial`` and checked there. A model of a family Previz does not support, with
pickle-only weights, needing remote code, or incomplete is refused with the catalog's reason and
nothing is left behind. An accepted model is renamed into ``TO/NAME`` and ``TO`` added to the user's
model folders.
"""

from __future__ import annotations

import os
import shutil
import tarfile
import zipfile
from pathlib import Path, PurePosixPath

from previz.core.errors import GenerationError, NotFoundError
from previz.core.jobs import CancelToken, ProgressFn, no_progress
from previz.generation.catalog import PARTIAL_SUFFIX, inspect_model_folder
from previz.generation.model_folders import add_model_folder
from previz.generation.model_manager import check_free_space, default_models_dir

_TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")
_COPY_BLOCK = 8 * 1024 * 1024


def _archive_stem(path: Path) -> str:
    name = path.name
    for suffix in (".zip", *_TAR_SUFFIXES):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


def _model_root(folder: Path, shown: Path) -> Path:
    """``folder`` or the one folder below it (two levels at most) that holds ``model_index.json``."""
    if (folder / "model_index.json").is_file():
        return folder
    found = sorted(p.parent for p in folder.glob("*/model_index.json")) or sorted(
        p.parent for p in folder.glob("*/*/model_index.json")
    )
    if not found:
        raise GenerationError(f"{shown}: no diffusers model in it (no model_index.json)")
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise GenerationError(f"{shown}: holds several models ({names}); import them one at a time")
    return found[0]


def _safe_member(name: str, archive: Path) -> PurePosixPath:
    rel = PurePosixPath(name.replace("\\", "/"))
    if rel.is_absolute() or ".." in rel.parts:
        raise GenerationError(f"{archive}: member {name!r} would land outside the model folder; refused")
    return rel


def _copy_file(src, dst: Path, size: int, state: list, progress, cancel) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    with dst.open("wb") as out:
        while block := src.read(_COPY_BLOCK):
            cancel.raise_if_cancelled()
            out.write(block)
            state[0] += len(block)
            progress(state[0], state[1], f"copying {dst.name}")


def _unpack(archive: Path, staging: Path, to: Path, progress, cancel) -> None:
    """Unpack regular files and folders only (no links, devices), after checking paths and space."""
    if archive.name.lower().endswith(".zip"):
        try:
            zf = zipfile.ZipFile(archive)
        except (OSError, zipfile.BadZipFile) as exc:
            raise GenerationError(f"{archive}: not a readable zip archive ({exc})") from exc
        with zf:
            members = [(m.filename, m.file_size, m) for m in zf.infolist() if not m.is_dir()]
            for name, _size, _m in members:
                _safe_member(name, archive)
            state = [0, sum(s for _n, s, _m in members)]
            check_free_space(to, state[1], archive.name)
            for name, size, member in members:
                with zf.open(member) as src:
                    _copy_file(src, staging / _safe_member(name, archive), size, state, progress, cancel)
        return
    try:
        tf = tarfile.open(archive)
    except (OSError, tarfile.TarError) as exc:
        raise GenerationError(f"{archive}: not a readable tar archive ({exc})") from exc
    with tf:
        try:
            members = [m for m in tf.getmembers() if m.isfile()]
        except (OSError, tarfile.TarError, EOFError) as exc:
            raise GenerationError(f"{archive}: the archive is damaged or cut short ({exc})") from exc
        for m in members:
            _safe_member(m.name, archive)
        state = [0, sum(m.size for m in members)]
        check_free_space(to, state[1], archive.name)
        for m in members:
            src = tf.extractfile(m)
            if src is None:
                continue
            with src:
                try:
                    _copy_file(src, staging / _safe_member(m.name, archive), m.size, state, progress, cancel)
                except (tarfile.TarError, EOFError) as exc:
                    raise GenerationError(f"{archive}: the archive is damaged or cut short ({exc})") from exc


def _copy_tree(src: Path, staging: Path, total: int, progress, cancel) -> None:
    state = [0, total]
    for dirpath, _dirs, files in os.walk(src):
        for name in sorted(files):
            path = Path(dirpath) / name
            with path.open("rb") as fh:
                _copy_file(fh, staging / path.relative_to(src), path.stat().st_size, state, progress, cancel)


def import_model(
    source: str | Path,
    to: str | Path | None = None,
    *,
    progress: ProgressFn = no_progress,
    cancel: CancelToken | None = None,
) -> Path:
    """Copy or unpack the model at ``source`` into ``to``, checked by the catalog; the folder it is now in."""
    cancel = cancel or CancelToken()
    src = Path(source).expanduser()
    if not src.exists():
        raise NotFoundError(f"{src}: no such file or folder")
    to = Path(to or default_models_dir()).expanduser().resolve()
    is_archive = src.is_file() and src.name.lower().endswith((".zip", *_TAR_SUFFIXES))
    if src.is_file() and not is_archive:
        raise GenerationError(
            f"{src}: not a model folder or an archive (.zip, .tar, .tar.gz, .tgz, .tar.bz2, .tar.xz)"
        )
    if src.is_dir():
        root = _model_root(src, src)
        info = inspect_model_folder(root)  # refused here, before anything is copied
        name = root.name
        if (to / name).exists():
            raise GenerationError(f"{to / name}: a model of that name is already there; move it first")
    else:
        name = _archive_stem(src)
    staging = to / (name + PARTIAL_SUFFIX)
    if staging.exists():
        raise GenerationError(f"{staging}: an unfinished import or download is there; delete it first")
    to.mkdir(parents=True, exist_ok=True)
    staging.mkdir()
    try:
        if src.is_dir():
            check_free_space(to, info.size_bytes, name)
            _copy_tree(root, staging, info.size_bytes, progress, cancel)
            model_dir = staging
        else:
            _unpack(src, staging, to, progress, cancel)
            model_dir = _model_root(staging, src)
            name = model_dir.name if model_dir != staging else name
        try:
            inspect_model_folder(model_dir, unfinished_ok=True)
        except GenerationError as exc:
            raise GenerationError(str(exc).replace(str(model_dir), str(src))) from exc
        final = to / name
        if final.exists():
            raise GenerationError(f"{final}: a model of that name is already there; move or rename it first")
        os.rename(model_dir, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(staging, ignore_errors=True)  # what remains of an archive's outer folders
    add_model_folder(to)
    progress(1, 1, f"{name}: ready at {final}")
    return final
