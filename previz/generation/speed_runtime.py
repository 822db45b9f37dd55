"""Apply a request's speed options (``previz.generation.presets``) to a loaded diffusers pipeline.

Runs where the pipeline lives (the worker process). The transformer keeps what was done to it between
jobs: regional compilation happens once per pipeline and is reused by every later job that asks for it
(a ``final`` job runs the blocks uncompiled again, without throwing the compiled code away); a cache hook
stays installed while jobs ask for the same cache (its state is reset before each run) and is swapped
when they ask for another. A quantized transformer is made at load time (``quantize_transformer``).

Every run reports what really happened (``SpeedReport.provenance``): the cache and its settings, the
attention backend in use, whether the blocks were compiled now, reused or failed to compile (then the
job ran uncompiled and says so), and how many transformer calls and attention computations ran — a cache
that skips work shows it there.
"""

from __future__ import annotations

import contextlib
import importlib.util
from dataclasses import dataclass, field
from typing import Any

from previz.core.errors import GenerationError
from previz.generation.presets import QUANTIZERS, check_quantizer, family_speed

_COMPILED = "_previz_compiled"  # the backend the transformer's blocks were compiled with
_COMPILE_FAILED = "_previz_compile_failed"
_CACHE = "_previz_cache"  # the cache options the installed hook was made from
_ATTENTION = "_previz_attention"


def denoiser(pipe):
    return getattr(pipe, "transformer", None) or getattr(pipe, "unet", None)


# -- quantization (at load time) -----------------------------------------------------------------------
def quantize_transformer(pipe, name: str) -> None:
    """Quantize the pipeline's transformer weights to int8 in place with the named backend."""
    check_quantizer(name)
    model = denoiser(pipe)
    if model is None:
        raise GenerationError("speed.quantize: this pipeline has no transformer to quantize")
    package = QUANTIZERS[name][0]
    try:
        if package == "torchao":
            from torchao.quantization import quantize_

            try:
                from torchao.quantization import Int8WeightOnlyConfig

                quantize_(model, Int8WeightOnlyConfig())
            except ImportError:  # torchao before 0.9
                from torchao.quantization import int8_weight_only

                quantize_(model, int8_weight_only())
        else:
            from optimum.quanto import freeze, qint8, quantize

            quantize(model, weights=qint8)
            freeze(model)
    except GenerationError:
        raise
    except Exception as exc:
        raise GenerationError(f"speed.quantize: {name} failed on this transformer ({exc})") from exc


# -- compilation ------------------------------------------------------------------------------------------
def _compiled_blocks(model) -> list:
    names = set(getattr(model, "_repeated_blocks", None) or ())
    return [m for m in model.modules() if type(m).__name__ in names]


_STASH = "_previz_compiled_call_impl"


def _uncompile(model, *, keep: bool = True) -> None:
    """Run the blocks eagerly again; with ``keep`` their compiled code is kept for a later job."""
    for block in _compiled_blocks(model):
        if keep and block._compiled_call_impl is not None:
            setattr(block, _STASH, block._compiled_call_impl)
        elif not keep:
            block.__dict__.pop(_STASH, None)
        block._compiled_call_impl = None


def _recompile_kept(model) -> bool:
    """Put back the compiled code ``_uncompile`` kept; False when a block has none."""
    blocks = _compiled_blocks(model)
    if not blocks or not all(getattr(b, _STASH, None) is not None for b in blocks):
        return False
    for block in blocks:
        block._compiled_call_impl = getattr(block, _STASH)
    return True


def _compile(model, backend: str) -> None:
    model.compile_repeated_blocks(backend=backend, fullgraph=False, dynamic=None)


def is_compile_error(exc: BaseException) -> bool:
    """An error raised by torch.compile (dynamo tracing, the backend, inductor's C++ build)."""
    for cls in type(exc).__mro__:
        module = getattr(cls, "__module__", "") or ""
        if module.startswith(("torch._dynamo", "torch._inductor")):
            return True
    return False


def _dynamo_graphs() -> int:
    with contextlib.suppress(Exception):
        from torch._dynamo.utils import counters

        return int(counters["stats"].get("unique_graphs", 0))
    return 0


