"""Boards PDF page counts and text; the licence report and the commercial-use refusal."""

from __future__ import annotations

import re
import zlib

import pytest
from export_helpers import COLOURS, add_board, add_video_take

from previz.core.errors import ExportError
from previz.export.api import export_project
from previz.export.licences import NO_MODEL, licence_report
from previz.export.reel import EncodeOptions

FAST = EncodeOptions(crf=20, preset="ultrafast")
NONCOMMERCIAL = {
    "backend": "diffusers",
    "model": "stabilityai/stable-video-diffusion-img2vid",
    "licence": "Stable Video Diffusion Non-Commercial Community License",
    "commercial_use": False,
}


def page_count(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", data))


@pytest.fixture
def seven_shots(project, tmp_path):
    for i in range(4):
        project.add_shot("2", action=f"Beat {i}: the keeper — tired — climbs on.", duration_frames=12)
    add_board(project, "002_0010", COLOURS[2], tmp_path)
    return project


@pytest.mark.parametrize("per_page,pages", [(1, 1 + 7), (4, 1 + 2), (6, 1 + 2)])
def test_boards_pdf_page_counts(seven_shots, tmp_path, per_page, pages):
    out = tmp_path / f"boards{per_page}.pdf"
    result = export_project(seven_shots, out, per_page=per_page)
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    assert result.pages == pages
    assert page_count(data) == pages
    assert len(re.findall(rb"/Subtype\s*/Image", data)) >= 7


def test_boards_pdf_embeds_the_unicode_font(project, tmp_path):
    out = tmp_path / "b.pdf"
    export_project(project, out, per_page=4)
    data = out.read_bytes()
    assert b"DejaVu" in data and b"/FontFile2" in data  # the TTF is embedded (subset), not a core font
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S)
    text = b"".join(zlib.decompress(s) for s in streams if s[:1] == b"x")
    assert b"Tj" in text or b"TJ" in text


def test_bad_layout(project, tmp_path):
    with pytest.raises(ExportError, match="1, 4 \\(2x2\\) or 6 \\(3x2\\)"):
        export_project(project, tmp_path / "b.pdf", per_page=5)


def test_licence_report_groups_models(project):
    add_video_take(project, "002_0010", 12, COLOURS[4], provenance=NONCOMMERCIAL)
    report = licence_report(project, project.cut())
    by_model = {g.model: g for g in report}
    assert by_model[NO_MODEL].shots == ["001_0010", "001_0020"]
    svd = by_model["stabilityai/stable-video-diffusion-img2vid"]
    assert svd.shots == ["002_0010"] and svd.commercial_use is False
    assert "NON-COMMERCIAL" in svd.line()


def test_commercial_export_refuses_non_commercial_models(project, tmp_path):
    add_video_take(project, "002_0010", 12, COLOURS[4], provenance=NONCOMMERCIAL)
    add_video_take(project, "001_0020", 12, COLOURS[4], provenance={"model": "mystery/model"})
    project.select_take("001_0020", 2)
    with pytest.raises(ExportError) as info:
        export_project(project, tmp_path / "r.mp4", commercial=True, encode=FAST)
    message = str(info.value)
    assert "002_0010" in message and "forbids commercial use" in message
    assert "001_0020" in message and "no recorded licence" in message
    assert "001_0010" not in message
    assert not (tmp_path / "r.mp4").exists()
    # without --commercial the same cut exports and reports the licences
    result = export_project(project, tmp_path / "r.mp4", encode=FAST)
    assert {g.model for g in result.licences} >= {
        "stabilityai/stable-video-diffusion-img2vid",
        "mystery/model",
    }
    # a commercially licensed model passes
    project.select_take("001_0020", 1)
    project.select_take("002_0010", None)
    result = export_project(project, tmp_path / "ok.mp4", commercial=True, encode=FAST)
    assert result.frames == 40
