"""The checkpoints Previz knows how to get: diffusers-format Hugging Face repositories, as data.

Each row names a model, its repository, its family (``families.FAMILIES``, which holds the licence and
whether commercial use is allowed: not repeated here), the modes it serves, its size on disk and the GPU
memory it needs at the family's default size. Sizes and memory figures are approximate unless
``approximate`` is False: they were estimated from parameter counts and the published model cards, not
measured on this machine. The exact size of a download is read from the repository's file list before
it starts (``model_manager.plan_download``).

GPU memory means the pipeline's weights in bf16 on one GPU plus the activations of one generation at the
family's default width, height and frame count, without CPU offload; model CPU offload and VAE tiling
(Preferences → Memory) bring it down, at a cost in speed.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from previz.core.errors import NotFoundError
from previz.generation.families import FAMILIES, Family

HUB_URL = "https://huggingface.co"
MODEL_RECORD = ".previz-model.json"  # written into a finished download: where it came from


@dataclass(frozen=True)
class KnownModel:
    name: str  # what the user types: `previz models get NAME`; also the folder name once downloaded
    repo_id: str
    family: str  # key of families.FAMILIES
    modes: tuple[str, ...]
    size_gb: float  # on disk, the files Previz downloads (safetensors and configuration files)
    gpu_gb: float  # GPU memory at the family's default size, bf16, no offload
    title: str = ""
    approximate: bool = True  # size_gb and gpu_gb are estimates, not measured
    gated: bool = False  # the repository asks you to accept its licence on the website (and a token)
    revision: str = "main"

    @property
    def family_info(self) -> Family:
        return FAMILIES[self.family]

    @property
    def licence(self) -> str:
        return self.family_info.licence

    @property
    def commercial_use(self) -> bool:
        return self.family_info.commercial_use

    @property
    def card_url(self) -> str:
        return f"{HUB_URL}/{self.repo_id}"

    @property
    def size_bytes(self) -> int:
        return int(self.size_gb * 1e9)

    @property
    def gpu_bytes(self) -> int:
        return int(self.gpu_gb * 2**30)  # GPU memory is quoted in GiB ("a 24 GB card" has 24 GiB)

    def default_size(self) -> str:
        f = self.family_info
        return f"{f.default_width}x{f.default_height}, {f.default_frames} frames"

    def figure(self, value: float) -> str:
        return f"{'~' if self.approximate else ''}{value:g} GB"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "repo_id": self.repo_id,
            "revision": self.revision,
            "family": self.family,
            "family_name": self.family_info.name,
            "modes": list(self.modes),
            "size_bytes": self.size_bytes,
            "gpu_memory_bytes": self.gpu_bytes,
            "figures_approximate": self.approximate,
            "default_size": self.default_size(),
            "licence": self.licence,
            "commercial_use": self.commercial_use,
            "gated": self.gated,
            "card_url": self.card_url,
        }


KNOWN_MODELS: tuple[KnownModel, ...] = (
    KnownModel("ltx-video-2b-distilled", "Lightricks/LTX-Video-0.9.8-2B-distilled", "ltx_video",
               ("t2v", "i2v", "flf2v"), 25, 16, "LTX-Video 0.9.8 2B distilled (8 steps)"),
    KnownModel("ltx-video-2b-dev", "Lightricks/LTX-Video-0.9.5", "ltx_video",
               ("t2v", "i2v", "flf2v"), 25, 16, "LTX-Video 0.9.5 2B"),
    KnownModel("ltx-video-13b-distilled", "Lightricks/LTX-Video-0.9.7-distilled", "ltx_video",
               ("t2v", "i2v", "flf2v"), 47, 40, "LTX-Video 0.9.7 13B distilled (8 steps)"),
    KnownModel("ltx-video-13b-dev", "Lightricks/LTX-Video-0.9.7-dev", "ltx_video",
               ("t2v", "i2v", "flf2v"), 47, 40, "LTX-Video 0.9.7 13B dev"),
    KnownModel("wan2.1-t2v-1.3b", "Wan-AI/Wan2.1-T2V-1.3B-Diffusers", "wan21", ("t2v",),
               29, 16, "Wan 2.1 text-to-video 1.3B"),
    KnownModel("wan2.1-t2v-14b", "Wan-AI/Wan2.1-T2V-14B-Diffusers", "wan21", ("t2v",),
               80, 48, "Wan 2.1 text-to-video 14B"),
    KnownModel("wan2.1-i2v-14b-480p", "Wan-AI/Wan2.1-I2V-14B-480P-Diffusers", "wan21", ("i2v",),
               82, 48, "Wan 2.1 image-to-video 14B, 480p"),
    KnownModel("wan2.1-i2v-14b-720p", "Wan-AI/Wan2.1-I2V-14B-720P-Diffusers", "wan21", ("i2v",),
               82, 48, "Wan 2.1 image-to-video 14B, 720p"),
    KnownModel("wan2.1-flf2v-14b-720p", "Wan-AI/Wan2.1-FLF2V-14B-720P-diffusers", "wan21", ("flf2v",),
               82, 48, "Wan 2.1 first/last-frame 14B, 720p"),
    KnownModel("wan2.2-ti2v-5b", "Wan-AI/Wan2.2-TI2V-5B-Diffusers", "wan22_ti2v", ("t2v", "i2v"),
               32, 32, "Wan 2.2 text/image-to-video 5B"),
    KnownModel("wan2.2-t2v-a14b", "Wan-AI/Wan2.2-T2V-A14B-Diffusers", "wan22_a14b", ("t2v",),
               126, 80, "Wan 2.2 text-to-video A14B (two experts)"),
    KnownModel("wan2.2-i2v-a14b", "Wan-AI/Wan2.2-I2V-A14B-Diffusers", "wan22_a14b", ("i2v",),
               126, 80, "Wan 2.2 image-to-video A14B (two experts)"),
    KnownModel("cogvideox-2b", "THUDM/CogVideoX-2b", "cogvideox", ("t2v",), 13, 18, "CogVideoX 2B"),
    KnownModel("cogvideox-5b", "THUDM/CogVideoX-5b", "cogvideox", ("t2v",), 21, 26, "CogVideoX 5B"),
    KnownModel("cogvideox-5b-i2v", "THUDM/CogVideoX-5b-I2V", "cogvideox", ("i2v",), 21, 26,
               "CogVideoX 5B image-to-video"),
    KnownModel("svd-xt", "stabilityai/stable-video-diffusion-img2vid-xt", "svd", ("i2v",), 10, 16,
               "Stable Video Diffusion XT (25 frames)", gated=True),
    KnownModel("hunyuan-video", "hunyuanvideo-community/HunyuanVideo", "hunyuan_video", ("t2v",),
               43, 60, "HunyuanVideo 13B"),
)  # fmt: skip


def known_model(name: str) -> KnownModel:
    """The row named ``name`` (or whose repository is ``name``); ``NotFoundError`` naming the nearest."""
    for model in KNOWN_MODELS:
        if name in (model.name, model.repo_id):
            return model
    names = [m.name for m in KNOWN_MODELS]
    near = difflib.get_close_matches(name, names, n=1, cutoff=0.5)
    hint = f"nearest is {near[0]!r}" if near else "see `previz models available`"
    raise NotFoundError(f"model: {name!r} is not a model Previz knows ({hint})")


def model_record(folder: Path) -> dict:
    """Where a downloaded model came from (``MODEL_RECORD``); {} for a folder that has none."""
    try:
        data = json.loads((Path(folder) / MODEL_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def on_this_machine(found: Iterable) -> dict[str, Any]:
    """Known model name -> the catalog's ``ModelInfo`` of it, for the usable models in ``found``: a folder
    ``get`` downloaded (its record names the repository), the Hugging Face cache entry of the repository,
    or a folder of the known name."""
    found = list(found)
    here: dict[str, Any] = {}
    for model in KNOWN_MODELS:
        for info in found:
            repo = info.id if info.source == "hf_cache" else model_record(info.path).get("repo_id")
            if repo == model.repo_id or (info.source != "hf_cache" and info.id == model.name):
                here[model.name] = info
                break
    return here
