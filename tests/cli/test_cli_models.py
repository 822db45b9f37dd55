"""`previz models available|get|import` against a fake Hugging Face Hub on 127.0.0.1."""

from __future__ import annotations

import json
import shutil
import signal
import threading
import time

import pytest
from generation.fake_hub import FakeHub, serving

from previz.cli import main
from previz.generation.known_models import KNOWN_MODELS

REPO = "Lightricks/LTX-Video-0.9.5"  # ltx-video-2b-dev, served as a tiny LTX folder
VAE = "vae/diffusion_pytorch_model.safetensors"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def hub(tiny_ltx, tmp_path, monkeypatch):
    monkeypatch.setenv("PREVIZ_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    monkeypatch.setenv("PATH", str(tmp_path / "no-gpu"))  # no nvidia-smi here
    server = FakeHub()
    server.add_folder(REPO, tiny_ltx)
    with serving(server, monkeypatch):
        yield server


def test_available_shows_licence_commercial_use_size_memory_and_card(hub, capsys):
    code, out, _ = run(capsys, "models", "available")
    assert code == 0
    svd = next(line for line in out.splitlines() if line.startswith("svd-xt "))
    for text in ("Stable Video Diffusion Non-Commercial Community License", " no ", "~10 GB", "~16 GB",
                 "https://huggingface.co/stabilityai/stable-video-diffusion-img2vid-xt"):  # fmt: skip
        assert text in svd
    wan = next(line for line in out.splitlines() if line.startswith("wan2.1-t2v-1.3b "))
    assert "Apache-2.0" in wan and " yes " in wan
    assert "~ approximate" in out

    listed = json.loads(run(capsys, "models", "available", "--json")[1])
    assert [m["name"] for m in listed] == [m.name for m in KNOWN_MODELS]
    cog = next(m for m in listed if m["name"] == "cogvideox-5b")
    assert cog["commercial_use"] is False and cog["licence"].startswith("CogVideoX License")
    assert cog["figures_approximate"] is True and cog["default_size"] == "720x480, 49 frames"
    assert all(m["on_this_machine"] is None for m in listed)


def test_get_then_listed_everywhere(hub, tiny_ltx, tmp_path, capsys):
    code, out, err = run(capsys, "models", "get", "ltx-video-2b-dev", "--to", tmp_path / "models")
    assert code == 0, err
    folder = (tmp_path / "models" / "ltx-video-2b-dev").resolve()
    assert out.strip() == f"ltx-video-2b-dev: ready at {folder} (use it with --model ltx-video-2b-dev)"
    assert f"{REPO}, LTX-Video Open Weights License" in err
    assert "warning: no NVIDIA GPU found" in err and "100% 505.7 KB of 505.7 KB" in err
    listed = json.loads(run(capsys, "models", "available", "--json")[1])
    assert next(m for m in listed if m["name"] == "ltx-video-2b-dev")["on_this_machine"] == str(folder)
    models = json.loads(run(capsys, "models", "list", "--json")[1])["models"]
    assert [(m["id"], m["family"]) for m in models] == [("ltx-video-2b-dev", "ltx_video")]


def test_ctrl_c_stops_keeps_the_partial_and_get_resumes(hub, tiny_ltx, tmp_path, capsys):
    release = threading.Event()
    hub.hold_at[VAE] = (100_000, release)
    main_thread = threading.main_thread().ident

    leftover = tmp_path / "models" / "ltx-video-2b-dev.partial" / (VAE + ".incomplete")

    def press_ctrl_c():  # once the client has written part of the held file
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (leftover.exists() and leftover.stat().st_size > 0):
            time.sleep(0.01)
        signal.pthread_kill(main_thread, signal.SIGINT)
        release.set()

    presser = threading.Thread(target=press_ctrl_c)
    presser.start()
    code, _out, err = run(capsys, "models", "get", "ltx-video-2b-dev", "--to", tmp_path / "models")
    presser.join()
    assert code == 130
    assert "stopped; what it fetched is kept in" in err and "ltx-video-2b-dev.partial" in err
    assert 0 < leftover.stat().st_size <= 100_000
    assert json.loads(run(capsys, "models", "list", "--json")[1])["models"] == []
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler

    resumed_from = leftover.stat().st_size
    code, _out, err = run(capsys, "models", "get", "ltx-video-2b-dev", "--to", tmp_path / "models")
    assert code == 0, err
    assert hub.ranges(VAE)[-1] == f"bytes={resumed_from}-"
    assert hub.served[VAE] < 2 * (tiny_ltx / VAE).stat().st_size
    got = (tmp_path / "models" / "ltx-video-2b-dev" / VAE).read_bytes()
    assert got == (tiny_ltx / VAE).read_bytes()


def test_bad_names_and_imports_are_one_line_errors(hub, tiny_ltx, tmp_path, capsys):
    code, _out, err = run(capsys, "models", "get", "ltx-2b", "--to", tmp_path / "models")
    assert code == 1 and err.strip().startswith("previz: error: model: 'ltx-2b' is not a model Previz knows")

    odd = shutil.copytree(tiny_ltx, tmp_path / "odd")
    index = json.loads((odd / "model_index.json").read_text())
    (odd / "model_index.json").write_text(json.dumps({**index, "_class_name": "MochiPipeline"}))
    code, _out, err = run(capsys, "models", "import", odd, "--to", tmp_path / "models")
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "'MochiPipeline' is not a supported video family (supported: " in err

    code, out, err = run(capsys, "models", "import", tiny_ltx, "--to", tmp_path / "models")
    assert code == 0, err
    assert out.startswith("imported my-ltx: ready at")
    models = json.loads(run(capsys, "models", "list", "--json")[1])["models"]
    assert [m["id"] for m in models] == ["my-ltx"]
