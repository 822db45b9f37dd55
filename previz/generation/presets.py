"""Speed presets: how fast (and how exactly) a generated take is made, as data.

``final`` is plain diffusers, the reference. ``balanced`` and ``draft`` trade a little picture for speed
with what diffusers ships: a cache hook on the transformer (First Block Cache, TaylorSeer, Pyramid
Attention Broadcast, FasterCache), regional compilation of the repeated transformer blocks, an attention
backend, fewer steps and (``draft``) a lower resolution conformed back up to the take's size, and a
quantized transformer when the optional quantization package is installed.

A preset resolves, for one request's family and model, into a flat mapping of concrete options
(``resolve``) that goes into ``GenerationRequest.speed``: the cache key and the take's provenance say
exactly how the take was made. ``final`` resolves to no options, so a ``final`` request's canonical JSON,
and its cache key, are what they were before presets existed.

``FAMILY_SPEED`` says which family supports which cache (and its settings for each preset), whether it
has repeated blocks to compile, and the step count of its distilled checkpoints. Nothing here downloads
anything, and this module imports no torch (``previz.generation.speed_runtime`` applies the options).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from previz.core.enums import SpeedPreset
from previz.core.errors import GenerationError

PRESETS: tuple[str, ...] = tuple(p.value for p in SpeedPreset)
FINAL = SpeedPreset.final.value

#: Cache methods: option value -> (diffusers config class, what it does).
CACHE_METHODS: dict[str, tuple[str, str]] = {
    "first_block": (
        "FirstBlockCacheConfig",
        "First Block Cache: skip the other blocks while the first barely changes",
    ),
    "taylorseer": (
        "TaylorSeerCacheConfig",
        "TaylorSeer: predict attention and feed-forward outputs between full steps",
    ),
    "pab": ("PyramidAttentionBroadcastConfig", "Pyramid Attention Broadcast: reuse attention across steps"),
    "faster": ("FasterCacheConfig", "FasterCache: reuse attention and the unconditional branch"),
    "mag": ("MagCacheConfig", "MagCache: skip steps by calibrated residual magnitudes"),
}
#: Settings a user may give each cache (``cache.<name>`` options), with their types.
CACHE_SETTINGS: dict[str, dict[str, type]] = {
    "first_block": {"threshold": float},
    "taylorseer": {"cache_interval": int, "disable_cache_before_step": int, "max_order": int, "lite": bool},
    "pab": {"skip_range": int},
    "faster": {"skip_range": int},
    "mag": {},
}
#: Quantization backends: option value -> (Python package, pip name).
QUANTIZERS: dict[str, tuple[str, str]] = {
    "torchao-int8": ("torchao", "torchao"),
    "quanto-int8": ("optimum.quanto", "optimum-quanto"),
}
#: Attention backends a preset may ask for; ``auto`` picks the fastest installed one on the worker.
#: Backends that fetch kernels from the Hub (``*_hub``) are left out: nothing downloads at run time.
ATTENTION = ("auto", "native", "flash", "sage", "xformers", "_native_cudnn", "_native_flash", "flex")
COMPILE = ("none", "regional")


@dataclass(frozen=True)
class PresetPlan:
    """What one preset does, before it meets a family: cache strength, steps, resolution, compile."""

    cache: str  # "none", or "balanced"/"draft": the family's cache for that strength
    steps_fraction: float = 1.0
    min_steps: int = 4
    scale: float = 1.0
    compile: str = "none"
    attention: str = ""
    quantize: bool = False


PLANS: dict[str, PresetPlan] = {
    "final": PresetPlan(cache="none"),
    "balanced": PresetPlan(cache="balanced", compile="regional", attention="auto"),
    "draft": PresetPlan(
        cache="draft", steps_fraction=0.5, scale=0.75, compile="regional", attention="auto", quantize=True
    ),
}


@dataclass(frozen=True)
class FamilySpeed:
    """Which speed-ups a family's transformer supports, and the cache each preset uses there."""

    caches: tuple[str, ...]
    balanced: tuple[str, Mapping[str, Any]] | None
    draft: tuple[str, Mapping[str, Any]] | None
    compile: bool = True
    attention: bool = True
    #: The step count distilled checkpoints of the family are made for (their ``draft`` uses it).
    distilled_steps: int | None = None
    #: TaylorSeer's module patterns (re.fullmatch on module names) for this transformer's layout.
    taylorseer_modules: tuple[str, ...] = field(default=())


