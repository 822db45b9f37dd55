"""Draft takes for the draft → final tests: a tiny LTX-Video request at preset ``draft`` (its options
resolved by ``presets.apply``, compilation off to keep the test quick), stored with a clip of its own.

The draft's pixels are not what these tests check (the presets' own tests run drafts through the worker):
its *request* is — the final is made from it, through the real queue, worker and tiny model."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from previz.generation.families import FAMILIES
from previz.generation.presets import apply
from previz.generation.request import GenerationRequest

SIZE = 32
FRAMES = 9


def draft_request(model_path, code: str, seed: int, prompt: str, steps: int = 2) -> GenerationRequest:
    family = FAMILIES["ltx_video"]
    plain = GenerationRequest(
        backend="diffusers",
        model=str(model_path),
        prompt=prompt,
        width=SIZE,
        height=SIZE,
        frames=FRAMES,
        fps="24",
        seed=seed,
        steps=steps,
        extras={"duration_frames": FRAMES, "family": family.key, "shot_code": code},
    )
    return apply(plain, family, "draft", {"compile": "none"})


def add_draft(session, code: str, model_path, *, seed: int, prompt: str = "waves break on a rock"):
    """A generated take of ``code`` made from a ``draft`` request (selected when the shot has none)."""
    from previz.media.library import register_encoded
    from previz.media.video import VideoWriter

    request = draft_request(model_path, code, seed, prompt)
    assert request.preset == "draft" and request.speed  # the draft's options are recorded in it
    temp = session.media.new_temp_path("mp4")
    with VideoWriter(temp, SIZE, SIZE, Fraction(24), crf=30, preset="ultrafast") as writer:
        for i in range(FRAMES):
            writer.write(np.full((SIZE, SIZE, 3), 20 * i + seed % 50, np.uint8))
    media = register_encoded(session, temp)
    provenance = {"backend": "diffusers", "model": "tiny-ltx-video", "seed": seed, "preset": "draft"}
    return session.add_take(
        code,
        kind="generated",
        media_hash=media.hash,
        request=request.to_dict(),
        request_key=request.cache_key(),
        provenance=provenance,
    )
