"""Speed presets against ``final`` on the same requests, side by side in one run (``bench_generation.py
--presets``): seconds per shot, the speed-up over ``final``, and PSNR/SSIM of each take against the
``final`` take of the same seed (``previz.media.compare``, per frame, averaged).

Each shot runs at every preset in turn (final, balanced, draft, then the next seed), through the
``PipelineRunner`` the worker process uses (in this process: no IPC or encoding in the timings). The first
shot of each preset is a warm-up (pipeline load, regional compilation) reported on its own line.

    python benchmarks/bench_generation.py --presets                    # tiny LTX and Wan on the CPU
    python benchmarks/bench_generation.py --presets --device cuda --full-size
        # LTX-Video 2B config at 768x512x121 and Wan 2.1 1.3B config at 832x480x81, random weights

Weights are random: speed does not depend on their values, but the quality figures are only indicative
(a cache's error on random weights is not its error on a trained model).
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np

from previz.core.jobs import CancelToken
from previz.generation.catalog import find_model
from previz.generation.diffusers_backend import PipelineRunner, RuntimeOptions
from previz.generation.families import FAMILIES
from previz.generation.presets import PRESETS, apply
from previz.generation.request import GenerationRequest
from previz.media.compare import score_frames

#: family -> (tiny model name, full-size shape (width, height, frames), tiny shape)
CASES = {
    "ltx_video": ("tiny-ltx-video", (768, 512, 121), (128, 96, 25)),
    "wan21": ("tiny-wan21-t2v", (832, 480, 81), (128, 96, 25)),
}


def build_wan_full(folder: Path, device: str) -> Path:
    """The Wan 2.1 T2V 1.3B transformer and VAE architecture with random weights (UMT5 kept small, with
    the 4096-wide text embedding the real model projects from)."""
    import torch
    from diffusers import (
        AutoencoderKLWan,
        FlowMatchEulerDiscreteScheduler,
        WanPipeline,
        WanTransformer3DModel,
    )

    from previz.generation.tiny_models import _text_encoder, _tokenizer

    if (folder / "model_index.json").exists():
        return folder
    started = time.perf_counter()
    with torch.device("cuda" if device == "cuda" else "cpu"):
        torch.manual_seed(0)
        transformer = WanTransformer3DModel(
            patch_size=(1, 2, 2),
            num_attention_heads=12,
            attention_head_dim=128,
            in_channels=16,
            out_channels=16,
            text_dim=4096,
            freq_dim=256,
            ffn_dim=8960,
            num_layers=30,
            cross_attn_norm=True,
            qk_norm="rms_norm_across_heads",
            eps=1e-6,
            rope_max_seq_len=1024,
        )
        pipe = WanPipeline(
            tokenizer=_tokenizer(),
            text_encoder=_text_encoder(d_model=4096, umt5=True),
            vae=AutoencoderKLWan(),  # the Wan 2.1 VAE architecture
            scheduler=FlowMatchEulerDiscreteScheduler(shift=3.0),
            transformer=transformer,
        )
        pipe.to(dtype=torch.bfloat16)
        pipe.save_pretrained(folder, safe_serialization=True)
    print(f"built the full-size Wan 2.1 1.3B folder in {time.perf_counter() - started:.1f} s", flush=True)
    return folder


def build_models(models_dir: Path, families: list[str], full: bool, device: str) -> dict[str, Path]:
    from previz.generation.tiny_models import build_all, build_ltx

    out = {}
    for family in families:
        if not full:
            out[family] = build_all(models_dir, (CASES[family][0],))[CASES[family][0]]
        elif family == "wan21":
            out[family] = build_wan_full(models_dir / "wan21-1.3b-random", device)
        else:
            folder = models_dir / "ltx-video-2b-random"
            if not (folder / "model_index.json").exists():
                import torch

                with torch.device("cuda" if device == "cuda" else "cpu"):
                    build_ltx(folder, full_size=True, dtype=torch.bfloat16)
            out[family] = folder
    return out


def _timed(runner: PipelineRunner, request: GenerationRequest, info) -> tuple[list[np.ndarray], float]:
    started = time.perf_counter()
    frames = runner.run(request, info, {}, lambda *a: None, CancelToken())
    if runner.device == "cuda":
        import torch

        torch.cuda.synchronize()
    return frames, time.perf_counter() - started


def _quality(frames: list[np.ndarray], reference: list[np.ndarray]) -> tuple[float, float]:
    scores = [score_frames(i, a, b) for i, (a, b) in enumerate(zip(frames, reference))]
    psnrs = [s.psnr for s in scores]
    finite = [p for p in psnrs if np.isfinite(p)]
    psnr = statistics.fmean(finite) if finite else float("inf")
    return psnr, statistics.fmean(s.ssim for s in scores)


def bench_family(family_key: str, model: Path, args, options: RuntimeOptions) -> dict:
    family = FAMILIES[family_key]
    info = find_model(str(model), [model.parent], include_hf_cache=False)
    width, height, frames = CASES[family_key][1] if args.full_size else CASES[family_key][2]
    width, height, frames = args.width or width, args.height or height, args.frames or frames
    runner = PipelineRunner(options)

    def requests(seed: int) -> dict[str, GenerationRequest]:
        base = GenerationRequest(
            backend="diffusers",
            model=str(model),
            prompt="a man walks in the rain at night",
            width=width,
            height=height,
            frames=frames,
            fps=family.native_fps,
            seed=seed,
            steps=args.steps,
            extras={"pipe.max_sequence_length": 32},
        )
        return {name: apply(base, family, name) for name in PRESETS}

    warm: dict[str, float] = {}
    for name, request in requests(999).items():  # load, compile, allocate: not a shot's cost
        warm[name] = _timed(runner, request, info)[1]
    times: dict[str, list[float]] = {name: [] for name in PRESETS}
    quality: dict[str, list[tuple[float, float]]] = {name: [] for name in PRESETS}
    speed: dict[str, dict] = {}
    for shot in range(args.shots):
        reference = None
        for name, request in requests(shot).items():
            out, seconds = _timed(runner, request, info)
            times[name].append(seconds)
            speed[name] = runner.last_speed or {}
            if name == "final":
                reference = out
            else:
                quality[name].append(_quality(out, reference))
    final_s = statistics.fmean(times["final"])
    rows = []
    for name in PRESETS:
        per_shot = statistics.fmean(times[name])
        psnr = statistics.fmean(q[0] for q in quality[name]) if quality[name] else float("inf")
        ssim = statistics.fmean(q[1] for q in quality[name]) if quality[name] else 1.0
        rows.append(
            {
                "preset": name,
                "s_per_shot": per_shot,
                "speedup": final_s / per_shot,
                "first_shot_s": warm[name],
                "psnr_db": psnr,
                "ssim": ssim,
                "options": requests(0)[name].speed_options(),
                "compile": speed[name].get("compile", "none"),
                "transformer_calls": speed[name].get("transformer_calls"),
                "attention_calls": speed[name].get("attention_calls"),
            }
        )
    return {
        "family": family.name,
        "shape": f"{width}x{height}x{frames}",
        "steps": args.steps or family.default_steps,
        "shots": args.shots,
        "device": runner.device,
        "rows": rows,
    }


def print_family(result: dict) -> None:
    print(
        f"\n{result['family']} {result['shape']}, {result['steps']} steps at final, {result['shots']} shots "
        f"per preset ({result['device']}; random weights: quality only indicative)"
    )
    print(f"{'preset':<9} {'s/shot':>9} {'speed-up':>9} {'1st shot':>9} {'PSNR dB':>8} {'SSIM':>6}  work")
    for r in result["rows"]:
        psnr = (
            "ref"
            if r["preset"] == "final"
            else ("inf" if not np.isfinite(r["psnr_db"]) else f"{r['psnr_db']:.1f}")
        )
        ssim = "ref" if r["preset"] == "final" else f"{r['ssim']:.3f}"
        work = (
            f"{r['transformer_calls']} transformer / {r['attention_calls']} attention calls; {r['compile']}"
        )
        print(
            f"{r['preset']:<9} {r['s_per_shot']:>9.3f} {r['speedup']:>8.2f}x {r['first_shot_s']:>9.2f} "
            f"{psnr:>8} {ssim:>6}  {work}"
        )


def run(args, models_dir: Path) -> dict:
    device = args.device
    if device == "auto":
        import torch

        device = "cuda" if torch.cuda.is_available() else "cpu"
    families = list(CASES) if args.family == "both" else [args.family]
    if args.steps is None:  # at real shapes 30 (of the families' 50): the ratios, in less GPU time
        args.steps = 30 if args.full_size else 8
    args.shots = args.shots or (2 if args.full_size else 3)
    options = RuntimeOptions(device=args.device, compile_backend=args.compile_backend)
    models = build_models(models_dir, families, args.full_size, device)
    results = {}
    for family in families:
        print(f"presets: {FAMILIES[family].name} …", flush=True)
        results[family] = bench_family(family, models[family], args, options)
        print_family(results[family])
    return results
