"""Tiny real diffusers pipelines through the catalog, validation, the worker and the encoded file."""

from __future__ import annotations

import hashlib
import math
import os
import signal
import time
from fractions import Fraction

import numpy as np
import pytest

from previz.core.errors import CancelledError, GenerationError
from previz.core.jobs import CancelToken
from previz.generation.encode import partial_path
from previz.generation.execute import execute
from previz.generation.request import GenerationRequest
from previz.generation.worker import WorkerClient
from previz.media.video import probe, read_frames

HASH_A = hashlib.sha256(b"first").hexdigest()
HASH_B = hashlib.sha256(b"last").hexdigest()


def request(model: str, **kw) -> GenerationRequest:
    base = dict(backend="diffusers", model=model, prompt="a man walks in the rain", width=32, height=32)
    base.update(frames=9, steps=2, fps="24", seed=3)
    base.update(kw)
    return GenerationRequest(**base)


def run(req, models_root, worker, out, images=None, **kw):
    events = []
    result = execute(
        req,
        images or {},
        out,
        lambda done, total, msg: events.append((done, total, msg)),
        worker=worker,
        model_folders=[models_root],
        include_hf_cache=False,
        **kw,
    )
    return result, events


def expected_frames(frames: int, native: int, project: int = 24) -> int:
    return math.floor(Fraction(frames * project, native) + Fraction(1, 2))


CASES = [
    # model, mode, size, frames, native fps
    ("tiny-ltx-video", "t2v", 32, 9, 24),
    ("tiny-ltx-video", "i2v", 32, 9, 24),
    ("tiny-ltx-video", "flf2v", 32, 9, 24),
    ("tiny-wan21-t2v", "t2v", 16, 9, 16),
    ("tiny-wan21-i2v", "i2v", 16, 9, 16),
    ("tiny-wan21-flf2v", "flf2v", 16, 5, 16),
    ("tiny-wan22-ti2v", "t2v", 32, 9, 24),
    ("tiny-wan22-ti2v", "i2v", 32, 9, 24),
    ("tiny-cogvideox-t2v", "t2v", 16, 9, 8),
    ("tiny-cogvideox-i2v", "i2v", 16, 9, 8),
    ("tiny-svd", "i2v", 16, 2, 7),
    ("tiny-hunyuan-video", "t2v", 16, 9, 24),
]


