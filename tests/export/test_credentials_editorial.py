"""Editorial files name each shot's model and licence (OTIO metadata, EDL comments, FCP XML clip comments),
from the same provenance reader as the licence report; their per-shot media carry content credentials."""

from __future__ import annotations

import opentimelineio as otio
import pytest
from credentials_certs import issue, make_ca
from export_helpers import COLOURS, add_video_take

from previz.export.api import export_project
from previz.export.credentials import set_identity
from previz.export.verify import verify_file

WAN = {
    "backend": "diffusers",
    "model": "Wan-AI/Wan2.1-T2V-1.3B",
    "licence": "CC-BY-NC-4.0",
    "commercial_use": False,
    "seed": 7,
}
CREDIT = "model Wan-AI/Wan2.1-T2V-1.3B; licence CC-BY-NC-4.0 (NON-COMMERCIAL); trainedAlgorithmicMedia"


@pytest.fixture(autouse=True)
def _own_config(tmp_path, monkeypatch):
    monkeypatch.setenv("PREVIZ_CONFIG_DIR", str(tmp_path / "config"))


@pytest.fixture
def cut(project):
    add_video_take(project, "001_0010", 20, COLOURS[2], provenance=WAN)
    project.select_take("001_0010", 2)
    return project


def test_edl_comments_name_model_and_licence(cut, tmp_path):
    export_project(cut, tmp_path / "cut.edl")
    text = (tmp_path / "cut.edl").read_text()
    assert f"* PREVIZ: {CREDIT}" in text
    assert "* PREVIZ: animatic (no model); digitalCreation" in text
    assert "* PREVIZ: board (no take); digitalCreation" in text


def test_fcp_xml_clip_comments_name_model_and_licence(cut, tmp_path):
    export_project(cut, tmp_path / "cut.xml")
    text = (tmp_path / "cut.xml").read_text()
    assert f"<mastercomment1>{CREDIT}</mastercomment1>" in text


def test_otio_metadata_holds_the_takes_provenance_and_media_are_signed(cut, tmp_path):
    pki = issue(make_ca(tmp_path / "pki"))
    set_identity(pki.chain, pki.key)
    result = export_project(cut, tmp_path / "cut.otio")
    timeline = otio.adapters.read_from_file(str(tmp_path / "cut.otio"))
    meta = timeline.find_clips()[0].metadata["previz"]
    assert meta["provenance"]["model"] == "Wan-AI/Wan2.1-T2V-1.3B" and meta["provenance"]["seed"] == 7
    assert meta["source_type"] == "trainedAlgorithmicMedia" and meta["credit"] == CREDIT
    assert result.credentials["signed"] is True
    clip = verify_file(result.files[0] / "001_0010_T2.mp4", trust=pki.ca)
    assert clip.state == "trusted" and [s["shot"] for s in clip.shots] == ["001_0010"]
