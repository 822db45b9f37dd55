"""Generation benchmarks, measured side by side in one run; prints a table with ratios.

(a) the app's path (execute -> warm worker process -> encoded H.264 file) against a plain script that
    calls the same diffusers pipeline directly and encodes the frames with the same writer, shot by
    shot interleaved;
(b) a warm pipeline against reloading it from disk for every shot;
(c) the animatic backend at 1920x1080, 24 fps, 5 s, including H.264 encoding, in x real time;
(--presets) the speed presets against final: seconds per shot, speed-up, PSNR/SSIM (preset_runs.py).

    python benchmarks/bench_generation.py                       # tiny LTX pipeline on the CPU
    python benchmarks/bench_generation.py --device cuda --full-size   # LTX-Video 2B architecture, 768x512x121

Weights are random (speed does not depend on their values); the models are built into a temporary
folder (or --models-dir, reused when present).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from previz.core.jobs import CancelToken  # noqa: E402
from previz.generation.diffusers_backend import PipelineRunner, RuntimeOptions, to_uint8_frames  # noqa: E402
from previz.generation.encode import encode_frames  # noqa: E402
from previz.generation.execute import execute  # noqa: E402
from previz.generation.request import GenerationRequest  # noqa: E402


def build_model(models_dir: Path, full_size: bool, device: str) -> Path:
    from previz.generation.tiny_models import build_all, build_ltx

    if not full_size:
        return build_all(models_dir, ("tiny-ltx-video",))["tiny-ltx-video"]
    folder = models_dir / "ltx-video-2b-random"
    if not (folder / "model_index.json").exists():
        import torch

        started = time.perf_counter()
        with torch.device("cuda" if device == "cuda" else "cpu"):
            build_ltx(folder, full_size=True, dtype=torch.bfloat16)
        print(f"built the full-size LTX-Video 2B folder in {time.perf_counter() - started:.1f} s", flush=True)
    return folder


def make_request(args, model: Path, seed: int) -> GenerationRequest:
    return GenerationRequest(
        backend="diffusers",
        model=str(model),
        prompt="a man walks in the rain at night",
        width=args.width,
        height=args.height,
        frames=args.frames,
        fps="24",
        seed=seed,
        steps=args.steps,
        extras={"pipe.max_sequence_length": 32},
    )


class Direct:
    """The plain script: from_pretrained once, call, convert, encode with the same writer settings."""

    def __init__(self, model: Path, options: RuntimeOptions) -> None:
        import diffusers
        import torch

        from previz.generation.diffusers_backend import resolve_device, resolve_dtype

        self.device = resolve_device(options.device)
        dtype = resolve_dtype(options.precision, self.device)
        self.pipe = diffusers.LTXPipeline.from_pretrained(str(model), dtype=dtype, use_safetensors=True)
        self.pipe.to(self.device)
        self.pipe.set_progress_bar_config(disable=True)
        self.torch = torch
        self.step_times: list[float] = []

    def shot(self, request: GenerationRequest, out: Path) -> None:
        marks = [time.perf_counter()]

        def on_step(_pipe, _step, _t, kwargs):
            if self.device == "cuda":
                self.torch.cuda.synchronize()
            marks.append(time.perf_counter())
            return kwargs

        out_frames = self.pipe(
            prompt=request.prompt,
            width=request.width,
            height=request.height,
            num_frames=request.frames,
            num_inference_steps=request.steps,
            guidance_scale=3.0,
            frame_rate=24,
            max_sequence_length=32,
            generator=self.torch.Generator("cpu").manual_seed(request.seed),
            output_type="np",
            callback_on_step_end=on_step,
        ).frames
        self.step_times += np.diff(marks[1:]).tolist()
        frames = to_uint8_frames(out_frames)
        encode_frames(frames, out, width=request.width, height=request.height, fps=request.fps_fraction)


def bench_app_vs_direct(args, model: Path, options: RuntimeOptions, out_dir: Path) -> dict:
    from previz.generation.worker import WorkerClient

    worker = WorkerClient(options, cancel_grace_s=30.0, start_timeout_s=600.0)
    started = time.perf_counter()
    app_steps: list[float] = []

    def progress_for(marks):
        def progress(done, total, msg):
            if msg.startswith("step"):
                marks.append(time.perf_counter())

        return progress

    execute(
        make_request(args, model, 999), {}, out_dir / "warm-app.mp4", worker=worker, include_hf_cache=False
    )
    app_cold = time.perf_counter() - started
    started = time.perf_counter()
    direct = Direct(model, options)
    direct.shot(make_request(args, model, 999), out_dir / "warm-direct.mp4")
    direct_cold = time.perf_counter() - started
    direct.step_times.clear()
    app_times, direct_times = [], []
    try:
        for shot in range(args.shots):
            request = make_request(args, model, shot)
            marks: list[float] = []
            t0 = time.perf_counter()
            result = execute(
                request,
                {},
                out_dir / f"app-{shot}.mp4",
                progress_for(marks),
                CancelToken(),
                worker=worker,
                include_hf_cache=False,
            )
            app_times.append(time.perf_counter() - t0)
            app_steps += np.diff(marks).tolist()
            assert result.frames == args.frames
            t0 = time.perf_counter()
            direct.shot(request, out_dir / f"direct-{shot}.mp4")
            direct_times.append(time.perf_counter() - t0)
            print(f"  shot {shot}: app {app_times[-1]:.3f} s, direct {direct_times[-1]:.3f} s", flush=True)
    finally:
        worker.stop()
    return {
        "shots": args.shots,
        "app_s": sum(app_times),
        "direct_s": sum(direct_times),
        "ratio": sum(app_times) / sum(direct_times),
        "app_cold_start_s": app_cold,
        "direct_cold_start_s": direct_cold,
        "app_s_per_step": statistics.median(app_steps) if app_steps else None,
        "direct_s_per_step": statistics.median(direct.step_times) if direct.step_times else None,
        "device": direct.device,
    }


def bench_warm_vs_reload(args, model: Path, options: RuntimeOptions, out_dir: Path) -> dict:
    from previz.generation.catalog import inspect_model_folder
    from previz.generation.jobrun import run_diffusers_job

    info = inspect_model_folder(model)
    runner = PipelineRunner(options)
    shots = args.reload_shots
    warm, reload = [], []
    run_diffusers_job(
        make_request(args, model, 999), info, runner, {}, out_dir / "w.mp4", lambda *a: None, CancelToken()
    )
    for shot in range(shots):
        request = make_request(args, model, shot)
        t0 = time.perf_counter()
        run_diffusers_job(request, info, runner, {}, out_dir / "warm.mp4", lambda *a: None, CancelToken())
        warm.append(time.perf_counter() - t0)
        runner.unload()
        t0 = time.perf_counter()
        run_diffusers_job(request, info, runner, {}, out_dir / "reload.mp4", lambda *a: None, CancelToken())
        reload.append(time.perf_counter() - t0)
    return {"shots": shots, "warm_s": sum(warm), "reload_s": sum(reload), "ratio": sum(reload) / sum(warm)}


def bench_animatic(out_dir: Path) -> list[dict]:
    import cv2

    rows = []
    board_path = out_dir / "board.png"
    y, x = np.mgrid[0:2000, 0:3000]
    board = np.stack([(x // 7) % 256, (y // 5) % 256, ((x + y) // 11) % 256], axis=-1).astype(np.uint8)
    cv2.imwrite(str(board_path), board)
    board_hash = "0" * 64
    for label, mode, move, images in (
        ("title card, push in", "t2v", "push_in", {}),
        ("3000x2000 board, pan left", "i2v", "pan_left", {"image": board_path}),
        ("3000x2000 board, dolly zoom", "i2v", "dolly_zoom", {"image": board_path}),
    ):
        request = GenerationRequest(
            backend="animatic",
            mode=mode,
            width=1920,
            height=1080,
            frames=120,
            fps="24",
            image=board_hash if images else None,
            extras={
                "move": move,
                "shot_code": "12A",
                "shot_size": "ms",
                "action": "A man walks into the rain.",
            },
        )
        t0 = time.perf_counter()
        result = execute(request, images, out_dir / f"animatic-{move}.mp4")
        wall = time.perf_counter() - t0
        assert result.frames == 120
        rows.append({"case": label, "wall_s": wall, "x_real_time": 5.0 / wall})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda", "mps"))
    parser.add_argument(
        "--full-size", action="store_true", help="LTX-Video 2B architecture at 768x512, 121 frames"
    )
    parser.add_argument("--shots", type=int, default=None)
    parser.add_argument("--reload-shots", type=int, default=None)
    parser.add_argument("--width", type=int, default=None)
    parser.add_argument("--height", type=int, default=None)
    parser.add_argument("--frames", type=int, default=None)
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--models-dir", type=Path, default=None)
    parser.add_argument("--skip-animatic", action="store_true")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument("--presets", action="store_true", help="speed presets against final (preset_runs.py)")
    parser.add_argument(
        "--family", default="both", choices=("ltx_video", "wan21", "both"), help="with --presets"
    )
    parser.add_argument(
        "--compile-backend",
        default=None,
        help="with --presets: torch.compile backend (default: inductor on CUDA)",
    )
    args = parser.parse_args(argv)
    if args.presets:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import preset_runs

        with tempfile.TemporaryDirectory(prefix="previz-bench-") as tmp:
            results = preset_runs.run(args, args.models_dir or Path(tmp) / "models")
        if args.json:
            args.json.write_text(json.dumps(results, indent=2, default=str))
        return 0
    full = args.full_size
    args.shots = args.shots or (3 if full else 10)
    args.reload_shots = args.reload_shots if args.reload_shots is not None else (1 if full else 5)
    args.width = args.width or (768 if full else 128)
    args.height = args.height or (512 if full else 96)
    args.frames = args.frames or (121 if full else 25)
    args.steps = args.steps or (10 if full else 4)
    options = RuntimeOptions(device=args.device)
    results: dict = {"args": {k: str(v) for k, v in vars(args).items()}}
    with tempfile.TemporaryDirectory(prefix="previz-bench-") as tmp:
        out_dir = Path(tmp)
        models_dir = args.models_dir or out_dir / "models"
        device = args.device if args.device != "auto" else ("cuda" if _cuda() else "cpu")
        model = build_model(models_dir, full, device)
        label = "LTX-Video 2B (random)" if full else "tiny LTX"
        size = f"{args.width}x{args.height}x{args.frames}, {args.steps} steps"
        print(f"(a) app path vs direct script: {label}, {size}, {args.shots} shots", flush=True)
        results["app_vs_direct"] = a = bench_app_vs_direct(args, model, options, out_dir)
        if args.reload_shots:
            print(f"(b) warm pipeline vs reload per shot: {args.reload_shots} shots", flush=True)
            results["warm_vs_reload"] = bench_warm_vs_reload(args, model, options, out_dir)
        if not args.skip_animatic:
            print("(c) animatic 1920x1080, 24 fps, 5 s, with H.264 encoding", flush=True)
            results["animatic"] = bench_animatic(out_dir)
    print()
    row("benchmark", "value", "ratio")
    print("-" * 76)
    row(f"(a) app path, {a['shots']} shots [s] ({a['device']})", f"{a['app_s']:.3f}")
    row("(a) direct script, same shots [s]", f"{a['direct_s']:.3f}", f"{a['ratio']:.3f}x")
    if a["app_s_per_step"] is not None:
        row(
            "(a) seconds per step: app, direct", f"{a['app_s_per_step']:.4f}", f"{a['direct_s_per_step']:.4f}"
        )
    row(
        "(a) cold start [s]: worker + load, direct load",
        f"{a['app_cold_start_s']:.2f}",
        f"{a['direct_cold_start_s']:.2f}",
    )
    if "warm_vs_reload" in results:
        b = results["warm_vs_reload"]
        row(f"(b) warm pipeline, {b['shots']} shots [s]", f"{b['warm_s']:.3f}")
        row("(b) reload every shot [s]", f"{b['reload_s']:.3f}", f"{b['ratio']:.2f}x")
    for case in results.get("animatic", []):
        row(f"(c) animatic {case['case']} [s]", f"{case['wall_s']:.3f}", f"{case['x_real_time']:.2f}x RT")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


def row(label: str, value: str, ratio: str = "") -> None:
    print(f"{label:<52} {value:>12}  {ratio:>9}")


def _cuda() -> bool:
    try:
        import torch

        return torch.cuda.is_available()
    except ImportError:
        return False


if __name__ == "__main__":
    raise SystemExit(main())
