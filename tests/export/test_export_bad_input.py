"""Every bad input of the export issue: a clear ExportError, and nothing left behind."""

from __future__ import annotations

import errno
import tempfile

import numpy as np
import pytest
from export_helpers import add_video_take, make_project

from previz.cli import main
from previz.core.errors import CancelledError, ExportError, NotFoundError
from previz.core.jobs import CancelToken
from previz.export.api import export_project
from previz.export.reel import EncodeOptions
from previz.export.render import CutRenderer, RenderOptions
from previz.media.video import VideoWriter

FAST = EncodeOptions(crf=20, preset="ultrafast")


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def take_path(session, code):
    take = session.takes(code)[0]
    return session.media_path(take.media_hash)


def test_missing_media_names_the_shot_or_slugs_it(project, tmp_path):
    take_path(project, "001_0020").unlink()
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ExportError, match=r"shot 001_0020: take 1 media .* is missing.*--allow-missing"):
        export_project(project, out / "r.mp4", encode=FAST)
    assert list(out.iterdir()) == []
    result = export_project(
        project, out / "r.mp4", options=RenderOptions(allow_missing=True, watermark=None), encode=FAST
    )
    assert result.frames == 40
    frames = list(CutRenderer(project, project.cut(), RenderOptions(allow_missing=True)).frames())
    slug = frames[20]
    assert slug.mean() < 60 and slug.max() > 200  # the dark slug card with its lettering


def test_corrupt_media_names_the_shot(project, tmp_path):
    path = take_path(project, "001_0010")
    path.write_bytes(b"\x00not a video at all" * 50)
    with pytest.raises(ExportError, match=r"shot 001_0010: take 1 media .* corrupt"):
        export_project(project, tmp_path / "r.mp4", encode=FAST)
    assert not (tmp_path / "r.mp4").exists()


def test_output_folder_not_writable(project, tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)  # tests run as root: simulate the permission error
    with pytest.raises(ExportError, match=r"not writable \(Permission denied\); choose another folder"):
        export_project(project, tmp_path / "r.mp4", encode=FAST)


def test_output_folder_missing(project, tmp_path):
    with pytest.raises(ExportError, match=r"does not exist"):
        export_project(project, tmp_path / "nowhere" / "r.mp4", encode=FAST)


def test_unknown_suffix_lists_the_formats(project, tmp_path):
    with pytest.raises(
        ExportError, match=r"no export format matches the suffix \.avi.*\.mp4.*\.otioz.*\.pdf"
    ):
        export_project(project, tmp_path / "r.avi")
    with pytest.raises(ExportError, match=r"suffix \(none\)"):
        export_project(project, tmp_path / "reel")
    assert main(["export", str(project.root), str(tmp_path / "r.avi")]) == 1


def test_disk_full_mid_export_leaves_nothing(project, tmp_path, monkeypatch):
    real_write = VideoWriter.write_video_frame

    def write(self, frame):
        if self.frames_written >= 10:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(self, frame)

    monkeypatch.setattr(VideoWriter, "write_video_frame", write)
    out = tmp_path / "out"
    out.mkdir()
    for name, fmt in (("r.mp4", None), ("r.mov", None), ("frames", "frames"), ("clips", "clips")):
        with pytest.raises(ExportError, match=r"disk is full.*free some space"):
            export_project(project, out / name, fmt, encode=FAST)
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("name,fmt", [("r.mp4", None), ("frames", "frames"), ("r.otio", None)])
def test_cancel_at_half_leaves_nothing(project, tmp_path, name, fmt):
    token = CancelToken()
    seen = []

    def progress(done, total, message=""):
        seen.append((done, total))
        if done >= total / 2:
            token.cancel()

    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("unrelated")
    with pytest.raises(CancelledError):
        export_project(project, out / name, fmt, encode=FAST, progress=progress, cancel=token)
    assert seen and seen[-1][0] < seen[-1][1]
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]


def test_cancelled_export_keeps_the_previous_file(project, tmp_path):
    out = tmp_path / "r.mp4"
    out.write_bytes(b"previous reel")
    token = CancelToken()
    token.cancel()
    with pytest.raises(CancelledError):
        export_project(project, out, encode=FAST, cancel=token)
    assert out.read_bytes() == b"previous reel"
    assert leftovers(tmp_path) == []


def test_empty_cut(tmp_path):
    session = make_project(tmp_path)
    try:
        with pytest.raises(ExportError, match="the cut is empty"):
            export_project(session, tmp_path / "r.mp4")
        session.add_scene("INT. ROOM", number="1")
        session.add_shot("1", code="001_0010", duration_frames=12, status="omitted")
        with pytest.raises(ExportError, match="the cut is empty"):
            export_project(session, tmp_path / "r.edl")
        with pytest.raises(NotFoundError):
            export_project(session, tmp_path / "r.mp4", scenes=["9"])
    finally:
        session.close()


def test_bad_encoder_options(project, tmp_path):
    with pytest.raises(ExportError, match="crf: 70"):
        export_project(project, tmp_path / "r.mp4", encode=EncodeOptions(crf=70))
    with pytest.raises(ExportError, match="preset: 'warp'"):
        export_project(project, tmp_path / "r.mp4", encode=EncodeOptions(preset="warp"))


@pytest.mark.parametrize("name", ["r.mp4", "r.mov"])
def test_decode_failure_mid_export_names_the_shot(project, tmp_path, monkeypatch, name):
    from previz.core.errors import MediaError
    from previz.export import render

    def broken(shape):
        def frames(*args, **kwargs):
            yield np.zeros(shape, np.uint8)
            raise MediaError("clip.mp4: decoding failed (Invalid data)")

        return frames

    # the RGB path (ProRes, frames, conformed takes) and the H.264 fast path (I420)
    monkeypatch.setattr(render, "conformed_frames", broken((180, 320, 3)))
    monkeypatch.setattr(render, "decode_i420", broken((270, 320)))
    with pytest.raises(ExportError, match=r"shot 001_0010: take 1: .*decoding failed"):
        export_project(project, tmp_path / name, encode=FAST)
    assert leftovers(tmp_path) == [] and not (tmp_path / name).exists()


def test_take_of_odd_size_still_exports(project, tmp_path):
    add_video_take(project, "002_0010", 12, (10, 200, 10), width=200, height=150)
    result = export_project(project, tmp_path / "r.mp4", encode=FAST)
    assert result.frames == 40


def test_an_existing_folder_with_other_files_is_never_replaced(project, tmp_path):
    desk = tmp_path / "Desktop"
    desk.mkdir()
    (desk / "thesis.docx").write_text("years of work")
    for fmt in ("frames", "clips"):
        with pytest.raises(ExportError, match=r"holds other files \(thesis.docx\).*new folder name"):
            export_project(project, desk, fmt, encode=FAST)
    assert (desk / "thesis.docx").read_text() == "years of work"
    (tmp_path / "film_media").mkdir()
    (tmp_path / "film_media" / "notes.txt").write_text("mine")
    with pytest.raises(ExportError, match="holds other files"):
        export_project(project, tmp_path / "film.otio", encode=FAST)
    assert (tmp_path / "film_media" / "notes.txt").exists()
    # a previous export of the same kind is replaced
    export_project(project, tmp_path / "frames", "frames", options=RenderOptions(watermark=None))
    export_project(project, tmp_path / "frames", "frames", options=RenderOptions(watermark=None))
    assert len(list((tmp_path / "frames").iterdir())) == 40