_TAYLOR_BALANCED = {"cache_interval": 2, "disable_cache_before_step": 3}
_TAYLOR_DRAFT = {"cache_interval": 3, "disable_cache_before_step": 2}
_BLOCK_CACHES = ("first_block", "taylorseer", "pab")

FAMILY_SPEED: dict[str, FamilySpeed] = {
    "ltx_video": FamilySpeed(
        caches=_BLOCK_CACHES,
        balanced=("taylorseer", _TAYLOR_BALANCED),
        draft=("taylorseer", _TAYLOR_DRAFT),
        distilled_steps=8,
        taylorseer_modules=(r"transformer_blocks\.\d+\.(attn1|attn2|ff)",),
    ),
    "wan21": FamilySpeed(
        caches=_BLOCK_CACHES,
        balanced=("taylorseer", _TAYLOR_BALANCED),
        draft=("taylorseer", _TAYLOR_DRAFT),
        distilled_steps=4,
        taylorseer_modules=(r"blocks\.\d+\.(attn1|attn2|ffn)",),
    ),
    "wan22_a14b": FamilySpeed(
        caches=_BLOCK_CACHES,
        balanced=("taylorseer", _TAYLOR_BALANCED),
        draft=("taylorseer", _TAYLOR_DRAFT),
        distilled_steps=4,
        taylorseer_modules=(r"blocks\.\d+\.(attn1|attn2|ffn)",),
    ),
    "wan22_ti2v": FamilySpeed(
        caches=_BLOCK_CACHES,
        balanced=("taylorseer", _TAYLOR_BALANCED),
        draft=("taylorseer", _TAYLOR_DRAFT),
        distilled_steps=4,
        taylorseer_modules=(r"blocks\.\d+\.(attn1|attn2|ffn)",),
    ),
    "cogvideox": FamilySpeed(
        caches=(*_BLOCK_CACHES, "faster"),
        balanced=("pab", {"skip_range": 2}),
        draft=("taylorseer", _TAYLOR_DRAFT),
        compile=False,  # CogVideoXTransformer3DModel declares no repeated blocks
        taylorseer_modules=(r"transformer_blocks\.\d+\.(attn1|ff)",),
    ),
    "hunyuan_video": FamilySpeed(
        caches=_BLOCK_CACHES,
        balanced=("first_block", {"threshold": 0.05}),
        draft=("first_block", {"threshold": 0.1}),
        taylorseer_modules=(r"(single_)?transformer_blocks\.\d+\.(attn|ff|proj_mlp)",),
    ),
    # Stable Video Diffusion's UNet has no cache hooks, repeated blocks or attention dispatch: its
    # presets only take fewer steps and a lower resolution.
    "svd": FamilySpeed(caches=(), balanced=None, draft=None, compile=False, attention=False),
}

_NO_SPEED = FamilySpeed(caches=(), balanced=None, draft=None, compile=False, attention=False)


def family_speed(family_key: str) -> FamilySpeed:
    return FAMILY_SPEED.get(family_key, _NO_SPEED)


def check_preset(name: str, field_name: str = "preset") -> str:
    """``name`` as a preset name (case-insensitive), or a GenerationError listing the valid ones."""
    key = str(name).strip().lower()
    if key not in PRESETS:
        raise GenerationError(
            f"{field_name}: {name!r} is not a speed preset; use one of {', '.join(PRESETS)}"
        )
    return key


def is_distilled(model: str) -> bool:
    """A distilled checkpoint (made for few steps), told by its name as published."""
    name = str(model).lower()
    return any(word in name for word in ("distill", "causvid", "lightx2v", "turbo", "lightning"))


def quantizer_installed(name: str) -> bool:
    package = QUANTIZERS[name][0]
    try:
        return importlib.util.find_spec(package) is not None
    except (ImportError, ValueError):
        return False


def default_quantizer() -> str:
    """The quantization a ``draft`` uses here: the first installed backend, else none."""
    return next((q for q in QUANTIZERS if quantizer_installed(q)), "none")


