"""Get a known model from the Hugging Face Hub, only when the user asks (``previz models get``).

``plan_download`` reads the repository's file list (sizes, LFS sha256) and its ``model_index.json`` and
picks the files a diffusers pipeline needs: ``model_index.json`` and, in each component folder it lists,
the safetensors weights (the plain ones when a ``fp16``/``bf16`` variant sits beside them) and the
configuration and tokenizer files. A repository of an unsupported family, that needs remote code, or
whose weights are pickle-only is refused before a byte of weights is fetched.

``get`` warns when the model needs more GPU memory than the machine has, checks free space, then
downloads through ``huggingface_hub`` into ``NAME.partial`` (which the catalog never lists as usable),
resuming any ``*.incomplete`` file a cancelled or interrupted run left there (an HTTP ``Range``
request). Every file is verified (size, LFS sha256 or git blob sha1), the folder is checked by the
catalog (safetensors headers, complete components), renamed to ``NAME`` and its parent added to the
user's model folders. ``HF_ENDPOINT`` is read when called (``huggingface_hub`` reads it only at import).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from previz.core.errors import CancelledError, GenerationError
from previz.core.jobs import CancelToken, ProgressFn, no_progress
from previz.generation.catalog import _PICKLE, DOWNLOAD_MARKER, PARTIAL_SUFFIX, inspect_model_folder
from previz.generation.families import resolve_family
from previz.generation.known_models import KnownModel, known_model
from previz.generation.model_folders import add_model_folder, list_model_folders

DEFAULT_ENDPOINT = "https://huggingface.co"
MODEL_RECORD = ".previz-model.json"  # written into a finished download: where it came from
_CONFIG_SUFFIXES = (".json", ".txt", ".model", ".tiktoken")
_VARIANT = re.compile(r"\.(fp16|bf16|fp32|fp8[a-z0-9_]*|int8|ema|non_ema|noema)([.-]|$)")
_HASH_BLOCK = 16 * 1024 * 1024


def hub_endpoint() -> str:
    return os.environ.get("HF_ENDPOINT", "").strip().rstrip("/") or DEFAULT_ENDPOINT


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


@dataclass(frozen=True)
class RemoteFile:
    path: str  # relative, with "/"
    size: int
    sha256: str | None = None  # LFS files
    git_sha1: str | None = None  # other files: the git blob id


@dataclass(frozen=True)
class DownloadPlan:
    model: KnownModel
    endpoint: str
    commit: str
    files: tuple[RemoteFile, ...]
    skipped: tuple[str, ...]  # repository files Previz does not need (other formats, variants, pickles)

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)


# ---------------------------------------------------------------------------- hub access
def _hub_errors():
    import httpx2
    from huggingface_hub import errors

    return httpx2, errors


def _hub_call(model: KnownModel, endpoint: str, call: Callable):
    httpx2, errors = _hub_errors()
    repo = model.repo_id
    try:
        return call()
    except errors.GatedRepoError as exc:
        raise GenerationError(
            f"{repo}: the repository is gated: accept its licence at {model.card_url}, then set HF_TOKEN "
            "(or run `hf auth login`)"
        ) from exc
    except errors.RepositoryNotFoundError as exc:
        raise GenerationError(f"{repo}: no such repository on {endpoint}") from exc
    except errors.RevisionNotFoundError as exc:
        raise GenerationError(f"{repo}: revision {model.revision!r} not found on {endpoint}") from exc
    except errors.OfflineModeIsEnabled as exc:
        raise GenerationError(
            "HF_HUB_OFFLINE is set, so downloads are off: unset it, or copy the model from another machine "
            "and use `previz models import`"
        ) from exc
    except (errors.HfHubHTTPError, httpx2.HTTPError, OSError) as exc:
        detail = " ".join(str(exc).split())
        raise GenerationError(f"{repo}: cannot download from {endpoint} ({detail})") from exc


def _variant_of(name: str) -> str | None:
    match = _VARIANT.search(name.split("/")[-1])
    return match.group(1) if match else None


def _is_config(name: str) -> bool:
    base = name.split("/")[-1]
    if base.endswith(tuple(f"{p}.index.json" for p in _PICKLE)) or ".bin.index" in base:
        return False  # the index of pickle shards
    return base.endswith(_CONFIG_SUFFIXES) or base.startswith("tokenizer")


def select_files(model: KnownModel, index: dict, siblings: list) -> tuple[list, list[str]]:
    """The repository files a diffusers pipeline of ``index`` needs, and the names left out.

    Raises ``GenerationError`` (nothing downloaded yet) for pickle-only weights or a missing component."""
    components = {
        key
        for key, entry in index.items()
        if not key.startswith("_") and isinstance(entry, list) and len(entry) == 2 and entry[0] and entry[1]
    }
    by_component: dict[str, list] = {c: [] for c in components}
    keep, skipped = [], []
    for sibling in siblings:
        name = sibling.rfilename
        parts = name.split("/")
        if name == "model_index.json":
            keep.append(sibling)
        elif len(parts) == 2 and parts[0] in components:
            by_component[parts[0]].append(sibling)
        else:
            skipped.append(name)
    for component in sorted(components):
        files = by_component[component]
        if not files:
            raise GenerationError(
                f"{model.repo_id}: component {component!r} (listed in model_index.json) is not in the "
                "repository; nothing was downloaded"
            )
        names = [s.rfilename for s in files]
        weights = [n for n in names if n.endswith(".safetensors")]
        if not weights and any(n.endswith(_PICKLE) for n in names):
            raise GenerationError(
                f"{model.repo_id}: component {component!r} has only pickle weights (.bin/.pt); Previz "
                "downloads safetensors only, so nothing was downloaded"
            )
        plain = [n for n in weights if _variant_of(n) is None]
        wanted = set(plain or weights)
        for s in files:
            n = s.rfilename
            variant_config = plain and _variant_of(n) is not None
            if n in wanted or (_is_config(n) and not variant_config):
                keep.append(s)
            else:
                skipped.append(n)
    return keep, sorted(skipped)


def plan_download(
    model: KnownModel, *, endpoint: str | None = None, revision: str | None = None
) -> DownloadPlan:
    """Which files ``get`` will fetch, their sizes and hashes; refuses unusable repositories first."""
    from huggingface_hub import HfApi, get_hf_file_metadata, hf_hub_url
    from huggingface_hub.utils import build_hf_headers, get_session, hf_raise_for_status

    endpoint = endpoint or hub_endpoint()
    api = HfApi(endpoint=endpoint)
    info = _hub_call(
        model,
        endpoint,
        lambda: api.model_info(model.repo_id, revision=revision or model.revision, files_metadata=True),
    )
    commit = info.sha or revision or model.revision
    siblings = list(info.siblings or [])
    if "model_index.json" not in {s.rfilename for s in siblings}:
        raise GenerationError(
            f"{model.repo_id}: not a diffusers-format repository (no model_index.json); nothing downloaded"
        )

    def read_index():
        url = hf_hub_url(model.repo_id, "model_index.json", revision=commit, endpoint=endpoint)
        response = get_session().get(url, headers=build_hf_headers())
        hf_raise_for_status(response)
        return response.content

    try:
        index = json.loads(_hub_call(model, endpoint, read_index))
    except ValueError as exc:
        raise GenerationError(f"{model.repo_id}: model_index.json is not JSON ({exc})") from exc
    if not isinstance(index, dict):
        raise GenerationError(f"{model.repo_id}: model_index.json is not a JSON object")
    if index.get("auto_map") or index.get("custom_pipeline"):
        raise GenerationError(f"{model.repo_id}: the pipeline needs remote code (auto_map); refused")
    resolve_family(index, Path(model.repo_id))  # an unsupported class is refused, naming what is supported
    for component, entry in index.items():
        library = entry[0] if isinstance(entry, list) and len(entry) == 2 else None
        if library not in (None, "diffusers", "transformers"):
            raise GenerationError(
                f"{model.repo_id}: component {component!r} is custom code ({entry[0]}.{entry[1]}); refused"
            )
    keep, skipped = select_files(model, index, siblings)
    files = []
    for s in keep:
        size = s.lfs.size if s.lfs else s.size
        if size is None:  # a hub that gave no sizes in the file list: ask per file
            url = hf_hub_url(model.repo_id, s.rfilename, revision=commit, endpoint=endpoint)
            size = _hub_call(model, endpoint, lambda url=url: get_hf_file_metadata(url)).size or 0
        files.append(
            RemoteFile(
                s.rfilename,
                int(size),
                sha256=s.lfs.sha256 if s.lfs else None,
                git_sha1=None if s.lfs else s.blob_id,
            )
        )
    return DownloadPlan(model, endpoint, commit, tuple(files), tuple(skipped))


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
    if best >= model.gpu_bytes:
        return None
    return (
        f"{need}; this machine's largest GPU ({name}) has {best / 1e9:.0f} GB: expect to need CPU offload "
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
    try:
        verify_file(tmp, remote, cancel)
    except GenerationError:
        tmp.unlink(missing_ok=True)  # a bad copy is not worth resuming
        raise
    os.replace(tmp, dest)


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
    (partial / DOWNLOAD_MARKER).write_text(
        json.dumps({"repo_id": model.repo_id, "commit": plan.commit, "name": model.name}) + "\n",
        encoding="utf-8",
    )
    total, done = plan.total_bytes, [have]
    message = [f"{model.name}: starting"]

    def on_bytes(n: int) -> None:
        done[0] += n
        progress(min(done[0], total), total, message[0])
        if cancel.cancelled:
            raise CancelledError(f"download of {model.name} cancelled; run get again to resume")

    progress(have, total, message[0])
    for remote in plan.files:
        cancel.raise_if_cancelled()
        message[0] = f"{model.name}: {remote.path}"
        dest = partial / remote.path
        if dest.is_file():
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
    os.rename(partial, final)
    add_model_folder(to)
    progress(total, total, f"{model.name}: ready at {final}")
    return final


def model_record(folder: Path) -> dict:
    """Where a downloaded model came from (``MODEL_RECORD``); {} for a folder that has none."""
    try:
        data = json.loads((Path(folder) / MODEL_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
