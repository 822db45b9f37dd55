"""Bad signing identities are refused with one clear line and leave the configured identity unchanged; files
that are not video, or carry another tool's manifest, are read as such."""

from __future__ import annotations

import c2pa
import pytest
from credentials_certs import issue, make_ca, other_key

from previz.export import credentials as creds
from previz.export.credentials import CredentialsError, set_identity
from previz.export.verify import verify_file


@pytest.fixture(autouse=True)
def _own_config(tmp_path, monkeypatch):
    monkeypatch.setenv("PREVIZ_CONFIG_DIR", str(tmp_path / "config"))


@pytest.fixture
def ca(tmp_path):
    return make_ca(tmp_path / "pki")


def refused(match: str, *args, **kwargs) -> None:
    with pytest.raises(CredentialsError, match=match) as info:
        set_identity(*args, **kwargs)
    assert "\n" not in info.value.one_line()
    assert not (creds.credentials_dir() / "identity.json").exists()


def test_a_key_that_does_not_match_the_certificate(ca, tmp_path):
    pki = issue(ca)
    refused("the key does not match the signing certificate", pki.chain, other_key(tmp_path))


def test_an_unreadable_key_file(ca, tmp_path):
    pki = issue(ca)
    refused(r"missing_key.pem: cannot read the key", pki.chain, tmp_path / "missing_key.pem")
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a key")
    refused("not an unencrypted PEM private key", pki.chain, garbage)


def test_a_chain_in_the_wrong_order(ca):
    pki = issue(ca, chain_order="root-first")
    refused("the certificate chain is in the wrong order", pki.chain, pki.key)


def test_a_certificate_without_digital_signature_usage(ca):
    pki = issue(ca, "nosig", digital_signature=False)
    refused("lacks the digitalSignature key usage", pki.chain, pki.key)


def test_a_certificate_without_a_signing_eku(ca):
    pki = issue(ca, "noeku", eku=False)
    refused("lacks an extended key usage C2PA accepts", pki.chain, pki.key)


def test_a_certificate_not_yet_valid(ca):
    pki = issue(ca, "future", days=(10, 100))
    refused("is not valid until", pki.chain, pki.key)


def test_key_and_command_are_exclusive(ca):
    pki = issue(ca)
    refused("give either --key KEY.pem or --sign-command CMD", pki.chain, pki.key, sign_command="cat")


def test_a_signing_command_signs_like_a_key(ca, tmp_path):
    """A key kept elsewhere (an HSM): any command that signs stdin; openssl stands in for the HSM tool."""
    pki = issue(ca)
    identity = set_identity(pki.chain, sign_command=f"openssl dgst -sha256 -sign {pki.key}")
    assert identity.key_pem is None and identity.sign_command[0] == "openssl"
    source = tmp_path / "in.mp4"
    _tiny_mp4(source)
    creds.sign_movie(creds.current_identity(), source, tmp_path / "out.mp4", creds.manifest("out.mp4", []))
    assert verify_file(tmp_path / "out.mp4", trust=pki.ca).state == "trusted"


def test_a_signing_command_that_signs_with_another_key_is_refused(ca, tmp_path):
    pki = issue(ca)
    refused(
        "its signature does not verify",
        pki.chain,
        sign_command=f"openssl dgst -sha256 -sign {other_key(tmp_path)}",
    )


def test_a_file_that_is_not_video(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(CredentialsError, match="notes.txt: not a file that can carry content credentials"):
        verify_file(text)
    with pytest.raises(CredentialsError, match="no such file"):
        verify_file(tmp_path / "missing.mp4")


def test_a_manifest_from_another_tool_is_shown_not_rejected(ca, tmp_path):
    pki = issue(ca)
    source, out = tmp_path / "in.mp4", tmp_path / "other.mp4"
    _tiny_mp4(source)
    claim = {
        "claim_generator_info": [{"name": "OtherCam", "version": "3.1"}],
        "assertions": [
            {
                "label": "c2pa.actions.v2",
                "data": {
                    "actions": [
                        {
                            "action": "c2pa.created",
                            "digitalSourceType": "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture",
                        }
                    ]
                },
            }
        ],
    }
    info = c2pa.C2paSignerInfo("es256", pki.chain.read_bytes(), pki.key.read_bytes(), None)
    with c2pa.Signer.from_info(info) as signer, c2pa.Builder(claim) as builder:
        with source.open("rb") as src, out.open("w+b") as dest:
            builder.sign(signer, "video/mp4", src, dest)
    result = verify_file(out)
    assert result.state == "valid" and not result.previz and result.shots == []
    assert result.generator.startswith("OtherCam 3.1") and result.source_type == "digitalCapture"
    assert "shots: none listed (manifest made by another tool)" in result.lines()


def _tiny_mp4(path) -> None:
    import av
    import numpy as np

    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=24)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(6):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), i * 30, np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
