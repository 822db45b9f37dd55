"""Video diffusion model families, as data.

``CLASS_TABLE`` maps a model folder's ``model_index.json`` ``_class_name`` to a family and the modes a
folder of that class supports; ``VARIANT_RULES`` refine that from the folder's own configs (Wan 2.2
TI2V-5B is a ``WanPipeline`` with ``expand_timesteps``; a Wan first/last-frame model is a
``WanImageToVideoPipeline`` whose transformer has ``pos_embed_seq_len``). ``FAMILIES`` holds each family's
pipeline classes, size and frame-count rules, defaults and licence. ``validate_request`` rejects a request
that breaks a rule before any model loads, naming the field and the nearest valid value.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from previz.core.errors import GenerationError
from previz.generation.request import GenerationRequest


@dataclass(frozen=True)
class FrameRule:
    """Valid frame counts are ``step * k + offset`` and at least ``minimum``."""

    step: int
    offset: int
    minimum: int

    def describe(self) -> str:
        if self.step == 1:
            return f"at least {self.minimum} frames"
        return f"{self.step}k+{self.offset} frames" if self.offset else f"a multiple of {self.step} frames"

    def is_valid(self, frames: int) -> bool:
        return frames >= self.minimum and (frames - self.offset) % self.step == 0

    def nearest(self, frames: int) -> int:
        k = round((frames - self.offset) / self.step)
        value = k * self.step + self.offset
        while value < self.minimum:
            value += self.step
        return value


@dataclass(frozen=True)
class Family:
    key: str
    name: str
    pipelines: Mapping[str, str]  # mode -> diffusers pipeline class name
    frame_rule: FrameRule
    size_multiple: int
    default_width: int
    default_height: int
    default_frames: int
    default_steps: int
    default_guidance: float
    native_fps: str
    licence: str
    commercial_use: bool
    call_style: str  # which argument builder the diffusers backend uses
    prompt_used: bool = True
    call_extras: tuple[str, ...] = ()  # pipeline-call keyword arguments allowed as ``pipe.<name>`` extras

    @property
    def modes(self) -> tuple[str, ...]:
        return tuple(self.pipelines)

    def nearest_size(self, value: int) -> int:
        return max(self.size_multiple, round(value / self.size_multiple) * self.size_multiple)


_T5_EXTRAS = ("max_sequence_length",)

FAMILIES: dict[str, Family] = {
    f.key: f
    for f in (
        Family(
            key="ltx_video",
            name="LTX-Video",
            pipelines={
                "t2v": "LTXPipeline",
                "i2v": "LTXImageToVideoPipeline",
                "flf2v": "LTXConditionPipeline",
            },
            frame_rule=FrameRule(8, 1, 9),
            size_multiple=32,
            default_width=704,
            default_height=480,
            default_frames=121,
            default_steps=50,
            default_guidance=3.0,
            native_fps="24",
            licence="LTX-Video Open Weights License (OpenRAIL-M based)",
            commercial_use=True,
            call_style="ltx",
            call_extras=(*_T5_EXTRAS, "decode_timestep", "decode_noise_scale", "guidance_rescale"),
        ),
        Family(
            key="wan21",
            name="Wan 2.1",
            pipelines={
                "t2v": "WanPipeline",
                "i2v": "WanImageToVideoPipeline",
                "flf2v": "WanImageToVideoPipeline",
            },
            frame_rule=FrameRule(4, 1, 5),
            size_multiple=16,
            default_width=832,
            default_height=480,
            default_frames=81,
            default_steps=50,
            default_guidance=5.0,
            native_fps="16",
            licence="Apache-2.0",
            commercial_use=True,
            call_style="wan",
            call_extras=(*_T5_EXTRAS, "guidance_scale_2"),
        ),
        Family(
            key="wan22_a14b",
            name="Wan 2.2 A14B",
            pipelines={"t2v": "WanPipeline", "i2v": "WanImageToVideoPipeline"},
            frame_rule=FrameRule(4, 1, 5),
            size_multiple=16,
            default_width=1280,
            default_height=720,
            default_frames=81,
            default_steps=40,
            default_guidance=4.0,
            native_fps="16",
            licence="Apache-2.0",
            commercial_use=True,
            call_style="wan",
            call_extras=(*_T5_EXTRAS, "guidance_scale_2"),
        ),
        Family(
            key="wan22_ti2v",
            name="Wan 2.2 TI2V-5B",
            pipelines={"t2v": "WanPipeline", "i2v": "WanImageToVideoPipeline"},
            frame_rule=FrameRule(4, 1, 5),
            size_multiple=32,
            default_width=1280,
            default_height=704,
            default_frames=121,
            default_steps=50,
            default_guidance=5.0,
            native_fps="24",
            licence="Apache-2.0",
            commercial_use=True,
            call_style="wan",
            call_extras=_T5_EXTRAS,
        ),
        Family(
            key="cogvideox",
            name="CogVideoX",
            pipelines={"t2v": "CogVideoXPipeline", "i2v": "CogVideoXImageToVideoPipeline"},
            frame_rule=FrameRule(8, 1, 9),
            size_multiple=16,
            default_width=720,
            default_height=480,
            default_frames=49,
            default_steps=50,
            default_guidance=6.0,
            native_fps="8",
            licence="CogVideoX License (the 2B model is Apache-2.0)",
            commercial_use=False,
            call_style="cog",
            call_extras=(*_T5_EXTRAS, "use_dynamic_cfg"),
        ),
        Family(
            key="svd",
            name="Stable Video Diffusion",
            pipelines={"i2v": "StableVideoDiffusionPipeline"},
            frame_rule=FrameRule(1, 0, 2),
            size_multiple=8,
            default_width=1024,
            default_height=576,
            default_frames=25,
            default_steps=25,
            default_guidance=3.0,
            native_fps="7",
            licence="Stable Video Diffusion Non-Commercial Community License",
            commercial_use=False,
            call_style="svd",
            prompt_used=False,
            call_extras=("motion_bucket_id", "noise_aug_strength", "decode_chunk_size", "min_guidance_scale"),
        ),
        Family(
            key="hunyuan_video",
            name="HunyuanVideo",
            pipelines={"t2v": "HunyuanVideoPipeline"},
            frame_rule=FrameRule(4, 1, 5),
            size_multiple=16,
            default_width=1280,
            default_height=720,
            default_frames=129,
            default_steps=50,
            default_guidance=6.0,
            native_fps="24",
            licence="Tencent Hunyuan Community License (excludes the EU, UK and South Korea)",
            commercial_use=False,
            call_style="hunyuan",
            call_extras=("max_sequence_length", "true_cfg_scale"),
        ),
    )
}

# model_index.json _class_name -> (family key, modes a folder of this class supports)
CLASS_TABLE: dict[str, tuple[str, tuple[str, ...]]] = {
    "LTXPipeline": ("ltx_video", ("t2v", "i2v", "flf2v")),
    "LTXImageToVideoPipeline": ("ltx_video", ("t2v", "i2v", "flf2v")),
    "LTXConditionPipeline": ("ltx_video", ("t2v", "i2v", "flf2v")),
    "WanPipeline": ("wan21", ("t2v",)),
    "WanImageToVideoPipeline": ("wan21", ("i2v",)),
    "CogVideoXPipeline": ("cogvideox", ("t2v",)),
    "CogVideoXImageToVideoPipeline": ("cogvideox", ("i2v",)),
    "StableVideoDiffusionPipeline": ("svd", ("i2v",)),
    "HunyuanVideoPipeline": ("hunyuan_video", ("t2v",)),
}


def _component_config(folder: Path, component: str) -> dict[str, Any]:
    try:
        return json.loads((folder / component / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


# (class name, predicate over (model_index, folder), family key, modes); the first match wins.
VARIANT_RULES: tuple[tuple[str, Callable[[dict, Path], bool], str, tuple[str, ...]], ...] = (
    ("WanPipeline", lambda idx, _f: bool(idx.get("expand_timesteps")), "wan22_ti2v", ("t2v", "i2v")),
    ("WanPipeline", lambda idx, _f: bool(idx.get("transformer_2", [None])[0]), "wan22_a14b", ("t2v",)),
    (
        "WanImageToVideoPipeline",
        lambda idx, _f: bool(idx.get("transformer_2", [None])[0]),
        "wan22_a14b",
        ("i2v",),
    ),
    (
        "WanImageToVideoPipeline",
        lambda _idx, f: _component_config(f, "transformer").get("pos_embed_seq_len") is not None,
        "wan21",
        ("flf2v",),
    ),
)


def resolve_family(model_index: Mapping[str, Any], folder: Path) -> tuple[Family, tuple[str, ...]]:
    """The family and supported modes of a model folder, from its ``model_index.json`` (and configs)."""
    class_name = str(model_index.get("_class_name", ""))
    if class_name not in CLASS_TABLE:
        known = ", ".join(sorted(CLASS_TABLE))
        raise GenerationError(
            f"{folder}: model class {class_name or '(none)'!r} is not a supported video family "
            f"(supported: {known})"
        )
    family_key, modes = CLASS_TABLE[class_name]
    for rule_class, predicate, rule_family, rule_modes in VARIANT_RULES:
        if rule_class == class_name and predicate(dict(model_index), folder):
            family_key, modes = rule_family, rule_modes
            break
    return FAMILIES[family_key], modes


def _nearest_mode(modes: tuple[str, ...], mode: str) -> str:
    if mode != "t2v" and "i2v" in modes:
        return "i2v"
    return modes[0]


def validate_request(
    request: GenerationRequest, family: Family, modes: tuple[str, ...] | None = None
) -> None:
    """Raise ``GenerationError`` naming the first field that breaks the family's rules."""
    modes = modes or family.modes
    if request.mode not in modes:
        raise GenerationError(
            f"mode: {family.name} (this model) supports {', '.join(modes)}, not {request.mode}; "
            f"nearest valid is {_nearest_mode(modes, request.mode)}"
        )
    if request.mode in ("i2v", "flf2v") and request.image is None:
        raise GenerationError(
            f"image: {family.name} {request.mode} needs a conditioning image (the shot's board panel); "
            "add a board or use t2v"
        )
    if request.mode == "flf2v" and request.last_image is None:
        raise GenerationError(f"last_image: {family.name} flf2v needs a last-frame image; add one or use i2v")
    if family.prompt_used is False and request.mode == "t2v":
        raise GenerationError(
            f"mode: {family.name} cannot generate from a prompt alone; nearest valid is i2v"
        )
    if family.prompt_used and request.mode == "t2v" and not request.prompt.strip():
        raise GenerationError(f"prompt: {family.name} text-to-video needs a prompt (the shot's action text)")
    for name in ("width", "height"):
        value = getattr(request, name)
        if value % family.size_multiple:
            raise GenerationError(
                f"{name}: {family.name} needs a multiple of {family.size_multiple}; "
                f"{value} is not, nearest valid is {family.nearest_size(value)}"
            )
    rule = family.frame_rule
    if not rule.is_valid(request.frames):
        raise GenerationError(
            f"frames: {family.name} needs {rule.describe()}; {request.frames} is not, "
            f"nearest valid is {rule.nearest(request.frames)}"
        )
    for key, _value in request.extras:
        if key.startswith("pipe.") and key[5:] not in family.call_extras:
            allowed = ", ".join(f"pipe.{n}" for n in family.call_extras) or "none"
            raise GenerationError(f"extras.{key}: not an option of {family.name} (allowed: {allowed})")


def frames_for_duration(family: Family, seconds: float) -> int:
    """The valid frame count at the family's native fps that covers ``seconds`` (at least the minimum)."""
    from fractions import Fraction

    wanted = math.ceil(float(seconds) * float(Fraction(family.native_fps)) - 1e-9)
    rule = family.frame_rule
    value = rule.nearest(max(wanted, rule.minimum))
    while value < wanted:
        value += rule.step
    return value


def family_defaults(family: Family) -> dict[str, Any]:
    return {
        "width": family.default_width,
        "height": family.default_height,
        "frames": family.default_frames,
        "steps": family.default_steps,
        "guidance": family.default_guidance,
        "fps": family.native_fps,
    }
