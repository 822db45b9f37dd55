"""`previz demo` builds the sample project through the real import, generation and export paths;
listing a project never imports torch or Qt."""

import json
import subprocess
import sys

import pytest

from previz.cli import main
from previz.core.session import ProjectSession
from previz.media.video import probe


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    assert main(["demo", str(folder)]) == 0
    return folder


def test_demo_builds_the_sample_project_with_a_take_per_shot(demo):
    with ProjectSession.open(demo / "the-last-keeper.previz", readonly=True) as s:
        shots = s.shots()
        assert len(shots) == 12 and len(s.scenes()) == 4
        assert all(shot.board_hash and s.media_path(shot.board_hash).is_file() for shot in shots)
        assert {c.name for c in s.characters()} == {"MARA", "JONAH"}
        for shot in shots:
            take = s.take(shot.selected_take_id)
            info = probe(s.media_path(take.media_hash))
            assert (take.kind, info.frames, info.width, info.height) == (
                "animatic",
                shot.duration_frames,
                1280,
                720,
            )
            assert shot.status == "ready"


def test_demo_ends_with_the_reel_timeline_edl_and_boards(demo):
    import opentimelineio as otio

    reel = probe(demo / "The_Last_Keeper_reel.mp4")
    with ProjectSession.open(demo / "the-last-keeper.previz", readonly=True) as s:
        cut = s.cut()
    assert (reel.frames, reel.width, reel.height, reel.codec) == (cut.duration, 1280, 720, "h264")
    timeline = otio.adapters.read_from_file(str(demo / "The_Last_Keeper.otio"))
    assert [c.name for c in timeline.find_clips()] == [e.code for e in cut.entries]
    edl = (demo / "The_Last_Keeper.edl").read_text()
    assert "01:00:00:00" in edl
    assert (demo / "The_Last_Keeper_boards.pdf").read_bytes().startswith(b"%PDF")


def test_listing_a_project_does_not_import_torch_or_qt(demo):
    code = (
        "import sys, json; from previz.cli import main; "
        "rc = main(['info', sys.argv[1], '--json']); "
        "rc |= main(['cut', sys.argv[1]]); "
        "print(json.dumps({'rc': rc, 'torch': 'torch' in sys.modules, 'qt': 'PySide6' in sys.modules}))"
    )
    out = (
        subprocess.run(
            [sys.executable, "-c", code, str(demo / "the-last-keeper.previz")],
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    assert json.loads(out) == {"rc": 0, "torch": False, "qt": False}
