"""Get a known model from the Hugging Face Hub, only when the user asks (``previz models get``).

``get`` plans the download (``model_hub.plan_download``: refuses pickle-only, unsupported or remote-code
repositories before fetching weights), warns when the model needs more GPU memory than the machine has,
checks free space, then downloads through ``huggingface_hub`` into ``NAME.partial`` (which the catalog
never lists as usable), resuming any ``*.incomplete`` file a cancelled or interrupted run left there (an
HTTP ``Range`` request). Every file is verified (size, LFS sha256 or git blob sha1), the folder is
checked by the catalog (safetensors headers, complete components), renamed to ``NAME`` and its parent
added to the user's model folders.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from previz.core.errors import CancelledError, GenerationError
from previz.core.jobs import CancelToken, ProgressFn, no_progress
from previz.generation.catalog import DOWNLOAD_MARKER, PARTIAL_SUFFIX, inspect_model_folder
from previz.generation.known_models import MODEL_RECORD, KnownModel, known_model
from previz.generation.model_folders import add_model_folder, list_model_folders
from previz.generation.model_hub import DownloadPlan, RemoteFile, _hub_call, plan_download

_HASH_BLOCK = 16 * 1024 * 1024
LOCK = ".previz-download.lock"  # in NAME.partial: the pid of the process downloading into it


def default_models_dir() -> Path:
    """``PREVIZ_MODELS_DIR``, else the first model folder the user added, else the user data folder."""
    override = os.environ.get("PREVIZ_MODELS_DIR")
    if override:
        return Path(override).expanduser()
    folders = list_model_folders()
    if folders:
        return folders[0]
    import platformdirs

    return Path(platformdirs.user_data_dir("previz")) / "models"


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"


# ---------------------------------------------------------------------------- machine checks
def gpu_memory() -> list[tuple[str, int]] | None:
    """(name, total bytes) of each NVIDIA GPU from ``nvidia-smi``; None when it is not installed."""
    exe = shutil.which("nvidia-smi")
    if not exe:
        return None
    try:
        out = subprocess.run(
            [exe, "--query-gpu=name,memory.total", "--format=csv,noheader,nounits"],
            capture_output=True,
            text=True,
            timeout=15,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    gpus = []
    for line in out.splitlines():
        name, _, mib = line.rpartition(",")
        try:
            gpus.append((name.strip(), int(float(mib)) * 1024 * 1024))
        except ValueError:
            continue
    return gpus


def gpu_warning(model: KnownModel) -> str | None:
    """A warning when this machine's GPUs have less memory than ``model`` needs; None when enough."""
    need = f"{model.name} needs {model.figure(model.gpu_gb)} of GPU memory at {model.default_size()}"
    gpus = gpu_memory()
    if gpus is None:
        return f"no NVIDIA GPU found (nvidia-smi is not installed); {need}: the CPU is far too slow"
    if not gpus:
        return f"nvidia-smi found no working GPU (check the driver); {need}"
    name, best = max(gpus, key=lambda g: g[1])
    if best >= 0.97 * model.gpu_bytes:  # a "24 GB" card reports a little under 24 GiB
        return None
    return (
        f"{need}; this machine's largest GPU ({name}) has {best / 2**30:.0f} GB: expect to need CPU offload "
        "and VAE tiling (Preferences → Memory), a lower resolution, or another machine"
    )


def free_bytes(folder: Path) -> int:
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return shutil.disk_usage(probe).free


def check_free_space(folder: Path, needed: int, what: str) -> None:
    free = free_bytes(folder)
    if needed > free:
        raise GenerationError(
            f"{folder}: not enough free space for {what}: it needs {human_bytes(needed)} more, "
            f"{human_bytes(free)} free; free some space or choose another folder (--to)"
        )


# ---------------------------------------------------------------------------- download
def _hash_file(path: Path, algo: str, size: int, cancel: CancelToken) -> str:
    h = hashlib.new(algo)
    if algo == "sha1":
        h.update(b"blob %d\0" % size)
    with path.open("rb") as fh:
        while block := fh.read(_HASH_BLOCK):
            cancel.raise_if_cancelled()
            h.update(block)
    return h.hexdigest()


def verify_file(path: Path, remote: RemoteFile, cancel: CancelToken) -> None:
    """Raise ``GenerationError`` when ``path`` is not the file the hub lists (size, then hash)."""
    size = path.stat().st_size
    if size != remote.size:
        raise GenerationError(f"{remote.path}: {size} bytes, the hub lists {remote.size}; run get again")
    for algo, expected in (("sha256", remote.sha256), ("sha1", remote.git_sha1)):
        if expected and _hash_file(path, algo, size, cancel) != expected:
            raise GenerationError(f"{remote.path}: {algo} does not match the hub's; the copy was corrupted")


def _progress_bar(on_bytes: Callable[[int], None]) -> type:
    """A stand-in for tqdm that ``huggingface_hub`` feeds with the bytes it writes."""

    class _Bar:
        def __init__(self, **_kwargs) -> None:
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc) -> bool:
            return False

        def update(self, n: int = 1) -> None:
            on_bytes(int(n))

        def close(self) -> None:
            pass

    return _Bar


def _present_bytes(partial: Path, files: tuple[RemoteFile, ...]) -> int:
    total = 0
    for f in files:
        done, part = partial / f.path, partial / (f.path + ".incomplete")
        if done.is_file() and done.stat().st_size == f.size:
            total += f.size
        elif part.is_file():
            total += min(part.stat().st_size, f.size)
    return total


