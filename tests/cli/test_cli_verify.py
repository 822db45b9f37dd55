"""`previz credentials` and `previz verify` end to end: exit codes, one-line errors, JSON, and the export's
report of its credentials (--no-credentials recorded)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from credentials_certs import issue, make_ca, other_key

from previz.cli import main

sys.path.insert(0, str(Path(__file__).parents[1] / "export"))
from export_helpers import COLOURS, add_video_take, make_project  # noqa: E402

WAN = {
    "backend": "diffusers",
    "model": "Wan-AI/Wan2.1-T2V-1.3B",
    "licence": "Apache-2.0",
    "commercial_use": True,
}


@pytest.fixture(autouse=True)
def _own_config(tmp_path, monkeypatch):
    monkeypatch.setenv("PREVIZ_CONFIG_DIR", str(tmp_path / "config"))


@pytest.fixture
def film(tmp_path):
    session = make_project(tmp_path)
    session.add_scene("EXT. PIER - DAWN", number="1")
    session.add_shot("1", code="001_0010", action="Gulls.", duration_frames=12)
    session.add_shot("1", code="001_0020", action="Boat.", duration_frames=12)
    add_video_take(session, "001_0010", 12, COLOURS[0], provenance=WAN)
    add_video_take(session, "001_0020", 12, COLOURS[1])
    session.close()
    return tmp_path / "film.previz"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_set_export_verify_trusted_and_json(film, tmp_path, capsys):
    pki = issue(make_ca(tmp_path / "pki"))
    code, out, err = run(capsys, "credentials", "set", "--cert", pki.chain, "--key", pki.key)
    assert code == 0 and "exports will be signed by O=Test Studio,CN=Test Signer signer (issued by" in out
    reel = tmp_path / "reel.mp4"
    code, out, _ = run(capsys, "export", film, reel, "--preset", "ultrafast")
    assert code == 0
    assert (
        "content credentials: signed by O=Test Studio,CN=Test Signer signer (studio identity); "
        "source type compositeWithTrainedAlgorithmicMedia" in out
    )

    code, out, err = run(capsys, "verify", reel)
    assert code == 0 and err == ""
    assert "content credentials valid (signer not trusted here" in out
    assert (
        "  001_0010 take 1: trainedAlgorithmicMedia, Wan-AI/Wan2.1-T2V-1.3B, Apache-2.0 "
        "(commercial use allowed)" in out
    )
    assert "  001_0020 take 1: digitalCreation, animatic (no model)" in out

    code, out, _ = run(capsys, "verify", reel, "--trust", pki.ca, "--json")
    data = json.loads(out)
    assert code == 0 and data["state"] == "trusted" and data["signer"] == "Test Signer signer"
    assert [s["shot"] for s in data["shots"]] == ["001_0010", "001_0020"]


def test_verify_exit_1_for_tampered_file_and_no_manifest(film, tmp_path, capsys):
    reel = tmp_path / "reel.mp4"
    assert run(capsys, "export", film, reel, "--preset", "ultrafast")[0] == 0
    data = bytearray(reel.read_bytes())
    data[data.find(b"mdat") + 100] ^= 0x01
    reel.write_bytes(bytes(data))
    code, out, _ = run(capsys, "verify", reel)
    assert (
        code == 1 and "content credentials INVALID" in out and "failure: assertion.bmffHash.mismatch" in out
    )

    plain = tmp_path / "plain.mp4"
    code, out, _ = run(capsys, "export", film, plain, "--preset", "ultrafast", "--no-credentials", "--json")
    assert code == 0
    assert json.loads(out)["credentials"] == {
        "signed": False,
        "note": "no content credentials (--no-credentials)",
    }
    code, out, err = run(capsys, "verify", plain)
    assert code == 1 and out == ""
    assert err == f"previz: error: {plain}: no content credentials (no C2PA manifest in this file)\n"


def test_show_and_local_identity(film, tmp_path, capsys):
    code, out, _ = run(capsys, "credentials", "show", "--json")
    info = json.loads(out)
    assert code == 0 and info["local"] is True and Path(info["local_ca"]).is_file()
    assert info["note"] == "local identity: valid, but untrusted outside the studio"
    reel = tmp_path / "reel.mov"
    assert run(capsys, "export", film, reel)[0] == 0
    assert run(capsys, "verify", reel, "--trust", info["local_ca"], "--json")[0] == 0


def test_bad_identity_is_one_line_and_exit_1(film, tmp_path, capsys):
    pki = issue(make_ca(tmp_path / "pki"))
    code, out, err = run(capsys, "credentials", "set", "--cert", pki.chain, "--key", other_key(tmp_path))
    assert code == 1 and out == ""
    assert err.startswith("previz: error: ") and err.count("\n") == 1
    assert "the key does not match the signing certificate" in err
    code, out, _ = run(capsys, "credentials", "show", "--json")
    assert json.loads(out)["local"] is True  # nothing was kept


def test_verify_refuses_a_non_video_and_a_trust_file_without_certificates(film, tmp_path, capsys):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a movie")
    code, out, err = run(capsys, "verify", notes)
    assert code == 1 and out == "" and "notes.txt: not a file that can carry content credentials" in err
    reel = tmp_path / "reel.mp4"
    assert run(capsys, "export", film, reel, "--preset", "ultrafast")[0] == 0
    code, out, err = run(capsys, "verify", reel, "--trust", notes)
    assert (
        code == 1
        and err == f"previz: error: {notes}: holds no PEM certificate; give the CA certificate(s) in PEM\n"
    )
