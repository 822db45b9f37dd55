"""The model manager against a fake Hugging Face Hub on 127.0.0.1 serving a tiny LTX-Video folder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from generation.fake_hub import FakeHub, serving

from previz.core.errors import CancelledError, GenerationError, NotFoundError
from previz.core.jobs import CancelToken
from previz.generation.catalog import scan_models
from previz.generation.known_models import KNOWN_MODELS, KnownModel, known_model
from previz.generation.model_folders import list_model_folders

MODEL = known_model("ltx-video-2b-dev")
VAE = "vae/diffusion_pytorch_model.safetensors"


def _pickle_folder(src: Path, dst: Path) -> Path:
    """``src`` with every component's safetensors replaced by a pickle ``.bin``."""
    shutil.copytree(src, dst)
    for weights in dst.rglob("*.safetensors"):
        weights.rename(weights.with_suffix(".bin"))
    return dst


@pytest.fixture
def hub(tiny_ltx, tmp_path, monkeypatch):
    server = FakeHub()
    extra = {
        "ltx-video-2b-v0.9.5.safetensors": b"a single-file checkpoint Previz does not need" * 100,
        "transformer/diffusion_pytorch_model.fp16.safetensors": b"a variant beside the plain weights",
        "README.md": b"# model card",
        "text_encoder/pytorch_model.bin": b"pickle weights beside the safetensors ones",
    }
    server.add_folder(MODEL.repo_id, tiny_ltx, licence="other", extra=extra)
    server.add_folder("test/pickle-only", _pickle_folder(tiny_ltx, tmp_path / "pickled"))
    sd = tmp_path / "sd"
    shutil.copytree(tiny_ltx, sd)
    index = json.loads((sd / "model_index.json").read_text())
    (sd / "model_index.json").write_text(json.dumps({**index, "_class_name": "StableDiffusionPipeline"}))
    server.add_folder("test/image-model", sd)
    with serving(server, monkeypatch):
        yield server


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _resolve_gets(hub: FakeHub) -> list[str]:
    return [p for m, p, _r in hub.requests if m == "GET" and "/resolve/" in p]


def test_get_downloads_only_the_pipeline_files_and_the_catalog_lists_it(hub, tiny_ltx, tmp_path, monkeypatch):
    from previz.generation.known_models import MODEL_RECORD
    from previz.generation.model_manager import get

    monkeypatch.setenv("PATH", str(tmp_path / "no-gpu"))  # no nvidia-smi: warned that there is no GPU

    seen, warnings = [], []
    folder = get("ltx-video-2b-dev", tmp_path / "models", progress=lambda d, t, m: seen.append((d, t, m)),
                 warn=warnings.append)  # fmt: skip

    assert folder == (tmp_path / "models" / "ltx-video-2b-dev").resolve()
    got = _tree(folder)
    assert {k: v for k, v in got.items() if k != MODEL_RECORD} == _tree(tiny_ltx)
    assert json.loads(got[MODEL_RECORD])["repo_id"] == MODEL.repo_id
    assert not any(w in p for p in _resolve_gets(hub) for w in ("fp16", "v0.9.5", "README", ".bin"))
    assert any(m.endswith("verifying " + VAE) for _d, _t, m in seen)
    assert not (tmp_path / "models" / "ltx-video-2b-dev.partial").exists()
    total = sum(len(b) for b in _tree(tiny_ltx).values())
    assert seen[-1][:2] == (total, total) and all(d <= t == total for d, t, _m in seen)
    assert [d for d, _t, _m in seen] == sorted(d for d, _t, _m in seen)
    assert warnings == [
        "no NVIDIA GPU found (nvidia-smi is not installed); ltx-video-2b-dev needs ~16 GB of GPU memory at "
        "704x480, 121 frames: the CPU is far too slow"
    ]

    assert list_model_folders() == [(tmp_path / "models").resolve()]
    scan = scan_models(list_model_folders(), include_hf_cache=False)
    assert [(m.id, m.family) for m in scan.models] == [("ltx-video-2b-dev", "ltx_video")]

    again = get("ltx-video-2b-dev", tmp_path / "models")  # already there: nothing fetched again
    assert again == folder and len(_resolve_gets(hub)) == len([p for p in got if p != MODEL_RECORD]) + 1


