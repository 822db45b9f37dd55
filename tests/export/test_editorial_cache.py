"""Per-shot editorial media is cached by content: an unchanged shot is not rendered again on the next
editorial export; a changed one (trim, burn-ins, codec) is."""

from __future__ import annotations

import shutil

import pytest

from previz.cli import main
from previz.export.api import export_project
from previz.export.reel import EncodeOptions
from previz.export.render import RenderOptions
from previz.media.video import movie_timecode, probe, read_frames

FAST = EncodeOptions(crf=20, preset="ultrafast")


def export(session, out, **kwargs):
    kwargs.setdefault("credentials", False)
    result = export_project(session, out, encode=FAST, **kwargs)
    return result.clips_rendered, result.clips_reused


def test_second_export_renders_nothing_and_a_changed_shot_alone(project, tmp_path):
    assert export(project, tmp_path / "a.otio") == (3, 0)
    assert export(project, tmp_path / "b.edl") == (0, 3)
    first, second = tmp_path / "a_media" / "001_0010_T1.mp4", tmp_path / "b_media" / "001_0010_T1.mp4"
    assert second.read_bytes() == first.read_bytes()
    assert movie_timecode(second) == ("00:00:00:00", "0010010")

    project.set_shot("001_0010", trim_in=4)  # the clip holds the whole take: one new render for it
    assert export(project, tmp_path / "c.xml") == (1, 2)
    assert probe(tmp_path / "c_media" / "001_0010_T1.mp4").frames == 20

    assert export(project, tmp_path / "d.otio", options=RenderOptions(burnins=True)) == (3, 0)
    assert export(project, tmp_path / "e.otio", clip_codec="prores") == (3, 0)
    assert export(project, tmp_path / "f.otio", clip_codec="prores") == (0, 3)


def test_the_cache_is_safe_to_delete(project, tmp_path):
    assert export(project, tmp_path / "a.otio") == (3, 0)
    shutil.rmtree(project.paths.cache / "editorial_clips")
    assert export(project, tmp_path / "b.otio") == (3, 0)
    frames = list(read_frames(tmp_path / "b_media" / "001_0020_T1.mp4"))
    assert len(frames) == 12


def test_otioz_reuses_the_cache_too(project, tmp_path):
    assert export(project, tmp_path / "a.otioz") == (3, 0)
    assert export(project, tmp_path / "b.otioz") == (0, 3)


def test_signed_clips_are_reused_still_signed(project, tmp_path):
    pytest.importorskip("c2pa")
    from previz.export.verify import verify_file

    assert export(project, tmp_path / "a.otio", credentials=True) == (3, 0)
    result = export_project(project, tmp_path / "b.otio", encode=FAST)
    assert (result.clips_rendered, result.clips_reused) == (0, 3)
    assert result.credentials["signed"] is True
    assert verify_file(tmp_path / "b_media" / "001_0010_T1.mp4").ok


def test_cli_says_what_was_rendered_and_reused(project, tmp_path, capsys):
    project.close()
    args = ["export", str(tmp_path / "film.previz"), "--no-credentials", "--preset", "ultrafast"]
    assert main(args[:2] + [str(tmp_path / "a.edl")] + args[2:]) == 0
    assert "per-shot clips: 3 rendered, 0 unchanged (cached)" in capsys.readouterr().out
    assert main(args[:2] + [str(tmp_path / "b.edl")] + args[2:]) == 0
    assert "per-shot clips: 0 rendered, 3 unchanged (cached)" in capsys.readouterr().out
