"""What ``models get`` would fetch from a Hugging Face Hub: ``plan_download`` and its file selection.

``plan_download`` reads the repository's file list (sizes, LFS sha256, git blob ids) and its
``model_index.json`` (into memory, not to disk) and picks the files a diffusers pipeline needs:
``model_index.json`` and, in each component folder it lists, the safetensors weights (the plain ones when a
``fp16``/``bf16`` variant sits beside them) and the configuration and tokenizer files. A repository of an
unsupported family, that needs remote code, or whose weights are pickle-only is refused here, before a
byte of weights is fetched. ``HF_ENDPOINT`` is read when called (``huggingface_hub`` reads it only when
imported) and passed as ``endpoint=``.
"""

from __future__ import annotations

import errno
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from previz.core.errors import GenerationError
from previz.generation.catalog import _PICKLE
from previz.generation.families import resolve_family
from previz.generation.known_models import KnownModel

DEFAULT_ENDPOINT = "https://huggingface.co"
_CONFIG_SUFFIXES = (".json", ".txt", ".model", ".tiktoken")
_VARIANT = re.compile(r"\.(fp16|bf16|fp32|fp8[a-z0-9_]*|int8|ema|non_ema|noema)([.-]|$)")


def hub_endpoint() -> str:
    return os.environ.get("HF_ENDPOINT", "").strip().rstrip("/") or DEFAULT_ENDPOINT


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
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise GenerationError(
                f"{repo}: the disk filled up during the download; what was fetched is kept: free some space "
                "and run get again to resume"
            ) from exc
        detail = " ".join(str(exc).split())
        raise GenerationError(f"{repo}: cannot download from {endpoint} ({detail})") from exc
    except (errors.HfHubHTTPError, httpx2.HTTPError) as exc:
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
    try:
        from huggingface_hub import HfApi, get_hf_file_metadata, hf_hub_url
        from huggingface_hub.utils import build_hf_headers, get_session, hf_raise_for_status
    except ImportError as exc:
        raise GenerationError(
            f"downloading needs huggingface_hub, which this installation lacks ({exc}); install the GPU "
            "runtime (`previz runtime install`), or copy the model here and use `previz models import`"
        ) from exc

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
        sha256 = s.lfs.sha256 if s.lfs else None
        git_sha1 = None if s.lfs else s.blob_id
        if size is None:  # a hub that gave no sizes in the file list: ask per file (HEAD)
            url = hf_hub_url(model.repo_id, s.rfilename, revision=commit, endpoint=endpoint)
            meta = _hub_call(model, endpoint, lambda url=url: get_hf_file_metadata(url, endpoint=endpoint))
            if meta.size is None:
                raise GenerationError(f"{model.repo_id}: the hub does not say how big {s.rfilename} is")
            size, etag = meta.size, (meta.etag or "").lower()
            if re.fullmatch(r"[0-9a-f]{64}", etag):
                sha256 = etag
            elif re.fullmatch(r"[0-9a-f]{40}", etag):
                git_sha1 = etag
        files.append(RemoteFile(s.rfilename, int(size), sha256=sha256, git_sha1=git_sha1))
    return DownloadPlan(model, endpoint, commit, tuple(files), tuple(skipped))