def test_a_dropped_connection_resumes_with_range(hub, tiny_ltx, tmp_path):
    from previz.generation.model_manager import get

    size = (tiny_ltx / VAE).stat().st_size
    hub.drop_after[VAE] = 100_000
    folder = get(MODEL, tmp_path / "models")

    assert (folder / VAE).read_bytes() == (tiny_ltx / VAE).read_bytes()
    ranges = hub.ranges(VAE)
    assert ranges[0] is None and len(ranges) == 2
    start = int(ranges[1].removeprefix("bytes=").rstrip("-"))
    assert 0 < start <= 100_000
    assert size < hub.served[VAE] < 2 * size


def test_cancel_keeps_the_partial_folder_unlisted_and_get_resumes_it(hub, tiny_ltx, tmp_path):
    from previz.generation.model_manager import get

    to = tmp_path / "models"
    token = CancelToken()

    def progress(done, total, message):
        if VAE in message and done > total - 200_000:
            token.cancel()

    with pytest.raises(CancelledError, match="resume"):
        get(MODEL, to, progress=progress, cancel=token)
    partial = to / "ltx-video-2b-dev.partial"
    leftover = partial / (VAE + ".incomplete")
    assert leftover.is_file() and 0 < leftover.stat().st_size < (tiny_ltx / VAE).stat().st_size
    assert not (to / "ltx-video-2b-dev").exists()
    scan = scan_models([to], include_hf_cache=False)
    assert scan.models == []
    assert any("unfinished" in reason for _p, reason in scan.problems)

    resumed_from = leftover.stat().st_size
    folder = get(MODEL, to)
    assert (folder / VAE).read_bytes() == (tiny_ltx / VAE).read_bytes()
    assert hub.ranges(VAE)[-1] == f"bytes={resumed_from}-"
    assert hub.served[VAE] < 2 * (tiny_ltx / VAE).stat().st_size
    assert [m.id for m in scan_models([to], include_hf_cache=False).models] == ["ltx-video-2b-dev"]


def test_pickle_only_repository_is_refused_before_anything_is_downloaded(hub, tmp_path):
    from previz.generation.model_manager import get

    model = KnownModel("pickled", "test/pickle-only", "ltx_video", ("t2v",), 0.001, 1)
    with pytest.raises(GenerationError, match=r"only pickle weights.*nothing was downloaded"):
        get(model, tmp_path / "models")
    assert _resolve_gets(hub) == ["/test/pickle-only/resolve/" + hub.repos["test/pickle-only"].commit +
                                  "/model_index.json"]  # fmt: skip
    assert not (tmp_path / "models").exists() and list_model_folders() == []


def test_unsupported_family_is_refused_naming_the_class(hub, tmp_path):
    from previz.generation.model_manager import get

    model = KnownModel("sd", "test/image-model", "ltx_video", ("t2v",), 0.001, 1)
    with pytest.raises(GenerationError, match=r"'StableDiffusionPipeline' is not a supported.*LTXPipeline"):
        get(model, tmp_path / "models")
    assert not (tmp_path / "models").exists()


def test_a_corrupted_file_fails_verification_and_is_not_kept(hub, tmp_path):
    from previz.generation.model_manager import get

    hub.corrupt.add(VAE)
    with pytest.raises(GenerationError, match=r"vae/diffusion_pytorch_model.safetensors: sha256 does not"):
        get(MODEL, tmp_path / "models")
    partial = tmp_path / "models" / "ltx-video-2b-dev.partial"
    assert not (partial / VAE).exists() and not (partial / (VAE + ".incomplete")).exists()
    assert scan_models([tmp_path / "models"], include_hf_cache=False).models == []
    hub.corrupt.clear()
    assert (get(MODEL, tmp_path / "models") / VAE).is_file()


