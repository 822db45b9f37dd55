"""The sample boards script: one panel per shot-list row, named by shot code, small, deterministic."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import numpy as np

from previz.media.images import load_image

SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "sample"


def load_script():
    spec = importlib.util.spec_from_file_location("make_boards", SAMPLE / "make_boards.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shot_codes():
    boards = load_script()
    assert boards.shot_code("1", "10") == "001_0010"
    assert boards.shot_code("2A", "20") == "002A_0020"
    assert boards.shot_code("12a", "5") == "012A_0005"


def test_script_regenerates_the_committed_panels(tmp_path):
    boards = load_script()
    with (SAMPLE / "shotlist.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert boards.main(["--out", str(tmp_path)]) == 0
    made = sorted(p.name for p in tmp_path.glob("*.png"))
    assert made == sorted(f"{boards.shot_code(r['scene'], r['shot'])}.png" for r in rows)
    for name in made:
        path = tmp_path / name
        assert path.stat().st_size < 150_000
        image = load_image(path)
        assert image.shape == (720, 1280, 3)
        assert (image < 128).mean() > 0.005  # there is a drawing on the paper
        committed = SAMPLE / "boards" / name
        assert committed.is_file(), f"{name} missing from resources/sample/boards; run make_boards.py"
        # Same drawing (a tolerance, not equality: anti-aliasing may differ across OpenCV builds).
        diff = np.abs(load_image(committed).astype(np.int16) - image.astype(np.int16))
        assert diff.mean() < 2.0 and (diff.max(axis=2) > 60).mean() < 0.01, (
            f"{name} is stale; run make_boards.py"
        )
