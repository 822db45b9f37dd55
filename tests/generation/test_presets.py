"""Speed presets: what each resolves to per family, what it refuses, and that it lands in the request
(cache key) — without torch. The runs themselves are in ``test_presets_run.py``."""

from __future__ import annotations

import hashlib
import json

import pytest

from previz.core.errors import GenerationError
from previz.generation import presets
from previz.generation.families import FAMILIES
from previz.generation.request import GenerationRequest


def base(**kw) -> GenerationRequest:
    values = dict(backend="diffusers", model="/models/ltx", prompt="a man walks", width=704, height=384)
    values.update(frames=17, fps="24", seed=3, extras={"family": "ltx_video"})
    values.update(kw)
    return GenerationRequest(**values)


def test_final_is_plain_and_keeps_the_cache_key_of_requests_made_before_presets():
    request = presets.apply(base(), FAMILIES["ltx_video"], "final")
    assert (request.preset, request.speed) == ("final", ())
    data = json.loads(request.to_json())
    assert "preset" not in data and "speed" not in data
    old = {k: v for k, v in data.items()}  # what Previz wrote before presets: the same fields, no more
    canonical = json.dumps(old, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert request.cache_key() == hashlib.sha256(canonical.encode()).hexdigest()
    assert GenerationRequest.from_dict(old) == request


def test_each_preset_changes_the_cache_key_and_round_trips():
    keys = set()
    for name in presets.PRESETS:
        request = presets.apply(base(), FAMILIES["ltx_video"], name)
        assert GenerationRequest.from_json(request.to_json()) == request
        keys.add(request.cache_key())
    assert len(keys) == 3


def test_balanced_and_draft_for_ltx():
    family = FAMILIES["ltx_video"]
    balanced = presets.apply(base(), family, "balanced").speed_options()
    assert balanced == {
        "cache": "taylorseer",
        "cache.cache_interval": 2,
        "cache.disable_cache_before_step": 3,
        "compile": "regional",
        "attention": "auto",
    }
    draft = presets.apply(base(), family, "draft").speed_options()
    assert draft["steps"] == 25  # half of LTX's 50
    assert (draft["run_width"], draft["run_height"]) == (512, 288)  # 3/4 (528x288), to multiples of 32
    assert draft["cache"] == "taylorseer" and draft["cache.cache_interval"] == 3
    assert "quantize" not in draft  # neither torchao nor optimum-quanto is installed here


def test_draft_of_a_distilled_checkpoint_uses_its_step_count():
    family = FAMILIES["ltx_video"]
    draft = presets.apply(base(model="/m/ltxv-13b-0.9.8-distilled", steps=12), family, "draft")
    assert draft.speed_options()["steps"] == 8
    few = presets.apply(base(model="/m/ltxv-distilled", steps=6), family, "draft")
    assert "steps" not in few.speed_options()  # never more steps than asked for


def test_the_shot_steps_stay_in_the_request_and_the_run_steps_in_speed():
    draft = presets.apply(base(steps=10), FAMILIES["wan21"], "draft")
    assert draft.steps == 10 and draft.speed_option("steps") == 5


def test_overrides_choose_a_supported_cache_and_its_settings():
    request = presets.apply(
        base(),
        FAMILIES["wan21"],
        "balanced",
        {"cache": "first_block", "cache.threshold": "0.1", "compile": "none"},
    )
    assert request.speed_options() == {"cache": "first_block", "cache.threshold": 0.1, "attention": "auto"}


def test_svd_presets_only_take_fewer_steps_and_a_lower_resolution():
    family = FAMILIES["svd"]
    request = base(width=1024, height=576, mode="i2v", image="a" * 64, extras={"family": "svd"})
    assert presets.apply(request, family, "balanced").speed_options() == {}
    assert presets.apply(request, family, "draft").speed_options() == {
        "steps": 12,
        "run_width": 768,
        "run_height": 432,
    }


def test_an_animatic_request_is_left_alone():
    animatic = GenerationRequest(backend="animatic", width=320, height=180, frames=12)
    assert presets.apply(animatic, FAMILIES["ltx_video"], "draft") is animatic


# -- bad input ----------------------------------------------------------------------------------------
def test_a_preset_that_does_not_exist_lists_the_valid_ones():
    with pytest.raises(
        GenerationError, match=r"preset: 'fast' is not a speed preset; use one of final, balanced, draft"
    ):
        presets.apply(base(), FAMILIES["ltx_video"], "fast")
    with pytest.raises(GenerationError, match="use one of final, balanced, draft"):
        GenerationRequest(backend="diffusers", preset="turbo")


def test_a_cache_the_family_lacks_is_refused_with_what_it_supports():
    with pytest.raises(
        GenerationError, match=r"Stable Video Diffusion does not support taylorseer; it supports none"
    ):
        presets.apply(base(), FAMILIES["svd"], "draft", {"cache": "taylorseer"})
    with pytest.raises(
        GenerationError, match=r"LTX-Video does not support faster; it supports first_block, taylorseer, pab"
    ):
        presets.apply(base(), FAMILIES["ltx_video"], "balanced", {"cache": "faster"})
    with pytest.raises(GenerationError, match=r"MagCache needs residual ratios calibrated per model"):
        presets.apply(base(), FAMILIES["wan21"], "balanced", {"cache": "mag"})
    with pytest.raises(GenerationError, match=r"'turbo' is not a cache method"):
        presets.apply(base(), FAMILIES["wan21"], "balanced", {"cache": "turbo"})


def test_bad_settings_and_options_are_named():
    family = FAMILIES["ltx_video"]
    with pytest.raises(GenerationError, match=r"speed.cache.threshold: not a setting of taylorseer"):
        presets.apply(base(), family, "balanced", {"cache.threshold": 0.1})
    with pytest.raises(GenerationError, match=r"speed.cache.cache_interval: 'often' is not a int"):
        presets.apply(base(), family, "balanced", {"cache.cache_interval": "often"})
    with pytest.raises(GenerationError, match=r"speed.colour: not a speed option"):
        presets.apply(base(), family, "balanced", {"colour": "red"})
    with pytest.raises(GenerationError, match=r"speed.compile: CogVideoX has no repeated transformer blocks"):
        presets.apply(base(), FAMILIES["cogvideox"], "balanced", {"compile": "regional"})
    with pytest.raises(
        GenerationError, match=r"'flash_hub' is not one of .*download kernels are not offered"
    ):
        presets.apply(base(), family, "balanced", {"attention": "flash_hub"})


def test_a_quantization_backend_not_installed_names_the_package(monkeypatch):
    with pytest.raises(
        GenerationError, match=r"torchao-int8 needs the Python package 'torchao'.*pip install torchao"
    ):
        presets.apply(base(), FAMILIES["ltx_video"], "draft", {"quantize": "torchao-int8"})
    with pytest.raises(GenerationError, match=r"needs the Python package 'optimum-quanto'"):
        presets.check_options({"quantize": "quanto-int8"}, "ltx_video", "LTX-Video")
    # Where the package is installed, draft uses it by default, and the request says so.
    monkeypatch.setattr(presets, "quantizer_installed", lambda name: name == "quanto-int8")
    draft = presets.apply(base(), FAMILIES["ltx_video"], "draft")
    assert draft.speed_option("quantize") == "quanto-int8"


def test_recorded_options_a_family_cannot_honour_are_refused():
    with pytest.raises(GenerationError, match=r"Wan 2.1 does not support faster"):
        presets.check_options({"cache": "faster"}, "wan21", "Wan 2.1")
    with pytest.raises(GenerationError, match=r"speed.steps: 0 must be a positive whole number"):
        presets.check_options({"steps": 0}, "wan21", "Wan 2.1")
    with pytest.raises(GenerationError, match=r"speed: .*not allowed"):
        GenerationRequest(backend="diffusers", speed={"cache": {"nested": 1}})


def test_every_family_has_a_speed_entry_and_describe_says_what_it_does():
    assert set(presets.FAMILY_SPEED) == set(FAMILIES)
    for key, speed in presets.FAMILY_SPEED.items():
        for choice in (speed.balanced, speed.draft):
            if choice is not None:
                assert choice[0] in speed.caches, key
    assert presets.describe("draft", "ltx_video").startswith("draft: cache taylorseer")
    assert presets.describe("final", "wan21").startswith("final: plain diffusers")
