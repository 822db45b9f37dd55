"""`import_model`: a model folder or archive copied from another machine, checked before it is added."""

from __future__ import annotations

import io
import json
import shutil
import tarfile
import zipfile
from pathlib import Path

import pytest

from previz.core.errors import GenerationError, NotFoundError
from previz.generation.catalog import scan_models
from previz.generation.model_folders import list_model_folders


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _listed(to: Path) -> list[str]:
    return [m.id for m in scan_models([to], include_hf_cache=False).models]


def test_import_a_folder(tiny_ltx, tmp_path):
    from previz.generation.model_import import import_model

    seen = []
    folder = import_model(tiny_ltx, tmp_path / "models", progress=lambda d, t, m: seen.append((d, t)))
    assert folder == (tmp_path / "models" / "my-ltx").resolve()
    assert _tree(folder) == _tree(tiny_ltx)
    assert _listed(tmp_path / "models") == ["my-ltx"]
    assert list_model_folders() == [(tmp_path / "models").resolve()]
    assert seen[-1] == (1, 1) and max(d for d, _t in seen[:-1]) == sum(
        len(b) for b in _tree(tiny_ltx).values()
    )
    with pytest.raises(GenerationError, match="my-ltx: a model of that name is already there"):
        import_model(tiny_ltx, tmp_path / "models")


@pytest.mark.parametrize("kind", ["zip", "tar.gz", "tar"])
def test_import_an_archive(tiny_ltx, tmp_path, kind):
    from previz.generation.model_import import import_model

    fmt = {"zip": "zip", "tar.gz": "gztar", "tar": "tar"}[kind]
    base = shutil.make_archive(str(tmp_path / "copied"), fmt, root_dir=tiny_ltx.parent, base_dir="my-ltx")
    folder = import_model(base, tmp_path / "models")
    assert folder.name == "my-ltx" and _tree(folder) == _tree(tiny_ltx)
    assert _listed(tmp_path / "models") == ["my-ltx"]
    assert [p.name for p in (tmp_path / "models").iterdir()] == ["my-ltx"]  # no staging folder left


def test_unsupported_family_is_refused_naming_class_and_supported(tiny_ltx, tmp_path):
    from previz.generation.model_import import import_model

    sd = shutil.copytree(tiny_ltx, tmp_path / "sd-model")
    index = json.loads((sd / "model_index.json").read_text())
    (sd / "model_index.json").write_text(json.dumps({**index, "_class_name": "StableDiffusionPipeline"}))
    with pytest.raises(GenerationError, match=r"'StableDiffusionPipeline' is not a supported video family "
                                              r"\(supported: .*LTXPipeline.*WanPipeline"):  # fmt: skip
        import_model(sd, tmp_path / "models")
    assert not (tmp_path / "models").exists() and list_model_folders() == []


def test_archive_of_an_unsupported_family_leaves_nothing_behind(tiny_ltx, tmp_path):
    from previz.generation.model_import import import_model

    sd = shutil.copytree(tiny_ltx, tmp_path / "src" / "sd-model")
    index = json.loads((sd / "model_index.json").read_text())
    (sd / "model_index.json").write_text(json.dumps({**index, "_class_name": "FluxPipeline"}))
    archive = shutil.make_archive(str(tmp_path / "sd"), "zip", root_dir=sd.parent, base_dir="sd-model")
    with pytest.raises(GenerationError, match=r"sd.zip.*'FluxPipeline' is not a supported video family"):
        import_model(archive, tmp_path / "models")
    assert list((tmp_path / "models").iterdir()) == [] and list_model_folders() == []


def test_pickle_only_and_incomplete_and_half_downloaded_folders_are_refused(tiny_ltx, tmp_path):
    from previz.generation.model_import import import_model

    pickled = shutil.copytree(tiny_ltx, tmp_path / "pickled")
    for weights in pickled.rglob("*.safetensors"):
        weights.rename(weights.with_suffix(".bin"))
    with pytest.raises(GenerationError, match=r"component '\w+' has only pickle weights"):
        import_model(pickled, tmp_path / "models")

    missing = shutil.copytree(tiny_ltx, tmp_path / "missing")
    shutil.rmtree(missing / "vae")
    with pytest.raises(GenerationError, match=r"component 'vae' is missing"):
        import_model(missing, tmp_path / "models")

    cut = shutil.copytree(tiny_ltx, tmp_path / "cut")
    weights = cut / "vae" / "diffusion_pytorch_model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    with pytest.raises(GenerationError, match=r"truncated"):
        import_model(cut, tmp_path / "models")

    half = shutil.copytree(tiny_ltx, tmp_path / "my-ltx.partial")
    with pytest.raises(GenerationError, match=r"unfinished download or import"):
        import_model(half, tmp_path / "models")
    assert not (tmp_path / "models").exists() and list_model_folders() == []


def test_bad_archives_and_paths(tmp_path):
    from previz.generation.model_import import import_model

    with pytest.raises(NotFoundError, match="nowhere.zip: no such file"):
        import_model(tmp_path / "nowhere.zip", tmp_path / "models")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(GenerationError, match="notes.txt: not a model folder or an archive"):
        import_model(tmp_path / "notes.txt", tmp_path / "models")
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(GenerationError, match="broken.zip: not a readable zip archive"):
        import_model(tmp_path / "broken.zip", tmp_path / "models")
    evil = tmp_path / "evil.tar"
    with tarfile.open(evil, "w") as tf:
        info = tarfile.TarInfo("../../outside.txt")
        info.size = 3
        tf.addfile(info, io.BytesIO(b"bad"))
    with pytest.raises(GenerationError, match=r"evil.tar: member '../../outside.txt' would land outside"):
        import_model(evil, tmp_path / "models")
    assert not (tmp_path / "outside.txt").exists()
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w") as zf:
        zf.writestr("readme.txt", "no model here")
    with pytest.raises(GenerationError, match="empty.zip: no diffusers model in it"):
        import_model(empty, tmp_path / "models")
    assert list((tmp_path / "models").iterdir()) == []
