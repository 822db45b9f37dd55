"""The bundled sample screenplay and shot list parse, agree with each other and break down."""

from __future__ import annotations

from pathlib import Path

from previz.core.enums import ShotSize
from previz.ingest import detect_kind, load_screenplay
from previz.ingest.breakdown import break_down_scene
from previz.ingest.shotlist import load_shot_list, resolve_scenes

SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "sample"


def test_sample_screenplay_and_shot_list_agree():
    play = load_screenplay(SAMPLE / "sample.fountain")
    assert play.title == "The Last Keeper"
    assert [s.number for s in play.scenes] == ["1", "2", "2A", "3"]
    assert play.characters == ["MARA", "JONAH"]
    kinds = {e.kind for s in play.scenes for e in s.elements}
    assert {"action", "character", "parenthetical", "dialogue", "transition", "note", "synopsis"} <= kinds
    assert detect_kind(SAMPLE / "shotlist.csv") == "csv" and detect_kind(SAMPLE) == "boards"

    shots = load_shot_list(SAMPLE / "shotlist.csv", fps=24)
    assert len(shots.rows) == 12
    resolve_scenes(shots, [s.number for s in play.scenes])
    assert shots.rows[7].code == "002A_0010"
    assert all(r.size and r.move and r.lens_mm and r.duration_frames and r.description for r in shots.rows)


def test_sample_breakdown():
    play = load_screenplay(SAMPLE / "sample.fountain")
    proposed = {s.number: break_down_scene(s, play.characters) for s in play.scenes}
    assert [len(v) for v in proposed.values()] == [3, 8, 2, 6]
    assert proposed["1"][0].size == ShotSize.ews
    assert proposed["2"][0].size == ShotSize.ws
    assert all(2.0 <= s.duration_seconds <= 6.0 for s in proposed["3"])