def _fetch(plan: DownloadPlan, remote: RemoteFile, partial: Path, on_bytes, cancel) -> None:
    from huggingface_hub import hf_hub_url
    from huggingface_hub.file_download import http_get
    from huggingface_hub.utils import build_hf_headers

    dest = partial / remote.path
    tmp = dest.with_name(dest.name + ".incomplete")
    dest.parent.mkdir(parents=True, exist_ok=True)
    resume = tmp.stat().st_size if tmp.exists() else 0
    if resume > remote.size:
        tmp.unlink()
        on_bytes(-remote.size)
        resume = 0
    url = hf_hub_url(plan.model.repo_id, remote.path, revision=plan.commit, endpoint=plan.endpoint)
    with tmp.open("ab") as fh:
        _hub_call(
            plan.model,
            plan.endpoint,
            lambda: http_get(
                url,
                fh,
                resume_size=resume,
                headers=build_hf_headers(),
                expected_size=remote.size,
                displayed_filename=remote.path,
                tqdm_class=_progress_bar(on_bytes),
            ),
        )
    on_bytes(0, f"{plan.model.name}: verifying {remote.path}")
    try:
        verify_file(tmp, remote, cancel)
    except GenerationError:
        tmp.unlink(missing_ok=True)  # a bad copy is not worth resuming
        raise
    os.replace(tmp, dest)


def _take_lock(partial: Path, name: str) -> Path:
    """Claim ``partial`` for this process; refuse while another live process downloads there."""
    from previz.core.partials import claim_pid_file

    lock = partial / LOCK
    try:
        holder = claim_pid_file(lock)
    except FileExistsError as exc:
        raise GenerationError(f"{partial}: cannot claim the download folder ({exc})") from None
    if holder is not None:
        raise GenerationError(
            f"{partial}: process {holder} is already downloading {name} here; wait for it or stop it"
        )
    return lock


def _download_into(plan: DownloadPlan, partial: Path, progress: ProgressFn, cancel: CancelToken) -> None:
    """Fetch and verify every planned file into ``partial``, check it as a model, and record its origin."""
    model = plan.model
    (partial / DOWNLOAD_MARKER).write_text(
        json.dumps({"repo_id": model.repo_id, "commit": plan.commit, "name": model.name}) + "\n",
        encoding="utf-8",
    )
    have = _present_bytes(partial, plan.files)  # again, now that no one else writes here
    total, done = plan.total_bytes, [have]
    message = [f"{model.name}: starting"]

    def on_bytes(n: int, text: str = "") -> None:
        done[0] += n
        progress(min(done[0], total), total, text or message[0])
        if cancel.cancelled:
            raise CancelledError(f"download of {model.name} cancelled; run get again to resume")

    progress(have, total, message[0])
    for remote in plan.files:
        cancel.raise_if_cancelled()
        message[0] = f"{model.name}: {remote.path}"
        dest = partial / remote.path
        if dest.is_file():
            progress(min(done[0], total), total, f"{model.name}: verifying {remote.path}")
            verify_file(dest, remote, cancel)  # finished in an earlier run: still checked
            continue
        _fetch(plan, remote, partial, on_bytes, cancel)
    progress(total, total, f"{model.name}: checking the model")
    inspect_model_folder(partial, unfinished_ok=True)
    (partial / MODEL_RECORD).write_text(
        json.dumps(
            {"repo_id": model.repo_id, "commit": plan.commit, "endpoint": plan.endpoint, "name": model.name},
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    (partial / DOWNLOAD_MARKER).unlink()


def get(
    name: str | KnownModel,
    to: str | Path | None = None,
    *,
    progress: ProgressFn = no_progress,
    cancel: CancelToken | None = None,
    warn: Callable[[str], None] | None = None,
    endpoint: str | None = None,
) -> Path:
    """Download a known model into ``to/NAME`` (resuming ``to/NAME.partial``) and add ``to`` to the user's
    model folders. ``progress`` is told bytes done/total; ``cancel`` stops it, keeping the partial folder."""
    model = name if isinstance(name, KnownModel) else known_model(name)
    cancel = cancel or CancelToken()
    to = Path(to or default_models_dir()).expanduser().resolve()
    final, partial = to / model.name, to / (model.name + PARTIAL_SUFFIX)
    if final.exists():
        try:
            inspect_model_folder(final)
        except GenerationError as exc:
            raise GenerationError(
                f"{final}: already exists but is not a usable model ({exc}); move or delete it first"
            ) from exc
        add_model_folder(to)
        progress(1, 1, f"{model.name} is already at {final}")
        return final
    pinned = None
    if (partial / DOWNLOAD_MARKER).is_file():
        try:
            pinned = json.loads((partial / DOWNLOAD_MARKER).read_text(encoding="utf-8")).get("commit")
        except (OSError, ValueError):
            pinned = None
    plan = plan_download(model, endpoint=endpoint, revision=pinned)
    warning = gpu_warning(model)
    if warning and warn:
        warn(warning)
    have = _present_bytes(partial, plan.files) if partial.is_dir() else 0
    check_free_space(to, plan.total_bytes - have, model.name)
    partial.mkdir(parents=True, exist_ok=True)
    lock = _take_lock(partial, model.name)
    try:
        _download_into(plan, partial, progress, cancel)
        os.unlink(lock)
        os.rename(partial, final)
    finally:
        if lock.exists():
            lock.unlink()
    add_model_folder(to)
    progress(plan.total_bytes, plan.total_bytes, f"{model.name}: ready at {final}")
    return final
