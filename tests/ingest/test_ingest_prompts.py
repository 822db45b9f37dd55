"""The prompt composer: per-family templates, overrides, determinism, budgets."""

from __future__ import annotations

import pytest

from previz.ingest.prompts import (
    DEFAULT_NEGATIVE,
    WORD_BUDGET,
    PromptContext,
    compose_prompt,
    normalize_family,
)

CTX = PromptContext(
    style="Cinematic, moody blue moonlight, 35mm film grain",
    shot_size="mcu",
    move="push_in",
    lens_mm=50,
    heading="INT. LANTERN ROOM - NIGHT",
    int_ext="INT",
    location="LANTERN ROOM",
    time_of_day="NIGHT",
    action="MARA stares at the dead mantle",
    dialogue="MARA: Not tonight.",
    characters=[("MARA", "a weathered woman in her sixties in a yellow oilskin coat.")],
)


def test_ltx_leads_with_action_and_has_every_part():
    p = compose_prompt(CTX, "ltx")
    assert p.prompt == (
        "Mara stares at the dead mantle. Mara, a weathered woman in her sixties in a yellow oilskin coat. "
        "The scene takes place inside the lantern room at night. Medium close-up on a 50mm lens; the camera "
        "slowly pushes in. Mara speaks. Cinematic, moody blue moonlight, 35mm film grain."
    )
    assert p.negative_prompt == DEFAULT_NEGATIVE
    assert p.family == "ltx"


def test_family_orders_differ():
    wan = compose_prompt(CTX, "Wan2.1").prompt
    cog = compose_prompt(CTX, "CogVideoX-5b").prompt
    assert wan.startswith("Medium close-up on a 50mm lens")
    assert cog.startswith("The scene takes place inside the lantern room at night.")
    assert compose_prompt(CTX, None).prompt.startswith(
        "medium close-up, 50mm lens, the camera slowly pushes in"
    )


def test_svd_takes_no_prompt():
    assert compose_prompt(CTX, "svd").prompt == ""
    assert compose_prompt(CTX, "stable-video-diffusion").negative_prompt == ""


def test_overrides_win():
    ctx = PromptContext(
        **{**CTX.__dict__, "prompt_override": "  A lighthouse.  ", "negative_override": "rain"}
    )
    p = compose_prompt(ctx, "ltx")
    assert (p.prompt, p.negative_prompt) == ("A lighthouse.", "rain")
    ctx2 = PromptContext(**{**CTX.__dict__, "default_negative": "cartoon"})
    assert compose_prompt(ctx2, "wan").negative_prompt == "cartoon"


def test_deterministic():
    assert compose_prompt(CTX, "ltx") == compose_prompt(CTX, "ltx")


def test_continuous_is_not_a_time_and_exterior_phrase():
    ctx = PromptContext(int_ext="EXT", location="GULL ROCK", time_of_day="CONTINUOUS", action="Waves crash")
    expected = "Waves crash. The scene takes place outdoors at the gull rock."
    assert compose_prompt(ctx, "ltx").prompt == expected


@pytest.mark.parametrize("family", ["ltx", "wan", "cogvideox", "hunyuan", "generic"])
def test_word_budget_respected(family):
    ctx = PromptContext(**{**CTX.__dict__, "action": " ".join(["sweeping"] * 500)})
    words = compose_prompt(ctx, family).prompt.split()
    assert len(words) <= WORD_BUDGET[normalize_family(family)]
    assert "sweeping" in words[0:30] or family == "cogvideox" or family == "wan" or family == "hunyuan"
