"""`previz compare-takes`: PSNR and SSIM per frame between two takes of a shot, and its bad input."""

from __future__ import annotations

import json
import math
import shutil
from fractions import Fraction

import numpy as np
import pytest

from previz.cli import main
from previz.core.session import ProjectSession


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def picture(i: int) -> np.ndarray:
    y, x = np.mgrid[0:64, 0:96]
    base = 100 + 50 * np.sin(x / 6.0 + i) + 30 * np.cos(y / 4.0)
    return np.clip(np.repeat(base[..., None], 3, axis=2), 0, 255).astype(np.uint8)


def add_take(session, code: str, frames: list[np.ndarray]) -> int:
    from previz.media.library import register_encoded
    from previz.media.video import VideoWriter

    temp = session.media.new_temp_path("mov")
    with VideoWriter(temp, 96, 64, Fraction(24), codec="png") as writer:
        for frame in frames:
            writer.write(frame)
    info = register_encoded(session, temp, "mov")
    return session.add_take(code, kind="imported", media_hash=info.hash).number


@pytest.fixture
def project(tmp_path):
    """Shot 001_0010 with three 5-frame takes: 1 and 2 identical, 3 with noise of sigma 8; 001_0020 none."""
    session = ProjectSession.create(tmp_path / "film", name="Film", fps="24", size="96x64")
    session.add_scene("EXT. SEA - NIGHT", number="1")
    session.add_shot("1", duration_frames=5)
    session.add_shot("1", duration_frames=5)
    clean = [picture(i) for i in range(5)]
    rng = np.random.default_rng(3)
    noisy = [np.clip(f + rng.normal(0, 8, f.shape).round(), 0, 255).astype(np.uint8) for f in clean]
    for frames in (clean, clean, noisy):
        add_take(session, "001_0010", frames)
    path = session.root
    session.close()
    return path


def test_identical_takes_and_a_noisy_one(project, capsys):
    code, out, err = run(capsys, "compare-takes", project, "001_0010", 1, 2)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "001_0010: take 1 vs take 2, 5 frames at 96x64"
    assert lines[1].split() == ["frame", "psnr_db", "ssim"]
    assert [line.split() for line in lines[2:]] == [[str(i), "inf", "1.0000"] for i in range(5)] + [
        ["mean", "inf", "1.0000"],
        ["min", "inf", "1.0000"],
    ]

    code, out, _ = run(capsys, "compare-takes", project, "001_0010", 1, 3, "--json")
    result = json.loads(out)
    assert code == 0 and result["shot"] == "001_0010" and result["takes"] == [1, 3]
    assert result["compared_frames"] == 5 and result["notes"] == []
    expected = 10 * math.log10(255**2 / 64)
    assert [f["frame"] for f in result["frames"]] == [0, 1, 2, 3, 4]
    assert all(f["psnr"] == pytest.approx(expected, abs=0.3) for f in result["frames"])
    assert result["psnr"]["mean"] == pytest.approx(expected, abs=0.2)
    assert result["psnr"]["min"] == min(f["psnr"] for f in result["frames"])
    assert 0 < result["ssim"]["min"] <= result["ssim"]["mean"] < 1
    identical = json.loads(run(capsys, "compare-takes", project, "001_0010", 2, 1, "--json")[1])
    assert identical["psnr"] == {"mean": None, "min": None} and identical["ssim"]["mean"] == 1.0
    assert all(f["mse"] == 0 and f["psnr"] is None for f in identical["frames"])


def test_bad_input(project, capsys):
    code, out, err = run(capsys, "compare-takes", project, "9_9", 1, 2)
    assert code == 1 and out == "" and "shot '9_9' not found" in err and "Traceback" not in err
    code, _, err = run(capsys, "compare-takes", project, "001_0010", 1, 7)
    assert code == 1 and err.strip() == "previz: error: 001_0010 has no take 7; its takes are: 1, 2, 3"
    code, _, err = run(capsys, "compare-takes", project, "001_0020", 1, 2)
    assert code == 1 and "001_0020 has no take 1; its takes are: none yet" in err

    session = ProjectSession.open(project, readonly=True)
    take = session.takes("001_0010")[2]
    path = session.media.path(take.media_hash, take.ext)
    session.close()
    shutil.move(path, path.with_name("aside"))
    code, _, err = run(capsys, "compare-takes", project, "001_0010", 1, 3)
    assert code == 1 and f"001_0010 take 3: its media file {path} is missing" in err
    with pytest.raises(SystemExit) as usage:
        main(["compare-takes", str(project), "001_0010", "x", "3"])
    assert usage.value.code == 2 and "argument A: invalid int value: 'x'" in capsys.readouterr().err