def _cache_choice(plan: PresetPlan, speed: FamilySpeed) -> tuple[str, dict[str, Any]]:
    if plan.cache == "none":
        return "none", {}
    chosen = speed.balanced if plan.cache == "balanced" else speed.draft
    return ("none", {}) if chosen is None else (chosen[0], dict(chosen[1]))


def check_cache(cache: str, family_key: str, family_name: str) -> None:
    if cache == "none":
        return
    if cache not in CACHE_METHODS:
        raise GenerationError(
            f"speed.cache: {cache!r} is not a cache method; use one of none, {', '.join(CACHE_METHODS)}"
        )
    supported = family_speed(family_key).caches
    if cache not in supported:
        listing = ", ".join(supported) if supported else "none (it has no cache hooks)"
        why = (
            " (MagCache needs residual ratios calibrated per model, and none ship)" if cache == "mag" else ""
        )
        raise GenerationError(
            f"speed.cache: {family_name} does not support {cache}{why}; it supports {listing}"
        )


def _coerce_setting(cache: str, key: str, value: Any) -> Any:
    types = CACHE_SETTINGS.get(cache, {})
    if key not in types:
        allowed = ", ".join(f"cache.{k}" for k in types) or "none"
        raise GenerationError(f"speed.cache.{key}: not a setting of {cache} (settings: {allowed})")
    kind = types[key]
    try:
        if kind is bool:
            if isinstance(value, str):
                if value.lower() not in ("true", "false", "1", "0", "yes", "no"):
                    raise ValueError(value)
                return value.lower() in ("true", "1", "yes")
            return bool(value)
        out = kind(value)
    except (TypeError, ValueError):
        raise GenerationError(f"speed.cache.{key}: {value!r} is not a {kind.__name__}") from None
    if out < 0 or (kind is int and out < 1 and key != "disable_cache_before_step"):
        raise GenerationError(f"speed.cache.{key}: {value!r} is out of range")
    return out


