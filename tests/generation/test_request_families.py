"""GenerationRequest canonical JSON and cache key; family table and request validation."""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from previz.core.errors import GenerationError
from previz.generation.conform import conform_indices
from previz.generation.families import CLASS_TABLE, FAMILIES, resolve_family, validate_request
from previz.generation.request import GenerationRequest

HASH = "a" * 64
HASH2 = "b" * 64


def ltx(**kw) -> GenerationRequest:
    base = dict(
        backend="diffusers", model="m", mode="t2v", prompt="a man walks", width=64, height=32, frames=9
    )
    base.update(kw)
    return GenerationRequest(**base)


def test_canonical_json_round_trip_and_cache_key():
    a = GenerationRequest(
        backend="animatic",
        prompt="x",
        width=1920,
        height=1080,
        frames=120,
        fps="23.976",
        extras={"move": "push_in", "intensity": 0.5, "shot_code": "1A"},
    )
    b = GenerationRequest(
        backend="animatic",
        prompt="x",
        width=1920,
        height=1080,
        frames=120,
        fps="24000/1001",
        extras=[("shot_code", "1A"), ("intensity", 0.5), ("move", "push_in")],
    )
    assert a == b and a.to_json() == b.to_json() and a.cache_key() == b.cache_key()
    assert a.fps == "24000/1001" and a.fps_fraction == Fraction(24000, 1001)
    assert GenerationRequest.from_json(a.to_json()) == a
    assert len(a.cache_key()) == 64
    assert a.with_changes(seed=1).cache_key() != a.cache_key()
    assert a.with_changes(extras={"move": "pull_out"}).cache_key() != a.cache_key()
    assert a.extra("move") == "push_in" and a.extra("missing", 3) == 3
    assert '"extras":{"intensity":0.5,"move":"push_in","shot_code":"1A"}' in a.to_json()
    hash(a)  # frozen and hashable


@pytest.mark.parametrize(
    "kw, field",
    [
        ({"backend": "magic"}, "backend"),
        ({"mode": "v2v"}, "mode"),
        ({"width": 0}, "width"),
        ({"frames": -1}, "frames"),
        ({"fps": "fast"}, "fps"),
        ({"seed": -1}, "seed"),
        ({"image": "not-a-hash"}, "image"),
        ({"extras": {"bad": object()}}, "extras.bad"),
    ],
)
def test_bad_request_fields(kw, field):
    with pytest.raises(GenerationError, match=rf"^{field}:"):
        ltx(**kw)


def test_from_json_rejects_unknown_fields():
    with pytest.raises(GenerationError, match="^colour: not a field"):
        GenerationRequest.from_json('{"backend": "animatic", "colour": 1}')
    with pytest.raises(GenerationError, match="not valid JSON"):
        GenerationRequest.from_json("{")


def test_importing_request_and_catalog_does_not_import_torch():
    code = (
        "import sys; import previz.generation.request, previz.generation.families, "
        "previz.generation.catalog, previz.generation.backends, previz.generation.worker, "
        "previz.generation.execute; "
        "print('torch' in sys.modules, 'diffusers' in sys.modules)"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True)
    assert out.stdout.strip() == "False False"


def test_every_class_maps_to_a_family_with_its_pipelines():
    for class_name, (key, modes) in CLASS_TABLE.items():
        family = FAMILIES[key]
        assert set(modes) <= set(family.modes), class_name
    assert FAMILIES["svd"].commercial_use is False and FAMILIES["wan21"].licence == "Apache-2.0"
    assert FAMILIES["ltx_video"].pipelines["flf2v"] == "LTXConditionPipeline"


def test_resolve_family_variants(tmp_path):
    family, modes = resolve_family({"_class_name": "WanPipeline", "expand_timesteps": True}, tmp_path)
    assert family.key == "wan22_ti2v" and modes == ("t2v", "i2v") and family.size_multiple == 32
    (tmp_path / "transformer").mkdir()
    (tmp_path / "transformer" / "config.json").write_text('{"pos_embed_seq_len": 514}')
    family, modes = resolve_family({"_class_name": "WanImageToVideoPipeline"}, tmp_path)
    assert family.key == "wan21" and modes == ("flf2v",)
    with pytest.raises(GenerationError, match="'MyPipeline' is not a supported video family"):
        resolve_family({"_class_name": "MyPipeline"}, tmp_path)


def test_validation_names_field_and_nearest_value():
    ltx_family = FAMILIES["ltx_video"]
    validate_request(ltx(), ltx_family)
    cases = [
        (ltx(frames=7), "frames: LTX-Video needs 8k+1 frames; 7 is not, nearest valid is 9"),
        (ltx(frames=100), "nearest valid is 97"),
        (ltx(width=33), "width: LTX-Video needs a multiple of 32; 33 is not, nearest valid is 32"),
        (ltx(height=70), "height: LTX-Video needs a multiple of 32; 70 is not, nearest valid is 64"),
        (ltx(mode="i2v"), "image: LTX-Video i2v needs a conditioning image"),
        (ltx(mode="flf2v", image=HASH), "last_image: LTX-Video flf2v needs a last-frame image"),
        (ltx(prompt=" "), "prompt: LTX-Video text-to-video needs a prompt"),
        (ltx(extras={"pipe.nonsense": 1}), "extras.pipe.nonsense: not an option of LTX-Video"),
    ]
    for request, message in cases:
        with pytest.raises(GenerationError) as info:
            validate_request(request, ltx_family)
        assert message in str(info.value)
    with pytest.raises(GenerationError, match=r"^mode: Stable Video Diffusion .* nearest valid is i2v"):
        validate_request(ltx(width=64, height=64), FAMILIES["svd"])
    with pytest.raises(
        GenerationError, match="^image: Stable Video Diffusion i2v needs a conditioning image"
    ):
        validate_request(ltx(mode="i2v", width=64, height=64), FAMILIES["svd"])
    with pytest.raises(
        GenerationError, match="frames: Wan 2.1 needs 4k\\+1 frames; 10 is not, nearest valid is 9"
    ):
        validate_request(ltx(frames=10), FAMILIES["wan21"])
    with pytest.raises(GenerationError, match="^mode: Wan 2.1 .*supports i2v, not flf2v"):
        validate_request(ltx(mode="flf2v", image=HASH, last_image=HASH2), FAMILIES["wan21"], ("i2v",))


def test_conform_native_fps_to_project_fps():
    assert conform_indices(5, Fraction(16), Fraction(24)) == [
        0,
        1,
        1,
        2,
        3,
        3,
        4,
        4,
    ]  # 8 frames, same duration
    assert conform_indices(9, Fraction(24), Fraction(24)) == list(range(9))
    assert conform_indices(9, Fraction(24), Fraction(12)) == [0, 2, 4, 6, 8]
    assert conform_indices(3, Fraction(8), Fraction(24), target_frames=10)[-1] == 2  # holds the last frame


def test_frames_for_duration():
    from previz.generation.families import frames_for_duration

    assert frames_for_duration(FAMILIES["ltx_video"], 5.0) == 121  # 120 at 24 fps -> 8k+1
    assert frames_for_duration(FAMILIES["wan21"], 5.0) == 81  # 80 at 16 fps -> 4k+1
    assert frames_for_duration(FAMILIES["cogvideox"], 6.0) == 49
    assert frames_for_duration(FAMILIES["ltx_video"], 0.1) == 9
    assert frames_for_duration(FAMILIES["svd"], 2.0) == 14
