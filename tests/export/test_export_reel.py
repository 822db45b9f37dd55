"""Reels read back with PyAV: frame counts, duration, profile, faststart, pixels, audio, transitions."""

from __future__ import annotations

import struct
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from export_helpers import COLOURS, H, W, add_audio_clip, add_board, add_video_take

from previz.export.api import export_project
from previz.export.reel import EncodeOptions
from previz.export.render import CutRenderer, RenderOptions
from previz.media.images import load_image
from previz.media.video import probe, read_frames

FAST = EncodeOptions(crf=20, preset="ultrafast")
PLAIN = RenderOptions(watermark=None)


def top_level_boxes(path: Path) -> list[str]:
    data = path.read_bytes()
    boxes, pos = [], 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if size == 1:
            size = struct.unpack(">Q", data[pos + 8 : pos + 16])[0]
        elif size == 0:
            size = len(data) - pos
        boxes.append(kind.decode("latin-1"))
        pos += size
    return boxes


def test_mp4_is_a_browser_playable_reel_of_the_cut(project, tmp_path):
    out = tmp_path / "reel.mp4"
    result = export_project(project, out, options=RenderOptions(burnins=True), encode=FAST)
    cut = project.cut()
    assert cut.duration == 40
    assert result.frames == 40 and result.path == out
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        decoded = sum(1 for _ in container.decode(stream))
        assert decoded == cut.duration
        ctx = stream.codec_context
        assert ctx.name == "h264" and ctx.profile in ("High", "Main")
        assert ctx.pix_fmt == "yuv420p"
        assert ctx.width % 2 == 0 and ctx.height % 2 == 0 and (ctx.width, ctx.height) == (W, H)
        assert Fraction(stream.average_rate) == 24
        assert float(stream.duration * stream.time_base) == pytest.approx(40 / 24, abs=1e-3)
    boxes = top_level_boxes(out)
    assert boxes.index("moov") < boxes.index("mdat")
    assert not list(tmp_path.glob(".*partial*"))


