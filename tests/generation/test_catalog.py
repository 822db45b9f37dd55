"""Model catalog: discovery, families, licences, and refusal of bad folders."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from previz.core.errors import GenerationError, NotFoundError
from previz.generation.catalog import find_model, inspect_model_folder, scan_models
from previz.generation.model_folders import (
    add_model_folder,
    config_path,
    list_model_folders,
    remove_model_folder,
)

from .conftest import copy_model

EXPECTED = {
    "tiny-ltx-video": ("ltx_video", ("t2v", "i2v", "flf2v")),
    "tiny-wan21-t2v": ("wan21", ("t2v",)),
    "tiny-wan21-i2v": ("wan21", ("i2v",)),
    "tiny-wan21-flf2v": ("wan21", ("flf2v",)),
    "tiny-wan22-ti2v": ("wan22_ti2v", ("t2v", "i2v")),
    "tiny-cogvideox-t2v": ("cogvideox", ("t2v",)),
    "tiny-cogvideox-i2v": ("cogvideox", ("i2v",)),
    "tiny-svd": ("svd", ("i2v",)),
    "tiny-hunyuan-video": ("hunyuan_video", ("t2v",)),
}


def test_scan_finds_every_tiny_model(models_root):
    scan = scan_models([models_root], include_hf_cache=True)  # HF cache points at a missing folder
    found = {m.id: m for m in scan.models}
    assert set(found) == set(EXPECTED) and scan.problems == []
    for name, (family, modes) in EXPECTED.items():
        info = found[name]
        assert (info.family, info.modes) == (family, modes)
        assert info.size_bytes > 0 and info.path == models_root / name
        assert info.weight_files and all(f.suffix == ".safetensors" for f in info.weight_files)
    assert found["tiny-svd"].commercial_use is False and "Non-Commercial" in found["tiny-svd"].licence
    assert found["tiny-wan21-t2v"].licence == "Apache-2.0" and found["tiny-wan21-t2v"].commercial_use
    assert json.loads(json.dumps(found["tiny-ltx-video"].to_dict()))["family_name"] == "LTX-Video"


def test_hugging_face_cache_is_scanned(tiny_models, tmp_path):
    cache = tmp_path / "hub"
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = cache / "models--previz--tiny-ltx"
    shutil.copytree(tiny_models["tiny-ltx-video"], repo / "snapshots" / commit)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    (repo / "blobs").mkdir()
    scan = scan_models([], hf_cache_dir=cache)
    assert [(m.id, m.source, m.revision, m.family) for m in scan.models] == [
        ("previz/tiny-ltx", "hf_cache", commit, "ltx_video")
    ]
    assert find_model("previz/tiny-ltx", [], hf_cache_dir=cache).revision == commit


def test_find_model_by_id_path_and_unknown(models_root):
    assert find_model("tiny-svd", [models_root], include_hf_cache=False).family == "svd"
    assert find_model(str(models_root / "tiny-svd"), []).family == "svd"
    with pytest.raises(
        GenerationError, match="'tiny-ltx' is not in the catalog \\(nearest is 'tiny-ltx-video'\\)"
    ):
        find_model("tiny-ltx", [models_root], include_hf_cache=False)
    with pytest.raises(GenerationError, match="^model: the diffusers backend needs a model"):
        find_model("", [models_root])


def _bad(tmp_path, tiny_models, name="bad") -> Path:
    return copy_model(tiny_models["tiny-ltx-video"], tmp_path / name)


def test_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(GenerationError, match="empty: the model folder is empty"):
        inspect_model_folder(tmp_path / "empty")


def test_truncated_safetensors(tmp_path, tiny_models):
    folder = _bad(tmp_path, tiny_models)
    weights = folder / "vae" / "diffusion_pytorch_model.safetensors"
    data = weights.read_bytes()
    weights.write_bytes(data[: len(data) // 2])
    with pytest.raises(
        GenerationError, match=r"diffusion_pytorch_model.safetensors: truncated safetensors file"
    ):
        inspect_model_folder(folder)
    weights.write_bytes(b"\xff" * 4)
    with pytest.raises(GenerationError, match="no header"):
        inspect_model_folder(folder)
    weights.write_bytes((20).to_bytes(8, "little") + b"{not json at all!!!}" + b"\0" * 10)
    with pytest.raises(GenerationError, match="corrupt safetensors header"):
        inspect_model_folder(folder)


def test_pickle_only_weights_are_refused(tmp_path, tiny_models):
    folder = _bad(tmp_path, tiny_models)
    weights = folder / "transformer" / "diffusion_pytorch_model.safetensors"
    weights.rename(weights.with_suffix(".bin"))
    with pytest.raises(GenerationError, match="component 'transformer' has only pickle weights"):
        inspect_model_folder(folder)


def test_missing_component(tmp_path, tiny_models):
    folder = _bad(tmp_path, tiny_models)
    shutil.rmtree(folder / "text_encoder")
    with pytest.raises(GenerationError, match="component 'text_encoder' is missing"):
        inspect_model_folder(folder)


def test_unknown_family_and_remote_code(tmp_path, tiny_models):
    folder = _bad(tmp_path, tiny_models)
    index_path = folder / "model_index.json"
    index = json.loads(index_path.read_text())
    index_path.write_text(json.dumps({**index, "_class_name": "FluxPipeline"}))
    with pytest.raises(GenerationError, match="'FluxPipeline' is not a supported video family"):
        inspect_model_folder(folder)
    index_path.write_text(json.dumps({**index, "auto_map": {"DiffusionPipeline": "pipe.MyPipe"}}))
    with pytest.raises(GenerationError, match="needs remote code"):
        inspect_model_folder(folder)
    index_path.write_text(json.dumps({**index, "transformer": ["my_module", "MyTransformer"]}))
    with pytest.raises(GenerationError, match="component 'transformer' is custom code"):
        inspect_model_folder(folder)
    index_path.write_text(json.dumps({**index, "_class_name": "MyPipeline"}))
    (folder / "pipeline_custom.py").write_text("raise SystemExit")
    with pytest.raises(GenerationError, match="custom code; Previz never runs remote code"):
        inspect_model_folder(folder)


def test_scan_reports_refused_folders(tmp_path, tiny_models):
    root = tmp_path / "models"
    good = copy_model(tiny_models["tiny-svd"], root / "svd")
    bad = copy_model(tiny_models["tiny-ltx-video"], root / "nested" / "broken-ltx")
    shutil.rmtree(bad / "vae")
    scan = scan_models([root, tmp_path / "gone"], include_hf_cache=False)
    assert [m.path for m in scan.models] == [good]
    messages = dict((str(p), m) for p, m in scan.problems)
    assert "component 'vae' is missing" in messages[str(bad)]
    assert "does not exist" in messages[str(tmp_path / "gone")]
    with pytest.raises(GenerationError, match="component 'vae' is missing"):
        find_model("broken-ltx", [root], include_hf_cache=False)


def test_model_folder_config(tmp_path):
    assert list_model_folders() == []
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    add_model_folder(a)
    add_model_folder(b)
    add_model_folder(a)
    assert list_model_folders() == [a.resolve(), b.resolve()]
    assert config_path().parent == tmp_path / "config"
    remove_model_folder(a)
    assert list_model_folders() == [b.resolve()]
    with pytest.raises(NotFoundError, match="not in the model folder list"):
        remove_model_folder(a)
    with pytest.raises(GenerationError, match="not a folder"):
        add_model_folder(tmp_path / "missing")
    config_path().write_text("{broken")
    with pytest.raises(GenerationError, match="model folder list is unreadable"):
        list_model_folders()