@pytest.mark.parametrize("model, mode, size, frames, native", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_family_through_worker(model, mode, size, frames, native, models_root, worker, board_png, tmp_path):
    images = {}
    kw = {}
    if mode in ("i2v", "flf2v"):
        images["image"], kw["image"] = board_png, HASH_A
    if mode == "flf2v":
        images["last_image"], kw["last_image"] = board_png, HASH_B
    req = request(model, mode=mode, width=size, height=size, frames=frames, **kw)
    out = tmp_path / "take.mp4"
    result, events = run(req, models_root, worker, out, images)
    info = probe(out)
    n = expected_frames(frames, native)
    assert (info.width, info.height, info.frames, info.fps) == (size, size, n, Fraction(24))
    assert (result.frames, result.width, result.height, result.fps, result.path) == (n, size, size, 24, out)
    steps = [e for e in events if e[2].startswith("step")]
    assert [(d, t) for d, t, _ in steps] == [(1, 2), (2, 2)]
    p = result.provenance
    assert p["backend"] == "diffusers" and p["model"] == model and p["seed"] == 3 and p["device"] == "cpu"
    assert p["weights"] and all(len(h) == 64 for h in p["weights"].values())
    assert p["libraries"]["diffusers"] and p["libraries"]["torch"] and p["libraries"]["previz"]
    assert p["licence"] and p["pid"] == worker.pid and p["cache_key"] == req.cache_key()
    assert not partial_path(out).exists()


def test_same_request_gives_same_pixels_and_pipeline_stays_loaded(models_root, worker, tmp_path):
    req = request("tiny-ltx-video", extras={"duration_frames": 12})
    a, _ = run(req, models_root, worker, tmp_path / "a.mp4")
    b, _ = run(req, models_root, worker, tmp_path / "b.mp4")
    assert b.provenance["pipeline_reused"] is True and a.provenance["pid"] == b.provenance["pid"]
    assert a.frames == b.frames == probe(tmp_path / "b.mp4").frames == 12  # conformed to 12 project frames
    fa, fb = list(read_frames(tmp_path / "a.mp4")), list(read_frames(tmp_path / "b.mp4"))
    assert all(np.array_equal(x, y) for x, y in zip(fa, fb, strict=True))


@pytest.mark.parametrize(
    "model, kw, message",
    [
        (
            "tiny-ltx-video",
            {"frames": 7},
            "frames: LTX-Video needs 8k+1 frames; 7 is not, nearest valid is 9",
        ),
        (
            "tiny-ltx-video",
            {"width": 33},
            "width: LTX-Video needs a multiple of 32; 33 is not, nearest valid is 32",
        ),
        ("tiny-ltx-video", {"mode": "i2v"}, "image: LTX-Video i2v needs a conditioning image"),
        ("tiny-svd", {"frames": 4}, "mode: Stable Video Diffusion (this model) supports i2v, not t2v"),
        (
            "tiny-wan21-i2v",
            {"mode": "flf2v", "image": HASH_A, "last_image": HASH_B},
            "supports i2v, not flf2v",
        ),
        ("tiny-nothing", {}, "model: 'tiny-nothing' is not in the catalog"),
    ],
)
def test_bad_requests_fail_before_any_model_loads(model, kw, message, models_root, tmp_path):
    client = WorkerClient()
    images = {"image": tmp_path / "x.png", "last_image": tmp_path / "y.png"}
    with pytest.raises(GenerationError) as err:
        run(request(model, **kw), models_root, client, tmp_path / "out.mp4", images)
    assert message in str(err.value)
    assert client.starts == 0 and not (tmp_path / "out.mp4").exists()


def test_corrupt_board_fails_in_worker_and_leaves_no_file(models_root, worker, tmp_path):
    bad = tmp_path / "board.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    req = request("tiny-ltx-video", mode="i2v", image=HASH_A)
    with pytest.raises(GenerationError, match="image: .*board.png is missing or not a readable image"):
        run(req, models_root, worker, tmp_path / "out.mp4", {"image": bad})
    assert not (tmp_path / "out.mp4").exists() and worker.alive()


def test_cancel_mid_run_leaves_no_file_and_keeps_worker(models_root, worker, tmp_path):
    token = CancelToken()
    seen = []

    def progress(done, total, msg):
        seen.append(msg)
        if msg.startswith("step 2/"):
            token.cancel()

    req = request("tiny-ltx-video", steps=40)
    out = tmp_path / "out.mp4"
    pid = worker.pid or (worker.start() or worker.pid)
    with pytest.raises(CancelledError):
        execute(
            req, {}, out, progress, token, worker=worker, model_folders=[models_root], include_hf_cache=False
        )
    assert not out.exists() and not partial_path(out).exists()
    assert "step 40/40" not in seen
    assert worker.pid == pid  # cancelled cooperatively, the pipeline stays loaded
    result, _ = run(request("tiny-ltx-video"), models_root, worker, out)
    assert result.provenance["pid"] == pid and out.exists()


@pytest.fixture(scope="module")
def spare_worker():
    client = WorkerClient(cancel_grace_s=0.0)
    yield client
    client.stop()


def test_worker_killed_mid_job_then_next_job_runs_on_fresh_worker(models_root, spare_worker, tmp_path):
    out = tmp_path / "out.mp4"

    def kill_on_first_step(done, total, msg):
        if msg.startswith("step 1/"):
            os.kill(spare_worker.pid, signal.SIGKILL)

    with pytest.raises(GenerationError, match="^worker crashed: killed by signal SIGKILL"):
        execute(
            request("tiny-ltx-video", steps=200),
            {},
            out,
            kill_on_first_step,
            worker=spare_worker,
            model_folders=[models_root],
            include_hf_cache=False,
        )
    assert not out.exists() and not partial_path(out).exists()
    starts = spare_worker.starts
    result, _ = run(request("tiny-ltx-video"), models_root, spare_worker, out)
    assert spare_worker.starts == starts + 1 and probe(out).frames == 9 and result.frames == 9


def test_cancel_during_model_load_stops_the_worker(models_root, spare_worker, tmp_path):
    token = CancelToken()

    def cancel_on_load(done, total, msg):
        if msg.startswith("loading"):
            token.cancel()

    out = tmp_path / "out.mp4"
    with pytest.raises(CancelledError):
        execute(
            request("tiny-wan21-t2v", width=16, height=16),
            {},
            out,
            cancel_on_load,
            token,
            worker=spare_worker,
            model_folders=[models_root],
            include_hf_cache=False,
        )
    assert not out.exists() and not spare_worker.alive()  # grace 0: stopped at once
    result, _ = run(request("tiny-wan21-t2v", width=16, height=16), models_root, spare_worker, out)
    assert result.frames == 14 and probe(out).frames == 14


def test_out_of_memory_maps_to_memory_options(models_root):
    import torch

    from previz.generation.catalog import find_model
    from previz.generation.diffusers_backend import PipelineRunner, oom_error

    req = request("tiny-ltx-video")
    runner = PipelineRunner()
    runner.device = "cuda"

    def exploding_pipe(**_kw):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")

    runner.pipeline = lambda info, mode, cancel=None, quantize="none": exploding_pipe
    runner.device = "cpu"
    info = find_model("tiny-ltx-video", [models_root], include_hf_cache=False)
    with pytest.raises(GenerationError) as err:
        runner.run(req, info, {}, lambda *a: None, CancelToken())
    text = str(err.value)
    assert text.startswith("out of memory on cpu generating 32x32, 9 frames")
    for option in ("CPU offload", "sequential offload", "VAE tiling", "lower the resolution"):
        assert option in text
    assert oom_error(RuntimeError("shape mismatch"), req, "cuda") is None
    assert oom_error(RuntimeError("MPS backend out of memory"), req, "mps") is not None


def test_in_process_backend_switches_mode_without_reloading(models_root, board_png):
    from previz.generation.backends import DiffusersBackend

    backend = DiffusersBackend([models_root], include_hf_cache=False)
    frames = backend.run(request("tiny-ltx-video"), {}, lambda *a: None, CancelToken())
    assert len(frames) == 9 and frames[0].shape == (32, 32, 3) and frames[0].dtype == np.uint8
    i2v = request("tiny-ltx-video", mode="i2v", image=HASH_A, fps="12")
    frames = backend.run(i2v, {"image": board_png}, lambda *a: None, CancelToken())
    assert len(frames) == 5  # 9 frames at 24 fps conformed to 12 fps (4.5 rounds up)
    assert backend.runner.loads == 1  # LTXImageToVideoPipeline built from the loaded components


def test_failing_progress_callback_stops_the_job(models_root, spare_worker, tmp_path):
    out = tmp_path / "out.mp4"

    def broken(done, total, msg):
        if msg.startswith("step 1/"):
            raise RuntimeError("the progress display failed")

    with pytest.raises(RuntimeError, match="progress display failed"):
        execute(
            request("tiny-ltx-video", steps=50),
            {},
            out,
            broken,
            worker=spare_worker,
            model_folders=[models_root],
            include_hf_cache=False,
        )
    assert not spare_worker.alive()  # stopped: nobody would collect its file
    time.sleep(0.2)
    assert not out.exists() and not partial_path(out).exists()