def test_burnins_change_only_their_regions(project, tmp_path):
    plain = export_project(project, tmp_path / "plain", "frames", options=PLAIN)
    burnt = export_project(
        project, tmp_path / "burnt", "frames", options=RenderOptions(burnins=True, watermark=None)
    )
    assert plain.frames == burnt.frames == 40
    a = load_image(tmp_path / "plain" / "000005.png").astype(int)
    b = load_image(tmp_path / "burnt" / "000005.png").astype(int)
    corner = (slice(0, H // 8), slice(0, W // 4))  # shot code + take, top left
    bottom = (slice(H - H // 8, H), slice(0, W // 3))  # record timecode
    centre = (slice(H // 4, 3 * H // 4), slice(W // 3, 2 * W // 3))
    assert np.abs(a[corner] - b[corner]).mean() > 10
    assert np.abs(a[bottom] - b[bottom]).mean() > 10
    assert np.array_equal(a[centre], b[centre])
    # the source itself shows through: frame 5 of take 1 is shot colour 0
    assert np.abs(a[H - 20, W // 2] - np.array(COLOURS[0])).max() <= 6


def test_watermark_is_drawn_by_default(project, tmp_path):
    export_project(project, tmp_path / "wm", "frames")
    export_project(project, tmp_path / "no", "frames", options=PLAIN)
    a = load_image(tmp_path / "wm" / "000001.png").astype(int)
    b = load_image(tmp_path / "no" / "000001.png").astype(int)
    band = (slice(round(H * 0.6), round(H * 0.75)), slice(W // 4, 3 * W // 4))
    assert np.abs(a[band] - b[band]).max() > 20


def test_shot_without_take_shows_slug_card_and_board_is_held(project, tmp_path):
    renderer = CutRenderer(project, project.cut(), PLAIN)
    kinds = [s.kind for s in renderer.sources]
    assert kinds == ["video", "video", "slug"]
    frames = list(renderer.frames())
    slug = frames[28]
    assert slug.mean() < 60  # dark card
    text_row = slug[H // 2 - 12 : H // 2 + 4]
    assert text_row.max() > 200  # white lettering of "002_0010 — NOT YET GENERATED"
    add_board(project, "002_0010", COLOURS[2], tmp_path)
    renderer = CutRenderer(project, project.cut(), PLAIN)
    assert renderer.sources[2].kind == "image"
    board_frames = list(renderer.frames())[28:40]
    assert all(np.array_equal(f, board_frames[0]) for f in board_frames)
    assert np.abs(board_frames[0][10, 10].astype(int) - COLOURS[2]).max() <= 2


def test_short_take_holds_its_last_frame_and_other_sizes_are_pillarboxed(project, tmp_path):
    project.set_shot("002_0010", duration_frames=12)
    add_video_take(project, "002_0010", 6, COLOURS[3], width=240, height=180, fps=12)
    entry = project.cut().entries[2]
    assert entry.short_by == 0 or entry.media_frames == 6
    frames = list(CutRenderer(project, project.cut(), PLAIN).frames())[28:40]
    assert len(frames) == 12
    # 12 fps -> 24 fps by nearest time: source frames 0, 1, 1, 2, 2, ... (ties go to the later frame)
    assert np.array_equal(frames[1], frames[2]) and not np.array_equal(frames[0], frames[1])
    # pillarbox: 240x180 in 320x180 leaves 40-pixel black bars
    assert frames[0][:, :36].max() < 20 and frames[0][:, -36:].max() < 20
    assert np.abs(frames[0][10, W // 2].astype(int) - COLOURS[3]).max() <= 8
    # take 1 of 001_0020 has exactly 12 frames; lengthen the shot: the last frame is held
    project.set_shot("001_0020", duration_frames=16)
    entry = project.cut().entries[1]
    assert entry.short_by == 4
    frames = list(CutRenderer(project, project.cut(), PLAIN).frames())[16:32]
    assert all(np.array_equal(frames[11], f) for f in frames[12:])
    # with burn-ins, a held frame is drawn afresh (no earlier frame's boxes baked in)
    burnt = list(CutRenderer(project, project.cut(), RenderOptions(burnins=True)).frames())[16:32]
    corner = (slice(0, H // 8), slice(0, W // 3))
    assert all(np.array_equal(burnt[11][corner], f[corner]) for f in burnt[12:])


@pytest.mark.parametrize("transition", ["dissolve", "fade_in", "fade_out"])
def test_transitions_keep_the_frame_count(project, tmp_path, transition):
    project.set_shot("001_0020", transition=transition, transition_frames=6)
    cut = project.cut()
    assert cut.duration == 40
    result = export_project(project, tmp_path / "t.mp4", options=PLAIN, encode=FAST)
    assert result.frames == 40 and probe(tmp_path / "t.mp4").frames == 40
    frames = list(CutRenderer(project, cut, PLAIN).frames())
    assert len(frames) == 40
    first_of_b = frames[16].astype(int)
    red, green = np.array(COLOURS[0]), np.array(COLOURS[1])
    sample = first_of_b[H - 20, W // 2]
    if transition == "dissolve":
        # mostly the previous shot (red handle) with a little of the new one
        assert np.abs(sample - red).max() < np.abs(sample - green).max()
        assert not np.array_equal(frames[16], frames[15])
        assert np.abs(frames[22].astype(int)[H - 20, W // 2] - green).max() <= 6
    elif transition == "fade_in":
        assert sample.max() < green.max() * 0.3
    else:
        last = frames[27].astype(int)[H - 20, W // 2]
        assert last.max() < green.max() * 0.3
        assert np.abs(sample - green).max() <= 6


def test_audio_clip_is_mixed_into_the_mp4(project, tmp_path):
    add_audio_clip(project, tmp_path, seconds=1.0, start_frame=6)
    out = tmp_path / "a.mp4"
    export_project(project, out, options=PLAIN, encode=FAST)
    assert probe(out).has_audio
    with av.open(str(out)) as container:
        stream = container.streams.audio[0]
        assert stream.rate == 48_000
        chunks = [f.to_ndarray() for f in container.decode(stream)]
    samples = np.concatenate(chunks, axis=1)
    start = 6 * 2000  # 6 frames at 24 fps = 12000 samples
    assert np.abs(samples[:, 2048 : start - 2048]).max() < 0.02  # silence before the clip
    assert np.abs(samples[:, start + 4096 : start + 40000]).max() > 0.3  # the tone
    assert samples.shape[1] >= 40 * 2000 - 1024


def test_slate_prepends_a_leader(project, tmp_path):
    options = RenderOptions(slate=True, slate_seconds=1.0, watermark=None)
    result = export_project(project, tmp_path / "s.mp4", options=options, encode=FAST)
    assert result.frames == 24 + 40
    assert probe(tmp_path / "s.mp4").frames == 64


def test_prores_mov_and_per_shot_clips(project, tmp_path):
    mov = export_project(project, tmp_path / "r.mov", options=PLAIN)
    info = probe(mov.path)
    assert info.codec == "prores" and info.frames == 40
    clips = export_project(project, tmp_path / "clips", "clips", options=PLAIN, encode=FAST)
    assert [p.name for p in clips.files] == ["001_0010_T1.mp4", "001_0020_T1.mp4", "002_0010.mp4"]
    assert [probe(p).frames for p in clips.files] == [16, 12, 12]
    first = next(read_frames(clips.files[0]))
    assert np.abs(first[H - 20, W // 2].astype(int) - COLOURS[0]).max() <= 6


def test_scene_filter_exports_only_those_scenes(project, tmp_path):
    result = export_project(project, tmp_path / "s2.mp4", scenes=["2"], options=PLAIN, encode=FAST)
    assert result.frames == 12 and probe(result.path).frames == 12


def test_h264_fast_path_matches_the_rgb_render(project, tmp_path):
    """The I420 path (native takes decoded as yuv420p, burn-ins blended per plane) shows the same
    pictures as the RGB path, for every kind of shot and transition."""
    from previz.export.yuv import rgb_to_i420

    add_board(project, "002_0010", COLOURS[2], tmp_path)
    project.add_shot("2", code="002_0020", duration_frames=12, transition="fade_out", transition_frames=4)
    add_video_take(project, "002_0020", 8, COLOURS[4], width=240, height=180, fps=12)  # conformed
    project.add_shot("2", code="002_0030", duration_frames=12, transition="dissolve", transition_frames=5)
    project.set_shot("001_0020", transition="fade_in", transition_frames=3, duration_frames=15)  # short
    renderer = CutRenderer(
        project, project.cut(), RenderOptions(burnins=True, slate=True, slate_seconds=0.25)
    )
    rgb = list(renderer.frames())
    yuv = list(renderer.frames(i420=True))
    assert len(rgb) == len(yuv) == renderer.total_frames == 6 + 67
    for index, (a, b) in enumerate(zip(rgb, yuv)):
        expected = rgb_to_i420(a).astype(int)
        diff = np.abs(expected - b.astype(int))
        # the same pictures up to rounding (the RGB path's decode to RGB and back shifts levels by 1-3;
        # chroma of burn-in edges is subsampled from the patch instead of the finished frame)
        assert diff.mean() < 2.5, f"frame {index}: mean difference {diff.mean():.2f}"
        assert np.percentile(diff, 99.5) <= 12, f"frame {index}: {np.percentile(diff, 99.5)}"