# -- caches -----------------------------------------------------------------------------------------------
def _cache_config(pipe, family_key: str, cache: str, settings: dict[str, Any], dtype):
    from diffusers import hooks

    speed = family_speed(family_key)

    def timestep():
        return pipe.current_timestep

    if cache == "first_block":
        return hooks.FirstBlockCacheConfig(threshold=float(settings.get("threshold", 0.05)))
    if cache == "taylorseer":
        lite = bool(settings.get("lite", False))
        return hooks.TaylorSeerCacheConfig(
            cache_interval=int(settings.get("cache_interval", 2)),
            disable_cache_before_step=int(settings.get("disable_cache_before_step", 3)),
            max_order=int(settings.get("max_order", 1)),
            taylor_factors_dtype=dtype,
            use_lite_mode=lite,
            cache_identifiers=None if lite else list(speed.taylorseer_modules) or None,
        )
    if cache == "pab":
        return hooks.PyramidAttentionBroadcastConfig(
            spatial_attention_block_skip_range=int(settings.get("skip_range", 2)),
            spatial_attention_timestep_skip_range=(100, 800),
            current_timestep_callback=timestep,
        )
    if cache == "faster":
        return hooks.FasterCacheConfig(
            spatial_attention_block_skip_range=int(settings.get("skip_range", 2)),
            current_timestep_callback=timestep,
            attention_weight_callback=lambda _module: 0.3,
            tensor_format="BFCHW" if family_key == "cogvideox" else "BCFHW",
            is_guidance_distilled=False,
        )
    raise GenerationError(f"speed.cache: {cache!r} cannot be applied here")


def _set_cache(pipe, model, family_key: str, options: dict[str, Any]) -> dict[str, Any] | None:
    wanted = {k: v for k, v in sorted(options.items()) if k == "cache" or k.startswith("cache.")}
    current = getattr(model, _CACHE, None)
    if current != wanted and current:
        model.disable_cache()
        setattr(model, _CACHE, None)
    if not wanted:
        return None
    if current != wanted:
        if not hasattr(model, "enable_cache"):
            raise GenerationError(f"speed.cache: {type(model).__name__} has no cache hooks")
        _first_block_needs(model, wanted["cache"])
        settings = {k[6:]: v for k, v in wanted.items() if k != "cache"}
        config = _cache_config(pipe, family_key, wanted["cache"], settings, model.dtype)
        try:
            model.enable_cache(config)
        except (ValueError, TypeError, IndexError, AttributeError) as exc:
            raise GenerationError(
                f"speed.cache: {wanted['cache']} cannot be applied to this model ({exc})"
            ) from exc
        setattr(model, _CACHE, wanted)
    else:
        model._reset_stateful_cache()
    return wanted


def _first_block_needs(model, cache: str | None) -> None:
    if cache == "first_block":
        blocks = _compiled_blocks(model) or [
            m for n, m in model.named_children() if n in ("blocks", "transformer_blocks")
        ]
        count = sum(len(m) if hasattr(m, "__len__") else 1 for m in blocks)
        if count < 2:
            raise GenerationError(
                "speed.cache: first_block needs a transformer with at least two blocks; this one has "
                f"{count}; use taylorseer or pab"
            )


# -- attention --------------------------------------------------------------------------------------------
def pick_attention(device: str) -> str:
    """``auto``: the fastest attention backend installed here that needs no download."""
    if device == "cuda":
        for package, backend in (("flash_attn", "flash"), ("sageattention", "sage")):
            if importlib.util.find_spec(package) is not None:
                return backend
    return "native"


def _set_attention(model, wanted: str | None, device: str, machine_default: str | None) -> str:
    if not hasattr(model, "set_attention_backend"):
        return "default"
    if wanted == "auto":
        wanted = pick_attention(device)
    target = wanted or machine_default
    current = getattr(model, _ATTENTION, machine_default)
    if target != current:
        try:
            if target:
                model.set_attention_backend(target)
            else:
                model.reset_attention_backend()
        except (ValueError, RuntimeError, ImportError) as exc:
            raise GenerationError(f"speed.attention: {target!r} cannot be used here ({exc})") from exc
        setattr(model, _ATTENTION, target)
    return target or "default"