def resolve(
    preset: str,
    *,
    family_key: str,
    family_name: str,
    model: str,
    steps: int,
    width: int,
    height: int,
    size_multiple: int,
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The concrete options of ``preset`` for one request (``{}`` for plain ``final``).

    ``steps``/``width``/``height`` are the request's (the family defaults already applied); ``overrides``
    replace single options (``cache``, ``cache.<setting>``, ``compile``, ``attention``, ``quantize``).
    Raises ``GenerationError`` naming what the family or this installation lacks."""
    preset = check_preset(preset)
    plan = PLANS[preset]
    speed = family_speed(family_key)
    overrides = dict(overrides or {})
    unknown = sorted(
        k
        for k in overrides
        if k not in ("cache", "compile", "attention", "quantize") and not k.startswith("cache.")
    )
    if unknown:
        raise GenerationError(
            f"speed.{unknown[0]}: not a speed option (options: cache, compile, attention, quantize)"
        )
    cache, settings = _cache_choice(plan, speed)
    if "cache" in overrides:
        new = str(overrides.pop("cache")).strip().lower().replace("-", "_")
        if new != cache:
            cache, settings = new, {}
    check_cache(cache, family_key, family_name)
    for key in [k for k in overrides if k.startswith("cache.")]:
        if cache == "none":
            raise GenerationError(f"speed.{key}: no cache is used, so it has no settings")
        settings[key[6:]] = _coerce_setting(cache, key[6:], overrides.pop(key))
    options: dict[str, Any] = {}
    if cache != "none":
        options["cache"] = cache
        options.update({f"cache.{k}": v for k, v in sorted(settings.items())})
    run_steps = steps
    if plan.steps_fraction < 1.0:
        if is_distilled(model) and speed.distilled_steps:
            run_steps = min(steps, speed.distilled_steps)
        else:
            run_steps = max(min(plan.min_steps, steps), round(steps * plan.steps_fraction))
    if run_steps != steps:
        options["steps"] = run_steps
    if plan.scale < 1.0:
        run_w = max(size_multiple, round(width * plan.scale / size_multiple) * size_multiple)
        run_h = max(size_multiple, round(height * plan.scale / size_multiple) * size_multiple)
        if (run_w, run_h) != (width, height):
            options.update(run_width=run_w, run_height=run_h)
    compile_ = str(overrides.pop("compile", plan.compile if speed.compile else "none"))
    if compile_ not in COMPILE:
        raise GenerationError(f"speed.compile: {compile_!r} is not one of {', '.join(COMPILE)}")
    if compile_ != "none" and not speed.compile:
        raise GenerationError(f"speed.compile: {family_name} has no repeated transformer blocks to compile")
    if compile_ != "none":
        options["compile"] = compile_
    attention = str(overrides.pop("attention", plan.attention if speed.attention else ""))
    if attention:
        if attention not in ATTENTION:
            raise GenerationError(
                f"speed.attention: {attention!r} is not one of {', '.join(ATTENTION)} "
                "(backends that download kernels are not offered)"
            )
        if not speed.attention:
            raise GenerationError(f"speed.attention: {family_name} cannot choose an attention backend")
        options["attention"] = attention
    quantize = str(overrides.pop("quantize", default_quantizer() if plan.quantize else "none"))
    if quantize != "none":
        check_quantizer(quantize)
        options["quantize"] = quantize
    return options


def check_quantizer(name: str) -> None:
    if name not in QUANTIZERS:
        raise GenerationError(f"speed.quantize: {name!r} is not one of none, {', '.join(QUANTIZERS)}")
    if not quantizer_installed(name):
        package, pip_name = QUANTIZERS[name]
        raise GenerationError(
            f"speed.quantize: {name} needs the Python package {pip_name!r}, which is not installed in the "
            f"generation environment; install it (pip install {pip_name}) or choose quantize=none"
        )


def check_options(options: Mapping[str, Any], family_key: str, family_name: str) -> None:
    """Refuse a request's recorded speed options that this family or installation cannot honour (a
    request written by hand, or made on another machine)."""
    known = {"cache", "steps", "run_width", "run_height", "compile", "attention", "quantize"}
    for key in options:
        if key not in known and not key.startswith("cache."):
            raise GenerationError(f"speed.{key}: not a speed option")
    cache = str(options.get("cache", "none"))
    check_cache(cache, family_key, family_name)
    for key, value in options.items():
        if key.startswith("cache."):
            _coerce_setting(cache, key[6:], value)
    for key in ("steps", "run_width", "run_height"):
        value = options.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):
            raise GenerationError(f"speed.{key}: {value!r} must be a positive whole number")
    if options.get("compile", "none") not in COMPILE:
        raise GenerationError(f"speed.compile: {options['compile']!r} is not one of {', '.join(COMPILE)}")
    if options.get("attention", "auto") not in ATTENTION:
        raise GenerationError(
            f"speed.attention: {options['attention']!r} is not one of {', '.join(ATTENTION)}"
        )
    if options.get("quantize", "none") != "none":
        check_quantizer(str(options["quantize"]))


def describe(name: str, family_key: str) -> str:
    """One line: what ``name`` does for a family (``previz generate --preset`` help, docs)."""
    plan = PLANS[check_preset(name)]
    if name == FINAL:
        return "final: plain diffusers at full steps and size (the reference)"
    cache, settings = _cache_choice(plan, family_speed(family_key))
    parts = [
        f"cache {cache}" + (f" ({', '.join(f'{k}={v}' for k, v in settings.items())})" if settings else "")
    ]
    if plan.steps_fraction < 1:
        parts.append(f"{plan.steps_fraction:.0%} of the steps")
    if plan.scale < 1:
        parts.append(f"{plan.scale:.0%} resolution conformed up")
    if plan.compile != "none":
        parts.append("regional compilation")
    if plan.quantize:
        parts.append("int8 transformer when torchao or optimum-quanto is installed")
    return f"{name}: " + ", ".join(parts)


def apply(request, family, preset: str, overrides: Mapping[str, Any] | None = None):
    """``request`` (a diffusers ``GenerationRequest`` at ``final``) made with ``preset``: its resolved
    options recorded in ``request.speed``. Other backends have no model to speed up: unchanged."""
    if request.backend != "diffusers":
        return request
    options = resolve(
        preset,
        family_key=family.key,
        family_name=family.name,
        model=request.model,
        steps=request.steps or family.default_steps,
        width=request.width,
        height=request.height,
        size_multiple=family.size_multiple,
        overrides=overrides,
    )
    return request.with_changes(preset=check_preset(preset), speed=options)


def as_final(request):
    """The same request at ``final`` (plain diffusers): same seed, prompt, conditioning and size."""
    return request.with_changes(preset=FINAL, speed={})
