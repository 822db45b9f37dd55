"""The burn-in prints a generated take's speed preset, read through the one provenance reader."""

from __future__ import annotations

import numpy as np
from export_helpers import COLOURS, H, W, add_video_take, make_project

from previz.export.api import export_project
from previz.export.clip_cache import ClipCache
from previz.export.provenance import read_provenance
from previz.export.reel import EncodeOptions
from previz.export.render import CutRenderer, RenderOptions
from previz.media.burnin import ShotLabels
from previz.media.images import load_image

MADE = {"backend": "diffusers", "model": "tiny-ltx", "licence": "openrail", "commercial_use": True, "seed": 5}
BURNT = RenderOptions(burnins=True, watermark=None)


def test_the_preset_of_a_generated_take_is_burnt_in(tmp_path):
    session = make_project(tmp_path)
    session.add_scene("EXT. SEA", number="1")
    session.add_shot("1", code="001_0010", duration_frames=12)
    session.add_shot("1", code="001_0020", duration_frames=12)
    add_video_take(session, "001_0010", 12, COLOURS[0], provenance={**MADE, "preset": "draft"})
    add_video_take(session, "001_0010", 12, COLOURS[0], provenance={**MADE, "preset": "final"})
    add_video_take(session, "001_0010", 12, COLOURS[0], provenance=dict(MADE))  # made before presets
    add_video_take(
        session,
        "001_0020",
        12,
        COLOURS[1],
        kind="animatic",
        provenance={"backend": "animatic", "preset": "draft"},
    )
    session.set_shot("001_0010", status="approved")
    try:
        shots = read_provenance(session, session.cut())
        assert [(s.code, s.preset) for s in shots] == [("001_0010", "draft"), ("001_0020", "draft")]
        assert shots[0].to_dict()["preset"] == "draft"  # what content credentials and reports state

        renderer = CutRenderer(session, session.cut(), BURNT)
        labels = [renderer.labels(s) for s in renderer.sources]
        assert labels[0] == ShotLabels("001_0010", "T1", "approved", "tiny-ltx", "draft")
        assert labels[0].top_right() == "APPROVED · tiny-ltx · draft preset"
        assert labels[1].preset is None  # an animatic's picture does not depend on a preset
        assert CutRenderer(session, session.cut(), RenderOptions()).provenance == {}  # no burn-ins: no read

        frames = {}
        keys = {}
        for number in (1, 2, 3):
            session.select_take("001_0010", number)
            out = tmp_path / f"take{number}"
            export_project(session, out, "frames", options=BURNT)
            frames[number] = load_image(out / "000003.png").astype(int)
            renderer = CutRenderer(session, session.cut(), BURNT)
            keys[number] = ClipCache.key(
                renderer,
                renderer.sources[0],
                codec="h264",
                encode=EncodeOptions(),
                handles=False,
                timecode="01:00:00:00",
                reel="R1",
            )
        assert renderer.labels(renderer.sources[0]).preset is None  # take 3 records no preset
        top_right = (slice(0, H // 8), slice(W // 3, W))
        assert np.abs(frames[1][top_right] - frames[2][top_right]).mean() > 2  # "draft" vs "final"
        assert np.abs(frames[1][top_right] - frames[3][top_right]).mean() > 2  # vs none printed
        rest = (slice(H // 4, H), slice(0, W))  # below the top boxes: the same
        assert np.array_equal(frames[1][rest], frames[3][rest])
        assert len(set(keys.values())) == 3  # a cached clip with another preset burnt in is not reused
    finally:
        session.close()