# -- one run ----------------------------------------------------------------------------------------------
@dataclass
class SpeedReport:
    """What a run's speed options really did (the take's ``provenance["speed"]``)."""

    options: dict[str, Any]
    compile: str = "none"
    compile_error: str = ""
    attention: str = "default"
    calls: dict[str, int] = field(default_factory=lambda: {"transformer": 0, "attention": 0})
    graphs_before: int = 0
    graphs_after: int = 0

    def provenance(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "options": dict(self.options),
            "cache": self.options.get("cache", "none"),
            "attention": self.attention,
            "compile": self.compile,
            "transformer_calls": self.calls["transformer"],
            "attention_calls": self.calls["attention"],
        }
        if self.compile_error:
            out["compile_error"] = self.compile_error
        if self.compile.startswith(("regional", "failed")):
            out["compiled_graphs"] = max(0, self.graphs_after - self.graphs_before)
        return out


class SpeedSession:
    """Prepare ``pipe`` for one request's options; count the work; undo per-run state afterwards."""

    def __init__(self, runner, pipe, family_key: str, options: dict[str, Any]) -> None:
        self.runner, self.pipe, self.family_key = runner, pipe, family_key
        self.model = denoiser(pipe)
        self.report = SpeedReport(dict(options))
        self._handles: list = []

    def __enter__(self) -> SpeedSession:
        model, options = self.model, self.report.options
        if model is None:
            return self
        _set_cache(self.pipe, model, self.family_key, options)
        self.report.attention = _set_attention(
            model,
            options.get("attention"),
            self.runner.device or "cpu",
            self.runner.options.attention_backend,
        )
        self._prepare_compile(options.get("compile", "none"))
        self._count()
        self.report.graphs_before = _dynamo_graphs()
        return self

    def __exit__(self, *exc: object) -> None:
        for handle in self._handles:
            handle.remove()
        self.report.graphs_after = _dynamo_graphs()

    def _count(self) -> None:
        calls = self.report.calls

        def on_transformer(*_a):
            calls["transformer"] += 1

        def on_attention(*_a):
            calls["attention"] += 1

        self._handles.append(self.model.register_forward_hook(on_transformer))
        for name, module in self.model.named_modules():
            if name.endswith(".to_q"):
                self._handles.append(module.register_forward_hook(on_attention))

    def _prepare_compile(self, mode: str) -> None:
        model = self.model
        compiled = getattr(model, _COMPILED, None)
        if mode == "none":
            if compiled:
                _uncompile(model)
            return
        failed = getattr(model, _COMPILE_FAILED, None)
        if failed:
            self.report.compile, self.report.compile_error = "failed earlier; ran uncompiled", failed
            return
        backend = self.runner.options.compile_backend
        if backend is None:
            if self.runner.device != "cuda":
                if compiled:
                    _uncompile(model)
                self.report.compile = f"skipped on {self.runner.device} (regional compilation pays on a GPU)"
                return
            backend = "inductor"
        if compiled == backend and (
            all(b._compiled_call_impl is not None for b in _compiled_blocks(model)) or _recompile_kept(model)
        ):
            self.report.compile = f"regional ({backend}), reused"
            return
        if compiled:
            _uncompile(model, keep=False)  # another compile backend was asked for
        try:
            _compile(model, backend)
        except Exception as exc:
            self.fail_compile(exc)
            return
        self.runner.compilations += 1
        setattr(model, _COMPILED, backend)
        self.report.compile = f"regional ({backend}), compiled now"

    @property
    def compiled(self) -> bool:
        """The blocks run compiled in this run."""
        return self.model is not None and any(
            b._compiled_call_impl is not None for b in _compiled_blocks(self.model)
        )

    def fail_compile(self, exc: BaseException) -> None:
        """Compilation failed: run the blocks uncompiled, from now on for this pipeline, and say so."""
        reason = f"{type(exc).__name__}: {exc}".splitlines()[0]
        cause = getattr(exc, "inner_exception", None) or exc.__cause__
        if cause is not None and str(cause) not in reason:
            reason += f" ({type(cause).__name__}: {str(cause).splitlines()[0] if str(cause) else ''})"
        reason = reason[:400]
        _uncompile(self.model, keep=False)
        setattr(self.model, _COMPILED, None)
        setattr(self.model, _COMPILE_FAILED, reason)
        self.report.compile, self.report.compile_error = "failed; ran uncompiled", reason
        self.report.calls.update(transformer=0, attention=0)
