"""Fixtures: tiny random-weight pipelines of the real diffusers classes, and an isolated config."""

from __future__ import annotations

import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory) -> dict[str, Path]:
    """Every tiny model folder (LTX, Wan 2.1 t2v/i2v/flf2v, CogVideoX t2v/i2v, SVD), built once."""
    from previz.generation.tiny_models import build_all

    return build_all(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="session")
def models_root(tiny_models) -> Path:
    return next(iter(tiny_models.values())).parent


@pytest.fixture(scope="session")
def worker():
    """One worker for the session (warm between tests, as in the app)."""
    from previz.generation.worker import WorkerClient

    client = WorkerClient(cancel_grace_s=5.0)
    yield client
    client.stop()


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    """Keep the user's config, caches and Hugging Face cache out of every test."""
    monkeypatch.setenv("PREVIZ_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PREVIZ_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "no-hf-cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture
def board_png(tmp_path) -> Path:
    y, x = np.mgrid[0:48, 0:64]
    img = np.stack([x * 4, y * 5, np.full_like(x, 90)], axis=-1).astype(np.uint8)
    path = tmp_path / "board.png"
    cv2.imwrite(str(path), img)
    return path


def copy_model(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


@pytest.fixture(scope="module")
def cluster():
    """A local Ray cluster of 2 CPUs for the whole module (the farm tests)."""
    ray = pytest.importorskip("ray")
    if not ray.is_initialized():
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()