def test_unknown_repository_and_offline_mode_say_what_to_do(hub, tmp_path, monkeypatch):
    import huggingface_hub.constants as hf_constants

    from previz.generation.model_manager import get

    with pytest.raises(GenerationError, match="test/missing: no such repository on http://127.0.0.1"):
        get(KnownModel("missing", "test/missing", "ltx_video", ("t2v",), 1, 1), tmp_path)
    monkeypatch.setattr(hf_constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(GenerationError, match="HF_HUB_OFFLINE is set.*previz models import"):
        get(MODEL, tmp_path)


def test_unknown_name_names_the_nearest():
    with pytest.raises(NotFoundError, match="nearest is 'ltx-video-2b-dev'"):
        known_model("ltx-video-2b-devv")


def test_known_models_take_licence_from_their_family():
    from previz.generation.families import FAMILIES

    assert {m.family for m in KNOWN_MODELS} == set(FAMILIES)
    svd = known_model("svd-xt")
    assert svd.licence == FAMILIES["svd"].licence and svd.commercial_use is False
    assert svd.card_url == "https://huggingface.co/stabilityai/stable-video-diffusion-img2vid-xt"
    assert len({m.name for m in KNOWN_MODELS}) == len(KNOWN_MODELS)
    for model in KNOWN_MODELS:
        assert set(model.modes) <= set(FAMILIES[model.family].modes), model.name


def _fake_nvidia_smi(folder: Path, line: str) -> None:
    folder.mkdir()
    script = folder / "nvidia-smi"
    script.write_text(f"#!/bin/sh\necho '{line}'\n")
    script.chmod(0o755)


def test_gpu_memory_warning(tmp_path, monkeypatch):
    from previz.generation.model_manager import gpu_warning

    _fake_nvidia_smi(tmp_path / "small", "NVIDIA Tiny 4GB, 4096")
    monkeypatch.setenv("PATH", str(tmp_path / "small"))
    warning = gpu_warning(known_model("wan2.1-t2v-14b"))
    assert "wan2.1-t2v-14b needs ~48 GB of GPU memory at 832x480, 81 frames" in warning
    assert "largest GPU (NVIDIA Tiny 4GB) has 4 GB" in warning

    _fake_nvidia_smi(tmp_path / "big", "NVIDIA H200, 143771")
    monkeypatch.setenv("PATH", str(tmp_path / "big"))
    assert gpu_warning(known_model("wan2.1-t2v-14b")) is None

    _fake_nvidia_smi(tmp_path / "card24", "NVIDIA GeForce RTX 4090, 24564")  # a "24 GB" card
    monkeypatch.setenv("PATH", str(tmp_path / "card24"))
    assert gpu_warning(KnownModel("m", "o/m", "ltx_video", ("t2v",), 1, 24)) is None
    assert "has 24 GB" in gpu_warning(known_model("wan2.2-ti2v-5b"))

    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    assert gpu_warning(MODEL).startswith("no NVIDIA GPU found (nvidia-smi is not installed)")


@pytest.fixture(params=["256k"])
def small_tmpfs(request, tmp_path):
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a small tmpfs needs root and mount(8)")
    point = tmp_path / f"tmpfs-{uuid.uuid4().hex[:6]}"
    point.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={request.param}", "tmpfs", str(point)],
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    yield point
    subprocess.run(["umount", str(point)], check=False)


def test_not_enough_disk_is_refused_before_the_download(hub, small_tmpfs):
    from previz.generation.model_manager import get

    wanted = r"models: not enough free space for ltx-video-2b-dev: it needs 5\d\d.\d KB more, 26\d.\d KB free"
    with pytest.raises(GenerationError, match=wanted):
        get(MODEL, small_tmpfs / "models")
    assert list(small_tmpfs.iterdir()) == [] and _resolve_gets(hub)[-1].endswith("model_index.json")


def test_a_downloaded_model_generates_a_take(hub, worker, tmp_path):
    from previz.generation.execute import execute
    from previz.generation.model_manager import get
    from previz.generation.request import GenerationRequest
    from previz.media.video import probe

    get(MODEL, tmp_path / "models")
    req = GenerationRequest(backend="diffusers", model="ltx-video-2b-dev", prompt="a man walks in the rain",
                            width=32, height=32, frames=9, steps=2, fps="24", seed=3)  # fmt: skip
    out = tmp_path / "take.mp4"
    result = execute(req, {}, out, lambda *a: None, worker=worker, model_folders=list_model_folders(),
                     include_hf_cache=False)  # fmt: skip
    assert probe(out).frames == result.frames == 9
    assert result.provenance["model"] == "ltx-video-2b-dev" and result.provenance["weights"]


def test_a_second_download_into_the_same_folder_is_refused_while_the_first_runs(hub, tiny_ltx, tmp_path):
    from previz.generation.model_manager import LOCK, get

    partial = tmp_path / "models" / "ltx-video-2b-dev.partial"
    partial.mkdir(parents=True)
    (partial / LOCK).write_text(f"{os.getpid()}\n")  # a live process holds it
    busy = rf"process {os.getpid()} is already downloading ltx-video-2b-dev here"
    with pytest.raises(GenerationError, match=busy):
        get(MODEL, tmp_path / "models")
    assert not any("/resolve/" in p and "safetensors" in p for p in _resolve_gets(hub))

    dead = subprocess.run(["sh", "-c", "echo $$"], capture_output=True, text=True).stdout.strip()
    (partial / LOCK).write_text(f"{dead}\n")  # its process has exited: taken over
    folder = get(MODEL, tmp_path / "models")
    assert (folder / VAE).read_bytes() == (tiny_ltx / VAE).read_bytes() and not (folder / LOCK).exists()


def test_a_hub_without_sizes_in_its_file_list_is_asked_per_file(hub, tiny_ltx, tmp_path):
    from previz.generation.model_hub import plan_download

    hub.file_sizes = False
    plan = plan_download(MODEL)
    heads = [p for m, p, _r in hub.requests if m == "HEAD"]
    assert len(heads) == len(plan.files) and all("/resolve/" in p for p in heads)
    vae = next(f for f in plan.files if f.path == VAE)
    assert vae.size == (tiny_ltx / VAE).stat().st_size and vae.sha256 == hub.repos[MODEL.repo_id].etag(VAE)
    index = next(f for f in plan.files if f.path == "model_index.json")
    assert index.git_sha1 == hub.repos[MODEL.repo_id].etag("model_index.json") and index.sha256 is None

    hub.corrupt.add(VAE)  # the hashes from HEAD still catch a bad copy
    from previz.generation.model_manager import get

    with pytest.raises(GenerationError, match="sha256 does not match"):
        get(MODEL, tmp_path / "models")


@pytest.mark.parametrize("small_tmpfs", ["1m"], indirect=True)
def test_a_disk_that_fills_during_the_download_keeps_the_partial_for_resume(hub, tiny_ltx, small_tmpfs):
    from previz.generation.model_manager import free_bytes, get

    filler = small_tmpfs / "filler"

    def fill_the_disk(done, total, message):  # another program takes the space once the download started
        if not filler.exists() and VAE in message:
            filler.write_bytes(b"x" * (free_bytes(small_tmpfs) - 4096))

    with pytest.raises(
        GenerationError, match=r"the disk filled up during the download; what was fetched is kept"
    ):
        get(MODEL, small_tmpfs / "models", progress=fill_the_disk)
    partial = small_tmpfs / "models" / "ltx-video-2b-dev.partial"
    assert (partial / "transformer" / "diffusion_pytorch_model.safetensors").is_file()
    assert scan_models([small_tmpfs / "models"], include_hf_cache=False).models == []

    filler.unlink()
    folder = get(MODEL, small_tmpfs / "models")
    assert (folder / VAE).read_bytes() == (tiny_ltx / VAE).read_bytes()
    assert hub.served["transformer/diffusion_pytorch_model.safetensors"] == len(
        (tiny_ltx / "transformer" / "diffusion_pytorch_model.safetensors").read_bytes()
    )  # the finished file was not fetched again
