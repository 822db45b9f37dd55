"""Run a local diffusers video pipeline: load (offline, safetensors only), call, conform to the project fps.

``PipelineRunner`` keeps the last pipeline loaded; a request for another mode of the same folder (LTX
t2v -> i2v) reuses its components through ``from_pipe``. torch and diffusers are imported lazily.
A request's speed options (``previz.generation.presets``) are applied around each call by
``previz.generation.speed_runtime``: cache hooks, regional compilation (kept with the pipeline), the
attention backend, fewer steps and a lower resolution whose frames are conformed up to the request's size.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from previz.core.errors import CancelledError, GenerationError
from previz.core.jobs import CancelToken, ProgressFn
from previz.generation.catalog import ModelInfo
from previz.generation.conform import conform_frames
from previz.generation.families import Family
from previz.generation.request import GenerationRequest

DEVICES = ("auto", "cuda", "mps", "cpu")
PRECISIONS = ("auto", "bf16", "fp16", "fp32")


@dataclass(frozen=True)
class RuntimeOptions:
    """How to run a model on this machine (not part of the request: it does not change the shot)."""

    device: str = "auto"
    precision: str = "auto"
    cpu_offload: bool = False
    sequential_offload: bool = False
    vae_tiling: bool = False
    attention_backend: str | None = None
    #: The torch.compile backend regional compilation uses. None: ``inductor`` on a CUDA GPU, and no
    #: compilation elsewhere (minutes of compiling for little gain on a CPU; the take says it was skipped).
    #: ``eager``/``aot_eager`` trace and compile the graphs without generating kernels (tests).
    compile_backend: str | None = None

    def __post_init__(self) -> None:
        if self.device not in DEVICES:
            raise GenerationError(f"device: {self.device!r} is not one of {', '.join(DEVICES)}")
        if self.precision not in PRECISIONS:
            raise GenerationError(f"precision: {self.precision!r} is not one of {', '.join(PRECISIONS)}")


def resolve_device(device: str) -> str:
    import torch

    if device == "auto":
        if torch.cuda.is_available():
            return "cuda"
        mps = getattr(torch.backends, "mps", None)
        return "mps" if mps is not None and mps.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise GenerationError("device: cuda was asked for but no CUDA GPU is available; use auto or cpu")
    return device


def resolve_dtype(precision: str, device: str):
    import torch

    if precision == "auto":
        precision = {"cuda": "bf16", "mps": "fp16"}.get(device, "fp32")
    return {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}[precision]


def oom_error(exc: BaseException, request: GenerationRequest, device: str) -> GenerationError | None:
    """A ``GenerationError`` naming the memory options when ``exc`` is an out-of-memory error, else None."""
    try:
        import torch

        oom_types: tuple[type, ...] = (torch.cuda.OutOfMemoryError,)
    except Exception:  # pragma: no cover - torch missing
        oom_types = ()
    text = str(exc).lower()
    if not (isinstance(exc, oom_types) or "out of memory" in text):
        return None
    return GenerationError(
        f"out of memory on {device} generating {request.width}x{request.height}, {request.frames} frames: "
        "turn on model CPU offload (or sequential offload for the least memory), VAE tiling, "
        "or lower the resolution or frame count"
    )


def load_image(path: Path, field: str, width: int, height: int):
    """The conditioning image, cover-fitted (centre crop) to ``width`` x ``height``, as a PIL image."""
    import cv2
    from PIL import Image

    from previz.generation.backends import read_board

    rgb = read_board(Path(path), field)
    h, w = rgb.shape[:2]
    scale = max(width / w, height / h)
    nw, nh = max(width, round(w * scale)), max(height, round(h * scale))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    resized = cv2.resize(rgb, (nw, nh), interpolation=interp)
    x0, y0 = (nw - width) // 2, (nh - height) // 2
    return Image.fromarray(np.ascontiguousarray(resized[y0 : y0 + height, x0 : x0 + width]))


def _call_kwargs(family: Family, request: GenerationRequest, images: dict[str, Any]) -> dict[str, Any]:
    """The pipeline-call arguments for this family and mode (table of small builders below)."""
    kwargs: dict[str, Any] = {
        "height": request.height,
        "width": request.width,
        "num_frames": request.frames,
        "num_inference_steps": request.steps or family.default_steps,
    }
    guidance = request.guidance if request.guidance is not None else family.default_guidance
    kwargs.update(_STYLE_BUILDERS[family.call_style](family, request, images, guidance))
    for key, value in request.extras:
        if key.startswith("pipe."):
            kwargs[key[5:]] = value
    return kwargs


def _prompted(request: GenerationRequest, guidance: float) -> dict[str, Any]:
    out: dict[str, Any] = {"prompt": request.prompt, "guidance_scale": guidance}
    if request.negative_prompt:
        out["negative_prompt"] = request.negative_prompt
    return out


def _ltx(
    family: Family, request: GenerationRequest, images: dict[str, Any], guidance: float
) -> dict[str, Any]:
    out = _prompted(request, guidance)
    out["frame_rate"] = int(round(float(Fraction(family.native_fps))))
    if request.mode == "i2v":
        out["image"] = images["image"]
    elif request.mode == "flf2v":
        from diffusers.pipelines.ltx.pipeline_ltx_condition import LTXVideoCondition

        out["conditions"] = [
            LTXVideoCondition(image=images["image"], frame_index=0),
            LTXVideoCondition(image=images["last_image"], frame_index=request.frames - 1),
        ]
    return out


def _wan(
    family: Family, request: GenerationRequest, images: dict[str, Any], guidance: float
) -> dict[str, Any]:
    out = _prompted(request, guidance)
    if request.mode in ("i2v", "flf2v"):
        out["image"] = images["image"]
    if request.mode == "flf2v":
        out["last_image"] = images["last_image"]
    return out


def _cog(
    family: Family, request: GenerationRequest, images: dict[str, Any], guidance: float
) -> dict[str, Any]:
    out = _prompted(request, guidance)
    if request.mode == "i2v":
        out["image"] = images["image"]
    return out


def _svd(
    family: Family, request: GenerationRequest, images: dict[str, Any], guidance: float
) -> dict[str, Any]:
    return {
        "image": images["image"],
        "max_guidance_scale": guidance,
        "fps": int(round(float(Fraction(family.native_fps)))),
        "decode_chunk_size": 8,
    }


def _hunyuan(
    family: Family, request: GenerationRequest, images: dict[str, Any], guidance: float
) -> dict[str, Any]:
    return _prompted(request, guidance)


_STYLE_BUILDERS: dict[str, Callable[..., dict[str, Any]]] = {
    "ltx": _ltx,
    "wan": _wan,
    "cog": _cog,
    "svd": _svd,
    "hunyuan": _hunyuan,
}


def to_uint8_frames(frames: Any) -> list[np.ndarray]:
    """Pipeline ``output_type="np"`` frames (floats in [0, 1], batch first) as RGB uint8 arrays."""
    array = np.asarray(frames)
    if array.ndim == 5:
        array = array[0]
    if array.ndim != 4 or array.shape[-1] != 3:
        raise GenerationError(f"the pipeline returned frames of shape {array.shape}; expected (n, h, w, 3)")
    if array.dtype != np.uint8:
        array = (np.clip(array.astype(np.float32), 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    return [np.ascontiguousarray(f) for f in array]


def _dtype_keyword() -> str:
    """diffusers 0.42 renamed ``torch_dtype`` to ``dtype``; older versions only know ``torch_dtype``."""
    import diffusers

    major, minor = (int(p) for p in diffusers.__version__.split(".")[:2])
    return "dtype" if (major, minor) >= (0, 42) else "torch_dtype"


class PipelineRunner:
    """Loads diffusers pipelines from local folders and keeps the last one."""

    def __init__(self, options: RuntimeOptions | None = None) -> None:
        self.options = options or RuntimeOptions()
        self.device: str | None = None
        self.dtype: str | None = None
        self._pipe = None
        self._key: tuple[str, str, str] | None = None
        self.loads = 0  # how many times weights were read from disk (tests and benchmarks)
        self.compilations = 0  # how many times the transformer's blocks were compiled
        #: What the last run's speed options really did (``SpeedReport.provenance``), for the take.
        self.last_speed: dict[str, Any] | None = None

    def unload(self) -> None:
        self._pipe = None
        self._key = None

    def pipeline(self, info: ModelInfo, mode: str, cancel: CancelToken | None = None, quantize: str = "none"):
        """The pipeline class for ``mode`` over ``info``'s folder, loaded once and kept (with its
        transformer quantized by ``quantize``, a ``presets.QUANTIZERS`` name, or not)."""
        import diffusers

        os.environ["HF_HUB_OFFLINE"] = "1"
        class_name = info.family_info.pipelines[mode]
        key = (str(info.path), class_name, quantize)
        if self._key == key:
            return self._pipe
        cls = getattr(diffusers, class_name)
        if self._pipe is not None and self._key is not None and self._key[::2] == key[::2]:
            self._pipe = cls.from_pipe(self._pipe)
            self._key = key
            return self._pipe
        self.unload()
        if cancel is not None:
            cancel.raise_if_cancelled()
        device = self.device = resolve_device(self.options.device)
        dtype = resolve_dtype(self.options.precision, device)
        self.dtype = str(dtype).replace("torch.", "")
        try:
            pipe = cls.from_pretrained(
                str(info.path), **{_dtype_keyword(): dtype}, use_safetensors=True, local_files_only=True
            )
        except (OSError, ValueError) as exc:
            raise GenerationError(f"{info.path}: the model cannot be loaded ({exc})") from exc
        self.loads += 1
        if cancel is not None:
            cancel.raise_if_cancelled()
        if quantize != "none":
            from previz.generation.speed_runtime import quantize_transformer

            quantize_transformer(pipe, quantize)
        self._place(pipe, device)
        pipe.set_progress_bar_config(disable=True)
        self._pipe, self._key = pipe, key
        return pipe

    def _place(self, pipe, device: str) -> None:
        opts = self.options
        if opts.sequential_offload and device != "cpu":
            pipe.enable_sequential_cpu_offload(device=device)
        elif opts.cpu_offload and device != "cpu":
            pipe.enable_model_cpu_offload(device=device)
        else:
            pipe.to(device)
        vae = getattr(pipe, "vae", None)
        if opts.vae_tiling and vae is not None and hasattr(vae, "enable_tiling"):
            vae.enable_tiling()
        if opts.attention_backend:
            model = getattr(pipe, "transformer", None) or getattr(pipe, "unet", None)
            if model is None or not hasattr(model, "set_attention_backend"):
                raise GenerationError("attention_backend: this diffusers version or model cannot set one")
            try:
                model.set_attention_backend(opts.attention_backend)
            except (ValueError, RuntimeError, ImportError) as exc:
                raise GenerationError(f"attention_backend: {opts.attention_backend!r} ({exc})") from exc

    @contextlib.contextmanager
    def _memory_errors(self, request: GenerationRequest) -> Iterator[None]:
        """Turn an out-of-memory error (loading or generating) into a GenerationError naming the options."""
        try:
            yield
        except (RuntimeError, MemoryError) as exc:
            mapped = oom_error(exc, request, self.device or "cpu")
            if mapped is None:
                raise
            if self.device == "cuda":
                import torch

                self.unload()
                torch.cuda.empty_cache()
            raise mapped from exc

    def run(
        self,
        request: GenerationRequest,
        info: ModelInfo,
        images: dict[str, Path],
        progress: ProgressFn,
        cancel: CancelToken,
    ) -> list[np.ndarray]:
        """Generate the clip and return it conformed to ``request.fps`` (RGB uint8 frames)."""
        import torch

        from previz.generation.presets import check_options
        from previz.generation.speed_runtime import SpeedSession, is_compile_error

        family = info.family_info
        speed = request.speed_options()
        check_options(speed, family.key, family.name)
        run_w, run_h = speed.get("run_width", request.width), speed.get("run_height", request.height)
        pil = {n: load_image(images[n], n, run_w, run_h) for n in request.image_hashes() if n in images}
        missing = [n for n in request.image_hashes() if n not in pil]
        if missing:
            raise GenerationError(f"{missing[0]}: the conditioning image file was not given to the backend")
        progress(0, 1, f"loading {info.id}")
        with self._memory_errors(request):
            pipe = self.pipeline(info, request.mode, cancel, speed.get("quantize", "none"))
        kwargs = _call_kwargs(family, request, pil)
        kwargs.update(width=run_w, height=run_h)
        if "steps" in speed:
            kwargs["num_inference_steps"] = speed["steps"]
        total = kwargs["num_inference_steps"]

        def on_step_end(p, step: int, _timestep, callback_kwargs):
            steps = getattr(p, "_num_timesteps", None) or total
            progress(step + 1, steps, f"step {step + 1}/{steps}")
            if cancel.cancelled:
                p._interrupt = True
                raise CancelledError("cancelled by the user")
            return callback_kwargs

        def call():
            generator = torch.Generator(device="cpu").manual_seed(request.seed)
            return pipe(**kwargs, generator=generator, output_type="np", callback_on_step_end=on_step_end)

        self.last_speed = None
        with self._memory_errors(request), SpeedSession(self, pipe, family.key, speed) as session:
            try:
                output = call()
            except Exception as exc:
                if not (session.compiled and is_compile_error(exc)):
                    raise
                session.fail_compile(exc)  # never silently: the take's provenance says so
                progress(0, total, "compilation failed; running uncompiled")
                output = call()
        self.last_speed = dict(session.report.provenance(), preset=request.preset, steps=total)
        frames = to_uint8_frames(output.frames)
        if (run_w, run_h) != (request.width, request.height):
            from previz.media.conform import conform_size

            frames = [conform_size(f, request.width, request.height, "cover") for f in frames]
            self.last_speed["run_size"] = [run_w, run_h]
        return conform(frames, family, request)


def conform(frames: list[np.ndarray], family: Family, request: GenerationRequest) -> list[np.ndarray]:
    """Frames made at the family's native fps re-timed to the request's (project) fps.

    The clip keeps its duration, or lasts ``extras["duration_frames"]`` project frames when given.
    """
    native = Fraction(family.native_fps)
    target_frames = request.extra("duration_frames")
    if native == request.fps_fraction and target_frames is None:
        return frames
    return conform_frames(frames, native, request.fps_fraction, int(target_frames) if target_frames else None)
